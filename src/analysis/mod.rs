//! Analysis: preprocessing, PCA, k-means and clustering metrics.
//!
//! No web dependency; tested natively against scikit-learn
//! (`tests/golden/sklearn_golden.json`). Estimators follow the
//! scikit-learn/linfa shape: a parameter struct, `fit` on an
//! `n_samples x n_features` array, and a fitted model that transforms or
//! predicts.

pub mod kmeans;
pub mod metrics;
pub mod pca;
pub mod preprocess;
pub mod segmentation;

pub use kmeans::{FittedKMeans, KMeans};
pub use pca::{FittedPca, Pca};
pub use preprocess::{FittedPreprocessor, Preprocessor, Transform};
pub use segmentation::{segment, SegmentOptions, Segmentation};

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
    /// Input contains NaN or infinity where it must not.
    NonFinite { row: usize, col: usize },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::TooFewSamples { n: 1, what, .. } => write!(
                f,
                "Only one account in the data: {what} needs at least two. Check that the account column is the right one, or load a file with more accounts."
            ),
            AnalysisError::TooFewSamples { n, needed, what } => {
                write!(f, "{what} needs at least {needed} accounts; the data has {n}. Load more data or lower the number of segments.")
            }
            AnalysisError::BadK { k, n } => write!(
                f,
                "Cannot make {k} segments from {n} accounts: choose a number of segments from 2 to {}.",
                (*n).max(2)
            ),
            AnalysisError::NoVariance => write!(
                f,
                "Every feature has the same value for all accounts (or is missing), so there is nothing to segment on. Check the column mapping."
            ),
            AnalysisError::NonFinite { row, col } => write!(f, "Internal: non-finite value at row {row}, column {col}."),
        }
    }
}

impl std::error::Error for AnalysisError {}
