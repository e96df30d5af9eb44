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
    // The risk inputs and red-flag evidence (Debug, so that NaN equals NaN).
    assert_eq!(format!("{:?}", a.risk), format!("{:?}", b.risk), "risk inputs differ");
}

pub(super) fn request(mapping: Option<Mapping>, edits: Vec<MappingEdit>) -> Request {
    Request {
        job: 1,
        file: 1,
        name: "f.csv".into(),
        ragged: RaggedRows::Skip,
        quoting: Default::default(),
        sheet: None,
        mapping,
        edits,
        settings: Settings::default(),
        crash_test: false,
        model: None,
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

/// Whether a sum over two parts, `x`, is the one-pass sum `y` but for its last bits.
pub(super) fn close(x: f64, y: f64) -> bool {
    x.to_bits() == y.to_bits() || (x - y).abs() <= 1e-12 * y.abs().max(1.0)
}

/// The risk inputs of a read in two parts and of a whole read: the same
/// red-flag evidence, exactly, and the same sums but for their last bits
/// (two parts' sums are added).
pub(super) fn assert_same_risk(a: &FeatureTable, b: &FeatureTable) {
    let (Some(a), Some(b)) = (&a.risk, &b.risk) else {
        return assert_eq!(a.risk.is_some(), b.risk.is_some(), "risk inputs on one side only");
    };
    assert_eq!(a.rows.len(), b.rows.len());
    for (x, y) in a.rows.iter().zip(&b.rows) {
        assert_eq!(format!("{:?}", x.flags), format!("{:?}", y.flags), "red-flag evidence differs");
        for (u, v) in [(x.notional, y.notional), (x.leverage, y.leverage), (x.bias, y.bias), (x.pnl, y.pnl)] {
            assert!(close(u, v), "{u} vs {v}");
        }
    }
}
