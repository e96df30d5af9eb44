//! Parquet: the committed tests/fixtures/binance_spot*.parquet (written by
//! tests/fixtures/make_parquet.py with pyarrow from the committed CSV) give
//! the same feature table as the CSV, bit for bit, and the same segments:
//! Snappy with UTC milliseconds; gzip with local microseconds and a nested
//! struct; zstd with nanoseconds; a Brotli file is refused with a message
//! naming the codec.

#[path = "common/formats.rs"]
mod formats;

use formats::{assert_same_features as assert_same, features_and_segments as run, fixture};
use segscope::ingest::{detect_mapping, IngestError, Role, Table};

fn read(bytes: &[u8]) -> Result<Table, IngestError> {
    formats::read(bytes, None)
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

    let t = read(&fixture("binance_spot_zstd.parquet")).unwrap();
    assert!(t.source_notes[0].contains("; ZSTD compression"), "{:?}", t.source_notes);
    assert_eq!(t.cell(0, 1), "2026-01-01 02:49:50", "timestamp[ns, UTC] as the CSV's text");
    let (d, csv_d) = run(&t);
    assert_same(&a, &d);
    assert!(csv_a == csv_d, "the same segments");
}

#[test]
fn hostile_parquet_gets_a_message_that_says_what() {
    let err = |b: &[u8]| read(b).unwrap_err().to_string();
    let e = err(&fixture("binance_spot_brotli.parquet"));
    assert!(
        e.contains("column \"account_id\" is compressed with BROTLI") && e.contains("compression=\"snappy\""),
        "{e}"
    );
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
