//! The push parser: chunks of decoded text in, a [`Table`] out. Records
//! without a quote are split by a fast path; the rest go to csv-core.

use super::dialect::{reader_for, strip_bom, Dialect};
use super::table::{name_columns, RaggedRows, Table, RAGGED_ROWS_LISTED};
use crate::ingest::{parse_number, trim, IngestError};
use csv_core::{ReadRecordResult, Reader};

/// A push parser: feed it chunks of a file in order, then call [`StreamParser::finish`].
pub struct StreamParser {
    rdr: Reader,
    /// The dialect's quote byte (`None`: quoting off).
    quote: Option<u8>,
    out: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    records: u32,
    table: Table,
    pub(super) have_header: bool,
    /// Bytes held back until a possible UTF-8 BOM (3 bytes) can be recognised.
    pending: Option<Vec<u8>>,
    /// What [`StreamParser::finish`] does if some rows had the wrong number of fields.
    ragged: RaggedRows,
    /// Data rows moved out by [`StreamParser::take_rows`].
    taken: usize,
    /// csv-core holds part of a record: it reads on until the record ends.
    in_record: bool,
    /// Line breaks and bytes of the record csv-core is reading, so far: a
    /// record that spans a line break has a quoted field open.
    rec_lines: usize,
    rec_bytes: usize,
    /// Quote bytes of that record: an odd number means a quote is open.
    rec_quotes: usize,
    /// Whether that record has started (line ends before it are blank lines).
    rec_started: bool,
    /// Per byte value: what the fast path must do with it (see [`Byte`]);
    /// `None` turns the fast path off (tests compare it with csv-core alone).
    classes: Option<Box<[Byte; 256]>>,
    /// Field ends of the record the fast path is reading, as offsets into it.
    fast_ends: Vec<usize>,
}

/// Line breaks a quoted field may span before it is taken for a quote
/// that does not close ([`IngestError::OpenQuote`]).
pub const MAX_QUOTED_LINES: usize = 1000;

/// Bytes a record may hold once a quoted field in it spans a line break,
/// before it is taken for a quote that does not close.
pub const MAX_QUOTED_BYTES: usize = 1 << 20;

/// What a byte means to the fast path of [`StreamParser`].
#[derive(Clone, Copy, PartialEq)]
enum Byte {
    Plain,
    Delimiter,
    /// `\r` or `\n`: csv-core's default terminator, either one ends a record.
    Terminator,
    /// The quote: the record goes to csv-core.
    Quote,
}

impl StreamParser {
    /// A parser for a file in dialect `d`.
    pub fn new(d: Dialect) -> Self {
        StreamParser {
            rdr: reader_for(d),
            quote: d.quote,
            out: vec![0; 4096],
            ends: vec![0; 256],
            out_len: 0,
            ends_len: 0,
            records: 0,
            table: Table::default(),
            have_header: false,
            pending: Some(Vec::new()),
            ragged: RaggedRows::Skip,
            taken: 0,
            in_record: false,
            rec_lines: 0,
            rec_bytes: 0,
            rec_quotes: 0,
            rec_started: false,
            classes: Some(Box::new(std::array::from_fn(|b| match b as u8 {
                b'\r' | b'\n' => Byte::Terminator,
                b if Some(b) == d.quote => Byte::Quote,
                b if b == d.delimiter => Byte::Delimiter,
                _ => Byte::Plain,
            }))),
            fast_ends: Vec::new(),
        }
    }

    /// The same parser with every byte read by csv-core: the reference the
    /// fast path is tested against.
    #[cfg(test)]
    fn without_fast_path(mut self) -> Self {
        self.classes = None;
        self
    }

    /// Moves out the data rows parsed so far, as a table with the file's
    /// column names (named as [`StreamParser::finish`] names them) and file
    /// record numbers; the parser goes on from where it was. Counts of
    /// ragged and invalid cells stay with the parser, for `finish`. Before
    /// the header is complete, the table has no columns and no rows.
    pub fn take_rows(&mut self) -> Table {
        let mut t = Table {
            headers: self.table.headers.clone(),
            data: std::mem::take(&mut self.table.data),
            ends: std::mem::take(&mut self.table.ends),
            record_no: std::mem::take(&mut self.table.record_no),
            ..Table::default()
        };
        self.taken += t.n_rows();
        name_columns(&mut t);
        t.unnamed_columns = 0;
        t.renamed_headers.clear();
        t
    }

    /// Gives back rows taken by [`StreamParser::take_rows`] when they were
    /// the first rows taken and none was taken since: the parser then
    /// holds them again, as if they had never been taken, and `finish`
    /// returns the whole table.
    pub fn put_back(&mut self, t: Table) {
        debug_assert!(self.table.n_rows() == 0 || t.n_rows() == 0, "put back before taking more");
        let mut t = t;
        self.taken -= t.n_rows();
        let held = Table {
            headers: t.headers.clone(),
            data: std::mem::take(&mut self.table.data),
            ends: std::mem::take(&mut self.table.ends),
            record_no: std::mem::take(&mut self.table.record_no),
            ..Table::default()
        };
        t.append(held);
        self.table.data = t.data;
        self.table.ends = t.ends;
        self.table.record_no = t.record_no;
    }

    /// Records read so far, the header included: the file record number of
    /// the last record (blank lines are not records).
    pub fn records(&self) -> u32 {
        self.records
    }

    /// The rows and columns of the table held so far (rows taken out by
    /// [`StreamParser::take_rows`] are not counted), for the memory check.
    pub fn held_shape(&self) -> (usize, usize) {
        (self.table.n_rows(), self.table.n_cols())
    }

    /// Whether every byte fed so far ends a whole record: no record, quoted
    /// field or byte-order mark is waiting for more input. Conservative:
    /// `false` can also mean csv-core read only blank lines since the last record.
    pub fn at_record_start(&self) -> bool {
        self.pending.is_none() && !self.in_record
    }

    /// Sets what happens to data rows whose field count differs from the
    /// header's (default [`RaggedRows::Skip`]). Such rows are counted either
    /// way; with [`RaggedRows::Reject`], [`StreamParser::finish`] fails.
    pub fn ragged(mut self, policy: RaggedRows) -> Self {
        self.ragged = policy;
        self
    }

    /// Reserves room for `more` bytes of input still to come, estimated from
    /// what was parsed of the first `seen` bytes: cell text is at most the
    /// input's size, and offsets and row numbers grow as they did so far
    /// (plus 10 %). One allocation each instead of doubling buffers, whose
    /// copies held up to 1.5x a large table for a moment.
    pub fn reserve_for(&mut self, seen: usize, more: usize) {
        let t = &mut self.table;
        // No cell or row without at least one byte of input: never more than `more` each.
        let per_byte = |n: usize| ((n as f64 / seen.max(1) as f64 * more as f64 * 1.1) as usize).min(more);
        // A hint only: if the memory is not there, the buffers grow as they fill.
        let _ = t.data.try_reserve(more);
        let _ = t.ends.try_reserve(per_byte(t.ends.len()));
        let _ = t.record_no.try_reserve(per_byte(t.record_no.len()));
    }

    /// Parses the next chunk. Chunks may split records, fields or UTF-8
    /// sequences anywhere.
    ///
    /// Errors: [`IngestError::Binary`] if a NUL byte appears.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), IngestError> {
        // No bytes, nothing to do: an empty input would tell csv-core the file ended.
        if chunk.is_empty() {
            return Ok(());
        }
        if chunk.contains(&0) {
            return Err(IngestError::Binary);
        }
        match self.pending.as_mut() {
            Some(p) if p.len() + chunk.len() < 3 => {
                p.extend_from_slice(chunk);
                Ok(())
            }
            Some(_) => {
                let mut head = self.pending.take().unwrap_or_default();
                head.extend_from_slice(chunk);
                self.run(strip_bom(&head))
            }
            None => self.run(chunk),
        }
    }

    fn run(&mut self, mut input: &[u8]) -> Result<(), IngestError> {
        loop {
            if !self.in_record {
                input = self.run_fast(input);
            }
            let (res, nin, nout, nend) =
                self.rdr.read_record(input, &mut self.out[self.out_len..], &mut self.ends[self.ends_len..]);
            self.in_record |= nin > 0;
            if res != ReadRecordResult::Record {
                self.note_open_record(&input[..nin])?;
            }
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            match res {
                ReadRecordResult::InputEmpty => return Ok(()),
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    self.in_record = false;
                    (self.rec_lines, self.rec_bytes, self.rec_quotes, self.rec_started) = (0, 0, 0, false);
                    let (out, ends) = (std::mem::take(&mut self.out), std::mem::take(&mut self.ends));
                    self.push_record(&out[..self.out_len], &ends[..self.ends_len], 0);
                    (self.out, self.ends) = (out, ends);
                    (self.out_len, self.ends_len) = (0, 0);
                }
                ReadRecordResult::End => return Ok(()),
            }
        }
    }

    /// Reads whole records that have no quote byte straight from `input`,
    /// the common case, and returns the rest for csv-core: from the first
    /// record with a quote, or a record the input ends inside. Called only
    /// between records, where csv-core's state is equivalent to the start of
    /// a record. Gives what csv-core gives with [`reader_for`]'s settings:
    /// `\r` and `\n` each end a record, terminators at a record's start are
    /// skipped (blank lines give no record), and fields split at each
    /// delimiter byte.
    fn run_fast<'a>(&mut self, input: &'a [u8]) -> &'a [u8] {
        let Some(classes) = self.classes.take() else { return input };
        let mut ends = std::mem::take(&mut self.fast_ends);
        let mut pos = 0;
        let rest = loop {
            while pos < input.len() && classes[input[pos] as usize] == Byte::Terminator {
                pos += 1;
            }
            let start = pos;
            ends.clear();
            let mut i = start;
            let complete = loop {
                match input.get(i).map(|&b| classes[b as usize]) {
                    None => break false,
                    Some(Byte::Plain) => {}
                    Some(Byte::Delimiter) => ends.push(i - start),
                    Some(Byte::Terminator) => break true,
                    Some(Byte::Quote) => break false,
                }
                i += 1;
            };
            if !complete {
                break &input[start..];
            }
            ends.push(i - start);
            self.push_record(&input[start..i], &ends, 1);
            pos = i + 1;
        };
        self.classes = Some(classes);
        self.fast_ends = ends;
        rest
    }

    /// Counts the bytes `consumed` of a record that has not ended yet, and
    /// stops a quoted field that runs on: past [`MAX_QUOTED_LINES`] line
    /// breaks, or [`MAX_QUOTED_BYTES`] once it spans a line break (an
    /// unquoted record never does), it is a quote that does not close, and
    /// reading on would swallow the rest of the file as one field.
    ///
    /// Errors: [`IngestError::OpenQuote`].
    fn note_open_record(&mut self, consumed: &[u8]) -> Result<(), IngestError> {
        let mut bytes = consumed;
        if !self.rec_started {
            // Blank lines before the record are not part of it.
            let start = bytes.iter().position(|&b| b != b'\n' && b != b'\r').unwrap_or(bytes.len());
            bytes = &bytes[start..];
            self.rec_started = !bytes.is_empty();
        }
        self.rec_lines += bytes.iter().filter(|&&b| b == b'\n').count();
        if let Some(q) = self.quote {
            self.rec_quotes += bytes.iter().filter(|&&b| b == q).count();
        }
        self.rec_bytes += bytes.len();
        if self.rec_lines > MAX_QUOTED_LINES || (self.rec_lines > 0 && self.rec_bytes > MAX_QUOTED_BYTES) {
            return Err(self.open_quote(false));
        }
        Ok(())
    }

    /// The error for the record being read, whose quote does not close.
    fn open_quote(&self, at_end: bool) -> IngestError {
        IngestError::OpenQuote { row: self.records + 1, lines: self.rec_lines, bytes: self.rec_bytes as u64, at_end }
    }

    /// Adds one record: its fields' bytes are `out[start..end]`, with `end`
    /// each of `ends` and `start` the previous field's end plus `gap` (0 for
    /// csv-core's output, 1 for a record's own bytes, delimiters included).
    /// The first record is the header.
    fn push_record(&mut self, out: &[u8], ends: &[usize], gap: usize) {
        self.records += 1;
        let n = ends.len();
        if !self.have_header {
            self.have_header = true;
            let mut start = 0;
            for &e in ends {
                self.table.headers.push(String::from_utf8_lossy(&out[start..e]).trim().to_string());
                start = e + gap;
            }
            return;
        }
        if n != self.table.headers.len() {
            // A trailing blank-ish line of one empty field is not data.
            if n == 1 && out.iter().all(|b| b.is_ascii_whitespace()) {
                return;
            }
            self.table.ragged_count += 1;
            if self.table.ragged_rows.len() < RAGGED_ROWS_LISTED {
                self.table.ragged_rows.push((self.records, n));
            }
            return;
        }
        // One UTF-8 check for the whole record (a check per cell was a visible
        // share of reading; figures: BENCHMARKS.md); a cell whose ends are not
        // character boundaries of it (or any cell of an invalid record) is
        // checked on its own.
        let record = std::str::from_utf8(out).ok();
        let mut start = 0;
        for &e in ends {
            let field = &out[start..e];
            match record.and_then(|r| r.get(start..e)).map_or_else(|| std::str::from_utf8(field), Ok) {
                Ok(text) => self.table.data.push_str(trim(text)),
                Err(_) => {
                    self.table.invalid_utf8_cells += 1;
                    self.table.data.push_str(String::from_utf8_lossy(field).trim());
                }
            }
            self.table.ends.push(self.table.data.len());
            start = e + gap;
        }
        self.table.record_no.push(self.records);
    }

    /// Ends the input and returns the table.
    ///
    /// Errors: [`IngestError::Empty`] if there was nothing but whitespace;
    /// [`IngestError::NoData`] if there was a header but no data row;
    /// [`IngestError::BadHeader`] if the header looks like data;
    /// [`IngestError::Ragged`] under [`RaggedRows::Reject`] if any data row
    /// had a different number of fields from the header (all such rows are
    /// counted, the first [`RAGGED_ROWS_LISTED`] listed).
    pub fn finish(mut self) -> Result<Table, IngestError> {
        if let Some(head) = self.pending.take() {
            self.run(strip_bom(&head))?;
        }
        // A record still open at the end that spans a line break with an odd
        // number of quote bytes has a quote open (a closed quoted field holds
        // an even number: its two quotes and doubled ones inside).
        if self.in_record && self.rec_lines > 0 && self.rec_quotes % 2 == 1 {
            return Err(self.open_quote(true));
        }
        // Empty input tells csv-core the file ended: it flushes the last record.
        self.run(&[])?;
        let mut t = self.table;
        if t.headers.is_empty() || (t.headers.len() == 1 && t.headers[0].is_empty() && t.n_rows() + self.taken == 0) {
            return Err(IngestError::Empty);
        }
        let numeric_headers = t.headers.iter().filter(|h| parse_number(h).is_some()).count();
        if numeric_headers * 2 > t.headers.len() {
            return Err(IngestError::BadHeader(format!(
                "the first row ({}) looks like data, not column names; add a header row naming each column",
                t.headers.iter().take(4).cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        if self.ragged == RaggedRows::Reject && t.ragged_count > 0 {
            return Err(IngestError::Ragged {
                count: t.ragged_count,
                first: std::mem::take(&mut t.ragged_rows),
                expected: t.headers.len(),
            });
        }
        if t.n_rows() + self.taken == 0 {
            return Err(IngestError::NoData { ragged: t.ragged_count });
        }
        name_columns(&mut t);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::csv::{detect_dialect, parse_bytes};

    #[test]
    fn at_record_start_is_true_only_between_whole_records() {
        let d = Dialect { delimiter: b',', quote: Some(b'"') };
        let at = |parts: &[&str]| {
            let mut p = StreamParser::new(d);
            parts.iter().for_each(|c| p.feed(c.as_bytes()).unwrap());
            (p.at_record_start(), p.records())
        };
        assert_eq!(at(&["h1,h2\n1,2\n"]), (true, 2));
        assert_eq!(at(&["h1,h2\r\n1,2\r\n"]), (true, 2));
        assert_eq!(at(&["h1,h2\n1,", "2\n"]), (true, 2), "a chunk ends inside the record, the next ends it");
        assert_eq!(at(&["h1,h2\n1,\"a\nb\"\n"]), (true, 2), "a quoted record that ended");
        assert_eq!(at(&["h1,h2\n1,\"a\n"]), (false, 1), "a line end inside quotes");
        assert_eq!(at(&["h1,h2\n1,2"]), (false, 1), "no line end yet");
        assert_eq!(at(&["\u{feff}h"]), (false, 0), "a header without its line end");
    }

    /// The fast path for unquoted records gives csv-core's table, errors
    /// and counts on any input cut into any chunks: random bytes weighted
    /// to what matters to it (delimiters, quotes, `\r`, `\n`, blank lines,
    /// whitespace, invalid UTF-8) under each dialect.
    #[test]
    fn the_fast_path_gives_csv_cores_table_for_any_input_and_chunking() {
        let alphabet: &[&[u8]] = &[
            b"a",
            b"7",
            b"-",
            b" ",
            b",",
            b";",
            b"\t",
            b"\"",
            b"'",
            b"\r",
            b"\n",
            b"\r\n",
            b"\n\n",
            "é".as_bytes(),
            b"\xff",
            b"x,y\n",
        ];
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        // The last has quoting off: every record takes the fast path.
        let dialects = [(b',', Some(b'"')), (b';', Some(b'"')), (b'\t', Some(b'"')), (b',', Some(b'\'')), (b',', None)];
        let mut fast_records = 0;
        for case in 0..4000 {
            let mut input = b"id,v\n".to_vec();
            for _ in 0..next(60) {
                input.extend_from_slice(alphabet[next(alphabet.len())]);
            }
            let (delimiter, quote) = dialects[case % dialects.len()];
            let d = Dialect { delimiter, quote };
            let read = |fast: bool, cuts: &[usize]| {
                let mut p = StreamParser::new(d);
                if !fast {
                    p = p.without_fast_path();
                }
                let mut from = 0;
                for &c in cuts.iter().chain([&input.len()]) {
                    if let Err(e) = p.feed(&input[from..c.max(from)]) {
                        return format!("{e:?}");
                    }
                    from = c.max(from);
                }
                format!("{:?}", p.finish())
            };
            let mut cuts: Vec<usize> = (0..next(4)).map(|_| next(input.len() + 1)).collect();
            cuts.sort_unstable();
            let want = read(false, &[]);
            assert_eq!(read(true, &[]), want, "input {:?}", String::from_utf8_lossy(&input));
            assert_eq!(read(true, &cuts), want, "input {:?} cut at {cuts:?}", String::from_utf8_lossy(&input));
            fast_records += quote.is_none_or(|q| !input.contains(&q)) as usize;
        }
        assert!(fast_records > 1000, "only {fast_records} inputs without a quote");
    }

    fn parse_in_chunks(bytes: &[u8], chunk: usize) -> Table {
        let d = detect_dialect(bytes).unwrap();
        let mut p = StreamParser::new(d);
        for c in bytes.chunks(chunk) {
            p.feed(c).unwrap();
        }
        p.finish().unwrap()
    }

    /// The file of issue 20: row 42 (header = 1) opens a quote that never
    /// closes; 2,000 rows follow.
    fn stray_quote_file() -> String {
        let mut f = String::from("account,time,qty\n");
        for i in 2..42 {
            f.push_str(&format!("A{i},2026-01-01,{i}\n"));
        }
        f.push_str("A9,\"2026-01-01,1\n");
        for i in 0..2000 {
            f.push_str(&format!("B{i},2026-01-02,{i}\n"));
        }
        f
    }

    #[test]
    fn a_quote_that_does_not_close_stops_the_read_and_names_its_row() {
        let d = Dialect { delimiter: b',', quote: Some(b'"') };
        let parse = |text: &str, chunk: usize| {
            let mut p = StreamParser::new(d);
            text.as_bytes().chunks(chunk).try_for_each(|c| p.feed(c))?;
            p.finish()
        };
        let f = stray_quote_file();
        for chunk in [7, 4096, f.len()] {
            match parse(&f, chunk) {
                Err(IngestError::OpenQuote { row: 42, lines, at_end: false, .. }) => assert!(lines > MAX_QUOTED_LINES),
                other => panic!("chunk {chunk}: {other:?}"),
            }
        }
        let msg = parse(&f, 4096).unwrap_err().to_string();
        assert!(msg.starts_with("Row 42 opens a quoted field that does not close: it runs on for "), "{msg}");
        assert!(msg.contains(" lines and more ("), "{msg}");
        // Open to the end of a short file: still stopped, not read as one field.
        let short = "account,time,qty\nA1,\"2026-01-01,1\nA2,2026-01-01,2\n";
        assert!(matches!(parse(short, 5), Err(IngestError::OpenQuote { row: 2, lines: 2, at_end: true, .. })));
        // Quoted fields over a few lines, and one closed at the very end without a newline, are fine.
        let ok = "id,note,n\n1,\"a\nb\nc\",1\n2,\"x \"\"q\"\"\ny\",2";
        let t = parse(ok, 3).unwrap();
        assert_eq!((t.n_rows(), t.cell(1, 1), t.cell(1, 2)), (2, "x \"q\"\ny", "2"));
        // Blank lines before a last record without a line end are not a quote.
        assert_eq!(parse("id,v\n1,2\n\n\n\"3\",4", 2).unwrap().n_rows(), 2);
        // Inch marks inside an unquoted field are not quotes.
        assert_eq!(parse("id,height\n1,5'11\"\n2,6'\n", 4).unwrap().n_rows(), 2);
    }

    #[test]
    fn with_quoting_off_a_stray_quote_is_text_and_every_later_row_is_kept() {
        let f = stray_quote_file();
        let d = Dialect { delimiter: b',', quote: None };
        for chunk in [1, 7, 4096, f.len()] {
            for fast in [true, false] {
                let mut p = StreamParser::new(d);
                if !fast {
                    p = p.without_fast_path();
                }
                f.as_bytes().chunks(chunk).try_for_each(|c| p.feed(c)).unwrap();
                let t = p.finish().unwrap();
                assert_eq!((t.n_rows(), t.ragged_count), (2041, 0), "chunk {chunk}, fast {fast}");
                // Row 42 is the 41st data row: its quote is part of the cell.
                assert_eq!((t.cell(40, 0), t.cell(40, 1), t.record_no(40)), ("A9", "\"2026-01-01", 42));
                assert_eq!((t.cell(2040, 0), t.record_no(2040)), ("B1999", 2042));
            }
        }
        // Quotes anywhere are text, and a quoted delimiter splits the field.
        let mut p = StreamParser::new(d);
        p.feed(b"id,note\n1,\"a\"\n2,\"x,y\"\n3,'q\n").unwrap();
        let t = p.finish().unwrap();
        assert_eq!((t.n_rows(), t.ragged_count, t.ragged_rows.clone()), (2, 1, vec![(3, 3)]));
        assert_eq!((t.cell(0, 1), t.cell(1, 1)), ("\"a\"", "'q"));
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let f = "\u{feff}id,name,qty\n1,\"Smith, J\",3\n2,\"multi\nline\",4\n3,\"quote \"\"q\"\"\",5\n";
        let whole = parse_in_chunks(f.as_bytes(), 1 << 20);
        for chunk in [1, 2, 3, 7] {
            let t = parse_in_chunks(f.as_bytes(), chunk);
            assert_eq!(t.headers, vec!["id", "name", "qty"]);
            assert_eq!(t.n_rows(), 3);
            for r in 0..3 {
                for c in 0..3 {
                    assert_eq!(t.cell(r, c), whole.cell(r, c));
                }
            }
        }
        assert_eq!(whole.cell(0, 1), "Smith, J");
        assert_eq!(whole.cell(1, 1), "multi\nline");
        assert_eq!(whole.cell(2, 1), "quote \"q\"");
        assert_eq!(whole.record_no(2), 4);
    }

    #[test]
    fn records_larger_than_the_buffers_span_chunks() {
        // 400 fields of ~20 bytes: more than the initial 4 KiB output and 256 ends.
        let header: Vec<String> = (0..400).map(|i| format!("c{i}")).collect();
        let row: Vec<String> = (0..400).map(|i| format!("\"v{i},{}\"", "x".repeat(15))).collect();
        let f = format!("{}\n{}\n{}\n", header.join(","), row.join(","), row.join(","));
        for chunk in [1, 7, 4096, 1 << 20] {
            let t = parse_in_chunks(f.as_bytes(), chunk);
            assert_eq!(t.n_cols(), 400);
            assert_eq!(t.n_rows(), 2);
            assert_eq!(t.cell(1, 399), format!("v399,{}", "x".repeat(15)), "chunk {chunk}");
            assert_eq!(t.cell(0, 0), format!("v0,{}", "x".repeat(15)));
        }
    }

    #[test]
    fn ragged_rows_are_counted_with_row_numbers() {
        let t = parse_in_chunks(b"a,b\n1,2\n3\n4,5,6\n7,8\n", 5);
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.ragged_count, 2);
        assert_eq!(t.ragged_rows, vec![(3, 1), (4, 3)]);
    }

    #[test]
    fn errors_for_empty_binary_and_headerless_files() {
        assert_eq!(detect_dialect(b"").unwrap_err(), IngestError::Empty);
        assert_eq!(detect_dialect(b"\xEF\xBB\xBF \n").unwrap_err(), IngestError::Empty);
        assert_eq!(detect_dialect(b"PK\x03\x04\x00\x00binary").unwrap_err(), IngestError::Binary);
        assert!(matches!(parse_bytes(b"a,b\n").unwrap_err(), IngestError::NoData { .. }));
        assert!(matches!(parse_bytes(b"1,2,3\n4,5,6\n").unwrap_err(), IngestError::BadHeader(_)));
        assert_eq!(parse_bytes(b"a,,c\nx,2,3\n").unwrap().1.headers, vec!["a", "column_2", "c"]);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        let t = parse_in_chunks(b"a,b\ncaf\xe9,1\n", 3);
        assert_eq!(t.invalid_utf8_cells, 1);
        assert_eq!(t.cell(0, 0), "caf\u{fffd}");
        // The two bytes of "é" split over two cells: valid as a record, not as cells.
        let t = parse_in_chunks(b"a,b,c\nx\xc3,\xa9y,z\n", 4);
        assert_eq!(
            (t.invalid_utf8_cells, t.cell(0, 0), t.cell(0, 1), t.cell(0, 2)),
            (2, "x\u{fffd}", "\u{fffd}y", "z")
        );
    }
}
