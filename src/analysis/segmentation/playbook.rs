//! Stage "profiles", with the names: suggested actions for each segment,
//! from a playbook of what exchanges and retailers do for such customers
//! (README, "Segment names", lists the same). Each rule looks at the
//! segment as the naming rules do ([`super::names`]); a segment gets every
//! action whose rule holds, in this order, at most [`MAX_ACTIONS`]:
//!
//! | when | action |
//! |---|---|
//! | mean_leverage at least 10 and mean realized_pnl below 0 | Leverage education and a margin review |
//! | named *Lapsed* (accounts or customers) | Re-activation offer |
//! | maker_share at least 0.6 | Maker rebate tier |
//! | option_share at least 0.3 | Options tooling (strategy builder, Greeks and payoff views) |
//! | future_share at least 0.4 | Basis and calendar-spread tools |
//! | *large tickets* (median_notional's centre at least 1 scaled unit above) | Account manager and OTC / block-trade desk |
//! | spot_share at least 0.5 and long_short_bias at least 0.3 | Savings or staking for idle balances |
//! | *high frequency* | API access and fee tier review |
//! | *Frequent returners* | Review return reasons and product pages |
//! | *High-value* / *Loyal high-value customers* | Loyalty programme |
//! | *One-time buyers* | Second-purchase incentive |
//!
//! The user edits a segment's actions in the page (input **Actions for
//! segment N**); the summary exports carry them.

use super::names::{trade_head, transaction_name, View, QUALIFIER_Z};
use super::SegmentProfile;
use crate::features::{FeatureKey, FeatureTable};

/// Most suggested actions per segment.
pub const MAX_ACTIONS: usize = 3;

/// The playbook's actions for each profile (in the order of `profiles`);
/// arguments as [`super::segment_names`].
pub fn suggested_actions(
    ft: &FeatureTable,
    profiles: &[SegmentProfile],
    overall: &[f64],
    kept: &[usize],
) -> Vec<Vec<String>> {
    use FeatureKey::*;
    profiles
        .iter()
        .map(|p| {
            let v = View { ft, p, overall, kept };
            let trades = v.index(TradeCount).is_some();
            let head = if trades { trade_head(&v) } else { transaction_name(&v) };
            let freq = if v.index(TradesPerActiveDay).is_some() { TradesPerActiveDay } else { TradeCount };
            let rules: [(bool, &str); 11] = [
                (
                    v.at_least(MeanLeverage, 10.0) && v.mean(RealizedPnl).is_some_and(|x| x < 0.0),
                    "Leverage education and a margin review",
                ),
                (head.is_some_and(|h| h.starts_with("Lapsed")), "Re-activation offer"),
                (v.at_least(MakerShare, 0.6), "Maker rebate tier"),
                (v.at_least(OptionShare, 0.3), "Options tooling (strategy builder, Greeks and payoff views)"),
                (v.at_least(FutureShare, 0.4), "Basis and calendar-spread tools"),
                (
                    trades && v.z(MedianNotional).is_some_and(|z| z >= QUALIFIER_Z),
                    "Account manager and OTC / block-trade desk",
                ),
                (v.at_least(SpotShare, 0.5) && v.at_least(LongShortBias, 0.3), "Savings or staking for idle balances"),
                (trades && v.z(freq).is_some_and(|z| z >= QUALIFIER_Z), "API access and fee tier review"),
                (head == Some("Frequent returners"), "Review return reasons and product pages"),
                (head.is_some_and(|h| h.contains("high-value") || h.starts_with("High-value")), "Loyalty programme"),
                (head == Some("One-time buyers"), "Second-purchase incentive"),
            ];
            rules.iter().filter(|(holds, _)| *holds).take(MAX_ACTIONS).map(|(_, a)| a.to_string()).collect()
        })
        .collect()
}
