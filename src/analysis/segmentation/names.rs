//! Stage "profiles", last step: a short name for each segment in the field's
//! words, from what sets it apart. The rules, in order (README, "Segment
//! names", says the same); every share and mean is the segment's mean of the
//! feature in its raw unit, "overall" the mean over all accounts:
//!
//! **Trades** (a head, the first rule that holds):
//! 1. recency_days at least 60 and at least twice overall: *Lapsed accounts*;
//! 2. maker_share at least 0.6: *Market makers*;
//! 3. option_share at least 0.3: *Put-heavy options hedgers* (put_share at
//!    least 0.6), *Call-heavy options traders* (at most 0.4), else *Options
//!    traders*;
//! 4. future_share at least 0.4: *Futures traders*;
//! 5. perpetual_share at least 0.5: *High-leverage perpetual traders*
//!    (mean_leverage at least 10), else *Perpetual traders*;
//! 6. spot_share at least 0.5: *Spot holders* (long_short_bias at least 0.3:
//!    mostly buying), else *Spot traders*;
//!
//! then at most one qualifier, the first that holds: *large tickets* (the
//! segment's centre of median_notional at least [`QUALIFIER_Z`] scaled units
//! above the overall centre), *small tickets* (as far below), *high
//! frequency* (trades_per_active_day, else trade_count, as far above),
//! *loss-making* (mean realized_pnl below 0, mean win_rate below 0.45, and
//! the centre of realized_pnl at least half [`QUALIFIER_Z`] below overall).
//!
//! **Transactions** (RFM): *Lapsed customers* (recency_days at least twice
//! overall and at least 7 days), *Frequent returners* (return_share at least
//! 0.2 and twice overall), *High-value customers* (monetary at least 3 x
//! overall; *Loyal high-value customers* when frequency is also at least
//! twice overall), *Frequent buyers* (frequency at least twice overall),
//! *One-time buyers* (frequency at most 1.5), *Low-value customers*
//! (monetary at most 1/3 x overall).
//!
//! **Otherwise** (a customer table, or no rule holds): the segment's two most
//! distinguishing features with their direction, *High annual income, low
//! spending score* (a key's `_` read as a space); *Typical accounts* for a
//! segment at the overall centre.
//!
//! Names are never repeated: a segment whose name another larger segment
//! already has gets its next qualifier, then its most distinguishing feature,
//! then its number (*Spot holders (segment 4)*).

use super::SegmentProfile;
use crate::features::{FeatureKey, FeatureTable};

/// What the naming rules (and the playbook) look at for one segment.
pub(super) struct View<'a> {
    pub ft: &'a FeatureTable,
    pub p: &'a SegmentProfile,
    pub overall: &'a [f64],
    /// Feature index -> position among the scaled features (`p.z_means`).
    pub kept: &'a [usize],
}

impl View<'_> {
    pub(super) fn index(&self, k: FeatureKey) -> Option<usize> {
        self.ft.defs.iter().position(|d| d.feature == Some(k))
    }
    /// The segment's mean of `k` (raw unit), if the file has it and it is finite.
    pub(super) fn mean(&self, k: FeatureKey) -> Option<f64> {
        self.index(k).map(|j| self.p.means[j]).filter(|v| v.is_finite())
    }
    /// The segment's mean of `k` over the overall mean, when both are positive.
    pub(super) fn ratio(&self, k: FeatureKey) -> Option<f64> {
        let j = self.index(k)?;
        let (m, o) = (self.p.means[j], self.overall[j]);
        (m.is_finite() && o.is_finite() && o > 0.0 && m >= 0.0).then(|| m / o)
    }
    /// The segment's centre in scaled units (after the feature's transform), if `k` was kept.
    pub(super) fn z(&self, k: FeatureKey) -> Option<f64> {
        let j = self.index(k)?;
        let pos = self.kept.iter().position(|&c| c == j)?;
        self.p.z_means.get(pos).copied().filter(|v| v.is_finite())
    }
    pub(super) fn at_least(&self, k: FeatureKey, v: f64) -> bool {
        self.mean(k).is_some_and(|m| m >= v)
    }
    pub(super) fn ratio_at_least(&self, k: FeatureKey, r: f64) -> bool {
        self.ratio(k).is_some_and(|x| x >= r)
    }
}

/// The trades head noun (rules 1 to 6), if one holds.
pub(super) fn trade_head(v: &View) -> Option<&'static str> {
    use FeatureKey::*;
    if v.at_least(RecencyDays, 60.0) && v.ratio_at_least(RecencyDays, 2.0) {
        return Some("Lapsed accounts");
    }
    if v.at_least(MakerShare, 0.6) {
        return Some("Market makers");
    }
    if v.at_least(OptionShare, 0.3) {
        return Some(match v.mean(PutShare) {
            Some(p) if p >= 0.6 => "Put-heavy options hedgers",
            Some(p) if p <= 0.4 => "Call-heavy options traders",
            _ => "Options traders",
        });
    }
    if v.at_least(FutureShare, 0.4) {
        return Some("Futures traders");
    }
    if v.at_least(PerpetualShare, 0.5) {
        return Some(if v.at_least(MeanLeverage, 10.0) {
            "High-leverage perpetual traders"
        } else {
            "Perpetual traders"
        });
    }
    if v.at_least(SpotShare, 0.5) {
        return Some(if v.at_least(LongShortBias, 0.3) { "Spot holders" } else { "Spot traders" });
    }
    None
}

/// How far (scaled units: standard deviations, or IQRs with robust scaling,
/// after the feature's transform, e.g. log for sizes) a segment's centre
/// must sit from the overall centre for a size or frequency qualifier: a
/// "large" effect (Cohen's d of 0.8, rounded up). Means in raw units are
/// not used: one whale makes every other segment's tickets look small.
pub const QUALIFIER_Z: f64 = 1.0;

/// The trades qualifiers that hold, in order.
fn trade_qualifiers(v: &View) -> Vec<&'static str> {
    use FeatureKey::*;
    let mut q = Vec::new();
    match v.z(MedianNotional) {
        Some(z) if z >= QUALIFIER_Z => q.push("large tickets"),
        Some(z) if z <= -QUALIFIER_Z => q.push("small tickets"),
        _ => {}
    }
    let freq = if v.index(TradesPerActiveDay).is_some() { TradesPerActiveDay } else { TradeCount };
    if v.z(freq).is_some_and(|z| z >= QUALIFIER_Z) {
        q.push("high frequency");
    }
    if v.mean(RealizedPnl).is_some_and(|p| p < 0.0)
        && v.mean(WinRate).is_some_and(|w| w < 0.45)
        && v.z(RealizedPnl).is_some_and(|z| z <= -QUALIFIER_Z / 2.0)
    {
        q.push("loss-making");
    }
    q
}

/// The transactions (RFM) name, if a rule holds.
pub(super) fn transaction_name(v: &View) -> Option<&'static str> {
    use FeatureKey::*;
    let freq = if v.index(FrequencyOrders).is_some() { FrequencyOrders } else { FrequencyRows };
    if v.ratio_at_least(RecencyDays, 2.0) && v.at_least(RecencyDays, 7.0) {
        return Some("Lapsed customers");
    }
    if v.at_least(ReturnShare, 0.2) && v.ratio_at_least(ReturnShare, 2.0) {
        return Some("Frequent returners");
    }
    if v.ratio_at_least(Monetary, 3.0) {
        return Some(if v.ratio_at_least(freq, 2.0) { "Loyal high-value customers" } else { "High-value customers" });
    }
    if v.ratio_at_least(freq, 2.0) {
        return Some("Frequent buyers");
    }
    if v.mean(freq).is_some_and(|f| f <= 1.5) {
        return Some("One-time buyers");
    }
    if v.ratio(Monetary).is_some_and(|r| r <= 1.0 / 3.0) {
        return Some("Low-value customers");
    }
    None
}

/// Most characters of a feature key in a name (a customer table's column
/// may be called anything; the rest is cut, with `…`).
pub const KEY_CHARS_IN_NAME: usize = 40;

/// A feature key as words: `annual_income_k$` -> `annual income k$`, cut
/// to [`KEY_CHARS_IN_NAME`] characters.
fn words(key: &str) -> String {
    let w = key.split('_').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    match w.char_indices().nth(KEY_CHARS_IN_NAME) {
        Some((i, _)) => format!("{}…", &w[..i]),
        None => w,
    }
}

/// `High annual income, low spending score` from the (up to) `n` most
/// distinguishing features; `None` for a segment at the overall centre.
fn distinguishing_name(v: &View, n: usize) -> Option<String> {
    let parts: Vec<String> =
        v.p.distinguishing
            .iter()
            .take(n)
            .map(|&(j, z)| format!("{} {}", if z >= 0.0 { "high" } else { "low" }, words(&v.ft.defs[j].key)))
            .collect();
    let s = parts.join(", ");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect())
}

/// One name per profile (in the order of `profiles`), by the rules above;
/// no two alike. `overall` is the mean of each feature over all accounts
/// (raw unit, as `profiles`' means); `kept[i]` is the feature of scaled
/// column `i` (the profiles' `z_means`). The sample's six trader types each get
/// the name their rules predict (tests/names.rs).
pub fn segment_names(ft: &FeatureTable, profiles: &[SegmentProfile], overall: &[f64], kept: &[usize]) -> Vec<String> {
    let trades = ft.defs.iter().any(|d| d.feature == Some(FeatureKey::TradeCount));
    let transactions = ft.defs.iter().any(|d| d.feature == Some(FeatureKey::Monetary));
    // For each segment, its candidate names, best first.
    let candidates: Vec<Vec<String>> = profiles
        .iter()
        .map(|p| {
            let v = View { ft, p, overall, kept };
            let mut c = Vec::new();
            let head = if trades {
                trade_head(&v)
            } else if transactions {
                transaction_name(&v)
            } else {
                None
            };
            match head {
                Some(h) => {
                    let q = if trades { trade_qualifiers(&v) } else { Vec::new() };
                    c.push(match q.first() {
                        Some(q) => format!("{h}, {q}"),
                        None => h.to_string(),
                    });
                    c.extend(q.iter().skip(1).map(|q| format!("{h}, {q}")));
                    if let Some(d) = distinguishing_name(&v, 1) {
                        c.push(format!("{h}: {}", d.to_lowercase()));
                    }
                }
                None => {
                    c.extend(distinguishing_name(&v, 2));
                    c.extend(distinguishing_name(&v, 3));
                }
            }
            if c.is_empty() {
                c.push(if transactions && !trades { "Typical customers" } else { "Typical accounts" }.to_string());
            }
            c
        })
        .collect();
    // Larger segments (lower numbers) choose first.
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    order.sort_by_key(|&i| profiles[i].id);
    let mut names = vec![String::new(); profiles.len()];
    let mut taken: Vec<String> = Vec::new();
    for i in order {
        let free = candidates[i].iter().find(|c| !taken.iter().any(|t| t.eq_ignore_ascii_case(c)));
        let name = match free {
            Some(c) => c.clone(),
            None => format!("{} (segment {})", candidates[i][0], profiles[i].id),
        };
        taken.push(name.clone());
        names[i] = name;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureDef;
    use ndarray::Array2;

    fn table(keys: &[(&str, Option<FeatureKey>)]) -> FeatureTable {
        let defs = keys
            .iter()
            .map(|&(k, f)| FeatureDef { key: k.into(), unit: String::new(), formula: String::new(), feature: f })
            .collect();
        FeatureTable::from_parts(vec![], defs, Array2::zeros((0, keys.len())))
    }

    fn profile(id: usize, means: Vec<f64>, distinguishing: Vec<(usize, f64)>) -> SegmentProfile {
        SegmentProfile {
            id,
            size: 10,
            share: 0.1,
            z_means: vec![],
            means,
            distinguishing,
            flags: vec![],
            anomalies: 0,
            name: String::new(),
            actions: vec![],
            playbook: vec![],
        }
    }

    #[test]
    fn customer_tables_are_named_from_what_sets_them_apart_and_never_twice() {
        let ft = table(&[("annual_income", None), ("spending_score", None)]);
        let p = [
            profile(1, vec![80.0, 20.0], vec![(0, 1.2), (1, -1.1)]),
            profile(2, vec![80.0, 20.0], vec![(0, 1.0), (1, -0.9)]),
            profile(3, vec![50.0, 50.0], vec![]),
        ];
        let names = segment_names(&ft, &p, &[60.0, 50.0], &[0, 1]);
        assert_eq!(names[0], "High annual income, low spending score");
        assert_eq!(names[1], "High annual income, low spending score (segment 2)");
        assert_eq!(names[2], "Typical accounts");
        let long = "w".repeat(20_000);
        let ft = table(&[(long.as_str(), None)]);
        let names = segment_names(&ft, &[profile(1, vec![1.0], vec![(0, 1.0)])], &[0.0], &[0]);
        assert_eq!(names[0], format!("High {}…", "w".repeat(KEY_CHARS_IN_NAME)));
    }

    #[test]
    fn trade_rules_in_order_with_one_qualifier() {
        use FeatureKey::*;
        let ft = table(&[
            ("trade_count", Some(TradeCount)),
            ("recency_days", Some(RecencyDays)),
            ("median_notional", Some(MedianNotional)),
            ("maker_share", Some(MakerShare)),
            ("spot_share", Some(SpotShare)),
            ("long_short_bias", Some(LongShortBias)),
        ]);
        let overall = [10.0, 20.0, 100.0, 0.2, 0.5, 0.0];
        let p = [
            profile(1, vec![10.0, 90.0, 100.0, 0.9, 0.5, 0.0], vec![]),
            profile(2, vec![10.0, 10.0, 100.0, 0.9, 0.5, 0.0], vec![]),
            profile(3, vec![10.0, 10.0, 500.0, 0.1, 0.9, 0.8], vec![]),
            profile(4, vec![10.0, 10.0, 100.0, 0.1, 0.9, 0.8], vec![(4, 0.5)]),
            profile(5, vec![10.0, 10.0, 100.0, 0.1, 0.9, 0.8], vec![(4, 0.4)]),
        ];
        let mut p = p;
        p[2].z_means = vec![0.0, 0.0, 1.4, 0.0, 0.0, 0.0];
        let names = segment_names(&ft, &p, &overall, &[0, 1, 2, 3, 4, 5]);
        assert_eq!(
            names,
            [
                "Lapsed accounts",
                "Market makers",
                "Spot holders, large tickets",
                "Spot holders",
                "Spot holders: high spot share",
            ]
        );
    }
}
