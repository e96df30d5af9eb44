//! Stage "k sweep": fits every k of `k_min..=k_max` on the seeded sample,
//! scores each, and chooses k (highest silhouette for k-means, lowest BIC for
//! the Gaussian mixture).

use super::{Method, SegmentOptions};
use crate::analysis::gmm::GaussianMixture;
use crate::analysis::kmeans::KMeans;
use crate::analysis::metrics::{calinski_harabasz, davies_bouldin, silhouette_samples_precomputed};
use crate::analysis::AnalysisError;
use ndarray::ArrayView2;

/// Quality figures for one k of the sweep, all on the seeded sample.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KScore {
    pub k: usize,
    /// Mean silhouette (higher is better, in `[-1, 1]`).
    pub silhouette: f64,
    /// Calinski-Harabasz index (higher is better).
    pub calinski_harabasz: f64,
    /// Davies-Bouldin index (lower is better).
    pub davies_bouldin: f64,
    /// k-means inertia (k-means only).
    pub inertia: Option<f64>,
    /// Bayesian information criterion (Gaussian mixture only; lower is better).
    pub bic: Option<f64>,
}

/// One [`KScore`] per k of `max(k_min, 2)..=min(k_max, n_sample - 1)`:
/// the Gaussian mixture (seeded with `opts.seed`) for
/// [`Method::GaussianMixture`], else k-means with 3 restarts, fitted on `zs`
/// (the sampled scaled rows, `n_sample x d`), whose pairwise distances are
/// `dist` (`n_sample x n_sample`).
///
/// Errors: the estimators' (a collapsed mixture component).
pub(super) fn sweep(
    method: Method,
    zs: ArrayView2<f64>,
    dist: ArrayView2<f64>,
    opts: &SegmentOptions,
) -> Result<Vec<KScore>, AnalysisError> {
    let mut sweep = Vec::new();
    let k_hi = opts.k_max.min(zs.nrows() - 1);
    for k in opts.k_min.max(2)..=k_hi {
        let (labels, inertia, bic) = match method {
            Method::GaussianMixture { covariance } => {
                let g = GaussianMixture::new(k).covariance_type(covariance).seed(opts.seed).fit(zs)?;
                (g.labels.clone(), None, Some(g.bic(zs)))
            }
            _ => {
                let f = KMeans::new(k).seed(opts.seed).n_init(3).fit(zs)?;
                (f.labels, Some(f.inertia), None)
            }
        };
        let s = silhouette_samples_precomputed(dist, &labels);
        sweep.push(KScore {
            k,
            silhouette: s.iter().sum::<f64>() / s.len() as f64,
            calinski_harabasz: calinski_harabasz(zs, &labels),
            davies_bouldin: davies_bouldin(zs, &labels),
            inertia,
            bic,
        });
    }
    Ok(sweep)
}

/// The k asked for: `given`, else the sweep's best (k-means: highest
/// silhouette; mixture: lowest BIC; the smaller k on ties), else 2 (empty sweep).
pub(super) fn choose_k(given: Option<usize>, sweep: &[KScore]) -> usize {
    let score = |s: &KScore| s.bic.map_or(s.silhouette, |b| -b);
    match given {
        Some(k) => k,
        None => sweep
            .iter()
            .fold(None::<&KScore>, |b, s| match b {
                Some(b) if score(b) >= score(s) => Some(b),
                _ => Some(s),
            })
            .map_or(2, |s| s.k),
    }
}
