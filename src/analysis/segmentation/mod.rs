//! The segmentation pipeline: features -> preprocessing -> a clustering
//! method (k chosen by silhouette or BIC when not given) -> PCA for the view
//! -> segment profiles, stability and anomaly scores.
//!
//! Clustering runs on all scaled features; PCA only projects them to two
//! dimensions for the scatter plot (and reports loadings), so the plot shows
//! the segments but does not define them.

use super::gmm::{CovarianceType, GaussianMixture};
use super::hdbscan::Hdbscan;
use super::kmeans::{KMeans, MiniBatchKMeans};
use super::metrics::{
    calinski_harabasz, davies_bouldin, pairwise_distances, sample_indices, silhouette_samples_precomputed,
};
use super::pca::{FittedPca, Pca};
use super::preprocess::{FittedPreprocessor, Preprocessor};
use super::stability::{subsample_stability, Stability};
use super::AnalysisError;
use crate::features::FeatureTable;
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

/// Above this many accounts the final k-means fit is mini-batch
/// ([`MiniBatchKMeans`]) instead of Lloyd with `n_init` restarts.
pub const MINI_BATCH_ABOVE: usize = 100_000;

/// Above this many accounts (and up to [`MINI_BATCH_ABOVE`]) the `n_init`
/// k-means restarts run on a seeded sample of [`RESTART_SAMPLE`] accounts,
/// and the best of them is refined by one Lloyd run on all accounts
/// ([`KMeans::fit_from`]). The restarts differ only by their start, which
/// the sample finds as well, at a fraction of the cost: on 77,000 accounts
/// clustering took 1.6 s in the browser with 10 full restarts (see
/// BENCHMARKS.md); a test checks the inertia stays within 0.5 % of theirs.
pub const RESTARTS_ON_SAMPLE_ABOVE: usize = 50_000;

/// Accounts in the sample the restarts run on, above [`RESTARTS_ON_SAMPLE_ABOVE`].
pub const RESTART_SAMPLE: usize = 20_000;

/// The clustering method.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// k-means (Lloyd, k-means++ init); k by silhouette when not given.
    KMeans,
    /// Gaussian mixture (EM from k-means); k by lowest BIC when not given; soft membership.
    GaussianMixture { covariance: CovarianceType },
    /// HDBSCAN: finds the number of segments itself and leaves outliers unassigned (noise).
    Hdbscan { min_cluster_size: usize },
}

impl Method {
    /// Name for the UI and exports.
    pub fn label(self) -> &'static str {
        match self {
            Method::KMeans => "k-means",
            Method::GaussianMixture { covariance: CovarianceType::Full } => "Gaussian mixture (full covariance)",
            Method::GaussianMixture { covariance: CovarianceType::Diag } => "Gaussian mixture (diagonal covariance)",
            Method::Hdbscan { .. } => "HDBSCAN",
        }
    }
    /// Whether the method takes a number of segments.
    pub fn takes_k(self) -> bool {
        !matches!(self, Method::Hdbscan { .. })
    }
}

/// Options of [`segment`].
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentOptions {
    pub method: Method,
    /// Transforms and scaling.
    pub preprocessor: Preprocessor,
    /// Number of segments; `None` chooses it over `k_min..=k_max` (ignored by HDBSCAN).
    pub k: Option<usize>,
    /// Seed of every random choice (initialisations, samples, stability subsamples).
    pub seed: u64,
    pub k_min: usize,
    pub k_max: usize,
    /// Accounts in the seeded sample used for the k sweep, the shown
    /// silhouette and the stability score (all accounts when there are fewer).
    pub sample_size: usize,
    /// k-means restarts for the final model.
    pub n_init: usize,
    /// Subsample pairs for the stability score (0 = skip).
    pub stability_runs: usize,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            method: Method::KMeans,
            preprocessor: Preprocessor::default(),
            k: None,
            seed: 42,
            k_min: 2,
            k_max: 10,
            sample_size: 2000,
            n_init: 10,
            stability_runs: 10,
        }
    }
}

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

/// One segment's summary.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentProfile {
    /// Segment number shown to users, `1..=k`, largest segment first.
    pub id: usize,
    pub size: usize,
    /// `size / n_accounts`.
    pub share: f64,
    /// Mean of each feature of the feature table, raw units, ignoring missing cells.
    pub means: Vec<f64>,
    /// Mean of each kept (scaled) feature: how far the segment sits from the
    /// overall centre, in scaled units (standard deviations for the standard scaler).
    pub z_means: Vec<f64>,
    /// The (up to) three kept features with the largest `|z_mean|`, as
    /// (index into the feature table's defs, z).
    pub distinguishing: Vec<(usize, f64)>,
    /// Risk and anomaly flags, as sentences.
    pub flags: Vec<String>,
    /// Accounts of this segment among the top anomalies.
    pub anomalies: usize,
}

/// Result of [`segment`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Segmentation {
    pub method: Method,
    /// What ran, e.g. "k-means (Lloyd, 10 restarts)".
    pub algorithm: String,
    pub preprocessor: FittedPreprocessor,
    pub pca: FittedPca,
    /// `n x 2`: PC1 and PC2 of each account.
    pub projection: Array2<f64>,
    /// Segment of each account, `1..=k` (largest segment = 1); 0 = noise (HDBSCAN only).
    pub segments: Vec<usize>,
    pub k: usize,
    /// Accounts left unassigned as noise (HDBSCAN only).
    pub noise: usize,
    /// True if k was chosen from the sweep.
    pub k_auto: bool,
    /// The k sweep (empty when k was given, or for HDBSCAN).
    pub sweep: Vec<KScore>,
    /// Mean silhouette of the final segments on the sample (noise left out).
    pub silhouette: f64,
    /// Accounts the silhouette was computed on.
    pub silhouette_n: usize,
    /// Subsample-pair stability of the method at this k: `None` if skipped
    /// (`stability_runs == 0`, one segment, under 10 accounts), `Some(Err)`
    /// with the reason when a subsample could not be segmented.
    pub stability: Option<Result<Stability, String>>,
    /// The k asked for (given, or chosen by the sweep); `k` can be lower when
    /// a cluster came out empty.
    pub k_requested: Option<usize>,
    /// Gaussian mixture: `n x n_components` membership probabilities, columns
    /// in segment order, then any component that won no account. HDBSCAN:
    /// `n x 1` strength of membership. k-means: `None`.
    pub membership: Option<Array2<f64>>,
    /// Anomaly score of each account (higher = more unusual), see `anomaly_unit`.
    pub anomaly_score: Vec<f64>,
    /// What the anomaly score measures.
    pub anomaly_unit: String,
    /// Indices of the top 1 % anomalies (at least one), highest score first.
    pub anomalies: Vec<usize>,
    /// Overall mean of each feature (raw units, ignoring missing cells).
    pub overall_means: Vec<f64>,
    /// One per segment, in segment order.
    pub profiles: Vec<SegmentProfile>,
    pub seed: u64,
    /// Wall time of each of the [`STAGES`] in milliseconds, in order; zeros
    /// unless timed by [`segment_timed`].
    pub stage_ms: Vec<(String, f64)>,
}

/// Per-column mean of the finite values of `rows` (NaN where none) (each `ncols` long), in one pass over the
/// rows as they are laid out (each column summed in row order, as a pass
/// down that column would: the same bits).
fn nan_column_means<'a>(ncols: usize, rows: impl Iterator<Item = ArrayView1<'a, f64>>) -> Vec<f64> {
    let (mut sums, mut counts) = (vec![0.0; ncols], vec![0usize; ncols]);
    for row in rows {
        for ((s, c), &v) in sums.iter_mut().zip(counts.iter_mut()).zip(row) {
            if v.is_finite() {
                *s += v;
                *c += 1;
            }
        }
    }
    sums.iter().zip(&counts).map(|(&s, &c)| if c == 0 { f64::NAN } else { s / c as f64 }).collect()
}

/// Labels with noise given a label of its own (one past the largest), for ARI.
fn with_noise(labels: &[Option<usize>]) -> Vec<usize> {
    let noise = labels.iter().flatten().max().map_or(0, |m| m + 1);
    labels.iter().map(|l| l.unwrap_or(noise)).collect()
}

/// What [`fit_method`] returns.
struct Fitted {
    /// Cluster of each row, `None` = noise.
    labels: Vec<Option<usize>>,
    gmm: Option<super::gmm::FittedGaussianMixture>,
    /// HDBSCAN's strength of membership.
    probabilities: Option<Vec<f64>>,
    /// What ran, for the UI.
    about: String,
}

fn fit_method(method: Method, x: ArrayView2<f64>, k: usize, seed: u64, n_init: usize) -> Result<Fitted, AnalysisError> {
    let hard = |labels: Vec<usize>, about: String| Fitted {
        labels: labels.into_iter().map(Some).collect(),
        gmm: None,
        probabilities: None,
        about,
    };
    Ok(match method {
        Method::KMeans if x.nrows() > MINI_BATCH_ABOVE => {
            hard(MiniBatchKMeans::new(k).seed(seed).fit(x)?.labels, "mini-batch k-means (batch 1024)".into())
        }
        Method::KMeans if x.nrows() > RESTARTS_ON_SAMPLE_ABOVE => {
            let sample = x.select(Axis(0), &sample_indices(x.nrows(), RESTART_SAMPLE, seed));
            let best = KMeans::new(k).seed(seed).n_init(n_init).fit(sample.view())?;
            hard(
                KMeans::new(k).fit_from(x, best.centroids.view())?.labels,
                format!(
                    "k-means (Lloyd, k-means++, best of {n_init} restarts on {RESTART_SAMPLE} sampled accounts, then all accounts)"
                ),
            )
        }
        Method::KMeans => hard(
            KMeans::new(k).seed(seed).n_init(n_init).fit(x)?.labels,
            format!("k-means (Lloyd, k-means++, {n_init} restarts)"),
        ),
        Method::GaussianMixture { covariance } => {
            let g = GaussianMixture::new(k).covariance_type(covariance).seed(seed).fit(x)?;
            let conv = if g.converged { "" } else { ", not converged" };
            let about = format!("{} (EM from k-means, {} iterations{conv})", method.label(), g.n_iter);
            Fitted { labels: g.labels.iter().map(|&l| Some(l)).collect(), gmm: Some(g), probabilities: None, about }
        }
        Method::Hdbscan { min_cluster_size } => {
            let h = Hdbscan { min_cluster_size, ..Hdbscan::default() }.fit(x)?;
            let about = format!("HDBSCAN (min cluster size {min_cluster_size})");
            Fitted { labels: h.labels, gmm: None, probabilities: Some(h.probabilities), about }
        }
    })
}

/// Segments the accounts of `ft`.
///
/// Errors: [`AnalysisError::TooFewSamples`] for fewer than 2 accounts (3 when
/// k is chosen automatically); [`AnalysisError::BadK`] if `k < 2` or `k`
/// exceeds the number of accounts; [`AnalysisError::NoVariance`] if every
/// feature is constant; the method's own errors (a collapsed mixture
/// component, too many accounts for HDBSCAN).
pub fn segment(ft: &FeatureTable, opts: &SegmentOptions) -> Result<Segmentation, AnalysisError> {
    segment_timed(ft, opts, &|| 0.0, &mut |_| {})
}

/// The stages of [`segment`], in order, as named in [`Segmentation::stage_ms`].
pub const STAGES: [&str; 6] =
    ["scale", "k sweep", "cluster", "silhouette and stability", "PCA", "profiles and anomalies"];

/// [`segment`], timing its [`STAGES`] with `clock` (milliseconds, e.g.
/// `performance.now()` in the browser, where `std::time` is unavailable)
/// into [`Segmentation::stage_ms`], and calling `starting` with each
/// stage's name as it starts (for a progress display). Errors: as [`segment`].
pub fn segment_timed(
    ft: &FeatureTable,
    opts: &SegmentOptions,
    clock: &dyn Fn() -> f64,
    starting: &mut dyn FnMut(&str),
) -> Result<Segmentation, AnalysisError> {
    let mut stage_ms = Vec::new();
    let mut last = clock();
    starting(STAGES[0]);
    let mut mark = |stage: &str| {
        let now = clock();
        stage_ms.push((stage.to_string(), now - last));
        last = now;
        if let Some(next) = STAGES.get(stage_ms.len()) {
            starting(next);
        }
    };
    let n = ft.ids.len();
    let method = opts.method;
    let needed = if opts.k.is_some() || !method.takes_k() { 2 } else { 3 };
    if n < needed {
        return Err(AnalysisError::TooFewSamples { n, needed, what: "Segmentation" });
    }
    if let (Some(k), true) = (opts.k, method.takes_k()) {
        if k < 2 || k > n {
            return Err(AnalysisError::BadK { k, n });
        }
    }
    let (preprocessor, z) = opts.preprocessor.fit_transform(ft.values.view())?;
    mark("scale");

    let sample = sample_indices(n, opts.sample_size.max(3), opts.seed);
    let zs = z.select(Axis(0), &sample);
    let dist = pairwise_distances(zs.view());
    let mut sweep = Vec::new();
    let k_auto = opts.k.is_none() && method.takes_k();
    if k_auto {
        let k_hi = opts.k_max.min(sample.len() - 1);
        for k in opts.k_min.max(2)..=k_hi {
            let (labels, inertia, bic) = match method {
                Method::GaussianMixture { covariance } => {
                    let g = GaussianMixture::new(k).covariance_type(covariance).seed(opts.seed).fit(zs.view())?;
                    (g.labels.clone(), None, Some(g.bic(zs.view())))
                }
                _ => {
                    let f = KMeans::new(k).seed(opts.seed).n_init(3).fit(zs.view())?;
                    (f.labels, Some(f.inertia), None)
                }
            };
            let s = silhouette_samples_precomputed(dist.view(), &labels);
            sweep.push(KScore {
                k,
                silhouette: s.iter().sum::<f64>() / s.len() as f64,
                calinski_harabasz: calinski_harabasz(zs.view(), &labels),
                davies_bouldin: davies_bouldin(zs.view(), &labels),
                inertia,
                bic,
            });
        }
    }
    // k-means: highest silhouette; mixture: lowest BIC; the smaller k on ties.
    let score = |s: &KScore| s.bic.map_or(s.silhouette, |b| -b);
    let k_req = match opts.k {
        Some(k) => k,
        None => sweep
            .iter()
            .fold(None::<&KScore>, |b, s| match b {
                Some(b) if score(b) >= score(s) => Some(b),
                _ => Some(s),
            })
            .map_or(2, |s| s.k),
    };
    mark("k sweep");
    let Fitted { labels, gmm, probabilities, about: algorithm } =
        fit_method(method, z.view(), k_req, opts.seed, opts.n_init)?;
    mark("cluster");

    // Number segments by size, largest first (ties: lower cluster index); noise is 0.
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
    drop(labels); // what follows runs beside the scaled matrix: keep the peak down
    let noise = segments.iter().filter(|&&s| s == 0).count();
    if k == 0 {
        return Err(AnalysisError::NoSegments);
    }

    // Silhouette of the final segments on the sample, noise left out.
    let kept: Vec<usize> = (0..sample.len()).filter(|&p| segments[sample[p]] != 0).collect();
    let kept_labels: Vec<usize> = kept.iter().map(|&p| segments[sample[p]] - 1).collect();
    let distinct = kept_labels.iter().collect::<std::collections::BTreeSet<_>>().len();
    let silhouette = if distinct >= 2 {
        // Without noise every sampled account is kept: no copies of the distance matrix.
        let s = if kept.len() == sample.len() {
            silhouette_samples_precomputed(dist.view(), &kept_labels)
        } else {
            let sub = dist.select(Axis(0), &kept).select(Axis(1), &kept);
            silhouette_samples_precomputed(sub.view(), &kept_labels)
        };
        s.iter().sum::<f64>() / s.len() as f64
    } else {
        f64::NAN
    };
    drop(dist);

    let stability = if opts.stability_runs > 0 && k >= 2 && zs.nrows() >= 10 {
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
        Some(subsample_stability(zs.view(), opts.stability_runs, 0.8, opts.seed, fit).map_err(|e| match e {
            AnalysisError::NoSegments => "a subsample gave fewer than two segments".to_string(),
            e => e.to_string(),
        }))
    } else {
        None
    };
    mark("silhouette and stability");

    let pca = Pca { n_components: None }.fit(z.view())?;
    let mut projection = pca.transform_first(z.view(), 2);
    if projection.ncols() < 2 {
        // One feature: the plot's second axis is 0.
        projection = ndarray::concatenate![Axis(1), projection, Array2::zeros((n, 1))];
    }
    mark("PCA");

    // Segment centres in scaled units (z_means), then anomaly scores.
    let d = z.ncols();
    let mut centres = Array2::<f64>::zeros((k, d));
    let mut counts = vec![0usize; k];
    for (i, &s) in segments.iter().enumerate().filter(|(_, s)| **s > 0) {
        counts[s - 1] += 1;
        let mut c = centres.row_mut(s - 1);
        c += &z.row(i);
    }
    for (mut c, &m) in centres.rows_mut().into_iter().zip(&counts) {
        c /= m.max(1) as f64;
    }
    let (anomaly_score, anomaly_unit, membership) = match &gmm {
        Some(g) => {
            let proba = g.predict_proba(z.view());
            let mut cols: Vec<usize> = order.clone();
            cols.extend((0..proba.ncols()).filter(|c| !order.contains(c)));
            (
                g.score_samples(z.view()).into_iter().map(|l| -l).collect(),
                "negative log-likelihood under the mixture (nats)",
                Some(proba.select(Axis(1), &cols)),
            )
        }
        None => {
            let score: Vec<f64> = (0..n)
                .map(|i| {
                    let to =
                        |c: usize| centres.row(c).iter().zip(z.row(i)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
                    match segments[i] {
                        0 => (0..k).map(to).fold(f64::INFINITY, f64::min).sqrt(),
                        s => to(s - 1).sqrt(),
                    }
                })
                .collect();
            let membership = probabilities.map(|p| Array2::from_shape_vec((n, 1), p).expect("n values"));
            (score, "distance to the segment centre (scaled units)", membership)
        }
    };
    // The top 1 % by score (ties by row), in that order: selected, then only they are sorted.
    let top = n.div_ceil(100).max(1).min(n);
    let by_score_desc = |a: &usize, b: &usize| anomaly_score[*b].total_cmp(&anomaly_score[*a]).then(a.cmp(b));
    let mut by_score: Vec<usize> = (0..n).collect();
    if top < n {
        by_score.select_nth_unstable_by(top - 1, by_score_desc);
        by_score.truncate(top);
    }
    by_score.sort_by(by_score_desc);
    let anomalies = by_score;
    let mut is_anomaly = vec![false; n];
    anomalies.iter().for_each(|&i| is_anomaly[i] = true);

    let nf = ft.defs.len();
    let overall_means = nan_column_means(nf, ft.values.rows().into_iter());
    let mut profiles = Vec::with_capacity(k);
    for id in 1..=k {
        let members: Vec<usize> = (0..n).filter(|&i| segments[i] == id).collect();
        let size = members.len();
        let means = nan_column_means(nf, members.iter().map(|&i| ft.values.row(i)));
        let z_means: Vec<f64> = centres.row(id - 1).to_vec();
        let mut dist_feats: Vec<(usize, f64)> =
            z_means.iter().enumerate().map(|(o, &v)| (preprocessor.kept[o], v)).collect();
        dist_feats.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        dist_feats.truncate(3);
        let anomalies = members.iter().filter(|&&i| is_anomaly[i]).count();
        let flags = flags_for(ft, &means, &overall_means, size as f64 / n as f64, anomalies);
        profiles.push(SegmentProfile {
            id,
            size,
            share: size as f64 / n as f64,
            means,
            z_means,
            distinguishing: dist_feats,
            flags,
            anomalies,
        });
    }
    mark("profiles and anomalies");
    Ok(Segmentation {
        method,
        algorithm,
        preprocessor,
        pca,
        projection,
        segments,
        k,
        noise,
        k_auto,
        sweep,
        silhouette,
        silhouette_n: kept.len(),
        stability,
        k_requested: method.takes_k().then_some(k_req),
        membership,
        anomaly_score,
        anomaly_unit: anomaly_unit.to_string(),
        anomalies,
        overall_means,
        profiles,
        seed: opts.seed,
        stage_ms,
    })
}

/// Risk and anomaly flags of a segment, from its raw feature means.
fn flags_for(ft: &FeatureTable, means: &[f64], overall: &[f64], share: f64, anomalies: usize) -> Vec<String> {
    let get = |key: &str| ft.defs.iter().position(|d| d.key == key).map(|j| (means[j], overall[j]));
    let mut f = Vec::new();
    if let Some((m, _)) = get("max_leverage").filter(|(m, _)| *m >= 20.0) {
        f.push(format!("high leverage (mean max {m:.0}x)"));
    }
    if let Some((m, o)) = get("realized_pnl").filter(|(m, o)| *m < 0.0 && *m < *o) {
        f.push(format!("loss-making (mean realized PnL {m:.0} vs {o:.0} overall)"));
    }
    if let Some((m, o)) = get("recency_days").filter(|(m, o)| *m > 2.0 * *o && *m > 7.0) {
        f.push(format!("lapsing (last active {m:.0} days ago vs {o:.0} overall)"));
    }
    if let Some((m, _)) = get("return_share").filter(|(m, _)| *m > 0.2) {
        f.push(format!("high returns ({:.0}% of purchase value)", m * 100.0));
    }
    if share < 0.02 {
        f.push("very small segment: may be outliers".into());
    }
    if anomalies > 0 {
        f.push(format!("{anomalies} of the top 1% anomalous accounts"));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mean of the finite values of one column, a pass down it (what
    /// [`nan_column_means`] replaced).
    fn nan_mean(v: impl Iterator<Item = f64>) -> f64 {
        let (mut s, mut n) = (0.0, 0usize);
        for x in v.filter(|x| x.is_finite()) {
            s += x;
            n += 1;
        }
        if n == 0 {
            f64::NAN
        } else {
            s / n as f64
        }
    }

    #[test]
    fn column_means_in_one_pass_are_the_per_column_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let x = Array2::from_shape_fn((1000, 5), |(i, j)| {
            if j == 4 || (i + j) % 7 == 0 {
                f64::NAN
            } else {
                rng.random::<f64>() * 1e6 - 3e5
            }
        });
        let rows: Vec<usize> = (0..1000).filter(|i| i % 3 != 1).collect();
        let got = nan_column_means(5, rows.iter().map(|&i| x.row(i)));
        for (j, g) in got.iter().enumerate() {
            let want = nan_mean(rows.iter().map(|&i| x[[i, j]]));
            assert_eq!(g.to_bits(), want.to_bits(), "column {j}");
        }
        assert!(got[4].is_nan());
    }
    use crate::features::FeatureDef;
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

    fn blobs(n_per: usize, centres: &[[f64; 2]]) -> FeatureTable {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = n_per * centres.len();
        let mut values = Array2::zeros((n, 2));
        for (c, ctr) in centres.iter().enumerate() {
            for i in 0..n_per {
                values[[c * n_per + i, 0]] = ctr[0] + rng.random::<f64>() - 0.5;
                values[[c * n_per + i, 1]] = ctr[1] + rng.random::<f64>() - 0.5;
            }
        }
        FeatureTable {
            ids: (0..n).map(|i| i.to_string()).collect(),
            defs: ["x", "y"]
                .iter()
                .map(|k| FeatureDef { key: k.to_string(), unit: String::new(), formula: String::new() })
                .collect(),
            values,
            not_computed: vec![],
            rows_used: n,
            skipped: vec![],
            ignored_cells: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn chooses_k_by_silhouette_and_numbers_segments_by_size() {
        let ft = blobs(60, &[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]);
        let s = segment(&ft, &SegmentOptions::default()).unwrap();
        assert_eq!(s.k, 3);
        assert!(s.silhouette > 0.8);
        assert_eq!(s.sweep.len(), 9);
        assert_eq!(s.profiles.iter().map(|p| p.size).sum::<usize>(), 180);
        assert!(s.profiles.windows(2).all(|w| w[0].size >= w[1].size));
        let fixed = segment(&ft, &SegmentOptions { k: Some(4), ..Default::default() }).unwrap();
        assert_eq!(fixed.profiles.len(), 4);
        assert!(fixed.sweep.is_empty());
    }

    #[test]
    fn degenerate_inputs_give_answers_or_errors_not_panics() {
        // HDBSCAN on uniform noise with a large min cluster size: no segment at all.
        let ft = blobs(30, &[[0.0, 0.0]]);
        let hd = SegmentOptions { method: Method::Hdbscan { min_cluster_size: 25 }, ..Default::default() };
        assert_eq!(segment(&ft, &hd).unwrap_err(), AnalysisError::NoSegments);
        // k larger than the number of distinct points: fewer segments than asked, said so.
        let mut ft = blobs(4, &[[0.0, 0.0], [9.0, 9.0]]);
        for i in 0..8 {
            ft.values[[i, 0]] = (i / 4) as f64;
            ft.values[[i, 1]] = (i / 4) as f64;
        }
        let s = segment(&ft, &SegmentOptions { k: Some(3), ..Default::default() }).unwrap();
        assert_eq!((s.k, s.k_requested), (2, Some(3)));
        // A mixture on few accounts: every membership row sums to 1.
        let ft = blobs(6, &[[0.0, 0.0], [10.0, 10.0]]);
        let gm = SegmentOptions {
            k: Some(2),
            method: Method::GaussianMixture { covariance: CovarianceType::Diag },
            ..Default::default()
        };
        let s = segment(&ft, &gm).unwrap();
        let m = s.membership.unwrap();
        assert!(m.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
        let st = s.stability.unwrap().unwrap();
        assert!(st.mean_ari > 0.9, "{st:?} {:?}", s.segments);
    }

    #[test]
    fn errors_for_too_few_accounts_and_bad_k() {
        let ft = blobs(1, &[[0.0, 0.0]]);
        let e = segment(&ft, &SegmentOptions::default()).unwrap_err();
        assert!(e.to_string().contains("Only one account"), "{e}");
        let ft = blobs(2, &[[0.0, 0.0], [5.0, 5.0]]);
        let e = segment(&ft, &SegmentOptions { k: Some(5), ..Default::default() }).unwrap_err();
        assert_eq!(e, AnalysisError::BadK { k: 5, n: 4 });
    }
}
