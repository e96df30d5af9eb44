//! Trades and transactions aggregated per account, row by row: running
//! totals ([`Agg`]), the per-account lists, the merge of a part read by
//! another worker ([`PartialAccounts`]), and the end of the read, which
//! evaluates the [`catalog`](super::catalog) on each account's totals.

use super::catalog::{FeatureKey, FeatureSpec, Offer, Totals};
use super::exposure::{AccountRisk, RiskInputs};
use super::flags::{self, Fill};
use super::interner::Interner;
use super::lists::{grouped_order, ByAccount, DistinctByAccount};
use super::skips::{SkippedRows, Skips};
use super::{count_of, FeatureDef, FeatureError, FeatureTable, PROGRESS_EVERY_ROWS};
use crate::ingest::instrument::{self, InstrumentType, OptionKind};
use crate::ingest::number::NumberFormat;
use crate::ingest::roles::{parse_liquidity, parse_side, side_is_boolean_buyer};
use crate::ingest::time::{self, TimeFormat, MS_PER_DAY};
use crate::ingest::{is_missing, DataKind, Role, Table};
use crate::stats::median_in_place;
use ndarray::Array2;

/// Running per-account aggregates: sums, counts and extremes. What needs
/// every value (the median notional, distinct days, instruments and
/// orders) is kept in [`Accounts`]' [`ByAccount`] lists instead, so that an
/// account holds no heap memory of its own.
#[derive(Default, Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Agg {
    pub(super) n: usize,
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) notional: f64,
    pub(super) lev_sum: f64,
    pub(super) lev_n: usize,
    pub(super) lev_max: f64,
    /// Sum of leverage x notional, and of notional, over the fills that can
    /// be liquidated (perpetuals, futures, unknown type) with a leverage value.
    pub(super) lev_weighted: f64,
    pub(super) lev_weight: f64,
    pub(super) by_type: [f64; 4],
    pub(super) typed: f64,
    pub(super) put: f64,
    pub(super) call: f64,
    pub(super) buy: f64,
    pub(super) sell: f64,
    pub(super) sided: f64,
    pub(super) maker: usize,
    pub(super) liq_n: usize,
    pub(super) fees: f64,
    pub(super) pnl: f64,
    pub(super) wins: usize,
    pub(super) pnl_n: usize,
    /// Instrument ids below 64, one bit each (higher ids are in `Accounts::more_instruments`).
    pub(super) instrument_bits: u64,
    /// The order id of the account's last row that added one
    /// (`u32::MAX`: none): a run of one order's rows adds it once. Not
    /// updated by a merge (only a hint: repeats are removed at the end).
    pub(super) last_order: u32,
    pub(super) purchases: f64,
    pub(super) returns: f64,
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
        self.lev_weighted += b.lev_weighted;
        self.lev_weight += b.lev_weight;
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

/// One account's risk inputs from its aggregates and red-flag evidence.
fn account_risk(a: &Agg, flags: flags::FlagEvidence, inputs: &RiskInputs) -> AccountRisk {
    let ratio = |x: f64, w: f64| if w > 0.0 { x / w } else { f64::NAN };
    AccountRisk {
        notional: a.notional,
        perpetual: a.by_type[InstrumentType::Perpetual as usize],
        future: a.by_type[InstrumentType::Future as usize],
        option: a.by_type[InstrumentType::Option as usize],
        leverage: ratio(a.lev_weighted, a.lev_weight),
        leveraged_notional: a.lev_weight,
        bias: ratio(a.buy - a.sell, a.sided),
        pnl: if inputs.has_pnl { a.pnl } else { f64::NAN },
        flags,
    }
}

/// Which optional inputs are present, resolved once.
pub(super) struct Inputs {
    /// Number format of every column.
    pub(super) formats: Vec<NumberFormat>,
    pub(super) account: usize,
    pub(super) time: Option<(usize, TimeFormat)>,
    pub(super) order: Option<usize>,
    pub(super) instrument: Option<usize>,
    pub(super) inst_type: Option<usize>,
    pub(super) option_type: Option<usize>,
    pub(super) side: Option<usize>,
    pub(super) quantity: Option<usize>,
    pub(super) price: Option<usize>,
    pub(super) notional: Option<usize>,
    pub(super) leverage: Option<usize>,
    pub(super) fee: Option<usize>,
    pub(super) pnl: Option<usize>,
    pub(super) liquidity: Option<(usize, bool)>,
    /// Roles whose column is mapped but left out because it mixes units
    /// ([`crate::ingest::Mapping::summable`]).
    pub(super) mixed_units: Vec<Role>,
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
    fills: ByAccount<Fill>,
    days: DistinctByAccount<i64>,
    more_instruments: DistinctByAccount<u32>,
    orders: DistinctByAccount<u32>,
    skips: Vec<SkippedRows>,
    ignored: Vec<SkippedRows>,
    /// Ids of rows left out whose account had no usable row in the part.
    unused_ids: Vec<String>,
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
pub(super) struct Accounts {
    inp: Inputs,
    kind: DataKind,
    skips: Skips,
    ignored: Skips,
    /// Account ids of rows left out (no readable time, a required number
    /// unreadable) that had no usable row when they were met; those that
    /// never get one are the accounts left out ([`FeatureTable::accounts_left_out`]).
    unused_ids: crate::hashing::HashSet<String>,
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
    /// Every timed fill of a trades file, for the red flags ([`flags`]);
    /// a merged part's own list is kept beside it as it came (remapped in
    /// place), so that merging allocates no second copy of either.
    fills: ByAccount<Fill>,
    merged_fills: Vec<ByAccount<Fill>>,
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
    pub(super) fn new(headers: &[String], inp: Inputs, kind: DataKind) -> Self {
        Accounts {
            has_notional: inp.notional.is_some() || (inp.quantity.is_some() && inp.price.is_some()),
            boolean_buyer: inp.side.is_some_and(|c| side_is_boolean_buyer(&headers[c])),
            inp,
            kind,
            skips: Skips::default(),
            ignored: Skips::default(),
            unused_ids: crate::hashing::HashSet::with_hasher(crate::hashing::state()),
            negative_amounts: false,
            index: Interner::default(),
            ids: Vec::new(),
            aggs: Vec::new(),
            interned: Interner::default(),
            names: Vec::new(),
            order_ids: Interner::default(),
            notionals: ByAccount::default(),
            fills: ByAccount::default(),
            merged_fills: Vec::new(),
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

    pub(super) fn push(&mut self, t: &Table, progress: &mut dyn FnMut(usize, usize)) {
        for r in 0..t.n_rows() {
            if r % PROGRESS_EVERY_ROWS == 0 {
                progress(r, t.n_rows());
            }
            if !self.row(t, r) {
                // A row with an id left out: its account may have no usable row.
                let id = t.cell(r, self.inp.account);
                if !is_missing(id) && self.index.get(id).is_none() && !self.unused_ids.contains(id) {
                    self.unused_ids.insert(id.to_string());
                }
            }
        }
    }

    /// Adds row `r` of `t`; `false` if it was left out (and counted in `skips`).
    fn row(&mut self, t: &Table, r: usize) -> bool {
        let inp = &self.inp;
        let kind = self.kind;
        let (skips, ignored) = (&mut self.skips, &mut self.ignored);
        let rec = t.record_no(r);
        let id = t.cell(r, inp.account);
        if is_missing(id) {
            skips.add(format!("no {}", t.headers[inp.account]), rec);
            return false;
        }
        let ts = match inp.time {
            Some((c, f)) => match time::parse(f, t.cell(r, c)) {
                Some(x) => Some(x),
                None => {
                    skips.add(format!("\"{}\" not a readable time", t.headers[c]), rec);
                    return false;
                }
            },
            None => None,
        };
        let qp_required = self.has_notional && inp.notional.is_none();
        let Ok(qty) = num(t, &inp.formats, r, inp.quantity, qp_required, skips, ignored) else { return false };
        let Ok(price) = num(t, &inp.formats, r, inp.price, qp_required, skips, ignored) else { return false };
        let Ok(ntl_col) = num(t, &inp.formats, r, inp.notional, true, skips, ignored) else { return false };
        let Ok(lev) = num(t, &inp.formats, r, inp.leverage, false, skips, ignored) else { return false };
        let Ok(fee) = num(t, &inp.formats, r, inp.fee, false, skips, ignored) else { return false };
        let Ok(pnl) = num(t, &inp.formats, r, inp.pnl, false, skips, ignored) else { return false };
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
        // What the leverage and red-flag sums below need from the instrument and side blocks.
        let (mut row_type, mut row_instrument) = (None, u32::MAX);
        if let Some(c) = inp.instrument {
            let name = t.cell(r, c);
            let (id, new) = self.interned.id(name);
            if new {
                self.names.push(NameInfo::default());
            }
            row_instrument = id;
            add_instrument(a, &mut self.more_instruments, i, id);
            if kind == DataKind::Trades {
                let given = inp.inst_type.and_then(|tc| instrument::parse_type(t.cell(r, tc)));
                let info = &mut self.names[id as usize];
                // instrument::infer once per distinct name, not per row (it allocates; names repeat).
                let inferred = *info.inferred.get_or_insert_with(|| instrument::infer(name));
                info.type_inferred |= given.is_none();
                let ty = given.or(inferred.map(|x| x.0));
                row_type = ty;
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
            let row_side = match side {
                Some(1) => 1,
                Some(_) => -1,
                None => 0,
            };
            // Leverage that a price move can liquidate: not spot, not options.
            if let (Some(l), None | Some(InstrumentType::Perpetual | InstrumentType::Future)) = (lev, row_type) {
                a.lev_weighted += l * weight;
                a.lev_weight += weight;
            }
            if let (Some(ts), true) = (ts, inp.time.is_some_and(|(_, f)| f.is_time())) {
                let quantity = qty.map_or(f32::NAN, |q| q.abs() as f32);
                let notional = notional.map_or(f32::NAN, |n| n as f32);
                self.fills.push(i, Fill { t: ts, instrument: row_instrument, side: row_side, quantity, notional });
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
        true
    }

    pub(super) fn into_partial(mut self) -> PartialAccounts {
        // A part is one list (parts merged here, if any, join it: their accounts are already this one's).
        let identity: Vec<u32> = (0..self.ids.len() as u32).collect();
        for part in std::mem::take(&mut self.merged_fills) {
            self.fills.append(part, &identity, |f| f);
        }
        PartialAccounts {
            names: self.interned.strings().into_iter().zip(self.names.iter().map(|n| n.type_inferred)).collect(),
            order_names: self.order_ids.strings(),
            ids: self.ids,
            aggs: self.aggs,
            notionals: self.notionals,
            fills: self.fills,
            days: self.days,
            more_instruments: self.more_instruments,
            orders: self.orders,
            skips: self.skips.0,
            ignored: self.ignored.0,
            unused_ids: self.unused_ids.into_iter().filter(|id| self.index.get(id).is_none()).collect(),
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

    pub(super) fn merge(&mut self, p: PartialAccounts, record_offset: u32) {
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
        let mut part = p.fills;
        part.account.iter_mut().for_each(|a| *a = accounts[*a as usize]);
        for f in &mut part.value {
            f.instrument = names.get(f.instrument as usize).copied().unwrap_or(u32::MAX);
        }
        self.merged_fills.push(part);
        self.days.append(p.days, &accounts, |x| x, &later_days);
        self.orders.append(p.orders, &accounts, |o| orders[o as usize], &vec![false; accounts.len()]);
        self.skips.merge(p.skips, record_offset);
        self.ignored.merge(p.ignored, record_offset);
        self.unused_ids.extend(p.unused_ids);
        self.negative_amounts |= p.negative_amounts;
        self.t_max = self.t_max.max(p.t_max);
        self.type_seen.iter_mut().zip(p.type_seen).for_each(|(x, y)| *x |= y);
        self.option_kinds_seen |= p.option_kinds_seen;
        self.untyped_rows += p.untyped_rows;
        self.rows_used += p.rows_used;
        self.returns_rows += p.returns_rows;
        self.unsided += p.unsided;
    }

    pub(super) fn finish(self) -> Result<FeatureTable, FeatureError> {
        let Accounts {
            inp,
            kind,
            skips,
            ignored,
            unused_ids,
            index,
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
            fills,
            merged_fills,
            days,
            more_instruments,
            orders,
            ..
        } = self;
        if ids.is_empty() {
            return Err(FeatureError::NoUsableRows { skipped: skips.0 });
        }
        // Accounts whose every row was left out (an id met in a row left out, never in a row used).
        let accounts_left_out = unused_ids.iter().filter(|id| index.get(id).is_none()).count();
        drop(unused_ids);
        let n = ids.len();
        let active_days = days.counts(n);
        let more_instruments = more_instruments.counts(n);
        let distinct_orders = orders.counts(n);
        let (starts, mut notionals) = notionals.grouped(n);
        let median_notional: Vec<f64> =
            (0..n).map(|a| median_in_place(&mut notionals[starts[a]..starts[a + 1]])).collect();
        drop(notionals);

        let has_role = |r: Role| match r {
            Role::Account => true,
            Role::Timestamp => inp.time.is_some(),
            Role::Order => inp.order.is_some(),
            Role::Instrument => inp.instrument.is_some(),
            Role::InstrumentType => inp.inst_type.is_some(),
            Role::OptionType => inp.option_type.is_some(),
            Role::Side => inp.side.is_some(),
            Role::Quantity => inp.quantity.is_some(),
            Role::Price => inp.price.is_some(),
            Role::Notional => inp.notional.is_some(),
            Role::Leverage => inp.leverage.is_some(),
            Role::Fee => inp.fee.is_some(),
            Role::Pnl => inp.pnl.is_some(),
            Role::Liquidity => inp.liquidity.is_some(),
        };
        let offer = Offer {
            kind,
            has_role: &has_role,
            mixed_units: &inp.mixed_units,
            real_time: inp.time.is_some_and(|(_, f)| f.is_time()),
            block_clock: inp.time.is_some_and(|(_, f)| !f.is_time()),
            has_notional,
            type_seen,
            option_kinds_seen,
            signed_quantity: inp.side.is_none() && negative_amounts,
        };
        let specs: Vec<&FeatureSpec> = offer.features().collect();
        let not_computed = offer.not_computed();
        let computes = |k: FeatureKey| specs.iter().any(|s| s.key == k);

        let mut notes = Vec::new();
        if returns_rows > 0 {
            notes.push(format!(
            "{returns_rows} rows with a negative amount were read as returns/cancellations: they reduce monetary value and count in return_share, not as purchases."
        ));
        }
        if kind == DataKind::Trades && inp.instrument.is_some() && type_seen.iter().any(|&s| s) {
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
        }
        if computes(FeatureKey::LongShortBias) && unsided > 0 {
            notes.push(format!("{unsided} fills have no readable side; they are left out of long_short_bias."));
        }

        // Every feature is a function of one account's totals, evaluated in
        // one pass over the accounts (a pass per feature would read each
        // account's aggregates once per feature).
        let d = specs.len();
        let mut values = Vec::with_capacity(ids.len() * d);
        for (i, agg) in aggs.iter().enumerate() {
            let a = Totals {
                agg,
                active_days: active_days[i],
                median_notional: median_notional[i],
                distinct_instruments: agg.instrument_bits.count_ones() as usize + more_instruments[i],
                distinct_orders: distinct_orders[i],
                t_max,
                has_order: inp.order.is_some(),
            };
            values.extend(specs.iter().map(|s| (s.value)(&a)));
        }
        let values = Array2::from_shape_vec((ids.len(), d), values)
            .map_err(|e| FeatureError::NoFeatures { why: format!("internal error building the matrix: {e}") })?;
        let risk = (kind == DataKind::Trades).then(|| {
            let real_time = inp.time.is_some_and(|(_, f)| f.is_time());
            let inputs = RiskInputs {
                rows: Vec::new(),
                has_leverage: inp.leverage.is_some(),
                has_pnl: inp.pnl.is_some(),
                has_time: real_time,
                has_round_trips: real_time && inp.side.is_some() && inp.quantity.is_some() && inp.instrument.is_some(),
            };
            // Each account's fills gathered in turn into one small buffer: no second copy of the list.
            let lists: Vec<&ByAccount<Fill>> = std::iter::once(&fills).chain(&merged_fills).collect();
            let (starts, order) = grouped_order(&lists, n);
            // Index j of the concatenation: the first list's, then each merged part's.
            let ends: Vec<usize> = lists
                .iter()
                .scan(0, |end, l| {
                    *end += l.value.len();
                    Some(*end)
                })
                .collect();
            let fill = |j: usize| {
                let k = ends.partition_point(|&e| e <= j);
                lists[k].value[j - if k == 0 { 0 } else { ends[k - 1] }]
            };
            let mut mine: Vec<Fill> = Vec::new();
            let rows = aggs
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    mine.clear();
                    mine.extend(order[starts[i]..starts[i + 1]].iter().map(|&j| fill(j as usize)));
                    account_risk(a, flags::evidence(&mut mine, inputs.has_round_trips), &inputs)
                })
                .collect();
            RiskInputs { rows, ..inputs }
        });
        Ok(FeatureTable {
            risk,
            ids,
            defs: specs.iter().map(|s| FeatureDef::of(s, offer.formula(s))).collect(),
            values,
            not_computed,
            rows_used,
            skipped: skips.0,
            ignored_cells: ignored.0,
            accounts_left_out,
            notes,
        })
    }
}
