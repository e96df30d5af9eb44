//! One row per customer: the table's numeric columns are the features, as given.

use super::skips::Skips;
use super::{FeatureDef, FeatureError, FeatureTable, PROGRESS_EVERY_ROWS};
use crate::ingest::limits;
use crate::ingest::number::NumberFormat;
use crate::ingest::roles::{too_many_numeric_columns, MAX_FEATURE_COLUMNS};
use crate::ingest::{is_missing, IngestError, Mapping, Role, Table};
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
    /// Limit on the memory the features may need; 0 means [`limits::MAX_MEMORY_BYTES`].
    pub(super) max_memory: u64,
    /// Rows stopped being added: the features would not fit in memory.
    refused: Option<IngestError>,
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
            max_memory: 0,
            refused: None,
        })
    }

    pub(super) fn push(&mut self, t: &Table, progress: &mut dyn FnMut(usize, usize)) {
        let n = t.n_rows();
        // Checked before the matrix grows, so that no allocation can fail (or overflow) half-way.
        if self.refused.is_some() {
            return;
        }
        let (rows, cols) = ((self.ids.len() + n) as u64, self.columns.len() as u64);
        let fits = limits::check_features(rows, cols, self.max_memory).and_then(|_| {
            let grown = n
                .checked_mul(self.columns.len())
                .is_some_and(|more| self.values.try_reserve(more).is_ok() && self.ids.try_reserve(n).is_ok());
            // The allocator said no before the estimate did: what was held is what fit.
            let fit = limits::features_bytes(self.ids.len() as u64, cols);
            if grown {
                Ok(())
            } else {
                limits::check_features(rows, cols, fit.max(1))
            }
        });
        if let Err(e) = fits {
            self.refused = Some(e);
            return;
        }
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
        if let Some(e) = self.refused {
            return Err(FeatureError::TooLarge(e));
        }
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
            risk: None,
        })
    }
}
