//! Helpers shared by the golden tests: reading scikit-learn's expected values from JSON.
#![allow(dead_code)] // each test crate uses a subset

use ndarray::Array2;
use serde_json::Value;

/// `tests/golden/<file>` parsed.
pub fn golden_file(file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("golden file")).expect("valid JSON")
}

/// A JSON array of numbers.
pub fn vec1(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// A JSON array of equal-length number arrays, as a matrix.
pub fn mat(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vec1).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// A JSON array of non-negative integers.
pub fn labels(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}
