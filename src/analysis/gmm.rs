//! Gaussian mixture model fitted by expectation-maximisation (Dempster,
//! Laird & Rubin 1977; Bishop, *Pattern Recognition and Machine Learning*,
//! 2006, §9.2), with BIC (Schwarz 1978) for choosing the number of components.
//!
//! Follows scikit-learn's `GaussianMixture`
//! (`sklearn/mixture/_gaussian_mixture.py`, `_base.py`) step for step:
//! - initialisation from k-means labels (`init_params="kmeans"`: one k-means
//!   run, `n_init = 1`), turned into one-hot responsibilities;
//! - M-step `_estimate_gaussian_parameters`: `nk = sum(resp) + 10 eps`,
//!   responsibility-weighted means and covariances, `reg_covar` added to
//!   each variance;
//! - covariances held as Cholesky factors of the precision matrices
//!   (`_compute_precision_cholesky`), log-densities from them
//!   (`_estimate_log_gaussian_prob`);
//! - stop when the mean log-likelihood changes by less than `tol` (1e-3);
//! - `bic = -2 n mean_loglik + n_parameters ln n`.
//!
//! Shapes: `x` is `n_samples x n_features`; `k` components.

use super::kmeans::{check_input, KMeans};
use super::params::{check_tol, ParamError};
use super::AnalysisError;
use nalgebra::DMatrix;
use ndarray::{Array1, Array2, ArrayView2};

/// Shape of each component's covariance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum CovarianceType {
    /// A full `d x d` covariance per component (ellipsoids at any angle).
    #[default]
    Full,
    /// A diagonal covariance per component (axis-aligned ellipsoids): fewer
    /// parameters, for many features or few accounts.
    Diag,
}

/// Gaussian mixture parameters (defaults as scikit-learn's).
///
/// Rules ([`GaussianMixture::check`], run first by [`GaussianMixture::fit`]
/// and [`GaussianMixture::fit_from_labels`]), as scikit-learn's
/// `_parameter_constraints`: `n_components >= 1`, `tol >= 0`,
/// `reg_covar >= 0`; `max_iter` takes any value (0 returns the initial
/// M-step, not converged).
///
/// Shapes: `fit` takes `x` as `n_samples x n_features`; the model's means are
/// `n_components x n_features`, [`FittedGaussianMixture::predict_proba`] is
/// `n_samples x n_components`.
///
/// ```
/// use ndarray::array;
/// use segscope::analysis::{CovarianceType, GaussianMixture};
///
/// let x = array![[0.0, 0.0], [0.2, 0.1], [0.1, 0.3], [10.0, 10.0], [10.2, 10.1], [10.1, 10.3]]; // 6 x 2
/// let g = GaussianMixture::new(2).covariance_type(CovarianceType::Diag).seed(1).fit(x.view()).unwrap();
/// assert_eq!(g.means.dim(), (2, 2));
/// assert_eq!(g.labels[0], g.labels[1]);
/// assert_ne!(g.labels[0], g.labels[3]);
/// assert_eq!(g.predict(x.view()), g.labels);
/// assert_eq!(g.predict_proba(x.view()).dim(), (6, 2));
/// ```
#[derive(Clone, Debug)]
pub struct GaussianMixture {
    /// Components (at least 1, at most `n_samples`).
    pub n_components: usize,
    pub covariance_type: CovarianceType,
    /// Convergence threshold on the change of the mean log-likelihood (1e-3; at least 0).
    pub tol: f64,
    /// Added to every variance, for numerical stability (1e-6; at least 0).
    pub reg_covar: f64,
    /// EM iterations at most (100).
    pub max_iter: usize,
    /// Seed of the k-means initialisation.
    pub seed: u64,
}

impl GaussianMixture {
    /// `n_components` components, full covariance, `tol = 1e-3`, `reg_covar = 1e-6`, `max_iter = 100`, seed 0.
    pub fn new(n_components: usize) -> Self {
        GaussianMixture {
            n_components,
            covariance_type: CovarianceType::Full,
            tol: 1e-3,
            reg_covar: 1e-6,
            max_iter: 100,
            seed: 0,
        }
    }
    /// Sets the covariance type.
    pub fn covariance_type(mut self, c: CovarianceType) -> Self {
        self.covariance_type = c;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the convergence threshold.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Sets the regularisation added to every variance.
    pub fn reg_covar(mut self, reg_covar: f64) -> Self {
        self.reg_covar = reg_covar;
        self
    }
    /// Sets the EM iterations at most.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Checks the rules of [`GaussianMixture`], in the order listed there.
    ///
    /// Errors: [`ParamError::NClusters`], [`ParamError::Tol`], [`ParamError::RegCovar`].
    pub fn check(&self) -> Result<(), ParamError> {
        const E: &str = "GaussianMixture";
        if self.n_components == 0 {
            return Err(ParamError::NClusters { estimator: E });
        }
        check_tol(E, self.tol)?;
        if self.reg_covar >= 0.0 {
            Ok(())
        } else {
            Err(ParamError::RegCovar { value: self.reg_covar })
        }
    }
}

/// A fitted Gaussian mixture.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedGaussianMixture {
    pub covariance_type: CovarianceType,
    /// Mixing weights, length `k`, summing to 1.
    pub weights: Array1<f64>,
    /// `k x d` component means.
    pub means: Array2<f64>,
    /// `k` covariance matrices, each `d x d` (diagonal for [`CovarianceType::Diag`]).
    pub covariances: Vec<Array2<f64>>,
    /// `k` upper-triangular matrices `M` with `precision = M M^T` (scikit-learn's
    /// `precisions_cholesky_`; diagonal for [`CovarianceType::Diag`]).
    pub precisions_cholesky: Vec<Array2<f64>>,
    /// Whether EM met `tol` within `max_iter`.
    pub converged: bool,
    /// EM iterations run.
    pub n_iter: usize,
    /// Mean log-likelihood of the training data at the last E-step (scikit-learn's `lower_bound_`).
    pub lower_bound: f64,
    /// Component of highest responsibility for each training sample.
    pub labels: Vec<usize>,
}

fn estimate_parameters(
    x: ArrayView2<f64>,
    resp: &Array2<f64>,
    reg: f64,
    ct: CovarianceType,
) -> (Array1<f64>, Array2<f64>, Vec<Array2<f64>>) {
    let (n, d) = x.dim();
    let k = resp.ncols();
    let nk = resp.sum_axis(ndarray::Axis(0)) + 10.0 * f64::EPSILON;
    let means = resp.t().dot(&x) / nk.view().insert_axis(ndarray::Axis(1));
    let xs = x.as_standard_layout();
    let rows = xs.as_slice().expect("standard layout");
    let mut covs = Vec::with_capacity(k);
    let mut diff = vec![0.0; d];
    for c in 0..k {
        let mut cov = vec![0.0; d * d];
        let mu = means.row(c);
        for (i, p) in rows.chunks_exact(d.max(1)).enumerate().take(n) {
            let r = resp[[i, c]];
            if r == 0.0 {
                continue;
            }
            match ct {
                CovarianceType::Full => {
                    for a in 0..d {
                        diff[a] = p[a] - mu[a];
                    }
                    for a in 0..d {
                        let ra = r * diff[a];
                        for (cv, db) in cov[a * d..a * d + a + 1].iter_mut().zip(&diff) {
                            *cv += ra * db;
                        }
                    }
                }
                // sklearn's `_estimate_gaussian_covariances_diag`: E[x²] - mean², below.
                CovarianceType::Diag => {
                    for a in 0..d {
                        cov[a * d + a] += r * p[a] * p[a];
                    }
                }
            }
        }
        let mut cov = Array2::from_shape_vec((d, d), cov).expect("d * d values");
        for a in 0..d {
            for b in 0..a {
                cov[[a, b]] /= nk[c];
                cov[[b, a]] = cov[[a, b]];
            }
            cov[[a, a]] = match ct {
                CovarianceType::Full => cov[[a, a]] / nk[c] + reg,
                CovarianceType::Diag => cov[[a, a]] / nk[c] - mu[a] * mu[a] + reg,
            };
        }
        covs.push(cov);
    }
    (nk, means, covs)
}

/// `M = (L^-1)^T` for `cov = L L^T`, so that `M M^T = cov^-1`.
fn precision_cholesky(cov: &Array2<f64>, component: usize) -> Result<Array2<f64>, AnalysisError> {
    let d = cov.nrows();
    let m = DMatrix::from_fn(d, d, |i, j| cov[[i, j]]);
    let l = m.cholesky().ok_or(AnalysisError::DegenerateCovariance { component })?.l();
    let inv =
        l.solve_lower_triangular(&DMatrix::identity(d, d)).ok_or(AnalysisError::DegenerateCovariance { component })?;
    Ok(Array2::from_shape_fn((d, d), |(i, j)| inv[(j, i)]))
}

fn logsumexp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

impl GaussianMixture {
    /// Fits on `x` (`n x d`, finite), initialised from one seeded k-means run.
    ///
    /// Errors: [`AnalysisError::Param`] if [`GaussianMixture::check`] fails;
    /// [`AnalysisError::BadK`] if `k > n`;
    /// [`AnalysisError::NonFinite`]; [`AnalysisError::DegenerateCovariance`]
    /// when a component collapses onto fewer dimensions than `d` even after `reg_covar`.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedGaussianMixture, AnalysisError> {
        self.check()?;
        check_input(x, self.n_components)?;
        let labels = KMeans::new(self.n_components).n_init(1).seed(self.seed).fit(x)?.labels;
        self.fit_from_labels(x, &labels)
    }

    /// Fits on `x` starting from hard `labels` (`0..k`, one per row): the
    /// initial parameters are the M-step of one-hot responsibilities. This is
    /// what [`GaussianMixture::fit`] does with k-means labels, exposed so a
    /// test can start from the same point as scikit-learn.
    ///
    /// Errors: as [`GaussianMixture::fit`].
    pub fn fit_from_labels(
        &self,
        x: ArrayView2<f64>,
        labels: &[usize],
    ) -> Result<FittedGaussianMixture, AnalysisError> {
        self.check()?;
        let k = self.n_components;
        check_input(x, k)?;
        let n = x.nrows();
        let mut resp = Array2::zeros((n, k));
        for (i, &l) in labels.iter().enumerate() {
            resp[[i, l.min(k - 1)]] = 1.0;
        }
        let mut model = self.m_step(x, &resp)?;
        let mut lower_bound = f64::NEG_INFINITY;
        for it in 1..=self.max_iter {
            let prev = lower_bound;
            let (mean_ll, log_resp) = model.e_step(x);
            model = self.m_step(x, &log_resp.mapv(f64::exp))?;
            lower_bound = mean_ll;
            model.n_iter = it;
            if (lower_bound - prev).abs() < self.tol {
                model.converged = true;
                break;
            }
        }
        model.lower_bound = lower_bound;
        model.labels = model.predict(x);
        Ok(model)
    }

    fn m_step(&self, x: ArrayView2<f64>, resp: &Array2<f64>) -> Result<FittedGaussianMixture, AnalysisError> {
        let (nk, means, covariances) = estimate_parameters(x, resp, self.reg_covar, self.covariance_type);
        let weights = &nk / nk.sum();
        let precisions_cholesky =
            covariances.iter().enumerate().map(|(c, cov)| precision_cholesky(cov, c)).collect::<Result<_, _>>()?;
        Ok(FittedGaussianMixture {
            covariance_type: self.covariance_type,
            weights,
            means,
            covariances,
            precisions_cholesky,
            converged: false,
            n_iter: 0,
            lower_bound: f64::NEG_INFINITY,
            labels: Vec::new(),
        })
    }
}

impl FittedGaussianMixture {
    /// A mixture from its parameters (scikit-learn's `weights_`, `means_`,
    /// `covariances_`: `k`, `k x d`, and `k` matrices `d x d`, diagonal
    /// ones for [`CovarianceType::Diag`]), e.g. read back from a saved
    /// model; the precisions' Cholesky factors are computed as when fitted,
    /// so it scores exactly as the mixture it was saved from.
    ///
    /// Errors: [`AnalysisError::DegenerateCovariance`] for a covariance that
    /// is not positive definite.
    pub fn from_parameters(
        covariance_type: CovarianceType,
        weights: Array1<f64>,
        means: Array2<f64>,
        covariances: Vec<Array2<f64>>,
    ) -> Result<Self, AnalysisError> {
        let precisions_cholesky =
            covariances.iter().enumerate().map(|(c, cov)| precision_cholesky(cov, c)).collect::<Result<_, _>>()?;
        Ok(FittedGaussianMixture {
            covariance_type,
            weights,
            means,
            covariances,
            precisions_cholesky,
            converged: true,
            n_iter: 0,
            lower_bound: f64::NEG_INFINITY,
            labels: Vec::new(),
        })
    }

    /// `n x k`: `ln(weight_c) + ln N(x_i | mean_c, cov_c)`.
    pub fn weighted_log_prob(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let (n, d) = x.dim();
        let k = self.weights.len();
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let mut out = Array2::zeros((n, k));
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let mut diff = vec![0.0; d];
        for c in 0..k {
            let m = self.precisions_cholesky[c].as_standard_layout().into_owned();
            let m = m.as_slice().expect("standard layout");
            let log_det: f64 = (0..d).map(|a| m[a * d + a].ln()).sum();
            let mu = self.means.row(c);
            let base = -0.5 * d as f64 * ln2pi + log_det + self.weights[c].ln();
            for (i, p) in rows.chunks_exact(d.max(1)).enumerate().take(n) {
                for a in 0..d {
                    diff[a] = p[a] - mu[a];
                }
                // ||diff . M||², M upper triangular (full) or diagonal.
                let maha: f64 = match self.covariance_type {
                    CovarianceType::Full => {
                        (0..d).map(|b| (0..=b).map(|a| diff[a] * m[a * d + b]).sum::<f64>()).map(|y| y * y).sum()
                    }
                    CovarianceType::Diag => (0..d).map(|a| diff[a] * m[a * d + a]).map(|y| y * y).sum(),
                };
                out[[i, c]] = base - 0.5 * maha;
            }
        }
        out
    }

    /// (mean log-likelihood, `n x k` log-responsibilities).
    fn e_step(&self, x: ArrayView2<f64>) -> (f64, Array2<f64>) {
        let mut w = self.weighted_log_prob(x);
        let mut total = 0.0;
        for mut row in w.rows_mut() {
            let norm = logsumexp(row.as_slice().expect("row-major"));
            total += norm;
            row.mapv_inplace(|v| v - norm);
        }
        (total / x.nrows().max(1) as f64, w)
    }

    /// Log-likelihood of each row of `x` under the mixture (nats), length `n`.
    pub fn score_samples(&self, x: ArrayView2<f64>) -> Vec<f64> {
        self.weighted_log_prob(x).rows().into_iter().map(|r| logsumexp(r.as_slice().expect("row-major"))).collect()
    }

    /// Mean log-likelihood of `x`.
    pub fn score(&self, x: ArrayView2<f64>) -> f64 {
        let s = self.score_samples(x);
        s.iter().sum::<f64>() / s.len().max(1) as f64
    }

    /// Soft membership: `n x k` posterior probability of each component.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.e_step(x).1.mapv(f64::exp)
    }

    /// Component of highest posterior probability for each row (lowest index on ties).
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<usize> {
        self.weighted_log_prob(x)
            .rows()
            .into_iter()
            .map(|r| r.iter().enumerate().fold((0, f64::NEG_INFINITY), |b, (c, &v)| if v > b.1 { (c, v) } else { b }).0)
            .collect()
    }

    /// Free parameters: `k - 1` weights, `k d` means, and `k d (d + 1) / 2`
    /// (full) or `k d` (diagonal) covariance entries.
    pub fn n_parameters(&self) -> usize {
        let (k, d) = self.means.dim();
        let cov = match self.covariance_type {
            CovarianceType::Full => k * d * (d + 1) / 2,
            CovarianceType::Diag => k * d,
        };
        cov + k * d + k - 1
    }

    /// Bayesian information criterion on `x`: `-2 ln L + n_parameters ln n`; lower is better.
    pub fn bic(&self, x: ArrayView2<f64>) -> f64 {
        let n = x.nrows() as f64;
        -2.0 * self.score(x) * n + self.n_parameters() as f64 * n.ln()
    }

    /// Akaike information criterion on `x`: `-2 ln L + 2 n_parameters`.
    pub fn aic(&self, x: ArrayView2<f64>) -> f64 {
        -2.0 * self.score(x) * x.nrows() as f64 + 2.0 * self.n_parameters() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn recovers_two_gaussians_and_bic_prefers_two() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut normal = || (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
        let x =
            Array2::from_shape_fn((400, 2), |(i, j)| if i < 300 { normal() } else { 8.0 + 0.5 * normal() + j as f64 });
        for ct in [CovarianceType::Full, CovarianceType::Diag] {
            let fits: Vec<_> =
                (1..=4).map(|k| GaussianMixture::new(k).covariance_type(ct).fit(x.view()).unwrap()).collect();
            let bic: Vec<f64> = fits.iter().map(|f| f.bic(x.view())).collect();
            let best = (0..4).min_by(|&a, &b| bic[a].total_cmp(&bic[b])).unwrap() + 1;
            assert_eq!(best, 2, "{ct:?} BIC {bic:?}");
            let g = &fits[1];
            assert!(g.converged);
            let big = if g.weights[0] > g.weights[1] { 0 } else { 1 };
            assert!((g.weights[big] - 0.75).abs() < 0.01, "{:?}", g.weights);
            let p = g.predict_proba(x.view());
            assert!(p.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
        }
    }

    #[test]
    fn a_collapsed_component_is_an_error_not_a_panic() {
        let x = Array2::from_shape_fn((6, 3), |(i, j)| if i < 3 { 0.0 } else { (i * j) as f64 });
        let g = GaussianMixture { reg_covar: 0.0, ..GaussianMixture::new(2) };
        assert!(matches!(g.fit(x.view()), Err(AnalysisError::DegenerateCovariance { .. })));
    }

    fn six_rows() -> Array2<f64> {
        ndarray::array![[0.0, 0.0], [0.2, 0.1], [0.1, 0.3], [10.0, 10.0], [10.2, 10.1], [10.1, 10.3]]
    }

    #[test]
    fn rule_n_components_at_least_1() {
        let e = GaussianMixture::new(0).fit(six_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::NClusters { estimator: "GaussianMixture" }));
        let e = GaussianMixture::new(0).fit_from_labels(six_rows().view(), &[0; 6]).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::NClusters { estimator: "GaussianMixture" }));
    }

    #[test]
    fn rule_tol_not_negative() {
        for tol in [-1.0, f64::NAN] {
            let e = GaussianMixture::new(2).tol(tol).fit(six_rows().view()).unwrap_err();
            assert!(matches!(e, AnalysisError::Param(ParamError::Tol { estimator: "GaussianMixture", .. })), "{e:?}");
        }
        assert!(GaussianMixture::new(2).tol(0.0).check().is_ok());
    }

    #[test]
    fn rule_reg_covar_not_negative() {
        let e = GaussianMixture::new(2).reg_covar(-1e-6).fit(six_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::RegCovar { value: -1e-6 }));
        assert!(GaussianMixture::new(2).reg_covar(0.0).max_iter(0).check().is_ok());
    }
}
