//! The parsed table: header and cells in one row-major buffer, with what
//! reading left out (rows with the wrong number of fields, and the policy for
//! them) and how columns were named.

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
    /// Refuse the file: [`StreamParser::finish`](super::StreamParser::finish) (and so
    /// [`TableReader::finish`](super::TableReader::finish)) fails with
    /// [`IngestError::Ragged`](crate::ingest::IngestError::Ragged), counting every such row.
    Reject,
}

impl RaggedRows {
    /// Both policies, in the order offered to the user.
    pub const ALL: [RaggedRows; 2] = [RaggedRows::Skip, RaggedRows::Reject];

    /// The choice as offered to the user (the
    /// [`IngestError::Ragged`](crate::ingest::IngestError::Ragged) message names [`RaggedRows::Skip`]'s).
    pub fn label(self) -> &'static str {
        match self {
            RaggedRows::Skip => "Skip rows with the wrong number of fields",
            RaggedRows::Reject => "Reject files with rows with the wrong number of fields",
        }
    }
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
    pub(super) data: String,
    /// End offset in `data` of each cell, row-major: `ends[r * n_cols + c]`.
    pub(super) ends: Vec<usize>,
    /// File record number (header = 1) of each kept row.
    pub(super) record_no: Vec<u32>,
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
    /// A workbook's sheet names, in order ([`crate::ingest::workbook`]); empty for text.
    pub sheets: Vec<String>,
    /// The workbook sheet the rows come from; `None` for text.
    pub sheet: Option<String>,
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
    /// A table of `headers` from records given as (column, text) pairs in
    /// column order (a column not given is an empty cell), numbered as file
    /// records from 2 (as if after a header row). Cells are trimmed as the
    /// CSV parser trims them; empty or repeated header names are named as
    /// for a CSV file.
    pub fn from_records(headers: Vec<String>, records: impl Iterator<Item = Vec<(usize, String)>>) -> Table {
        let n = headers.len();
        let mut t = Table { headers, ..Table::default() };
        for (r, rec) in records.enumerate() {
            let mut cells = rec.into_iter().peekable();
            for c in 0..n {
                if let Some((_, text)) = cells.next_if(|(cc, _)| *cc == c) {
                    t.data.push_str(crate::ingest::trim(&text));
                }
                t.ends.push(t.data.len());
            }
            t.record_no.push(u32::try_from(r + 2).unwrap_or(u32::MAX));
        }
        name_columns(&mut t);
        t
    }

    /// The same table with its rows' record numbers replaced by `numbers`
    /// (one per row; e.g. a sheet's own row numbers). Panics if the count differs.
    pub fn with_record_numbers(mut self, numbers: Vec<u32>) -> Table {
        assert_eq!(numbers.len(), self.n_rows(), "one record number per row");
        self.record_no = numbers;
        self
    }

    /// Appends the rows of `other`, a table with the same columns (e.g.
    /// the next rows taken from the same [`StreamParser`](super::StreamParser)).
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

/// Names the columns for the user: unnamed ones (e.g. the index pandas
/// writes) get `column_N`, repeated names get `name (2)`; both are counted
/// in `t`.
pub(super) fn name_columns(t: &mut Table) {
    for (i, h) in t.headers.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("column_{}", i + 1);
            t.unnamed_columns += 1;
        }
    }
    // Repeated names (two "price" columns) become "price (2)", so each column can be told apart.
    // Every name, to test a new one in constant time (a header can have a million
    // columns); made at the first repeat only.
    let mut names: Option<crate::hashing::HashSet<String>> = None;
    let mut given = crate::hashing::HashSet::<String>::with_hasher(crate::hashing::state());
    let mut seen = crate::hashing::HashMap::<String, usize>::with_hasher(crate::hashing::state());
    for i in 0..t.headers.len() {
        let n = seen.entry(t.headers[i].clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let mut name = format!("{} ({n})", t.headers[i]);
            let names = names.get_or_insert_with(|| {
                let mut set = crate::hashing::HashSet::with_hasher(crate::hashing::state());
                set.extend(t.headers.iter().cloned());
                set
            });
            while names.contains(&name) || given.contains(&name) {
                name.push('\'');
            }
            given.insert(name.clone());
            t.renamed_headers.push((i, t.headers[i].clone(), name.clone()));
            t.headers[i] = name;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::csv::parse_bytes;

    #[test]
    fn repeated_header_names_are_told_apart() {
        let (_, t) = parse_bytes(b"id,price,price,price (2)\n1,2,3,4\n").unwrap();
        assert_eq!(t.headers, ["id", "price", "price (2)'", "price (2)"]);
        assert_eq!(t.renamed_headers, [(2, "price".to_string(), "price (2)'".to_string())]);
    }
}
