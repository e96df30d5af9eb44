//! The one error type for broken estimator parameters: every rule an
//! estimator's `check()` enforces is a variant here, with a message giving
//! the valid range.
//!
//! The contract every estimator of [`crate::analysis`] follows (after linfa's
//! `ParamGuard` and scikit-learn's `_parameter_constraints`, declared once per
//! estimator):
//! - a parameter struct with `new`/`Default` and one builder setter per knob
//!   (fields stay public, so struct literals with `..Default::default()` work);
//! - `check(&self) -> Result<(), ParamError>`, the only place its rules are
//!   written, called first by every `fit`;
//! - `fit` returns [`AnalysisError`](super::AnalysisError), which wraps a
//!   [`ParamError`] as [`AnalysisError::Param`](super::AnalysisError::Param),
//!   beside the data errors (too few samples, non-finite input, ...).
//!
//! A `ParamError` is a programming error (the app never builds such
//! parameters), not a problem with the user's data.

use std::fmt;

/// A parameter outside its valid range. `estimator` names the estimator
/// whose `check()` found it, e.g. `"KMeans"`.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamError {
    /// `n_clusters` (k-means, mini-batch k-means) or `n_components`
    /// (Gaussian mixture) is 0; valid: at least 1.
    NClusters { estimator: &'static str },
    /// `n_init` is 0; valid: at least 1.
    NInit { estimator: &'static str },
    /// `max_iter` is 0; valid: at least 1.
    MaxIter { estimator: &'static str },
    /// `tol` is negative or NaN; valid: `0 <= tol` (infinity allowed).
    Tol { estimator: &'static str, value: f64 },
    /// Gaussian mixture `reg_covar` is negative or NaN; valid: `0 <= reg_covar`.
    RegCovar { value: f64 },
    /// Mini-batch k-means `batch_size` is 0; valid: at least 1.
    BatchSize,
    /// k-means initial centres ([`super::KMeans::fit_from`]) are not `k x d`.
    InitShape { got: (usize, usize), expected: (usize, usize) },
    /// PCA `n_components` is `Some(0)`; valid: `None` (all) or at least 1.
    PcaComponents,
    /// Preprocessor `skew_threshold` is negative or NaN; valid: `0 <= skew_threshold` (infinity = never transform).
    SkewThreshold { value: f64 },
    /// HDBSCAN `min_cluster_size` is below 2; valid: at least 2.
    MinClusterSize { value: usize },
    /// HDBSCAN `min_samples` is `Some(0)`; valid: `None` (= `min_cluster_size`) or at least 1.
    MinSamples,
    /// Segmentation feature weights: not one per feature of the table.
    FeatureWeights { expected: usize, got: usize },
    /// Segmentation feature weight negative or not finite; valid: `0 <= w < inf`.
    FeatureWeight { value: f64 },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::NClusters { estimator } => {
                write!(f, "{estimator} needs at least 1 cluster, not 0")
            }
            ParamError::NInit { estimator } => write!(f, "{estimator} n_init must be at least 1, not 0"),
            ParamError::MaxIter { estimator } => write!(f, "{estimator} max_iter must be at least 1, not 0"),
            ParamError::Tol { estimator, value } => write!(f, "{estimator} tol must be 0 or more, not {value}"),
            ParamError::RegCovar { value } => write!(f, "GaussianMixture reg_covar must be 0 or more, not {value}"),
            ParamError::BatchSize => write!(f, "MiniBatchKMeans batch_size must be at least 1, not 0"),
            ParamError::InitShape { got, expected } => {
                write!(f, "initial centres are {got:?}, expected ({}, {})", expected.0, expected.1)
            }
            ParamError::PcaComponents => write!(f, "PCA n_components must be None (all) or at least 1, not 0"),
            ParamError::SkewThreshold { value } => {
                write!(f, "Preprocessor skew_threshold must be 0 or more, not {value}")
            }
            // The two HDBSCAN messages are those of the former `BadParameter` errors, unchanged.
            ParamError::MinClusterSize { value } => {
                write!(f, "HDBSCAN min_cluster_size must be at least 2, not {value}")
            }
            ParamError::MinSamples => write!(f, "HDBSCAN min_samples must be at least 1"),
            ParamError::FeatureWeights { expected, got } => {
                write!(f, "segmentation needs one feature weight per feature ({expected}), not {got}")
            }
            ParamError::FeatureWeight { value } => {
                write!(f, "a feature weight must be finite and 0 or more, not {value}")
            }
        }
    }
}

impl std::error::Error for ParamError {}

/// `Err(ParamError::Tol)` unless `0 <= tol` (NaN fails).
pub(crate) fn check_tol(estimator: &'static str, tol: f64) -> Result<(), ParamError> {
    if tol >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::Tol { estimator, value: tol })
    }
}
