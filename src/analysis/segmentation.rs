//! The segmentation pipeline: features -> preprocessing -> k-means (k chosen
//! by silhouette when not given) -> PCA for the view -> segment profiles.
//!
//! Clustering runs on all standardised features; PCA only projects them to
//! two dimensions for the scatter plot (and reports loadings), so the plot
//! shows the segments but does not define them.

use super::kmeans::{FittedKMeans, KMeans};
use super::metrics::{pairwise_distances, sample_indices, silhouette_samples_precomputed};
use super::pca::{FittedPca, Pca};
use super::preprocess::{FittedPreprocessor, Preprocessor};
use super::AnalysisError;
use crate::features::FeatureTable;
use ndarray::{Array2, Axis};

/// Options of [`segment`].
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentOptions {
    /// Number of segments; `None` chooses it by silhouette over `k_min..=k_max`.
    pub k: Option<usize>,
    /// Seed of every random choice (k-means++ and the silhouette sample).
    pub seed: u64,
    pub k_min: usize,
    pub k_max: usize,
    /// Accounts in the seeded sample used for choosing k and for the shown
    /// silhouette (all accounts when there are fewer).
    pub sample_size: usize,
    /// k-means restarts for the final model.
    pub n_init: usize,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions { k: None, seed: 42, k_min: 2, k_max: 10, sample_size: 2000, n_init: 10 }
    }
}

/// Silhouette and inertia for one k of the sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct KScore {
    pub k: usize,
    /// Mean silhouette on the sample.
    pub silhouette: f64,
    /// Inertia of k-means fitted on the sample.
    pub inertia: f64,
}

/// One segment's summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentProfile {
    /// Segment number shown to users, `1..=k`, largest segment first.
    pub id: usize,
    pub size: usize,
    /// `size / n_accounts`.
    pub share: f64,
    /// Mean of each feature of the feature table, raw units, ignoring missing cells.
    pub means: Vec<f64>,
    /// Mean of each kept (standardised) feature: how many standard deviations
    /// the segment sits from the overall mean, after the transform.
    pub z_means: Vec<f64>,
    /// The (up to) three kept features with the largest `|z_mean|`, as
    /// (index into the feature table's defs, z).
    pub distinguishing: Vec<(usize, f64)>,
    /// Risk and anomaly flags, as sentences.
    pub flags: Vec<String>,
    /// Accounts of this segment among the 1 % farthest from their centre.
    pub anomalies: usize,
}

/// Result of [`segment`].
#[derive(Clone, Debug)]
pub struct Segmentation {
    pub preprocessor: FittedPreprocessor,
    pub pca: FittedPca,
    /// `n x 2`: PC1 and PC2 of each account.
    pub projection: Array2<f64>,
    pub kmeans: FittedKMeans,
    /// Segment of each account, `1..=k` (largest segment = 1).
    pub segments: Vec<usize>,
    pub k: usize,
    /// True if k was chosen by silhouette.
    pub k_auto: bool,
    /// The silhouette sweep (empty when k was given).
    pub sweep: Vec<KScore>,
    /// Mean silhouette of the final segments on the sample.
    pub silhouette: f64,
    /// Accounts the silhouette was computed on.
    pub silhouette_n: usize,
    /// Overall mean of each feature (raw units, ignoring missing cells).
    pub overall_means: Vec<f64>,
    /// One per segment, in segment order.
    pub profiles: Vec<SegmentProfile>,
    /// Euclidean distance of each account to its segment centre (standardised units).
    pub distance_to_centre: Vec<f64>,
    pub seed: u64,
}

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

/// Segments the accounts of `ft`.
///
/// Errors: [`AnalysisError::TooFewSamples`] for fewer than 2 accounts (3 when
/// k is chosen automatically); [`AnalysisError::BadK`] if `k < 2` or `k`
/// exceeds the number of accounts; [`AnalysisError::NoVariance`] if every
/// feature is constant.
pub fn segment(ft: &FeatureTable, opts: &SegmentOptions) -> Result<Segmentation, AnalysisError> {
    let n = ft.ids.len();
    let needed = if opts.k.is_some() { 2 } else { 3 };
    if n < needed {
        return Err(AnalysisError::TooFewSamples { n, needed, what: "Segmentation" });
    }
    if let Some(k) = opts.k {
        if k < 2 || k > n {
            return Err(AnalysisError::BadK { k, n });
        }
    }
    let preprocessor = Preprocessor::default().fit(ft.values.view())?;
    let z = preprocessor.transform(ft.values.view());

    let sample = sample_indices(n, opts.sample_size, opts.seed);
    let zs = z.select(Axis(0), &sample);
    let dist = pairwise_distances(zs.view());
    let mut sweep = Vec::new();
    let k = match opts.k {
        Some(k) => k,
        None => {
            let k_hi = opts.k_max.min(sample.len() - 1);
            for k in opts.k_min.max(2)..=k_hi {
                let f = KMeans::new(k).seed(opts.seed).n_init(3).fit(zs.view())?;
                let s = silhouette_samples_precomputed(dist.view(), &f.labels);
                sweep.push(KScore { k, silhouette: s.iter().sum::<f64>() / s.len() as f64, inertia: f.inertia });
            }
            // Highest silhouette; the smaller k on a tie.
            sweep
                .iter()
                .fold(None::<&KScore>, |b, s| match b {
                    Some(b) if b.silhouette >= s.silhouette => Some(b),
                    _ => Some(s),
                })
                .map(|s| s.k)
                .unwrap_or(2)
        }
    };
    let kmeans = KMeans::new(k).seed(opts.seed).n_init(opts.n_init).fit(z.view())?;

    // Number segments by size, largest first (ties: lower cluster index).
    let mut sizes = vec![0usize; k];
    for &l in &kmeans.labels {
        sizes[l] += 1;
    }
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let mut rank = vec![0usize; k];
    for (r, &c) in order.iter().enumerate() {
        rank[c] = r + 1;
    }
    let segments: Vec<usize> = kmeans.labels.iter().map(|&l| rank[l]).collect();

    let sample_labels: Vec<usize> = sample.iter().map(|&i| kmeans.labels[i]).collect();
    let distinct = {
        let mut s = sample_labels.clone();
        s.sort_unstable();
        s.dedup();
        s.len()
    };
    let silhouette = if distinct >= 2 {
        let s = silhouette_samples_precomputed(dist.view(), &sample_labels);
        s.iter().sum::<f64>() / s.len() as f64
    } else {
        f64::NAN
    };

    let pca = Pca { n_components: None }.fit(z.view())?;
    let full = pca.transform(z.view());
    let mut projection = Array2::zeros((n, 2));
    for i in 0..n {
        projection[[i, 0]] = full[[i, 0]];
        projection[[i, 1]] = if full.ncols() > 1 { full[[i, 1]] } else { 0.0 };
    }

    let distance_to_centre = kmeans.distances(z.view());
    let mut sorted = distance_to_centre.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted[((n as f64 * 0.99).floor() as usize).min(n - 1)];

    let nf = ft.defs.len();
    let overall_means: Vec<f64> = (0..nf).map(|j| nan_mean(ft.values.column(j).iter().copied())).collect();
    let mut profiles = Vec::with_capacity(k);
    for id in 1..=k {
        let members: Vec<usize> = (0..n).filter(|&i| segments[i] == id).collect();
        let size = members.len();
        let means = (0..nf).map(|j| nan_mean(members.iter().map(|&i| ft.values[[i, j]]))).collect::<Vec<_>>();
        let z_means: Vec<f64> =
            (0..z.ncols()).map(|j| members.iter().map(|&i| z[[i, j]]).sum::<f64>() / size.max(1) as f64).collect();
        let mut dist_feats: Vec<(usize, f64)> =
            z_means.iter().enumerate().map(|(o, &v)| (preprocessor.kept[o], v)).collect();
        dist_feats.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        dist_feats.truncate(3);
        let anomalies = members.iter().filter(|&&i| distance_to_centre[i] > cut).count();
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
    Ok(Segmentation {
        preprocessor,
        pca,
        projection,
        kmeans,
        segments,
        k,
        k_auto: opts.k.is_none(),
        sweep,
        silhouette,
        silhouette_n: sample.len(),
        overall_means,
        profiles,
        distance_to_centre,
        seed: opts.seed,
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
        f.push(format!("{anomalies} anomalous accounts (top 1% distance to centre)"));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn errors_for_too_few_accounts_and_bad_k() {
        let ft = blobs(1, &[[0.0, 0.0]]);
        let e = segment(&ft, &SegmentOptions::default()).unwrap_err();
        assert!(e.to_string().contains("Only one account"), "{e}");
        let ft = blobs(2, &[[0.0, 0.0], [5.0, 5.0]]);
        let e = segment(&ft, &SegmentOptions { k: Some(5), ..Default::default() }).unwrap_err();
        assert_eq!(e, AnalysisError::BadK { k: 5, n: 4 });
    }
}
