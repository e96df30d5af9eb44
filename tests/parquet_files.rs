//! Parquet: the committed tests/fixtures/binance_spot*.parquet (written by
//! tests/fixtures/make_parquet.py with pyarrow from the committed CSV) give
//! the same feature table as the CSV, bit for bit, and the same segments:
//! Snappy with UTC milliseconds; gzip with local microseconds and a nested
//! struct; a zstd file is refused with a message naming the codec.

use segscope::analysis::segment;
use segscope::export::assignments_csv;
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, IngestError, Role, Table, TableReader};
use segscope::job::Settings;
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// Reads `bytes` in 64 KiB chunks, as the page does.
fn read(bytes: &[u8]) -> Result<Table, IngestError> {
    let mut r = TableReader::new();
    for c in bytes.chunks(65536) {
        r.feed(c)?;
    }
    Ok(r.finish()?.1)
}

fn run(t: &Table) -> (FeatureTable, String) {
    let m = detect_mapping(t);
    let ft = extract(t, &m).unwrap();
    let s = segment(&ft, &Settings::default().options(&ft)).unwrap();
    let csv = assignments_csv(&ft, &s, None, None);
    (ft, csv)
}

fn assert_same(a: &FeatureTable, b: &FeatureTable) {
    let keys = |ft: &FeatureTable| ft.defs.iter().map(|d| d.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(a), keys(b));
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.rows_used, b.rows_used);
    let bits = |ft: &FeatureTable| ft.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert!(bits(a) == bits(b), "the same features, bit for bit");
}

#[test]
fn parquet_reads_as_its_csv() {
    let csv = segscope::ingest::parse_bytes(&fixture("binance_spot_plain.csv")).unwrap().1;
    let (a, csv_a) = run(&csv);
    let t = read(&fixture("binance_spot.parquet")).unwrap();
    assert_eq!(t.headers, csv.headers);
    assert_eq!(t.cell(0, 1), "2026-01-01 02:49:50", "timestamp[ms, UTC] as the CSV's text");
    assert!(
        t.source_notes[0].contains("Read as Parquet: 1,500 rows in 3 row groups of 8 columns; SNAPPY"),
        "{:?}",
        t.source_notes
    );
    let (b, csv_b) = run(&t);
    assert_same(&a, &b);
    assert!(csv_a == csv_b, "the same segments");

    let t = read(&fixture("binance_spot_local.parquet")).unwrap();
    assert_eq!(
        t.headers,
        ["account_id", "timestamp", "instrument", "side", "trade.quantity", "trade.price", "trade.notional", "fee"]
    );
    let note = &t.source_notes[0];
    assert!(note.contains("GZIP") && note.contains("\"timestamp\" have no time zone"), "{note}");
    let m = detect_mapping(&t);
    assert_eq!(m.get(Role::Quantity).map(|c| t.headers[c].as_str()), Some("trade.quantity"));
    let (c, csv_c) = run(&t);
    assert_same(&a, &c);
    assert!(csv_a == csv_c, "the same segments");
}

#[test]
fn hostile_parquet_gets_a_message_that_says_what() {
    let err = |b: &[u8]| read(b).unwrap_err().to_string();
    let e = err(&fixture("binance_spot_zstd.parquet"));
    assert!(e.contains("column \"account_id\" is compressed with ZSTD") && e.contains("compression=\"snappy\""), "{e}");
    let good = fixture("binance_spot.parquet");
    let e = err(&good[..good.len() / 2]);
    assert!(e.starts_with("This file is Parquet but cannot be read as rows"), "{e}");
    // The footer kept, a page in the middle damaged.
    let mut bad = good.clone();
    for b in &mut bad[2_000..2_400] {
        *b = 0xA5;
    }
    let e = err(&bad);
    assert!(e.starts_with("This file is Parquet but cannot be read as rows"), "{e}");
}
