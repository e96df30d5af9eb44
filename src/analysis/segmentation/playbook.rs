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
//! segment N**), or the playbook itself (table **Playbook**: each rule's
//! action, empty to turn it off), and the summary exports and the report
//! carry them.

use super::names::{trade_head, transaction_name, View, QUALIFIER_Z};
use super::SegmentProfile;
use crate::features::{FeatureKey, FeatureTable};

/// Most suggested actions per segment.
pub const MAX_ACTIONS: usize = 3;

/// One rule of the playbook: when it holds, in words, and the action it suggests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub when: &'static str,
    pub action: &'static str,
}

/// The playbook, in the order its actions are suggested (the table above).
pub const PLAYBOOK: [Rule; 11] = [
    Rule {
        when: "mean leverage at least 10 and mean realized PnL below 0",
        action: "Leverage education and a margin review",
    },
    Rule { when: "named Lapsed (accounts or customers)", action: "Re-activation offer" },
    Rule { when: "maker share at least 0.6", action: "Maker rebate tier" },
    Rule { when: "option share at least 0.3", action: "Options tooling (strategy builder, Greeks and payoff views)" },
    Rule { when: "future share at least 0.4", action: "Basis and calendar-spread tools" },
    Rule {
        when: "large tickets (median notional's centre at least 1 scaled unit above the overall)",
        action: "Account manager and OTC / block-trade desk",
    },
    Rule {
        when: "spot share at least 0.5 and long/short bias at least 0.3",
        action: "Savings or staking for idle balances",
    },
    Rule {
        when: "high frequency (trades per active day at least 1 scaled unit above)",
        action: "API access and fee tier review",
    },
    Rule { when: "named Frequent returners", action: "Review return reasons and product pages" },
    Rule { when: "named High-value or Loyal high-value customers", action: "Loyalty programme" },
    Rule { when: "named One-time buyers", action: "Second-purchase incentive" },
];

/// For each profile (in the order of `profiles`), the indices into
/// [`PLAYBOOK`] of every rule that holds, in the playbook's order;
/// arguments as [`super::segment_names`].
pub fn playbook_rules(
    ft: &FeatureTable,
    profiles: &[SegmentProfile],
    overall: &[f64],
    kept: &[usize],
) -> Vec<Vec<usize>> {
    use FeatureKey::*;
    profiles
        .iter()
        .map(|p| {
            let v = View { ft, p, overall, kept };
            let trades = v.index(TradeCount).is_some();
            let head = if trades { trade_head(&v) } else { transaction_name(&v) };
            let freq = if v.index(TradesPerActiveDay).is_some() { TradesPerActiveDay } else { TradeCount };
            let holds: [bool; PLAYBOOK.len()] = [
                v.at_least(MeanLeverage, 10.0) && v.mean(RealizedPnl).is_some_and(|x| x < 0.0),
                head.is_some_and(|h| h.starts_with("Lapsed")),
                v.at_least(MakerShare, 0.6),
                v.at_least(OptionShare, 0.3),
                v.at_least(FutureShare, 0.4),
                trades && v.z(MedianNotional).is_some_and(|z| z >= QUALIFIER_Z),
                v.at_least(SpotShare, 0.5) && v.at_least(LongShortBias, 0.3),
                trades && v.z(freq).is_some_and(|z| z >= QUALIFIER_Z),
                head == Some("Frequent returners"),
                head.is_some_and(|h| h.contains("high-value") || h.starts_with("High-value")),
                head == Some("One-time buyers"),
            ];
            (0..PLAYBOOK.len()).filter(|&r| holds[r]).collect()
        })
        .collect()
}

/// The actions of a segment whose rules `rules` hold, with the playbook's
/// actions as `actions` (one text per rule of [`PLAYBOOK`], as the user
/// edited them; an empty text turns its rule off): the first
/// [`MAX_ACTIONS`] of them, in the playbook's order.
pub fn actions_for(rules: &[usize], actions: &[String]) -> Vec<String> {
    rules
        .iter()
        .filter_map(|&r| actions.get(r))
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .take(MAX_ACTIONS)
        .map(str::to_string)
        .collect()
}

/// The playbook's own actions, one per rule of [`PLAYBOOK`].
pub fn default_actions() -> Vec<String> {
    PLAYBOOK.iter().map(|r| r.action.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_the_playbook_order_skip_rules_turned_off_and_stop_at_three() {
        let mut texts = default_actions();
        assert_eq!(actions_for(&[2, 0], &texts), vec![PLAYBOOK[2].action, PLAYBOOK[0].action]);
        assert_eq!(actions_for(&[0, 2, 3, 4], &texts).len(), MAX_ACTIONS);
        texts[2] = "  VIP maker desk ".into();
        texts[3] = " ".into();
        assert_eq!(actions_for(&[2, 3, 4, 5], &texts), vec!["VIP maker desk", PLAYBOOK[4].action, PLAYBOOK[5].action]);
        assert_eq!(actions_for(&[99], &texts), Vec::<String>::new());
    }
}
