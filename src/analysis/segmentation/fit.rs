//! Stages "cluster" and its relabelling: fits the chosen method on all
//! scaled accounts ([`fit_method`], also used by the stability stage on
//! subsamples), then numbers the clusters by size ([`relabel`]).

use super::Method;
use crate::analysis::gmm::{FittedGaussianMixture, GaussianMixture};
use crate::analysis::hdbscan::Hdbscan;
use crate::analysis::kmeans::{FittedKMeans, KMeans, MiniBatchKMeans};
use crate::analysis::metrics::sample_indices;
use crate::analysis::AnalysisError;
use ndarray::{Array2, ArrayView2, Axis};

/// Above this many accounts the final k-means fit is mini-batch
/// ([`MiniBatchKMeans`]) instead of Lloyd with `n_init` restarts.
pub const MINI_BATCH_ABOVE: usize = 100_000;

/// Above this many accounts (and up to [`MINI_BATCH_ABOVE`]) the `n_init`
/// k-means restarts run on a seeded sample of [`RESTART_SAMPLE`] accounts,
/// and the best of them is refined by one Lloyd run on all accounts
/// ([`KMeans::fit_from`]). The restarts differ only by their start, which
/// the sample finds as well, at a fraction of the cost (figures:
/// BENCHMARKS.md); a test checks the inertia stays within 0.5 % of theirs.
pub const RESTARTS_ON_SAMPLE_ABOVE: usize = 50_000;

/// Accounts in the sample the restarts run on, above [`RESTARTS_ON_SAMPLE_ABOVE`].
pub const RESTART_SAMPLE: usize = 20_000;

/// What [`fit_method`] returns.
pub(super) struct Fitted {
    /// Cluster of each row, `None` = noise.
    pub labels: Vec<Option<usize>>,
    pub gmm: Option<FittedGaussianMixture>,
    /// k-means: the fitted centres, `k x d`, in cluster order.
    pub centroids: Option<Array2<f64>>,
    /// HDBSCAN's strength of membership.
    pub probabilities: Option<Vec<f64>>,
    /// What ran, for the UI.
    pub about: String,
}

/// Fits `method` with `k` clusters (ignored by HDBSCAN) on `x` (`n x d`,
/// scaled): mini-batch k-means above [`MINI_BATCH_ABOVE`] rows, restarts on
/// a sample above [`RESTARTS_ON_SAMPLE_ABOVE`], else `n_init` restarts.
///
/// Errors: the estimator's.
pub(super) fn fit_method(
    method: Method,
    x: ArrayView2<f64>,
    k: usize,
    seed: u64,
    n_init: usize,
) -> Result<Fitted, AnalysisError> {
    let hard = |f: FittedKMeans, about: String| Fitted {
        labels: f.labels.into_iter().map(Some).collect(),
        gmm: None,
        centroids: Some(f.centroids),
        probabilities: None,
        about,
    };
    Ok(match method {
        Method::KMeans if x.nrows() > MINI_BATCH_ABOVE => {
            hard(MiniBatchKMeans::new(k).seed(seed).fit(x)?, "mini-batch k-means (batch 1024)".into())
        }
        Method::KMeans if x.nrows() > RESTARTS_ON_SAMPLE_ABOVE => {
            let sample = x.select(Axis(0), &sample_indices(x.nrows(), RESTART_SAMPLE, seed));
            let best = KMeans::new(k).seed(seed).n_init(n_init).fit(sample.view())?;
            hard(
                KMeans::new(k).fit_from(x, best.centroids.view())?,
                format!(
                    "k-means (Lloyd, k-means++, best of {n_init} restarts on {RESTART_SAMPLE} sampled accounts, then all accounts)"
                ),
            )
        }
        Method::KMeans => hard(
            KMeans::new(k).seed(seed).n_init(n_init).fit(x)?,
            format!("k-means (Lloyd, k-means++, {n_init} restarts)"),
        ),
        Method::GaussianMixture { covariance } => {
            let g = GaussianMixture::new(k).covariance_type(covariance).seed(seed).fit(x)?;
            let conv = if g.converged { "" } else { ", not converged" };
            let about = format!("{} (EM from k-means, {} iterations{conv})", method.label(), g.n_iter);
            Fitted {
                labels: g.labels.iter().map(|&l| Some(l)).collect(),
                gmm: Some(g),
                centroids: None,
                probabilities: None,
                about,
            }
        }
        Method::Hdbscan { min_cluster_size } => {
            let h = Hdbscan { min_cluster_size, ..Hdbscan::default() }.fit(x)?;
            let about = format!("HDBSCAN (min cluster size {min_cluster_size})");
            Fitted { labels: h.labels, gmm: None, centroids: None, probabilities: Some(h.probabilities), about }
        }
    })
}

/// Clusters numbered by size: what [`relabel`] returns.
pub(super) struct Relabelled {
    /// Segment of each account, `1..=k` (largest = 1; ties: lower cluster index); 0 = noise.
    pub segments: Vec<usize>,
    /// Non-empty clusters.
    pub k: usize,
    /// Cluster index of each segment, in segment order (`k` long).
    pub order: Vec<usize>,
    /// Accounts in no segment.
    pub noise: usize,
}

/// Numbers the clusters of `labels` (`None` = noise) by size, largest first
/// (ties: lower cluster index); noise is 0. Takes `labels` to free them:
/// what follows runs beside the scaled matrix, so the peak stays down.
pub(super) fn relabel(labels: Vec<Option<usize>>) -> Relabelled {
    let n_clusters = labels.iter().flatten().max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; n_clusters];
    labels.iter().flatten().for_each(|&l| sizes[l] += 1);
    let mut order: Vec<usize> = (0..n_clusters).filter(|&c| sizes[c] > 0).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let k = order.len();
    let mut rank = vec![0usize; n_clusters];
    for (r, &c) in order.iter().enumerate() {
        rank[c] = r + 1;
    }
    let segments: Vec<usize> = labels.iter().map(|l| l.map_or(0, |l| rank[l])).collect();
    drop(labels);
    let noise = segments.iter().filter(|&&s| s == 0).count();
    Relabelled { segments, k, order, noise }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Sum of squared distances of rows to the mean of their label.
    fn inertia_of(x: ArrayView2<f64>, labels: &[usize], k: usize) -> f64 {
        let mut centres = Array2::<f64>::zeros((k, x.ncols()));
        let mut counts = vec![0.0; k];
        for (row, &l) in x.rows().into_iter().zip(labels) {
            let mut c = centres.row_mut(l);
            c += &row;
            counts[l] += 1.0;
        }
        for (mut c, n) in centres.rows_mut().into_iter().zip(counts) {
            c /= f64::max(n, 1.0);
        }
        x.rows().into_iter().zip(labels).map(|(r, &l)| (&r - &centres.row(l)).mapv(|v| v * v).sum()).sum()
    }

    #[test]
    fn restarts_on_a_sample_lose_almost_nothing_against_full_restarts() {
        // 60,000 rows x 8 from 6 overlapping unit-variance blobs: above RESTARTS_ON_SAMPLE_ABOVE.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (n, d, k) = (60_000, 8, 6);
        let centres: Vec<f64> = (0..k * d).map(|_| rng.random_range(-1.5..1.5)).collect();
        let x = Array2::from_shape_fn((n, d), |(i, j)| {
            let (u, v): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
            centres[(i % k) * d + j] + (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        });
        assert!(n > RESTARTS_ON_SAMPLE_ABOVE && n <= MINI_BATCH_ABOVE);
        for seed in [0, 1, 2] {
            let fitted = fit_method(Method::KMeans, x.view(), k, seed, 10).unwrap();
            assert!(fitted.about.contains("sampled accounts"), "{}", fitted.about);
            let labels: Vec<usize> = fitted.labels.iter().map(|l| l.unwrap()).collect();
            let ours = inertia_of(x.view(), &labels, k);
            let full = KMeans::new(k).seed(seed).n_init(10).fit(x.view()).unwrap().inertia;
            eprintln!("seed {seed}: inertia with restarts on a sample {ours:.1}, with full restarts {full:.1}");
            assert!(ours <= full * 1.005, "seed {seed}: {ours} vs {full}");
        }
    }

    #[test]
    fn relabel_numbers_by_size_and_keeps_noise_at_0() {
        let r = relabel(vec![Some(2), None, Some(0), Some(2), Some(0), Some(2), Some(3)]);
        assert_eq!(r.segments, vec![1, 0, 2, 1, 2, 1, 3]);
        assert_eq!((r.k, r.order, r.noise), (3, vec![2, 0, 3], 1));
    }
}
