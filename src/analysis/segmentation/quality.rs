//! Stages "silhouette and stability": how well the final segments separate
//! (mean silhouette on the seeded sample, noise left out) and how stable the
//! method is at this k (agreement between fits on subsample pairs).

use super::fit::fit_method;
use super::Method;
use crate::analysis::metrics::silhouette_samples_precomputed;
use crate::analysis::stability::{subsample_stability, Stability};
use crate::analysis::AnalysisError;
use ndarray::{ArrayView2, Axis};

/// Mean silhouette of the final `segments` (`n` long, 0 = noise) on the
/// sampled rows `sample`, whose pairwise distances are `dist`
/// (`sample.len()` square), noise left out; NaN with fewer than two segments
/// among them. Returns (silhouette, accounts it was computed on).
pub(super) fn silhouette(segments: &[usize], sample: &[usize], dist: ArrayView2<f64>) -> (f64, usize) {
    let kept: Vec<usize> = (0..sample.len()).filter(|&p| segments[sample[p]] != 0).collect();
    let kept_labels: Vec<usize> = kept.iter().map(|&p| segments[sample[p]] - 1).collect();
    let distinct = kept_labels.iter().collect::<std::collections::BTreeSet<_>>().len();
    let silhouette = if distinct >= 2 {
        // Without noise every sampled account is kept: no copies of the distance matrix.
        let s = if kept.len() == sample.len() {
            silhouette_samples_precomputed(dist, &kept_labels)
        } else {
            let sub = dist.select(Axis(0), &kept).select(Axis(1), &kept);
            silhouette_samples_precomputed(sub.view(), &kept_labels)
        };
        s.iter().sum::<f64>() / s.len() as f64
    } else {
        f64::NAN
    };
    (silhouette, kept.len())
}

/// Labels with noise given a label of its own (one past the largest), for ARI.
fn with_noise(labels: &[Option<usize>]) -> Vec<usize> {
    let noise = labels.iter().flatten().max().map_or(0, |m| m + 1);
    labels.iter().map(|l| l.unwrap_or(noise)).collect()
}

/// Subsample-pair stability ([`subsample_stability`], `runs` pairs of 80 %
/// subsamples of `zs`, the sampled scaled rows) of `method` at `k` segments,
/// for data of `n` accounts: `None` when skipped (`runs == 0`, fewer than two
/// segments, under 10 sampled accounts), `Some(Err)` with the reason when a
/// subsample could not be segmented. HDBSCAN's min cluster size is scaled to
/// each subsample.
pub(super) fn stability(
    method: Method,
    zs: ArrayView2<f64>,
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
        Some(subsample_stability(zs, runs, 0.8, seed, fit).map_err(|e| match e {
            AnalysisError::NoSegments => "a subsample gave fewer than two segments".to_string(),
            e => e.to_string(),
        }))
    } else {
        None
    }
}
