//! One row per customer: the table's numeric columns are the features, as given.

use super::skips::Skips;
use super::{FeatureDef, FeatureError, FeatureTable, PROGRESS_EVERY_ROWS};
use crate::ingest::number::NumberFormat;
use crate::ingest::roles::{too_many_numeric_columns, MAX_FEATURE_COLUMNS};
use crate::ingest::{is_missing, Mapping, Role, Table};
use ndarray::Array2;

/// A customer table's rows, parsed straight into the feature matrix.
pub(super) struct CustomerRows {
    pub(super) columns: Vec<usize>,
    headers: Vec<String>,
    account: Option<usize>,
    formats: Vec<NumberFormat>,
    /// Row-major, `columns.len()` values per row.
    pub(super) values: Vec<f64>,
    pub(super) ids: Vec<String>,
    skips: Skips,
    notes: Vec<String>,
}

impl CustomerRows {
    pub(super) fn new(headers: &[String], m: &Mapping) -> Result<Self, FeatureError> {
        if m.feature_columns.is_empty() {
            return Err(FeatureError::NoFeatures {
                why: "the file has one row per customer but no numeric column besides the id; add numeric columns (e.g. age, income, spend)".into(),
            });
        }
        // detect_mapping already keeps at most MAX_FEATURE_COLUMNS; a mapping
        // built otherwise is held to the same cap here, and told so.
        let mut notes = Vec::new();
        let columns = m.feature_columns[..m.feature_columns.len().min(MAX_FEATURE_COLUMNS)].to_vec();
        if columns.len() < m.feature_columns.len() {
            notes.push(too_many_numeric_columns(headers, &columns, &m.feature_columns[columns.len()..]));
        }
        Ok(CustomerRows {
            formats: columns.iter().map(|&c| m.number_format(c)).collect(),
            columns,
            headers: headers.to_vec(),
            account: m.get(Role::Account),
            values: Vec::new(),
            ids: Vec::new(),
            skips: Skips::default(),
            notes,
        })
    }

    pub(super) fn push(&mut self, t: &Table, progress: &mut dyn FnMut(usize, usize)) {
        let n = t.n_rows();
        for r in 0..n {
            if r % PROGRESS_EVERY_ROWS == 0 {
                progress(r, n);
            }
            for (&c, f) in self.columns.iter().zip(&self.formats) {
                let v = t.cell(r, c);
                self.values.push(match f.parse(v) {
                    Some(x) => x,
                    None if is_missing(v) => f64::NAN,
                    None => {
                        self.skips.add(format!("\"{}\" not a number", self.headers[c]), t.record_no(r));
                        f64::NAN
                    }
                });
            }
            self.ids.push(match self.account {
                Some(c) => t.cell(r, c).to_string(),
                None => format!("row {}", t.record_no(r)),
            });
        }
    }

    pub(super) fn finish(self) -> Result<FeatureTable, FeatureError> {
        let n = self.ids.len();
        if n == 0 {
            return Err(FeatureError::NoUsableRows { skipped: vec![] });
        }
        let defs = self
            .columns
            .iter()
            .map(|&c| FeatureDef {
                key: self.headers[c].clone(),
                unit: "as in the file".into(),
                formula: format!("column \"{}\" as given (one row per customer)", self.headers[c]),
                feature: None,
            })
            .collect();
        let values = Array2::from_shape_vec((n, self.columns.len()), self.values)
            .map_err(|e| FeatureError::NoFeatures { why: format!("internal error building the matrix: {e}") })?;
        Ok(FeatureTable {
            ids: self.ids,
            defs,
            values,
            not_computed: vec![],
            rows_used: n,
            skipped: vec![],
            ignored_cells: self.skips.0,
            accounts_left_out: 0,
            notes: self.notes,
        })
    }
}
