//! The **Risk** view's model: the figures for a result under the user's
//! [`RiskParams`] ([`RiskReport`]), the view's editable thresholds
//! ([`RiskField`]: label, unit, range, how the page's text becomes a value)
//! and the rows of its two tables as text.

use super::format::fmt_num;
use crate::analysis::risk::{evidence, flagged, risk_by_segment, Flagged, RiskParams, SegmentRisk};
use crate::analysis::Segmentation;
use crate::export::segment_label;
use crate::features::FeatureTable;

/// What the page says of the scenario, word for word (README "Risk").
pub const STRESS_APPROXIMATION: &str = "Fills are not positions: the scenario assumes each account holds, in the direction of its net bias, a position at its typical (notional-weighted) leverage on perpetuals and futures, and moves the price against it by the shock. An account is counted as liquidated when shock >= 100 / leverage - maintenance margin. Spot and options are never liquidated; accounts whose buys and sells balance have no net exposure.";

/// The risk figures of one result.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskReport {
    /// One per segment, then noise if any ([`risk_by_segment`]).
    pub segments: Vec<SegmentRisk>,
    /// Accounts that meet a red-flag rule, in account order.
    pub flagged: Vec<Flagged>,
    /// What the file lacks for parts of the view, as sentences.
    pub missing: Vec<String>,
}

impl RiskReport {
    /// The report for `ft` segmented as `seg`; `None` if `ft` is not a
    /// trades file (a customer table or transactions have no risk inputs),
    /// or its rows have not all come.
    pub fn of(ft: &FeatureTable, seg: &Segmentation, p: &RiskParams) -> Option<RiskReport> {
        let risk = ft.risk.as_ref()?;
        if risk.rows.len() != seg.segments.len() {
            return None;
        }
        let flagged = flagged(&risk.rows, &p.flags);
        let mut is_flagged = vec![false; risk.rows.len()];
        flagged.iter().for_each(|f| is_flagged[f.account] = true);
        let segments =
            risk_by_segment(&risk.rows, &seg.segments, seg.k, &is_flagged, (risk.has_pnl, risk.has_leverage), p);
        Some(RiskReport { segments, flagged, missing: risk.missing() })
    }

    /// The cells of table **Risk by segment**, one row per segment, in the
    /// order of [`RISK_COLUMNS`]: percentages with one decimal, amounts by
    /// [`fmt_num`], leverage with one decimal (median / p90 / max in one cell,
    /// as the instrument shares), the margin multiplier as `1.50`; `–` where the file
    /// cannot give a figure.
    pub fn segment_rows(&self) -> Vec<Vec<String>> {
        // `+ 0.0` turns an empty sum's -0.0 into 0.
        let pct = |v: f64| if v.is_finite() { format!("{:.1}", 100.0 * v + 0.0) } else { "–".into() };
        self.segments
            .iter()
            .map(|s| {
                let lev = |v: f64| if v.is_finite() { format!("{v:.1}") } else { "–".into() };
                vec![
                    segment_label(s.segment),
                    s.accounts.to_string(),
                    pct(s.notional_share),
                    pct(s.top10_share),
                    format!("{} / {} / {}", lev(s.leverage_median), lev(s.leverage_p90), lev(s.leverage_max)),
                    format!("{} / {} / {}", pct(s.perpetual_share), pct(s.future_share), pct(s.option_share)),
                    fmt_num(s.pnl_sum),
                    pct(s.loss_making_share),
                    pct(s.flagged_share),
                    pct(s.liquidated_share),
                    pct(s.liquidated_notional_share),
                    fmt_num(s.notional_at_risk),
                    format!("{:.2}", s.margin_multiplier),
                ]
            })
            .collect()
    }

    /// Table **Red flags**' first `max` rows: account id, rule keys (`, `), evidence, segment.
    pub fn flag_rows(&self, ft: &FeatureTable, seg: &Segmentation, max: usize) -> Vec<[String; 4]> {
        let rows = ft.risk.as_ref().map_or(&[][..], |r| &r.rows[..]);
        self.flagged
            .iter()
            .take(max)
            .map(|f| {
                let rules: Vec<&str> = f.rules.iter().map(|r| r.key()).collect();
                [
                    ft.ids[f.account].clone(),
                    rules.join(", "),
                    rows.get(f.account).map_or(String::new(), |a| evidence(&a.flags, &f.rules)),
                    segment_label(seg.segments[f.account]),
                ]
            })
            .collect()
    }
}

/// Column headings of table **Risk by segment** (the automation contract
/// names "Liquidated accounts (%)", "Liquidated notional (%)" and "Margin multiplier").
pub const RISK_COLUMNS: [&str; 13] = [
    "Segment",
    "Accounts",
    "Notional (%)",
    "Top 10 share (%)",
    "Leverage median / p90 / max",
    "Perpetuals / futures / options (%)",
    "Realized PnL",
    "Loss-making (%)",
    "Flagged (%)",
    "Liquidated accounts (%)",
    "Liquidated notional (%)",
    "Notional at risk",
    "Margin multiplier",
];

/// An editable threshold of the Risk view: its input's accessible name is
/// [`RiskField::label`]; percentages are entered in % and kept as shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskField {
    Shock,
    Maintenance,
    MarginBase,
    MarginStep,
    MarginCap,
    LeverageP90,
    LiquidatedAbove,
    LossMakingAbove,
    FlaggedAbove,
    RoundTripShare,
    RoundTripMinFills,
    BurstFills,
    DormantDays,
    LastDaysShare,
}

impl RiskField {
    /// The scenario's two inputs.
    pub const STRESS: [RiskField; 2] = [RiskField::Shock, RiskField::Maintenance];
    /// The margin rule's inputs.
    pub const MARGIN: [RiskField; 7] = [
        RiskField::MarginBase,
        RiskField::MarginStep,
        RiskField::MarginCap,
        RiskField::LeverageP90,
        RiskField::LiquidatedAbove,
        RiskField::LossMakingAbove,
        RiskField::FlaggedAbove,
    ];
    /// The red-flag rules' inputs.
    pub const FLAGS: [RiskField; 5] = [
        RiskField::RoundTripShare,
        RiskField::RoundTripMinFills,
        RiskField::BurstFills,
        RiskField::DormantDays,
        RiskField::LastDaysShare,
    ];

    /// Every field: the scenario's, the margin rule's, the red-flag rules'.
    pub fn all() -> impl Iterator<Item = RiskField> {
        RiskField::STRESS.into_iter().chain(RiskField::MARGIN).chain(RiskField::FLAGS)
    }

    /// Its key in the page's address ([`risk_fragment`]).
    pub fn key(self) -> &'static str {
        match self {
            RiskField::Shock => "shock",
            RiskField::Maintenance => "mm",
            RiskField::MarginBase => "margin-base",
            RiskField::MarginStep => "margin-step",
            RiskField::MarginCap => "margin-cap",
            RiskField::LeverageP90 => "margin-lev-p90",
            RiskField::LiquidatedAbove => "margin-liquidated",
            RiskField::LossMakingAbove => "margin-loss-making",
            RiskField::FlaggedAbove => "margin-flagged",
            RiskField::RoundTripShare => "rt-share",
            RiskField::RoundTripMinFills => "rt-fills",
            RiskField::BurstFills => "burst",
            RiskField::DormantDays => "dormant-days",
            RiskField::LastDaysShare => "last-days",
        }
    }

    /// The input's accessible name.
    pub fn label(self) -> &'static str {
        match self {
            RiskField::Shock => "Price shock (%)",
            RiskField::Maintenance => "Maintenance margin (%)",
            RiskField::MarginBase => "Margin multiplier base",
            RiskField::MarginStep => "Added per condition met",
            RiskField::MarginCap => "Margin multiplier cap",
            RiskField::LeverageP90 => "Leverage p90 above",
            RiskField::LiquidatedAbove => "Liquidated accounts above (%)",
            RiskField::LossMakingAbove => "Loss-making accounts above (%)",
            RiskField::FlaggedAbove => "Flagged accounts above (%)",
            RiskField::RoundTripShare => "Round-trip fills at least (%)",
            RiskField::RoundTripMinFills => "Round trips: fills at least",
            RiskField::BurstFills => "Burst: fills within 1 s at least",
            RiskField::DormantDays => "Dormant: days without a fill at least",
            RiskField::LastDaysShare => "Dormant: notional in the last 7 days at least (%)",
        }
    }

    /// Entered in % (kept as a share 0-1).
    fn percent(self) -> bool {
        matches!(
            self,
            RiskField::LiquidatedAbove
                | RiskField::LossMakingAbove
                | RiskField::FlaggedAbove
                | RiskField::RoundTripShare
                | RiskField::LastDaysShare
        )
    }

    /// The smallest and largest value accepted, as entered; whether it must be a whole number.
    pub fn range(self) -> (f64, f64, bool) {
        match self {
            RiskField::Shock => (0.0, 100.0, false),
            RiskField::Maintenance => (0.0, 99.0, false),
            RiskField::MarginBase | RiskField::MarginStep | RiskField::MarginCap => (0.0, 100.0, false),
            RiskField::LeverageP90 => (0.0, 1e6, false),
            RiskField::RoundTripMinFills | RiskField::BurstFills => (1.0, 1e9, true),
            RiskField::DormantDays => (0.0, 36_500.0, false),
            _ => (0.0, 100.0, false),
        }
    }

    /// The value as the input shows it.
    pub fn get(self, p: &RiskParams) -> f64 {
        let v = match self {
            RiskField::Shock => p.stress.shock_pct,
            RiskField::Maintenance => p.stress.maintenance_pct,
            RiskField::MarginBase => p.margin.base,
            RiskField::MarginStep => p.margin.step,
            RiskField::MarginCap => p.margin.cap,
            RiskField::LeverageP90 => p.margin.leverage_p90_above,
            RiskField::LiquidatedAbove => p.margin.liquidated_above,
            RiskField::LossMakingAbove => p.margin.loss_making_above,
            RiskField::FlaggedAbove => p.margin.flagged_above,
            RiskField::RoundTripShare => p.flags.round_trip_share,
            RiskField::RoundTripMinFills => p.flags.round_trip_min_fills as f64,
            RiskField::BurstFills => p.flags.burst_fills as f64,
            RiskField::DormantDays => p.flags.dormant_days,
            RiskField::LastDaysShare => p.flags.last_days_share,
        };
        if self.percent() {
            // Rounded so that 0.05 shows as 5, not 5.000000000000001.
            (v * 100.0 * 1e9).round() / 1e9
        } else {
            v
        }
    }

    /// `p` with this field set from the input's text.
    ///
    /// Errors: a sentence naming the input, the text and the range.
    pub fn set(self, p: &RiskParams, text: &str) -> Result<RiskParams, String> {
        let (lo, hi, whole) = self.range();
        let v: f64 = text.trim().parse().map_err(|_| self.refusal(text))?;
        if !v.is_finite() || v < lo || v > hi || (whole && v.fract() != 0.0) {
            return Err(self.refusal(text));
        }
        let share = v / 100.0;
        let mut p = *p;
        match self {
            RiskField::Shock => p.stress.shock_pct = v,
            RiskField::Maintenance => p.stress.maintenance_pct = v,
            RiskField::MarginBase => p.margin.base = v,
            RiskField::MarginStep => p.margin.step = v,
            RiskField::MarginCap => p.margin.cap = v,
            RiskField::LeverageP90 => p.margin.leverage_p90_above = v,
            RiskField::LiquidatedAbove => p.margin.liquidated_above = share,
            RiskField::LossMakingAbove => p.margin.loss_making_above = share,
            RiskField::FlaggedAbove => p.margin.flagged_above = share,
            RiskField::RoundTripShare => p.flags.round_trip_share = share,
            RiskField::RoundTripMinFills => p.flags.round_trip_min_fills = v as u32,
            RiskField::BurstFills => p.flags.burst_fills = v as u32,
            RiskField::DormantDays => p.flags.dormant_days = v,
            RiskField::LastDaysShare => p.flags.last_days_share = share,
        }
        Ok(p)
    }

    fn refusal(self, text: &str) -> String {
        let (lo, hi, whole) = self.range();
        format!(
            "{}: \"{}\" is not {} from {lo} to {hi}; the previous value is kept.",
            self.label(),
            crate::view_model::display::escaped_short(text, 40),
            if whole { "a whole number" } else { "a number" }
        )
    }
}

/// The thresholds of `p` that differ from the defaults, as parts of the
/// page's address (`shock=20&mm=1`, values as the inputs show them),
/// joined by `&`; empty when all are the defaults. Appended to the analysis
/// settings' fragment ([`super::fragment::to_fragment`]), whose reader
/// ignores these keys as this one ignores its.
pub fn risk_fragment(p: &RiskParams) -> String {
    let defaults = RiskParams::default();
    RiskField::all()
        .filter(|f| f.get(p) != f.get(&defaults))
        .map(|f| format!("{}={}", f.key(), f.get(p)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The thresholds `fragment` (with or without `#`) gives, starting from
/// `base`: each known key's value is taken as its input would take it, and
/// an unreadable or out-of-range one keeps `base`'s.
pub fn risk_from_fragment(fragment: &str, base: RiskParams) -> RiskParams {
    fragment.trim_start_matches('#').split('&').fold(base, |p, part| {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match RiskField::all().find(|f| f.key() == key) {
            Some(f) => f.set(&p, value).unwrap_or(p),
            None => p,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_take_percentages_and_refuse_what_is_out_of_range() {
        let p = RiskParams::default();
        assert_eq!(RiskField::Shock.get(&p), 10.0);
        assert_eq!(RiskField::FlaggedAbove.get(&p), 5.0);
        let q = RiskField::FlaggedAbove.set(&p, "7.5").unwrap();
        assert_eq!(q.margin.flagged_above, 0.075);
        assert_eq!(RiskField::Shock.set(&p, " 25 ").unwrap().stress.shock_pct, 25.0);
        for (f, bad) in [
            (RiskField::Shock, "101"),
            (RiskField::Shock, "-1"),
            (RiskField::BurstFills, "2.5"),
            (RiskField::Maintenance, "x"),
        ] {
            let e = f.set(&p, bad).unwrap_err();
            assert!(e.starts_with(f.label()) && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn the_thresholds_go_through_the_address_and_bad_values_keep_the_defaults() {
        let p = RiskParams::default();
        assert_eq!(risk_fragment(&p), "");
        let q = RiskField::Shock.set(&p, "20").unwrap();
        let q = RiskField::FlaggedAbove.set(&q, "7.5").unwrap();
        let q = RiskField::BurstFills.set(&q, "30").unwrap();
        let f = risk_fragment(&q);
        assert_eq!(f, "shock=20&margin-flagged=7.5&burst=30");
        let settings = format!("k=4&seed=42&method=kmeans&{f}");
        assert_eq!(risk_from_fragment(&format!("#{settings}"), p), q);
        assert_eq!(risk_from_fragment("shock=500&burst=2.5&mm=x&k=3", p), p, "out of range, not whole, not a number");
        let keys: std::collections::HashSet<&str> = RiskField::all().map(|f| f.key()).collect();
        assert_eq!(keys.len(), 14, "one key per field");
    }

    #[test]
    fn a_segment_row_has_a_cell_per_column_and_dashes_for_what_is_missing() {
        let seg = SegmentRisk {
            segment: 2,
            accounts: 10,
            notional_share: 0.25,
            top10_share: 1.0,
            leverage_median: 12.5,
            leverage_p90: 30.0,
            leverage_max: 50.0,
            perpetual_share: 0.9,
            future_share: 0.1,
            option_share: 0.0,
            pnl_sum: f64::NAN,
            loss_making_share: f64::NAN,
            flagged_share: 0.1,
            liquidated_share: 0.5,
            liquidated_notional_share: -0.0,
            notional_at_risk: 1234.0,
            margin_multiplier: 1.5,
        };
        let r = RiskReport { segments: vec![seg], flagged: vec![], missing: vec![] };
        let row = &r.segment_rows()[0];
        assert_eq!(row.len(), RISK_COLUMNS.len());
        let at = |c: &str| &row[RISK_COLUMNS.iter().position(|x| *x == c).unwrap()];
        assert_eq!(at("Leverage median / p90 / max"), "12.5 / 30.0 / 50.0");
        assert_eq!(at("Perpetuals / futures / options (%)"), "90.0 / 10.0 / 0.0");
        assert_eq!((at("Realized PnL").as_str(), at("Loss-making (%)").as_str()), ("–", "–"));
        assert_eq!((at("Liquidated accounts (%)").as_str(), at("Liquidated notional (%)").as_str()), ("50.0", "0.0"));
        assert_eq!(at("Margin multiplier"), "1.50");
    }
}
