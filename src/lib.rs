//! segscope: customer segmentation that runs entirely on the user's machine.
//!
//! Data flows one way:
//! [`ingest`] (CSV bytes -> table -> column roles) ->
//! [`features`] (per-account behavioural features) ->
//! [`analysis`] (scaling, PCA, k-means, metrics, segment profiles) ->
//! [`export`] (CSV out) and, in the browser only, `ui` (the Leptos app).
//! Everything but `ui` is plain Rust, tested natively.

pub mod analysis;
pub mod charts;
pub mod export;
pub mod features;
pub mod hashing;
pub mod ingest;
pub mod job;
pub mod model;
pub mod sample;
pub mod stats;
pub mod view_model;

#[cfg(target_arch = "wasm32")]
pub mod ui;
