//! The page's view model: everything the web page decides that needs no
//! browser, so that it is plain Rust, tested natively (`cargo test --lib
//! view_model`). The Leptos components in `ui` (wasm32 only) hold it in
//! signals and render it.
//!
//! - [`columns`]: which columns the mapping panel's selects offer (bounded for wide files).
//! - [`display`]: text from the file as shown (hidden characters escaped, long text cut).
//! - [`options`]: enum <-> `<option value>` (the README's automation contract).
//! - [`format`]: numbers, bytes, the progress line and the timings line.
//! - [`fragment`]: the settings in the page's address (after `#`).
//! - [`inputs`]: the page's number inputs and the settings they change.
//! - [`left_out`]: rows and accounts left out, against the file's total, and the warning above 1 %.
//! - [`notes`]: the **Data notes** list.
//! - [`quality`]: why this k, the **Warnings**, what defined the segments.
//! - [`risk`]: the **Risk** view's figures, thresholds and table rows.
//! - [`response`]: what a worker [`crate::job::Response`] changes in the page.

pub mod colours;
pub mod columns;
pub mod compare;
pub mod display;
pub mod distributions;
pub mod explore;
pub mod format;
pub mod fragment;
pub mod glossary;
pub mod heatmap;
pub mod inputs;
pub mod left_out;
pub mod notes;
pub mod options;
pub mod quality;
pub mod refit;
pub mod response;
pub mod risk;
pub mod run_details;

pub use format::{fmt_bytes, fmt_num, progress_text, timings_text};
pub use inputs::{
    parse_k, parse_min_cluster_size, parse_seed, segment_name_input, DEFAULT_MIN_CLUSTER_SIZE, MAX_NAME_CHARS,
};
pub use left_out::LeftOut;
pub use notes::data_notes;
pub use options::OptionValue;
pub use response::{job_of, reduce, stage_steps, Busy, Change, FileRef, Loaded, ResultView, CANCELLED};
