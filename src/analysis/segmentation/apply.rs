//! A fitted segmentation applied to other accounts ([`score_timed`]): the
//! same preprocessing, clustering space, PCA and clusters, no refit; the
//! per-account figures (segments, projection, silhouette, anomalies,
//! profiles) computed afresh on the new accounts.

use super::{quality, Clusters, DescribeInputs, SegmentOptions, Segmentation, StageTimer};
use crate::analysis::correlation::correlation_matrix;
use crate::analysis::metrics::{pairwise_distances, sample_indices};
use crate::analysis::AnalysisError;
use crate::features::FeatureTable;
use ndarray::{Array2, ArrayView2, Axis};

/// Assigns the accounts of `ft` to the segments of `fitted` (a
/// [`Segmentation`] from [`super::segment_timed`], or one rebuilt from a
/// saved model; its per-account vectors are not read): `ft`'s columns must
/// be the features `fitted` was fitted on, in the same order
/// (`fitted.preprocessor.steps.len()` of them).
///
/// The result is a [`Segmentation`] of `ft` with `applied = true`: the
/// fitted preprocessing, PCA, clusters, k, sweep and settings of `fitted`;
/// segments by [`Clusters`] (k-means: nearest centre; mixture: highest
/// posterior; HDBSCAN: nearest training account); the silhouette,
/// correlations, anomaly scores and profiles of the new accounts; no
/// stability score (nothing is refitted). HDBSCAN's strength of membership
/// is not defined for new accounts (`membership` is `None`). Applied to the
/// accounts it was fitted on, it gives the same segments.
///
/// `clock` and `starting` as in [`super::segment_timed`]; the stages "k
/// sweep" and "silhouette and stability" take no time beyond the silhouette.
///
/// Errors: [`AnalysisError::TooFewSamples`] for no account;
/// [`AnalysisError::FeatureCount`] when `ft` has not the fitted number of
/// features.
pub fn score_timed(
    ft: &FeatureTable,
    fitted: &Segmentation,
    clock: &dyn Fn() -> f64,
    starting: &mut dyn FnMut(&str),
) -> Result<Segmentation, AnalysisError> {
    let mut timer = StageTimer::start(clock, starting);
    let mut mark = |stage: &str| timer.mark(stage);
    let n = ft.ids.len();
    if n == 0 {
        return Err(AnalysisError::TooFewSamples { n, needed: 1, what: "Scoring with a model" });
    }
    let pre = &fitted.preprocessor;
    if ft.values.ncols() != pre.steps.len() {
        return Err(AnalysisError::FeatureCount { expected: pre.steps.len(), got: ft.values.ncols() });
    }
    let z = pre.transform(ft.values.view());
    let xz = space_columns(fitted, z.view());
    let x = xz.as_ref().map_or(z.view(), |x| x.view());
    mark("scale");
    let sample = sample_indices(n, SegmentOptions::default().sample_size.max(3), fitted.seed);
    let zs = x.select(Axis(0), &sample);
    let correlation = correlation_matrix(zs.view());
    let dist = pairwise_distances(zs.view());
    mark("k sweep");

    let (segments, order, gmm) = assign(&fitted.clusters, x);
    let k = fitted.k;
    let noise = segments.iter().filter(|&&s| s == 0).count();
    mark("cluster");

    let quality::Silhouette { mean: silhouette, n: silhouette_n, by_segment: silhouette_by_segment } =
        quality::silhouette(&segments, &sample, dist.view(), k);
    drop(dist);
    mark("silhouette and stability");

    let projection = super::plotted(&fitted.pca, x);
    mark("PCA");

    let inputs = DescribeInputs { ft, z: z.view(), kept: &pre.kept, used: &fitted.used, segments: &segments, k };
    let described = inputs.describe(xz, &fitted.clusters, &fitted.pca, gmm, &order, None);
    mark("profiles and anomalies");
    Ok(Segmentation {
        algorithm: format!("{}, applied from a saved model (not refitted)", fitted.algorithm),
        preprocessor: pre.clone(),
        used: fitted.used.clone(),
        weights: fitted.weights.clone(),
        correlation,
        sample_size: sample.len(),
        pca: fitted.pca.clone(),
        projection,
        segments,
        k,
        noise,
        k_vote: fitted.k_vote.clone(),
        sweep: fitted.sweep.clone(),
        silhouette,
        silhouette_n,
        silhouette_by_segment,
        stability: None,
        membership: described.membership,
        anomaly_score: described.anomaly_score,
        anomaly_unit: described.anomaly_unit.to_string(),
        anomalies: described.anomalies,
        anomaly_features: described.anomaly_features,
        anomaly_features_unit: described.anomaly_features_unit.to_string(),
        overall_means: described.overall_means,
        profiles: described.profiles,
        stage_ms: timer.ms,
        clusters: fitted.clusters.clone(),
        margin: described.margin,
        reconstruction_error: described.reconstruction_error,
        applied: true,
        method: fitted.method,
        k_auto: fitted.k_auto,
        k_rule: fitted.k_rule,
        k_requested: fitted.k_requested,
        seed: fitted.seed,
    })
}

/// The clustering space of `fitted` from its scaled features `z`: the used
/// columns, each times its weight, as the fit built it (the same operations,
/// so the same bits); `None` when that is `z` itself.
fn space_columns(fitted: &Segmentation, z: ArrayView2<f64>) -> Option<Array2<f64>> {
    let pre = &fitted.preprocessor;
    let columns: Vec<usize> =
        fitted.used.iter().map(|u| pre.kept.iter().position(|k| k == u).expect("used features are kept")).collect();
    (columns.len() != z.ncols() || fitted.weights.iter().any(|&w| w != 1.0)).then(|| {
        let mut x = z.select(Axis(1), &columns);
        for (mut c, &w) in x.columns_mut().into_iter().zip(&fitted.weights) {
            if w != 1.0 {
                c *= w;
            }
        }
        x
    })
}

/// The accounts of `ft` (the features `fitted` was fitted on, in its order)
/// in `fitted`'s clustering space: preprocessed, the used columns times
/// their weights; `n x used.len()`.
pub fn clustering_space(fitted: &Segmentation, ft: &FeatureTable) -> Array2<f64> {
    let z = fitted.preprocessor.transform(ft.values.view());
    space_columns(fitted, z.view()).unwrap_or(z)
}

/// Segment (`1..=k`, 0 = noise) of each row of `x` under `clusters`, with
/// the mixture and the segments' components (empty without a mixture) that
/// the anomaly stage needs.
fn assign<'a>(
    clusters: &'a Clusters,
    x: ArrayView2<f64>,
) -> (Vec<usize>, Vec<usize>, Option<&'a crate::analysis::FittedGaussianMixture>) {
    match clusters {
        Clusters::Centres(c) => {
            let km =
                crate::analysis::FittedKMeans { centroids: c.clone(), labels: Vec::new(), inertia: 0.0, n_iter: 0 };
            (km.predict(x).into_iter().map(|l| l + 1).collect(), Vec::new(), None)
        }
        Clusters::Mixture { gmm, order } => {
            let w = gmm.weighted_log_prob(x);
            let segments = w
                .rows()
                .into_iter()
                .map(|r| {
                    // The segments' components only, in component order (ties: the lower component, as `predict`).
                    let mut best = (0, f64::NEG_INFINITY);
                    for (c, &v) in r.iter().enumerate() {
                        if v > best.1 && order.contains(&c) {
                            best = (c, v);
                        }
                    }
                    order.iter().position(|&c| c == best.0).map_or(0, |s| s + 1)
                })
                .collect();
            (segments, order.clone(), Some(gmm))
        }
        Clusters::Exemplars { points, segments } => {
            let km = crate::analysis::FittedKMeans {
                centroids: points.clone(),
                labels: Vec::new(),
                inertia: 0.0,
                n_iter: 0,
            };
            (km.predict(x).into_iter().map(|i| segments[i]).collect(), Vec::new(), None)
        }
    }
}
