//! Detection: which column plays which role, and what kind of data the file
//! is, from header names and a sample of values.

use super::synonyms::{normalise, CONTAINS, SYNONYMS};
use super::{DataKind, Mapping, Role};
use crate::ingest::cells::{liquidity_true_is_taker, parse_liquidity, parse_side, side_is_boolean_buyer};
use crate::ingest::instrument;
use crate::ingest::number::{self, NumberFormat};
use crate::ingest::time::{self, TimeDetection};
use crate::ingest::{is_missing, parse_number, Table};

/// Per-column value statistics on a sample of rows.
struct ColumnStats {
    present: usize,
    numeric: usize,
    /// How the column writes numbers (decimal comma, thousands separators, units).
    format: NumberFormat,
    /// The units its numbers carry, with counts ([`number::units`]).
    units: Vec<(String, usize)>,
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
/// per column, so a file of 10,000 columns is mapped far sooner (figures:
/// BENCHMARKS.md). Files of up to 400 columns are sampled as before.
pub const SAMPLE_CELLS: usize = 2_000_000;

/// The per-column row limit never goes below this, however many columns the
/// file has: the value checks (90 % numbers, 80 % sides, ...) need a fair
/// sample. (With the fixed step of `sample_rows`, at least half of it is
/// looked at when the file has that many rows.)
pub const MIN_SAMPLE_ROWS: usize = 200;

/// The rows of `t` looked at per column: every `step`-th row from the first,
/// `step = ceil(n_rows / limit)`, so between half the limit and the limit
/// (all rows when there are no more than the limit). The limit is
/// [`SAMPLE_ROWS`], lowered for wide files to `SAMPLE_CELLS / n_cols` (at
/// most [`SAMPLE_CELLS`] cells in all) but not below [`MIN_SAMPLE_ROWS`].
pub(super) fn sample_rows(t: &Table) -> Vec<usize> {
    let n = t.n_rows();
    let per_column = (SAMPLE_CELLS / t.n_cols().max(1)).clamp(MIN_SAMPLE_ROWS, SAMPLE_ROWS);
    let step = n.div_ceil(per_column).max(1);
    (0..n).step_by(step).collect()
}

fn column_stats(t: &Table, c: usize, rows: &[usize]) -> ColumnStats {
    let format = number::detect(rows.iter().map(|&r| t.cell(r, c)).filter(|v| !is_missing(v)));
    let mut s = ColumnStats {
        present: 0,
        numeric: 0,
        format,
        units: number::units(format, rows.iter().map(|&r| t.cell(r, c))),
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
    let exact = SYNONYMS.iter().filter(|(r, _, names)| *r == role && names.contains(&norm)).map(|x| x.1).max();
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
        number_units: stats.iter().map(|s| s.units.clone()).collect(),
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
    // No id by name in a table that is not trades: a text column whose values
    // all differ and look like ids (`C10001`, `C10002`, ...) names the rows.
    if m.get(Role::Account).is_none() && !trade_like {
        if let Some(c) = (0..t.n_cols()).find(|&c| !used[c] && stats[c].numeric == 0 && looks_like_ids(t, c)) {
            m.cols[Role::Account as usize] = Some(c);
            used[c] = true;
            account_score = 60;
            m.detect_notes.push(format!(
                "Column \"{}\" is taken as the id: its values all differ and look like ids (letters, then digits). Choose another under \"Account id\" if that is wrong.",
                t.headers[c]
            ));
        }
    }
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

/// Roles only trade data has.
const TRADE_ROLES: [Role; 6] =
    [Role::Side, Role::Leverage, Role::Liquidity, Role::Pnl, Role::InstrumentType, Role::OptionType];

/// True if every value of column `c` is present, differs from the others,
/// and is an id-like code: a short run of letters (the same for all rows),
/// then at least two digits, e.g. `C10001`.
fn looks_like_ids(t: &Table, c: usize) -> bool {
    fn split(v: &str) -> Option<(&str, &str)> {
        let digits = v.find(|ch: char| ch.is_ascii_digit())?;
        let (prefix, rest) = v.split_at(digits);
        let ok = (1..=8).contains(&prefix.len())
            && prefix.chars().all(|ch| ch.is_ascii_alphabetic() || ch == '_' || ch == '-')
            && rest.len() >= 2
            && rest.bytes().all(|b| b.is_ascii_digit());
        ok.then_some((prefix, rest))
    }
    if t.n_rows() < 2 {
        return false;
    }
    let Some((prefix, _)) = split(t.cell(0, c)) else { return false };
    (0..t.n_rows()).all(|r| split(t.cell(r, c)).is_some_and(|(p, _)| p == prefix)) && all_unique(t, c)
}

fn all_unique(t: &Table, c: usize) -> bool {
    let mut seen = crate::hashing::HashSet::with_capacity_and_hasher(t.n_rows(), crate::hashing::state());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_column_is_found_by_its_values_as_well_as_its_name() {
        // The credit-card customer table's layout: CUST_ID values like C10001.
        let csv = "CUST_ID,BALANCE,PURCHASES\nC10001,40.9,95.4\nC10002,3202.5,0\nC10003,2495.1,773.2\n";
        let t = crate::ingest::parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        assert_eq!((m.kind, m.get(Role::Account)), (DataKind::CustomerTable, Some(0)));
        // By value alone, under a name nobody lists.
        let csv = "ref,BALANCE,PURCHASES\nK001,40.9,95.4\nK002,3202.5,0\nK003,2495.1,773.2\n";
        let t = crate::ingest::parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        assert_eq!((m.kind, m.get(Role::Account)), (DataKind::CustomerTable, Some(0)));
        assert!(
            m.detect_notes.iter().any(|n| n.starts_with("Column \"ref\" is taken as the id")),
            "{:?}",
            m.detect_notes
        );
        // Repeated or mixed-prefix codes are not ids.
        let csv = "grade,BALANCE\nA10,1\nA10,2\nB11,3\n";
        let t = crate::ingest::parse_bytes(csv.as_bytes()).unwrap().1;
        assert_eq!(detect_mapping(&t).get(Role::Account), None);
    }

    /// The column of each role, in order.
    fn columns_of(m: &Mapping, roles: &[Role]) -> Vec<Option<usize>> {
        roles.iter().map(|&r| m.get(r)).collect()
    }

    fn table(csv: &str) -> Table {
        crate::ingest::parse_bytes(csv.as_bytes()).unwrap().1
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
        assert_eq!(m.get(Role::Pnl), Some(8));
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
    fn customer_table() {
        let t = table("customer_id,gender,age,income\n0001,Male,19,15\n0002,Female,21,15\n");
        let m = detect_mapping(&t);
        assert_eq!(m.kind, DataKind::CustomerTable);
        assert_eq!(m.get(Role::Account), Some(0));
        assert_eq!(m.feature_columns, vec![2, 3]);
        assert!(m.notes.iter().any(|n| n.contains("gender")));
    }
}
