//! Incremental CSV parsing: the file arrives in chunks (Blob slices in the
//! browser, any `&[u8]` natively) and is parsed without ever holding it as
//! one string.
//!
//! Tokenising is done by [`csv_core`] (BurntSushi's RFC 4180 state machine);
//! this module adds dialect detection, header handling, a compact row-major
//! cell store, and error reporting with row numbers.

use super::decode::InputDecoder;
use super::IngestError;
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

/// Delimiters tried by [`detect_dialect`], in order of preference on ties.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Quote characters tried by [`detect_dialect`], in order of preference on ties.
pub const QUOTES: [u8; 2] = [b'"', b'\''];

/// How many ragged rows are listed by number in [`Table::ragged_rows`]
/// (all are counted in [`Table::ragged_count`]).
pub const RAGGED_ROWS_LISTED: usize = 20;

/// What reading does with a data row whose number of fields differs from the
/// header's (a missing or extra separator, an unclosed quote, a cut-off line).
///
/// A last line holding nothing but whitespace is never such a row: it is not data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RaggedRows {
    /// Leave those rows out and load the others: all are counted in
    /// [`Table::ragged_count`], the first [`RAGGED_ROWS_LISTED`] listed in
    /// [`Table::ragged_rows`] with their record numbers (header = 1).
    #[default]
    Skip,
    /// Refuse the file: [`StreamParser::finish`] (and so [`TableReader::finish`])
    /// fails with [`IngestError::Ragged`], counting every such row.
    Reject,
}

impl RaggedRows {
    /// Both policies, in the order offered to the user.
    pub const ALL: [RaggedRows; 2] = [RaggedRows::Skip, RaggedRows::Reject];

    /// The choice as offered to the user (the [`IngestError::Ragged`] message names [`RaggedRows::Skip`]'s).
    pub fn label(self) -> &'static str {
        match self {
            RaggedRows::Skip => "Skip rows with the wrong number of fields",
            RaggedRows::Reject => "Reject files with rows with the wrong number of fields",
        }
    }
}

/// The CSV dialect of a file: field delimiter and quote character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
}

impl Dialect {
    /// Human-readable name of the delimiter, for notices (`comma`, `semicolon`, `tab`, `pipe`).
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            b'|' => "pipe",
            _ => "other",
        }
    }
}

fn reader_for(d: Dialect) -> Reader {
    ReaderBuilder::new().delimiter(d.delimiter).quote(d.quote).build()
}

/// Field counts of the first records of `sample` under dialect `d` (at most
/// `max_records`). Records may have any number of fields (the buffers grow).
fn field_counts(sample: &[u8], d: Dialect, max_records: usize) -> Vec<usize> {
    let mut rdr = reader_for(d);
    let mut out = vec![0u8; sample.len().max(64)];
    let mut ends = vec![0usize; 256];
    let (mut out_len, mut ends_len) = (0, 0);
    let mut input = sample;
    let mut counts = Vec::new();
    while counts.len() < max_records {
        let (res, nin, nout, nend) = rdr.read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
        input = &input[nin..];
        out_len += nout;
        ends_len += nend;
        match res {
            ReadRecordResult::Record => {
                counts.push(ends_len);
                (out_len, ends_len) = (0, 0);
            }
            // The sample is a prefix of the file: its last record may be cut,
            // so only complete records count.
            ReadRecordResult::InputEmpty | ReadRecordResult::End => break,
            ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
        }
    }
    counts
}

/// Detects delimiter and quote character from the start of a file.
///
/// For each candidate dialect the first 100 complete records are split; the
/// winner is the dialect whose records most often have the header's field
/// count, then the one with more fields (a file with no delimiter at all is
/// one column, which is valid CSV). `sample` should hold at least the header
/// and one data row, complete ([`TableReader`] passes the first
/// [`SNIFF_BYTES`], more when a row is longer: see [`MAX_SNIFF_BYTES`]).
///
/// Errors: [`IngestError::Empty`] if `sample` holds no bytes but a BOM and
/// whitespace; [`IngestError::Binary`] if it contains NUL bytes or is mostly
/// control characters.
pub fn detect_dialect(sample: &[u8]) -> Result<Dialect, IngestError> {
    let sample = strip_bom(sample);
    if sample.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty);
    }
    check_not_binary(sample)?;
    let mut best = (Dialect { delimiter: b',', quote: b'"' }, -1.0f64, 0usize);
    for &quote in &QUOTES {
        for &delimiter in &DELIMITERS {
            let d = Dialect { delimiter, quote };
            let counts = field_counts(sample, d, 100);
            let Some(&header) = counts.first() else { continue };
            let consistent = counts.iter().filter(|&&c| c == header).count() as f64 / counts.len() as f64;
            // A single column is consistent by definition; only prefer it when nothing splits.
            let score = if header > 1 { consistent } else { consistent * 0.5 };
            if score > best.1 + 1e-9 || ((score - best.1).abs() <= 1e-9 && header > best.2) {
                best = (d, score, header);
            }
        }
    }
    Ok(best.0)
}

/// Removes a UTF-8 byte-order mark.
pub fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b)
}

/// Rejects input that is clearly not text: any NUL byte, or more than 10 %
/// control characters other than tab, CR and LF.
fn check_not_binary(sample: &[u8]) -> Result<(), IngestError> {
    let head = &sample[..sample.len().min(64 * 1024)];
    if head.contains(&0) {
        return Err(IngestError::Binary);
    }
    let controls = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')).count();
    if controls * 10 > head.len() {
        return Err(IngestError::Binary);
    }
    Ok(())
}

/// A parsed CSV file: header plus cells, stored row-major in one byte buffer.
///
/// Memory is about the file size plus one `usize` per cell. Row numbers in
/// messages are 1-based file records, the header being record 1, so the first
/// data row is row 2 (for files without quoted newlines, record = line).
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column names as in the file (BOM stripped, surrounding whitespace trimmed).
    pub headers: Vec<String>,
    /// Every cell's text, whitespace-trimmed, back to back (valid UTF-8 by
    /// construction: invalid bytes were replaced when the cell was pushed).
    data: String,
    /// End offset in `data` of each cell, row-major: `ends[r * n_cols + c]`.
    ends: Vec<usize>,
    /// File record number (header = 1) of each kept row.
    record_no: Vec<u32>,
    /// Rows whose field count differed from the header's; they are not kept.
    pub ragged_count: usize,
    /// The first [`RAGGED_ROWS_LISTED`] ragged rows: (record number, field count).
    pub ragged_rows: Vec<(u32, usize)>,
    /// Number of cells that were not valid UTF-8 (shown with U+FFFD).
    pub invalid_utf8_cells: usize,
    /// Header cells that were empty and were named `column_N`.
    pub unnamed_columns: usize,
    /// How the bytes were decoded (gzip, a non-UTF-8 encoding), for the user.
    pub source_notes: Vec<String>,
    /// Columns whose header repeated an earlier one: (index, name in the file, name given).
    pub renamed_headers: Vec<(usize, String, String)>,
}

impl Table {
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.headers.len()
    }
    /// Number of kept data rows.
    pub fn n_rows(&self) -> usize {
        self.record_no.len()
    }
    /// Bytes the cells take in memory: their text and one offset per cell.
    pub fn heap_bytes(&self) -> usize {
        self.data.len() + self.ends.len() * std::mem::size_of::<usize>()
    }
    /// File record number of data row `row` (header = 1).
    pub fn record_no(&self, row: usize) -> u32 {
        self.record_no[row]
    }
    /// Appends the rows of `other`, a table with the same columns (e.g.
    /// the next rows taken from the same [`StreamParser`]).
    pub fn append(&mut self, other: Table) {
        debug_assert_eq!(self.n_cols(), other.n_cols());
        let shift = self.data.len();
        self.data.push_str(&other.data);
        self.ends.extend(other.ends.iter().map(|e| e + shift));
        self.record_no.extend_from_slice(&other.record_no);
    }

    /// Splits the rows at `at` (clamped to the rows there are): the first
    /// `at` rows, then the rest, both with this table's columns.
    pub fn split_at(mut self, at: usize) -> (Table, Table) {
        let at = at.min(self.n_rows());
        let cut = at * self.n_cols();
        let offset = if cut == 0 { 0 } else { self.ends[cut - 1] };
        let rest = Table {
            headers: self.headers.clone(),
            data: self.data.split_off(offset),
            ends: self.ends.split_off(cut).into_iter().map(|e| e - offset).collect(),
            record_no: self.record_no.split_off(at),
            ..Table::default()
        };
        (self, rest)
    }

    /// A cell as text, whitespace-trimmed (invalid UTF-8 was replaced with
    /// U+FFFD when the file was parsed). Panics if out of range (callers
    /// iterate `0..n_rows()` and `0..n_cols()`).
    pub fn cell(&self, row: usize, col: usize) -> &str {
        let i = row * self.n_cols() + col;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }
}

/// A push parser: feed it chunks of a file in order, then call [`StreamParser::finish`].
pub struct StreamParser {
    rdr: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
    records: u32,
    table: Table,
    have_header: bool,
    /// Bytes held back until a possible UTF-8 BOM (3 bytes) can be recognised.
    pending: Option<Vec<u8>>,
    /// What [`StreamParser::finish`] does if some rows had the wrong number of fields.
    ragged: RaggedRows,
    /// Data rows moved out by [`StreamParser::take_rows`].
    taken: usize,
    /// csv-core holds part of a record: it reads on until the record ends.
    in_record: bool,
    /// Per byte value: what the fast path must do with it (see [`Byte`]);
    /// `None` turns the fast path off (tests compare it with csv-core alone).
    classes: Option<Box<[Byte; 256]>>,
    /// Field ends of the record the fast path is reading, as offsets into it.
    fast_ends: Vec<usize>,
}

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
            classes: Some(Box::new(std::array::from_fn(|b| match b as u8 {
                b'\r' | b'\n' => Byte::Terminator,
                b if b == d.quote => Byte::Quote,
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
        // One UTF-8 check for the whole record (a check per cell took a
        // tenth of reading); a cell whose ends are not character boundaries
        // of it (or any cell of an invalid record) is checked on its own.
        let record = std::str::from_utf8(out).ok();
        let mut start = 0;
        for &e in ends {
            let field = &out[start..e];
            match record.and_then(|r| r.get(start..e)).map_or_else(|| std::str::from_utf8(field), Ok) {
                Ok(text) => self.table.data.push_str(super::trim(text)),
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
        // Empty input tells csv-core the file ended: it flushes the last record.
        self.run(&[])?;
        let mut t = self.table;
        if t.headers.is_empty() || (t.headers.len() == 1 && t.headers[0].is_empty() && t.n_rows() + self.taken == 0) {
            return Err(IngestError::Empty);
        }
        let numeric_headers = t.headers.iter().filter(|h| super::parse_number(h).is_some()).count();
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

/// Names the columns for the user: unnamed ones (e.g. the index pandas
/// writes) get `column_N`, repeated names get `name (2)`; both are counted
/// in `t`.
fn name_columns(t: &mut Table) {
    for (i, h) in t.headers.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("column_{}", i + 1);
            t.unnamed_columns += 1;
        }
    }
    // Repeated names (two "price" columns) become "price (2)", so each column can be told apart.
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for i in 0..t.headers.len() {
        let n = seen.entry(t.headers[i].clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let mut name = format!("{} ({n})", t.headers[i]);
            while t.headers.contains(&name) {
                name.push('\'');
            }
            t.renamed_headers.push((i, t.headers[i].clone(), name.clone()));
            t.headers[i] = name;
        }
    }
}

/// Parses a whole in-memory file (tests, the sample), detecting the dialect.
pub fn parse_bytes(bytes: &[u8]) -> Result<(Dialect, Table), IngestError> {
    let mut r = TableReader::new();
    r.feed(bytes)?;
    r.finish()
}

/// Bytes of decoded text looked at to detect the CSV dialect (more when the
/// header and the first data row are longer, up to [`MAX_SNIFF_BYTES`]).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Most decoded text looked at to detect the dialect (4 MiB, one browser
/// slice): enough for the header and a first row of tens of thousands of
/// columns. A file whose first two lines are longer is sniffed on this prefix.
pub const MAX_SNIFF_BYTES: usize = 4 << 20;

/// Finds where the second line of the file ends (header and one data row),
/// scanning each byte of the growing head once.
#[derive(Default)]
struct LineScan {
    /// Bytes of the head scanned so far.
    pos: usize,
    /// Line ends ("\r\n", "\n" or "\r") seen so far.
    lines: usize,
}

impl LineScan {
    /// How much of `head` to sniff the dialect on: [`SNIFF_BYTES`], extended
    /// to the end of the second line up to [`MAX_SNIFF_BYTES`]. `None` while
    /// more text is needed and may come (`last` = the file has ended).
    fn sniff_len(&mut self, head: &[u8], last: bool) -> Option<usize> {
        let limit = head.len().min(MAX_SNIFF_BYTES);
        while self.pos < limit && self.lines < 2 {
            match head[self.pos] {
                b'\n' => self.lines += 1,
                // A CR is a line end unless an LF follows; wait for the next byte.
                b'\r' if self.pos + 1 == head.len() && !last => break,
                b'\r' if head.get(self.pos + 1) != Some(&b'\n') => self.lines += 1,
                _ => {}
            }
            self.pos += 1;
        }
        if self.lines == 2 {
            Some(self.pos.max(SNIFF_BYTES).min(head.len()))
        } else if head.len() >= MAX_SNIFF_BYTES {
            Some(MAX_SNIFF_BYTES)
        } else if last {
            Some(head.len())
        } else {
            None
        }
    }
}

/// Most decoded text a [`TableReader`] accepts (1 GiB). A table read whole
/// keeps every cell, about 1.5x the text in memory, and a wasm32 tab has 4
/// GiB at most; above this, reading stops with [`IngestError::TooLarge`]
/// before memory runs out. (A streamed read keeps no rows, but a stream
/// can still need a whole read, so the limit holds for it too.)
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Reads a whole file chunk by chunk: decoding ([`InputDecoder`]: gzip, text
/// encodings), dialect detection on the first [`SNIFF_BYTES`] of text (or
/// up to [`MAX_SNIFF_BYTES`] to hold the header and a data row), then
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
    /// Size of the whole file in bytes, if known ([`TableReader::size_hint`]).
    size_hint: u64,
    /// Rows are taken out as they are parsed ([`TableReader::streamed`]).
    streamed: bool,
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

    /// Share of the file's text read so far, if it is known: plain text
    /// (not gzip, not UTF-16) and a size hint given.
    pub fn fraction_read(&self) -> Option<f64> {
        (self.decoder.is_plain() && self.size_hint > 0).then(|| self.text_bytes as f64 / self.size_hint as f64)
    }

    /// Feeds the next raw chunk of the file.
    ///
    /// Errors: from decoding ([`IngestError::Corrupt`]), dialect detection
    /// ([`IngestError::Empty`], [`IngestError::Binary`]) or parsing.
    pub fn feed(&mut self, raw: &[u8]) -> Result<(), IngestError> {
        let text = self.decoder.feed(raw)?;
        self.push(text, false)
    }

    fn push(&mut self, text: Vec<u8>, last: bool) -> Result<(), IngestError> {
        self.text_bytes += text.len() as u64;
        let max = if self.max_text_bytes == 0 { MAX_TEXT_BYTES } else { self.max_text_bytes };
        if self.text_bytes > max {
            return Err(IngestError::TooLarge { bytes: self.text_bytes, max });
        }
        match &mut self.parser {
            Some((_, p)) => p.feed(&text),
            None => {
                self.head.extend(text);
                if self.head.len() < SNIFF_BYTES && !last {
                    return Ok(());
                }
                let Some(n) = self.scan.sniff_len(&self.head, last) else { return Ok(()) };
                let d = detect_dialect(&self.head[..n])?;
                let mut p = StreamParser::new(d).ragged(self.ragged);
                let head = std::mem::take(&mut self.head);
                p.feed(&head)?;
                self.parser = Some((d, p));
                if !self.streamed {
                    self.reserve_rest();
                }
                Ok(())
            }
        }
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
        let rest = self.decoder.finish()?;
        self.push(rest, true)?;
        let (d, p) = self.parser.take().ok_or(IngestError::Empty)?;
        let mut t = p.finish()?;
        t.source_notes = self.decoder.notes();
        Ok((d, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_record_start_is_true_only_between_whole_records() {
        let d = Dialect { delimiter: b',', quote: b'"' };
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
        let dialects = [(b',', b'"'), (b';', b'"'), (b'\t', b'"'), (b',', b'\'')];
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
            fast_records += !input.contains(&quote) as usize;
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

    #[test]
    fn repeated_header_names_are_told_apart() {
        let (_, t) = parse_bytes(b"id,price,price,price (2)\n1,2,3,4\n").unwrap();
        assert_eq!(t.headers, ["id", "price", "price (2)'", "price (2)"]);
        assert_eq!(t.renamed_headers, [(2, "price".to_string(), "price (2)'".to_string())]);
    }

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
        assert!(matches!(err, Err(IngestError::TooLarge { max: 100_000, .. })), "{err:?}");
        assert!(err.unwrap_err().to_string().contains("too large for this browser tab"));
    }

    #[test]
    fn detects_delimiters_and_quotes() {
        assert_eq!(detect_dialect(b"a;b;c\n1;2;3\n").unwrap().delimiter, b';');
        assert_eq!(detect_dialect(b"a\tb\n1\t2\n").unwrap().delimiter, b'\t');
        assert_eq!(detect_dialect(b"a,b\n\"1,5\",2\n").unwrap(), Dialect { delimiter: b',', quote: b'"' });
        // Semicolon file whose cells contain commas (decimal commas).
        assert_eq!(detect_dialect(b"a;b\n1,5;2,5\n3,1;4,0\n").unwrap().delimiter, b';');
        assert_eq!(detect_dialect(b"a,b\n'x,y',2\n'z,w',3\n").unwrap().quote, b'\'');
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
        let mut p = StreamParser::new(Dialect { delimiter: b',', quote: b'"' }).ragged(RaggedRows::Reject);
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

    #[test]
    fn headers_wider_than_the_sniffed_bytes_are_detected() {
        // 10,000 semicolon-separated columns: the header alone is ~110 KB,
        // more than SNIFF_BYTES, and a record has more than 4,096 fields.
        let header: Vec<String> = (0..10_000).map(|j| format!("col_{j:05}")).collect();
        let row: Vec<String> = (0..10_000).map(|j| format!("{},5", j % 7)).collect();
        let f = format!("{}\n{}\n{}\n", header.join(";"), row.join(";"), row.join(";"));
        assert!(header.join(";").len() > SNIFF_BYTES);
        assert_eq!(detect_dialect(f.as_bytes()).unwrap().delimiter, b';');
        for chunk in [4096, 1 << 20] {
            let (d, t) = {
                let mut r = TableReader::new();
                f.as_bytes().chunks(chunk).try_for_each(|c| r.feed(c)).unwrap();
                r.finish().unwrap()
            };
            assert_eq!(d.delimiter, b';', "chunk {chunk}");
            assert_eq!((t.n_cols(), t.n_rows(), t.ragged_count), (10_000, 2, 0));
            assert_eq!(t.cell(1, 9_999), "3,5");
        }
        // The sniffed prefix ends after the first data row, and is cut at MAX_SNIFF_BYTES.
        let mut scan = LineScan::default();
        assert_eq!(scan.sniff_len(&f.as_bytes()[..100], false), None, "waits for more");
        let two_lines = header.join(";").len() + row.join(";").len() + 2;
        assert_eq!(scan.sniff_len(f.as_bytes(), false), Some(two_lines));
        assert_eq!(LineScan::default().sniff_len(b"a,b\r\n1,2\r\n3,4\r\n", true), Some(15), "whole short file");
        assert_eq!(LineScan::default().sniff_len(&vec![b'x'; MAX_SNIFF_BYTES + 5], false), Some(MAX_SNIFF_BYTES));
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
