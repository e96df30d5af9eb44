//! Ingest: bytes of a CSV file -> [`Table`] -> column roles ([`Mapping`]).
//!
//! Data flows one way: [`csv`] splits the file, [`roles`] decides what each
//! column means, [`number`], [`time`], [`cells`] (side, maker/taker) and
//! [`instrument`] interpret cells. Nothing here depends on the browser.

pub mod cells;
pub mod csv;
pub mod decode;
pub mod instrument;
pub mod json;
pub mod limits;
pub mod number;
pub mod parquet;
pub mod roles;
pub mod time;
pub mod workbook;

pub use csv::{detect_dialect, parse_bytes, Dialect, Quoting, RaggedRows, StreamParser, Table, TableReader};
pub use number::{is_missing, parse_number, trim};
pub use roles::{detect_mapping, DataKind, Mapping, Role};

use std::fmt;

/// What can go wrong while reading a file. Every message says what happened,
/// where, and what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum IngestError {
    /// No bytes, or only whitespace.
    Empty,
    /// NUL bytes or mostly control characters: not a text file.
    Binary,
    /// The header row is missing or broken; the text says how.
    BadHeader(String),
    /// A header but no data row (`ragged` rows had the wrong number of fields).
    NoData { ragged: usize },
    /// The browser could not read the file (message from the browser).
    Read(String),
    /// The file is damaged (e.g. a cut-off gzip stream); the text says how.
    Corrupt(String),
    /// More text than this browser tab can hold (`bytes` seen so far, or the file size).
    TooLarge { bytes: u64, max: u64 },
    /// A quoted field that does not close: it opens in file record `row`
    /// (header = 1) and ran on for `lines` line breaks and `bytes` bytes
    /// (`at_end`: to the end of the file), so the rows after it would have
    /// been read as one field.
    OpenQuote { row: u32, lines: usize, bytes: u64, at_end: bool },
    /// A gzip file that unpacks to more than `max` bytes of text, found
    /// after `packed` compressed bytes (unpacking stopped there).
    UnpacksTooLarge { packed: u64, max: u64 },
    /// Data rows with a different number of fields from the header, under
    /// [`RaggedRows::Reject`]. `count`: all such rows in the file; `first`:
    /// the first [`csv::RAGGED_ROWS_LISTED`] of them as (file record number,
    /// header = 1; number of fields); `expected`: the header's number of fields.
    Ragged { count: usize, first: Vec<(u32, usize)>, expected: usize },
    /// The file would need more memory than a browser tab gives (see
    /// [`limits`]): about `rows` rows (estimated from the file size and the
    /// rows read so far) x `columns` columns (of the table, or the feature
    /// columns of a customer table, as `held` says) need about `need` bytes,
    /// over the limit of `max` bytes; about `fit_rows` rows of this width would fit.
    TooManyCells { held: limits::Held, rows: u64, columns: u64, need: u64, max: u64, fit_rows: u64 },
    /// A file that starts as JSON but cannot be read as rows; the text says
    /// what and where (serde_json's line and column, or the item).
    Json(String),
    /// A file that starts as a spreadsheet workbook (ZIP or OLE signature)
    /// but cannot be read as rows; the text says what (calamine's error, the
    /// sheet, or the header row without data).
    Workbook(String),
    /// A file that starts as Parquet (`PAR1`) but cannot be read as rows;
    /// the text says what (the reader's error, or the codec and column).
    Parquet(String),
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::Empty => write!(f, "The file is empty. Choose a CSV file with a header row and at least one data row."),
            IngestError::Json(why) => write!(
                f,
                "This file starts as JSON but cannot be read as rows: {why}. segscope reads an array of objects (one per trade or customer), one object per line, or a response that wraps such an array; check the file is complete, or export it as CSV."
            ),
            IngestError::Workbook(why) => write!(
                f,
                "This file is a spreadsheet workbook (Excel or OpenDocument) but cannot be read as rows: {why}. Check that the file is complete (download or save it again), or save the sheet as CSV from the spreadsheet program and load that."
            ),
            IngestError::Parquet(why) => write!(
                f,
                "This file is Parquet but cannot be read as rows: {why}. Check that the file is complete (copy or download it again), or export it as CSV and load that."
            ),
            IngestError::Binary => write!(
                f,
                "This is not a text file (it contains binary data, e.g. a spreadsheet or archive). Export it as CSV (comma, semicolon or tab separated) and load that."
            ),
            IngestError::BadHeader(why) => write!(f, "Header row: {why}."),
            IngestError::NoData { ragged: 0 } => write!(f, "The file has a header row but no data rows. Load a file with at least one row of data."),
            IngestError::NoData { ragged } => write!(
                f,
                "No usable data rows: all {ragged} rows have a different number of fields from the header. Check the delimiter and quoting of the file."
            ),
            IngestError::Read(msg) => write!(f, "The browser could not read the file: {msg}. Try loading it again."),
            IngestError::Corrupt(msg) => write!(f, "The file is damaged: {msg}. Export or download it again."),
            IngestError::TooLarge { bytes, max } => {
                let (b, m) = sizes(*bytes, *max);
                write!(
                    f,
                    "The file is too large for this browser tab: {b} of text, and segscope holds at most {m} in memory for now. Split it by date range or account, or filter it to the columns you need, and load the parts one at a time."
                )
            }
            IngestError::OpenQuote { row, lines, bytes, at_end } => write!(
                f,
                "Row {row} opens a quoted field that does not close: it runs on for {}{} ({}), so everything after it would be read as one field and the rows in it lost. Fix the quoting on row {row} (a field that starts with a quote must end with one; a quote inside a quoted field is written twice) and load the file again, or choose \"{}\" to read quotes as ordinary characters (fields that hold the delimiter then split).",
                count_noun(*lines, "line", "lines"),
                if *at_end { " to the end of the file" } else { " and more" },
                bytes_text(*bytes),
                READ_WITH_QUOTING_OFF
            ),
            IngestError::UnpacksTooLarge { packed, max } => write!(
                f,
                "This gzip file unpacks to more than {} of text (unpacking stopped after reading {} of the compressed file), and segscope holds at most that in memory. Unpack it and split it by date range or account, or filter it to the columns you need, and load the parts one at a time.",
                bytes_text(*max),
                bytes_text(*packed)
            ),
            IngestError::TooManyCells { held, rows, columns, need, max, fit_rows } => {
                let (n, m) = sizes(*need, *max);
                let what = match held {
                    limits::Held::Table => "its text plus 8 bytes a cell, to hold it whole",
                    limits::Held::Features => {
                        "8 bytes a value, twice over: the features and their scaled copy"
                    }
                    limits::Held::Offsets => "4 bytes a cell, to note where each cell ends, in one block of memory",
                };
                write!(
                    f,
                    "This file is too large to analyse in a browser tab: about {} rows x {} columns need about {n} of memory ({what}), and segscope can use at most {m}. To load it, keep fewer columns, or a sample of the rows (about {} rows of this width fit), and load it again.",
                    thousands(*rows),
                    thousands(*columns),
                    thousands(*fit_rows)
                )
            }
            IngestError::Ragged { count, first, expected } => {
                let fields = |n: usize| count_noun(n, "field", "fields");
                match first.split_first() {
                    Some((&(row, n), rest)) => {
                        write!(f, "Row {row} has {} but the header has {expected}", fields(n))?;
                        let more = count.saturating_sub(1);
                        let rows: Vec<String> = rest.iter().map(|r| r.0.to_string()).collect();
                        let (noun, verb) = if more == 1 { ("row", "differs") } else { ("rows", "differ") };
                        let listed = if rows.len() == 1 { "row" } else { "rows" };
                        if more > 0 && rows.len() >= more {
                            write!(f, " (and {more} more {noun} {verb}: {listed} {})", rows.join(", "))?;
                        } else if !rows.is_empty() {
                            write!(f, " (and {more} more {noun} {verb}, starting with {listed} {})", rows.join(", "))?;
                        } else if more > 0 {
                            write!(f, " (and {more} more {noun} {verb})")?;
                        }
                    }
                    None => write!(
                        f,
                        "{} a different number of fields from the header's {expected}",
                        count_noun(*count, "row has", "rows have")
                    )?,
                }
                write!(
                    f,
                    ". Fix the file (look for a missing or extra separator, or an unclosed quote, on {}), or choose \"{}\" to load the other rows.",
                    if *count == 1 { "that row" } else { "those rows" },
                    RaggedRows::Skip.label()
                )
            }
        }
    }
}

/// The choice [`IngestError::OpenQuote`]'s message offers: the page's
/// button of that name reads the file again with [`Quoting::Off`].
pub const READ_WITH_QUOTING_OFF: &str = "Read with quoting off";

/// A byte count as the messages write it: GiB or MiB with two decimals
/// (binary units, so that the limit of 1 GiB reads as "1.00 GiB"), or the
/// exact number of bytes below 1 MiB.
fn bytes_text(b: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    match b as f64 {
        x if x >= 1024.0 * MIB => format!("{:.2} GiB", x / (1024.0 * MIB)),
        x if x >= MIB => format!("{:.2} MiB", x / MIB),
        _ => format!("{} bytes", thousands(b)),
    }
}

/// Two sizes written so that the comparison reads true: as [`bytes_text`],
/// or both in exact bytes when they would read the same.
fn sizes(bytes: u64, max: u64) -> (String, String) {
    let (b, m) = (bytes_text(bytes), bytes_text(max));
    if b == m && bytes != max {
        (format!("{} bytes", thousands(bytes)), format!("{} bytes", thousands(max)))
    } else {
        (b, m)
    }
}

/// A note when file `name`'s extension names another kind of file than the
/// content read (`d`: text, JSON, a workbook or Parquet), e.g. a CSV file saved as
/// `.xlsx`: the file is read by its content, and the note says so. `None`
/// when they agree or the extension is not one of the kinds (`.gz` is looked
/// through: `trades.json.gz`).
pub fn content_note(name: &str, d: Dialect) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    let ext = base.rsplit_once('.')?.1;
    let named = match ext {
        "csv" | "tsv" | "txt" => "CSV text",
        "json" | "ndjson" | "jsonl" => "JSON",
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => "a spreadsheet workbook",
        "parquet" | "parq" => "Parquet",
        _ => return None,
    };
    let holds = if d.is_json() {
        "JSON"
    } else if d.is_parquet() {
        "Parquet"
    } else if d.is_workbook() {
        "a spreadsheet workbook"
    } else {
        "CSV text"
    };
    (named != holds)
        .then(|| format!("The file is named .{ext} but holds {holds}: it was read as {holds}, by its content."))
}

/// `"1 row"` / `"3 rows"`: a count with the right noun (and verb) form.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `1234567` -> `"1,234,567"`: counts and sizes in messages.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `"1 field"` / `"3 fields"`.
fn count_noun(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl std::error::Error for IngestError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_by_its_content_with_a_note_when_its_name_says_otherwise() {
        let csv = Dialect { delimiter: b',', quote: Some(b'"') };
        assert_eq!(
            content_note("trades.csv", Dialect::WORKBOOK).unwrap(),
            "The file is named .csv but holds a spreadsheet workbook: it was read as a spreadsheet workbook, by its content."
        );
        assert!(content_note("trades.xlsx", csv).unwrap().contains("holds CSV text"));
        assert!(content_note("trades.JSON.gz", csv).unwrap().contains("named .json"));
        assert_eq!(content_note("trades.xlsx", Dialect::WORKBOOK), None);
        assert_eq!(content_note("trades.tsv", csv), None);
        assert_eq!(content_note("trades.dat", Dialect::JSON), None);
        assert_eq!(content_note("trades", Dialect::JSON), None);
    }
}
