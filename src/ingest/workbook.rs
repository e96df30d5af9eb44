//! Spreadsheet workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) read into
//! the same [`Table`] as a CSV file, so that column detection, mapping,
//! features and views do not change. The file format is read by
//! [calamine](https://docs.rs/calamine) (pure Rust); this module decides
//! what of a sheet is the table:
//!
//! - **Which sheet**: the one asked for ([`TableReader::sheet`](super::TableReader::sheet),
//!   select **Sheet** in the page), else the first sheet holding at least
//!   one cell. Every sheet's name is kept in [`Table::sheets`].
//! - **Which row is the header** ([`header_row`]): exports often start with a
//!   title ("Spot trade history"), a date line and a blank row. The header
//!   is the first of the sheet's first [`HEADER_SEARCH_ROWS`] rows whose
//!   filled cells are all text and are at least as many as in any of the
//!   [`HEADER_LOOKAHEAD`] rows below it; failing that, the first row with
//!   a filled cell. The rows above it are skipped, and a note says which
//!   row was used.
//! - **Merged header cells** (`.xlsx` only, where calamine gives the merged
//!   regions): a merged cell's value fills every cell it covers before the
//!   header is looked for. When the header row so found holds a cell merged
//!   across columns (a group such as "Fee" over "Amount" and "Asset") and
//!   the row below it is text too, the row below holds the names, and a
//!   name that repeats (two "Amount" columns) is prefixed with its group
//!   ("Fee Amount").
//! - **Cells as text**, as a CSV file would write them: numbers in Rust's
//!   shortest round-trip form (so a value reads back to the same `f64`,
//!   bit for bit), whole numbers without a decimal point; dates and times
//!   stored as Excel serial numbers with a date format as ISO 8601 text,
//!   `YYYY-MM-DD HH:MM:SS[.mmm]` (Excel stores no time zone: they are read as
//!   UTC, as a CSV timestamp without an offset), in either of Excel's date
//!   systems (1900 or 1904); durations as their number of days; `true` /
//!   `false`; an error cell (`#DIV/0!`) as its text, counted in a note.
//! - Rows with no filled cell are skipped and counted in a note. Row numbers
//!   in messages are the sheet's own (the first data row under a header in
//!   row 4 is row 5).
//!
//! Limits: at most [`MAX_WORKBOOK_BYTES`] of file; the sheet is read whole
//! (a workbook's parts are compressed and can only be read with the whole
//! file at hand), and the table it gives is held to the same memory limit as
//! a CSV file read whole ([`super::limits::check_table`]).

use super::csv::{Dialect, Table};
use super::IngestError;
use calamine::{Data, Reader, Sheets};
use std::io::Cursor;

/// Most bytes of workbook file read (128 MiB). A workbook is held whole
/// while it is unpacked, and its cells take several times the file's size.
pub const MAX_WORKBOOK_BYTES: u64 = 128 << 20;

/// How many of a sheet's first rows are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// How many rows below a candidate header row it is compared with.
pub const HEADER_LOOKAHEAD: usize = 10;

/// Whether raw file bytes `head` (the file's first bytes, at least 8 of
/// them) start as a workbook: a ZIP archive (`PK\x03\x04`: `.xlsx`, `.xlsb`,
/// `.ods`) or an OLE compound file (`D0 CF 11 E0 A1 B1 1A E1`: `.xls`).
pub fn looks_like_workbook(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// The message for a workbook over [`MAX_WORKBOOK_BYTES`].
pub fn too_large() -> String {
    format!(
        "it is larger than {} MB, the most segscope reads as a workbook (a workbook is held whole while it is unpacked); save the sheet as CSV from the spreadsheet program (CSV is read as it streams), or split it",
        MAX_WORKBOOK_BYTES >> 20
    )
}

/// Opens `bytes` as a workbook: `.xls` by its OLE signature, else (a ZIP
/// archive) `.xlsx`, then `.xlsb`, then `.ods`, keeping the first format's
/// error (the `.xlsx` one, or `.ods` when the archive says it is one).
fn open(bytes: Vec<u8>) -> Result<Sheets<Cursor<Vec<u8>>>, String> {
    use calamine::{open_workbook_from_rs, Ods, Xls, Xlsb, Xlsx};
    if !bytes.starts_with(b"PK") {
        return open_workbook_from_rs::<Xls<_>, _>(Cursor::new(bytes)).map(Sheets::Xls).map_err(|e| e.to_string());
    }
    // An OpenDocument file stores its media type first, uncompressed.
    let ods = bytes.windows(46).take(200).any(|w| w == b"application/vnd.oasis.opendocument.spreadsheet");
    if ods {
        return open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes)).map(Sheets::Ods).map_err(|e| e.to_string());
    }
    let xlsx = match open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes.clone())) {
        Ok(w) => return Ok(Sheets::Xlsx(w)),
        Err(e) => e.to_string(),
    };
    if let Ok(w) = open_workbook_from_rs::<Xlsb<_>, _>(Cursor::new(bytes.clone())) {
        return Ok(Sheets::Xlsb(w));
    }
    open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes)).map(Sheets::Ods).map_err(|_| xlsx)
}

/// What a cell holds, for the header search.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    Text,
    Other,
}

fn kind(d: &Data) -> Kind {
    match d {
        Data::Empty => Kind::Empty,
        Data::String(s) if s.trim().is_empty() => Kind::Empty,
        Data::String(_) => Kind::Text,
        _ => Kind::Other,
    }
}

/// The index of the header row among `rows` (cells as [`Kind`]s), by the
/// rule in the module docs; `None` if no row has a filled cell.
fn header_row_of(rows: &[Vec<Kind>]) -> Option<usize> {
    let filled = |r: &Vec<Kind>| r.iter().filter(|k| **k != Kind::Empty).count();
    let text_only = |r: &Vec<Kind>| r.iter().all(|k| *k != Kind::Other);
    let search = rows.len().min(HEADER_SEARCH_ROWS);
    (0..search)
        .find(|&i| {
            let n = filled(&rows[i]);
            let below = rows[i + 1..rows.len().min(i + 1 + HEADER_LOOKAHEAD)].iter().map(filled).max().unwrap_or(0);
            n > 0 && text_only(&rows[i]) && n >= below
        })
        .or_else(|| rows.iter().position(|r| filled(r) > 0))
}

/// The header row's index for rows given as text cells (`""` empty,
/// a number as its digits): [`header_row_of`] on their kinds. For tests.
pub fn header_row(rows: &[&[&str]]) -> Option<usize> {
    let kinds: Vec<Vec<Kind>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c.trim() {
                    "" => Kind::Empty,
                    c if c.parse::<f64>().is_ok() => Kind::Other,
                    _ => Kind::Text,
                })
                .collect()
        })
        .collect();
    header_row_of(&kinds)
}

/// A cell as the text a CSV file would hold (see the module docs); counts error cells in `errors`.
fn cell_text(d: &Data, errors: &mut usize) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Display is the shortest text that reads back to the same f64, without an exponent.
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if ms == 0 {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{ms:03}")
            }
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => {
            *errors += 1;
            e.to_string()
        }
    }
}

/// Reads sheet `sheet` of the workbook in `bytes` (or the first sheet with a
/// filled cell) into a [`Table`], with notes saying which sheet and header
/// row were used and what was skipped.
///
/// Errors: [`IngestError::Workbook`] for a file calamine cannot open
/// (damaged, cut off, encrypted, not a workbook after all), a sheet that
/// does not exist, or a sheet with no data row; [`IngestError::TooManyCells`]
/// for a sheet over the memory limit.
pub fn read_workbook(bytes: Vec<u8>, sheet: Option<&str>) -> Result<(Dialect, Table), IngestError> {
    let file_bytes = bytes.len() as u64;
    let mut book = open(bytes).map_err(IngestError::Workbook)?;
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(IngestError::Workbook("it holds no sheet".into()));
    }
    // The sheet asked for, else the first with a filled cell.
    let (name, range) = match sheet {
        Some(s) => {
            let name = names
                .iter()
                .find(|n| n.as_str() == s)
                .ok_or_else(|| IngestError::Workbook(format!("it has no sheet named \"{s}\"")))?
                .clone();
            let range =
                book.worksheet_range(&name).map_err(|e| IngestError::Workbook(format!("sheet \"{name}\": {e}")))?;
            (name, range)
        }
        None => {
            let mut found = None;
            for n in &names {
                match book.worksheet_range(n) {
                    Ok(r) if r.cells().any(|(_, _, d)| kind(d) != Kind::Empty) => {
                        found = Some((n.clone(), r));
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => return Err(IngestError::Workbook(format!("sheet \"{n}\": {e}"))),
                }
            }
            found.ok_or_else(|| {
                IngestError::Workbook(format!("none of its {} sheets holds a filled cell", names.len()))
            })?
        }
    };
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
    drop(range);
    // The rows the header is looked for in. Merged cells (xlsx): a cell
    // covered by a merge from above takes its value (a name merged down
    // over two header rows); cells merged across columns are kept as
    // regions, and stay empty here (a title merged across the width is
    // still one filled cell).
    let top = rows.len().min(HEADER_SEARCH_ROWS + HEADER_LOOKAHEAD);
    let mut head: Vec<Vec<Data>> = rows[..top].to_vec();
    let mut across: Vec<(usize, usize, usize)> = Vec::new(); // (row, first col, last col), relative
    if let Sheets::Xlsx(x) = &mut book {
        for m in x.merge_cells_by_sheet_name(&name).unwrap_or_default() {
            if m.start.0 < row0 || m.start.1 < col0 {
                continue;
            }
            let (r0, c0) = ((m.start.0 - row0) as usize, (m.start.1 - col0) as usize);
            let (r1, c1) = (m.end.0.saturating_sub(row0) as usize, m.end.1.saturating_sub(col0) as usize);
            let Some(v) = head.get(r0).and_then(|r| r.get(c0)).cloned() else { continue };
            for row in head.iter_mut().take(r1 + 1).skip(r0 + 1) {
                for cell in row.iter_mut().take(c1 + 1).skip(c0) {
                    *cell = v.clone();
                }
            }
            if c1 > c0 {
                across.push((r0, c0, c1));
            }
        }
    }
    drop(book);
    let kinds: Vec<Vec<Kind>> = head.iter().map(|r| r.iter().map(kind).collect()).collect();
    let Some(h) = header_row_of(&kinds) else {
        return Err(IngestError::Workbook(format!("sheet \"{name}\" holds no filled cell")));
    };
    let mut errors = 0usize;
    let text = |d: &Data, errors: &mut usize| cell_text(d, errors).trim().to_string();
    let mut headers: Vec<String> = head[h].iter().map(|d| text(d, &mut errors)).collect();
    // A group row right above the header: at least two filled cells, one
    // of them merged across columns (e.g. "Fee" over "Amount" and "Asset").
    let groups: Option<Vec<String>> = (h > 0
        && across.iter().any(|(r, _, _)| *r == h - 1)
        && kinds[h - 1].iter().filter(|k| **k != Kind::Empty).count() >= 2)
        .then(|| {
            let mut g: Vec<String> = head[h - 1].iter().map(|d| text(d, &mut errors)).collect();
            for &(_, c0, c1) in across.iter().filter(|(r, _, _)| *r == h - 1) {
                let v = g.get(c0).cloned().unwrap_or_default();
                for cell in g.iter_mut().take(c1 + 1).skip(c0 + 1) {
                    *cell = v.clone();
                }
            }
            g
        });
    drop(head);
    let mut grouped = 0;
    if let Some(g) = &groups {
        let repeats: Vec<bool> =
            headers.iter().map(|n| !n.is_empty() && headers.iter().filter(|m| *m == n).count() > 1).collect();
        for ((n, g), rep) in headers.iter_mut().zip(g).zip(repeats) {
            if rep && !g.is_empty() && g != n {
                *n = format!("{g} {n}");
                grouped += 1;
            }
        }
    }
    let width = headers.len();
    super::limits::check_table(file_bytes, rows.len().saturating_sub(h + 1) as u64, width as u64, 0)?;
    // Rows are turned into cells one at a time, each freed once copied.
    let (mut empty_rows, mut numbers) = (0usize, Vec::with_capacity(rows.len().saturating_sub(h + 1)));
    let records = rows.into_iter().enumerate().skip(h + 1).filter_map(|(i, row)| {
        if row.iter().all(|d| kind(d) == Kind::Empty) {
            empty_rows += 1;
            return None;
        }
        numbers.push(u32::try_from(row0 as usize + i + 1).unwrap_or(u32::MAX));
        Some(row.iter().take(width).enumerate().map(|(c, d)| (c, cell_text(d, &mut errors))).collect::<Vec<_>>())
    });
    let t = Table::from_records(headers, records);
    if t.n_rows() == 0 {
        return Err(IngestError::Workbook(format!(
            "sheet \"{name}\" has a header in row {} but no data row under it",
            row0 as usize + h + 1
        )));
    }
    let mut t = t.with_record_numbers(numbers);
    let header_at = row0 as usize + h + 1;
    let mut note = format!(
        "Read as a workbook: sheet \"{name}\"{}, header in row {header_at}",
        if names.len() > 1 {
            format!(" (1 of {} sheets; choose another under Sheet)", names.len())
        } else {
            String::new()
        },
    );
    if header_at > 1 {
        let above = if groups.is_some() { h - 1 } else { h };
        if above > 0 {
            note.push_str(&format!(
                " (the {} above it skipped as a title)",
                if above == 1 { "row".to_string() } else { format!("{above} rows") }
            ));
        }
    }
    note.push_str(&format!(", {} data rows.", super::thousands(t.n_rows() as u64)));
    if groups.is_some() {
        note.push_str(&format!(
            " Row {} holds groups of columns (merged cells) over the names in row {header_at}{}.",
            header_at - 1,
            if grouped > 0 {
                format!("; {grouped} repeated names were prefixed with their group")
            } else {
                String::new()
            }
        ));
    }
    if empty_rows > 0 {
        note.push_str(&format!(" {} with no filled cell skipped.", super::count_of(empty_rows, "row", "rows")));
    }
    if errors > 0 {
        note.push_str(&format!(
            " {} a formula error (such as #DIV/0!); its text is kept, so it is read as not a number.",
            super::count_of(errors, "cell holds", "cells hold")
        ));
    }
    note.push_str(" Dates stored as Excel dates are read as UTC (a workbook keeps no time zone).");
    t.source_notes.push(note);
    t.sheets = names;
    t.sheet = Some(name);
    Ok((Dialect::WORKBOOK, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_the_first_full_row_of_text_under_any_title() {
        let title: &[&str] = &["Spot trade history", "", ""];
        let blank: &[&str] = &["", "", ""];
        let header: &[&str] = &["Date", "Pair", "Qty"];
        let data: &[&str] = &["2026-01-01", "BTCUSDT", "1.5"];
        assert_eq!(header_row(&[header, data, data]), Some(0));
        assert_eq!(header_row(&[title, blank, header, data, data]), Some(2));
        assert_eq!(header_row(&[title, &["Exported 2026-01-02", "", ""], header, data]), Some(2));
        // No row of text: the first filled row.
        assert_eq!(header_row(&[blank, &["1", "2", "3"], &["4", "5", "6"]]), Some(1));
        assert_eq!(header_row(&[blank, blank]), None);
        // A header with an unnamed first column (pandas' index) over full data rows: the first filled row.
        assert_eq!(header_row(&[&["", "a", "b"], &["0", "x", "1"]]), Some(0));
    }

    #[test]
    fn files_that_are_not_workbooks_get_a_message() {
        assert!(looks_like_workbook(b"PK\x03\x04rest"));
        assert!(!looks_like_workbook(b"account,qty\n"));
        let e = read_workbook(b"PK\x03\x04 not really a zip".to_vec(), None).unwrap_err().to_string();
        assert!(e.contains("workbook") && e.contains("CSV"), "{e}");
        let e =
            read_workbook(vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], None).unwrap_err().to_string();
        assert!(e.contains("workbook"), "{e}");
    }
}
