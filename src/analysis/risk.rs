//! Risk and compliance per segment: the stress scenario, the red-flag
//! rules, the figures of each segment and its suggested margin multiplier.
//!
//! Inputs are the per-account [`AccountRisk`] rows the feature stage
//! gathered while reading ([`crate::features::exposure`]) and the segment
//! of each account; every threshold is a field of [`RiskParams`], which the
//! page lets the user edit (nothing here reads the file again).
//!
//! What the stress scenario approximates: fills are not positions. Each
//! account is assumed to hold, in the direction of its net bias, a position
//! at its typical (notional-weighted) leverage on perpetuals and futures;
//! spot and options (long options cannot be liquidated, and the file does
//! not say which options were sold) are never counted as liquidated.

use crate::features::{AccountRisk, FlagEvidence};
use serde::{Deserialize, Serialize};

/// The stress scenario: a price move of `shock_pct` % against each
/// account's net bias, and the maintenance margin `maintenance_pct` % of
/// position notional (defaults 10 and 0.5).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StressParams {
    pub shock_pct: f64,
    pub maintenance_pct: f64,
}

impl Default for StressParams {
    fn default() -> Self {
        StressParams { shock_pct: 10.0, maintenance_pct: 0.5 }
    }
}

/// Thresholds of the red-flag rules (the windows are fixed while reading:
/// [`crate::features::flags`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagRules {
    /// Round trips: flagged when at least this share (0-1) of the account's fills are in round trips ...
    pub round_trip_share: f64,
    /// ... and the account has at least this many fills.
    pub round_trip_min_fills: u32,
    /// Bursts: at least this many fills within one second.
    pub burst_fills: u32,
    /// Dormant then active: a gap of at least this many days between two fills ...
    pub dormant_days: f64,
    /// ... and at least this share (0-1) of the account's notional in its last 7 days.
    pub last_days_share: f64,
}

impl Default for FlagRules {
    fn default() -> Self {
        FlagRules {
            round_trip_share: 0.2,
            round_trip_min_fills: 10,
            burst_fills: 50,
            dormant_days: 60.0,
            last_days_share: 0.5,
        }
    }
}

/// The margin rule: `base`, plus `step` for each condition a segment
/// meets, capped at `cap`. Conditions: 90th-percentile leverage above
/// `leverage_p90_above`; more than `liquidated_above` (share 0-1) of its
/// accounts liquidated by the stress scenario; more than
/// `loss_making_above` of its accounts loss-making; more than
/// `flagged_above` of its accounts flagged. A condition whose figure the
/// file cannot give (no leverage, no PnL) is not met.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarginRule {
    pub base: f64,
    pub step: f64,
    pub cap: f64,
    pub leverage_p90_above: f64,
    pub liquidated_above: f64,
    pub loss_making_above: f64,
    pub flagged_above: f64,
}

impl Default for MarginRule {
    fn default() -> Self {
        MarginRule {
            base: 1.0,
            step: 0.25,
            cap: 2.0,
            leverage_p90_above: 20.0,
            liquidated_above: 0.5,
            loss_making_above: 0.5,
            flagged_above: 0.05,
        }
    }
}

/// Everything the risk view's figures depend on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskParams {
    pub stress: StressParams,
    pub flags: FlagRules,
    pub margin: MarginRule,
}

/// A red-flag rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    /// A buy and a sell of the same instrument, quantities within 0.1 %, at most 60 s apart (a wash-trading indicator).
    RoundTrips,
    /// Many fills within one second.
    Burst,
    /// A long gap without fills, then most of the notional in the last 7 days.
    DormantThenActive,
}

impl Rule {
    pub const ALL: [Rule; 3] = [Rule::RoundTrips, Rule::Burst, Rule::DormantThenActive];

    /// The rule's name in exports (`round_trips`, `burst`, `dormant_then_active`).
    pub fn key(self) -> &'static str {
        match self {
            Rule::RoundTrips => "round_trips",
            Rule::Burst => "burst",
            Rule::DormantThenActive => "dormant_then_active",
        }
    }
}

/// The rules `e` meets under `r`, in [`Rule::ALL`] order.
pub fn rules_hit(e: &FlagEvidence, r: &FlagRules) -> Vec<Rule> {
    let mut out = Vec::new();
    if e.fills >= r.round_trip_min_fills
        && e.fills > 0
        && e.round_trip_fills as f64 >= r.round_trip_share * e.fills as f64
        && e.round_trip_fills > 0
    {
        out.push(Rule::RoundTrips);
    }
    if e.burst_max >= r.burst_fills && e.burst_max > 0 {
        out.push(Rule::Burst);
    }
    if e.fills >= 2 && e.longest_gap_days >= r.dormant_days && e.last_days_share >= r.last_days_share {
        out.push(Rule::DormantThenActive);
    }
    out
}

/// An account that meets at least one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Flagged {
    /// Index of the account (row of the feature table).
    pub account: usize,
    pub rules: Vec<Rule>,
}

/// The accounts of `rows` that meet a rule of `r`, in account order.
pub fn flagged(rows: &[AccountRisk], r: &FlagRules) -> Vec<Flagged> {
    rows.iter()
        .enumerate()
        .filter_map(|(account, a)| {
            let rules = rules_hit(&a.flags, r);
            (!rules.is_empty()).then_some(Flagged { account, rules })
        })
        .collect()
}

/// The evidence for `rules` in `e`, one clause per rule joined by `; `,
/// times in UTC (e.g. `round_trips: 24 of 40 fills (60 %) in round trips,
/// the first at 2026-03-01 12:00:05 UTC`).
pub fn evidence(e: &FlagEvidence, rules: &[Rule]) -> String {
    let at = crate::ingest::time::format_utc;
    rules
        .iter()
        .map(|rule| match rule {
            Rule::RoundTrips => format!(
                "round_trips: {} of {} fills ({:.0} %) in round trips, the first at {}",
                e.round_trip_fills,
                e.fills,
                100.0 * e.round_trip_fills as f64 / e.fills.max(1) as f64,
                at(e.round_trip_first)
            ),
            Rule::Burst => format!("burst: {} fills within 1 s from {}", e.burst_max, at(e.burst_first)),
            Rule::DormantThenActive => format!(
                "dormant_then_active: no fill for {:.1} days until {}; {:.0} % of the notional in the last 7 days (from {})",
                e.longest_gap_days,
                at(e.gap_end),
                100.0 * e.last_days_share,
                at(e.last_days_first)
            ),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Which way the scenario moves the price for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adverse {
    /// Net long: the price falls.
    Down,
    /// Net short: the price rises.
    Up,
    /// No side known: the shock is against the account whichever way it leans.
    Unknown,
    /// Buys and sells balance: no net exposure, never liquidated.
    Flat,
}

/// The adverse direction for net bias `bias` ([`AccountRisk::bias`]).
pub fn adverse(bias: f64) -> Adverse {
    if bias.is_nan() {
        Adverse::Unknown
    } else if bias > 0.0 {
        Adverse::Down
    } else if bias < 0.0 {
        Adverse::Up
    } else {
        Adverse::Flat
    }
}

/// Whether the scenario liquidates an account of leverage `leverage` and
/// net bias `bias`: an adverse move of `s` % wipes out the margin of a
/// position at leverage `L` (an initial margin of 100 / L %) down to the
/// maintenance margin `m` % when `s >= 100 / L - m`. No leverage (`NaN` or
/// not positive), or no net exposure, is never liquidated.
pub fn liquidated(leverage: f64, bias: f64, p: &StressParams) -> bool {
    leverage > 0.0 && adverse(bias) != Adverse::Flat && p.shock_pct >= 100.0 / leverage - p.maintenance_pct
}

/// One segment's risk figures. Shares are 0-1; amounts in the file's quote
/// currency; `NaN` where the file cannot give the figure.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentRisk {
    /// Segment number (`0`: HDBSCAN's noise).
    pub segment: usize,
    pub accounts: usize,
    /// Share of the total notional of all accounts.
    pub notional_share: f64,
    /// Share of the segment's notional held by its 10 largest accounts.
    pub top10_share: f64,
    /// Median, 90th percentile (numpy's linear interpolation) and maximum of
    /// the accounts' leverage ([`AccountRisk::leverage`]), over accounts that have one.
    pub leverage_median: f64,
    pub leverage_p90: f64,
    pub leverage_max: f64,
    /// Shares of the segment's notional in perpetuals, futures and options.
    pub perpetual_share: f64,
    pub future_share: f64,
    pub option_share: f64,
    /// Realized PnL summed, and the share of accounts with a negative one.
    pub pnl_sum: f64,
    pub loss_making_share: f64,
    /// Share of accounts that meet at least one red-flag rule.
    pub flagged_share: f64,
    /// Stress scenario: share of accounts liquidated, share of the
    /// segment's notional they hold, and their leveraged notional.
    pub liquidated_share: f64,
    pub liquidated_notional_share: f64,
    pub notional_at_risk: f64,
    /// The margin rule's suggestion.
    pub margin_multiplier: f64,
}

/// The `q` quantile (0-1) of `sorted` (ascending, no NaN) by linear
/// interpolation between the closest ranks, as `numpy.quantile`'s default
/// (`method="linear"`); `NaN` if empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// The margin multiplier of a segment with these figures (see [`MarginRule`]).
pub fn margin_multiplier(s: &SegmentRisk, r: &MarginRule) -> f64 {
    let met = [
        s.leverage_p90 > r.leverage_p90_above,
        s.liquidated_share > r.liquidated_above,
        s.loss_making_share > r.loss_making_above,
        s.flagged_share > r.flagged_above,
    ]
    .iter()
    .filter(|&&m| m)
    .count();
    (r.base + r.step * met as f64).min(r.cap)
}

/// The risk figures of each segment: `rows[i]` is account `i`, in segment
/// `segments[i]` (`1..=k`, or `0` for noise), flagged when `flagged[i]`.
/// Segments `1..=k` in order, then noise if any account is in it.
/// `has_pnl`, `has_leverage`: whether the file has PnL and leverage
/// columns; without them the PnL and stress figures are `NaN` (the file
/// cannot say, and no account is assumed safe or liquidated).
pub fn risk_by_segment(
    rows: &[AccountRisk],
    segments: &[usize],
    k: usize,
    flagged: &[bool],
    (has_pnl, has_leverage): (bool, bool),
    p: &RiskParams,
) -> Vec<SegmentRisk> {
    let total: f64 = rows.iter().map(|r| r.notional).filter(|x| x.is_finite()).sum();
    let share = |x: f64, of: f64| if of > 0.0 { x / of } else { f64::NAN };
    let noise = segments.contains(&0);
    (1..=k)
        .chain(noise.then_some(0))
        .map(|s| {
            let members: Vec<usize> = (0..rows.len()).filter(|&i| segments[i] == s).collect();
            let n = members.len();
            let sum = |f: &dyn Fn(&AccountRisk) -> f64| {
                members.iter().map(|&i| f(&rows[i])).filter(|x| x.is_finite()).sum::<f64>()
            };
            let notional = sum(&|r| r.notional);
            let mut sizes: Vec<f64> = members.iter().map(|&i| rows[i].notional).filter(|x| x.is_finite()).collect();
            sizes.sort_by(|a, b| b.total_cmp(a));
            let top10: f64 = sizes.iter().take(10).sum();
            let mut lev: Vec<f64> = members.iter().map(|&i| rows[i].leverage).filter(|x| x.is_finite()).collect();
            lev.sort_by(f64::total_cmp);
            let liq: Vec<usize> =
                members.iter().copied().filter(|&i| liquidated(rows[i].leverage, rows[i].bias, &p.stress)).collect();
            let count = |c: usize| if n > 0 { c as f64 / n as f64 } else { f64::NAN };
            let mut out = SegmentRisk {
                segment: s,
                accounts: n,
                notional_share: share(notional, total),
                top10_share: share(top10, notional),
                leverage_median: quantile(&lev, 0.5),
                leverage_p90: quantile(&lev, 0.9),
                leverage_max: lev.last().copied().unwrap_or(f64::NAN),
                perpetual_share: share(sum(&|r| r.perpetual), notional),
                future_share: share(sum(&|r| r.future), notional),
                option_share: share(sum(&|r| r.option), notional),
                pnl_sum: if has_pnl { sum(&|r| r.pnl) } else { f64::NAN },
                loss_making_share: if has_pnl {
                    count(members.iter().filter(|&&i| rows[i].pnl < 0.0).count())
                } else {
                    f64::NAN
                },
                flagged_share: count(members.iter().filter(|&&i| flagged[i]).count()),
                liquidated_share: count(liq.len()),
                liquidated_notional_share: share(
                    liq.iter().map(|&i| rows[i].notional).filter(|x| x.is_finite()).sum(),
                    notional,
                ),
                notional_at_risk: liq.iter().map(|&i| rows[i].leveraged_notional).sum(),
                margin_multiplier: 0.0,
            };
            if !has_leverage {
                out.liquidated_share = f64::NAN;
                out.liquidated_notional_share = f64::NAN;
                out.notional_at_risk = f64::NAN;
            }
            out.margin_multiplier = margin_multiplier(&out, &p.margin);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(notional: f64, leverage: f64, bias: f64) -> AccountRisk {
        AccountRisk {
            notional,
            perpetual: notional,
            future: 0.0,
            option: 0.0,
            leverage,
            leveraged_notional: notional,
            bias,
            pnl: 0.0,
            flags: FlagEvidence::default(),
        }
    }

    #[test]
    fn a_long_and_a_short_account_under_the_same_shock() {
        let p = StressParams { shock_pct: 10.0, maintenance_pct: 0.5 };
        // 20x: 100 / 20 - 0.5 = 4.5 % wipes the margin, whichever way the account leans.
        assert_eq!((adverse(0.8), adverse(-0.8)), (Adverse::Down, Adverse::Up));
        assert!(liquidated(20.0, 0.8, &p) && liquidated(20.0, -0.8, &p));
        // 5x needs 19.5 %: neither.
        assert!(!liquidated(5.0, 0.8, &p) && !liquidated(5.0, -0.8, &p));
        assert!(!liquidated(20.0, 0.0, &p), "flat: no net exposure");
        assert!(liquidated(20.0, f64::NAN, &p), "no side known: exposed either way");
        assert!(!liquidated(f64::NAN, 1.0, &p), "no leverage: spot or options only");
    }

    #[test]
    fn leverage_exactly_at_the_threshold_is_liquidated() {
        // 100 / 10 - 0.5 = 9.5 exactly.
        assert!(liquidated(10.0, 1.0, &StressParams { shock_pct: 9.5, maintenance_pct: 0.5 }));
        assert!(!liquidated(10.0, 1.0, &StressParams { shock_pct: 9.49, maintenance_pct: 0.5 }));
    }

    #[test]
    fn quantiles_are_numpys_linear_ones() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.5, 0.9]) = [3.0, 7.6]
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert!((quantile(&v, 0.9) - 7.6).abs() < 1e-12);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn rules_at_their_thresholds() {
        let r = FlagRules::default();
        let e = |f: &dyn Fn(&mut FlagEvidence)| {
            let mut e = FlagEvidence { fills: 10, ..Default::default() };
            f(&mut e);
            rules_hit(&e, &r)
        };
        assert_eq!(e(&|e| e.round_trip_fills = 2), [Rule::RoundTrips], "2 of 10 = 20 %");
        assert_eq!(e(&|e| e.round_trip_fills = 1), []);
        assert_eq!(e(&|e| (e.fills, e.round_trip_fills) = (9, 8)), [], "under 10 fills");
        assert_eq!(e(&|e| e.burst_max = 49), []);
        assert_eq!(e(&|e| e.burst_max = 50), [Rule::Burst]);
        assert_eq!(e(&|e| (e.longest_gap_days, e.last_days_share) = (60.0, 0.5)), [Rule::DormantThenActive]);
        assert_eq!(e(&|e| (e.longest_gap_days, e.last_days_share) = (59.9, 0.9)), []);
        assert_eq!(e(&|e| (e.longest_gap_days, e.last_days_share) = (90.0, 0.49)), []);
    }

    #[test]
    fn segment_figures_and_the_margin_rule() {
        // Segment 1: three 25x accounts, two long, one short, one flagged and loss-making; segment 2: spot.
        let mut rows = vec![account(100.0, 25.0, 1.0), account(300.0, 25.0, -1.0), account(600.0, 25.0, 0.5)];
        rows[0].pnl = -5.0;
        rows.push(AccountRisk {
            leverage: f64::NAN,
            perpetual: 0.0,
            leveraged_notional: 0.0,
            ..account(1000.0, 0.0, 1.0)
        });
        let segments = [1, 1, 1, 2];
        let flagged = [true, false, false, false];
        let p = RiskParams::default();
        let s = risk_by_segment(&rows, &segments, 2, &flagged, (true, true), &p);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].accounts, s[0].notional_share, s[0].top10_share), (3, 0.5, 1.0));
        assert_eq!((s[0].leverage_median, s[0].leverage_p90, s[0].leverage_max), (25.0, 25.0, 25.0));
        // 100 / 25 - 0.5 = 3.5 <= 10: all three liquidated.
        assert_eq!((s[0].liquidated_share, s[0].liquidated_notional_share, s[0].notional_at_risk), (1.0, 1.0, 1000.0));
        assert!((s[0].flagged_share - 1.0 / 3.0).abs() < 1e-15);
        // p90 leverage 25 > 20, all liquidated > 50 %, 1/3 loss-making, 1/3 flagged > 5 %: 1 + 3 x 0.25.
        assert_eq!(s[0].margin_multiplier, 1.75);
        assert_eq!((s[1].liquidated_share, s[1].margin_multiplier), (0.0, 1.0));
        assert!(s[1].leverage_p90.is_nan());
        let capped = RiskParams { margin: MarginRule { cap: 1.5, ..Default::default() }, ..p };
        assert_eq!(risk_by_segment(&rows, &segments, 2, &flagged, (true, true), &capped)[0].margin_multiplier, 1.5);
        // Without a leverage column the stress figures are unknown, not zero, and their condition is not met.
        let blind = &risk_by_segment(&rows, &segments, 2, &flagged, (true, false), &p)[0];
        assert!(blind.liquidated_share.is_nan() && blind.notional_at_risk.is_nan());
        assert_eq!(blind.margin_multiplier, 1.5, "p90 leverage and flagged: 1 + 2 x 0.25");
    }
}
