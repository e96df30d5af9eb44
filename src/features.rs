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
//! Every feature's formula, unit and required columns are in [`FeatureDef`]
//! (shown in the UI and the README).

use crate::ingest::instrument::{self, InstrumentType, OptionKind};
use crate::ingest::number::NumberFormat;
use crate::ingest::roles::{
    liquidity_true_is_taker, parse_liquidity, parse_side, side_is_boolean_buyer, too_many_numeric_columns,
    MAX_FEATURE_COLUMNS,
};
use crate::ingest::time::{self, TimeFormat, MS_PER_DAY};
use crate::ingest::{is_missing, DataKind, Mapping, Role, Table};
use ndarray::Array2;
use std::fmt;

/// Maps looked up once or more per row (account ids, instrument names,
/// order ids), hashed with foldhash: std's SipHash took about a tenth of
/// the feature stage. foldhash is seeded per process; in wasm that seed is
/// weaker than natively, as is std's (fixed keys there).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One feature: its key (export column name), unit and formula.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureDef {
    /// Column name in the export, snake_case (e.g. `total_notional`).
    pub key: String,
    /// Unit of the raw value (e.g. `quote currency`, `days`, `share 0-1`).
    pub unit: String,
    /// Formula and the columns it needs, one sentence.
    pub formula: String,
}

/// A reason rows were left out, with how many and the first few row numbers.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkippedRows {
    pub reason: String,
    pub count: usize,
    /// File record numbers (header = 1) of the first 10.
    pub examples: Vec<u32>,
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
    /// Sentences for the user (e.g. how returns were treated).
    pub notes: Vec<String>,
}

impl FeatureTable {
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
            notes: self.notes.clone(),
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
}

impl fmt::Display for FeatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureError::NoAccountColumn { columns } => write!(
                f,
                "No account column: trade and transaction data need a column that says whose row it is (e.g. account_id, user_id, CustomerID, wallet). Choose it under \"Account id\" in the column mapping. Columns in the file: {}.",
                columns.join(", ")
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
        }
    }
}

impl std::error::Error for FeatureError {}

#[derive(Default)]
struct Skips(Vec<SkippedRows>);

impl Skips {
    /// Adds the skips of a later part of the file, its row numbers moved on by `offset`.
    fn merge(&mut self, later: Vec<SkippedRows>, offset: u32) {
        for l in later {
            let s = match self.0.iter_mut().find(|s| s.reason == l.reason) {
                Some(s) => s,
                None => {
                    self.0.push(SkippedRows { reason: l.reason, count: 0, examples: Vec::new() });
                    self.0.last_mut().expect("just pushed")
                }
            };
            s.count += l.count;
            let room = 10usize.saturating_sub(s.examples.len());
            s.examples.extend(l.examples.iter().take(room).map(|r| r + offset));
        }
    }

    fn add(&mut self, reason: String, row: u32) {
        if let Some(s) = self.0.iter_mut().find(|s| s.reason == reason) {
            s.count += 1;
            if s.examples.len() < 10 {
                s.examples.push(row);
            }
        } else {
            self.0.push(SkippedRows { reason, count: 1, examples: vec![row] });
        }
    }
}

/// Running per-account aggregates: sums, counts and extremes. What needs
/// every value (the median notional, distinct days, instruments and
/// orders) is kept in [`Accounts`]' [`ByAccount`] lists instead, so that an
/// account holds no heap memory of its own.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Agg {
    n: usize,
    first: i64,
    last: i64,
    notional: f64,
    lev_sum: f64,
    lev_n: usize,
    lev_max: f64,
    by_type: [f64; 4],
    typed: f64,
    put: f64,
    call: f64,
    buy: f64,
    sell: f64,
    sided: f64,
    maker: usize,
    liq_n: usize,
    fees: f64,
    pnl: f64,
    wins: usize,
    pnl_n: usize,
    /// Instrument ids below 64, one bit each (higher ids are in `Accounts::more_instruments`).
    instrument_bits: u64,
    /// The order id of the account's last row that added one
    /// (`u32::MAX`: none): a run of one order's rows adds it once. Not
    /// updated by a merge (only a hint: repeats are removed at the end).
    last_order: u32,
    purchases: f64,
    returns: f64,
}

impl Agg {
    /// A new account's aggregates.
    fn new() -> Self {
        Agg { first: i64::MAX, last: i64::MIN, last_order: u32::MAX, ..Default::default() }
    }

    /// Adds the sums, counts and extremes of `b`, the same account's
    /// aggregates over a later part of the file (its instrument bits are
    /// remapped by the caller).
    fn absorb(&mut self, b: &Agg) {
        self.n += b.n;
        self.first = self.first.min(b.first);
        self.last = self.last.max(b.last);
        self.notional += b.notional;
        self.lev_sum += b.lev_sum;
        self.lev_n += b.lev_n;
        self.lev_max = self.lev_max.max(b.lev_max);
        self.by_type.iter_mut().zip(b.by_type).for_each(|(x, y)| *x += y);
        self.typed += b.typed;
        self.put += b.put;
        self.call += b.call;
        self.buy += b.buy;
        self.sell += b.sell;
        self.sided += b.sided;
        self.maker += b.maker;
        self.liq_n += b.liq_n;
        self.fees += b.fees;
        self.pnl += b.pnl;
        self.wins += b.wins;
        self.pnl_n += b.pnl_n;
        self.purchases += b.purchases;
        self.returns += b.returns;
    }
}

/// Which optional inputs are present, resolved once.
struct Inputs {
    /// Number format of every column.
    formats: Vec<NumberFormat>,
    account: usize,
    time: Option<(usize, TimeFormat)>,
    order: Option<usize>,
    instrument: Option<usize>,
    inst_type: Option<usize>,
    option_type: Option<usize>,
    side: Option<usize>,
    quantity: Option<usize>,
    price: Option<usize>,
    notional: Option<usize>,
    leverage: Option<usize>,
    fee: Option<usize>,
    pnl: Option<usize>,
    liquidity: Option<(usize, bool)>,
}

/// Extracts per-account features from `t` as mapped by `m`.
///
/// A customer table gives one row per table row (`n_rows x
/// min(feature_columns, MAX_FEATURE_COLUMNS)`, raw units as in the file):
/// columns past [`MAX_FEATURE_COLUMNS`] are left out with a note in
/// [`FeatureTable::notes`] (detect_mapping already caps and notes them).
///
/// Errors: [`FeatureError::NoAccountColumn`] for trades/transactions without
/// an account column; [`FeatureError::NoUsableRows`] if every row was
/// skipped; [`FeatureError::NoFeatures`] for a customer table without numeric
/// columns.
pub fn extract(t: &Table, m: &Mapping) -> Result<FeatureTable, FeatureError> {
    extract_with_progress(t, m, &mut |_, _| {})
}

/// Rows between two calls of [`extract_with_progress`]'s `progress`.
pub const PROGRESS_EVERY_ROWS: usize = 1 << 16;

/// [`extract`], calling `progress(rows_done, rows_total)` every
/// [`PROGRESS_EVERY_ROWS`] rows (for a progress bar). Errors: as [`extract`].
pub fn extract_with_progress(
    t: &Table,
    m: &Mapping,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<FeatureTable, FeatureError> {
    let mut b = FeatureBuilder::new(&t.headers, m)?;
    b.push_with_progress(t, progress);
    b.finish()
}

/// Features computed from a file's rows as they are parsed: [`FeatureBuilder::push`]
/// each chunk of rows (a [`Table`] with the file's columns, e.g. drained from
/// a [`crate::ingest::TableReader`]) in file order, then
/// [`FeatureBuilder::finish`]. Memory grows with the number of accounts (and,
/// for a customer table, its feature matrix), not with the rows pushed,
/// but for each trade's notional (12 bytes with its account, for the median)
/// and each account's distinct days, products and invoices (at most about
/// three times their number, however the rows are ordered). The
/// result is the same as [`extract`] on the whole table, however the rows
/// are split into chunks.
pub struct FeatureBuilder {
    inner: Builder,
}

enum Builder {
    Customers(CustomerRows),
    Accounts(Box<Accounts>),
}

impl FeatureBuilder {
    /// A builder for a file with columns `headers`, mapped by `m`.
    ///
    /// Errors: [`FeatureError::NoAccountColumn`] for trades/transactions
    /// without an account column; [`FeatureError::NoFeatures`] for a customer
    /// table without numeric columns.
    pub fn new(headers: &[String], m: &Mapping) -> Result<Self, FeatureError> {
        let inner = match m.kind {
            DataKind::CustomerTable => Builder::Customers(CustomerRows::new(headers, m)?),
            kind => {
                let account =
                    m.get(Role::Account).ok_or_else(|| FeatureError::NoAccountColumn { columns: headers.to_vec() })?;
                let liq = m.get(Role::Liquidity).map(|c| (c, liquidity_true_is_taker(&headers[c])));
                let inputs = Inputs {
                    formats: m.number_formats.clone(),
                    account,
                    time: m.get(Role::Timestamp).zip(m.time.as_ref().map(|d| d.format)),
                    order: m.get(Role::Order),
                    instrument: m.get(Role::Instrument),
                    inst_type: m.get(Role::InstrumentType),
                    option_type: m.get(Role::OptionType),
                    side: m.get(Role::Side),
                    quantity: m.get(Role::Quantity),
                    price: m.get(Role::Price),
                    notional: m.get(Role::Notional),
                    leverage: m.get(Role::Leverage),
                    fee: m.get(Role::Fee),
                    pnl: m.get(Role::Pnl),
                    liquidity: liq,
                };
                Builder::Accounts(Box::new(Accounts::new(headers, inputs, kind)))
            }
        };
        Ok(FeatureBuilder { inner })
    }

    /// Reserves room for about `rows` more rows (a hint, e.g. estimated from
    /// the file size: a customer table's matrix is then allocated once).
    pub fn reserve(&mut self, rows: usize) {
        if let Builder::Customers(c) = &mut self.inner {
            let _ = c.values.try_reserve(rows.saturating_mul(c.columns.len()));
            let _ = c.ids.try_reserve(rows);
        }
    }

    /// Adds the rows of `t` (the next rows of the file, same columns as
    /// the headers given to [`FeatureBuilder::new`]).
    pub fn push(&mut self, t: &Table) {
        self.push_with_progress(t, &mut |_, _| {})
    }

    /// [`FeatureBuilder::push`], calling `progress(rows_done, rows_total)` of
    /// `t` every [`PROGRESS_EVERY_ROWS`] rows.
    pub fn push_with_progress(&mut self, t: &Table, progress: &mut dyn FnMut(usize, usize)) {
        match &mut self.inner {
            Builder::Customers(c) => c.push(t, progress),
            Builder::Accounts(a) => a.push(t, progress),
        }
    }

    /// The running per-account state of a trades or transactions builder,
    /// to be merged into the builder of the part of the file before this
    /// one ([`FeatureBuilder::merge`]); `None` for a customer table.
    pub fn into_partial(self) -> Option<PartialAccounts> {
        match self.inner {
            Builder::Customers(_) => None,
            Builder::Accounts(a) => Some(a.into_partial()),
        }
    }

    /// Adds the accounts of a later part of the file, read by another
    /// builder with the same headers and mapping, whose record numbers
    /// start after `record_offset` records of this part (its first data
    /// row is its record 2). Accounts keep their order of first appearance
    /// in the file. Sums over the two parts are added, so a sum can differ
    /// from a one-pass read by the rounding of one addition (about 1e-16
    /// of the largest partial sum: more, relatively, where they cancel);
    /// counts, distinct counts, first/last times and medians are the same.
    ///
    /// Returns `false` (and changes nothing) for a customer-table builder.
    pub fn merge(&mut self, p: PartialAccounts, record_offset: u32) -> bool {
        match &mut self.inner {
            Builder::Customers(_) => false,
            Builder::Accounts(a) => {
                a.merge(p, record_offset);
                true
            }
        }
    }

    /// The features of all rows pushed.
    ///
    /// Errors: [`FeatureError::NoUsableRows`] if every row was skipped (or none was pushed).
    pub fn finish(self) -> Result<FeatureTable, FeatureError> {
        match self.inner {
            Builder::Customers(c) => c.finish(),
            Builder::Accounts(a) => a.finish(),
        }
    }
}

/// A customer table's rows, parsed straight into the feature matrix.
struct CustomerRows {
    columns: Vec<usize>,
    headers: Vec<String>,
    account: Option<usize>,
    formats: Vec<NumberFormat>,
    /// Row-major, `columns.len()` values per row.
    values: Vec<f64>,
    ids: Vec<String>,
    skips: Skips,
    notes: Vec<String>,
}

impl CustomerRows {
    fn new(headers: &[String], m: &Mapping) -> Result<Self, FeatureError> {
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

    fn push(&mut self, t: &Table, progress: &mut dyn FnMut(usize, usize)) {
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

    fn finish(self) -> Result<FeatureTable, FeatureError> {
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
            notes: self.notes,
        })
    }
}

/// Reads a numeric cell. A required cell that is empty or unreadable skips
/// the row (recorded in `skips`); an optional one that is unreadable is
/// ignored and recorded in `ignored`, and the row is kept.
fn num(
    t: &Table,
    formats: &[NumberFormat],
    r: usize,
    c: Option<usize>,
    required: bool,
    skips: &mut Skips,
    ignored: &mut Skips,
) -> Result<Option<f64>, ()> {
    let Some(c) = c else { return Ok(None) };
    let v = t.cell(r, c);
    match formats.get(c).copied().unwrap_or_default().parse(v) {
        Some(x) => Ok(Some(x)),
        None if is_missing(v) && !required => Ok(None),
        None if !required => {
            ignored.add(format!("\"{}\" not a number", t.headers[c]), t.record_no(r));
            Ok(None)
        }
        None => {
            let what = if is_missing(v) { "empty" } else { "not a number" };
            skips.add(format!("\"{}\" {what}", t.headers[c]), t.record_no(r));
            Err(())
        }
    }
}

/// Dense ids for strings (account ids, instrument names, order ids): the
/// first string seen gets 0, the next new one 1, and so on.
///
/// A string of up to 15 bytes is packed with its length into a `u128` key,
/// so a lookup hashes and compares one integer instead of following a
/// pointer to the key's bytes (most ids and names are this short; in wasm
/// that indirection was the feature stage's largest single cost). Longer
/// strings are kept as boxed keys.
#[derive(Default)]
struct Interner {
    short: HashMap<u128, u32>,
    long: HashMap<Box<str>, u32>,
}

impl Interner {
    /// `key`'s bytes and length in one integer: unique per string of at most 15 bytes.
    fn pack(key: &str) -> Option<u128> {
        let b = key.as_bytes();
        (b.len() < 16).then(|| {
            let mut buf = [0u8; 16];
            buf[..b.len()].copy_from_slice(b);
            buf[15] = b.len() as u8;
            u128::from_le_bytes(buf)
        })
    }

    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// The strings in id order.
    fn strings(&self) -> Vec<String> {
        let mut out = vec![String::new(); self.len()];
        for (&k, &i) in &self.short {
            let b = k.to_le_bytes();
            out[i as usize] = String::from_utf8_lossy(&b[..b[15] as usize]).into_owned();
        }
        for (k, &i) in &self.long {
            out[i as usize] = k.to_string();
        }
        out
    }

    /// The id of `key`, and whether it is new (a new key gets the next id).
    fn id(&mut self, key: &str) -> (u32, bool) {
        let next = self.len() as u32;
        let id = match Self::pack(key) {
            Some(k) => *self.short.entry(k).or_insert(next),
            None => match self.long.get(key) {
                Some(&i) => i,
                None => *self.long.entry(key.into()).or_insert(next),
            },
        };
        (id, id == next)
    }
}

/// What a trades or transactions [`FeatureBuilder`] has gathered from a
/// part of a file ([`FeatureBuilder::into_partial`]): ids, names and order
/// ids as text (the ids of two builders differ), per-account aggregates
/// and counts. Sent between workers (serde).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PartialAccounts {
    ids: Vec<String>,
    aggs: Vec<Agg>,
    /// Instrument names in id order, and whether a fill took its type from the name.
    names: Vec<(String, bool)>,
    /// Order ids in id order.
    order_names: Vec<String>,
    notionals: ByAccount<f64>,
    days: DistinctByAccount<i64>,
    more_instruments: DistinctByAccount<u32>,
    orders: DistinctByAccount<u32>,
    skips: Vec<SkippedRows>,
    ignored: Vec<SkippedRows>,
    negative_amounts: bool,
    t_max: i64,
    type_seen: [bool; 4],
    option_kinds_seen: bool,
    untyped_rows: usize,
    rows_used: usize,
    returns_rows: usize,
    unsided: usize,
}

/// What was inferred from one distinct instrument name.
#[derive(Default)]
struct NameInfo {
    /// `instrument::infer(name)`, once it was needed.
    inferred: Option<Option<(InstrumentType, Option<OptionKind>)>>,
    /// Some fill of this name had no type column value: its type came from the name.
    type_inferred: bool,
}

/// Values of many accounts in one list, as (account, value) pairs in the
/// order they were added, grouped by account once, at the end
/// ([`ByAccount::grouped`]). A growing vector per account cost more: each
/// row touched its own, and merging two parts and ending the read
/// allocated, copied and freed them one by one.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct ByAccount<T> {
    account: Vec<u32>,
    value: Vec<T>,
}

impl<T> Default for ByAccount<T> {
    fn default() -> Self {
        ByAccount { account: Vec::new(), value: Vec::new() }
    }
}

impl<T: Copy + Default> ByAccount<T> {
    fn push(&mut self, account: u32, value: T) {
        self.account.push(account);
        self.value.push(value);
    }

    /// Appends `other`, whose account `i` is account `accounts[i]` here,
    /// its values mapped by `f`.
    fn append(&mut self, other: ByAccount<T>, accounts: &[u32], f: impl Fn(T) -> T) {
        self.account.extend(other.account.iter().map(|&a| accounts[a as usize]));
        self.value.extend(other.value.into_iter().map(f));
    }

    /// The values grouped by account, by a stable counting sort: account
    /// `a`'s are `values[starts[a]..starts[a + 1]]`, in the order added.
    /// `n` is the number of accounts (every account index is below it).
    fn grouped(self, n: usize) -> (Vec<usize>, Vec<T>) {
        let mut starts = vec![0usize; n + 1];
        for &a in &self.account {
            starts[a as usize + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut values = vec![T::default(); self.value.len()];
        for (&a, v) in self.account.iter().zip(self.value) {
            let at = &mut next[a as usize];
            values[*at] = v;
            *at += 1;
        }
        (starts, values)
    }
}

impl<T: Copy + Default + Ord> ByAccount<T> {
    /// Each of `n` accounts' values, sorted, without repeats: `values[starts[a]..starts[a + 1]]`.
    fn distinct(self, n: usize) -> (Vec<usize>, Vec<T>) {
        let (starts, mut values) = self.grouped(n);
        let mut kept = vec![0usize; n + 1];
        let mut at = 0;
        for a in 0..n {
            let v = &mut values[starts[a]..starts[a + 1]];
            // Usually in order already (rows in time order, days added once each).
            if !v.is_sorted() {
                v.sort_unstable();
            }
            for i in starts[a]..starts[a + 1] {
                if i == starts[a] || values[i] != values[i - 1] {
                    values[at] = values[i];
                    at += 1;
                }
            }
            kept[a + 1] = at;
        }
        values.truncate(at);
        (kept, values)
    }
}

/// A [`ByAccount`] list of values that count only once per account
/// (days, products, invoices). Rows in time order add each day once, but
/// in another order (newest first, or none) one per row: so whenever the
/// list has doubled since it was last checked, each account's repeats
/// are removed, unless at most half of what was added since could be a
/// repeat (a value its caller knew to be new, such as a day after the
/// account's last, cannot). It then holds at most about three times the
/// distinct (account, value) pairs (it at most doubles between checks, and
/// a check that does not compact found at least half of the latest half
/// new), plus [`DistinctByAccount::FLOOR`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct DistinctByAccount<T> {
    list: ByAccount<T>,
    /// The list's length after the last check: the next is due above
    /// twice that ([`DistinctByAccount::FLOOR`] at least).
    checked: usize,
    /// Entries added since the last check that could be repeats.
    unsure: usize,
    /// Accounts that may have a value twice on the list (indexed by
    /// account; shorter if the last ones may not): only these are grouped
    /// and deduplicated to count.
    repeats: Vec<bool>,
}

impl<T> Default for DistinctByAccount<T> {
    fn default() -> Self {
        DistinctByAccount { list: ByAccount::default(), checked: 0, unsure: 0, repeats: Vec::new() }
    }
}

impl<T> DistinctByAccount<T> {
    /// Entries below which the list is never compacted.
    const FLOOR: usize = 1 << 16;
}

impl<T: Copy + Default + Ord> DistinctByAccount<T> {
    /// Adds `value` to `account`; `new`: the caller knows the account does not have it yet.
    fn push(&mut self, account: u32, value: T, new: bool) {
        self.list.push(account, value);
        if !new {
            self.unsure += 1;
            self.may_repeat(account);
        }
        self.check();
    }

    /// Appends `other` as [`ByAccount::append`] does. `new[i]`: every value
    /// of `other`'s account `i` is known to be new here (as days after the
    /// account's last here are); the others, and `other`'s own possible
    /// repeats, count as possible repeats.
    fn append(&mut self, other: DistinctByAccount<T>, accounts: &[u32], f: impl Fn(T) -> T, new: &[bool]) {
        let n = other.list.account.len();
        let unsure = other.unsure + other.list.account.iter().filter(|&&a| !new[a as usize]).count();
        for (i, &a) in accounts.iter().enumerate() {
            if !new[i] || other.repeats.get(i).copied().unwrap_or(false) {
                self.may_repeat(a);
            }
        }
        self.list.append(other.list, accounts, f);
        self.unsure += unsure.min(n);
        self.check();
    }

    /// If the list has doubled since the last check: compacts it if enough
    /// of what was added since could be repeats.
    fn check(&mut self) {
        let len = self.list.account.len();
        if len <= (2 * self.checked).max(Self::FLOOR) {
            return;
        }
        if 2 * self.unsure > len - self.checked {
            self.compact();
        }
        (self.checked, self.unsure) = (self.list.account.len(), 0);
    }

    /// Removes each account's repeats.
    fn compact(&mut self) {
        let n = self.list.account.iter().max().map_or(0, |&a| a as usize + 1);
        let (starts, value) = std::mem::take(&mut self.list).distinct(n);
        let account = (0..n).flat_map(|a| std::iter::repeat_n(a as u32, starts[a + 1] - starts[a])).collect();
        self.list = ByAccount { account, value };
        self.repeats.clear();
    }

    fn may_repeat(&mut self, account: u32) {
        let a = account as usize;
        if a >= self.repeats.len() {
            self.repeats.resize(a + 1, false);
        }
        self.repeats[a] = true;
    }

    /// The number of distinct values of each of `n` accounts: the entries
    /// of an account that cannot have a value twice, and the distinct
    /// values of the others.
    fn counts(self, n: usize) -> Vec<usize> {
        let repeats = |a: u32| self.repeats.get(a as usize).copied().unwrap_or(false);
        let mut counts = vec![0usize; n];
        let mut unsure = ByAccount::default();
        for (&a, &v) in self.list.account.iter().zip(&self.list.value) {
            if repeats(a) {
                unsure.push(a, v);
            } else {
                counts[a as usize] += 1;
            }
        }
        let (starts, _) = unsure.distinct(n);
        for (a, c) in counts.iter_mut().enumerate() {
            *c += starts[a + 1] - starts[a];
        }
        counts
    }
}

/// Adds instrument `id` to account `i` (aggregates `a`): a bit of `a` for
/// an id below 64, else an entry of `more`.
fn add_instrument(a: &mut Agg, more: &mut DistinctByAccount<u32>, i: u32, id: u32) {
    if id < 64 {
        a.instrument_bits |= 1 << id;
    } else {
        more.push(i, id, false);
    }
}

/// Trades or transactions aggregated per account, row by row.
struct Accounts {
    inp: Inputs,
    kind: DataKind,
    skips: Skips,
    ignored: Skips,
    negative_amounts: bool,
    /// Account id -> row of `ids` and `aggs`.
    index: Interner,
    ids: Vec<String>,
    aggs: Vec<Agg>,
    /// Instrument (or product) names, interned; `names[id]` says what was inferred from each.
    interned: Interner,
    names: Vec<NameInfo>,
    order_ids: Interner,
    /// Per-account lists ([`ByAccount`]): trade notionals (for the median),
    /// UTC days (time index / 1 day; an account's latest day is added once
    /// however many rows follow on it), instrument ids from 64 up, and
    /// order ids (a run of one order's rows adds it once).
    notionals: ByAccount<f64>,
    days: DistinctByAccount<i64>,
    more_instruments: DistinctByAccount<u32>,
    orders: DistinctByAccount<u32>,
    has_notional: bool,
    t_max: i64,
    type_seen: [bool; 4],
    option_kinds_seen: bool,
    untyped_rows: usize,
    rows_used: usize,
    boolean_buyer: bool,
    returns_rows: usize,
    unsided: usize,
}

impl Accounts {
    fn new(headers: &[String], inp: Inputs, kind: DataKind) -> Self {
        Accounts {
            has_notional: inp.notional.is_some() || (inp.quantity.is_some() && inp.price.is_some()),
            boolean_buyer: inp.side.is_some_and(|c| side_is_boolean_buyer(&headers[c])),
            inp,
            kind,
            skips: Skips::default(),
            ignored: Skips::default(),
            negative_amounts: false,
            index: Interner::default(),
            ids: Vec::new(),
            aggs: Vec::new(),
            interned: Interner::default(),
            names: Vec::new(),
            order_ids: Interner::default(),
            notionals: ByAccount::default(),
            days: DistinctByAccount::default(),
            more_instruments: DistinctByAccount::default(),
            orders: DistinctByAccount::default(),
            t_max: i64::MIN,
            type_seen: [false; 4],
            option_kinds_seen: false,
            untyped_rows: 0,
            rows_used: 0,
            returns_rows: 0,
            unsided: 0,
        }
    }

    fn push(&mut self, t: &Table, progress: &mut dyn FnMut(usize, usize)) {
        for r in 0..t.n_rows() {
            if r % PROGRESS_EVERY_ROWS == 0 {
                progress(r, t.n_rows());
            }
            self.row(t, r);
        }
    }

    fn row(&mut self, t: &Table, r: usize) {
        let inp = &self.inp;
        let kind = self.kind;
        let (skips, ignored) = (&mut self.skips, &mut self.ignored);
        let rec = t.record_no(r);
        let id = t.cell(r, inp.account);
        if is_missing(id) {
            skips.add(format!("no {}", t.headers[inp.account]), rec);
            return;
        }
        let ts = match inp.time {
            Some((c, f)) => match time::parse(f, t.cell(r, c)) {
                Some(x) => Some(x),
                None => {
                    skips.add(format!("\"{}\" not a readable time", t.headers[c]), rec);
                    return;
                }
            },
            None => None,
        };
        let qp_required = self.has_notional && inp.notional.is_none();
        let Ok(qty) = num(t, &inp.formats, r, inp.quantity, qp_required, skips, ignored) else { return };
        let Ok(price) = num(t, &inp.formats, r, inp.price, qp_required, skips, ignored) else { return };
        let Ok(ntl_col) = num(t, &inp.formats, r, inp.notional, true, skips, ignored) else { return };
        let Ok(lev) = num(t, &inp.formats, r, inp.leverage, false, skips, ignored) else { return };
        let Ok(fee) = num(t, &inp.formats, r, inp.fee, false, skips, ignored) else { return };
        let Ok(pnl) = num(t, &inp.formats, r, inp.pnl, false, skips, ignored) else { return };
        // Signed notional: negative for returns/cancellations (transactions)
        // or for a signed quantity (trades without a side column).
        let signed = ntl_col.or(qty.zip(price).map(|(q, p)| q * p.abs()));
        let notional = signed.map(f64::abs);
        self.negative_amounts |= signed.is_some_and(|s| s < 0.0);

        let (i, new) = self.index.id(id);
        if new {
            self.ids.push(id.to_string());
            self.aggs.push(Agg::new());
        }
        let a = &mut self.aggs[i as usize];
        self.rows_used += 1;

        // Invoices count purchases (a return is not a visit); trades have no order feature.
        if let (Some(o), DataKind::Transactions) = (inp.order, kind) {
            let (oid, _) = self.order_ids.id(t.cell(r, o));
            if signed.is_none_or(|s| s >= 0.0) && a.last_order != oid {
                a.last_order = oid;
                self.orders.push(i, oid, false);
            }
        }
        if let Some(ts) = ts {
            if inp.time.is_some_and(|(_, f)| f.is_time()) {
                let day = ts.div_euclid(MS_PER_DAY as i64);
                // The day of the account's latest time is on the list already;
                // a later day is not.
                let latest = a.last.div_euclid(MS_PER_DAY as i64);
                if a.last == i64::MIN || day != latest {
                    self.days.push(i, day, a.last == i64::MIN || day > latest);
                }
            }
            a.first = a.first.min(ts);
            a.last = a.last.max(ts);
            self.t_max = self.t_max.max(ts);
        }
        let weight = notional.unwrap_or(1.0);
        a.n += 1;
        if kind == DataKind::Transactions {
            if let Some(s) = signed {
                if s < 0.0 {
                    a.returns += -s;
                    self.returns_rows += 1;
                } else {
                    a.purchases += s;
                }
                a.notional += s;
            }
        } else if let Some(n) = notional {
            a.notional += n;
            self.notionals.push(i, n);
        }
        if let Some(l) = lev {
            a.lev_sum += l;
            a.lev_n += 1;
            a.lev_max = a.lev_max.max(l);
        }
        if let Some(c) = inp.instrument {
            let name = t.cell(r, c);
            let (id, new) = self.interned.id(name);
            if new {
                self.names.push(NameInfo::default());
            }
            add_instrument(a, &mut self.more_instruments, i, id);
            if kind == DataKind::Trades {
                let given = inp.inst_type.and_then(|tc| instrument::parse_type(t.cell(r, tc)));
                let info = &mut self.names[id as usize];
                // instrument::infer once per distinct name, not per row (it allocates; names repeat).
                let inferred = *info.inferred.get_or_insert_with(|| instrument::infer(name));
                info.type_inferred |= given.is_none();
                let ty = given.or(inferred.map(|x| x.0));
                match ty {
                    Some(ty) => {
                        let k = ty as usize;
                        a.by_type[k] += weight;
                        a.typed += weight;
                        self.type_seen[k] = true;
                        if ty == InstrumentType::Option {
                            let kind = inp
                                .option_type
                                .and_then(|oc| instrument::parse_option_kind(t.cell(r, oc)))
                                .or(inferred.and_then(|x| x.1));
                            match kind {
                                Some(OptionKind::Put) => a.put += weight,
                                Some(OptionKind::Call) => a.call += weight,
                                None => {}
                            }
                            self.option_kinds_seen |= kind.is_some();
                        }
                    }
                    None => self.untyped_rows += 1,
                }
            }
        }
        if kind == DataKind::Trades {
            let side = match inp.side {
                Some(c) => parse_side(t.cell(r, c), self.boolean_buyer),
                None => signed.filter(|s| *s != 0.0).map(|s| if s > 0.0 { 1 } else { -1 }),
            };
            match side {
                Some(1) => a.buy += weight,
                Some(_) => a.sell += weight,
                None => self.unsided += 1,
            }
            if side.is_some() {
                a.sided += weight;
            }
        }
        if let Some((c, true_is_taker)) = inp.liquidity {
            if let Some(is_maker) = parse_liquidity(t.cell(r, c), true_is_taker) {
                a.maker += is_maker as usize;
                a.liq_n += 1;
            }
        }
        if let Some(f) = fee {
            a.fees += f;
        }
        if let Some(p) = pnl {
            a.pnl += p;
            if p != 0.0 {
                a.pnl_n += 1;
                a.wins += (p > 0.0) as usize;
            }
        }
    }

    fn into_partial(self) -> PartialAccounts {
        PartialAccounts {
            names: self.interned.strings().into_iter().zip(self.names.iter().map(|n| n.type_inferred)).collect(),
            order_names: self.order_ids.strings(),
            ids: self.ids,
            aggs: self.aggs,
            notionals: self.notionals,
            days: self.days,
            more_instruments: self.more_instruments,
            orders: self.orders,
            skips: self.skips.0,
            ignored: self.ignored.0,
            negative_amounts: self.negative_amounts,
            t_max: self.t_max,
            type_seen: self.type_seen,
            option_kinds_seen: self.option_kinds_seen,
            untyped_rows: self.untyped_rows,
            rows_used: self.rows_used,
            returns_rows: self.returns_rows,
            unsided: self.unsided,
        }
    }

    fn merge(&mut self, p: PartialAccounts, record_offset: u32) {
        let names: Vec<u32> = p
            .names
            .into_iter()
            .map(|(name, type_inferred)| {
                let (id, new) = self.interned.id(&name);
                if new {
                    self.names.push(NameInfo::default());
                }
                let info = &mut self.names[id as usize];
                info.type_inferred |= type_inferred;
                if type_inferred {
                    info.inferred.get_or_insert_with(|| instrument::infer(&name));
                }
                id
            })
            .collect();
        let orders: Vec<u32> = p.order_names.iter().map(|o| self.order_ids.id(o).0).collect();
        let mut accounts = Vec::with_capacity(p.ids.len());
        // Whether each part account's days all come after its last day here.
        let mut later_days = Vec::with_capacity(p.ids.len());
        for (id, b) in p.ids.into_iter().zip(&p.aggs) {
            let (i, new) = self.index.id(&id);
            if new {
                self.ids.push(id);
                self.aggs.push(Agg::new());
            }
            let a = &mut self.aggs[i as usize];
            let day = |t: i64| t.div_euclid(MS_PER_DAY as i64);
            later_days.push(a.last == i64::MIN || day(b.first) > day(a.last));
            a.absorb(b);
            let mut bits = b.instrument_bits;
            while bits != 0 {
                add_instrument(a, &mut self.more_instruments, i, names[bits.trailing_zeros() as usize]);
                bits &= bits - 1;
            }
            accounts.push(i);
        }
        for (&a, &id) in p.more_instruments.list.account.iter().zip(&p.more_instruments.list.value) {
            let i = accounts[a as usize];
            add_instrument(&mut self.aggs[i as usize], &mut self.more_instruments, i, names[id as usize]);
        }
        self.notionals.append(p.notionals, &accounts, |x| x);
        self.days.append(p.days, &accounts, |x| x, &later_days);
        self.orders.append(p.orders, &accounts, |o| orders[o as usize], &vec![false; accounts.len()]);
        self.skips.merge(p.skips, record_offset);
        self.ignored.merge(p.ignored, record_offset);
        self.negative_amounts |= p.negative_amounts;
        self.t_max = self.t_max.max(p.t_max);
        self.type_seen.iter_mut().zip(p.type_seen).for_each(|(x, y)| *x |= y);
        self.option_kinds_seen |= p.option_kinds_seen;
        self.untyped_rows += p.untyped_rows;
        self.rows_used += p.rows_used;
        self.returns_rows += p.returns_rows;
        self.unsided += p.unsided;
    }

    fn finish(self) -> Result<FeatureTable, FeatureError> {
        let Accounts {
            inp,
            kind,
            skips,
            ignored,
            negative_amounts,
            ids,
            aggs,
            has_notional,
            t_max,
            type_seen,
            option_kinds_seen,
            untyped_rows,
            rows_used,
            names,
            returns_rows,
            unsided,
            notionals,
            days,
            more_instruments,
            orders,
            ..
        } = self;
        if ids.is_empty() {
            return Err(FeatureError::NoUsableRows { skipped: skips.0 });
        }
        let n = ids.len();
        let active_days = days.counts(n);
        let more_instruments = more_instruments.counts(n);
        let distinct_orders = orders.counts(n);
        let (starts, mut notionals) = notionals.grouped(n);
        let median_notional: Vec<f64> =
            (0..n).map(|a| median_in_place(&mut notionals[starts[a]..starts[a + 1]])).collect();
        drop(notionals);

        // Each feature is a function of one account's aggregates, evaluated in
        // one pass over the accounts below (an account's aggregates are
        // ~300 bytes: a pass per feature read them all some 20 times).
        type Feature<'a> = Box<dyn Fn(&Totals) -> f64 + 'a>;
        let mut cols: Vec<(FeatureDef, Feature)> = Vec::new();
        let mut not_computed: Vec<(String, String)> = Vec::new();
        let mut notes = Vec::new();
        fn adder<'c, 'a>(
            cols: &'c mut Vec<(FeatureDef, Feature<'a>)>,
        ) -> impl FnMut(&str, &str, &str, Feature<'a>) + 'c {
            |key, unit, formula, f| {
                cols.push((FeatureDef { key: key.into(), unit: unit.into(), formula: formula.into() }, f))
            }
        }
        let mut add = adder(&mut cols);
        let real_time = inp.time.is_some_and(|(_, f)| f.is_time());
        let block_clock = inp.time.is_some_and(|(_, f)| !f.is_time());
        let tx = kind == DataKind::Transactions;

        if tx {
            if inp.order.is_some() {
                add(
                    "frequency",
                    "orders",
                    "F of RFM: distinct order/invoice ids with a purchase (needs account, order id)",
                    Box::new(|a| a.distinct_orders as f64),
                );
            } else {
                add(
                    "frequency",
                    "transactions",
                    "F of RFM: number of transaction rows (needs account)",
                    Box::new(|a| a.n as f64),
                );
            }
        } else {
            add(
                "trade_count",
                "fills",
                "number of trade rows (fills) of the account (needs account)",
                Box::new(|a| a.n as f64),
            );
        }
        if real_time {
            let rec = |a: &Totals| (t_max - a.last) as f64 / MS_PER_DAY;
            add(
                "recency_days",
                "days",
                "R of RFM: (last time in the file - account's last time) / 1 day (needs timestamp)",
                Box::new(rec),
            );
            add(
                "tenure_days",
                "days",
                "(account's last time - first time) / 1 day (needs timestamp)",
                Box::new(|a| (a.last - a.first) as f64 / MS_PER_DAY),
            );
            add(
                "active_days",
                "days",
                "distinct UTC calendar days with activity (needs timestamp)",
                Box::new(|a| a.active_days as f64),
            );
            if !tx {
                add(
                    "trades_per_active_day",
                    "fills/day",
                    "trade_count / active_days (needs timestamp)",
                    Box::new(|a| a.n as f64 / a.active_days.max(1) as f64),
                );
            }
        } else if block_clock {
            add(
                "recency_blocks",
                "blocks",
                "(last block in the file - account's last block) (needs block number)",
                Box::new(|a| (t_max - a.last) as f64),
            );
            add(
                "tenure_blocks",
                "blocks",
                "(account's last block - first block) (needs block number)",
                Box::new(|a| (a.last - a.first) as f64),
            );
            not_computed.push(("active_days".into(), "the clock is a block number, not a time".into()));
        } else {
            for k in ["recency_days", "tenure_days", "active_days"] {
                not_computed.push((k.into(), "no timestamp column mapped".into()));
            }
        }
        let ntl_src = if inp.notional.is_some() { "notional column" } else { "|quantity x price|" };
        if has_notional {
            if tx {
                add("monetary", "currency", &format!("M of RFM: sum of line amounts ({ntl_src}), returns subtracted (needs quantity and price, or amount)"), Box::new(|a| a.notional));
                add(
                    "mean_basket",
                    "currency",
                    "monetary / frequency",
                    Box::new(|a| {
                        a.notional / (if inp.order.is_some() { a.distinct_orders } else { a.n }).max(1) as f64
                    }),
                );
                add(
                    "return_share",
                    "share 0-1",
                    "value of returned/cancelled lines (negative quantity or amount) / value of purchases",
                    Box::new(|a| {
                        if a.purchases > 0.0 {
                            a.returns / a.purchases
                        } else if a.returns > 0.0 {
                            1.0
                        } else {
                            0.0
                        }
                    }),
                );
            } else {
                add(
                    "total_notional",
                    "quote currency",
                    &format!("sum of trade notional ({ntl_src})"),
                    Box::new(|a| a.notional),
                );
                add(
                    "median_notional",
                    "quote currency",
                    &format!("median trade notional ({ntl_src})"),
                    Box::new(|a| a.median_notional),
                );
            }
        } else {
            let key = if tx { "monetary" } else { "total_notional" };
            not_computed.push((key.into(), "needs a notional column, or quantity and price".into()));
        }
        if returns_rows > 0 {
            notes.push(format!(
            "{returns_rows} rows with a negative amount were read as returns/cancellations: they reduce monetary value and count in return_share, not as purchases."
        ));
        }
        if !tx {
            if inp.leverage.is_some() {
                add(
                    "mean_leverage",
                    "x",
                    "mean of the leverage column over fills that state it (needs leverage)",
                    Box::new(|a| if a.lev_n > 0 { a.lev_sum / a.lev_n as f64 } else { f64::NAN }),
                );
                add(
                    "max_leverage",
                    "x",
                    "max of the leverage column (needs leverage)",
                    Box::new(|a| if a.lev_n > 0 { a.lev_max } else { f64::NAN }),
                );
            } else {
                not_computed.push(("mean_leverage".into(), "no leverage column".into()));
            }
            if inp.instrument.is_some() && type_seen.iter().any(|&s| s) {
                let basis = if has_notional { "notional" } else { "fill count" };
                for ty in InstrumentType::ALL {
                    if type_seen[ty as usize] {
                        let k = ty as usize;
                        let formula = format!(
                            "{} {basis} / {basis} of fills with a known type (needs instrument, type given or inferred from the name)",
                            ty.key()
                        );
                        add(
                            &format!("{}_share", ty.key()),
                            "share 0-1",
                            &formula,
                            Box::new(move |a: &Totals| if a.typed > 0.0 { a.by_type[k] / a.typed } else { f64::NAN }),
                        );
                    } else {
                        not_computed
                            .push((format!("{}_share", ty.key()), format!("no {} trades in the file", ty.key())));
                    }
                }
                // Distinct names whose type was inferred from the name (None: not inferable).
                let inferred_names: Vec<Option<InstrumentType>> =
                    names.iter().filter(|n| n.type_inferred).map(|n| n.inferred.flatten().map(|x| x.0)).collect();
                if !inferred_names.is_empty() {
                    let per_type: Vec<String> = InstrumentType::ALL
                        .iter()
                        .map(|&ty| (ty, inferred_names.iter().filter(|v| **v == Some(ty)).count()))
                        .filter(|(_, n)| *n > 0)
                        .map(|(ty, n)| format!("{n} {}", ty.key()))
                        .collect();
                    let unknown = inferred_names.iter().filter(|v| v.is_none()).count();
                    notes.push(format!(
                        "Instrument types inferred from instrument names: {}{}.",
                        per_type.join(", "),
                        if unknown > 0 { format!("; {unknown} names matched no known pattern") } else { String::new() }
                    ));
                }
                if untyped_rows > 0 {
                    notes.push(format!(
                        "{} an instrument of unknown type; left out of the instrument-mix shares.",
                        count_of(untyped_rows, "fill has", "fills have")
                    ));
                }
            } else {
                not_computed.push((
                    "instrument mix".into(),
                    "no instrument column, or no instrument type could be read or inferred".into(),
                ));
            }
            if option_kinds_seen {
                add(
                    "put_share",
                    "share 0-1",
                    "put option notional / option notional (needs options with a known call/put)",
                    Box::new(|a| if a.put + a.call > 0.0 { a.put / (a.put + a.call) } else { f64::NAN }),
                );
            } else if type_seen[InstrumentType::Option as usize] {
                not_computed.push(("put_share".into(), "call/put not known for any option".into()));
            }
            // Without a side column, a signed quantity or notional gives the side,
            // but only if some values are actually negative.
            let signed_qty = inp.side.is_none() && negative_amounts;
            if inp.side.is_some() || signed_qty {
                let src = if signed_qty { "sign of quantity" } else { "side column" };
                add(
                    "long_short_bias",
                    "-1..1",
                    &format!(
                        "(buy {b} - sell {b}) / total {b}, side from the {src}",
                        b = if has_notional { "notional" } else { "fills" }
                    ),
                    Box::new(|a| if a.sided > 0.0 { (a.buy - a.sell) / a.sided } else { f64::NAN }),
                );
                if unsided > 0 {
                    notes.push(format!("{unsided} fills have no readable side; they are left out of long_short_bias."));
                }
            } else {
                not_computed.push(("long_short_bias".into(), "no side column and no signed quantity".into()));
            }
            if inp.liquidity.is_some() {
                add(
                    "maker_share",
                    "share 0-1",
                    "maker fills / fills with a known maker/taker flag (needs maker/taker)",
                    Box::new(|a| if a.liq_n > 0 { a.maker as f64 / a.liq_n as f64 } else { f64::NAN }),
                );
            } else {
                not_computed.push(("maker_share".into(), "no maker/taker column".into()));
            }
            if inp.fee.is_some() {
                add(
                    "total_fees",
                    "fee currency",
                    "sum of the fee column (rebates negative) (needs fee)",
                    Box::new(|a| a.fees),
                );
            } else {
                not_computed.push(("total_fees".into(), "no fee column".into()));
            }
            if inp.pnl.is_some() {
                add("realized_pnl", "quote currency", "sum of realized PnL (needs realized PnL)", Box::new(|a| a.pnl));
                add(
                    "win_rate",
                    "share 0-1",
                    "fills with PnL > 0 / fills with PnL != 0 (needs realized PnL)",
                    Box::new(|a| if a.pnl_n > 0 { a.wins as f64 / a.pnl_n as f64 } else { f64::NAN }),
                );
            } else {
                not_computed.push(("realized_pnl".into(), "no realized PnL column".into()));
            }
        }
        if inp.instrument.is_some() {
            let key = if tx { "distinct_products" } else { "distinct_instruments" };
            add(
                key,
                "count",
                "number of distinct instrument/product codes (needs instrument)",
                Box::new(|a| a.distinct_instruments as f64),
            );
        }

        drop(add);
        let d = cols.len();
        let mut values = Vec::with_capacity(ids.len() * d);
        for (i, agg) in aggs.iter().enumerate() {
            let a = Totals {
                agg,
                active_days: active_days[i],
                median_notional: median_notional[i],
                distinct_instruments: agg.instrument_bits.count_ones() as usize + more_instruments[i],
                distinct_orders: distinct_orders[i],
            };
            values.extend(cols.iter().map(|(_, f)| f(&a)));
        }
        let values = Array2::from_shape_vec((ids.len(), d), values)
            .map_err(|e| FeatureError::NoFeatures { why: format!("internal error building the matrix: {e}") })?;
        Ok(FeatureTable {
            ids,
            defs: cols.into_iter().map(|c| c.0).collect(),
            values,
            not_computed,
            rows_used,
            skipped: skips.0,
            ignored_cells: ignored.0,
            notes,
        })
    }
}

/// `"1 row"` / `"3 rows"`: a count with the right noun (and verb) form.
pub fn count_of(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// An account's aggregates, with what the end of the read computed from
/// the per-account lists: the features are functions of it.
struct Totals<'a> {
    agg: &'a Agg,
    active_days: usize,
    median_notional: f64,
    distinct_instruments: usize,
    distinct_orders: usize,
}

impl std::ops::Deref for Totals<'_> {
    type Target = Agg;
    fn deref(&self) -> &Agg {
        self.agg
    }
}

/// Median of a slice (mean of the two middle values for even length); NaN if empty.
///
/// The middle values are found by selection (`select_nth_unstable_by`,
/// O(n)), not by sorting: the median of a million values, once per feature
/// in the analysis' imputation, took most of its "scale" step. Under
/// `f64::total_cmp` equal values have equal bits, so the result is the
/// sorted slice's `s[m]` (and `s[m - 1]`) exactly.
pub fn median(v: &[f64]) -> f64 {
    median_in_place(&mut v.to_vec())
}

/// [`median`], reordering `s` instead of copying it.
pub fn median_in_place(s: &mut [f64]) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let m = s.len() / 2;
    let odd = s.len() % 2 == 1;
    let (left, &mut mid, _) = s.select_nth_unstable_by(m, f64::total_cmp);
    if odd {
        mid
    } else {
        let below = left.iter().copied().max_by(f64::total_cmp).unwrap_or(mid);
        (below + mid) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{detect_mapping, parse_bytes};

    fn run(csv: &str) -> FeatureTable {
        let t = parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        extract(&t, &m).unwrap()
    }

    #[test]
    fn the_interner_gives_dense_ids_and_tells_every_string_apart() {
        // Edge lengths of the packed keys (15 bytes packed, 16 boxed), and
        // strings that differ only by trailing NUL bytes or length.
        let keys =
            ["", "a", "a\0", "a\0\0", "ACC18006", "0123456789abcde", "0123456789abcdef", "0123456789abcdef0", "é"];
        let mut int = Interner::default();
        let mut reference: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for round in 0..3 {
            for (i, k) in keys.iter().enumerate() {
                let want = *reference.entry(k).or_insert(i as u32);
                assert_eq!(int.id(k), (want, round == 0), "{k:?} in round {round}");
            }
        }
        assert_eq!(int.len(), keys.len());
        assert_eq!((int.short.len(), int.long.len()), (7, 2));
    }

    #[test]
    fn distinct_days_products_and_invoices_hold_out_of_order_and_across_two_parts() {
        // Transactions in no time order, 100 product codes (ids from 64 up
        // are kept apart from the first 64) and invoices that come back
        // after others.
        let mut rng = 0x2545_f491_u32;
        let mut next = |m: u32| {
            rng = rng.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (rng >> 8) % m
        };
        let mut csv = String::from("invoice,customer,product,quantity,price,date\n");
        let mut want: std::collections::BTreeMap<String, [std::collections::HashSet<u32>; 3]> = Default::default();
        for _ in 0..400 {
            let (acc, day, product, invoice) = (format!("C{}", next(5)), next(30), next(100), next(12));
            let hour = next(24);
            csv += &format!(
                "INV{invoice},{acc},P{product},1,{}.5,2026-01-{:02}T{hour:02}:00:00Z\n",
                10 + next(5),
                day + 1
            );
            let w = want.entry(acc).or_default();
            [day, product, invoice].into_iter().zip(w.iter_mut()).for_each(|(v, set)| {
                set.insert(v);
            });
        }
        let t = parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::Transactions);
        let (head, rest) = t.clone().split_at(150);
        let mut first = FeatureBuilder::new(&t.headers, &m).unwrap();
        first.push(&head);
        let mut later = FeatureBuilder::new(&t.headers, &m).unwrap();
        later.push(&rest);
        assert!(first.merge(later.into_partial().unwrap(), 151));
        for ft in [extract(&t, &m).unwrap(), first.finish().unwrap()] {
            for (k, key) in ["active_days", "distinct_products", "frequency"].into_iter().enumerate() {
                let Some(j) = ft.defs.iter().position(|d| d.key == key) else { panic!("no {key}: {:?}", ft.defs) };
                for (i, id) in ft.ids.iter().enumerate() {
                    assert_eq!(ft.values[[i, j]], want[id][k].len() as f64, "{key} of {id}");
                }
            }
        }
    }

    #[test]
    fn per_account_lists_group_in_order_and_count_like_hash_sets() {
        let mut rng = 0x9e37_79b9_u32;
        let mut next = |m: u32| {
            rng = rng.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (rng >> 8) % m
        };
        let n = 7;
        let (mut list, mut later) = (ByAccount::default(), ByAccount::default());
        let mut want: Vec<Vec<u32>> = vec![Vec::new(); n];
        for _ in 0..600 {
            let (a, x) = (next(n as u32 - 1), next(40)); // the last account gets nothing
            list.push(a, x);
            want[a as usize].push(x);
        }
        // A later part: its account i is account map[i] here, its values shifted.
        let map = [3u32, 0, 5];
        for _ in 0..200 {
            let (a, x) = (next(3), next(40));
            later.push(a, x);
            want[map[a as usize] as usize].push(x + 1000);
        }
        list.append(later, &map, |x| x + 1000);
        let (starts, values) = list.clone().grouped(n);
        for (a, w) in want.iter().enumerate() {
            assert_eq!(&values[starts[a]..starts[a + 1]], &w[..], "account {a}");
        }
        let mut distinct = DistinctByAccount::default();
        list.account.iter().zip(&list.value).for_each(|(&a, &x)| distinct.push(a, x, false));
        let counts = distinct.counts(n);
        for (a, w) in want.iter().enumerate() {
            assert_eq!(counts[a], w.iter().collect::<std::collections::HashSet<_>>().len(), "account {a}");
        }
        assert_eq!(counts[n - 1], 0);
    }

    #[test]
    fn newest_first_days_stay_within_twice_their_distinct_pairs() {
        // Newest first: every row of an account on a day it already has.
        let mut days = DistinctByAccount::default();
        let mut later = DistinctByAccount::default();
        let (accounts, span) = (50u32, 400i64);
        for r in 0..1_000_000i64 {
            let (a, day) = ((r % accounts as i64) as u32, span - 1 - (r / accounts as i64) % span);
            days.push(a, day, false);
            later.push(a, day + span / 2, false); // overlaps half of the first list's days
            let pairs = (accounts as i64 * span) as usize;
            assert!(days.list.account.len() <= 2 * pairs + DistinctByAccount::<i64>::FLOOR, "row {r}");
        }
        days.append(later, &(0..accounts).collect::<Vec<_>>(), |d| d, &[false; 50]);
        let counts = days.counts(accounts as usize + 1);
        assert_eq!(&counts[..accounts as usize], &vec![(span + span / 2) as usize; accounts as usize][..]);
        assert_eq!(counts[accounts as usize], 0);
        // Oldest first, every day new to its account: nothing to remove, never compacted.
        let mut days = DistinctByAccount::default();
        for r in 0..200_000i64 {
            days.push((r % 7) as u32, r, true);
        }
        assert_eq!(days.list.value, (0..200_000).collect::<Vec<i64>>());
        // A later part whose days all come after: appended as new, not compacted;
        // the same part, not known to be new, makes the doubled list compact.
        for (known, compacted) in [(true, false), (false, true)] {
            let mut first = days.clone();
            let mut later = DistinctByAccount::default();
            for r in 200_000..400_000i64 {
                later.push((r % 7) as u32, r, true);
            }
            first.append(later, &[0, 1, 2, 3, 4, 5, 6], |d| d, &[known; 7]);
            assert_eq!(first.list.value.is_sorted(), !compacted, "known new: {known}");
            assert_eq!(first.counts(7).iter().sum::<usize>(), 400_000);
        }
        // A later part known to start after, with a repeat of its own: still counted once.
        let (mut first, mut later) = (DistinctByAccount::default(), DistinctByAccount::default());
        (0..10).for_each(|d| first.push(0, d, true));
        [20, 20, 21].into_iter().for_each(|d| later.push(0, d, d != 20));
        first.append(later, &[0], |d| d, &[true]);
        assert_eq!(first.counts(1), vec![12]);
    }

    fn col(ft: &FeatureTable, key: &str) -> Vec<f64> {
        let j = ft.defs.iter().position(|d| d.key == key).unwrap_or_else(|| panic!("no {key}"));
        ft.values.column(j).to_vec()
    }

    #[test]
    fn trade_features_by_hand() {
        let ft = run("account_id,timestamp,symbol,side,qty,price,leverage,fee,realized_pnl,liquidity\n\
             a,2024-01-01T00:00:00Z,BTC-PERPETUAL,buy,1,100,10,0.1,0,taker\n\
             a,2024-01-03T12:00:00Z,BTC-PERPETUAL,sell,2,100,20,0.2,5,maker\n\
             a,2024-01-03T13:00:00Z,BTC-27DEC24-100-P,buy,1,100,1,0.1,-1,taker\n\
             b,2024-01-05T00:00:00Z,BTC/USDT,buy,3,100,1,0.3,0,maker\n");
        assert_eq!(ft.ids, vec!["a", "b"]);
        assert_eq!(col(&ft, "trade_count"), vec![3.0, 1.0]);
        assert_eq!(col(&ft, "total_notional"), vec![400.0, 300.0]);
        assert_eq!(col(&ft, "median_notional"), vec![100.0, 300.0]);
        assert_eq!(col(&ft, "active_days"), vec![2.0, 1.0]);
        assert_eq!(col(&ft, "recency_days"), vec![1.0 + 11.0 / 24.0, 0.0]);
        assert_eq!(col(&ft, "mean_leverage")[0], 31.0 / 3.0);
        assert_eq!(col(&ft, "max_leverage"), vec![20.0, 1.0]);
        assert_eq!(col(&ft, "perpetual_share"), vec![0.75, 0.0]);
        assert_eq!(col(&ft, "option_share"), vec![0.25, 0.0]);
        assert_eq!(col(&ft, "spot_share"), vec![0.0, 1.0]);
        assert_eq!(col(&ft, "put_share")[0], 1.0);
        assert!(col(&ft, "put_share")[1].is_nan(), "undefined without options");
        assert_eq!(col(&ft, "long_short_bias"), vec![0.0, 1.0]);
        assert_eq!(col(&ft, "maker_share"), vec![1.0 / 3.0, 1.0]);
        assert_eq!(col(&ft, "realized_pnl"), vec![4.0, 0.0]);
        assert_eq!(col(&ft, "win_rate")[0], 0.5);
        assert!(ft.not_computed.iter().any(|(k, _)| k == "future_share"));
        assert!(
            ft.notes
                .iter()
                .any(|n| n == "Instrument types inferred from instrument names: 1 spot, 1 perpetual, 1 option."),
            "{:?}",
            ft.notes
        );
    }

    #[test]
    fn transactions_reduce_to_rfm_with_returns() {
        let ft = run("InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n\
             1,2,01/12/2010 08:00,5,c1\n\
             1,1,01/12/2010 08:00,10,c1\n\
             C2,-1,13/12/2010 09:00,10,c1\n\
             3,4,13/12/2010 10:00,1,\n\
             4,1,20/12/2010 10:00,1,c2\n");
        assert_eq!(ft.ids, vec!["c1", "c2"]);
        assert_eq!(col(&ft, "frequency"), vec![1.0, 1.0]);
        assert_eq!(col(&ft, "monetary"), vec![10.0, 1.0]);
        assert_eq!(col(&ft, "return_share"), vec![0.5, 0.0]);
        assert_eq!(ft.skipped.len(), 1);
        assert_eq!(ft.skipped[0].count, 1);
        assert_eq!(ft.skipped[0].examples, vec![5]);
    }

    #[test]
    fn unparseable_numbers_are_reported_with_rows() {
        let mut csv = String::from("user_id,time,side,qty,price\nu,1700000000,buy,1,2\nu,1700000100,buy,abc,2\n");
        for i in 0..10 {
            csv.push_str(&format!("v,17000002{i:02},sell,1,3\n"));
        }
        let ft = run(&csv);
        assert_eq!(ft.rows_used, 11);
        assert_eq!(ft.skipped[0].reason, "\"qty\" not a number");
        assert_eq!(ft.skipped[0].examples, vec![3]);
    }

    #[test]
    fn unreadable_optional_cells_are_ignored_not_fatal() {
        let mut csv = String::from("user_id,time,side,qty,price,fee\nu,1700000000,buy,1,2,--\n");
        for i in 0..10 {
            csv.push_str(&format!("v,17000002{i:02},sell,1,3,0.1\n"));
        }
        let ft = run(&csv);
        assert_eq!(ft.rows_used, 11);
        assert_eq!(ft.ignored_cells[0].reason, "\"fee\" not a number");
        assert_eq!(ft.ignored_cells[0].examples, vec![2]);
        assert_eq!(col(&ft, "total_fees")[0], 0.0);
    }

    #[test]
    fn side_from_sign_needs_negative_values() {
        let ft = run("user_id,time,qty,price,leverage\nu,1700000000,1,2,3\nu,1700000100,-1,2,3\nv,1700000200,2,2,3\n");
        assert_eq!(col(&ft, "long_short_bias"), vec![0.0, 1.0]);
        let ft = run("user_id,time,notional,leverage\nu,1700000000,5,3\nv,1700000100,7,3\nv,1700000200,1,2\n");
        assert!(ft.not_computed.iter().any(|(k, _)| k == "long_short_bias"));
    }

    #[test]
    fn a_mapping_with_too_many_feature_columns_is_capped_with_a_note() {
        use crate::ingest::roles::MAX_FEATURE_COLUMNS;
        let n = MAX_FEATURE_COLUMNS + 3;
        let header: Vec<String> = (0..n).map(|j| format!("x{j}")).collect();
        let row = |r: usize| (0..n).map(|j| ((r * 3 + j) % 5 + 2).to_string()).collect::<Vec<_>>().join(",");
        let csv = format!("id,{}\na,{}\nb,{}\nc,{}\n", header.join(","), row(1), row(2), row(3));
        let t = parse_bytes(csv.as_bytes()).unwrap().1;
        let mut m = detect_mapping(&t);
        assert_eq!(m.feature_columns.len(), MAX_FEATURE_COLUMNS, "{:?} {:?}", m.notes, m.feature_columns);
        m.feature_columns = (1..=n).collect(); // e.g. a hand-built mapping
        let ft = extract(&t, &m).unwrap();
        assert_eq!(ft.values.dim(), (3, MAX_FEATURE_COLUMNS));
        assert_eq!(ft.defs.last().unwrap().key, format!("x{}", MAX_FEATURE_COLUMNS - 1));
        assert!(
            ft.notes.iter().any(|n| n.contains("203 numeric columns found") && n.contains("the other 3")),
            "{:?}",
            ft.notes
        );
    }

    #[test]
    fn the_median_by_selection_is_the_sorted_ones() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in [1, 2, 3, 4, 5, 10, 11, 1000, 1001] {
            for _ in 0..50 {
                // Repeated values, signed zeros and both signs.
                let v: Vec<f64> =
                    (0..n).map(|_| [0.0, -0.0, 1.5, -2.25, rng.random::<f64>()][rng.random_range(0..5)]).collect();
                let mut s = v.clone();
                s.sort_by(f64::total_cmp);
                let m = n / 2;
                let want = if n % 2 == 1 { s[m] } else { (s[m - 1] + s[m]) / 2.0 };
                assert_eq!(median(&v).to_bits(), want.to_bits(), "{v:?}");
            }
        }
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn no_account_column_is_an_error() {
        let t = parse_bytes(b"time,side,qty,price\n1700000000,buy,1,2\n1700000100,sell,1,2\n").unwrap().1;
        let mut m = detect_mapping(&t);
        m.set_kind(&t, DataKind::Trades);
        let e = extract(&t, &m).unwrap_err();
        assert!(e.to_string().contains("No account column"), "{e}");
    }
}
