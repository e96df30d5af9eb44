//! Two periods under one model ([`compare`]): who moved between segments
//! ([`Migration`]), how each feature drifted ([`FeatureDrift`]), how each
//! segment held up ([`SegmentHealth`]), and whether to refit ([`Verdict`]).

use super::drift::{ks_statistic, psi, PSI_MAJOR, PSI_MODERATE};
use super::segmentation::NEAR_TIE;
use super::Segmentation;
use crate::features::FeatureTable;
use crate::hashing::HashMap;
use crate::stats::median;
use ndarray::Array2;

/// Account counts from the first period's segments to the next period's.
///
/// `counts[r][c]`: rows `0` (noise), `1..=k_before` (segments), `k_before +
/// 1` (**New**: accounts only in the next period); columns `0` (noise),
/// `1..=k_after`, `k_after + 1` (**Churned**: accounts with no row in the
/// next period). Accounts are matched by id.
#[derive(Clone, Debug, PartialEq)]
pub struct Migration {
    pub k_before: usize,
    pub k_after: usize,
    pub counts: Vec<Vec<usize>>,
}

impl Migration {
    /// Accounts in row `r`.
    pub fn row_total(&self, r: usize) -> usize {
        self.counts[r].iter().sum()
    }
}

/// Counts accounts by (segment before, segment after): see [`Migration`].
/// `segments_*[i]` is the segment (`0..=k`, 0 = noise) of `ids_*[i]`.
pub fn migration(
    ids_before: &[String],
    segments_before: &[usize],
    k_before: usize,
    ids_after: &[String],
    segments_after: &[usize],
    k_after: usize,
) -> Migration {
    let mut counts = vec![vec![0usize; k_after + 2]; k_before + 2];
    let after: HashMap<&str, usize> = ids_after.iter().zip(segments_after).map(|(id, &s)| (id.as_str(), s)).collect();
    let mut seen = HashMap::default();
    for (id, &s) in ids_before.iter().zip(segments_before) {
        let to = after.get(id.as_str()).copied().unwrap_or(k_after + 1);
        counts[s][to] += 1;
        seen.insert(id.as_str(), ());
    }
    for (id, &s) in ids_after.iter().zip(segments_after) {
        if !seen.contains_key(id.as_str()) {
            counts[k_before + 1][s] += 1;
        }
    }
    Migration { k_before, k_after, counts }
}

/// How one feature moved between the periods.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureDrift {
    /// Index into the feature table's defs (the model's order).
    pub feature: usize,
    /// True if the feature defines the segments (in the clustering space).
    pub clustering: bool,
    /// Population stability index of the transformed feature ([`psi`]).
    pub psi: f64,
    /// Two-sample Kolmogorov-Smirnov statistic ([`ks_statistic`]).
    pub ks: f64,
    /// Median of the raw values (missing cells left out), each period; NaN if none.
    pub median_before: f64,
    pub median_after: f64,
}

impl FeatureDrift {
    /// "major", "moderate" or "" by the PSI thresholds.
    pub fn level(&self) -> &'static str {
        if self.psi >= PSI_MAJOR {
            "major"
        } else if self.psi >= PSI_MODERATE {
            "moderate"
        } else {
            ""
        }
    }
}

/// One segment in both periods.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentHealth {
    /// `1..=k`.
    pub segment: usize,
    pub size_before: usize,
    pub size_after: usize,
    /// Mean anomaly score of its accounts (the segmentation's
    /// `anomaly_unit`: distance to the segment's centre for k-means and
    /// HDBSCAN, negative log-likelihood for a mixture); NaN if empty.
    pub spread_before: f64,
    pub spread_after: f64,
    /// Share of its accounts nearly tied with another segment
    /// (assignment margin below [`NEAR_TIE`]); NaN if empty or undefined.
    pub near_tie_before: f64,
    pub near_tie_after: f64,
}

/// The decision, with the rules that fired (empty when the segments hold).
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub refit: bool,
    pub reasons: Vec<String>,
}

impl Verdict {
    /// **Refit recommended** or **Segments still hold**.
    pub fn headline(&self) -> &'static str {
        if self.refit {
            "Refit recommended"
        } else {
            "Segments still hold"
        }
    }
}

/// A growth of the PCA reconstruction error by this factor or more fires the
/// verdict's rule 3.
pub const RECONSTRUCTION_GROWTH: f64 = 1.25;
/// A rise of the near-tie share (all accounts) by this much or more fires rule 4.
pub const NEAR_TIE_RISE: f64 = 0.1;

/// What [`compare`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub migration: Migration,
    /// One per kept feature (constant ones were dropped by the model), in the table's order.
    pub drift: Vec<FeatureDrift>,
    pub health: Vec<SegmentHealth>,
    /// Mean squared PCA reconstruction error, each period.
    pub reconstruction_before: f64,
    pub reconstruction_after: f64,
    /// Share of all accounts nearly tied, each period (NaN for HDBSCAN).
    pub near_tie_before: f64,
    pub near_tie_after: f64,
    pub verdict: Verdict,
}

/// Share of `margin` below [`NEAR_TIE`] over the accounts `keep` selects; NaN if none or undefined.
fn near_tie_share(margin: &[f64], keep: impl Fn(usize) -> bool) -> f64 {
    let (mut n, mut tied) = (0usize, 0usize);
    for (_, &m) in margin.iter().enumerate().filter(|&(i, m)| keep(i) && !m.is_nan()) {
        n += 1;
        tied += (m < NEAR_TIE) as usize;
    }
    if n == 0 {
        f64::NAN
    } else {
        tied as f64 / n as f64
    }
}

/// Compares the next period (`after`, scored with the model of `before`:
/// the same features in the same order, the same preprocessing) with the
/// first (`before`).
///
/// The verdict is **Refit recommended** when any of these holds, else
/// **Segments still hold**:
/// 1. a feature that defines the segments drifted majorly (PSI >= [`PSI_MAJOR`]);
/// 2. at least a third of the features that define the segments drifted
///    moderately (PSI >= [`PSI_MODERATE`]);
/// 3. the PCA reconstruction error grew by [`RECONSTRUCTION_GROWTH`] or more
///    (the accounts fill directions the model did not see);
/// 4. the share of accounts nearly tied between two segments rose by
///    [`NEAR_TIE_RISE`] or more (the segments blur);
/// 5. a segment has no account in the next period.
pub fn compare(before: (&FeatureTable, &Segmentation), after: (&FeatureTable, &Segmentation)) -> Comparison {
    let mut c = Comparer::new(before, after);
    while c.step() {}
    c.finish()
}

/// [`compare`] in steps, for a caller that must not block for long (the
/// page, between which it yields): [`Comparer::new`] counts the migration
/// and preprocesses both periods, each [`Comparer::step`] measures one
/// feature's drift, [`Comparer::finish`] the segments' health and the verdict.
pub struct Comparer<'a> {
    before: (&'a FeatureTable, &'a Segmentation),
    after: (&'a FeatureTable, &'a Segmentation),
    migration: Migration,
    z0: Array2<f64>,
    z1: Array2<f64>,
    drift: Vec<FeatureDrift>,
}

impl<'a> Comparer<'a> {
    /// The migration, and both periods preprocessed by the first's model.
    pub fn new(before: (&'a FeatureTable, &'a Segmentation), after: (&'a FeatureTable, &'a Segmentation)) -> Self {
        let ((ft0, s0), (ft1, s1)) = (before, after);
        let migration = migration(&ft0.ids, &s0.segments, s0.k, &ft1.ids, &s1.segments, s1.k);
        let pre = &s0.preprocessor;
        let (z0, z1) = (pre.transform(ft0.values.view()), pre.transform(ft1.values.view()));
        Comparer { before, after, migration, z0, z1, drift: Vec::new() }
    }

    /// Measures the next kept feature's drift; false when every one is done.
    pub fn step(&mut self) -> bool {
        let ((ft0, s0), (ft1, _)) = (self.before, self.after);
        let c = self.drift.len();
        let Some(&j) = s0.preprocessor.kept.get(c) else { return false };
        let (a, b) = (self.z0.column(c).to_vec(), self.z1.column(c).to_vec());
        let zero = |ft: &FeatureTable| ft.values.column(j).iter().map(|&v| v == 0.0).collect::<Vec<bool>>();
        let raw_median = |ft: &FeatureTable| {
            let v: Vec<f64> = ft.values.column(j).iter().copied().filter(|v| v.is_finite()).collect();
            if v.is_empty() {
                f64::NAN
            } else {
                median(&v)
            }
        };
        self.drift.push(FeatureDrift {
            feature: j,
            clustering: s0.used.contains(&j),
            psi: if a.is_empty() { f64::NAN } else { psi(&a, &zero(ft0), &b, &zero(ft1)) },
            ks: ks_statistic(&a, &b),
            median_before: raw_median(ft0),
            median_after: raw_median(ft1),
        });
        true
    }

    /// The segments' health and the verdict (after every [`Comparer::step`]).
    pub fn finish(self) -> Comparison {
        let ((ft0, s0), (_, s1)) = (self.before, self.after);
        let (migration, drift) = (self.migration, self.drift);
        let k = s0.k.max(s1.k);
        let health: Vec<SegmentHealth> = (1..=k)
            .map(|s| {
                let mean_in = |seg: &Segmentation, v: &[f64]| {
                    let (sum, n) = seg
                        .segments
                        .iter()
                        .zip(v)
                        .filter(|(&g, _)| g == s)
                        .fold((0.0, 0usize), |(t, n), (_, &x)| (t + x, n + 1));
                    if n == 0 {
                        f64::NAN
                    } else {
                        sum / n as f64
                    }
                };
                let size = |seg: &Segmentation| seg.segments.iter().filter(|&&g| g == s).count();
                SegmentHealth {
                    segment: s,
                    size_before: size(s0),
                    size_after: size(s1),
                    spread_before: mean_in(s0, &s0.anomaly_score),
                    spread_after: mean_in(s1, &s1.anomaly_score),
                    near_tie_before: near_tie_share(&s0.margin, |i| s0.segments[i] == s),
                    near_tie_after: near_tie_share(&s1.margin, |i| s1.segments[i] == s),
                }
            })
            .collect();
        let near_tie_before = near_tie_share(&s0.margin, |_| true);
        let near_tie_after = near_tie_share(&s1.margin, |_| true);

        let mut reasons = Vec::new();
        let defining: Vec<&FeatureDrift> = drift.iter().filter(|d| d.clustering).collect();
        let key = |d: &FeatureDrift| ft0.defs[d.feature].key.clone();
        let major: Vec<String> = defining.iter().filter(|d| d.psi >= PSI_MAJOR).map(|d| key(d)).collect();
        if !major.is_empty() {
            reasons.push(format!(
                "major drift (PSI >= {PSI_MAJOR}) in a feature that defines the segments: {}",
                major.join(", ")
            ));
        }
        let moderate = defining.iter().filter(|d| d.psi >= PSI_MODERATE).count();
        if !defining.is_empty() && moderate * 3 >= defining.len() && major.is_empty() {
            reasons.push(format!(
                "{moderate} of the {} features that define the segments drifted (PSI >= {PSI_MODERATE})",
                defining.len()
            ));
        }
        let growth = s1.reconstruction_error / s0.reconstruction_error;
        if growth >= RECONSTRUCTION_GROWTH {
            reasons.push(format!(
                "the PCA reconstruction error grew {growth:.2}-fold: the accounts vary in ways the model did not see"
            ));
        }
        if near_tie_after - near_tie_before >= NEAR_TIE_RISE {
            reasons.push(format!(
                "accounts nearly tied between two segments rose from {:.0} % to {:.0} %",
                100.0 * near_tie_before,
                100.0 * near_tie_after
            ));
        }
        let emptied: Vec<String> =
            health.iter().filter(|h| h.size_before > 0 && h.size_after == 0).map(|h| h.segment.to_string()).collect();
        if !emptied.is_empty() {
            reasons.push(format!("segment {} has no account in the next period", emptied.join(", ")));
        }
        Comparison {
            migration,
            drift,
            health,
            reconstruction_before: s0.reconstruction_error,
            reconstruction_after: s1.reconstruction_error,
            near_tie_before,
            near_tie_after,
            verdict: Verdict { refit: !reasons.is_empty(), reasons },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn migration_counts_moves_new_and_churned_accounts() {
        // Before: a, b in 1; c in 2; d in 2; e noise. After: a stays in 1, b moves to 2,
        // c moves to 1, d churns, e joins 2, f and g are new (1 and 2).
        let m = migration(
            &ids(&["a", "b", "c", "d", "e"]),
            &[1, 1, 2, 2, 0],
            2,
            &ids(&["g", "a", "b", "c", "e", "f"]),
            &[2, 1, 2, 1, 2, 1],
            2,
        );
        assert_eq!(
            m.counts,
            vec![
                vec![0, 0, 1, 0], // noise: e -> 2
                vec![0, 1, 1, 0], // 1: a -> 1, b -> 2
                vec![0, 1, 0, 1], // 2: c -> 1, d churned
                vec![0, 1, 1, 0], // new: f -> 1, g -> 2
            ]
        );
        assert_eq!(m.row_total(3), 2);
    }
}
