//! Per-account inputs of the risk view ([`crate::analysis::risk`]): what
//! the stress scenario, the margin rule and the red flags need beyond the
//! feature table, one [`AccountRisk`] per account of a trades file.

use super::flags::FlagEvidence;
use serde::{Deserialize, Serialize};

/// One account's exposure, outcomes and red-flag evidence. Amounts are in
/// the file's quote currency; `NaN` where the file cannot say.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRisk {
    /// Total notional (sum of |quantity x price| or the notional column).
    pub notional: f64,
    /// Notional in perpetuals, futures and options (0 when the type is unknown).
    pub perpetual: f64,
    pub future: f64,
    pub option: f64,
    /// Notional-weighted mean leverage over the fills that can be
    /// liquidated: perpetuals, futures, and fills of unknown type; spot and
    /// options are left out. `NaN`: no such fill had a leverage value.
    pub leverage: f64,
    /// Notional of those leveraged fills (with a leverage value).
    pub leveraged_notional: f64,
    /// Net bias, (buy - sell) / sided notional, in [-1, 1]; `NaN` without sides.
    pub bias: f64,
    /// Realized PnL, summed; `NaN` without a PnL column.
    pub pnl: f64,
    pub flags: FlagEvidence,
}

/// The risk view's inputs for a trades file: one row per account (in the
/// order of [`super::FeatureTable::ids`]; empty in a table sent without
/// its rows) and sentences naming what the file lacks for each part.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RiskInputs {
    pub rows: Vec<AccountRisk>,
    /// Leverage was mapped: the stress scenario can be computed.
    pub has_leverage: bool,
    /// PnL was mapped.
    pub has_pnl: bool,
    /// Fills had a real time: bursts and dormancy can be computed.
    pub has_time: bool,
    /// Side, quantity and instrument were mapped as well: round trips can be computed.
    pub has_round_trips: bool,
}

impl RiskInputs {
    /// Sentences saying what is not computed and which columns it needs (empty: everything is).
    pub fn missing(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.has_leverage {
            out.push("Stress scenario not computed: the file has no leverage column (map one under \"Leverage\"); segscope does not guess leverage.".into());
        }
        if !self.has_time {
            out.push("Red flags not computed: they need a timestamp column with real times.".into());
        } else if !self.has_round_trips {
            out.push("Round trips not computed: they need side, quantity and instrument columns.".into());
        }
        if !self.has_pnl {
            out.push("Realized PnL not shown: the file has no PnL column.".into());
        }
        out
    }
}
