//! The reader: raw file bytes (gzip, text encodings) -> decoded text -> the
//! dialect, sniffed on its start -> [`StreamParser`] -> [`Table`], with the size
//! limit and the hooks a streamed read uses.

use super::dialect::{detect_dialect_with, Dialect, LineScan, Quoting, QUOTING_OFF_NOTE, SNIFF_BYTES};
use super::parser::StreamParser;
use super::table::{RaggedRows, Table};
use crate::ingest::decode::{InputDecoder, GZIP_PIECE};
use crate::ingest::limits;
use crate::ingest::IngestError;

/// Most decoded text a [`TableReader`] accepts (1 GiB). A table read whole
/// keeps every cell, about 1.5x the text in memory, and a wasm32 tab has 4
/// GiB at most; above this, reading stops with [`IngestError::TooLarge`]
/// before memory runs out. (A streamed read keeps no rows, but a stream
/// can still need a whole read, so the limit holds for it too.)
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Reads a whole file chunk by chunk: decoding ([`InputDecoder`]: gzip, text
/// encodings), dialect detection on the first [`SNIFF_BYTES`] of text (or
/// up to [`MAX_SNIFF_BYTES`](super::MAX_SNIFF_BYTES) to hold the header and a data row), then
/// streaming CSV parsing. The browser feeds it `Blob` slices; tests feed bytes.
#[derive(Default)]
pub struct TableReader {
    decoder: InputDecoder,
    text_bytes: u64,
    /// Limit on decoded text; 0 means [`MAX_TEXT_BYTES`].
    max_text_bytes: u64,
    head: Vec<u8>,
    scan: LineScan,
    parser: Option<(Dialect, StreamParser)>,
    /// Passed on to the [`StreamParser`].
    ragged: RaggedRows,
    /// Whether quote characters are special ([`TableReader::quoting`]).
    quoting: Quoting,
    /// Size of the whole file in bytes, if known ([`TableReader::size_hint`]).
    size_hint: u64,
    /// Rows are taken out as they are parsed ([`TableReader::streamed`]).
    streamed: bool,
    /// The rows taken out were put back: the table is held whole again.
    put_back: bool,
    /// Limit on the memory the table may need; 0 means [`limits::MAX_MEMORY_BYTES`].
    max_memory_bytes: u64,
    /// The text started as JSON ([`crate::ingest::json`]): it is held whole and read at the end.
    json: Option<Vec<u8>>,
    /// The file started as a spreadsheet workbook ([`crate::ingest::workbook`]) or as
    /// Parquet ([`crate::ingest::parquet`]): its bytes, read at the end, and which.
    workbook: Option<Vec<u8>>,
    parquet: bool,
    /// The workbook sheet to read ([`TableReader::sheet`]).
    sheet: Option<String>,
    /// Raw bytes fed so far.
    raw_bytes: u64,
}

impl TableReader {
    /// A reader that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A reader that stops with [`IngestError::TooLarge`] past `max` bytes of decoded text.
    pub fn with_limit(max: u64) -> Self {
        TableReader { max_text_bytes: max, ..Self::default() }
    }

    /// Sets what happens to data rows whose field count differs from the
    /// header's: [`RaggedRows::Skip`] (the default) loads the other rows and
    /// counts them in [`Table::ragged_count`]; [`RaggedRows::Reject`] makes
    /// [`TableReader::finish`] fail with [`IngestError::Ragged`].
    /// E.g. `TableReader::new().ragged(RaggedRows::Reject)`.
    pub fn ragged(mut self, policy: RaggedRows) -> Self {
        self.ragged = policy;
        self
    }

    /// Sets whether quote characters are special: [`Quoting::Auto`] (the
    /// default) detects the quote character; [`Quoting::Off`] reads quotes
    /// as ordinary text (the dialect then has no quote) and adds
    /// [`QUOTING_OFF_NOTE`] to [`Table::source_notes`].
    /// E.g. `TableReader::new().quoting(Quoting::Off)`.
    pub fn quoting(mut self, quoting: Quoting) -> Self {
        self.quoting = quoting;
        self
    }

    /// Tells the reader the file's size in bytes, so that the table's buffers
    /// are allocated once, at about their final size (plain text only: the
    /// size of gzip or UTF-16 text is not known in advance).
    pub fn size_hint(mut self, bytes: u64) -> Self {
        self.size_hint = bytes;
        self
    }

    /// Tells the reader its rows will be taken out as they are parsed
    /// ([`TableReader::take_rows`]): the size hint then reserves nothing,
    /// unless rows are put back ([`TableReader::put_back`]).
    pub fn streamed(mut self) -> Self {
        self.streamed = true;
        self
    }

    /// Sets the most memory (bytes) the table read whole may need (see
    /// [`TableReader::feed`]); 0 means [`limits::MAX_MEMORY_BYTES`]. Tests lower it.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.max_memory_bytes = bytes;
        self
    }

    /// Sets the sheet read from a workbook (by name); `None` (the default)
    /// reads the first sheet with a filled cell. Text files ignore it.
    pub fn sheet(mut self, name: Option<String>) -> Self {
        self.sheet = name;
        self
    }

    /// Share of the file's text read so far, if it is known: plain text
    /// (not gzip, not UTF-16) and a size hint given.
    pub fn fraction_read(&self) -> Option<f64> {
        (self.decoder.is_plain() && self.size_hint > 0).then(|| self.text_bytes as f64 / self.size_hint as f64)
    }

    /// Feeds the next raw chunk of the file.
    ///
    /// A table held whole (not [`TableReader::streamed`], or put back) is
    /// checked after each chunk: its memory ([`limits::table_bytes`]) for
    /// the rows so far and, when the file's size is known, for the whole
    /// file at the rate of the rows so far must stay within the limit
    /// ([`TableReader::memory_limit`]).
    ///
    /// Errors: from decoding ([`IngestError::Corrupt`]), dialect detection
    /// ([`IngestError::Empty`], [`IngestError::Binary`]), parsing, or
    /// [`IngestError::TooManyCells`] from the memory check.
    pub fn feed(&mut self, raw: &[u8]) -> Result<(), IngestError> {
        // A workbook is told by its first bytes (the first chunk must hold
        // them: the page's and the tests' chunks do), and held whole.
        if self.raw_bytes == 0 && crate::ingest::workbook::looks_like_workbook(raw) {
            self.workbook = Some(Vec::new());
        }
        if self.raw_bytes == 0 && crate::ingest::parquet::looks_like_parquet(raw) {
            self.workbook = Some(Vec::new());
            self.parquet = true;
        }
        self.raw_bytes += raw.len() as u64;
        if let Some(w) = &mut self.workbook {
            w.extend_from_slice(raw);
            if self.parquet && w.len() as u64 > crate::ingest::parquet::MAX_PARQUET_BYTES {
                return Err(IngestError::Parquet(crate::ingest::parquet::too_large()));
            }
            if !self.parquet && w.len() as u64 > crate::ingest::workbook::MAX_WORKBOOK_BYTES {
                return Err(IngestError::Workbook(crate::ingest::workbook::too_large()));
            }
            return Ok(());
        }
        // A gzip stream is unpacked a piece at a time, so that the text limit
        // stops a file that unpacks to far more before its text is held.
        let step = if self.decoder.is_gzip(raw) { GZIP_PIECE } else { raw.len().max(1) };
        if raw.is_empty() {
            let text = self.decoder.feed(raw)?;
            return self.push(text, false);
        }
        for piece in raw.chunks(step) {
            let text = self.decoder.feed(piece)?;
            self.push(text, false)?;
        }
        Ok(())
    }

    fn push(&mut self, text: Vec<u8>, last: bool) -> Result<(), IngestError> {
        self.text_bytes += text.len() as u64;
        let max = if self.max_text_bytes == 0 { MAX_TEXT_BYTES } else { self.max_text_bytes };
        if self.text_bytes > max {
            return Err(match self.decoder.packed_bytes() {
                0 => IngestError::TooLarge { bytes: self.text_bytes, max },
                packed => IngestError::UnpacksTooLarge { packed, max },
            });
        }
        if let Some(j) = &mut self.json {
            j.extend(text);
            if j.len() as u64 > crate::ingest::json::MAX_JSON_BYTES {
                return Err(IngestError::Json(crate::ingest::json::too_large()));
            }
            return Ok(());
        }
        match &mut self.parser {
            Some((_, p)) => {
                p.feed(&text)?;
                self.check_memory()
            }
            None => {
                self.head.extend(text);
                if crate::ingest::json::looks_like_json(&self.head) {
                    self.json = Some(std::mem::take(&mut self.head));
                    return Ok(());
                }
                if self.head.len() < SNIFF_BYTES && !last {
                    return Ok(());
                }
                let Some(n) = self.scan.sniff_len(&self.head, last) else { return Ok(()) };
                let d = detect_dialect_with(&self.head[..n], self.quoting)?;
                let mut p = StreamParser::new(d).ragged(self.ragged);
                let head = std::mem::take(&mut self.head);
                p.feed(&head)?;
                self.parser = Some((d, p));
                self.check_memory()?;
                if !self.streamed {
                    self.reserve_rest();
                }
                Ok(())
            }
        }
    }

    /// Refuses a table held whole that needs, or at the rate of its rows so
    /// far would need by the end of the file, more memory than the limit
    /// (see [`TableReader::feed`]).
    fn check_memory(&self) -> Result<(), IngestError> {
        let Some((_, p)) = self.parser.as_ref().filter(|_| !self.streamed || self.put_back) else { return Ok(()) };
        let (rows, cols) = p.held_shape();
        let (rows, cols) = (rows as u64, cols as u64);
        if rows == 0 {
            return Ok(());
        }
        // Projected to the whole file when its size is known (plain text): rows in proportion to the text.
        let total = if self.decoder.is_plain() { self.size_hint.max(self.text_bytes) } else { self.text_bytes };
        let scale = total as f64 / self.text_bytes.max(1) as f64;
        let rows = ((rows as f64 * scale).ceil() as u64).max(rows);
        limits::check_table(total, rows, cols, self.max_memory_bytes)
    }

    /// When the text so far is the file's own bytes (UTF-8, not gzip) and
    /// ends at a record boundary: the records read (see
    /// [`StreamParser::records`]). Another reader can then go on from the
    /// next byte of the file, and its rows are the file's rows.
    pub fn at_record_start(&self) -> Option<u32> {
        let (_, p) = self.parser.as_ref()?;
        (self.decoder.is_plain() && p.have_header && p.at_record_start()).then(|| p.records())
    }

    /// The dialect, once detected.
    pub fn dialect(&self) -> Option<Dialect> {
        self.parser.as_ref().map(|(d, _)| *d)
    }

    /// Whether the text is the file's own bytes (UTF-8, not gzip), as far as read.
    pub fn is_plain(&self) -> bool {
        self.decoder.is_plain()
    }

    /// The bytes of a Parquet file fed so far, moved out, so that its rows
    /// can be decoded a chunk at a time ([`crate::ingest::parquet::ParquetRows`])
    /// rather than whole by [`TableReader::finish`]; `None` for any other file.
    pub fn take_parquet(&mut self) -> Option<Vec<u8>> {
        if !self.parquet {
            return None;
        }
        self.parquet = false;
        self.workbook.take()
    }

    /// The rows parsed so far, moved out (see [`StreamParser::take_rows`]);
    /// `None` while the dialect is still being detected (the first
    /// [`SNIFF_BYTES`] of text are held until then) or the header row is
    /// not complete.
    pub fn take_rows(&mut self) -> Option<Table> {
        // A header longer than the sniffed text may still be incomplete.
        self.parser.as_mut().filter(|(_, p)| p.have_header).map(|(_, p)| p.take_rows())
    }

    /// Gives back the first rows taken (see [`StreamParser::put_back`]),
    /// reserving room for the rest of the file if its size is known, so
    /// that [`TableReader::finish`] returns the whole table.
    pub fn put_back(&mut self, t: Table) {
        if let Some((_, p)) = self.parser.as_mut() {
            p.put_back(t);
            self.put_back = true;
            self.reserve_rest();
        }
    }

    /// Reserves the table's room for the rest of the file, estimated from
    /// what was parsed of the text read so far (plain text with a size hint
    /// only: the size of gzip or UTF-16 text is not known in advance).
    fn reserve_rest(&mut self) {
        let more = self.size_hint.saturating_sub(self.text_bytes) as usize;
        if let Some((_, p)) = self.parser.as_mut().filter(|_| self.decoder.is_plain() && more > 0) {
            p.reserve_for(self.text_bytes as usize, more);
        }
    }

    /// Ends the file: the dialect and the table, with decoding notes in
    /// [`Table::source_notes`].
    ///
    /// Errors: as [`TableReader::feed`], and [`StreamParser::finish`]'s
    /// (including [`IngestError::Ragged`] under [`RaggedRows::Reject`]).
    pub fn finish(mut self) -> Result<(Dialect, Table), IngestError> {
        if let Some(bytes) = self.workbook.take() {
            if self.parquet {
                return crate::ingest::parquet::read_parquet(bytes);
            }
            return crate::ingest::workbook::read_workbook(bytes, self.sheet.as_deref());
        }
        let rest = self.decoder.finish()?;
        self.push(rest, true)?;
        if let Some(text) = self.json.take() {
            let (d, mut t) = crate::ingest::json::read_json(&text)?;
            let mut notes = self.decoder.notes();
            notes.append(&mut t.source_notes);
            t.source_notes = notes;
            return Ok((d, t));
        }
        let (d, p) = self.parser.take().ok_or(IngestError::Empty)?;
        let mut t = p.finish()?;
        t.source_notes = self.decoder.notes();
        if self.quoting == Quoting::Off {
            t.source_notes.push(QUOTING_OFF_NOTE.into());
        }
        Ok((d, t))
    }
}

/// Parses a whole in-memory file (tests, the sample), detecting the dialect.
pub fn parse_bytes(bytes: &[u8]) -> Result<(Dialect, Table), IngestError> {
    let mut r = TableReader::new();
    r.feed(bytes)?;
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::detect_dialect;

    #[test]
    fn a_gzip_bomb_stops_at_the_text_limit_with_what_it_unpacks_to() {
        use std::io::Write;
        // 64 MB of one repeated line packs to about 64 kB.
        let line = b"acc1,2026-01-01T00:00:00Z,1.0\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(b"account,time,qty\n").unwrap();
        for _ in 0..(64_000_000 / line.len()) {
            gz.write_all(line).unwrap();
        }
        let packed = gz.finish().unwrap();
        assert!(packed.len() < 1_000_000, "{}", packed.len());
        // Fed in one slice, as the page does (4 MiB): the limit stops it after
        // at most one piece past the limit, not after unpacking it all.
        let mut r = TableReader::with_limit(1_000_000);
        let err = r.feed(&packed).unwrap_err();
        match &err {
            IngestError::UnpacksTooLarge { packed: p, max: 1_000_000 } => {
                assert!(*p <= 2 * GZIP_PIECE as u64, "stopped after {p} packed bytes")
            }
            e => panic!("{e:?}"),
        }
        assert!(err.to_string().starts_with("This gzip file unpacks to more than 1,000,000 bytes of text"), "{err}");
        assert!(r.text_bytes < 1_000_000 + 17_000_000, "text held: {}", r.text_bytes);
    }
    use crate::ingest::csv::RAGGED_ROWS_LISTED;

    #[test]
    fn stops_at_the_size_limit_even_inside_a_gzip() {
        use std::io::Write;
        let text = "a,b\n".to_string() + &"1,2\n".repeat(100_000);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        assert!(gz.len() < 10_000, "compresses well: {}", gz.len());
        let mut r = TableReader::with_limit(100_000);
        let err = gz.chunks(1000).try_for_each(|c| r.feed(c)).and_then(|_| r.finish().map(|_| ()));
        assert!(matches!(err, Err(IngestError::UnpacksTooLarge { max: 100_000, .. })), "{err:?}");
        assert!(err.unwrap_err().to_string().contains("unpacks to more than 100,000 bytes of text"));
    }

    /// Reads `bytes` with `policy`, fed in chunks of `chunk` bytes.
    fn read_with(bytes: &[u8], policy: RaggedRows, chunk: usize) -> Result<Table, IngestError> {
        let mut r = TableReader::new().ragged(policy);
        bytes.chunks(chunk).try_for_each(|c| r.feed(c))?;
        r.finish().map(|(_, t)| t)
    }

    #[test]
    fn ragged_rows_are_skipped_by_default_and_on_request() {
        let f = b"a,b\n1,2\n3\n4,5,6\n7,8\n";
        for t in [read_with(f, RaggedRows::Skip, 3).unwrap(), parse_bytes(f).unwrap().1] {
            assert_eq!(t.n_rows(), 2);
            assert_eq!((t.ragged_count, t.ragged_rows.clone()), (2, vec![(3, 1), (4, 3)]));
            assert_eq!((t.cell(1, 0), t.record_no(1)), ("7", 5));
        }
        assert_eq!(RaggedRows::default(), RaggedRows::Skip);
    }

    #[test]
    fn ragged_rows_can_reject_the_file_naming_the_rows() {
        let f = b"a,b\n1,2\n3\n4,5,6\n7,8\n";
        for chunk in [1, 5, 1 << 20] {
            let e = read_with(f, RaggedRows::Reject, chunk).unwrap_err();
            assert_eq!(e, IngestError::Ragged { count: 2, first: vec![(3, 1), (4, 3)], expected: 2 }, "chunk {chunk}");
        }
        let msg = read_with(f, RaggedRows::Reject, 7).unwrap_err().to_string();
        assert_eq!(
            msg,
            "Row 3 has 1 field but the header has 2 (and 1 more row differs: row 4). Fix the file (look for a missing or extra separator, or an unclosed quote, on those rows), or choose \"Skip rows with the wrong number of fields\" to load the other rows."
        );
        // The parser on its own, too.
        let mut p = StreamParser::new(detect_dialect(f).unwrap()).ragged(RaggedRows::Reject);
        p.feed(f).unwrap();
        assert!(matches!(p.finish(), Err(IngestError::Ragged { count: 2, .. })));
        // One ragged row; a file whose rows are all ragged is rejected, not "no data".
        let e = read_with(b"a;b;c\nx;1;2\ny;1;2;3;4\n", RaggedRows::Reject, 64).unwrap_err().to_string();
        assert!(e.starts_with("Row 3 has 5 fields but the header has 3. Fix the file"), "{e}");
        assert!(e.contains("on that row"), "{e}");
        let mut p = StreamParser::new(Dialect { delimiter: b',', quote: Some(b'"') }).ragged(RaggedRows::Reject);
        p.feed(b"a,b\n1\n2\n").unwrap();
        assert_eq!(p.finish().unwrap_err(), IngestError::Ragged { count: 2, first: vec![(2, 1), (3, 1)], expected: 2 });
    }

    #[test]
    fn rejecting_counts_every_ragged_row_and_lists_the_first() {
        // 25 ragged rows (records 3, 5, ..., 51) between good ones.
        let mut f = String::from("id,x,y\n");
        for i in 0..25 {
            f.push_str(&format!("{i},1,2\n{i},1\n"));
        }
        let Err(IngestError::Ragged { count, first, expected }) = read_with(f.as_bytes(), RaggedRows::Reject, 10)
        else {
            panic!("not rejected")
        };
        assert_eq!((count, first.len(), expected), (25, RAGGED_ROWS_LISTED, 3));
        assert_eq!(first[..3], [(3, 2), (5, 2), (7, 2)]);
        let msg = IngestError::Ragged { count, first, expected }.to_string();
        assert!(
            msg.starts_with(
                "Row 3 has 2 fields but the header has 3 (and 24 more rows differ, starting with rows 5, 7, 9, "
            ),
            "{msg}"
        );
        assert!(msg.contains(", 41). Fix the file"), "the 20th listed row is record 41: {msg}");
        // Skip keeps the good rows and the same count.
        let t = read_with(f.as_bytes(), RaggedRows::Skip, 10).unwrap();
        assert_eq!((t.n_rows(), t.ragged_count, t.ragged_rows.len()), (25, 25, RAGGED_ROWS_LISTED));
    }

    #[test]
    fn rejecting_accepts_regular_files_and_a_blank_last_line() {
        let t = read_with(b"a,b\n1,2\n3,4\n \n", RaggedRows::Reject, 3).unwrap();
        assert_eq!((t.n_rows(), t.ragged_count), (2, 0));
        let t = TableReader::with_limit(1000).ragged(RaggedRows::Reject);
        let mut t = t;
        t.feed(b"a,b\n1,2\n").unwrap();
        assert_eq!(t.finish().unwrap().1.n_rows(), 1);
        // A header that looks like data is the first thing to fix.
        assert!(matches!(read_with(b"1,2\n3\n", RaggedRows::Reject, 64), Err(IngestError::BadHeader(_))));
    }

    #[test]
    fn quoting_off_reads_a_stray_quote_as_text_with_a_note() {
        let f = b"id,when,qty\nA1,2026-01-01,1\nA9,\"2026-01-01,1\nB1,2026-01-02,2\nB2,2026-01-02,3\n";
        let e = parse_bytes(f).unwrap_err();
        assert!(matches!(e, IngestError::OpenQuote { row: 3, at_end: true, .. }), "{e:?}");
        for chunk in [1, 5, 1 << 20] {
            let mut r = TableReader::new().quoting(Quoting::Off);
            f.chunks(chunk).try_for_each(|c| r.feed(c)).unwrap();
            let (d, t) = r.finish().unwrap();
            assert_eq!((d.delimiter, d.quote), (b',', None));
            assert_eq!((t.n_rows(), t.cell(1, 1), t.cell(3, 0)), (4, "\"2026-01-01", "B2"));
            assert_eq!(t.source_notes, [QUOTING_OFF_NOTE]);
        }
        assert!(parse_bytes(b"a,b\n1,2\n").unwrap().1.source_notes.is_empty(), "no note when quotes are detected");
    }

    #[test]
    fn a_size_hint_reserves_once_and_changes_nothing_read() {
        let csv = crate::sample::generate(3, 400);
        let read = |hint: u64| {
            let mut r = TableReader::new().size_hint(hint);
            csv.as_bytes().chunks(100_000).try_for_each(|c| r.feed(c)).unwrap();
            r.finish().unwrap().1
        };
        let plain = read(0);
        assert!(csv.len() > 2 * SNIFF_BYTES, "the sample is longer than the sniffed head");
        for hint in [csv.len() as u64, 10, 10 * csv.len() as u64] {
            let t = read(hint);
            assert_eq!((t.n_rows(), t.n_cols(), t.heap_bytes()), (plain.n_rows(), plain.n_cols(), plain.heap_bytes()));
            assert!((0..t.n_rows()).step_by(97).all(|r| (0..t.n_cols()).all(|c| t.cell(r, c) == plain.cell(r, c))));
            assert_eq!(t.record_no(t.n_rows() - 1), plain.record_no(plain.n_rows() - 1));
        }
        // The exact size: the text fits the reserved buffer, which never grew.
        let t = read(csv.len() as u64);
        assert!(t.data.capacity() < csv.len(), "{} >= {}", t.data.capacity(), csv.len());
    }

    /// A numeric CSV of `rows` x `cols` (`id`, then one-digit columns).
    fn numbers(rows: usize, cols: usize) -> String {
        let mut f = String::from("id");
        (1..cols).for_each(|c| f.push_str(&format!(",c{c}")));
        for r in 0..rows {
            f.push_str(&format!("\n{r}"));
            (1..cols).for_each(|c| f.push_str(if (r + c) % 3 == 0 { ",1" } else { ",2" }));
        }
        f + "\n"
    }

    #[test]
    fn a_table_that_would_not_fit_in_memory_is_refused_from_its_first_rows() {
        // 5,000 rows x 50 columns: 500 kB of text, 250,000 cells (2 MB counted at 8 bytes a cell).
        let csv = numbers(5_000, 50);
        let read = |limit: u64, hint: u64| {
            let mut r = TableReader::new().size_hint(hint).memory_limit(limit);
            let mut fed = 0;
            let res = csv.as_bytes().chunks(64 * 1024).try_for_each(|c| {
                fed += c.len();
                r.feed(c)
            });
            (res.and_then(|_| r.finish().map(|_| ())), fed)
        };
        let (res, fed) = read(1_000_000, csv.len() as u64);
        match res {
            Err(IngestError::TooManyCells {
                held: limits::Held::Table,
                rows,
                columns: 50,
                need,
                max: 1_000_000,
                ..
            }) => {
                // Estimated from the first slice, to within a few percent.
                assert!((4_500..=5_500).contains(&rows), "{rows}");
                assert!(need > 2_000_000, "{need}");
            }
            r => panic!("{r:?}"),
        }
        assert_eq!(fed, 64 * 1024, "refused after the first slice");
        let msg = read(1_000_000, csv.len() as u64).0.unwrap_err().to_string();
        assert!(msg.contains("x 50 columns need about 2.") && msg.contains("at most 1,000,000 bytes"), "{msg}");
        assert!(msg.contains("keep fewer columns, or a sample of the rows"), "{msg}");
        // Without a size, the rows held are checked as they come.
        assert!(matches!(read(1_000_000, 0).0, Err(IngestError::TooManyCells { .. })));
        // Under the limit, and a streamed read (rows taken out), read as before.
        assert!(read(4_000_000, csv.len() as u64).0.is_ok());
        let mut r = TableReader::new().size_hint(csv.len() as u64).memory_limit(1_000).streamed();
        for c in csv.as_bytes().chunks(64 * 1024) {
            r.feed(c).unwrap();
            r.take_rows();
        }
        assert!(r.finish().is_ok());
    }

    #[test]
    fn a_hundred_thousand_columns_are_read_in_bounded_time() {
        let t0 = std::time::Instant::now();
        let csv = numbers(3, 100_000);
        let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
        assert_eq!((t.n_rows(), t.n_cols()), (3, 100_000));
        let m = crate::ingest::detect_mapping(&t);
        assert_eq!(m.feature_columns.len(), crate::ingest::roles::MAX_FEATURE_COLUMNS);
        // The same name 100,000 times: each repeat renamed without searching the others.
        let same = "x,".repeat(99_999) + "x\n" + &"1,".repeat(99_999) + "1\n";
        let (_, t) = parse_bytes(same.as_bytes()).unwrap();
        assert_eq!((t.headers[99_999].as_str(), t.renamed_headers.len()), ("x (100000)", 99_999));
        // Linear work takes well under a second natively in release; a quadratic step, hours.
        assert!(t0.elapsed().as_secs() < 60, "{:?}", t0.elapsed());
    }
}
