//! The segmentation pipeline: features -> preprocessing -> a clustering
//! method (k chosen by the Calinski-Harabasz index when not given) -> PCA for the view
//! -> segment profiles, stability and anomaly scores.
//!
//! Clustering runs on the scaled features chosen for it
//! ([`SegmentOptions::weights`]: by default all; the page passes behaviour
//! features only, so that outcomes describe segments without defining
//! them), each multiplied by its weight; every feature is still scaled and
//! profiled. PCA only projects the clustering space to two dimensions for
//! the scatter plot (and reports loadings), so the plot shows the segments
//! but does not define them.
//!
//! This file holds the options, the result and the pipeline
//! ([`segment_timed`]), which calls the stages in order; the stages live in
//! their own files: `sweep.rs` (k sweep), `fit.rs` (cluster, relabel by
//! size), `quality.rs` (silhouette, stability), `anomalies.rs` (segment
//! centres, anomaly scores) and `profiles.rs` (segment profiles and flags);
//! the PCA projection (`project`) is a few lines, kept here.

mod anomalies;
mod apply;
mod fit;
mod names;
mod playbook;
mod profiles;
mod quality;
mod sweep;

pub use anomalies::segment_centres;
pub use apply::{clustering_space, score_timed};
pub use fit::{MINI_BATCH_ABOVE, RESTARTS_ON_SAMPLE_ABOVE, RESTART_SAMPLE};
pub use names::segment_names;
pub use playbook::{actions_for, default_actions, playbook_rules, Rule, MAX_ACTIONS, PLAYBOOK};
pub use profiles::{SegmentProfile, MIN_DISTINGUISHING};
pub use quality::{NEAR_TIE, RECONSTRUCTION_VARIANCE};
pub use sweep::{best, runner_up, KRule, KScore, KVote};

use super::correlation::correlation_matrix;
use super::gmm::{CovarianceType, FittedGaussianMixture};
use super::metrics::{pairwise_distances, sample_indices};
use super::params::ParamError;
use super::pca::{FittedPca, Pca};
use super::preprocess::{FittedPreprocessor, Preprocessor};
use super::stability::Stability;
use super::AnalysisError;
use crate::features::catalog::balance_weights;
use crate::features::{Family, FeatureTable};
use fit::Fitted;
use ndarray::{Array2, ArrayView2, Axis};

/// The clustering method.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// k-means (Lloyd, k-means++ init); k by [`SegmentOptions::k_rule`] when not given.
    KMeans,
    /// Gaussian mixture (EM from k-means); k by [`SegmentOptions::k_rule`] when not given; soft membership.
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
    /// Weight of each feature of the table in the clustering distance
    /// (one per feature, each finite and at least 0): 0 leaves a feature
    /// out of the distance (it is still scaled and profiled), and a scaled
    /// feature is multiplied by its weight. `None`: every feature, weight 1.
    pub weights: Option<Vec<f64>>,
    /// How k is chosen when it is not given.
    pub k_rule: KRule,
    /// Weight each feature family equally among the features that enter the
    /// distance (weight above 0, not dropped as constant): each is further
    /// multiplied by `1 / sqrt(m)` for the `m` such features of its family
    /// ([`crate::features::catalog::balance_weights`]).
    pub balance_families: bool,
    /// Seeded samples the automatic k is chosen on (the shown sample and
    /// `k_samples - 1` more); the most frequent choice wins. 1 = the shown
    /// sample only.
    pub k_samples: usize,
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
            weights: None,
            k_rule: KRule::default(),
            balance_families: false,
            k_samples: 3,
        }
    }
}

/// Result of [`segment`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Segmentation {
    pub method: Method,
    /// What ran, e.g. "k-means (Lloyd, 10 restarts)".
    pub algorithm: String,
    pub preprocessor: FittedPreprocessor,
    /// The features of the clustering space, as indices into the feature
    /// table's defs, in the order of its columns (the columns of the PCA's
    /// components and of the sweep's and the anomaly score's distances).
    pub used: Vec<usize>,
    /// The weight of each of `used` in the distance.
    pub weights: Vec<f64>,
    /// Pearson correlation of the features of `used` (`used.len()` square),
    /// on the transformed values of the seeded sample.
    pub correlation: Array2<f64>,
    /// Accounts in the seeded sample (the sweep, the correlations, the
    /// silhouette before noise is left out).
    pub sample_size: usize,
    pub pca: FittedPca,
    /// `n x m`: each account's coordinates on the first `m` principal
    /// components, `m = min(d, PLOT_COMPONENTS)` and at least 2 (the second
    /// column 0 with one feature). Columns 0 and 1 are PC1 and PC2, the
    /// scatter's default axes and the assignments' `pc1`, `pc2`.
    pub projection: Array2<f64>,
    /// Segment of each account, `1..=k` (largest segment = 1); 0 = noise (HDBSCAN only).
    pub segments: Vec<usize>,
    pub k: usize,
    /// Accounts left unassigned as noise (HDBSCAN only).
    pub noise: usize,
    /// True if k was chosen from the sweep.
    pub k_auto: bool,
    /// The rule that chose k from the sweep.
    pub k_rule: KRule,
    /// The k chosen on each seeded sample and the k elected (automatic k
    /// with `k_samples > 1` only).
    pub k_vote: Option<KVote>,
    /// The k sweep (empty when k was given, or for HDBSCAN).
    pub sweep: Vec<KScore>,
    /// Mean silhouette of the final segments on the sample (noise left out).
    pub silhouette: f64,
    /// Accounts the silhouette was computed on.
    pub silhouette_n: usize,
    /// Per segment `1..=k` (index `s - 1`): its sampled accounts' silhouettes
    /// (scikit-learn's `silhouette_samples`), highest first; the silhouette plot.
    #[serde(default)]
    pub silhouette_by_segment: Vec<Vec<f64>>,
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
    /// For each of `anomalies`, in order: the features that make it unusual,
    /// largest first, as (feature index into the table's defs, value in
    /// `anomaly_features_unit`); see `anomalies::explain`.
    pub anomaly_features: Vec<Vec<(usize, f64)>>,
    pub anomaly_features_unit: String,
    /// Overall mean of each feature (raw units, ignoring missing cells).
    pub overall_means: Vec<f64>,
    /// One per segment, in segment order.
    pub profiles: Vec<SegmentProfile>,
    pub seed: u64,
    /// Wall time of each of the [`STAGES`] in milliseconds, in order; zeros
    /// unless timed by [`segment_timed`].
    pub stage_ms: Vec<(String, f64)>,
    /// The fitted clustering, which assigns new accounts ([`score_timed`]).
    pub clusters: Clusters,
    /// How clearly each account belongs to its segment, `[0, 1]`, 0 = tied
    /// with another segment ([`quality::assignment_margin`]; NaN for HDBSCAN).
    pub margin: Vec<f64>,
    /// Mean squared PCA reconstruction error of the accounts
    /// ([`quality::reconstruction_error`]), scaled units squared.
    pub reconstruction_error: f64,
    /// True when the segments come from a model fitted before and applied
    /// to these accounts ([`score_timed`]), not from a fit on them.
    pub applied: bool,
}

impl Segmentation {
    /// Numbers the segments anew: segment `s` becomes `number[s - 1]`
    /// (`number` a permutation of `1..=k`; noise stays 0), in every part that
    /// is per segment (segments, profiles, clusters, mixture membership
    /// columns), e.g. so that a refit's segments keep the numbers of those
    /// they match ([`crate::analysis::matching`]). Segment 1 is then no
    /// longer necessarily the largest.
    pub fn renumber(&mut self, number: &[usize]) {
        let map = |s: usize| if s == 0 { 0 } else { number[s - 1] };
        self.segments.iter_mut().for_each(|s| *s = map(*s));
        self.profiles.iter_mut().for_each(|p| p.id = map(p.id));
        self.profiles.sort_by_key(|p| p.id);
        // `old[t - 1]`: the earlier number of what is now segment `t`.
        let mut old = vec![0usize; number.len()];
        number.iter().enumerate().for_each(|(s, &t)| old[t - 1] = s + 1);
        match &mut self.clusters {
            Clusters::Centres(c) => *c = c.select(Axis(0), &old.iter().map(|o| o - 1).collect::<Vec<_>>()),
            Clusters::Mixture { order, .. } => *order = old.iter().map(|&o| order[o - 1]).collect(),
            Clusters::Exemplars { segments, .. } => segments.iter_mut().for_each(|s| *s = map(*s)),
        }
        if let (Method::GaussianMixture { .. }, Some(m)) = (self.method, self.membership.as_mut()) {
            let mut cols: Vec<usize> = old.iter().map(|o| o - 1).collect();
            cols.extend(number.len()..m.ncols());
            *m = m.select(Axis(1), &cols);
        }
    }
}

/// The fitted clustering of a [`Segmentation`], in the clustering space
/// (the scaled features of [`Segmentation::used`], each times its weight):
/// what assigns an account to a segment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Clusters {
    /// k-means: the fitted centres, `k x d`, row `s - 1` for segment `s`;
    /// an account goes to the nearest (squared Euclidean distance; ties:
    /// the lower segment), as [`crate::analysis::FittedKMeans::predict`].
    Centres(Array2<f64>),
    /// Gaussian mixture: the components as fitted (`labels` left empty);
    /// `order[s - 1]` is segment `s`'s component. An account goes to the
    /// segment of highest posterior probability; a component that won no
    /// account when fitted is not a segment and is skipped.
    Mixture { gmm: FittedGaussianMixture, order: Vec<usize> },
    /// HDBSCAN, which has no rule for new points: the training accounts'
    /// points (`n x d`) and segments (0 = noise). A new account takes the
    /// segment of the nearest training account (1-nearest neighbour, an
    /// approximation of HDBSCAN's own assignment: exact on the training
    /// accounts themselves).
    Exemplars { points: Array2<f64>, segments: Vec<usize> },
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
    let mut timer = StageTimer::start(clock, starting);
    let mut mark = |stage: &str| timer.mark(stage);
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
    let families: Option<Vec<_>> = opts.balance_families.then(|| ft.defs.iter().map(|d| d.family()).collect());
    let space = ClusterSpace::new(&preprocessor.kept, opts.weights.as_deref(), ft.defs.len(), families.as_deref())?;
    // The clustering space: `z` itself when every feature is used at weight 1 (no copy).
    let xz = space.columns(z.view());
    let x = xz.as_ref().map_or(z.view(), |x| x.view());
    mark("scale");

    let sample = sample_indices(n, opts.sample_size.max(3), opts.seed);
    let zs = x.select(Axis(0), &sample);
    let correlation = correlation_matrix(zs.view());
    let dist = pairwise_distances(zs.view());
    let k_auto = opts.k.is_none() && method.takes_k();
    let sweep = if k_auto { sweep::sweep(method, zs.view(), Some(dist.view()), opts)? } else { Vec::new() };
    let mut k_req = sweep::choose_k(opts.k, &sweep, opts.k_rule);
    // The automatic k is also chosen on other seeded samples (other seeds for
    // their fits too) and elected by majority.
    let k_vote = if k_auto && opts.k_samples > 1 {
        let mut votes = vec![k_req];
        for s in 1..opts.k_samples as u64 {
            let seed = opts.seed.wrapping_add(s);
            // Small data: 80 % subsamples, so that the samples differ in accounts too.
            let m = if n <= opts.sample_size { (n * 4).div_ceil(5).max(3) } else { opts.sample_size };
            let other = x.select(Axis(0), &sample_indices(n, m, seed));
            let need_dist = opts.k_rule == KRule::Silhouette;
            let d = need_dist.then(|| pairwise_distances(other.view()));
            let o = SegmentOptions { seed, ..opts.clone() };
            // A sample that cannot be swept (e.g. a collapsed mixture component) has no vote.
            if let Ok(sw) = sweep::sweep(method, other.view(), d.as_ref().map(|d| d.view()), &o) {
                votes.push(sweep::choose_k(None, &sw, opts.k_rule));
            }
        }
        let v = KVote::of(votes);
        k_req = v.k;
        Some(v)
    } else {
        None
    };
    mark("k sweep");

    let Fitted { labels, gmm, centroids, probabilities, about: algorithm } =
        fit::fit_method(method, x, k_req, opts.seed, opts.n_init)?;
    mark("cluster");

    let fit::Relabelled { segments, k, order, noise } = fit::relabel(labels);
    if k == 0 {
        return Err(AnalysisError::NoSegments);
    }
    let quality::Silhouette { mean: silhouette, n: silhouette_n, by_segment: silhouette_by_segment } =
        quality::silhouette(&segments, &sample, dist.view(), k);
    drop(dist);
    let sampled_segments: Vec<usize> = sample.iter().map(|&i| segments[i]).collect();
    let stability = quality::stability(method, zs.view(), &sampled_segments, n, k, opts.stability_runs, opts.seed);
    mark("silhouette and stability");

    let (pca, projection) = project(x)?;
    mark("PCA");

    let clusters = match (&gmm, centroids) {
        (Some(g), _) => {
            Clusters::Mixture { gmm: FittedGaussianMixture { labels: Vec::new(), ..g.clone() }, order: order.clone() }
        }
        (None, Some(c)) => Clusters::Centres(c.select(Axis(0), &order)),
        (None, None) => Clusters::Exemplars { points: x.to_owned(), segments: segments.clone() },
    };

    // Profiles describe every scaled feature, used for clustering or not.
    let inputs =
        DescribeInputs { ft, z: z.view(), kept: &preprocessor.kept, used: &space.used, segments: &segments, k };
    let described = inputs.describe(xz, &clusters, &pca, gmm.as_ref(), &order, probabilities);
    mark("profiles and anomalies");
    Ok(Segmentation {
        method,
        algorithm,
        preprocessor,
        used: space.used,
        weights: space.weights,
        correlation,
        sample_size: sample.len(),
        pca,
        projection,
        segments,
        k,
        noise,
        k_auto,
        k_rule: opts.k_rule,
        k_vote,
        sweep,
        silhouette,
        silhouette_n,
        silhouette_by_segment,
        stability,
        k_requested: method.takes_k().then_some(k_req),
        membership: described.membership,
        anomaly_score: described.anomaly_score,
        anomaly_unit: described.anomaly_unit.to_string(),
        anomalies: described.anomalies,
        anomaly_features: described.anomaly_features,
        anomaly_features_unit: described.anomaly_features_unit.to_string(),
        overall_means: described.overall_means,
        profiles: described.profiles,
        seed: opts.seed,
        stage_ms: timer.ms,
        clusters,
        margin: described.margin,
        reconstruction_error: described.reconstruction_error,
        applied: false,
    })
}

/// What the last stage ("profiles and anomalies") gives, of a fit
/// ([`segment_timed`]) and of a scoring ([`score_timed`]) alike.
pub(super) struct Described {
    pub anomaly_score: Vec<f64>,
    pub anomaly_unit: &'static str,
    pub membership: Option<Array2<f64>>,
    pub margin: Vec<f64>,
    pub reconstruction_error: f64,
    pub anomalies: Vec<usize>,
    pub anomaly_features: Vec<Vec<(usize, f64)>>,
    pub anomaly_features_unit: &'static str,
    pub overall_means: Vec<f64>,
    pub profiles: Vec<SegmentProfile>,
}

/// The accounts the last stage describes: the table `ft`, its scaled
/// features `z` (columns `kept`), the features of the clustering space
/// (`used`) and the `segments` (`1..=k`, 0 = noise).
pub(super) struct DescribeInputs<'a> {
    pub ft: &'a FeatureTable,
    pub z: ArrayView2<'a, f64>,
    pub kept: &'a [usize],
    pub used: &'a [usize],
    pub segments: &'a [usize],
    pub k: usize,
}

impl DescribeInputs<'_> {
    /// Anomaly scores (and the mixture's membership) under `gmm` with its
    /// components `order`ed by segment, or as distances to the segment
    /// centres; each account's assignment margin under `clusters`; the PCA
    /// reconstruction error; the top anomalies explained; the profiles. The
    /// clustering space is `xz` (taken, to be freed before the profiles), or
    /// `z` itself when `None`.
    pub(super) fn describe(
        self,
        xz: Option<Array2<f64>>,
        clusters: &Clusters,
        pca: &FittedPca,
        gmm: Option<&FittedGaussianMixture>,
        order: &[usize],
        probabilities: Option<Vec<f64>>,
    ) -> Described {
        let DescribeInputs { ft, z, kept, used, segments, k } = self;
        let x = match &xz {
            Some(x) => x.view(),
            None => z.view(),
        };
        let centres = anomalies::segment_centres(x, segments, k);
        let anomalies::Scores { score, unit, membership } =
            anomalies::scores(x, segments, &centres, gmm, order, probabilities);
        let margin = quality::assignment_margin(clusters, x, k, membership.as_ref());
        let reconstruction_error = quality::reconstruction_error(pca, x);
        let top = anomalies::top_anomalies(&score);
        let (anomaly_features, anomaly_features_unit) = anomalies::explain(x, &top, segments, used, gmm, order);
        let z_centres = if xz.is_some() { anomalies::segment_centres(z, segments, k) } else { centres };
        drop(xz);
        let (overall_means, mut profiles) = profiles::profiles(ft, segments, &z_centres, kept, used, &top);
        let names = names::segment_names(ft, &profiles, &overall_means, kept);
        let rules = playbook::playbook_rules(ft, &profiles, &overall_means, kept);
        let texts = playbook::default_actions();
        for ((p, name), rules) in profiles.iter_mut().zip(names).zip(rules) {
            p.name = name;
            p.actions = playbook::actions_for(&rules, &texts);
            p.playbook = rules;
        }
        Described {
            anomaly_score: score,
            anomaly_unit: unit,
            membership,
            margin,
            reconstruction_error,
            anomalies: top,
            anomaly_features,
            anomaly_features_unit,
            overall_means,
            profiles,
        }
    }
}

/// Times the [`STAGES`] of a run: `mark(stage)` records the milliseconds
/// since the last mark (by `clock`) and announces the next stage to `starting`.
pub(super) struct StageTimer<'a> {
    clock: &'a dyn Fn() -> f64,
    starting: &'a mut dyn FnMut(&str),
    last: f64,
    /// (stage, milliseconds), in order.
    pub ms: Vec<(String, f64)>,
}

impl<'a> StageTimer<'a> {
    /// Starts timing, announcing the first stage.
    pub fn start(clock: &'a dyn Fn() -> f64, starting: &'a mut dyn FnMut(&str)) -> Self {
        starting(STAGES[0]);
        StageTimer { last: clock(), clock, starting, ms: Vec::new() }
    }

    /// Ends `stage`.
    pub fn mark(&mut self, stage: &str) {
        let now = (self.clock)();
        self.ms.push((stage.to_string(), now - self.last));
        self.last = now;
        if let Some(next) = STAGES.get(self.ms.len()) {
            (self.starting)(next);
        }
    }
}

/// The clustering space: which scaled columns enter the distance, and with what weight.
struct ClusterSpace {
    /// Per clustering column: its column in the scaled matrix.
    columns: Vec<usize>,
    /// Per clustering column: its feature (index into the table's defs).
    used: Vec<usize>,
    /// Per clustering column: its weight.
    weights: Vec<f64>,
}

impl ClusterSpace {
    /// The space for scaled columns `kept` (features of the table, of which
    /// there are `n_features`) under `weights` (see [`SegmentOptions::weights`]).
    ///
    /// Errors: [`AnalysisError::Param`] if `weights` has the wrong length
    /// or a weight that is negative or not finite;
    /// [`AnalysisError::NoFeaturesChosen`] if no kept feature has a weight
    /// above 0.
    fn new(
        kept: &[usize],
        weights: Option<&[f64]>,
        n_features: usize,
        families: Option<&[Option<Family>]>,
    ) -> Result<Self, AnalysisError> {
        let weight = |j: usize| weights.map_or(1.0, |w| w[j]);
        if let Some(w) = weights {
            if w.len() != n_features {
                return Err(ParamError::FeatureWeights { expected: n_features, got: w.len() }.into());
            }
            if let Some(&bad) = w.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
                return Err(ParamError::FeatureWeight { value: bad }.into());
            }
            if w.iter().all(|&v| v == 0.0) {
                return Err(AnalysisError::NoFeaturesChosen { constant: false });
            }
        }
        let columns: Vec<usize> = (0..kept.len()).filter(|&c| weight(kept[c]) > 0.0).collect();
        if columns.is_empty() {
            // Every chosen feature was constant and dropped at scaling.
            return Err(AnalysisError::NoFeaturesChosen { constant: true });
        }
        let used: Vec<usize> = columns.iter().map(|&c| kept[c]).collect();
        let mut weights: Vec<f64> = used.iter().map(|&j| weight(j)).collect();
        if let Some(f) = families {
            let fams: Vec<Option<Family>> = used.iter().map(|&j| f[j]).collect();
            let balance = balance_weights(&fams, &vec![true; used.len()]);
            weights.iter_mut().zip(balance).for_each(|(w, b)| *w *= b);
        }
        Ok(ClusterSpace { columns, used, weights })
    }

    /// `z`'s clustering columns, each times its weight; `None` when that is
    /// `z` itself (every column, every weight 1).
    fn columns(&self, z: ArrayView2<f64>) -> Option<Array2<f64>> {
        if self.columns.len() == z.ncols() && self.weights.iter().all(|&w| w == 1.0) {
            return None;
        }
        let mut x = z.select(Axis(1), &self.columns);
        for (mut c, &w) in x.columns_mut().into_iter().zip(&self.weights) {
            if w != 1.0 {
                c *= w;
            }
        }
        Some(x)
    }
}

/// Stage "PCA": the PCA of the scaled accounts `z` (`n x d`) and their
/// projection on the first components ([`plotted`]).
///
/// Errors: as [`Pca::fit`].
fn project(z: ArrayView2<f64>) -> Result<(FittedPca, Array2<f64>), AnalysisError> {
    let pca = Pca { n_components: None }.fit(z)?;
    let projection = plotted(&pca, z);
    Ok((pca, projection))
}

/// Principal components kept per account for the scatter's axes (selects
/// **X axis** and **Y axis**): the first ten, which hold nearly all the
/// variance of any feature table segscope builds, at 80 bytes an account.
pub const PLOT_COMPONENTS: usize = 10;

/// The rows of `z` on the first `min(d, PLOT_COMPONENTS)` components of
/// `pca` (`n x m`, at least 2 columns: the second is 0 with one feature, the
/// plot's second axis).
fn plotted(pca: &FittedPca, z: ArrayView2<f64>) -> Array2<f64> {
    let projection = pca.transform_first(z, PLOT_COMPONENTS);
    if projection.ncols() < 2 {
        return ndarray::concatenate![Axis(1), projection, Array2::zeros((z.nrows(), 1))];
    }
    projection
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::analysis::metrics;
    use crate::features::FeatureDef;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

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
                .map(|k| FeatureDef { key: k.to_string(), unit: String::new(), formula: String::new(), feature: None })
                .collect(),
            values,
            not_computed: vec![],
            rows_used: n,
            skipped: vec![],
            ignored_cells: vec![],
            accounts_left_out: 0,
            notes: vec![],
            risk: None,
        }
    }

    /// `ft` with a third feature that splits the accounts in two at random,
    /// far more strongly than the blobs differ.
    fn with_loud_noise(mut ft: FeatureTable) -> FeatureTable {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let noise: Vec<f64> = (0..ft.ids.len()).map(|_| if rng.random::<bool>() { 1e3 } else { -1e3 }).collect();
        ft.values = ndarray::concatenate![Axis(1), ft.values, Array2::from_shape_vec((noise.len(), 1), noise).unwrap()];
        ft.defs.push(FeatureDef { key: "luck".into(), unit: String::new(), formula: String::new(), feature: None });
        ft
    }

    #[test]
    fn a_segment_at_the_overall_centre_is_not_set_apart_by_anything() {
        // Three blobs on the diagonal: the middle one sits at the overall mean of both features.
        let ft = blobs(60, &[[-10.0, -10.0], [0.0, 0.0], [10.0, 10.0]]);
        let seg = segment(&ft, &SegmentOptions { k: Some(3), stability_runs: 0, ..SegmentOptions::default() }).unwrap();
        let zs: Vec<_> = seg.profiles.iter().map(|p| p.z_means.clone()).collect();
        let middle =
            seg.profiles.iter().find(|p| p.z_means[0].abs() < 0.1).unwrap_or_else(|| panic!("no middle blob: {zs:?}"));
        assert_eq!(middle.distinguishing, vec![], "it was 'low x (-0.0 SD)' before");
        for p in &seg.profiles {
            assert!(
                p.distinguishing.iter().all(|&(_, z)| z.abs() >= profiles::MIN_DISTINGUISHING),
                "{:?}",
                p.distinguishing
            );
        }
        assert_eq!(
            seg.profiles.iter().filter(|p| p.distinguishing.len() == 2).count(),
            2,
            "the outer blobs: both features"
        );
    }

    #[test]
    fn a_feature_at_weight_zero_stays_out_of_the_distance_but_in_the_profiles() {
        let base = blobs(60, &[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]);
        let ft = with_loud_noise(base.clone());
        let opts = SegmentOptions { k: Some(3), stability_runs: 0, ..SegmentOptions::default() };
        let without = segment(&base, &opts).unwrap();
        // With the noise weighing three times a blob feature, the segments follow it.
        let loud = segment(&ft, &SegmentOptions { weights: Some(vec![1.0, 1.0, 3.0]), ..opts.clone() }).unwrap();
        assert!(metrics::adjusted_rand_index(&loud.segments, &without.segments) < 0.5);
        assert_eq!(loud.weights, vec![1.0, 1.0, 3.0]);
        let used = segment(&ft, &SegmentOptions { weights: Some(vec![1.0, 1.0, 0.0]), ..opts.clone() }).unwrap();
        assert_eq!(used.segments, without.segments, "the descriptor does not move any account");
        assert_eq!((used.used.as_slice(), used.weights.as_slice()), (&[0, 1][..], &[1.0, 1.0][..]));
        assert_eq!(used.pca.components.ncols(), 2, "PCA draws the clustering space");
        for p in &used.profiles {
            assert_eq!((p.means.len(), p.z_means.len()), (3, 3), "the descriptor is profiled");
            assert!(p.distinguishing.iter().all(|&(j, _)| j != 2), "but does not distinguish");
        }
        // Weights of 1 everywhere are the default, bit for bit.
        let all = segment(&ft, &opts).unwrap();
        let ones = segment(&ft, &SegmentOptions { weights: Some(vec![1.0; 3]), ..opts.clone() }).unwrap();
        assert_eq!((ones.segments, ones.anomaly_score), (all.segments, all.anomaly_score));
    }

    #[test]
    fn the_automatic_k_is_the_true_one_whatever_the_seed_on_clear_structure() {
        // The quality benchmark's classic shapes: 8-dimensional blobs ~6 SD apart.
        for (k_true, data_seed) in [(3, 1), (5, 2), (7, 3)] {
            let x = crate::sample::gaussian_blobs(600, 8, k_true, data_seed);
            let mut rng = ChaCha8Rng::seed_from_u64(data_seed);
            let shift: Vec<f64> = (0..k_true * 8).map(|_| rng.random_range(-6.0..6.0)).collect();
            let x = Array2::from_shape_fn(x.dim(), |(i, j)| x[[i, j]] + shift[(i % k_true) * 8 + j]);
            let ft = FeatureTable { values: x, ..blobs(300, &[[0.0, 0.0], [1.0, 1.0]]) };
            let ft = FeatureTable {
                defs: (0..8)
                    .map(|j| FeatureDef {
                        key: format!("x{j}"),
                        unit: String::new(),
                        formula: String::new(),
                        feature: None,
                    })
                    .collect(),
                ..ft
            };
            for seed in [1, 7, 42, 1234] {
                let s = segment(&ft, &SegmentOptions { seed, stability_runs: 0, ..Default::default() }).unwrap();
                assert_eq!(s.k, k_true, "k = {k_true}, seed {seed}");
                let v = s.k_vote.unwrap();
                assert_eq!(v.votes, vec![k_true; 3], "every seeded sample agrees (k = {k_true}, seed {seed})");
            }
        }
    }

    #[test]
    fn the_vote_takes_the_most_frequent_k_and_the_shown_sample_on_ties() {
        assert_eq!(KVote::of(vec![4, 6, 6]).k, 6);
        assert_eq!(KVote::of(vec![4, 6, 5]).k, 4);
        assert_eq!(KVote::of(vec![4, 6, 6]).agreeing(), 2);
    }

    #[test]
    fn balancing_counts_only_the_features_that_enter_the_distance() {
        use crate::features::FeatureKey;
        let mut ft = blobs(30, &[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]);
        let keys = [
            FeatureKey::SpotShare,
            FeatureKey::DistinctInstruments,
            FeatureKey::PerpetualShare,
            FeatureKey::TradeCount,
        ];
        ft.defs = keys
            .iter()
            .map(|&k| FeatureDef {
                key: k.name().into(),
                unit: String::new(),
                formula: String::new(),
                feature: Some(k),
            })
            .collect();
        let n = ft.ids.len();
        let extra = Array2::from_shape_fn((n, 2), |(i, j)| if j == 0 { 0.5 } else { (i % 7) as f64 });
        ft.values = ndarray::concatenate![Axis(1), ft.values, extra];
        let opts = SegmentOptions { k: Some(3), stability_runs: 0, balance_families: true, ..Default::default() };
        let s = segment(&ft, &opts).unwrap();
        // perpetual_share is constant, so dropped: two instrument features remain, each 1/sqrt(2).
        assert_eq!(s.used, vec![0, 1, 3]);
        let h = 1.0 / 2f64.sqrt();
        assert_eq!(s.weights, vec![h, h, 1.0]);
    }

    #[test]
    fn feature_weights_are_checked() {
        let ft = blobs(10, &[[0.0, 0.0], [10.0, 0.0]]);
        let with = |w: Vec<f64>| segment(&ft, &SegmentOptions { k: Some(2), weights: Some(w), ..Default::default() });
        assert!(matches!(
            with(vec![1.0]),
            Err(AnalysisError::Param(ParamError::FeatureWeights { expected: 2, got: 1 }))
        ));
        assert!(matches!(with(vec![1.0, -1.0]), Err(AnalysisError::Param(ParamError::FeatureWeight { .. }))));
        assert!(matches!(with(vec![1.0, f64::NAN]), Err(AnalysisError::Param(ParamError::FeatureWeight { .. }))));
        assert_eq!(with(vec![0.0, 0.0]).unwrap_err(), AnalysisError::NoFeaturesChosen { constant: false });
        let mut flat = ft.clone();
        flat.values.column_mut(1).fill(3.0);
        let r = segment(&flat, &SegmentOptions { k: Some(2), weights: Some(vec![0.0, 1.0]), ..Default::default() });
        assert_eq!(r.unwrap_err(), AnalysisError::NoFeaturesChosen { constant: true });
    }

    #[test]
    fn chooses_k_automatically_and_numbers_segments_by_size() {
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
        assert!(st.by_segment.len() == 2 && st.by_segment.iter().all(|&j| j > 0.9), "{st:?}");
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
