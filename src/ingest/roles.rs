//! Column roles: which column holds the account id, the time, the side, ...
//!
//! Detection scores each column against each role by its header name (the
//! export names of Binance, Bybit, OKX, Deribit, Hyperliquid and retail
//! invoice tables are in [`SYNONYMS`]) and then checks the values (numeric
//! roles must be numbers, a time must parse, a side must read as buy/sell).
//! Roles are then given greedily, best score first, one column per role.
//! The user can correct every choice in the mapping panel; [`Mapping::set`]
//! re-derives what depends on it.

use super::instrument::{self, InstrumentType};
use super::number::{self, NumberFormat};
use super::time::{self, TimeDetection};
use super::{is_missing, parse_number, Table};

/// What a column can mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Role {
    Account,
    Timestamp,
    Order,
    Instrument,
    InstrumentType,
    OptionType,
    Side,
    Quantity,
    Price,
    Notional,
    Leverage,
    Fee,
    Pnl,
    Liquidity,
}

impl Role {
    /// Every role, in mapping-panel order.
    pub const ALL: [Role; 14] = [
        Role::Account,
        Role::Timestamp,
        Role::Order,
        Role::Instrument,
        Role::InstrumentType,
        Role::OptionType,
        Role::Side,
        Role::Quantity,
        Role::Price,
        Role::Notional,
        Role::Leverage,
        Role::Fee,
        Role::Pnl,
        Role::Liquidity,
    ];

    /// Label shown in the mapping panel.
    pub fn label(self) -> &'static str {
        match self {
            Role::Account => "Account id",
            Role::Timestamp => "Timestamp",
            Role::Order => "Order / invoice id",
            Role::Instrument => "Instrument",
            Role::InstrumentType => "Instrument type",
            Role::OptionType => "Option type (call/put)",
            Role::Side => "Side (buy/sell)",
            Role::Quantity => "Quantity",
            Role::Price => "Price",
            Role::Notional => "Notional",
            Role::Leverage => "Leverage",
            Role::Fee => "Fee",
            Role::Pnl => "Realized PnL",
            Role::Liquidity => "Maker/taker",
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, Role::Quantity | Role::Price | Role::Notional | Role::Leverage | Role::Fee | Role::Pnl)
    }
}

/// Header names (lower-case, letters and digits only) and how strongly each
/// suggests a role (0-100). Exact matches only; [`CONTAINS`] covers the rest.
pub const SYNONYMS: &[(Role, &str, u32)] = &[
    (Role::Account, "accountid", 100),
    (Role::Account, "account", 95),
    (Role::Account, "userid", 100),
    (Role::Account, "user", 90),
    (Role::Account, "uid", 95),
    (Role::Account, "customerid", 100),
    (Role::Account, "customer", 90),
    (Role::Account, "clientid", 100),
    (Role::Account, "client", 85),
    (Role::Account, "trader", 90),
    (Role::Account, "traderid", 95),
    (Role::Account, "wallet", 90),
    (Role::Account, "walletaddress", 95),
    (Role::Account, "address", 80),
    (Role::Account, "fromaddress", 90),
    (Role::Account, "sender", 70),
    (Role::Account, "memberid", 90),
    (Role::Account, "subaccount", 85),
    (Role::Account, "subaccountid", 90),
    (Role::Account, "id", 30),
    (Role::Timestamp, "timestamp", 100),
    (Role::Timestamp, "time", 95),
    (Role::Timestamp, "datetime", 95),
    (Role::Timestamp, "date", 90),
    (Role::Timestamp, "dateutc", 100),
    (Role::Timestamp, "tradetime", 100),
    (Role::Timestamp, "transactiontime", 95),
    (Role::Timestamp, "exectime", 95),
    (Role::Timestamp, "executiontime", 95),
    (Role::Timestamp, "filltime", 95),
    (Role::Timestamp, "createdtime", 80),
    (Role::Timestamp, "invoicedate", 95),
    (Role::Timestamp, "orderdate", 90),
    (Role::Timestamp, "ts", 80),
    (Role::Timestamp, "blocktimestamp", 95),
    (Role::Timestamp, "blocktime", 95),
    (Role::Timestamp, "blocknumber", 60),
    (Role::Timestamp, "createdat", 40),
    (Role::Timestamp, "updatedat", 20),
    (Role::Order, "invoiceno", 100),
    (Role::Order, "invoice", 95),
    (Role::Order, "invoiceid", 100),
    (Role::Order, "orderid", 100),
    (Role::Order, "orderno", 95),
    (Role::Order, "ordernumber", 95),
    (Role::Order, "order", 70),
    (Role::Order, "oid", 80),
    (Role::Instrument, "symbol", 100),
    (Role::Instrument, "instrument", 100),
    (Role::Instrument, "instrumentname", 100),
    (Role::Instrument, "instrumentid", 95),
    (Role::Instrument, "instid", 95),
    (Role::Instrument, "contract", 90),
    (Role::Instrument, "contracts", 90),
    (Role::Instrument, "pair", 90),
    (Role::Instrument, "market", 80),
    (Role::Instrument, "coin", 85),
    (Role::Instrument, "ticker", 90),
    (Role::Instrument, "stockcode", 90),
    (Role::Instrument, "sku", 85),
    (Role::Instrument, "product", 80),
    (Role::Instrument, "productid", 85),
    (Role::Instrument, "asset", 60),
    (Role::InstrumentType, "instrumenttype", 100),
    (Role::InstrumentType, "insttype", 100),
    (Role::InstrumentType, "producttype", 95),
    (Role::InstrumentType, "markettype", 95),
    (Role::InstrumentType, "contracttype", 95),
    (Role::InstrumentType, "category", 70),
    (Role::InstrumentType, "kind", 70),
    (Role::InstrumentType, "type", 40),
    (Role::OptionType, "optiontype", 100),
    (Role::OptionType, "putcall", 100),
    (Role::OptionType, "callput", 100),
    (Role::OptionType, "cp", 90),
    (Role::OptionType, "right", 80),
    (Role::Side, "side", 100),
    (Role::Side, "direction", 90),
    (Role::Side, "dir", 90),
    (Role::Side, "action", 80),
    (Role::Side, "tradetype", 70),
    (Role::Side, "buysell", 100),
    (Role::Side, "orderside", 100),
    (Role::Side, "isbuyer", 90),
    (Role::Quantity, "quantity", 100),
    (Role::Quantity, "qty", 100),
    (Role::Quantity, "size", 95),
    (Role::Quantity, "sz", 95),
    (Role::Quantity, "executed", 90),
    (Role::Quantity, "executedqty", 100),
    (Role::Quantity, "filledqty", 100),
    (Role::Quantity, "execqty", 100),
    (Role::Quantity, "fillqty", 100),
    (Role::Quantity, "fillsz", 100),
    (Role::Quantity, "filledsize", 95),
    (Role::Quantity, "units", 80),
    (Role::Quantity, "volume", 70),
    (Role::Quantity, "amount", 40),
    (Role::Price, "price", 100),
    (Role::Price, "px", 100),
    (Role::Price, "filledprice", 100),
    (Role::Price, "execprice", 100),
    (Role::Price, "fillprice", 100),
    (Role::Price, "fillpx", 100),
    (Role::Price, "avgprice", 90),
    (Role::Price, "averageprice", 90),
    (Role::Price, "unitprice", 100),
    (Role::Price, "tradeprice", 100),
    (Role::Price, "executionprice", 100),
    (Role::Notional, "notional", 100),
    (Role::Notional, "ntl", 100),
    (Role::Notional, "notionalvalue", 100),
    (Role::Notional, "execvalue", 100),
    (Role::Notional, "tradevalue", 95),
    (Role::Notional, "quoteqty", 95),
    (Role::Notional, "quotequantity", 95),
    (Role::Notional, "turnover", 80),
    (Role::Notional, "value", 70),
    (Role::Notional, "total", 70),
    (Role::Notional, "sales", 60),
    (Role::Notional, "revenue", 60),
    (Role::Notional, "amount", 35),
    (Role::Leverage, "leverage", 100),
    (Role::Leverage, "lev", 90),
    (Role::Fee, "fee", 100),
    (Role::Fee, "fees", 100),
    (Role::Fee, "commission", 100),
    (Role::Fee, "tradingfee", 100),
    (Role::Fee, "execfee", 100),
    (Role::Fee, "feeamount", 95),
    (Role::Pnl, "realizedpnl", 100),
    (Role::Pnl, "realisedpnl", 100),
    (Role::Pnl, "realizedprofit", 100),
    (Role::Pnl, "closedpnl", 100),
    (Role::Pnl, "closedpl", 95),
    (Role::Pnl, "pnl", 90),
    (Role::Pnl, "profitloss", 85),
    (Role::Pnl, "profit", 80),
    (Role::Liquidity, "liquidity", 100),
    (Role::Liquidity, "makertaker", 100),
    (Role::Liquidity, "takerormaker", 100),
    (Role::Liquidity, "liquidityindicator", 100),
    (Role::Liquidity, "ismaker", 100),
    (Role::Liquidity, "istaker", 95),
    (Role::Liquidity, "maker", 80),
    (Role::Liquidity, "crossed", 80),
    (Role::Liquidity, "role", 60),
    (Role::Liquidity, "exectype", 60),
];

/// Substrings of a normalised header that suggest a role when no exact
/// synonym matches, with a lower score; (role, substring, excluded substrings, score).
const CONTAINS: &[(Role, &str, &[&str], u32)] = &[
    (Role::Account, "account", &[], 60),
    (Role::Account, "customer", &[], 60),
    (Role::Account, "client", &[], 55),
    (Role::Account, "wallet", &[], 55),
    (Role::Account, "user", &[], 50),
    (Role::Timestamp, "time", &[], 50),
    (Role::Timestamp, "date", &["update"], 45),
    (Role::Order, "invoice", &[], 60),
    (Role::Instrument, "symbol", &[], 60),
    (Role::Instrument, "instrument", &["type"], 60),
    (Role::Price, "price", &[], 60),
    (Role::Leverage, "leverage", &[], 80),
    (Role::Fee, "fee", &["rate", "currency", "unit", "asset", "token", "coin"], 50),
    (Role::Fee, "commission", &["rate", "asset"], 50),
    (Role::Pnl, "pnl", &[], 60),
    (Role::Pnl, "realized", &[], 55),
    (Role::Quantity, "qty", &[], 55),
    (Role::Quantity, "quantity", &[], 55),
    (Role::Notional, "notional", &[], 60),
];

/// Lower-cases and keeps letters and digits: `Date(UTC)` -> `dateutc`.
pub fn normalise(h: &str) -> String {
    h.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Reads a side cell: +1 buy, -1 sell. Accepts buy/sell, B/S, long/short,
/// bid/ask (Hyperliquid's `B`/`A`), and position actions (`Open Long`,
/// `Close Short` = buy; `Open Short`, `Close Long` = sell).
///
/// `boolean_is_buy` reads `true`/`false` as buy/sell, for columns such as
/// Binance's `isBuyer` (see [`side_is_boolean_buyer`]).
pub fn parse_side(s: &str, boolean_is_buy: bool) -> Option<i8> {
    let mut buf = [0u8; SHORT];
    let owned;
    let s = super::trim(s);
    let l = match lower_short(s, &mut buf) {
        Some(l) => l,
        None => {
            owned = s.to_ascii_lowercase();
            owned.as_str()
        }
    };
    if !boolean_is_buy {
        // The usual values, answered before the substring searches below (same answers).
        match l {
            "buy" | "long" | "b" | "bid" => return Some(1),
            "sell" | "short" | "s" | "a" | "ask" => return Some(-1),
            _ => {}
        }
    }
    if boolean_is_buy {
        return match l {
            "true" | "1" => Some(1),
            "false" | "0" => Some(-1),
            _ => None,
        };
    }
    if l.contains("close long") {
        return Some(-1);
    }
    if l.contains("close short") {
        return Some(1);
    }
    if l.contains("buy") || l.contains("long") || l == "b" || l == "bid" {
        Some(1)
    } else if l.contains("sell") || l.contains("short") || l == "s" || l == "a" || l == "ask" {
        Some(-1)
    } else {
        None
    }
}

/// Whether a side column holds booleans meaning "is buyer" (Binance's `isBuyer`).
pub fn side_is_boolean_buyer(header: &str) -> bool {
    matches!(normalise(header).as_str(), "isbuyer" | "isbuy" | "buyer")
}

/// Reads a maker/taker cell: `Some(true)` for maker. Accepts maker/taker,
/// M/T, add/remove (liquidity), and booleans; `true_is_taker` says what a
/// boolean `true` means (true for columns named like `is_taker` or
/// Hyperliquid's `crossed`).
pub fn parse_liquidity(s: &str, true_is_taker: bool) -> Option<bool> {
    let mut buf = [0u8; SHORT];
    // Every value read here is shorter than SHORT bytes.
    match lower_short(super::trim(s), &mut buf)? {
        "maker" | "m" | "make" | "add" | "added" | "adding" | "passive" => Some(true),
        "taker" | "t" | "take" | "remove" | "removed" | "removing" | "aggressive" => Some(false),
        "true" | "1" | "yes" | "y" => Some(!true_is_taker),
        "false" | "0" | "no" | "n" => Some(true_is_taker),
        _ => None,
    }
}

/// Longest value [`lower_short`] lowercases without allocating.
const SHORT: usize = 24;

/// `s` in ASCII lowercase, written into `buf`, if it is at most [`SHORT`]
/// bytes; else `None`. Side and liquidity values are short, and this runs
/// once per row (a million times for a million trades).
fn lower_short<'a>(s: &str, buf: &'a mut [u8; SHORT]) -> Option<&'a str> {
    let out = buf.get_mut(..s.len())?;
    out.copy_from_slice(s.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// Whether a liquidity column's `true` means taker, from its header.
pub fn liquidity_true_is_taker(header: &str) -> bool {
    let n = normalise(header);
    n.contains("taker") && !n.contains("maker") || n.contains("crossed")
}

/// What the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DataKind {
    /// Fills/trades of trading accounts (side, leverage, instruments...).
    Trades,
    /// Plain purchase transactions (invoice lines): features reduce to RFM.
    Transactions,
    /// Already one row per customer: numeric columns are the features.
    CustomerTable,
}

impl DataKind {
    /// Label shown in the mapping panel.
    pub fn label(self) -> &'static str {
        match self {
            DataKind::Trades => "Trades / fills",
            DataKind::Transactions => "Transactions (RFM)",
            DataKind::CustomerTable => "One row per customer",
        }
    }
}

/// Which column plays which role, and what was decided along the way.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mapping {
    pub kind: DataKind,
    cols: [Option<usize>; 14],
    /// How the timestamp column is written (None if no timestamp column).
    pub time: Option<TimeDetection>,
    /// The user's choice of timestamp format, if any (cleared when the timestamp column changes).
    time_override: Option<time::TimeFormat>,
    /// For [`DataKind::CustomerTable`]: the numeric columns used as features.
    pub feature_columns: Vec<usize>,
    /// Sentences for the user about choices made (delimiter, date order, ...).
    pub notes: Vec<String>,
    /// Notes from detection itself, kept when the user changes the mapping.
    detect_notes: Vec<String>,
    /// How each column writes numbers (plain unless it consistently uses decimal commas or thousands separators).
    pub number_formats: Vec<NumberFormat>,
}

/// Per-column value statistics on a sample of rows.
struct ColumnStats {
    present: usize,
    numeric: usize,
    /// How the column writes numbers (decimal comma, thousands separators).
    format: NumberFormat,
    time: Option<TimeDetection>,
    side: usize,
    liquidity: usize,
    inst_type: usize,
    option_kind: usize,
    inferred_type: usize,
}

/// Most rows looked at per column for detection (evenly spread over the file).
pub const SAMPLE_ROWS: usize = 5000;

/// Most cells (sample rows x columns) detection looks at in all: a file with
/// more than `SAMPLE_CELLS / SAMPLE_ROWS` = 400 columns gets fewer sample rows
/// per column, so a file of 10,000 columns is mapped in one or two seconds
/// instead of up to a minute. Files of up to 400 columns are sampled as before.
pub const SAMPLE_CELLS: usize = 2_000_000;

/// The per-column row limit never goes below this, however many columns the
/// file has: the value checks (90 % numbers, 80 % sides, ...) need a fair
/// sample. (With the fixed step of [`sample_rows`], at least half of it is
/// looked at when the file has that many rows.)
pub const MIN_SAMPLE_ROWS: usize = 200;

/// Most numeric columns of a [`DataKind::CustomerTable`] used as features:
/// the first 200 in file order; the rest are left out, with a note in
/// [`Mapping::notes`] that says how many and how to choose others.
///
/// Why 200: the analysis cost grows with the number of features `d`: PCA
/// forms the `d x d` covariance (`O(n d^2)`) and eigen-decomposes it
/// (`O(d^3)`), k-means and the silhouette's pairwise distances are `O(d)` per
/// distance, and a full-covariance mixture is `O(k d^3)` per EM step. At
/// `d = 200` these take about a second for a few thousand customers; at
/// `d = 10,000` the covariance alone is 800 MB and its eigen-decomposition
/// (10^12 operations) would not finish in a browser tab. Beyond a few hundred
/// dimensions distances between customers also become nearly equal, so more
/// columns would not give better segments.
pub const MAX_FEATURE_COLUMNS: usize = 200;

/// The rows of `t` looked at per column: every `step`-th row from the first,
/// `step = ceil(n_rows / limit)`, so between half the limit and the limit
/// (all rows when there are no more than the limit). The limit is
/// [`SAMPLE_ROWS`], lowered for wide files to `SAMPLE_CELLS / n_cols` (at
/// most [`SAMPLE_CELLS`] cells in all) but not below [`MIN_SAMPLE_ROWS`].
fn sample_rows(t: &Table) -> Vec<usize> {
    let n = t.n_rows();
    let per_column = (SAMPLE_CELLS / t.n_cols().max(1)).clamp(MIN_SAMPLE_ROWS, SAMPLE_ROWS);
    let step = n.div_ceil(per_column).max(1);
    (0..n).step_by(step).collect()
}

/// (non-missing cells, cells that read as numbers in `format`) of column `c` over `rows`.
fn numeric_count(t: &Table, c: usize, rows: &[usize], format: NumberFormat) -> (usize, usize) {
    rows.iter()
        .map(|&r| t.cell(r, c))
        .filter(|v| !is_missing(v))
        .fold((0, 0), |(present, numeric), v| (present + 1, numeric + format.parse(v).is_some() as usize))
}

/// Quoted column names, the first `max` of them, then how many more:
/// `"a", "b" and 3 more`.
fn name_list(headers: &[String], cols: &[usize], max: usize) -> String {
    let names: Vec<String> = cols.iter().take(max).map(|&c| format!("\"{}\"", headers[c])).collect();
    match cols.len().saturating_sub(max) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

fn column_stats(t: &Table, c: usize, rows: &[usize]) -> ColumnStats {
    let format = number::detect(rows.iter().map(|&r| t.cell(r, c)).filter(|v| !is_missing(v)));
    let mut s = ColumnStats {
        present: 0,
        numeric: 0,
        format,
        time: None,
        side: 0,
        liquidity: 0,
        inst_type: 0,
        option_kind: 0,
        inferred_type: 0,
    };
    let true_is_taker = liquidity_true_is_taker(&t.headers[c]);
    let boolean_buyer = side_is_boolean_buyer(&t.headers[c]);
    for &r in rows {
        let v = t.cell(r, c);
        if is_missing(v) {
            continue;
        }
        s.present += 1;
        s.numeric += format.parse(v).is_some() as usize;
        s.side += parse_side(v, boolean_buyer).is_some() as usize;
        s.liquidity += parse_liquidity(v, true_is_taker).is_some() as usize;
        s.inst_type += instrument::parse_type(v).is_some() as usize;
        s.option_kind += instrument::parse_option_kind(v).is_some() as usize;
        s.inferred_type += instrument::infer(v).is_some() as usize;
    }
    s.time = time::detect(rows.iter().map(|&r| t.cell(r, c)), &t.headers[c]);
    s
}

fn values_fit(role: Role, s: &ColumnStats) -> bool {
    if s.present == 0 {
        return false;
    }
    let share = |k: usize| k as f64 / s.present as f64;
    match role {
        r if r.is_numeric() => share(s.numeric) >= 0.9,
        Role::Timestamp => s.time.as_ref().is_some_and(|d| d.parsed_share >= 0.9),
        Role::Side => share(s.side) >= 0.8,
        Role::Liquidity => share(s.liquidity) >= 0.8,
        Role::InstrumentType => share(s.inst_type) >= 0.8,
        Role::OptionType => share(s.option_kind) >= 0.8,
        _ => true,
    }
}

fn name_score(role: Role, norm: &str) -> u32 {
    let exact = SYNONYMS.iter().filter(|(r, n, _)| *r == role && *n == norm).map(|x| x.2).max();
    exact.unwrap_or_else(|| {
        CONTAINS
            .iter()
            .filter(|(r, sub, not, _)| *r == role && norm.contains(sub) && !not.iter().any(|x| norm.contains(x)))
            .map(|x| x.3)
            .max()
            .unwrap_or(0)
    })
}

/// True if column `c` holds 0, 1, 2, ... or 1, 2, 3, ... in row order (a saved index).
pub fn is_row_index(t: &Table, c: usize) -> bool {
    let first = parse_number(t.cell(0, c));
    matches!(first, Some(v) if v == 0.0 || v == 1.0)
        && (0..t.n_rows()).all(|r| parse_number(t.cell(r, c)) == first.map(|f| f + r as f64))
}

/// Detects column roles and the kind of data in `t`.
///
/// Never fails: a role with no fitting column stays unmapped, and the
/// feature stage then says which features could not be computed.
pub fn detect_mapping(t: &Table) -> Mapping {
    detect_mapping_with_unique(t).0
}

/// [`detect_mapping`], and the column whose values all differ in `t`, if
/// that decided the mapping (the kind of data, or a weakly named id left
/// out as a row id). Detection on the first rows of a longer file holds for
/// the whole file only if that column's values all differ there too: a
/// streamed read checks it ([`crate::job::Streaming`]).
pub fn detect_mapping_with_unique(t: &Table) -> (Mapping, Option<usize>) {
    let rows = sample_rows(t);
    let stats: Vec<ColumnStats> = (0..t.n_cols()).map(|c| column_stats(t, c, &rows)).collect();
    let norms: Vec<String> = t.headers.iter().map(|h| normalise(h)).collect();
    let mut cands: Vec<(u32, Role, usize)> = Vec::new();
    for role in Role::ALL {
        for c in 0..t.n_cols() {
            let score = name_score(role, &norms[c]);
            if score > 0 && values_fit(role, &stats[c]) {
                cands.push((score, role, c));
            }
        }
    }
    // Best score first; ties go to the earlier role, then the earlier column.
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut m = Mapping {
        kind: DataKind::Trades,
        cols: [None; 14],
        time: None,
        time_override: None,
        feature_columns: vec![],
        notes: vec![],
        detect_notes: vec![],
        number_formats: stats.iter().map(|s| s.format).collect(),
    };
    let mut used = vec![false; t.n_cols()];
    let mut account_score = 0;
    for (score, role, c) in cands {
        if m.get(role).is_none() && !used[c] {
            m.cols[role as usize] = Some(c);
            used[c] = true;
            if role == Role::Account {
                account_score = score;
            }
        }
    }
    // "amount" with no price beside it is a money amount, not a quantity.
    if let (Some(q), None, None) = (m.get(Role::Quantity), m.get(Role::Price), m.get(Role::Notional)) {
        if norms[q] == "amount" {
            m.cols[Role::Quantity as usize] = None;
            m.cols[Role::Notional as usize] = Some(q);
        }
    }
    // A weakly named id (e.g. `id`) that differs on every row of trade data is
    // a trade or row id: using it would make every row its own account.
    let trade_like = m.get(Role::Timestamp).is_some() || TRADE_ROLES.iter().any(|&r| m.get(r).is_some());
    let mut account_unique = m.get(Role::Account).is_some_and(|c| t.n_rows() >= 2 && all_unique(t, c));
    // Uniqueness decides the mapping only where it drops a weak id or makes a customer table.
    let unique = m
        .get(Role::Account)
        .filter(|_| account_unique && ((account_score < 60 && trade_like) || !is_transactional(&m)));
    if let Some(c) = m.get(Role::Account).filter(|_| account_score < 60 && trade_like && account_unique) {
        m.cols[Role::Account as usize] = None;
        account_unique = false;
        m.detect_notes.push(format!(
            "Column \"{}\" has a different value on every row, so it looks like a row or trade id and is not used as the account id.",
            t.headers[c]
        ));
    }
    m.kind = infer_kind(&m, &stats, account_unique);
    m.refresh(t);
    (m, unique)
}

/// The note for a customer table with more than [`MAX_FEATURE_COLUMNS`]
/// numeric columns: `used` are the features, `left_out` the others.
pub(crate) fn too_many_numeric_columns(headers: &[String], used: &[usize], left_out: &[usize]) -> String {
    let (first, last) = (used.first().copied().unwrap_or(0), used.last().copied().unwrap_or(0));
    format!(
        "One row per customer: {} numeric columns found; only the first {} (\"{}\" to \"{}\") are used as features and the other {} ({}) are left out, because segmenting on more than {} columns is too slow for a browser tab. To segment on other columns, remove the columns you do not need from the file (or move the ones you want to the front) and load it again.",
        used.len() + left_out.len(),
        used.len(),
        headers[first],
        headers[last],
        left_out.len(),
        name_list(headers, left_out, 5),
        MAX_FEATURE_COLUMNS
    )
}

/// Roles only trade data has.
const TRADE_ROLES: [Role; 6] =
    [Role::Side, Role::Leverage, Role::Liquidity, Role::Pnl, Role::InstrumentType, Role::OptionType];

fn all_unique(t: &Table, c: usize) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(t.n_rows());
    (0..t.n_rows()).all(|r| seen.insert(t.cell(r, c)))
}

/// True if `m` maps a column only trades or transactions have.
fn is_transactional(m: &Mapping) -> bool {
    [Role::Quantity, Role::Price, Role::Order].iter().any(|&r| m.get(r).is_some())
        || TRADE_ROLES.iter().any(|&r| m.get(r).is_some())
}

/// `account_unique`: the account column (if any) has a different value on every row.
fn infer_kind(m: &Mapping, stats: &[ColumnStats], account_unique: bool) -> DataKind {
    // One row per account and nothing that only transactions have (a sign-up
    // date beside the id does not make it a transaction file).
    if (account_unique && !is_transactional(m)) || (m.get(Role::Account).is_none() && m.get(Role::Timestamp).is_none())
    {
        return DataKind::CustomerTable;
    }
    let instruments_typed = m.get(Role::Instrument).is_some_and(|c| {
        let s = &stats[c];
        s.present > 0 && s.inferred_type * 2 >= s.present
    });
    if TRADE_ROLES.iter().any(|&r| m.get(r).is_some()) || instruments_typed {
        DataKind::Trades
    } else {
        DataKind::Transactions
    }
}

impl Mapping {
    /// How column `c` writes numbers.
    pub fn number_format(&self, c: usize) -> NumberFormat {
        self.number_formats.get(c).copied().unwrap_or_default()
    }

    /// The column mapped to `role`, if any.
    pub fn get(&self, role: Role) -> Option<usize> {
        self.cols[role as usize]
    }

    /// Maps `role` to column `col` (or unmaps it), un-mapping any other role
    /// that used `col`, and re-derives the time format and notes.
    pub fn set(&mut self, t: &Table, role: Role, col: Option<usize>) {
        if let Some(c) = col {
            for slot in self.cols.iter_mut() {
                if *slot == Some(c) {
                    *slot = None;
                }
            }
        }
        if role == Role::Timestamp {
            self.time_override = None;
        }
        self.cols[role as usize] = col;
        self.refresh(t);
    }

    /// Reads the timestamp column in format `f` (the user's override of
    /// detection, e.g. month-first instead of day-first) and re-derives.
    pub fn set_time_format(&mut self, t: &Table, f: time::TimeFormat) {
        self.time_override = Some(f);
        self.refresh(t);
    }

    /// Changes the kind of data (the user's override) and re-derives.
    pub fn set_kind(&mut self, t: &Table, kind: DataKind) {
        self.kind = kind;
        self.refresh(t);
    }

    /// Adds a note about how the mapping was detected; kept through later changes.
    pub fn add_detect_note(&mut self, note: String) {
        self.detect_notes.push(note.clone());
        self.notes.push(note);
    }

    /// True if the mapping was decided on every row of the table, so that
    /// it cannot be decided on the first rows of a file: slash dates
    /// (DD/MM or MM/DD), detected rather than chosen by the user, whose
    /// reading one row anywhere in the file can decide or refuse.
    pub fn needs_every_row(&self) -> bool {
        self.time_override.is_none()
            && self
                .time
                .as_ref()
                .is_some_and(|d| matches!(d.format, time::TimeFormat::DayFirst | time::TimeFormat::MonthFirst))
    }

    /// True if notional is computed as |quantity x price| (no notional column).
    pub fn notional_from_quantity_price(&self) -> bool {
        self.get(Role::Notional).is_none() && self.get(Role::Quantity).is_some() && self.get(Role::Price).is_some()
    }

    fn refresh(&mut self, t: &Table) {
        self.notes = self.detect_notes.clone();
        let over = self.time_override;
        // On the detection sample, as the roles (the feature stage parses the
        // whole column and counts what does not parse), except slash dates: below.
        let rows = sample_rows(t);
        self.time = self.get(Role::Timestamp).and_then(|c| match over {
            Some(format) => {
                let present: Vec<&str> = rows.iter().map(|&r| t.cell(r, c)).filter(|v| !is_missing(v)).collect();
                let ok = present.iter().filter(|v| time::parse(format, v).is_some()).count();
                let parsed_share = ok as f64 / present.len().max(1) as f64;
                let note = format!(
                    "read as {} by your choice; {} of {} sampled values parse",
                    format.describe(),
                    ok,
                    present.len()
                );
                Some(TimeDetection { format, parsed_share, note })
            }
            // Slash dates are checked on every row: one row that only one
            // reading allows (a first field above 12) decides, or refuses, the format.
            None => match time::detect(rows.iter().map(|&r| t.cell(r, c)), &t.headers[c]) {
                Some(d) if matches!(d.format, time::TimeFormat::DayFirst | time::TimeFormat::MonthFirst) => {
                    time::detect((0..t.n_rows()).map(|r| t.cell(r, c)), &t.headers[c])
                }
                sampled => sampled,
            },
        });
        if let (Some(c), None) = (self.get(Role::Timestamp), &self.time) {
            self.notes.push(format!(
                "Column \"{}\" does not hold timestamps in a format segscope reads (ISO 8601, DD/MM/YYYY, MM/DD/YYYY, Unix seconds or milliseconds); time features are not computed.",
                t.headers[c]
            ));
        }
        if let Some(d) = &self.time {
            if !d.note.is_empty() {
                self.notes.push(format!("Timestamp: {}.", d.note));
            }
        }
        if self.notional_from_quantity_price() && self.kind != DataKind::CustomerTable {
            let (q, p) = (self.get(Role::Quantity).unwrap_or(0), self.get(Role::Price).unwrap_or(0));
            self.notes.push(format!("Notional computed as |{} x {}|.", t.headers[q], t.headers[p]));
        }
        self.feature_columns.clear();
        let mut formats_noted = vec![false; t.n_cols()];
        let mut note_format = |notes: &mut Vec<String>, c: usize| {
            let f = self.number_formats.get(c).copied().unwrap_or_default();
            if f != NumberFormat::PLAIN && !formats_noted[c] {
                formats_noted[c] = true;
                notes.push(format!("Column \"{}\" writes numbers as {}; read that way.", t.headers[c], f.example()));
            }
        };
        for role in Role::ALL.into_iter().filter(|r| r.is_numeric()) {
            if let Some(c) = self.get(role) {
                note_format(&mut self.notes, c);
            }
        }
        if self.kind == DataKind::CustomerTable {
            let mut ignored = Vec::new();
            let mut numeric = Vec::new();
            let mut index = Vec::new();
            for c in 0..t.n_cols() {
                if Some(c) == self.get(Role::Account) {
                    continue;
                }
                let (present, readable) = numeric_count(t, c, &rows, self.number_format(c));
                if is_row_index(t, c) {
                    index.push(c);
                } else if present > 0 && readable as f64 >= 0.9 * present as f64 {
                    numeric.push(c);
                } else {
                    ignored.push(c);
                }
            }
            match index.len() {
                0 => {}
                1 => self.notes.push(format!(
                    "Column \"{}\" counts rows (0, 1, 2, ... or 1, 2, 3, ...), like a saved table index; it is not used as a feature.",
                    t.headers[index[0]]
                )),
                _ => self.notes.push(format!(
                    "Columns {} count rows (0, 1, 2, ... or 1, 2, 3, ...), like a saved table index; they are not used as features.",
                    name_list(&t.headers, &index, 20)
                )),
            }
            if numeric.len() > MAX_FEATURE_COLUMNS {
                let left_out = numeric.split_off(MAX_FEATURE_COLUMNS);
                self.notes.push(too_many_numeric_columns(&t.headers, &numeric, &left_out));
            }
            for &c in &numeric {
                note_format(&mut self.notes, c);
            }
            self.feature_columns = numeric;
            if !ignored.is_empty() {
                self.notes.push(format!(
                    "One row per customer: non-numeric {} {} {} not used as features.",
                    if ignored.len() == 1 { "column" } else { "columns" },
                    name_list(&t.headers, &ignored, 20),
                    if ignored.len() == 1 { "is" } else { "are" }
                ));
            }
            if self.get(Role::Account).is_none() {
                self.notes.push("No id column found: customers are named by their row number.".into());
            }
        }
        if self.kind == DataKind::Trades {
            if let (Some(c), None) = (self.get(Role::Instrument), self.get(Role::InstrumentType)) {
                // On the sample: scanning every row took 0.1-0.2 s on a million trades with no bare pair.
                let names = rows.iter().map(|&r| t.cell(r, c));
                let bare_pairs = names
                    .filter(|n| {
                        matches!(instrument::infer(n), Some((InstrumentType::Spot, _))) && !n.contains(['/', '-', '_'])
                    })
                    .take(1)
                    .count();
                if bare_pairs > 0 {
                    self.notes.push(format!(
                        "Instrument types inferred from \"{}\": names like BTCUSDT are read as spot (Binance and Bybit use the same name for perpetuals; map an instrument type column if the file mixes them).",
                        t.headers[c]
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The column of each role, in order.
    fn columns_of(m: &Mapping, roles: &[Role]) -> Vec<Option<usize>> {
        roles.iter().map(|&r| m.get(r)).collect()
    }

    fn table(csv: &str) -> Table {
        super::super::parse_bytes(csv.as_bytes()).unwrap().1
    }

    #[test]
    fn retail_invoice_lines() {
        let t = table(
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n\
             536365,85123A,WHITE HEART,6,01/12/2010 08:26,2.55,17850,United Kingdom\n\
             536366,71053,LANTERN,-2,13/12/2010 09:00,3.39,17851,United Kingdom\n",
        );
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::Transactions);
        assert_eq!(m.get(Role::Account), Some(6));
        assert_eq!(m.get(Role::Timestamp), Some(4));
        assert_eq!(m.time.as_ref().unwrap().format, time::TimeFormat::DayFirst);
        assert_eq!(m.get(Role::Quantity), Some(3));
        assert_eq!(m.get(Role::Price), Some(5));
        assert_eq!(m.get(Role::Order), Some(0));
        assert!(m.notional_from_quantity_price());
    }

    #[test]
    fn time_format_override_and_reset() {
        let t = table("user_id,date,qty,price,side\nu,01/02/2024,1,2,buy\nv,03/04/2024,1,2,sell\n");
        let mut m = detect_mapping(&t);
        assert_eq!(m.time.as_ref().unwrap().format, time::TimeFormat::DayFirst);
        m.set_time_format(&t, time::TimeFormat::MonthFirst);
        assert_eq!(m.time.as_ref().unwrap().format, time::TimeFormat::MonthFirst);
        assert!(m.time.as_ref().unwrap().note.contains("your choice"));
        m.set(&t, Role::Timestamp, Some(1));
        assert_eq!(
            m.time.as_ref().unwrap().format,
            time::TimeFormat::DayFirst,
            "a new timestamp column is detected afresh"
        );
        m.set_time_format(&t, time::TimeFormat::EpochSeconds);
        assert_eq!(m.time.as_ref().unwrap().parsed_share, 0.0);
    }

    #[test]
    fn binance_futures_export_amount_is_notional() {
        let t = table(
            "user_id,Date(UTC),Symbol,Side,Price,Quantity,Amount,Fee,Realized Profit\n\
             7,2024-11-01 10:00:00,BTCUSDT,BUY,70000,0.01,700,0.28,0\n\
             8,2024-11-01 10:01:00,ETHUSDT,SELL,2500,1,2500,1.0,12.5\n",
        );
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::Trades);
        assert_eq!(m.get(Role::Account), Some(0));
        assert_eq!(m.get(Role::Timestamp), Some(1));
        assert_eq!(m.get(Role::Quantity), Some(5));
        assert_eq!(m.get(Role::Notional), Some(6));
        assert_eq!(m.get(Role::Fee), Some(7));
        assert_eq!(m.get(Role::Pnl), Some(8));
    }

    #[test]
    fn deribit_and_hyperliquid_exports() {
        let t = table(
            "account,Date,Instrument,Side,Amount,Price,Fee,Liquidity\n\
             a,2024-11-01T10:00:00Z,BTC-PERPETUAL,buy,100,70000,0.0001,M\n\
             b,2024-11-01T10:01:00Z,BTC-27DEC24-60000-C,sell,1,0.05,0.0003,T\n",
        );
        let m = detect_mapping(&t);
        assert_eq!(m.get(Role::Quantity), Some(4), "Deribit's Amount is a quantity");
        assert_eq!(m.get(Role::Liquidity), Some(7));
        let t = table(
            "user,time,coin,side,px,sz,crossed,fee,closedPnl\n\
             0xa,1730455200000,BTC,B,70000,0.1,true,1.2,0\n\
             0xb,1730455201000,ETH,A,2500,2,false,-0.1,3.0\n",
        );
        let m = detect_mapping(&t);
        assert_eq!(m.time.as_ref().unwrap().format, time::TimeFormat::EpochMillis);
        assert_eq!(m.get(Role::Liquidity), Some(6));
        assert!(liquidity_true_is_taker("crossed"));
        assert_eq!(parse_liquidity("true", true), Some(false));
        assert_eq!(m.get(Role::Pnl), Some(8));
        assert_eq!(parse_side("A", false), Some(-1));
        assert_eq!(parse_side("Close Short", false), Some(1));
        assert_eq!(parse_side("true", false), None);
        assert_eq!(parse_side("false", true), Some(-1));
        // Values longer than the no-allocation buffer take the general path.
        assert_eq!(parse_side("  Close Short (reduce-only), partial fill ", false), Some(1));
        assert_eq!(parse_side(" SELL ", false), Some(-1));
        assert_eq!(parse_side("Kauf–Verkauf", false), None, "non-ASCII is compared as is");
        assert_eq!(parse_liquidity(" MAKER", false), Some(true));
        assert_eq!(parse_liquidity("aggressive order, removed from the book", false), None);
    }

    #[test]
    fn okx_bybit_and_binance_api_fields() {
        let t = table(
            "uid,instId,instType,side,fillSz,fillPx,fee,execType,ts\n\
             1,BTC-USDT-SWAP,SWAP,buy,1,70000,-0.1,T,1730455200000\n\
             1,BTC-USD-241227,FUTURES,sell,2,70100,-0.2,M,1730455201000\n\
             2,BTC-USDT,SPOT,buy,0.1,70000,-0.01,T,1730455202000\n",
        );
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::Trades);
        let got = columns_of(
            &m,
            &[
                Role::Account,
                Role::Instrument,
                Role::InstrumentType,
                Role::Side,
                Role::Quantity,
                Role::Price,
                Role::Fee,
                Role::Liquidity,
                Role::Timestamp,
            ],
        );
        assert_eq!(got, (0..9).map(Some).collect::<Vec<_>>(), "OKX fills");
        let t = table(
            "uid,symbol,side,execQty,execPrice,execValue,execFee,execTime,isMaker,execType\n\
             7,BTCUSDT,Buy,0.01,70000,700,0.42,1730455200000,false,Trade\n\
             8,ETHUSDT,Sell,1,2500,2500,1.5,1730455201000,true,Trade\n",
        );
        let m = detect_mapping(&t);
        let got = columns_of(
            &m,
            &[
                Role::Account,
                Role::Instrument,
                Role::Side,
                Role::Quantity,
                Role::Price,
                Role::Notional,
                Role::Fee,
                Role::Timestamp,
                Role::Liquidity,
            ],
        );
        assert_eq!(
            got,
            (0..9).map(Some).collect::<Vec<_>>(),
            "Bybit executions: execType (Trade/Funding) is not maker/taker"
        );
        let t = table(
            "userId,symbol,price,qty,quoteQty,commission,time,isBuyer,isMaker\n\
             1,BTCUSDT,70000,0.01,700,0.0001,1730455200000,true,false\n\
             2,BTCUSDT,70010,0.02,1400.2,0.0002,1730455201000,false,true\n",
        );
        let m = detect_mapping(&t);
        let got = columns_of(
            &m,
            &[
                Role::Account,
                Role::Instrument,
                Role::Price,
                Role::Quantity,
                Role::Notional,
                Role::Fee,
                Role::Timestamp,
                Role::Side,
                Role::Liquidity,
            ],
        );
        assert_eq!(got, (0..9).map(Some).collect::<Vec<_>>(), "Binance userTrades");
    }

    #[test]
    fn amount_without_price_is_notional() {
        let t = table("customer_id,date,amount\na,2024-01-01,10\na,2024-01-02,-5\nb,2024-01-03,7\n");
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::Transactions);
        assert_eq!(m.get(Role::Notional), Some(2));
        assert_eq!(m.get(Role::Quantity), None);
    }

    #[test]
    fn a_unique_row_id_is_not_an_account() {
        let t = table("id,time,side,qty,price\n1,1700000000,buy,1,2\n2,1700000100,sell,1,2\n3,1700000200,buy,2,2\n");
        let m = detect_mapping(&t);
        assert_eq!(m.get(Role::Account), None);
        assert!(m.notes.iter().any(|n| n.contains("row or trade id")), "{:?}", m.notes);
    }

    #[test]
    fn customer_table_with_a_signup_date_and_a_saved_index() {
        let t = table(",customer_id,signup_date,spend\n0,c1,2024-01-01,10\n1,c2,2024-02-01,20\n2,c3,2024-03-01,5\n");
        assert_eq!(t.headers[0], "column_1");
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::CustomerTable);
        assert_eq!(m.get(Role::Account), Some(1));
        assert_eq!(m.feature_columns, vec![3]);
        assert!(m.notes.iter().any(|n| n.contains("counts rows")), "{:?}", m.notes);
    }

    #[test]
    fn wide_files_are_sampled_on_fewer_rows() {
        let wide = |cols: usize, rows: usize| {
            let mut csv = (0..cols).map(|j| format!("c{j}")).collect::<Vec<_>>().join(",") + "\n";
            csv.push_str(&format!("{}\n", vec!["1"; cols].join(",")).repeat(rows));
            table(&csv)
        };
        assert_eq!(sample_rows(&wide(3, 6000)).len(), 3000, "step 2 over 6,000 rows");
        assert_eq!(sample_rows(&wide(400, 5000)).len(), SAMPLE_ROWS);
        let t = wide(2000, 2000);
        let rows = sample_rows(&t);
        assert_eq!(rows.len(), 1000, "2,000,000 cells / 2,000 columns: every second row");
        assert!(rows.len() * t.n_cols() <= SAMPLE_CELLS);
        assert_eq!(sample_rows(&wide(20_000, 200)).len(), MIN_SAMPLE_ROWS, "the limit is never below MIN_SAMPLE_ROWS");
        assert_eq!(sample_rows(&wide(20_000, 450)).len(), 150, "step 3 over 450 rows");
    }

    #[test]
    fn a_customer_table_uses_at_most_max_feature_columns_and_says_so() {
        let n = MAX_FEATURE_COLUMNS + 50;
        let mut csv = String::from("customer_id");
        (0..n).for_each(|j| csv.push_str(&format!(",v{j}")));
        (0..30).for_each(|j| csv.push_str(&format!(",text{j}")));
        csv.push('\n');
        for r in 0..5 {
            csv.push_str(&format!("c{r}"));
            (0..n).for_each(|j| csv.push_str(&format!(",{}", (r * 7 + j) % 11 + 2)));
            (0..30).for_each(|_| csv.push_str(",x"));
            csv.push('\n');
        }
        let t = table(&csv);
        let mut m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::CustomerTable);
        assert_eq!(m.feature_columns, (1..=MAX_FEATURE_COLUMNS).collect::<Vec<_>>());
        let note = m.notes.iter().find(|n| n.contains("numeric columns found")).expect("a note").clone();
        assert!(note.starts_with("One row per customer: 250 numeric columns found; only the first 200 (\"v0\" to \"v199\") are used as features and the other 50 (\"v200\", \"v201\", \"v202\", \"v203\", \"v204\" and 45 more) are left out"), "{note}");
        assert!(note.contains("remove the columns you do not need from the file"), "{note}");
        let text = m.notes.iter().find(|n| n.contains("non-numeric")).expect("text columns listed");
        assert!(text.ends_with("\"text19\" and 10 more are not used as features."), "{text}");
        // The note survives a change of the mapping (it is re-derived).
        m.set(&t, Role::Account, Some(0));
        assert!(m.notes.contains(&note));
    }

    #[test]
    fn customer_table() {
        let t = table("customer_id,gender,age,income\n0001,Male,19,15\n0002,Female,21,15\n");
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::CustomerTable);
        assert_eq!(m.get(Role::Account), Some(0));
        assert_eq!(m.feature_columns, vec![2, 3]);
        assert!(m.notes.iter().any(|n| n.contains("gender")));
    }
}
