//! Spreadsheet workbooks: the committed tests/fixtures/binance_spot.xlsx,
//! .ods and .xls (written by tests/fixtures/make_workbooks.py from the
//! committed CSV fixtures) give the same feature table as their CSV, bit
//! for bit, and the same segments, sheet by sheet; hostile workbooks give a
//! message.

#[path = "common/formats.rs"]
mod formats;

use formats::{assert_same_features as assert_same, fixture, read};
use segscope::features::FeatureTable;
use segscope::ingest::{detect_mapping, Mapping, Role, Table};

/// Features, mapping and the assignments download of a table.
fn features(t: &Table) -> (FeatureTable, Mapping, String) {
    let (ft, csv) = formats::features_and_segments(t);
    (ft, detect_mapping(t), csv)
}

#[test]
fn binance_export_as_xlsx_reads_as_its_csv() {
    let xlsx = fixture("binance_spot.xlsx");
    let t = read(&xlsx, None).unwrap();
    assert_eq!(t.sheets, ["Trades", "Plain"]);
    assert_eq!(t.sheet.as_deref(), Some("Trades"), "the first sheet with data");
    assert_eq!(t.headers, ["Date(UTC)", "Pair", "Side", "Price", "Executed", "Amount", "Fee", "User ID"]);
    assert_eq!(t.record_no(0), 5, "the sheet's own row numbers: the header is in row 4");
    let note = &t.source_notes[0];
    assert!(note.contains("sheet \"Trades\" (1 of 2 sheets") && note.contains("header in row 4"), "{note}");
    assert!(note.contains("the 3 rows above it skipped"), "{note}");
    // Excel dates read as the CSV's timestamps.
    assert_eq!(t.cell(0, 0), "2026-01-01 02:49:50");
    let csv = segscope::ingest::parse_bytes(&fixture("binance_spot.csv")).unwrap().1;
    let ((a, ma, csv_a), (b, mb, csv_b)) = (features(&csv), features(&t));
    assert_eq!(ma.get(Role::Fee), mb.get(Role::Fee));
    assert_eq!(mb.unit_label(mb.get(Role::Fee).unwrap()).as_deref(), Some("USDT"));
    assert_same(&a, &b);
    assert!(csv_a == csv_b, "the same segments");
}

#[test]
fn the_same_export_as_ods_and_as_xls_reads_as_its_csv() {
    let csv = segscope::ingest::parse_bytes(&fixture("binance_spot.csv")).unwrap().1;
    let (a, _, csv_a) = features(&csv);
    for (file, first) in [("binance_spot.ods", "2026-01-01T02:49:50"), ("binance_spot.xls", "2026-01-01 02:49:50")] {
        let t = read(&fixture(file), None).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(t.sheets, ["Trades"], "{file}");
        assert_eq!(t.headers, ["Date(UTC)", "Pair", "Side", "Price", "Executed", "Amount", "Fee", "User ID"], "{file}");
        assert_eq!(t.record_no(0), 5, "{file}: the header found under the title rows, in row 4");
        // ODS stores a date as an ISO date value, XLS as a serial number with a date format.
        assert_eq!(t.cell(0, 0), first, "{file}");
        let (b, mb, csv_b) = features(&t);
        assert_eq!(mb.unit_label(mb.get(Role::Fee).unwrap()).as_deref(), Some("USDT"), "{file}");
        assert_same(&a, &b);
        assert!(csv_a == csv_b, "{file}: the same segments");
    }
}

#[test]
fn a_sheet_under_merged_column_groups_reads_as_its_csv() {
    let t = read(&fixture("binance_spot.xlsx"), Some("Plain")).unwrap();
    assert_eq!(t.sheet.as_deref(), Some("Plain"));
    // The group row ("Trade" merged over three columns) prefixes the name that repeats.
    assert_eq!(
        t.headers,
        ["account_id", "timestamp", "instrument", "side", "quantity", "price", "Trade amount", "Fee amount", "asset"]
    );
    assert_eq!(t.record_no(0), 3);
    assert!(t.source_notes[0].contains("Row 1 holds groups of columns"), "{:?}", t.source_notes);
    let csv = segscope::ingest::parse_bytes(&fixture("binance_spot_plain.csv")).unwrap().1;
    let ((a, ma, csv_a), (b, mb, csv_b)) = (features(&csv), features(&t));
    let named = |m: &Mapping, t: &Table, r: Role| m.get(r).map(|c| t.headers[c].clone());
    assert_eq!(named(&mb, &t, Role::Notional).as_deref(), Some("Trade amount"));
    assert_eq!(named(&mb, &t, Role::Fee).as_deref(), Some("Fee amount"));
    assert_eq!(named(&ma, &csv, Role::Fee).as_deref(), Some("fee"));
    assert_same(&a, &b);
    assert!(csv_a == csv_b, "the same segments");
}

#[test]
fn hostile_workbooks_get_a_message_that_says_what() {
    let err = |bytes: &[u8], sheet: Option<&str>| read(bytes, sheet).unwrap_err().to_string();
    let xlsx = fixture("binance_spot.xlsx");
    // Cut off: the archive's directory (at its end) is missing.
    let e = err(&xlsx[..xlsx.len() / 2], None);
    assert!(e.starts_with("This file is a spreadsheet workbook") && e.contains("save the sheet as CSV"), "{e}");
    // A sheet that is not there.
    assert!(err(&xlsx, Some("Sheet9")).contains("no sheet named \"Sheet9\""));
    // A header and no data row.
    let e = err(&fixture("workbook_empty.xlsx"), None);
    assert!(e.contains("sheet \"Empty\" has a header in row 1 but no data row"), "{e}");
    // Wrong magic: ZIP's signature over other bytes.
    assert!(err(b"PK\x03\x04\x14\x00 this is no archive", None).contains("spreadsheet workbook"));
}
