//! Preprocessing: median imputation, a per-feature variance-stabilising
//! transform, dropping constant features, and scaling.
//!
//! Equivalent scikit-learn pipeline, per feature:
//! `SimpleImputer(strategy="median")` -> transform -> drop if constant ->
//! `StandardScaler()` (or `RobustScaler()`). The transform is chosen per
//! feature ([`TransformChoice::Auto`] unless overridden):
//! - `|skewness| <= skew_threshold` (default 1): none;
//! - skewed and never negative (counts, notional): `ln(1 + x)`;
//! - skewed with negative values (PnL, net flows): Yeo-Johnson with the
//!   maximum-likelihood lambda, as `PowerTransformer(method="yeo-johnson",
//!   standardize=False)` (which calls `scipy.stats.yeojohnson`).

use super::params::ParamError;
use super::AnalysisError;
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// `sign(x) * ln(1 + |x|)`: log compression that keeps sign and zero, for
/// heavy-tailed features; equals `ln(1 + x)` for `x >= 0`.
pub fn signed_log1p(x: f64) -> f64 {
    x.signum() * x.abs().ln_1p()
}

/// Sample skewness `g1 = m3 / m2^1.5` (biased, as `scipy.stats.skew` with
/// `bias=True`); 0 for constant input.
pub fn skewness(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    if n < 3.0 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / n;
    let (mut m2, mut m3) = (0.0, 0.0);
    for v in x {
        let d = v - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= n;
    m3 /= n;
    // Constant up to rounding (m2 is a variance: compare squared units).
    if m2 <= (f64::EPSILON * mean.abs().max(f64::MIN_POSITIVE)).powi(2) {
        0.0
    } else {
        m3 / m2.powf(1.5)
    }
}

/// Yeo-Johnson transform of one value (Yeo & Johnson, *Biometrika* 87(4),
/// 2000), in the numerically stable form of `scipy.stats._morestats._yeojohnson_transform`:
/// `expm1(l ln1p(x)) / l` for `x >= 0` (`ln1p(x)` at `l = 0`) and
/// `-expm1((2 - l) ln1p(-x)) / (2 - l)` for `x < 0` (`-ln1p(-x)` at `l = 2`).
pub fn yeo_johnson(x: f64, lambda: f64) -> f64 {
    if x >= 0.0 {
        if lambda.abs() < f64::EPSILON {
            x.ln_1p()
        } else {
            (lambda * x.ln_1p()).exp_m1() / lambda
        }
    } else if (lambda - 2.0).abs() > f64::EPSILON {
        -((2.0 - lambda) * (-x).ln_1p()).exp_m1() / (2.0 - lambda)
    } else {
        -(-x).ln_1p()
    }
}

/// Yeo-Johnson log-likelihood of `lambda` for `x` (`scipy.stats.yeojohnson_llf`):
/// `-n/2 ln(var(y)) + (lambda - 1) sum(sign(x) ln1p(|x|))`, `-inf` if `var(y)` is subnormal.
pub fn yeo_johnson_llf(x: &[f64], lambda: f64) -> f64 {
    YeoJohnsonLlf::new(x).at(lambda)
}

/// [`yeo_johnson_llf`] of one sample at many `lambda`s, as Brent's search
/// asks: `ln1p(|x|)` of each value and the sum of `sign(x) ln1p(|x|)` are
/// computed once, so each evaluation costs one `expm1` per value instead of
/// two `ln1p` and an `expm1` and a new buffer. The same operations on the
/// same values in the same order: the result is bit for bit
/// [`yeo_johnson`]'s.
struct YeoJohnsonLlf {
    /// `ln1p(x)` for `x >= 0`, `ln1p(-x)` for `x < 0`, and whether `x < 0`.
    log1p: Vec<(f64, bool)>,
    signed_sum: f64,
    y: std::cell::RefCell<Vec<f64>>,
}

impl YeoJohnsonLlf {
    fn new(x: &[f64]) -> Self {
        YeoJohnsonLlf {
            log1p: x.iter().map(|&v| if v >= 0.0 { (v.ln_1p(), false) } else { ((-v).ln_1p(), true) }).collect(),
            signed_sum: x.iter().map(|&v| signed_log1p(v)).sum::<f64>(),
            y: std::cell::RefCell::new(Vec::with_capacity(x.len())),
        }
    }

    fn at(&self, lambda: f64) -> f64 {
        let n = self.log1p.len() as f64;
        let mut y = self.y.borrow_mut();
        y.clear();
        // As yeo_johnson, with ln1p taken from the table.
        y.extend(self.log1p.iter().map(|&(l, neg)| {
            if !neg {
                if lambda.abs() < f64::EPSILON {
                    l
                } else {
                    (lambda * l).exp_m1() / lambda
                }
            } else if (lambda - 2.0).abs() > f64::EPSILON {
                -((2.0 - lambda) * l).exp_m1() / (2.0 - lambda)
            } else {
                -l
            }
        }));
        let mean = y.iter().sum::<f64>() / n;
        let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let log_var = if var >= f64::MIN_POSITIVE { var.ln() } else { f64::NEG_INFINITY };
        -n / 2.0 * log_var + (lambda - 1.0) * self.signed_sum
    }
}

/// Maximum-likelihood Yeo-Johnson lambda of `x` (finite values), as
/// `scipy.stats.yeojohnson_normmax(x)` (scipy 1.17): bounded Brent
/// minimisation (`scipy.optimize.fminbound`, `xtol = 1.48e-8`) of the negative
/// log-likelihood over bounds that keep the transform from overflowing.
/// Returns 1 (the identity) for all-zero or empty input.
pub fn yeo_johnson_lambda(x: &[f64]) -> f64 {
    if x.iter().all(|&v| v == 0.0) {
        return 1.0;
    }
    let max_abs = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let log1p_max_x = (20.0 * max_abs).ln_1p();
    let log_eps = f64::EPSILON.ln();
    let log_tiny = (f64::MIN_POSITIVE.ln() - log_eps) / 2.0;
    let log_max = (f64::MAX.ln() + log_eps) / 2.0;
    let (mut lb, mut ub) = (log_tiny / log1p_max_x, log_max / log1p_max_x);
    if x.iter().all(|&v| v < 0.0) {
        (lb, ub) = (2.0 - ub, 2.0 - lb);
    } else if x.iter().any(|&v| v < 0.0) {
        (lb, ub) = (lb.max(2.0 - ub), ub.min(2.0 - lb));
    }
    let llf = YeoJohnsonLlf::new(x);
    fminbound(
        |l| {
            let llf = llf.at(l);
            if llf.is_infinite() {
                f64::INFINITY
            } else {
                -llf
            }
        },
        lb,
        ub,
        1.48e-8,
    )
}

/// Bounded scalar minimisation by Brent's method (golden section with
/// parabolic steps; Brent, *Algorithms for Minimization without
/// Derivatives*, 1973), step for step as `scipy.optimize.fminbound`
/// (`_minimize_scalar_bounded`, 500 evaluations at most).
fn fminbound(f: impl Fn(f64) -> f64, x1: f64, x2: f64, xatol: f64) -> f64 {
    let sqrt_eps = 2.2e-16f64.sqrt();
    let golden_mean = 0.5 * (3.0 - 5f64.sqrt());
    let (mut a, mut b) = (x1, x2);
    let mut fulc = a + golden_mean * (b - a);
    let (mut nfc, mut xf) = (fulc, fulc);
    let (mut rat, mut e) = (0.0f64, 0.0f64);
    let mut fx = f(xf);
    let mut num = 1;
    let (mut ffulc, mut fnfc) = (fx, fx);
    let mut xm = 0.5 * (a + b);
    let mut tol1 = sqrt_eps * xf.abs() + xatol / 3.0;
    let mut tol2 = 2.0 * tol1;
    let sign = |v: f64| {
        if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        }
    };
    while (xf - xm).abs() > tol2 - 0.5 * (b - a) {
        let mut golden = true;
        if e.abs() > tol1 {
            golden = false;
            let mut r = (xf - nfc) * (fx - ffulc);
            let mut q = (xf - fulc) * (fx - fnfc);
            let mut p = (xf - fulc) * q - (xf - nfc) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            r = e;
            e = rat;
            if p.abs() < (0.5 * q * r).abs() && p > q * (a - xf) && p < q * (b - xf) {
                rat = p / q;
                let x = xf + rat;
                if (x - a) < tol2 || (b - x) < tol2 {
                    let si = sign(xm - xf) + if xm - xf == 0.0 { 1.0 } else { 0.0 };
                    rat = tol1 * si;
                }
            } else {
                golden = true;
            }
        }
        if golden {
            e = if xf >= xm { a - xf } else { b - xf };
            rat = golden_mean * e;
        }
        let si = sign(rat) + if rat == 0.0 { 1.0 } else { 0.0 };
        let x = xf + si * rat.abs().max(tol1);
        let fu = f(x);
        num += 1;
        if fu <= fx {
            if x >= xf {
                a = xf;
            } else {
                b = xf;
            }
            (fulc, ffulc) = (nfc, fnfc);
            (nfc, fnfc) = (xf, fx);
            (xf, fx) = (x, fu);
        } else {
            if x < xf {
                a = x;
            } else {
                b = x;
            }
            if fu <= fnfc || nfc == xf {
                (fulc, ffulc) = (nfc, fnfc);
                (nfc, fnfc) = (x, fu);
            } else if fu <= ffulc || fulc == xf || fulc == nfc {
                (fulc, ffulc) = (x, fu);
            }
        }
        xm = 0.5 * (a + b);
        tol1 = sqrt_eps * xf.abs() + xatol / 3.0;
        tol2 = 2.0 * tol1;
        if num >= 500 {
            break;
        }
    }
    xf
}

/// Quantile `q` in `[0, 1]` of sorted values by linear interpolation, as
/// `numpy.percentile(method="linear")` (including numpy's two-sided lerp).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The transform applied to one feature before scaling.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum Transform {
    None,
    /// [`signed_log1p`] (`ln(1 + x)` on non-negative data).
    Log1p,
    /// [`yeo_johnson`] with a fitted lambda.
    YeoJohnson {
        lambda: f64,
    },
}

impl Transform {
    /// Applies the transform to one value.
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Transform::None => v,
            Transform::Log1p => signed_log1p(v),
            Transform::YeoJohnson { lambda } => yeo_johnson(v, lambda),
        }
    }
    /// Short label for the UI and exports, e.g. `"Yeo-Johnson (λ = 0.31)"`.
    pub fn label(self) -> String {
        match self {
            Transform::None => "none".into(),
            Transform::Log1p => "ln(1 + x)".into(),
            Transform::YeoJohnson { lambda } => format!("Yeo-Johnson (λ = {lambda:.2})"),
        }
    }
}

/// What the user asked for one feature; [`TransformChoice::Auto`] decides by skewness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum TransformChoice {
    #[default]
    Auto,
    None,
    Log1p,
    YeoJohnson,
}

/// How kept features are scaled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub enum Scaling {
    /// `(x - mean) / std`, as scikit-learn's `StandardScaler`.
    #[default]
    Standard,
    /// `(x - median) / IQR`, as scikit-learn's `RobustScaler`: less pulled by the
    /// whales and bots that dominate exchange data.
    Robust,
}

/// Preprocessing parameters.
///
/// Rule ([`Preprocessor::check`], run first by [`Preprocessor::fit`] and
/// [`Preprocessor::fit_transform`]): `skew_threshold >= 0` (infinity: never
/// transform on `Auto`). An override for a column the data does not have is
/// ignored (the number of columns is the data's, not a parameter's).
///
/// Shapes: `fit` takes `x` as `n_samples x n_features` (`NaN` = missing);
/// [`FittedPreprocessor::transform`] gives `n_samples x kept.len()`.
///
/// ```
/// use ndarray::array;
/// use segscope::analysis::{Preprocessor, Scaling};
///
/// // 4 x 3: a skewed column with a missing cell, a constant one, a plain one.
/// let x = array![[1.0, 5.0, 1.0], [f64::NAN, 5.0, 2.0], [3.0, 5.0, 3.0], [1e6, 5.0, 4.0]];
/// let (fitted, z) = Preprocessor::new().scaling(Scaling::Standard).fit_transform(x.view()).unwrap();
/// assert_eq!(fitted.kept, vec![0, 2]); // the constant column is dropped
/// assert_eq!(fitted.steps[0].imputed, 1);
/// assert_eq!(z.dim(), (4, 2));
/// assert_eq!(fitted.transform(x.view()), z);
/// assert!(Preprocessor::new().skew_threshold(-1.0).fit(x.view()).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessor {
    /// `|skewness|` above which [`TransformChoice::Auto`] transforms a feature (default 1.0; at least 0).
    pub skew_threshold: f64,
    pub scaling: Scaling,
    /// Per-feature choice by input column index; columns not listed are `Auto`.
    pub overrides: Vec<(usize, TransformChoice)>,
}

impl Default for Preprocessor {
    fn default() -> Self {
        Preprocessor { skew_threshold: 1.0, scaling: Scaling::Standard, overrides: Vec::new() }
    }
}

impl Preprocessor {
    /// As [`Preprocessor::default`]: `skew_threshold = 1`, standard scaling, no overrides.
    pub fn new() -> Self {
        Preprocessor::default()
    }
    /// Sets the `|skewness|` above which `Auto` transforms a feature.
    pub fn skew_threshold(mut self, threshold: f64) -> Self {
        self.skew_threshold = threshold;
        self
    }
    /// Sets the scaling.
    pub fn scaling(mut self, scaling: Scaling) -> Self {
        self.scaling = scaling;
        self
    }
    /// Sets the per-feature choices, by input column index (the last entry for a column wins).
    pub fn overrides(mut self, overrides: Vec<(usize, TransformChoice)>) -> Self {
        self.overrides = overrides;
        self
    }

    /// Checks the rule of [`Preprocessor`].
    ///
    /// Errors: [`ParamError::SkewThreshold`] if `skew_threshold` is negative or NaN.
    pub fn check(&self) -> Result<(), ParamError> {
        if self.skew_threshold >= 0.0 {
            Ok(())
        } else {
            Err(ParamError::SkewThreshold { value: self.skew_threshold })
        }
    }
}

/// What preprocessing learned, per input feature.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureStep {
    /// Cells that were NaN and were imputed.
    pub imputed: usize,
    /// The imputation value (median of the present values; NaN if none).
    pub median: f64,
    /// Skewness after imputation, before the transform (0 if missing everywhere).
    pub skewness: f64,
    /// What was asked for this feature.
    pub choice: TransformChoice,
    /// What was applied.
    pub transform: Transform,
    /// Dropped because constant (after the transform) or missing everywhere.
    pub dropped: bool,
}

/// A fitted preprocessor: apply it to new rows with [`FittedPreprocessor::transform`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedPreprocessor {
    /// One entry per input feature.
    pub steps: Vec<FeatureStep>,
    /// Indices of the input features that are kept, in output order.
    pub kept: Vec<usize>,
    pub scaling: Scaling,
    /// Per kept feature: the centre subtracted (mean, or median for [`Scaling::Robust`]).
    pub center: Array1<f64>,
    /// Per kept feature: the divisor (std, or IQR for [`Scaling::Robust`]; 1 where that is 0).
    pub scale: Array1<f64>,
}

impl Preprocessor {
    fn choice(&self, j: usize) -> TransformChoice {
        self.overrides.iter().rev().find(|(c, _)| *c == j).map_or(TransformChoice::Auto, |(_, t)| *t)
    }

    /// Learns imputation values, transforms and scaling from `x`
    /// (`n_samples x n_features`, `NaN` = missing).
    ///
    /// Errors: [`AnalysisError::Param`] if [`Preprocessor::check`] fails;
    /// [`AnalysisError::NoVariance`] if every feature is constant.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedPreprocessor, AnalysisError> {
        Ok(self.fit_inner(x)?.0)
    }

    /// [`Preprocessor::fit`], and `x` transformed (as scikit-learn's
    /// `fit_transform`): the same bits as `fit` then
    /// [`FittedPreprocessor::transform`], without imputing and transforming
    /// `x` twice when no feature is dropped (then the fit's transformed copy
    /// is scaled in place; otherwise `x` is transformed again, so that the
    /// peak memory stays that of `fit`).
    ///
    /// Errors: as [`Preprocessor::fit`].
    pub fn fit_transform(&self, x: ArrayView2<f64>) -> Result<(FittedPreprocessor, Array2<f64>), AnalysisError> {
        let (fitted, t) = self.fit_inner(x)?;
        let z = match t {
            Some(mut t) => {
                t -= &fitted.center;
                t /= &fitted.scale;
                t
            }
            None => fitted.transform(x),
        };
        Ok((fitted, z))
    }

    /// The fit, and the imputed and transformed `x` if every feature not
    /// dropped before scaling was kept.
    fn fit_inner(&self, x: ArrayView2<f64>) -> Result<(FittedPreprocessor, Option<Array2<f64>>), AnalysisError> {
        self.check()?;
        let mut steps: Vec<FeatureStep> = x
            .axis_iter(Axis(1))
            .enumerate()
            .map(|(j, col)| {
                let choice = self.choice(j);
                let present: Vec<f64> = col.iter().copied().filter(|v| v.is_finite()).collect();
                let imputed = col.len() - present.len();
                if present.is_empty() {
                    let transform = Transform::None;
                    return FeatureStep { imputed, median: f64::NAN, skewness: 0.0, choice, transform, dropped: true };
                }
                let median = crate::stats::median(&present);
                let filled: Vec<f64> = col.iter().map(|&v| if v.is_finite() { v } else { median }).collect();
                let skewness = skewness(&filled);
                let transform = match choice {
                    TransformChoice::Auto if skewness.abs() <= self.skew_threshold => Transform::None,
                    TransformChoice::Auto if filled.iter().all(|&v| v >= 0.0) => Transform::Log1p,
                    TransformChoice::Auto | TransformChoice::YeoJohnson => {
                        Transform::YeoJohnson { lambda: yeo_johnson_lambda(&filled) }
                    }
                    TransformChoice::None => Transform::None,
                    TransformChoice::Log1p => Transform::Log1p,
                };
                FeatureStep { imputed, median, skewness, choice, transform, dropped: false }
            })
            .collect();
        let all: Vec<usize> = (0..x.ncols()).filter(|&j| !steps[j].dropped).collect();
        let t = impute_and_transform(x, &steps, &all);
        let full = StandardScaler.fit(t.view());
        let mut kept = Vec::new();
        let mut keep_cols = Vec::new();
        for (o, &j) in all.iter().enumerate() {
            // Constant up to rounding, relative to the magnitude of the values.
            if full.var[o].sqrt() <= 1e-12 * full.mean[o].abs().max(1.0) {
                steps[j].dropped = true;
            } else {
                kept.push(j);
                keep_cols.push(o);
            }
        }
        if kept.is_empty() {
            return Err(AnalysisError::NoVariance);
        }
        let (center, scale) = match self.scaling {
            Scaling::Standard => (full.mean.select(Axis(0), &keep_cols), full.scale.select(Axis(0), &keep_cols)),
            Scaling::Robust => {
                let r = RobustScaler.fit(t.select(Axis(1), &keep_cols).view());
                (r.center, r.scale)
            }
        };
        let t = (keep_cols.len() == all.len()).then_some(t);
        Ok((FittedPreprocessor { steps, kept, scaling: self.scaling, center, scale }, t))
    }
}

/// Columns `cols` of `x` with missing cells imputed and the transform applied, `n x cols.len()`.
fn impute_and_transform(x: ArrayView2<f64>, steps: &[FeatureStep], cols: &[usize]) -> Array2<f64> {
    let mut out = Array2::zeros((x.nrows(), cols.len()));
    // Row by row, as both matrices are laid out: a column at a time strode
    // through all of memory once per feature (slow at 1M x 16).
    for (row, mut dst) in x.rows().into_iter().zip(out.rows_mut()) {
        for (d, &j) in dst.iter_mut().zip(cols) {
            let (s, v) = (&steps[j], row[j]);
            *d = s.transform.apply(if v.is_finite() { v } else { s.median });
        }
    }
    out
}

impl FittedPreprocessor {
    /// Imputes, transforms and scales `x` (same features as in `fit`);
    /// returns `n_samples x kept.len()`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        (impute_and_transform(x, &self.steps, &self.kept) - &self.center) / &self.scale
    }
}

/// Standard scaler: `(x - mean) / std`, population std (ddof = 0); a zero std
/// leaves the feature unscaled, as scikit-learn's `StandardScaler`.
#[derive(Clone, Debug, Default)]
pub struct StandardScaler;

/// Fitted [`StandardScaler`] (scikit-learn's `mean_`, `scale_`, `var_`).
#[derive(Clone, Debug, PartialEq)]
pub struct FittedStandardScaler {
    pub mean: Array1<f64>,
    /// Population standard deviation, 1 where it is 0.
    pub scale: Array1<f64>,
    /// Population variance.
    pub var: Array1<f64>,
}

impl StandardScaler {
    /// Learns per-feature mean and standard deviation of `x` (`n x d`, finite).
    pub fn fit(&self, x: ArrayView2<f64>) -> FittedStandardScaler {
        let n = x.nrows() as f64;
        let mean = x.sum_axis(Axis(0)) / n;
        let mut var = Array1::zeros(x.ncols());
        for row in x.rows() {
            for j in 0..x.ncols() {
                let d = row[j] - mean[j];
                var[j] += d * d;
            }
        }
        let var = var / n;
        let scale = var.mapv(|v: f64| if v == 0.0 { 1.0 } else { v.sqrt() });
        FittedStandardScaler { mean, scale, var }
    }
}

impl FittedStandardScaler {
    /// `(x - mean) / scale`, `n x d`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        (&x - &self.mean) / &self.scale
    }
}

/// Robust scaler: `(x - median) / (q75 - q25)`, quantiles by linear
/// interpolation ([`quantile_sorted`]); an IQR below `10 eps` leaves the
/// feature unscaled, as scikit-learn's `RobustScaler` (`_handle_zeros_in_scale`).
#[derive(Clone, Debug, Default)]
pub struct RobustScaler;

/// Fitted [`RobustScaler`] (scikit-learn's `center_`, `scale_`).
#[derive(Clone, Debug, PartialEq)]
pub struct FittedRobustScaler {
    /// Per-feature median.
    pub center: Array1<f64>,
    /// Per-feature interquartile range, 1 where it is (near) 0.
    pub scale: Array1<f64>,
}

impl RobustScaler {
    /// Learns per-feature median and IQR of `x` (`n x d`, finite, `n >= 1`).
    pub fn fit(&self, x: ArrayView2<f64>) -> FittedRobustScaler {
        let mut center = Array1::zeros(x.ncols());
        let mut scale = Array1::zeros(x.ncols());
        for (j, col) in x.axis_iter(Axis(1)).enumerate() {
            let mut s = col.to_vec();
            s.sort_by(f64::total_cmp);
            center[j] = crate::stats::median(&s); // np.nanmedian: (a + b) / 2, not the 50 % lerp
            let iqr = quantile_sorted(&s, 0.75) - quantile_sorted(&s, 0.25);
            scale[j] = if iqr < 10.0 * f64::EPSILON { 1.0 } else { iqr };
        }
        FittedRobustScaler { center, scale }
    }
}

impl FittedRobustScaler {
    /// `(x - center) / scale`, `n x d`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        (&x - &self.center) / &self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn imputes_transforms_drops_and_scales() {
        let x = array![[1.0, 5.0, 1.0], [f64::NAN, 5.0, 2.0], [3.0, 5.0, 3.0], [1e6, 5.0, 4.0]];
        let p = Preprocessor::default().fit(x.view()).unwrap();
        assert_eq!(p.steps[0].imputed, 1);
        assert_eq!(p.steps[0].median, 3.0);
        assert_eq!(p.steps[0].transform, Transform::Log1p);
        assert!(p.steps[1].dropped);
        assert_eq!(p.kept, vec![0, 2]);
        let z = p.transform(x.view());
        for j in 0..2 {
            let c = z.column(j);
            assert!(c.mean().unwrap().abs() < 1e-12);
            assert!((c.mapv(|v| v * v).mean().unwrap() - 1.0).abs() < 1e-12);
        }
        let constant = array![[1.0], [1.0]];
        assert_eq!(Preprocessor::default().fit(constant.view()).unwrap_err(), AnalysisError::NoVariance);
    }

    #[test]
    fn fit_transform_is_fit_then_transform_bit_for_bit() {
        let x = array![
            [1.0, 5.0, 1.0, -3.5],
            [f64::NAN, 5.0, 2.0, 0.25],
            [3.0, 5.0, 3.0, -1e3],
            [1e6, 5.0, 4.0, 7.0],
            [17.0, 5.0, 0.5, 2.0]
        ];
        // With the constant column 1 dropped at scaling (x is transformed
        // again), and without it (the fit's copy is scaled in place).
        for x in [x.clone(), x.select(Axis(1), &[0, 2, 3])] {
            for scaling in [Scaling::Standard, Scaling::Robust] {
                let p = Preprocessor { scaling, ..Default::default() };
                let (fitted, z) = p.fit_transform(x.view()).unwrap();
                let want = p.fit(x.view()).unwrap();
                assert_eq!(fitted, want);
                let want = want.transform(x.view());
                assert_eq!(z.dim(), want.dim());
                assert!(z.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "{z} vs {want}");
            }
        }
    }

    #[test]
    fn negative_skewed_features_get_yeo_johnson_and_overrides_win() {
        let x = array![[-1e4], [-2.0], [-1.0], [0.0], [1.0], [2.0], [3.0]];
        let p = Preprocessor::default().fit(x.view()).unwrap();
        assert!(matches!(p.steps[0].transform, Transform::YeoJohnson { .. }), "{:?}", p.steps[0]);
        let forced = Preprocessor { overrides: vec![(0, TransformChoice::None)], ..Default::default() };
        assert_eq!(forced.fit(x.view()).unwrap().steps[0].transform, Transform::None);
        let robust = Preprocessor { scaling: Scaling::Robust, ..Default::default() }.fit(x.view()).unwrap();
        assert_eq!(robust.transform(x.view())[[3, 0]], 0.0, "the median maps to 0");
    }

    #[test]
    fn skewness_matches_scipy() {
        // scipy 1.17.1: scipy.stats.skew([1, 2, 3, 10]) = 1.0182337649086284
        assert!((skewness(&[1.0, 2.0, 3.0, 10.0]) - 1.018_233_764_908_628_4).abs() < 1e-12);
    }

    #[test]
    fn the_log_likelihood_from_the_table_is_the_direct_ones_bits() {
        let x: Vec<f64> =
            (0..2000).map(|i| ((i * 7919) % 1000) as f64 / 37.0 - 9.0).chain([0.0, -0.0, 1e300, -1e-300]).collect();
        let table = YeoJohnsonLlf::new(&x);
        for lambda in [-3.0, -1e-17, 0.0, 1e-17, 0.5, 1.0, 2.0 - 1e-17, 2.0, 2.0 + 1e-17, 3.7] {
            let n = x.len() as f64;
            let y: Vec<f64> = x.iter().map(|&v| yeo_johnson(v, lambda)).collect();
            let mean = y.iter().sum::<f64>() / n;
            let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            let log_var = if var >= f64::MIN_POSITIVE { var.ln() } else { f64::NEG_INFINITY };
            let direct = -n / 2.0 * log_var + (lambda - 1.0) * x.iter().map(|&v| signed_log1p(v)).sum::<f64>();
            assert_eq!(table.at(lambda).to_bits(), direct.to_bits(), "lambda {lambda}");
        }
    }

    #[test]
    fn yeo_johnson_is_continuous_at_its_special_lambdas() {
        for x in [-3.0, -0.5, 0.0, 0.5, 3.0] {
            for l in [0.0, 2.0] {
                assert!((yeo_johnson(x, l) - yeo_johnson(x, l + 1e-9)).abs() < 1e-7, "x {x} lambda {l}");
            }
        }
        assert_eq!(yeo_johnson_lambda(&[0.0, 0.0]), 1.0);
    }

    #[test]
    fn rule_skew_threshold_not_negative() {
        let x = array![[1.0], [2.0], [30.0]];
        for t in [-0.5, f64::NAN] {
            let e = Preprocessor::new().skew_threshold(t).fit(x.view()).unwrap_err();
            assert!(matches!(e, AnalysisError::Param(ParamError::SkewThreshold { .. })), "{e:?}");
            assert!(Preprocessor::new().skew_threshold(t).fit_transform(x.view()).is_err());
        }
        let never = Preprocessor::new().skew_threshold(f64::INFINITY).fit(x.view()).unwrap();
        assert_eq!(never.steps[0].transform, Transform::None);
        let p = Preprocessor::new().overrides(vec![(9, TransformChoice::Log1p)]).scaling(Scaling::Robust);
        assert!(p.skew_threshold(0.0).fit(x.view()).is_ok(), "an override past the columns is ignored");
    }
}
