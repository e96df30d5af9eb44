//! Preprocessing: median imputation, a per-feature variance-stabilising
//! transform, dropping constant features, and standard scaling.
//!
//! Equivalent scikit-learn pipeline, per feature:
//! `SimpleImputer(strategy="median")` -> `FunctionTransformer(signed log1p)`
//! when `|skewness| > 1` -> drop if constant -> `StandardScaler()`.

use super::AnalysisError;
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// `sign(x) * ln(1 + |x|)`: log compression that keeps sign and zero, for
/// heavy-tailed features that can be negative (PnL, fees with rebates).
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

/// The transform applied to one feature before scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transform {
    None,
    /// [`signed_log1p`].
    SignedLog1p,
}

/// Preprocessing parameters.
#[derive(Clone, Debug)]
pub struct Preprocessor {
    /// `|skewness|` above which a feature is log-transformed (default 1.0).
    pub skew_threshold: f64,
}

impl Default for Preprocessor {
    fn default() -> Self {
        Preprocessor { skew_threshold: 1.0 }
    }
}

/// What preprocessing learned, per input feature.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureStep {
    /// Cells that were NaN and were imputed.
    pub imputed: usize,
    /// The imputation value (median of the present values; NaN if none).
    pub median: f64,
    pub transform: Transform,
    /// Dropped because constant (after the transform) or missing everywhere.
    pub dropped: bool,
}

/// A fitted preprocessor: apply it to new rows with [`FittedPreprocessor::transform`].
#[derive(Clone, Debug, PartialEq)]
pub struct FittedPreprocessor {
    /// One entry per input feature.
    pub steps: Vec<FeatureStep>,
    /// Indices of the input features that are kept, in output order.
    pub kept: Vec<usize>,
    /// Standard scaler of the kept, imputed and transformed features.
    pub scaler: FittedStandardScaler,
}

impl Preprocessor {
    /// Learns imputation values, transforms and scaling from `x`
    /// (`n_samples x n_features`, `NaN` = missing).
    ///
    /// Errors: [`AnalysisError::NoVariance`] if every feature is constant.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedPreprocessor, AnalysisError> {
        let mut steps: Vec<FeatureStep> = x
            .axis_iter(Axis(1))
            .map(|col| {
                let present: Vec<f64> = col.iter().copied().filter(|v| v.is_finite()).collect();
                let imputed = col.len() - present.len();
                if present.is_empty() {
                    return FeatureStep { imputed, median: f64::NAN, transform: Transform::None, dropped: true };
                }
                let median = crate::features::median(&present);
                let filled: Vec<f64> = col.iter().map(|&v| if v.is_finite() { v } else { median }).collect();
                let transform = if skewness(&filled).abs() > self.skew_threshold {
                    Transform::SignedLog1p
                } else {
                    Transform::None
                };
                FeatureStep { imputed, median, transform, dropped: false }
            })
            .collect();
        let all: Vec<usize> = (0..x.ncols()).filter(|&j| !steps[j].dropped).collect();
        let full = StandardScaler.fit(impute_and_transform(x, &steps, &all).view());
        let mut kept = Vec::new();
        for (o, &j) in all.iter().enumerate() {
            // Constant up to rounding, relative to the magnitude of the values.
            if full.var[o].sqrt() <= 1e-12 * full.mean[o].abs().max(1.0) {
                steps[j].dropped = true;
            } else {
                kept.push(j);
            }
        }
        if kept.is_empty() {
            return Err(AnalysisError::NoVariance);
        }
        let pick = |a: &Array1<f64>| all.iter().zip(a).filter(|(j, _)| !steps[**j].dropped).map(|(_, v)| *v).collect();
        let scaler = FittedStandardScaler { mean: pick(&full.mean), scale: pick(&full.scale), var: pick(&full.var) };
        Ok(FittedPreprocessor { steps, kept, scaler })
    }
}

fn apply(t: Transform, v: f64) -> f64 {
    match t {
        Transform::None => v,
        Transform::SignedLog1p => signed_log1p(v),
    }
}

/// Columns `cols` of `x` with missing cells imputed and the transform applied, `n x cols.len()`.
fn impute_and_transform(x: ArrayView2<f64>, steps: &[FeatureStep], cols: &[usize]) -> Array2<f64> {
    let mut out = Array2::zeros((x.nrows(), cols.len()));
    for (o, &j) in cols.iter().enumerate() {
        let s = &steps[j];
        for i in 0..x.nrows() {
            let v = x[[i, j]];
            out[[i, o]] = apply(s.transform, if v.is_finite() { v } else { s.median });
        }
    }
    out
}

impl FittedPreprocessor {
    /// Imputes, transforms and standardises `x` (same features as in `fit`);
    /// returns `n_samples x kept.len()`.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.scaler.transform(impute_and_transform(x, &self.steps, &self.kept).view())
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
        assert_eq!(p.steps[0].transform, Transform::SignedLog1p);
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
    fn skewness_matches_scipy() {
        // scipy 1.17.1: scipy.stats.skew([1, 2, 3, 10]) = 1.0182337649086284
        assert!((skewness(&[1.0, 2.0, 3.0, 10.0]) - 1.018_233_764_908_628_4).abs() < 1e-12);
    }
}
