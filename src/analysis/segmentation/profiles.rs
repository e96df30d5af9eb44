//! Stage "profiles": each segment's size, raw and scaled feature means, most
//! distinguishing features, risk flags and number of top anomalies.

use crate::features::{FeatureKey, FeatureTable};
use ndarray::{Array2, ArrayView1};

/// Smallest `|z_mean|` (scaled units: standard deviations for the standard
/// scaler) that counts as setting a segment apart: 0.2, the "small" effect
/// size of Cohen's d (J. Cohen, *Statistical Power Analysis for the
/// Behavioral Sciences*, 1988). Below it the page said e.g. "low
/// spending_score (-0.0 SD)", which sets nothing apart.
pub const MIN_DISTINGUISHING: f64 = 0.2;

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
    /// The (up to) three features used for clustering with the largest
    /// `|z_mean|`, at least [`MIN_DISTINGUISHING`], as (index into the
    /// feature table's defs, z): what sets the segment apart in the space
    /// that defined it. Empty for a segment at the overall centre.
    pub distinguishing: Vec<(usize, f64)>,
    /// Risk and anomaly flags, as sentences.
    pub flags: Vec<String>,
    /// Accounts of this segment among the top anomalies.
    pub anomalies: usize,
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

/// The overall mean of each feature of `ft` (raw units, ignoring missing
/// cells), and one profile per segment `1..=k` of `segments` (0 = noise),
/// with `centres` (`k x kept.len()`, scaled) as its `z_means`; `kept` maps a
/// scaled column to its feature, `used` lists the features used for
/// clustering, `anomalies` are the top anomalous rows.
pub(super) fn profiles(
    ft: &FeatureTable,
    segments: &[usize],
    centres: &Array2<f64>,
    kept: &[usize],
    used: &[usize],
    anomalies: &[usize],
) -> (Vec<f64>, Vec<SegmentProfile>) {
    let n = segments.len();
    let k = centres.nrows();
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
        let mut dist_feats: Vec<(usize, f64)> = z_means
            .iter()
            .enumerate()
            .map(|(o, &v)| (kept[o], v))
            .filter(|&(j, v)| used.contains(&j) && v.abs() >= MIN_DISTINGUISHING)
            .collect();
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
    (overall_means, profiles)
}

/// Risk and anomaly flags of a segment, from its raw feature means. The
/// features are found by their catalogue key ([`FeatureKey`]), so a
/// customer table's column that happens to share a name does not raise a
/// trader flag.
fn flags_for(ft: &FeatureTable, means: &[f64], overall: &[f64], share: f64, anomalies: usize) -> Vec<String> {
    let get = |key: FeatureKey| ft.defs.iter().position(|d| d.feature == Some(key)).map(|j| (means[j], overall[j]));
    let mut f = Vec::new();
    if let Some((m, _)) = get(FeatureKey::MaxLeverage).filter(|(m, _)| *m >= 20.0) {
        f.push(format!("high leverage (mean max {m:.0}x)"));
    }
    if let Some((m, o)) = get(FeatureKey::RealizedPnl).filter(|(m, o)| *m < 0.0 && *m < *o) {
        f.push(format!("loss-making (mean realized PnL {m:.0} vs {o:.0} overall)"));
    }
    if let Some((m, o)) = get(FeatureKey::RecencyDays).filter(|(m, o)| *m > 2.0 * *o && *m > 7.0) {
        f.push(format!("lapsing (last active {m:.0} days ago vs {o:.0} overall)"));
    }
    if let Some((m, _)) = get(FeatureKey::ReturnShare).filter(|(m, _)| *m > 0.2) {
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
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

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
    fn flags_follow_catalogue_features_not_column_names() {
        use crate::features::FeatureDef;
        let def = |key: FeatureKey, catalogue: bool| FeatureDef {
            key: key.name().into(),
            unit: String::new(),
            formula: String::new(),
            feature: catalogue.then_some(key),
        };
        let ft = |catalogue: bool| FeatureTable {
            ids: vec![],
            defs: vec![def(FeatureKey::MaxLeverage, catalogue), def(FeatureKey::RecencyDays, catalogue)],
            values: Array2::zeros((0, 2)),
            not_computed: vec![],
            rows_used: 0,
            skipped: vec![],
            ignored_cells: vec![],
            accounts_left_out: 0,
            notes: vec![],
            risk: None,
        };
        let (means, overall) = ([25.0, 40.0], [10.0, 12.0]);
        assert_eq!(
            flags_for(&ft(true), &means, &overall, 0.5, 0),
            vec!["high leverage (mean max 25x)", "lapsing (last active 40 days ago vs 12 overall)"]
        );
        assert!(flags_for(&ft(false), &means, &overall, 0.5, 0).is_empty(), "a customer column named max_leverage");
        assert_eq!(flags_for(&ft(false), &means, &overall, 0.01, 2).len(), 2, "small segment, anomalies");
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
}
