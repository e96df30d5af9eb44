//! A model applied to another file: its column mapping found in the new
//! file by header ([`Model::apply_mapping`]), the columns it needs checked
//! ([`Model::missing_columns`]), the new features put in the model's order
//! ([`Model::align`]), and the accounts scored ([`Model::score`]).

use super::Model;
use crate::analysis::{score_timed, Segmentation};
use crate::features::FeatureTable;
use crate::ingest::roles::normalise as normalise_header;
use crate::ingest::{DataKind, Mapping, Role, Table};
use ndarray::Array2;

/// Columns a model needs that a file lacks: (role label, the model's header).
pub type MissingColumns = Vec<(String, String)>;

/// The column of `t` headed `header`: the same text, else the same once
/// trimmed and lower-cased (as exports change case between versions).
fn find(t: &Table, header: &str) -> Option<usize> {
    t.headers.iter().position(|h| h == header).or_else(|| {
        let want = normalise_header(header);
        t.headers.iter().position(|h| normalise_header(h) == want)
    })
}

impl Model {
    /// Makes `m` (detected on `t`) the model's mapping: its data kind, and
    /// each role on the column with the model's header (roles the model did
    /// not map are unmapped; a header `t` lacks leaves its role unmapped,
    /// which [`Model::missing_columns`] reports); the model's time format
    /// when detection read the timestamps otherwise; for a customer table,
    /// the model's feature columns.
    pub fn apply_mapping(&self, m: &mut Mapping, t: &Table) {
        if m.kind != self.data.kind {
            m.set_kind(t, self.data.kind);
        }
        for role in Role::ALL {
            let want = self.data.columns.iter().find(|c| c.role == role).and_then(|c| find(t, &c.column));
            if m.get(role) != want {
                m.set(t, role, want);
            }
        }
        if let Some(f) = self.data.time_format {
            if m.time.as_ref().map(|d| d.format) != Some(f) && m.get(Role::Timestamp).is_some() {
                m.set_time_format(t, f);
            }
        }
        if self.data.kind == DataKind::CustomerTable {
            m.feature_columns = self.data.feature_columns.iter().filter_map(|h| find(t, h)).collect();
        }
    }

    /// The columns the model maps that `m` (after [`Model::apply_mapping`])
    /// does not: (role label, header), in the mapping panel's order. (A
    /// customer table's feature columns the file lacks are features it
    /// lacks: [`Model::align`] names them.)
    pub fn missing_columns(&self, m: &Mapping) -> MissingColumns {
        self.data
            .columns
            .iter()
            .filter(|c| m.get(c.role).is_none())
            .map(|c| (c.role.label().to_string(), c.column.clone()))
            .collect()
    }

    /// `ft` with its features in the model's order ([`Model::features`]),
    /// matched by key.
    ///
    /// Errors: the features the model needs that `ft` lacks (their keys and
    /// formulas), as a sentence.
    pub fn align(&self, ft: &FeatureTable) -> Result<FeatureTable, String> {
        let at: Vec<Option<usize>> =
            self.features.iter().map(|f| ft.defs.iter().position(|d| d.key == f.key)).collect();
        let lacking: Vec<String> = self
            .features
            .iter()
            .zip(&at)
            .filter(|(_, a)| a.is_none())
            .map(|(f, _)| {
                let why = ft.not_computed.iter().find(|(k, _)| *k == f.key).map(|(_, w)| format!(": {w}"));
                format!("{}{}", f.key, why.unwrap_or_default())
            })
            .collect();
        if !lacking.is_empty() {
            return Err(format!("the model needs features this file does not give ({})", lacking.join("; ")));
        }
        let cols: Vec<usize> = at.into_iter().flatten().collect();
        if cols.iter().enumerate().all(|(i, &c)| i == c) && cols.len() == ft.defs.len() {
            return Ok(ft.clone());
        }
        let n = ft.ids.len();
        let mut values = Array2::zeros((n, cols.len()));
        for (j, &c) in cols.iter().enumerate() {
            values.column_mut(j).assign(&ft.values.column(c));
        }
        Ok(FeatureTable {
            ids: ft.ids.clone(),
            defs: cols.iter().map(|&c| ft.defs[c].clone()).collect(),
            values,
            risk: ft.risk.clone(),
            ..ft.without_rows()
        })
    }

    /// Scores the accounts of `ft` (read under `mapping`) with the model: see [`score_timed`], after
    /// [`Model::missing_columns`] and [`Model::align`]. Returns the aligned
    /// table with the segmentation.
    ///
    /// Errors: a sentence naming the missing columns or features, or the
    /// analysis error.
    pub fn score(
        &self,
        ft: &FeatureTable,
        mapping: &Mapping,
        clock: &dyn Fn() -> f64,
        starting: &mut dyn FnMut(&str),
    ) -> Result<(FeatureTable, Segmentation), String> {
        let missing = self.missing_columns(mapping);
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|(role, h)| format!("\"{h}\" ({role})")).collect();
            return Err(format!(
                "the model needs the column{} {}, which this file lacks. Load a file with the same columns as the one the model was fitted on ({}), or choose Clear model",
                if missing.len() == 1 { "" } else { "s" },
                list.join(", "),
                self.input.file_name
            ));
        }
        let aligned = self.align(ft)?;
        let template = self.segmentation()?;
        let mut seg = score_timed(&aligned, &template, clock, starting).map_err(|e| e.to_string())?;
        // The model's names (as its user left them), not ones generated from this file.
        for p in &mut seg.profiles {
            if let Some(s) = self.segments.iter().find(|s| s.number == p.id) {
                p.name = s.name.clone();
            }
        }
        Ok((aligned, seg))
    }
}
