//! Extraction entry points: [`extract`] a whole table, or feed a
//! [`FeatureBuilder`] chunk by chunk as a file is parsed.

use super::accounts::{Accounts, Inputs, PartialAccounts};
use super::customers::CustomerRows;
use super::{FeatureError, FeatureTable};
use crate::ingest::roles::liquidity_true_is_taker;
use crate::ingest::{DataKind, Mapping, Role, Table};

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
    Customers(Box<CustomerRows>),
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
            DataKind::CustomerTable => Builder::Customers(Box::new(CustomerRows::new(headers, m)?)),
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
                    price: m.summable(Role::Price),
                    notional: m.summable(Role::Notional),
                    leverage: m.get(Role::Leverage),
                    fee: m.summable(Role::Fee),
                    pnl: m.summable(Role::Pnl),
                    liquidity: liq,
                    mixed_units: [Role::Notional, Role::Fee, Role::Pnl]
                        .into_iter()
                        .filter(|&r| m.get(r).is_some() && m.summable(r).is_none())
                        .collect(),
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

    /// Sets the most memory (bytes) a customer table's features may need
    /// ([`crate::ingest::limits::features_bytes`]); 0 means
    /// [`crate::ingest::limits::MAX_MEMORY_BYTES`]. Past it, rows are no
    /// longer added and [`FeatureBuilder::finish`] fails with
    /// [`FeatureError::TooLarge`]. Tests lower it.
    pub fn memory_limit(&mut self, bytes: u64) {
        if let Builder::Customers(c) = &mut self.inner {
            c.max_memory = bytes;
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
    /// Errors: [`FeatureError::NoUsableRows`] if every row was skipped (or
    /// none was pushed); [`FeatureError::TooLarge`] if a customer table's
    /// rows went past the memory limit ([`FeatureBuilder::memory_limit`]).
    pub fn finish(self) -> Result<FeatureTable, FeatureError> {
        match self.inner {
            Builder::Customers(c) => c.finish(),
            Builder::Accounts(a) => a.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::roles::MAX_FEATURE_COLUMNS;
    use crate::ingest::{detect_mapping, parse_bytes, IngestError};

    fn run(csv: &str) -> FeatureTable {
        let t = parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        extract(&t, &m).unwrap()
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
    fn accounts_whose_every_row_is_left_out_are_counted_in_one_read_and_two_parts() {
        // In the sample's trades: every row of one account with no readable
        // time, the first row of another, and one row without an id.
        let sample = crate::sample::generate(3, 200);
        let whole = run(&sample);
        // Two of the accounts with fewest trades and a row after the head: detection still maps the time.
        let counts = col(&whole, "trade_count");
        let mut by_count: Vec<usize> = (whole.ids.len() / 2..whole.ids.len()).collect();
        by_count.sort_by(|&a, &b| counts[a].total_cmp(&counts[b]));
        let two = by_count.iter().find(|&&a| counts[a] >= 2.0).copied().unwrap();
        let (gone, part) = (whole.ids[by_count[0]].clone(), whole.ids[two].clone());
        let mut first_of_part = true;
        let mut lines: Vec<String> = sample.lines().map(String::from).collect();
        for l in lines.iter_mut().skip(1) {
            let (id, rest) = l.split_once(',').unwrap();
            let (_, after) = rest.split_once(',').unwrap();
            if id == gone || (id == part && std::mem::take(&mut first_of_part)) {
                *l = format!("{id},not a time,{after}");
            }
        }
        lines[5] = format!(",{}", lines[5].split_once(',').unwrap().1);
        let csv = lines.join("\n") + "\n";
        let ft = run(&csv);
        assert_eq!((ft.ids.len(), ft.accounts_left_out), (whole.ids.len() - 1, 1), "{:?}", ft.skipped);
        assert!(!ft.ids.contains(&gone) && ft.ids.contains(&part));
        assert_eq!(ft.rows_used + ft.skipped.iter().map(|s| s.count).sum::<usize>(), lines.len() - 1);
        let t = parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        // Every cut: an account's rows left out in one part and used in the other, or all left out.
        for cut in (1..t.n_rows()).step_by(t.n_rows() / 40) {
            let (head, rest) = t.clone().split_at(cut);
            let mut first = FeatureBuilder::new(&t.headers, &m).unwrap();
            first.push(&head);
            let mut later = FeatureBuilder::new(&t.headers, &m).unwrap();
            later.push(&rest);
            if let Some(p) = later.into_partial() {
                assert!(first.merge(p, cut as u32 + 1));
            }
            assert_eq!(first.finish().unwrap().accounts_left_out, 1, "cut {cut}");
        }
        // A customer table keeps every row.
        let customers = run(&(0..30).fold("customer_id,spend\n".to_string(), |c, i| {
            c + &format!("c{i},{}\n", if i == 3 { "x".into() } else { i.to_string() })
        }));
        assert_eq!((customers.ids.len(), customers.accounts_left_out), (30, 0));
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
    fn a_customer_table_over_the_memory_limit_fails_instead_of_growing() {
        let csv: String = std::iter::once("id,x,y\n".to_string())
            .chain((0..100).map(|i| format!("c{i},{},1\n", i * 7 % 13)))
            .collect();
        let t = parse_bytes(csv.as_bytes()).unwrap().1;
        let m = detect_mapping(&t);
        let build = |limit: u64| {
            let mut b = FeatureBuilder::new(&t.headers, &m).unwrap();
            b.memory_limit(limit);
            b.push(&t);
            b.finish()
        };
        // 100 x (2 x 16 + 64) = 9,600 bytes.
        assert_eq!(build(9_600).unwrap().values.dim(), (100, 2));
        let e = build(9_599).unwrap_err();
        assert!(matches!(&e, FeatureError::TooLarge(IngestError::TooManyCells { rows: 100, columns: 2, .. })), "{e:?}");
        assert!(e.to_string().contains("keep fewer columns, or a sample of the rows (about 99 rows"), "{e}");
    }

    #[test]
    fn a_mapping_with_too_many_feature_columns_is_capped_with_a_note() {
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
    fn no_account_column_is_an_error() {
        let t = parse_bytes(b"time,side,qty,price\n1700000000,buy,1,2\n1700000100,sell,1,2\n").unwrap().1;
        let mut m = detect_mapping(&t);
        m.set_kind(&t, DataKind::Trades);
        let e = extract(&t, &m).unwrap_err();
        assert!(e.to_string().contains("No account column"), "{e}");
    }
}
