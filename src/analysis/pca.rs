//! Principal component analysis by eigen-decomposition of the covariance
//! matrix (Jolliffe, *Principal Component Analysis*, 2002, ch. 1).
//!
//! For the tens of features segscope works with, forming the `d x d`
//! covariance (`O(n d^2)`) and solving it with nalgebra's symmetric
//! eigen-solver is cheap and matches scikit-learn's SVD-based `PCA` to
//! rounding. Sign convention: each component's largest-magnitude loading is
//! positive, as scikit-learn's `svd_flip(u_based_decision=False)` (PCA since
//! scikit-learn 1.5), so results are deterministic and comparable.

use super::params::ParamError;
use super::AnalysisError;
use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// PCA parameters.
///
/// Rule ([`Pca::check`], run first by [`Pca::fit`]): `n_components` is
/// `None` or at least 1. More components than features keep `d` (the
/// number of features): the cap depends on the data, so it is not an error.
///
/// Shapes: `fit` takes `x` as `n_samples x n_features`;
/// [`FittedPca::transform`] gives `n_samples x n_components`.
///
/// ```
/// use ndarray::array;
/// use segscope::analysis::Pca;
///
/// let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]]; // 4 x 2, on the line y = x
/// let pca = Pca::new().n_components(1).fit(x.view()).unwrap();
/// assert_eq!(pca.components.dim(), (1, 2));
/// assert!((pca.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
/// let t = pca.transform(x.view());
/// assert_eq!(t.dim(), (4, 1));
/// assert!((t[[3, 0]] - 1.5 * 2f64.sqrt()).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Pca {
    /// Components to keep; `None` keeps all `d`; more than `d` keeps `d`.
    pub n_components: Option<usize>,
}

impl Pca {
    /// Keeps every component (`n_components = None`), as [`Pca::default`].
    pub fn new() -> Self {
        Pca::default()
    }
    /// Keeps the first `n` components (at least 1).
    pub fn n_components(mut self, n: usize) -> Self {
        self.n_components = Some(n);
        self
    }

    /// Checks the rule of [`Pca`].
    ///
    /// Errors: [`ParamError::PcaComponents`] for `Some(0)`.
    pub fn check(&self) -> Result<(), ParamError> {
        match self.n_components {
            Some(0) => Err(ParamError::PcaComponents),
            _ => Ok(()),
        }
    }
}

/// A fitted PCA.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedPca {
    /// Per-feature mean of the training data, length `d`.
    pub mean: Array1<f64>,
    /// `n_components x d`; rows are unit-length principal axes (loadings
    /// in scikit-learn's `components_` sense).
    pub components: Array2<f64>,
    /// Variance along each component (eigenvalues of the covariance, ddof = 1), length `n_components`.
    pub explained_variance: Array1<f64>,
    /// `explained_variance / total variance`, length `n_components`.
    pub explained_variance_ratio: Array1<f64>,
}

impl Pca {
    /// Fits on `x` (`n x d`, finite).
    ///
    /// Errors: [`AnalysisError::Param`] if [`Pca::check`] fails;
    /// [`AnalysisError::TooFewSamples`] if `n < 2`.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedPca, AnalysisError> {
        self.check()?;
        let (n, d) = x.dim();
        if n < 2 {
            return Err(AnalysisError::TooFewSamples { n, needed: 2, what: "PCA" });
        }
        let mean = x.mean_axis(Axis(0)).expect("n >= 2");
        // Centred in blocks of rows, so no centred copy of `x` is held (at
        // 1M x 12 that copy was 96 MB of the worker's peak memory).
        let mut cov = Array2::<f64>::zeros((d, d));
        for block in x.axis_chunks_iter(Axis(0), BLOCK_ROWS) {
            let c = &block - &mean;
            cov += &c.t().dot(&c);
        }
        cov /= n as f64 - 1.0;
        let m = DMatrix::from_fn(d, d, |i, j| cov[[i, j]]);
        let eig = SymmetricEigen::new(m);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
        let k = self.n_components.unwrap_or(d).min(d);
        let total: f64 = eig.eigenvalues.iter().map(|&v| v.max(0.0)).sum();
        let mut components = Array2::zeros((k, d));
        let mut ev = Array1::zeros(k);
        for (r, &c) in order.iter().take(k).enumerate() {
            let v = eig.eigenvectors.column(c);
            // First index of the largest |loading|, as numpy's argmax.
            let imax = (0..d).fold(0, |best, j| if v[j].abs() > v[best].abs() { j } else { best });
            let sign = if v[imax] < 0.0 { -1.0 } else { 1.0 };
            for j in 0..d {
                components[[r, j]] = sign * v[j];
            }
            ev[r] = eig.eigenvalues[c].max(0.0);
        }
        let ratio = if total > 0.0 { &ev / total } else { Array1::zeros(k) };
        Ok(FittedPca { mean, components, explained_variance: ev, explained_variance_ratio: ratio })
    }
}

/// Rows centred at a time by [`Pca::fit`] and [`FittedPca::transform_first`].
const BLOCK_ROWS: usize = 4096;

impl FittedPca {
    /// Projects `x` (`n x d`) onto the components: `(x - mean) . components^T`, `n x n_components`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.transform_first(x, self.components.nrows())
    }

    /// Projects `x` (`n x d`) onto the first `m` components (`m` is capped at
    /// `n_components`): `n x m`, the first `m` columns of [`FittedPca::transform`],
    /// computed in blocks of rows without a centred copy of `x`.
    pub fn transform_first(&self, x: ArrayView2<f64>, m: usize) -> Array2<f64> {
        let comps = self.components.slice(ndarray::s![..m.min(self.components.nrows()), ..]);
        let mut out = Array2::zeros((x.nrows(), comps.nrows()));
        for (block, mut o) in x.axis_chunks_iter(Axis(0), BLOCK_ROWS).zip(out.axis_chunks_iter_mut(Axis(0), BLOCK_ROWS))
        {
            o.assign(&(&block - &self.mean).dot(&comps.t()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn recovers_a_known_axis() {
        // Points on the line y = x: one component carries all variance.
        let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]];
        let p = Pca { n_components: None }.fit(x.view()).unwrap();
        assert!((p.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((p.components[[0, 0]] - h).abs() < 1e-12 && (p.components[[0, 1]] - h).abs() < 1e-12);
        let t = p.transform(x.view());
        assert!((t[[0, 0]] + 1.5 * 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(p.transform_first(x.view(), 1), t.slice(ndarray::s![.., 0..1]));
        assert_eq!(p.transform_first(x.view(), 9).dim(), (4, 2), "capped at the components");
        assert!(Pca { n_components: None }.fit(array![[1.0, 2.0]].view()).is_err());
    }

    #[test]
    fn rule_n_components_none_or_at_least_1() {
        let x = array![[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]];
        let e = Pca::new().n_components(0).fit(x.view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::PcaComponents));
        assert_eq!(Pca::new().n_components(1).fit(x.view()).unwrap().components.dim(), (1, 2));
        assert_eq!(Pca::new().n_components(5).fit(x.view()).unwrap().components.dim(), (2, 2), "capped at d");
    }
}
