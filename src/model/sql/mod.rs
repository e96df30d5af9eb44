//! The fitted pipeline as one SQL script (**Download SQL**), for engines
//! that score a whole exchange where its data lives: DuckDB on one machine,
//! Spark SQL across a cluster ([`Dialect`]).
//!
//! The script computes from the raw rows what the app computed, stage by
//! stage, each a temporary view so that a user can query any of them:
//!
//! 1. `segscope_input`: the file (the only statement to replace to point the
//!    script at a warehouse table with the same columns);
//! 2. `segscope_rows`: each row's cells read as the app reads them
//!    (`cells.rs`: numbers, times in the model's format, side, maker/taker,
//!    instrument type inferred from the name with the app's rules), rows
//!    the app leaves out left out;
//! 3. `segscope_features`: one row per account, the model's features
//!    (`features.rs`; a customer table's features are its columns), NULL
//!    where the app has no value (NaN);
//! 4. `segscope_space`, `segscope_scores`: imputation, transforms, scaler,
//!    the clustering space, PCA and the assignment (`pipeline.rs`);
//! 5. with the app's results on a sample embedded, `segscope_self_check`
//!    ([`SelfCheck`]);
//! 6. a `SELECT` with one row per account: `account_id`, `segment`, `name`,
//!    `pc1`, `pc2`, `distance`, `margin` and, for a mixture,
//!    `p_segment_1..k`.
//!
//! Numbers are written as Rust writes an `f64` in exponent form (`1.25E0`,
//! the shortest text that reads back to the same bits), which both engines
//! read as a double. Parameters (centres, components, exemplars) are inline
//! `VALUES` tables joined to the accounts, so that no expression grows with
//! `k x d`. Nothing needs a user-defined function.

mod cells;
mod features;
mod pipeline;
mod self_check;

pub use self_check::{SelfCheck, SAMPLE as SELF_CHECK_SAMPLE, TIE as SELF_CHECK_TIE};

use super::Model;
use crate::ingest::DataKind;
use std::fmt::Write;

/// The SQL engine a script is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB (tested with the `duckdb` Python package 2.0).
    DuckDb,
    /// Spark SQL (tested with `pyspark` 4.3 in local mode).
    Spark,
}

impl Dialect {
    /// Both, in the order of the **SQL dialect** select.
    pub const ALL: [Dialect; 2] = [Dialect::DuckDb, Dialect::Spark];

    /// The select's option value: `duckdb` or `spark`.
    pub fn key(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
        }
    }

    /// The dialect of an option value; `None` for anything else.
    pub fn from_key(key: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.key() == key)
    }

    /// A quoted identifier: `"a b"` (DuckDB) or `` `a b` `` (Spark).
    pub(super) fn ident(self, name: &str) -> String {
        match self {
            Dialect::DuckDb => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A string literal. DuckDB doubles a quote; Spark reads backslash
    /// escapes (and two adjacent literals as one), so it escapes both.
    pub(super) fn string(self, s: &str) -> String {
        match self {
            Dialect::DuckDb => format!("'{}'", s.replace('\'', "''")),
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }

    /// `s` matches the regular expression `re` somewhere (anchor with `^`
    /// and `$`). `re` uses only what RE2 (DuckDB) and Java (Spark) read
    /// alike, and no backslash.
    pub(super) fn matches(self, s: &str, re: &str) -> String {
        debug_assert!(!re.contains('\\'), "no backslash in a pattern: the dialects escape it differently");
        match self {
            Dialect::DuckDb => format!("regexp_matches({s}, '{re}')"),
            Dialect::Spark => format!("({s} RLIKE '{re}')"),
        }
    }

    /// `ln(1 + x)`, accurately for small `x` where the engine can.
    pub(super) fn ln_1p(self, x: &str) -> String {
        match self {
            Dialect::DuckDb => format!("ln(1 + {x})"),
            Dialect::Spark => format!("log1p({x})"),
        }
    }

    /// `exp(x) - 1`, accurately for small `x` where the engine can.
    pub(super) fn exp_m1(self, x: &str) -> String {
        match self {
            Dialect::DuckDb => format!("(exp({x}) - 1)"),
            Dialect::Spark => format!("expm1({x})"),
        }
    }

    fn view(self, name: &str) -> String {
        format!("CREATE OR REPLACE TEMPORARY VIEW {name} AS\n")
    }
}

/// A double as both engines read it: Rust's shortest round-trip digits in
/// exponent form (`1.25E0`, `-3E-7`), parenthesised when negative so that
/// `x - -1E0` cannot be written. Infinite or NaN values are refused by the
/// model's own checks before a script is written; here they become `NULL`.
pub(super) fn num(v: f64) -> String {
    if !v.is_finite() {
        "NULL".into()
    } else if v < 0.0 {
        format!("({v:E})")
    } else {
        format!("{v:E}")
    }
}

/// Why no script could be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlError {
    /// The model does not hold together (as [`Model::segmentation`] says).
    Model(String),
    /// The model needs something the script cannot compute yet.
    Unsupported(String),
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlError::Model(why) => write!(f, "The model cannot be written as SQL: {why}."),
            SqlError::Unsupported(why) => write!(f, "The model cannot be written as SQL yet: {why}."),
        }
    }
}

impl std::error::Error for SqlError {}

/// The script scoring the file named `file_name` (read from the engine's
/// working directory) with `model`, in `dialect`. One statement per
/// `;`-terminated line group, so a client that runs statements one at a
/// time can split on `;\n`.
///
/// With `check`, the app's own results on a sample of accounts are embedded
/// and the view `segscope_self_check` compares the engine's with them
/// ([`SelfCheck`]).
///
/// Errors: [`SqlError::Model`] for a model that does not hold together,
/// [`SqlError::Unsupported`] for a customer table without an id column.
pub fn script(model: &Model, dialect: Dialect, file_name: &str, check: Option<&SelfCheck>) -> Result<String, SqlError> {
    let seg = model.segmentation().map_err(SqlError::Model)?;
    let mut out = header(model, dialect, file_name);
    out.push_str(&input_view(dialect, file_name));
    let rows = match model.data.kind {
        DataKind::CustomerTable => features::customer_features(model, dialect)?,
        DataKind::Trades | DataKind::Transactions => features::account_features(model, dialect)?,
    };
    out.push_str(&rows);
    let (views, result) = pipeline::pipeline(model, &seg, dialect);
    out.push_str(&views);
    if let Some(c) = check {
        let keys: Vec<String> = model.features.iter().map(|f| f.key.clone()).collect();
        out.push_str(&c.sql(dialect, &keys));
    }
    out.push_str(&result);
    Ok(out)
}

fn header(model: &Model, dialect: Dialect, file_name: &str) -> String {
    let mut h = String::new();
    let approximation = match &model.clustering {
        super::Clustering::Hdbscan { .. } => {
            "\n-- APPROXIMATION: HDBSCAN has no rule for new accounts; each account takes the segment of the\n\
             -- nearest training account (its exemplar), as the app does when it applies a saved model.\n\
             -- Exact on the accounts it was fitted on, an approximation on others."
        }
        _ => "",
    };
    let _ = writeln!(
        h,
        "-- segscope {app} scoring script ({dialect}), generated from a saved model.\n\
         -- Model: fitted by segscope {model_app} on {file} ({rows} rows, {accounts} accounts), {kind:?}, {method}, k = {k}, seed {seed}.\n\
         -- Expects: the model's columns, by header: {columns}.\n\
         -- Reads: {input} (first statement; replace it to point at a warehouse table with the same columns).\n\
         -- Numbers: plain decimals (1234.5, 1e3, 12%); thousands separators, decimal commas and units\n\
         -- attached to numbers (18.29BTC, $5.00, (12.50)) must be converted in segscope_input.\n\
         -- Times: as the model's format ({time}).\n\
         -- Output: the last statement, one row per account. Intermediate views: segscope_rows,\n\
         -- segscope_features (the features, NULL where the app has no value), segscope_space, segscope_scores.\n\
         -- Self-check (when the app embedded its own results): SELECT * FROM segscope_self_check.{approximation}\n",
        app = env!("CARGO_PKG_VERSION"),
        dialect = dialect.key(),
        model_app = model.app_version,
        file = model.input.file_name,
        rows = model.input.rows,
        accounts = model.input.accounts,
        kind = model.data.kind,
        method = model.clustering_label(),
        k = model.selection.k,
        seed = model.seed,
        columns = model
            .data
            .columns
            .iter()
            .map(|c| format!("{} ({:?})", c.column, c.role))
            .chain(model.data.feature_columns.iter().cloned())
            .collect::<Vec<_>>()
            .join(", "),
        input = file_name,
        time = model.data.time_format.map_or("none", |f| f.describe()),
    );
    h
}

fn input_view(dialect: Dialect, file_name: &str) -> String {
    match dialect {
        Dialect::DuckDb => format!(
            "-- Rows with the wrong number of fields are left out, as the app does (it reports them).\n{}SELECT * FROM read_csv({}, header = true, all_varchar = true, ignore_errors = true);\n\n",
            dialect.view("segscope_input"),
            dialect.string(file_name)
        ),
        Dialect::Spark => format!(
            "-- Rows with the wrong number of fields are left out, as the app does (it reports them).\n\
             CREATE OR REPLACE TEMPORARY VIEW segscope_input\nUSING csv\nOPTIONS (path {}, header 'true', escape '\"', inferSchema 'false', mode 'DROPMALFORMED');\n\n",
            dialect.string(file_name)
        ),
    }
}
