//! Stages "silhouette and stability": how well the final segments separate
//! (mean silhouette on the seeded sample, noise left out) and how stable the
//! method is at this k (agreement between fits on subsample pairs).

use super::fit::fit_method;
use super::{Clusters, Method};
use crate::analysis::metrics::silhouette_samples_precomputed;
use crate::analysis::stability::{subsample_stability, Stability};
use crate::analysis::AnalysisError;
use crate::analysis::FittedPca;
use ndarray::{Array2, ArrayView2, Axis};

/// The silhouette of the final segments on the seeded sample ([`silhouette`]).
pub(super) struct Silhouette {
    /// Mean silhouette; NaN with fewer than two segments in the sample.
    pub mean: f64,
    /// Sampled accounts it was computed on (noise left out).
    pub n: usize,
    /// Per segment `1..=k` (index `s - 1`), its sampled accounts' silhouettes, highest first.
    pub by_segment: Vec<Vec<f64>>,
}

/// Silhouette of the final `segments` (`n` long, `1..=k`, 0 = noise) on the
/// sampled rows `sample`, whose pairwise distances are `dist`
/// (`sample.len()` square), noise left out: each sampled account's value
/// (scikit-learn's `silhouette_samples`, with `metric="precomputed"`) and their mean.
pub(super) fn silhouette(segments: &[usize], sample: &[usize], dist: ArrayView2<f64>, k: usize) -> Silhouette {
    let kept: Vec<usize> = (0..sample.len()).filter(|&p| segments[sample[p]] != 0).collect();
    let kept_labels: Vec<usize> = kept.iter().map(|&p| segments[sample[p]] - 1).collect();
    let distinct = kept_labels.iter().collect::<std::collections::BTreeSet<_>>().len();
    let silhouette: Vec<f64> = if distinct >= 2 {
        // Without noise every sampled account is kept: no copies of the distance matrix.
        let s = if kept.len() == sample.len() {
            silhouette_samples_precomputed(dist, &kept_labels)
        } else {
            let sub = dist.select(Axis(0), &kept).select(Axis(1), &kept);
            silhouette_samples_precomputed(sub.view(), &kept_labels)
        };
        s
    } else {
        Vec::new()
    };
    let mut by_segment = vec![Vec::new(); k];
    for (&l, &v) in kept_labels.iter().zip(&silhouette) {
        if let Some(b) = by_segment.get_mut(l) {
            b.push(v);
        }
    }
    for b in &mut by_segment {
        b.sort_by(|a, b| b.total_cmp(a));
    }
    let mean = if silhouette.is_empty() { f64::NAN } else { silhouette.iter().sum::<f64>() / silhouette.len() as f64 };
    Silhouette { mean, n: kept.len(), by_segment }
}

/// Labels with noise given a label of its own (one past the largest), for ARI.
fn with_noise(labels: &[Option<usize>]) -> Vec<usize> {
    let noise = labels.iter().flatten().max().map_or(0, |m| m + 1);
    labels.iter().map(|l| l.unwrap_or(noise)).collect()
}

/// Subsample-pair stability ([`subsample_stability`], `runs` pairs of 80 %
/// subsamples of `zs`, the sampled scaled rows) of `method` at `k` segments,
/// for data of `n` accounts: `None` when skipped (`runs == 0`, fewer than two
/// segments, under 10 sampled accounts), with each segment's clusterwise
/// Jaccard against `reference` (the final segment of each row of `zs`,
/// 0 = noise), `Some(Err)` with the reason when a
/// subsample could not be segmented. HDBSCAN's min cluster size is scaled to
/// each subsample.
pub(super) fn stability(
    method: Method,
    zs: ArrayView2<f64>,
    reference: &[usize],
    n: usize,
    k: usize,
    runs: usize,
    seed: u64,
) -> Option<Result<Stability, String>> {
    if runs > 0 && k >= 2 && zs.nrows() >= 10 {
        // HDBSCAN's min cluster size scales with the subsample, so it looks for the same groups.
        let scaled = |m: usize, rows: usize| ((m as f64 * rows as f64 / n as f64).round() as usize).max(2);
        let fit = |x: ArrayView2<f64>, seed: u64| {
            let method = match method {
                Method::Hdbscan { min_cluster_size } => {
                    Method::Hdbscan { min_cluster_size: scaled(min_cluster_size, x.nrows()) }
                }
                m => m,
            };
            let labels = fit_method(method, x, k.min(x.nrows()), seed, 3)?.labels;
            if labels.iter().flatten().collect::<std::collections::BTreeSet<_>>().len() < 2 {
                // Two "all noise" answers would agree perfectly and say nothing.
                return Err(AnalysisError::NoSegments);
            }
            Ok(with_noise(&labels))
        };
        Some(subsample_stability(zs, runs, 0.8, seed, Some((reference, k)), fit).map_err(|e| match e {
            AnalysisError::NoSegments => "a subsample gave fewer than two segments".to_string(),
            e => e.to_string(),
        }))
    } else {
        None
    }
}
/// Below this [`assignment_margin`], an account's best and second-best
/// segments are nearly tied.
pub const NEAR_TIE: f64 = 0.1;

/// How clearly each row of `x` (`n x d`, the clustering space) belongs to
/// its segment under `clusters`, in `[0, 1]` (0 = tied with another
/// segment): k-means, `(d2 - d1) / d2` with `d1`, `d2` the Euclidean
/// distances to the nearest and second-nearest centres; a mixture, `p1 -
/// p2`, the two highest posterior probabilities of segments in `membership`
/// (`n x` components, segments' first); HDBSCAN, NaN (no rule for it). With
/// one segment, 1.
pub(super) fn assignment_margin(
    clusters: &Clusters,
    x: ArrayView2<f64>,
    k: usize,
    membership: Option<&Array2<f64>>,
) -> Vec<f64> {
    let two_best = |v: &mut dyn Iterator<Item = f64>, lower: bool| {
        let (mut a, mut b) =
            if lower { (f64::INFINITY, f64::INFINITY) } else { (f64::NEG_INFINITY, f64::NEG_INFINITY) };
        for t in v {
            if (lower && t < a) || (!lower && t > a) {
                b = a;
                a = t;
            } else if (lower && t < b) || (!lower && t > b) {
                b = t;
            }
        }
        (a, b)
    };
    match (clusters, membership) {
        (Clusters::Centres(c), _) => x
            .rows()
            .into_iter()
            .map(|r| {
                let mut d =
                    c.rows().into_iter().map(|cr| cr.iter().zip(r).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt());
                let (d1, d2) = two_best(&mut d, true);
                if d2.is_infinite() {
                    1.0
                } else if d2 > 0.0 {
                    (d2 - d1) / d2
                } else {
                    0.0
                }
            })
            .collect(),
        (Clusters::Mixture { .. }, Some(p)) => p
            .rows()
            .into_iter()
            .map(|r| {
                let (p1, p2) = two_best(&mut r.iter().take(k).copied(), false);
                if p2.is_infinite() {
                    1.0
                } else {
                    p1 - p2
                }
            })
            .collect(),
        _ => vec![f64::NAN; x.nrows()],
    }
}

/// Share of variance the PCA keeps in [`reconstruction_error`].
pub const RECONSTRUCTION_VARIANCE: f64 = 0.9;

/// Mean squared distance of the rows of `x` (`n x d`) from their
/// reconstruction by the first `m` components of `pca`, `m` the fewest
/// whose explained variance ratios reach [`RECONSTRUCTION_VARIANCE`]
/// (scaled units squared): `mean_i ||x_i - mean - P^T P (x_i - mean)||^2`.
/// Rows unlike those the PCA was fitted on have larger errors: a
/// multivariate drift signal. NaN for no rows, and when reaching the share
/// takes every component (nothing is left out: the error would be rounding).
pub(super) fn reconstruction_error(pca: &FittedPca, x: ArrayView2<f64>) -> f64 {
    let mut total = 0.0;
    let mut cum = 0.0;
    let m = pca
        .explained_variance_ratio
        .iter()
        .position(|&r| {
            cum += r;
            cum >= RECONSTRUCTION_VARIANCE - 1e-12
        })
        .map_or(pca.components.nrows(), |p| p + 1);
    if m >= pca.components.nrows() || x.nrows() == 0 {
        return f64::NAN;
    }
    let t = pca.transform_first(x, m);
    for (row, proj) in x.rows().into_iter().zip(t.rows()) {
        // ||x - mean||^2 - ||projection||^2: the components are orthonormal.
        let centred: f64 = row.iter().zip(&pca.mean).map(|(a, b)| (a - b) * (a - b)).sum();
        let kept: f64 = proj.iter().map(|v| v * v).sum();
        total += (centred - kept).max(0.0);
    }
    total / x.nrows() as f64
}

#[cfg(test)]
mod silhouette_tests {
    use super::*;

    #[test]
    fn per_segment_values_are_the_samples_values_sorted_and_average_to_the_mean() {
        // Five accounts on a line, the fourth (segment 2) sampled out, the last noise.
        let x: [f64; 6] = [0.0, 1.0, 5.0, 9.0, 6.0, 3.0];
        let segments = [1, 1, 2, 2, 2, 0];
        let sample = [0, 1, 2, 4, 5];
        let dist = Array2::from_shape_fn((5, 5), |(i, j)| (x[sample[i]] - x[sample[j]]).abs());
        let s = silhouette(&segments, &sample, dist.view(), 2);
        assert_eq!(s.n, 4, "noise left out");
        let sub = dist.select(Axis(0), &[0, 1, 2, 3]).select(Axis(1), &[0, 1, 2, 3]);
        let want = silhouette_samples_precomputed(sub.view(), &[0, 0, 1, 1]);
        let mut seg1 = want[..2].to_vec();
        seg1.sort_by(|a, b| b.total_cmp(a));
        assert_eq!(s.by_segment[0], seg1);
        assert_eq!(s.by_segment[1].len(), 2);
        assert!(s.by_segment[1][0] >= s.by_segment[1][1], "highest first");
        let all: Vec<f64> = s.by_segment.concat();
        assert!((all.iter().sum::<f64>() / 4.0 - s.mean).abs() < 1e-12);
        assert_eq!(want.iter().sum::<f64>() / 4.0, s.mean);
    }
}
