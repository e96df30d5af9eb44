//! Analysis: preprocessing, PCA, k-means and clustering metrics.
//!
//! No web dependency; tested natively against scikit-learn
//! (`tests/golden/sklearn_golden.json`). Estimators follow the
//! scikit-learn/linfa shape: a parameter struct with builder setters, a
//! `check()` of its rules that `fit` runs first ([`params`]), `fit` on an
//! `n_samples x n_features` array, and a fitted model that transforms or
//! predicts.

pub mod compare;
pub mod correlation;
pub mod drift;
pub mod gmm;
pub mod hdbscan;
pub mod kmeans;
pub mod lanes;
pub mod matching;
pub mod metrics;
pub mod params;
pub mod pca;
pub mod preprocess;
pub mod risk;
pub mod segmentation;
pub mod stability;

pub use gmm::{CovarianceType, FittedGaussianMixture, GaussianMixture};
pub use hdbscan::{FittedHdbscan, Hdbscan};
pub use kmeans::{FittedKMeans, KMeans, KMeansAlgorithm, MiniBatchKMeans};
pub use params::ParamError;
pub use pca::{FittedPca, Pca};
pub use preprocess::{FittedPreprocessor, Preprocessor, Scaling, Transform, TransformChoice};
pub use segmentation::{
    clustering_space, score_timed, segment, segment_timed, Clusters, KRule, Method, SegmentOptions, Segmentation,
    STAGES,
};
pub use stability::{subsample_stability, Stability};

use std::fmt;

/// Why an analysis step could not run. Messages say what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisError {
    /// Fewer samples than the method needs.
    TooFewSamples { n: usize, needed: usize, what: &'static str },
    /// `k` outside `2..=n_samples` (or `1..` for plain k-means).
    BadK { k: usize, n: usize },
    /// Every feature was constant (or missing everywhere).
    NoVariance,
    /// No feature is chosen for clustering (`constant`: the chosen ones are
    /// all constant, so scaling dropped them).
    NoFeaturesChosen { constant: bool },
    /// Input contains NaN or infinity where it must not.
    NonFinite { row: usize, col: usize },
    /// A density-based method found no segment: every account is noise.
    NoSegments,
    /// A Gaussian mixture component's covariance is not positive definite.
    DegenerateCovariance { component: usize },
    /// More samples than an exact O(n²) method is allowed to take.
    TooManySamples { n: usize, max: usize, what: &'static str },
    /// A parameter outside its valid range (a programming error, not a data
    /// problem): the estimator's `check()` failed.
    Param(ParamError),
    /// A fitted model was given another number of features than it was fitted on.
    FeatureCount { expected: usize, got: usize },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::TooFewSamples { n: 1, what, .. } => write!(
                f,
                "Only one account in the data: {what} needs at least two. Check that the account column is the right one, or load a file with more accounts."
            ),
            AnalysisError::TooFewSamples { n, needed, what: "HDBSCAN" } => {
                write!(f, "HDBSCAN with this Min cluster size needs at least {needed} accounts; the data has {n}. Lower Min cluster size, or load more data.")
            }
            AnalysisError::TooFewSamples { n, needed, what } => {
                write!(f, "{what} needs at least {needed} accounts; the data has {n}. Load more data or lower the number of segments.")
            }
            AnalysisError::NoSegments => write!(
                f,
                "HDBSCAN found no dense group: every account was left as noise. Lower Min cluster size, or use k-means or the Gaussian mixture."
            ),
            AnalysisError::BadK { k, n } => write!(
                f,
                "Cannot make {k} segments from {n} accounts: choose a number of segments from 2 to {}.",
                (*n).max(2)
            ),
            AnalysisError::NoVariance => write!(
                f,
                "Every feature has the same value for all accounts (or is missing), so there is nothing to segment on. Check the column mapping."
            ),
            AnalysisError::NoFeaturesChosen { constant: false } => write!(
                f,
                "No feature is chosen for clustering. Tick at least one \"Use ... for clustering\" box, or choose the feature set \"behaviour\" or \"all\"."
            ),
            AnalysisError::NoFeaturesChosen { constant: true } => write!(
                f,
                "Every feature chosen for clustering has the same value for all accounts, so there is nothing to segment on. Choose more features (feature set \"all\", or tick others)."
            ),
            AnalysisError::NonFinite { row, col } => write!(f, "Internal: non-finite value at row {row}, column {col}."),
            AnalysisError::DegenerateCovariance { component } => write!(
                f,
                "The Gaussian mixture's component {} collapsed: its accounts are (nearly) identical in some direction. Use diagonal covariance, fewer segments, or k-means.",
                component + 1
            ),
            AnalysisError::TooManySamples { n, max, what } => write!(
                f,
                "{what} here is exact and O(n²) in time: it handles up to {max} accounts and the data has {n}. Use k-means or the Gaussian mixture for this file, or filter it to fewer accounts."
            ),
            AnalysisError::Param(e) => write!(f, "Internal: {e}."),
            AnalysisError::FeatureCount { expected, got } => write!(
                f,
                "Internal: the model was fitted on {expected} features and was given {got}."
            ),
        }
    }
}

impl std::error::Error for AnalysisError {}

impl From<ParamError> for AnalysisError {
    fn from(e: ParamError) -> Self {
        AnalysisError::Param(e)
    }
}
