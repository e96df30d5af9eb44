//! Features: a [`Table`] of trades, transactions or customers -> one row of
//! behavioural features per account ([`FeatureTable`]).
//!
//! A feature whose input columns are not mapped is not computed, and
//! [`FeatureTable::not_computed`] says why. A value that is undefined for an
//! account (put share of an account without options, win rate without any
//! closing trade) is `NaN` here; the analysis stage imputes it and reports how
//! many cells it filled. Rows that cannot be used are counted per reason with
//! example row numbers, never dropped silently.
//!
//! Every feature's formula, unit and required columns are in the
//! [`catalog`] (shown in the UI and the README).
//!
//! Layout: [`catalog`] (what is computed), `builder` (entry points),
//! `accounts` (trades and transactions per account), `customers` (one row
//! per customer), `lists` and `interner` (per-account storage), `skips`
//! (rows left out, with reasons), `exposure` and `flags` (the risk view's
//! per-account inputs and red-flag evidence).

mod accounts;
mod builder;
pub mod catalog;
mod customers;
pub mod exposure;
pub mod flags;
mod interner;
mod lists;
mod skips;

pub use accounts::PartialAccounts;
pub use builder::{extract, extract_with_progress, FeatureBuilder, PROGRESS_EVERY_ROWS};
pub use catalog::{Family, FeatureKey, FeatureRole, FeatureSpec, CATALOG};
pub use exposure::{AccountRisk, RiskInputs};
pub use flags::FlagEvidence;
pub use skips::SkippedRows;

use ndarray::Array2;
use std::fmt;

/// One feature: its key (export column name), unit and formula.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureDef {
    /// Column name in the export, snake_case (e.g. `total_notional`).
    pub key: String,
    /// Unit of the raw value (e.g. `quote currency`, `days`, `share 0-1`).
    pub unit: String,
    /// Formula and the columns it needs, one sentence.
    pub formula: String,
    /// The catalogue entry it was computed by; `None` for a customer
    /// table's own columns.
    pub feature: Option<FeatureKey>,
}

impl FeatureDef {
    /// The definition of catalogue feature `spec`, with its formula as filled in for the file.
    pub fn of(spec: &FeatureSpec, formula: String) -> Self {
        FeatureDef { key: spec.name.into(), unit: spec.unit.into(), formula, feature: Some(spec.key) }
    }

    /// Its family; `None` for a customer table's own columns.
    pub fn family(&self) -> Option<Family> {
        self.feature.map(|k| k.spec().family)
    }

    /// Whether it defines segments by default: a catalogue feature's role,
    /// and behaviour for a customer table's own columns (all are used by
    /// default: only the user knows what they mean).
    pub fn role(&self) -> FeatureRole {
        self.feature.map_or(FeatureRole::Behaviour, |k| k.spec().role)
    }
}

/// The per-account feature matrix.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FeatureTable {
    /// Account ids, one per row of `values`, in order of first appearance.
    pub ids: Vec<String>,
    pub defs: Vec<FeatureDef>,
    /// n_accounts x n_features, raw units; `NaN` where undefined for an account.
    pub values: Array2<f64>,
    /// Features that could not be computed, with the reason.
    pub not_computed: Vec<(String, String)>,
    /// Rows used and rows left out.
    pub rows_used: usize,
    pub skipped: Vec<SkippedRows>,
    /// Optional cells (leverage, fee, PnL, ...) that were not numbers: ignored, rows kept.
    pub ignored_cells: Vec<SkippedRows>,
    /// Accounts left out: an id met only in rows left out (no readable
    /// time, a required number unreadable), so the account has no row of
    /// `ids`. Rows without an id, and rows with the wrong number of fields
    /// (dropped while reading), name no account and are not counted here.
    pub accounts_left_out: usize,
    /// Sentences for the user (e.g. how returns were treated).
    pub notes: Vec<String>,
    /// Trades only: per-account inputs of the risk view (rows aligned with `ids`).
    pub risk: Option<RiskInputs>,
}

impl FeatureTable {
    /// A table of `values` (`ids.len() x defs.len()`) with nothing read:
    /// no notes, skips or risk inputs (tests, and tables built by hand).
    pub fn from_parts(ids: Vec<String>, defs: Vec<FeatureDef>, values: Array2<f64>) -> FeatureTable {
        FeatureTable {
            ids,
            defs,
            values,
            not_computed: vec![],
            rows_used: 0,
            skipped: vec![],
            ignored_cells: vec![],
            accounts_left_out: 0,
            notes: vec![],
            risk: None,
        }
    }

    /// This table without its rows (no ids, `0 x n_features` values): the
    /// definitions, notes and counts, for sending the rows separately.
    pub fn without_rows(&self) -> FeatureTable {
        FeatureTable {
            ids: Vec::new(),
            defs: self.defs.clone(),
            values: Array2::zeros((0, self.defs.len())),
            not_computed: self.not_computed.clone(),
            rows_used: self.rows_used,
            skipped: self.skipped.clone(),
            ignored_cells: self.ignored_cells.clone(),
            accounts_left_out: self.accounts_left_out,
            notes: self.notes.clone(),
            risk: self.risk.as_ref().map(|r| RiskInputs {
                rows: Vec::new(),
                has_leverage: r.has_leverage,
                has_pnl: r.has_pnl,
                has_time: r.has_time,
                has_round_trips: r.has_round_trips,
            }),
        }
    }
}

/// Why no feature table could be built.
#[derive(Clone, Debug, PartialEq)]
pub enum FeatureError {
    /// Trade or transaction data without an account column.
    NoAccountColumn { columns: Vec<String> },
    /// Every row was skipped; the reasons are listed.
    NoUsableRows { skipped: Vec<SkippedRows> },
    /// Nothing numeric to segment on.
    NoFeatures { why: String },
    /// A customer table whose features would need more memory than a
    /// browser tab gives ([`crate::ingest::limits`]); the error says how much.
    TooLarge(crate::ingest::IngestError),
}

/// Columns named in [`FeatureError::NoAccountColumn`]'s message; the others are counted.
pub const COLUMNS_LISTED: usize = 30;

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureError::NoAccountColumn { columns } => write!(
                f,
                "No account column: trade and transaction data need a column that says whose row it is (e.g. account_id, user_id, CustomerID, wallet). Choose it under \"Account id\" in the column mapping. Columns in the file: {}{}.",
                columns[..columns.len().min(COLUMNS_LISTED)].join(", "),
                match columns.len().saturating_sub(COLUMNS_LISTED) {
                    0 => String::new(),
                    more => format!(" and {} more", crate::ingest::thousands(more as u64)),
                }
            ),
            FeatureError::NoUsableRows { skipped } => {
                write!(f, "No row could be used:")?;
                for s in skipped {
                    let first = s.examples.first().copied().unwrap_or(0);
                    write!(f, " {}: {} (e.g. row {first});", count_of(s.count, "row", "rows"), s.reason)?;
                }
                write!(f, " check the column mapping.")
            }
            FeatureError::NoFeatures { why } => write!(f, "No features to segment on: {why}."),
            FeatureError::TooLarge(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FeatureError {}

pub use crate::ingest::count_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_account_column_names_the_first_columns_and_counts_the_rest() {
        let few = FeatureError::NoAccountColumn { columns: vec!["time".into(), "qty".into()] }.to_string();
        assert!(few.ends_with("Columns in the file: time, qty."), "{few}");
        let columns: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
        let many = FeatureError::NoAccountColumn { columns }.to_string();
        assert!(many.ends_with(", c28, c29 and 999,970 more."), "{many}");
        assert!(many.len() < 600, "{}", many.len());
    }
}
