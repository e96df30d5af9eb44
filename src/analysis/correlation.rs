//! Correlation structure of the features chosen for clustering: the Pearson
//! correlation matrix (as `numpy.corrcoef` of the columns) and the pairs so
//! correlated that one of them is a near-duplicate of the other.
//!
//! Two near-duplicate features count twice in the k-means distance: the
//! side of behaviour they measure weighs double. The page shows the matrix
//! before clustering and offers to drop one of each near-duplicate pair.

use ndarray::{Array2, ArrayView2};

/// `|r|` above which two features are near-duplicates.
pub const NEAR_DUPLICATE_R: f64 = 0.95;

/// Pearson correlation matrix of the columns of `x` (`n x d`, finite
/// values, e.g. the imputed and transformed features): `d x d`, symmetric,
/// ones on the diagonal, as `numpy.corrcoef(x, rowvar=False)`. A constant
/// column correlates 0 with every other (numpy gives NaN; 0 is what the
/// page can show and compare) and 1 with itself.
pub fn correlation_matrix(x: ArrayView2<f64>) -> Array2<f64> {
    let (n, d) = x.dim();
    let means: Vec<f64> = (0..d).map(|j| x.column(j).sum() / n.max(1) as f64).collect();
    let mut cov = Array2::<f64>::zeros((d, d));
    for row in x.rows() {
        for a in 0..d {
            let da = row[a] - means[a];
            for b in a..d {
                cov[[a, b]] += da * (row[b] - means[b]);
            }
        }
    }
    let mut r = Array2::<f64>::eye(d);
    for a in 0..d {
        for b in a + 1..d {
            let den = (cov[[a, a]] * cov[[b, b]]).sqrt();
            let v = if den > 0.0 { (cov[[a, b]] / den).clamp(-1.0, 1.0) } else { 0.0 };
            r[[a, b]] = v;
            r[[b, a]] = v;
        }
    }
    r
}

/// The pairs `(a, b, r)`, `a < b`, with `|r| > threshold`, strongest first.
pub fn near_duplicates(r: &Array2<f64>, threshold: f64) -> Vec<(usize, usize, f64)> {
    let d = r.nrows();
    let mut out: Vec<(usize, usize, f64)> =
        (0..d).flat_map(|a| (a + 1..d).map(move |b| (a, b))).map(|(a, b)| (a, b, r[[a, b]])).collect();
    out.retain(|p| p.2.abs() > threshold);
    out.sort_by(|p, q| q.2.abs().total_cmp(&p.2.abs()).then((p.0, p.1).cmp(&(q.0, q.1))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pearson_as_numpy_corrcoef() {
        // x = 1..4, y = [2, 4, 5, 4]: sum dx dy = 3.5, sum dx^2 = 5, sum dy^2 = 4.75,
        // r = 3.5 / sqrt(23.75) = 0.718184... (numpy.corrcoef gives the same).
        let x = array![[1.0, 2.0, -1.0, 7.0], [2.0, 4.0, -2.0, 7.0], [3.0, 5.0, -3.0, 7.0], [4.0, 4.0, -4.0, 7.0]];
        let r = correlation_matrix(x.view());
        assert!((r[[0, 1]] - 3.5 / 23.75f64.sqrt()).abs() < 1e-15);
        assert_eq!(r[[0, 1]], r[[1, 0]]);
        assert_eq!(r[[0, 2]], -1.0);
        assert_eq!((r[[0, 3]], r[[3, 3]]), (0.0, 1.0), "a constant column: 0 with others, 1 with itself");
        let pairs = near_duplicates(&r, NEAR_DUPLICATE_R);
        assert_eq!(pairs, vec![(0, 2, -1.0)]);
    }
}
