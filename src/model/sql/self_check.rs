//! The script's self-check: a seeded sample of the app's own results
//! (features and segments of up to [`SAMPLE`] accounts) embedded in the
//! script, and a view `segscope_self_check` that compares the engine's
//! results with them: one row per figure (`figure`, `value`):
//! `accounts` (sampled accounts the engine also scored), `missing`
//! (sampled accounts it did not), `near_ties_excluded` (accounts whose two
//! best segments the app found within [`TIE`] of each other, left out of
//! the agreement), `label_agreement` (share of the others in the app's
//! segment), and `max_relative_error:<feature>` per feature
//! (`|engine - app| / max(|app|, |engine|, 1)`; 1 where one has a value and
//! the other none).

use super::{num, Dialect};
use crate::analysis::metrics::sample_indices;
use crate::analysis::Segmentation;
use crate::features::FeatureTable;

/// Accounts embedded (at most).
pub const SAMPLE: usize = 300;

/// Below this margin (the app's [`Segmentation::margin`]: relative distance
/// gap for k-means, probability gap for a mixture) an account is a near-tie
/// whose segment may differ in the last bits of arithmetic.
pub const TIE: f64 = 1e-9;

/// The app's results to embed: `ft` and `seg` as the page holds them.
pub struct SelfCheck<'a> {
    pub ft: &'a FeatureTable,
    pub seg: &'a Segmentation,
}

impl SelfCheck<'_> {
    /// The views `segscope_expected` and `segscope_self_check` over
    /// `segscope_features` and `segscope_scores`.
    pub(super) fn sql(&self, d: Dialect, keys: &[String]) -> String {
        let (ft, seg) = (self.ft, self.seg);
        let rows: Vec<String> = sample_indices(ft.ids.len(), SAMPLE, seg.seed)
            .into_iter()
            .map(|i| {
                let margin = seg.margin.get(i).copied().unwrap_or(f64::NAN);
                let tie = if margin.is_finite() && margin < TIE { "true" } else { "false" };
                let mut cells = vec![d.string(&ft.ids[i]), seg.segments[i].to_string(), tie.to_string()];
                cells.extend(ft.values.row(i).iter().map(|&v| {
                    if v.is_finite() {
                        num(v)
                    } else {
                        "CAST(NULL AS DOUBLE)".into()
                    }
                }));
                format!("    ({})", cells.join(", "))
            })
            .collect();
        let mut columns = vec!["account_id".to_string(), "segment".into(), "near_tie".into()];
        columns.extend((1..=keys.len()).map(|j| format!("e{j}")));
        // One pass: the sample joined once to the features and scores, every figure aggregated in one
        // row, then one row per figure (an engine that inlines views computes the pipeline once).
        let mut figures = vec![
            ("accounts".to_string(), "CAST(count(s.account_id) AS DOUBLE)".to_string()),
            ("missing".into(), "CAST(count(*) - count(s.account_id) AS DOUBLE)".into()),
            ("near_ties_excluded".into(), "CAST(count(CASE WHEN e.near_tie THEN 1 END) AS DOUBLE)".into()),
            (
                "label_agreement".into(),
                "avg(CASE WHEN e.near_tie OR s.account_id IS NULL THEN NULL WHEN s.segment = e.segment THEN 1E0 ELSE 0E0 END)".into(),
            ),
        ];
        for (j, key) in keys.iter().enumerate() {
            let (e, f) = (format!("e.e{}", j + 1), format!("f.{}", d.ident(key)));
            figures.push((
                format!("max_relative_error:{key}"),
                format!(
                    "max(CASE WHEN {e} IS NULL AND {f} IS NULL THEN 0E0 WHEN {e} IS NULL OR {f} IS NULL THEN 1E0 \
                     ELSE abs({f} - {e}) / greatest(abs({e}), abs({f}), 1E0) END)"
                ),
            ));
        }
        let aggregates: Vec<String> =
            figures.iter().enumerate().map(|(i, (_, a))| format!("  {a} AS v{}", i + 1)).collect();
        let pick: Vec<String> = (1..=figures.len()).map(|i| format!("WHEN {i} THEN w.v{i}")).collect();
        let names: Vec<Vec<String>> =
            figures.iter().enumerate().map(|(i, (name, _))| vec![(i + 1).to_string(), d.string(name)]).collect();
        let names: Vec<String> = names.iter().map(|r| format!("    ({})", r.join(", "))).collect();
        format!(
            "-- Self-check: {n} of the app's own accounts (seeded sample), their features and segments as the app computed them.\n\
             CREATE OR REPLACE TEMPORARY VIEW segscope_expected AS\nSELECT * FROM (VALUES\n{rows}\n) AS e({columns});\n\n\
             -- SELECT * FROM segscope_self_check: how far this engine is from the app on those accounts.\n\
             CREATE OR REPLACE TEMPORARY VIEW segscope_self_check AS\n\
             SELECT n.figure, CASE n.i {pick} END AS value\n\
             FROM (\nSELECT\n{aggregates}\nFROM segscope_expected AS e\n  LEFT JOIN segscope_features AS f ON f.account_id = e.account_id\n  \
             LEFT JOIN segscope_scores AS s ON s.account_id = e.account_id\n) AS w\n  CROSS JOIN (VALUES\n{names}\n  ) AS n(i, figure)\nORDER BY n.i;\n\n",
            n = rows.len(),
            rows = rows.join(",\n"),
            columns = columns.join(", "),
            pick = pick.join(" "),
            aggregates = aggregates.join(",\n"),
            names = names.join(",\n"),
        )
    }
}
