//! The feature catalogue: every feature segscope computes for trades and
//! transactions, in one declarative table ([`CATALOG`]).
//!
//! Each entry gives a feature's key ([`FeatureKey`]), its export column
//! name, unit, formula, what it needs from the file ([`Need`]) and how it
//! is computed from one account's totals. The feature stage computes, in
//! catalogue order, every entry whose needs the file meets; the README's
//! feature table is [`markdown_table`] (a test keeps the two equal); the
//! segment flags look features up by key. Adding a feature is one entry
//! here (plus, if it needs a new running total, a field in the account's
//! aggregates).
//!
//! Customer tables have no catalogue: their numeric columns are their
//! features, as given.

use super::accounts::Agg;
use crate::ingest::instrument::InstrumentType;
use crate::ingest::time::MS_PER_DAY;
use crate::ingest::{DataKind, Role};
use serde::{Deserialize, Serialize};

/// A catalogue feature. Two keys can share an export name where the
/// formula depends on the file ([`FeatureKey::FrequencyOrders`] and
/// [`FeatureKey::FrequencyRows`] are both `frequency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureKey {
    TradeCount,
    FrequencyOrders,
    FrequencyRows,
    RecencyDays,
    TenureDays,
    ActiveDays,
    TradesPerActiveDay,
    RecencyBlocks,
    TenureBlocks,
    Monetary,
    MeanBasket,
    ReturnShare,
    TotalNotional,
    MedianNotional,
    MeanLeverage,
    MaxLeverage,
    SpotShare,
    PerpetualShare,
    FutureShare,
    OptionShare,
    PutShare,
    LongShortBias,
    MakerShare,
    TotalFees,
    RealizedPnl,
    WinRate,
    DistinctInstruments,
    DistinctProducts,
}

/// What a feature needs from the file, beyond an account column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// The column of this role is mapped.
    Role(Role),
    /// No column of this role is mapped.
    NoRole(Role),
    /// A timestamp column read as a time (not a block number).
    Time,
    /// A timestamp column read as a block number.
    Blocks,
    /// A notional column, or quantity and price.
    Notional,
    /// Fills of this instrument type were found (from a type column or the names).
    Type(InstrumentType),
    /// Some option's call/put is known.
    OptionKinds,
    /// A side column, or a quantity or notional with negative values.
    Side,
}

impl Need {
    /// How the README's table says it.
    fn text(self) -> String {
        match self {
            Need::Role(r) => r.label().into(),
            Need::NoRole(r) => format!("no {}", r.label()),
            Need::Time => "timestamp".into(),
            Need::Blocks => "block number".into(),
            Need::Notional => "notional, or quantity and price".into(),
            Need::Type(t) => format!("instrument ({} fills)", t.key()),
            Need::OptionKinds => "options with call/put known".into(),
            Need::Side => "side, or a signed quantity".into(),
        }
    }
}

/// One account's totals: its running aggregates and what the end of the
/// read computed from the per-account lists. Every feature is a function
/// of it.
pub struct Totals<'a> {
    pub(super) agg: &'a Agg,
    pub(super) active_days: usize,
    pub(super) median_notional: f64,
    pub(super) distinct_instruments: usize,
    pub(super) distinct_orders: usize,
    /// The file's last time (or block): recency counts back from it.
    pub(super) t_max: i64,
    /// An order id column is mapped (transactions: frequency counts orders).
    pub(super) has_order: bool,
}

impl std::ops::Deref for Totals<'_> {
    type Target = Agg;
    fn deref(&self) -> &Agg {
        self.agg
    }
}

/// What a feature is for in a segmentation. Segments are defined by
/// behaviour (how often, how large, which instruments, how much risk: the
/// traits an exchange sets offerings and margin by) and described by
/// outcomes. Realized PnL and win rate are mostly luck over a short window,
/// and fees are notional times a fee rate that maker share already
/// explains: in the distance they split real groups and merge different
/// ones, so they describe segments instead of defining them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureRole {
    /// Used for clustering by default.
    Behaviour,
    /// Computed, profiled, exported and shown, but not in the distance by default.
    Descriptor,
}

/// A group of features that measure the same side of behaviour (the
/// feature picker groups by it; balancing weights each family equally).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Family {
    /// How often and how recently: counts, days, recency, tenure.
    Activity,
    /// How large: notional, monetary value, basket.
    Size,
    /// Which instruments: type shares, put share, distinct instruments.
    Instruments,
    /// How much risk: leverage, directional bias, returns.
    Risk,
    /// Providing or taking liquidity: maker share.
    Liquidity,
    /// What came of it: PnL, win rate, fees.
    Outcomes,
}

impl Family {
    /// Every family, in the picker's order.
    pub const ALL: [Family; 6] =
        [Family::Activity, Family::Size, Family::Instruments, Family::Risk, Family::Liquidity, Family::Outcomes];

    /// Lower-case name, as the page and the README write it.
    pub fn label(self) -> &'static str {
        match self {
            Family::Activity => "activity",
            Family::Size => "size",
            Family::Instruments => "instruments",
            Family::Risk => "risk",
            Family::Liquidity => "liquidity",
            Family::Outcomes => "outcomes",
        }
    }
}

/// One catalogue entry.
pub struct FeatureSpec {
    pub key: FeatureKey,
    /// The side of behaviour it measures.
    pub family: Family,
    /// Whether it defines segments by default or only describes them.
    pub role: FeatureRole,
    /// Export column name, snake_case.
    pub name: &'static str,
    /// Data kinds it is computed for.
    pub kinds: &'static [DataKind],
    /// Unit of the raw value.
    pub unit: &'static str,
    /// Formula, one sentence. `{notional}` stands for where notional comes
    /// from (the notional column or |quantity x price|), `{basis}` for
    /// notional or fill count, `{side}` for where the side comes from.
    pub formula: &'static str,
    /// What the file must have for it to be computed (besides an account).
    pub needs: &'static [Need],
    /// Its value for one account.
    pub value: fn(&Totals) -> f64,
}

const TRADES: &[DataKind] = &[DataKind::Trades];
const TX: &[DataKind] = &[DataKind::Transactions];
const BOTH: &[DataKind] = &[DataKind::Trades, DataKind::Transactions];

fn days(ms: i64) -> f64 {
    ms as f64 / MS_PER_DAY
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        f64::NAN
    }
}

fn type_share(a: &Totals, t: InstrumentType) -> f64 {
    ratio(a.by_type[t as usize], a.typed)
}

/// Every feature, in the order of the feature table's columns.
pub const CATALOG: &[FeatureSpec] = &[
    FeatureSpec {
        key: FeatureKey::TradeCount,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "trade_count",
        kinds: TRADES,
        unit: "fills",
        formula: "number of trade rows (fills) of the account (needs account)",
        needs: &[],
        value: |a| a.n as f64,
    },
    FeatureSpec {
        key: FeatureKey::FrequencyOrders,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "frequency",
        kinds: TX,
        unit: "orders",
        formula: "F of RFM: distinct order/invoice ids with a purchase (needs account, order id)",
        needs: &[Need::Role(Role::Order)],
        value: |a| a.distinct_orders as f64,
    },
    FeatureSpec {
        key: FeatureKey::FrequencyRows,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "frequency",
        kinds: TX,
        unit: "transactions",
        formula: "F of RFM: number of transaction rows (needs account)",
        needs: &[Need::NoRole(Role::Order)],
        value: |a| a.n as f64,
    },
    FeatureSpec {
        key: FeatureKey::RecencyDays,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "recency_days",
        kinds: BOTH,
        unit: "days",
        formula: "R of RFM: (last time in the file - account's last time) / 1 day (needs timestamp)",
        needs: &[Need::Time],
        value: |a| days(a.t_max - a.last),
    },
    FeatureSpec {
        key: FeatureKey::TenureDays,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "tenure_days",
        kinds: BOTH,
        unit: "days",
        formula: "(account's last time - first time) / 1 day (needs timestamp)",
        needs: &[Need::Time],
        value: |a| days(a.last - a.first),
    },
    FeatureSpec {
        key: FeatureKey::ActiveDays,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "active_days",
        kinds: BOTH,
        unit: "days",
        formula: "distinct UTC calendar days with activity (needs timestamp)",
        needs: &[Need::Time],
        value: |a| a.active_days as f64,
    },
    FeatureSpec {
        key: FeatureKey::TradesPerActiveDay,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "trades_per_active_day",
        kinds: TRADES,
        unit: "fills/day",
        formula: "trade_count / active_days (needs timestamp)",
        needs: &[Need::Time],
        value: |a| a.n as f64 / a.active_days.max(1) as f64,
    },
    FeatureSpec {
        key: FeatureKey::RecencyBlocks,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "recency_blocks",
        kinds: BOTH,
        unit: "blocks",
        formula: "(last block in the file - account's last block) (needs block number)",
        needs: &[Need::Blocks],
        value: |a| (a.t_max - a.last) as f64,
    },
    FeatureSpec {
        key: FeatureKey::TenureBlocks,
        family: Family::Activity,
        role: FeatureRole::Behaviour,
        name: "tenure_blocks",
        kinds: BOTH,
        unit: "blocks",
        formula: "(account's last block - first block) (needs block number)",
        needs: &[Need::Blocks],
        value: |a| (a.last - a.first) as f64,
    },
    FeatureSpec {
        key: FeatureKey::Monetary,
        family: Family::Size,
        role: FeatureRole::Behaviour,
        name: "monetary",
        kinds: TX,
        unit: "currency",
        formula: "M of RFM: sum of line amounts ({notional}), returns subtracted (needs quantity and price, or amount)",
        needs: &[Need::Notional],
        value: |a| a.notional,
    },
    FeatureSpec {
        key: FeatureKey::MeanBasket,
        family: Family::Size,
        role: FeatureRole::Behaviour,
        name: "mean_basket",
        kinds: TX,
        unit: "currency",
        formula: "monetary / frequency",
        needs: &[Need::Notional],
        value: |a| a.notional / (if a.has_order { a.distinct_orders } else { a.n }).max(1) as f64,
    },
    FeatureSpec {
        key: FeatureKey::ReturnShare,
        family: Family::Risk,
        role: FeatureRole::Behaviour,
        name: "return_share",
        kinds: TX,
        unit: "share 0-1",
        formula: "value of returned/cancelled lines (negative quantity or amount) / value of purchases",
        needs: &[Need::Notional],
        value: |a| {
            if a.purchases > 0.0 {
                a.returns / a.purchases
            } else if a.returns > 0.0 {
                1.0
            } else {
                0.0
            }
        },
    },
    FeatureSpec {
        key: FeatureKey::TotalNotional,
        family: Family::Size,
        role: FeatureRole::Behaviour,
        name: "total_notional",
        kinds: TRADES,
        unit: "quote currency",
        formula: "sum of trade notional ({notional})",
        needs: &[Need::Notional],
        value: |a| a.notional,
    },
    FeatureSpec {
        key: FeatureKey::MedianNotional,
        family: Family::Size,
        role: FeatureRole::Behaviour,
        name: "median_notional",
        kinds: TRADES,
        unit: "quote currency",
        formula: "median trade notional ({notional})",
        needs: &[Need::Notional],
        value: |a| a.median_notional,
    },
    FeatureSpec {
        key: FeatureKey::MeanLeverage,
        family: Family::Risk,
        role: FeatureRole::Behaviour,
        name: "mean_leverage",
        kinds: TRADES,
        unit: "x",
        formula: "mean of the leverage column over fills that state it (needs leverage)",
        needs: &[Need::Role(Role::Leverage)],
        value: |a| ratio(a.lev_sum, a.lev_n as f64),
    },
    FeatureSpec {
        key: FeatureKey::MaxLeverage,
        family: Family::Risk,
        role: FeatureRole::Behaviour,
        name: "max_leverage",
        kinds: TRADES,
        unit: "x",
        formula: "max of the leverage column (needs leverage)",
        needs: &[Need::Role(Role::Leverage)],
        value: |a| if a.lev_n > 0 { a.lev_max } else { f64::NAN },
    },
    FeatureSpec {
        key: FeatureKey::SpotShare,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "spot_share",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "spot {basis} / {basis} of fills with a known type (needs instrument, type given or inferred from the name)",
        needs: &[Need::Type(InstrumentType::Spot)],
        value: |a| type_share(a, InstrumentType::Spot),
    },
    FeatureSpec {
        key: FeatureKey::PerpetualShare,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "perpetual_share",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "perpetual {basis} / {basis} of fills with a known type (needs instrument, type given or inferred from the name)",
        needs: &[Need::Type(InstrumentType::Perpetual)],
        value: |a| type_share(a, InstrumentType::Perpetual),
    },
    FeatureSpec {
        key: FeatureKey::FutureShare,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "future_share",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "future {basis} / {basis} of fills with a known type (needs instrument, type given or inferred from the name)",
        needs: &[Need::Type(InstrumentType::Future)],
        value: |a| type_share(a, InstrumentType::Future),
    },
    FeatureSpec {
        key: FeatureKey::OptionShare,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "option_share",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "option {basis} / {basis} of fills with a known type (needs instrument, type given or inferred from the name)",
        needs: &[Need::Type(InstrumentType::Option)],
        value: |a| type_share(a, InstrumentType::Option),
    },
    FeatureSpec {
        key: FeatureKey::PutShare,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "put_share",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "put option notional / option notional (needs options with a known call/put)",
        needs: &[Need::OptionKinds],
        value: |a| ratio(a.put, a.put + a.call),
    },
    FeatureSpec {
        key: FeatureKey::LongShortBias,
        family: Family::Risk,
        role: FeatureRole::Behaviour,
        name: "long_short_bias",
        kinds: TRADES,
        unit: "-1..1",
        formula: "(buy {basis} - sell {basis}) / total {basis}, side from the {side}",
        needs: &[Need::Side],
        value: |a| ratio(a.buy - a.sell, a.sided),
    },
    FeatureSpec {
        key: FeatureKey::MakerShare,
        family: Family::Liquidity,
        role: FeatureRole::Behaviour,
        name: "maker_share",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "maker fills / fills with a known maker/taker flag (needs maker/taker)",
        needs: &[Need::Role(Role::Liquidity)],
        value: |a| ratio(a.maker as f64, a.liq_n as f64),
    },
    FeatureSpec {
        key: FeatureKey::TotalFees,
        family: Family::Outcomes,
        role: FeatureRole::Descriptor,
        name: "total_fees",
        kinds: TRADES,
        unit: "fee currency",
        formula: "sum of the fee column (rebates negative) (needs fee)",
        needs: &[Need::Role(Role::Fee)],
        value: |a| a.fees,
    },
    FeatureSpec {
        key: FeatureKey::RealizedPnl,
        family: Family::Outcomes,
        role: FeatureRole::Descriptor,
        name: "realized_pnl",
        kinds: TRADES,
        unit: "quote currency",
        formula: "sum of realized PnL (needs realized PnL)",
        needs: &[Need::Role(Role::Pnl)],
        value: |a| a.pnl,
    },
    FeatureSpec {
        key: FeatureKey::WinRate,
        family: Family::Outcomes,
        role: FeatureRole::Descriptor,
        name: "win_rate",
        kinds: TRADES,
        unit: "share 0-1",
        formula: "fills with PnL > 0 / fills with PnL != 0 (needs realized PnL)",
        needs: &[Need::Role(Role::Pnl)],
        value: |a| ratio(a.wins as f64, a.pnl_n as f64),
    },
    FeatureSpec {
        key: FeatureKey::DistinctInstruments,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "distinct_instruments",
        kinds: TRADES,
        unit: "count",
        formula: "number of distinct instrument/product codes (needs instrument)",
        needs: &[Need::Role(Role::Instrument)],
        value: |a| a.distinct_instruments as f64,
    },
    FeatureSpec {
        key: FeatureKey::DistinctProducts,
        family: Family::Instruments,
        role: FeatureRole::Behaviour,
        name: "distinct_products",
        kinds: TX,
        unit: "count",
        formula: "number of distinct instrument/product codes (needs instrument)",
        needs: &[Need::Role(Role::Instrument)],
        value: |a| a.distinct_instruments as f64,
    },
];

impl FeatureKey {
    /// This key's catalogue entry.
    pub fn spec(self) -> &'static FeatureSpec {
        CATALOG.iter().find(|s| s.key == self).expect("every key has a catalogue entry")
    }

    /// Export column name (e.g. `total_notional`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// What a file offers the catalogue: which [`Need`]s it meets, and the
/// words that fill a formula's placeholders.
pub(super) struct Offer<'a> {
    pub kind: DataKind,
    pub has_role: &'a dyn Fn(Role) -> bool,
    /// Mapped roles left out because their column mixes units.
    pub mixed_units: &'a [Role],
    pub real_time: bool,
    pub block_clock: bool,
    pub has_notional: bool,
    pub type_seen: [bool; 4],
    pub option_kinds_seen: bool,
    /// No side column, but some quantities or notionals are negative.
    pub signed_quantity: bool,
}

impl Offer<'_> {
    fn meets(&self, n: Need) -> bool {
        match n {
            Need::Role(r) => (self.has_role)(r),
            Need::NoRole(r) => !(self.has_role)(r),
            Need::Time => self.real_time,
            Need::Blocks => self.block_clock,
            Need::Notional => self.has_notional,
            // Instrument shares need an instrument column and some type read.
            Need::Type(t) => (self.has_role)(Role::Instrument) && self.type_seen[t as usize],
            Need::OptionKinds => self.option_kinds_seen,
            Need::Side => (self.has_role)(Role::Side) || self.signed_quantity,
        }
    }

    /// The entries computed for this file, in catalogue order.
    pub fn features(&self) -> impl Iterator<Item = &'static FeatureSpec> + '_ {
        CATALOG.iter().filter(|s| s.kinds.contains(&self.kind) && s.needs.iter().all(|&n| self.meets(n)))
    }

    /// `spec`'s formula with its placeholders filled in for this file.
    pub fn formula(&self, spec: &FeatureSpec) -> String {
        let notional = if (self.has_role)(Role::Notional) { "notional column" } else { "|quantity x price|" };
        let basis = match (spec.key, self.has_notional) {
            (_, true) => "notional",
            (FeatureKey::LongShortBias, false) => "fills",
            (_, false) => "fill count",
        };
        let side = if self.signed_quantity { "sign of quantity" } else { "side column" };
        spec.formula.replace("{notional}", notional).replace("{basis}", basis).replace("{side}", side)
    }

    /// Features the file cannot give, with the reason, as the page lists
    /// them (one line for a group that shares a reason, e.g. the
    /// instrument mix).
    pub fn not_computed(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |k: String, why: String| out.push((k, why));
        let tx = self.kind == DataKind::Transactions;
        let mixed = |r: Role, otherwise: &str| -> String {
            if self.mixed_units.contains(&r) {
                format!("its column mixes units; see the note on the {} column", r.label())
            } else {
                otherwise.into()
            }
        };
        if self.block_clock {
            add("active_days".into(), "the clock is a block number, not a time".into());
        } else if !self.real_time {
            for k in ["recency_days", "tenure_days", "active_days"] {
                add(k.into(), "no timestamp column mapped".into());
            }
        }
        if !self.has_notional {
            let key = if tx { "monetary" } else { "total_notional" };
            add(key.into(), mixed(Role::Notional, "needs a notional column, or quantity and price"));
        }
        if tx {
            return out;
        }
        if !(self.has_role)(Role::Leverage) {
            add("mean_leverage".into(), "no leverage column".into());
        }
        if (self.has_role)(Role::Instrument) && self.type_seen.iter().any(|&s| s) {
            for ty in InstrumentType::ALL {
                if !self.type_seen[ty as usize] {
                    add(format!("{}_share", ty.key()), format!("no {} trades in the file", ty.key()));
                }
            }
        } else {
            add(
                "instrument mix".into(),
                "no instrument column, or no instrument type could be read or inferred".into(),
            );
        }
        if !self.option_kinds_seen && self.type_seen[InstrumentType::Option as usize] {
            add("put_share".into(), "call/put not known for any option".into());
        }
        if !self.meets(Need::Side) {
            add("long_short_bias".into(), "no side column and no signed quantity".into());
        }
        if !(self.has_role)(Role::Liquidity) {
            add("maker_share".into(), "no maker/taker column".into());
        }
        if !(self.has_role)(Role::Fee) {
            add("total_fees".into(), mixed(Role::Fee, "no fee column"));
        }
        if !(self.has_role)(Role::Pnl) {
            add("realized_pnl".into(), mixed(Role::Pnl, "no realized PnL column"));
        }
        out
    }
}

/// Weights that give each family of the features used for clustering an
/// equal share of the distance ("Balance feature families"): a used feature
/// of a family with `m` used features gets `1 / sqrt(m)`, so that the
/// family's scaled variances add up to 1 in the squared distance, as one
/// feature's would. A feature without a family (a customer table's own
/// column) gets 1; an unused one 0. `families[j]` and `used[j]` describe
/// feature `j`; the result has one weight per feature.
pub fn balance_weights(families: &[Option<Family>], used: &[bool]) -> Vec<f64> {
    let count = |f: Family| families.iter().zip(used).filter(|(g, &u)| u && **g == Some(f)).count();
    families
        .iter()
        .zip(used)
        .map(|(f, &u)| match (u, f) {
            (false, _) => 0.0,
            (true, None) => 1.0,
            (true, Some(f)) => 1.0 / (count(*f) as f64).sqrt(),
        })
        .collect()
}

/// The family that dominates the features used for clustering, if any:
/// one that holds more than half of them and at least three (e.g. four
/// size features against one instrument feature), as (family, its used
/// features, all used features). Arguments as [`balance_weights`].
pub fn dominant_family(families: &[Option<Family>], used: &[bool]) -> Option<(Family, usize, usize)> {
    let total = used.iter().filter(|&&u| u).count();
    Family::ALL
        .iter()
        .map(|&f| (f, families.iter().zip(used).filter(|(g, &u)| u && **g == Some(f)).count(), total))
        .filter(|&(_, m, t)| m >= 3 && 2 * m > t)
        .max_by_key(|&(_, m, _)| m)
}

/// The README's feature table, made from [`CATALOG`]: one row per export
/// name, the data kinds it applies to, unit, formula and needs.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| feature | data | family | clustering | unit | formula | needs |\n|---|---|---|---|---|---|---|\n",
    );
    for s in CATALOG {
        let kinds: Vec<&str> = s
            .kinds
            .iter()
            .map(|k| match k {
                DataKind::Trades => "trades",
                DataKind::Transactions => "transactions",
                DataKind::CustomerTable => "customers",
            })
            .collect();
        let formula = s
            .formula
            .replace("{notional}", "notional column, or |quantity x price|")
            .replace("{basis}", "notional (or fills)")
            .replace("{side}", "side column, or the sign of quantity");
        let mut needs: Vec<String> = vec!["account".into()];
        needs.extend(s.needs.iter().map(|n| n.text()));
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            s.name,
            kinds.join(", "),
            s.family.label(),
            match s.role {
                FeatureRole::Behaviour => "behaviour",
                FeatureRole::Descriptor => "descriptor",
            },
            s.unit,
            formula.replace('|', "\\|"),
            needs.join(", ").replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_one_entry_and_names_are_snake_case() {
        for s in CATALOG {
            assert_eq!(CATALOG.iter().filter(|t| t.key == s.key).count(), 1, "{:?}", s.key);
            assert!(s.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", s.name);
            // Two entries share a name only for the same data kind's alternatives.
            for t in CATALOG.iter().filter(|t| t.name == s.name && t.key != s.key) {
                assert_eq!(t.kinds, s.kinds, "{} is named twice across kinds", s.name);
            }
        }
    }

    #[test]
    fn outcomes_describe_and_everything_else_defines_segments() {
        for s in CATALOG {
            let descriptor = matches!(s.key, FeatureKey::RealizedPnl | FeatureKey::WinRate | FeatureKey::TotalFees);
            assert_eq!(s.role == FeatureRole::Descriptor, descriptor, "{}", s.name);
            assert_eq!(s.family == Family::Outcomes, descriptor, "{}", s.name);
        }
        // Every RFM feature of transactions is behaviour.
        for s in CATALOG.iter().filter(|s| s.kinds == TX) {
            assert_eq!(s.role, FeatureRole::Behaviour, "{}", s.name);
        }
    }

    #[test]
    fn balanced_families_each_weigh_one_in_the_squared_distance() {
        use Family::*;
        let fams = [Some(Size), Some(Size), Some(Size), Some(Size), Some(Instruments), None, Some(Outcomes)];
        let used = [true, true, true, true, true, true, false];
        let w = balance_weights(&fams, &used);
        assert_eq!(w, vec![0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 0.0]);
        // Sum of squared weights per family: 1 each.
        assert_eq!(w[..4].iter().map(|x| x * x).sum::<f64>(), 1.0);
        assert_eq!(dominant_family(&fams, &used), Some((Size, 4, 6)));
        // Three of seven is not more than half: no warning.
        let used = [true, true, true, false, true, true, true];
        assert_eq!(dominant_family(&fams, &used), None);
    }

    #[test]
    fn the_readme_feature_table_is_the_catalogue() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's feature table differs from the catalogue; paste this table there:\n{table}"
        );
    }
}
