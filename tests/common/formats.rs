//! Helpers shared by the file-format tests (workbooks.rs, parquet_files.rs):
//! reading a committed fixture as the page does, and comparing feature tables.
#![allow(dead_code)] // each test crate uses a subset

use segscope::analysis::segment;
use segscope::export::assignments_csv;
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, IngestError, Table, TableReader};
use segscope::job::Settings;

/// `tests/fixtures/<name>`'s bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// Reads `bytes` in 64 KiB chunks, as the page does, from workbook sheet `sheet` (text files ignore it).
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Table, IngestError> {
    let mut r = TableReader::new().sheet(sheet.map(str::to_string));
    for c in bytes.chunks(65536) {
        r.feed(c)?;
    }
    Ok(r.finish()?.1)
}

/// The feature table of `t` under its detected mapping, and the
/// assignments download of its segmentation with the page's defaults.
pub fn features_and_segments(t: &Table) -> (FeatureTable, String) {
    let m = detect_mapping(t);
    let ft = extract(t, &m).unwrap();
    let s = segment(&ft, &Settings::default().options(&ft)).unwrap();
    let csv = assignments_csv(&ft, &s, None, None);
    (ft, csv)
}

/// The same feature keys, accounts, rows used and values, bit for bit.
pub fn assert_same_features(a: &FeatureTable, b: &FeatureTable) {
    let keys = |ft: &FeatureTable| ft.defs.iter().map(|d| d.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(a), keys(b));
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.rows_used, b.rows_used);
    let bits = |ft: &FeatureTable| ft.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert!(bits(a) == bits(b), "the same features, bit for bit");
}
