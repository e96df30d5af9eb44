//! Stage "anomalies": each segment's centre in scaled units, every
//! account's anomaly score (negative log-likelihood under a mixture, else the
//! distance to its segment centre), and the top 1 %.

use crate::analysis::gmm::FittedGaussianMixture;
use ndarray::{Array2, ArrayView2, Axis};

/// Mean of the rows of `z` (`n x d`, scaled) in each segment `1..=k` of
/// `segments` (0 = noise, left out): `k x d`, row `s - 1` for segment `s`.
pub fn segment_centres(z: ArrayView2<f64>, segments: &[usize], k: usize) -> Array2<f64> {
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
    centres
}

/// Anomaly scores: what [`scores`] returns.
pub(super) struct Scores {
    /// Anomaly score of each account (higher = more unusual), in `unit`.
    pub score: Vec<f64>,
    /// What the score measures.
    pub unit: &'static str,
    /// Gaussian mixture: `n x n_components` membership probabilities, columns
    /// in segment order (`order`), then any component that won no account.
    /// HDBSCAN: `n x 1` strength of membership (`probabilities`). k-means: `None`.
    pub membership: Option<Array2<f64>>,
}

/// Scores each of the `n` rows of `z` (`n x d`, scaled): under `gmm` if the
/// method was a mixture (negative log-likelihood, nats), else the Euclidean
/// distance to its segment's centre in `centres` (`k x d`), or to the
/// nearest centre for noise (segment 0).
pub(super) fn scores(
    z: ArrayView2<f64>,
    segments: &[usize],
    centres: &Array2<f64>,
    gmm: Option<&FittedGaussianMixture>,
    order: &[usize],
    probabilities: Option<Vec<f64>>,
) -> Scores {
    let (n, k) = (z.nrows(), centres.nrows());
    let (score, unit, membership) = match gmm {
        Some(g) => {
            let proba = g.predict_proba(z);
            let mut cols: Vec<usize> = order.to_vec();
            cols.extend((0..proba.ncols()).filter(|c| !order.contains(c)));
            (
                g.score_samples(z).into_iter().map(|l| -l).collect(),
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
    Scores { score, unit, membership }
}

/// How many features [`explain`] names per account.
pub const FEATURES_EXPLAINED: usize = 3;

/// Why each of the accounts `rows` of `x` (`n x d`, the clustering space:
/// column `u` is feature `used[u]`) is unusual: its [`FEATURES_EXPLAINED`]
/// largest contributions, largest magnitude first, as (feature, value).
///
/// - Under a Gaussian mixture (`gmm`, components in segment order by
///   `order`), each feature's share (0-1) of the account's negative
///   log-likelihood under its own component in the diagonal approximation:
///   `t_u = (x_u - mu_u)^2 / sigma_uu`, the covariance's diagonal, share
///   `t_u / sum t` (the log-determinant term, which does not depend on the
///   account's values, is left out). Full covariances are approximated by
///   their diagonal: the shares then ignore correlations between features.
/// - Otherwise, the account's scaled value in the clustering space (at the
///   feature's weight): how many standard deviations it lies from the
///   mean, signed.
///
/// Returns the unit of the values with them.
pub(super) fn explain(
    x: ArrayView2<f64>,
    rows: &[usize],
    segments: &[usize],
    used: &[usize],
    gmm: Option<&FittedGaussianMixture>,
    order: &[usize],
) -> (Vec<Vec<(usize, f64)>>, &'static str) {
    let top = |mut v: Vec<(usize, f64)>| {
        v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        v.truncate(FEATURES_EXPLAINED);
        v
    };
    match gmm {
        Some(g) => {
            let out = rows
                .iter()
                .map(|&i| {
                    let c = segments[i].checked_sub(1).and_then(|s| order.get(s).copied()).unwrap_or(0);
                    let terms: Vec<f64> = (0..x.ncols())
                        .map(|u| {
                            let dev = x[[i, u]] - g.means[[c, u]];
                            dev * dev / g.covariances[c][[u, u]].max(f64::MIN_POSITIVE)
                        })
                        .collect();
                    let total: f64 = terms.iter().sum();
                    top(terms
                        .iter()
                        .enumerate()
                        .map(|(u, t)| (used[u], if total > 0.0 { t / total } else { 0.0 }))
                        .collect())
                })
                .collect();
            (out, "share of the negative log-likelihood (diagonal approximation)")
        }
        None => {
            let out = rows.iter().map(|&i| top((0..x.ncols()).map(|u| (used[u], x[[i, u]])).collect())).collect();
            (out, "scaled units")
        }
    }
}

/// Indices of the top 1 % of `score` (at least one; ties by row), highest
/// score first: selected, then only they are sorted.
pub(super) fn top_anomalies(score: &[f64]) -> Vec<usize> {
    let n = score.len();
    let top = n.div_ceil(100).max(1).min(n);
    let by_score_desc = |a: &usize, b: &usize| score[*b].total_cmp(&score[*a]).then(a.cmp(b));
    let mut by_score: Vec<usize> = (0..n).collect();
    if top < n {
        by_score.select_nth_unstable_by(top - 1, by_score_desc);
        by_score.truncate(top);
    }
    by_score.sort_by(by_score_desc);
    by_score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nll_shares_of_a_diagonal_component_by_hand() {
        use crate::analysis::gmm::CovarianceType;
        use ndarray::{array, Array1};
        // One component at (0, 0, 0), variances 1, 4, 0.25; the account at (1, 2, 1):
        // terms 1, 1, 4 of 6.
        let g = FittedGaussianMixture {
            covariance_type: CovarianceType::Diag,
            weights: Array1::ones(1),
            means: Array2::zeros((1, 3)),
            covariances: vec![Array2::from_diag(&array![1.0, 4.0, 0.25])],
            precisions_cholesky: vec![Array2::eye(3)],
            converged: true,
            n_iter: 1,
            lower_bound: 0.0,
            labels: vec![0],
        };
        let x = array![[1.0, 2.0, 1.0]];
        let (why, unit) = explain(x.view(), &[0], &[1], &[7, 8, 9], Some(&g), &[0]);
        assert!(unit.starts_with("share"));
        assert_eq!(why[0][0], (9, 4.0 / 6.0));
        assert_eq!((why[0][1].0, why[0][2].0), (7, 8), "ties by feature");
        let (why, _) = explain(x.view(), &[0], &[1], &[7, 8, 9], None, &[0]);
        assert_eq!(why[0], [(8, 2.0), (7, 1.0), (9, 1.0)]);
    }

    #[test]
    fn the_top_1_percent_highest_first_ties_by_row() {
        let mut score = vec![0.0; 250];
        score[7] = 5.0;
        score[200] = 9.0;
        score[100] = 5.0;
        assert_eq!(top_anomalies(&score), vec![200, 7, 100]);
        assert_eq!(top_anomalies(&[1.0, 3.0]), vec![1]);
    }
}
