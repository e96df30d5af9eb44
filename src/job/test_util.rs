//! Helpers shared by the job's unit tests.

use super::{MappingEdit, Request, Settings};
use crate::features::FeatureTable;
use crate::ingest::{Mapping, RaggedRows};

/// The features of `ft` and `other` are the same, NaN included.
pub(super) fn assert_same_features(a: &FeatureTable, b: &FeatureTable) {
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.defs, b.defs);
    assert_eq!(a.values.dim(), b.values.dim());
    assert!(a.values.iter().zip(b.values.iter()).all(|(x, y)| x.to_bits() == y.to_bits()), "values differ");
    assert_eq!((a.rows_used, &a.skipped, &a.ignored_cells), (b.rows_used, &b.skipped, &b.ignored_cells));
    assert_eq!((&a.notes, &a.not_computed), (&b.notes, &b.not_computed));
    assert_eq!(a.accounts_left_out, b.accounts_left_out);
}

pub(super) fn request(mapping: Option<Mapping>, edits: Vec<MappingEdit>) -> Request {
    Request {
        job: 1,
        file: 1,
        name: "f.csv".into(),
        ragged: RaggedRows::Skip,
        quoting: Default::default(),
        mapping,
        edits,
        settings: Settings::default(),
        crash_test: false,
    }
}

/// `csv` with a stray quote opened at the start of the second field of
/// data row `row` (file record `row + 1`).
pub(super) fn with_stray_quote(csv: &str, row: usize) -> String {
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let comma = lines[row].find(',').expect("a row with two fields");
    lines[row].insert(comma + 1, '"');
    lines.join("\n") + "\n"
}
