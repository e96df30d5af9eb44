//! The messages between the page and its workers: what a job asks
//! ([`Request`], with its [`Settings`] and [`MappingEdit`]s), what a worker
//! answers ([`Response`]: progress by [`Stage`], a [`TableSummary`], an
//! [`Outcome`]) and what one worker sends another to read a later part of a
//! file ([`PartJob`], [`PartSpec`], [`PartResult`]). Every type here is
//! encoded with postcard ([`super::encode`]).

use super::JobError;
use crate::analysis::{Method, Preprocessor, Scaling, SegmentOptions, Segmentation, TransformChoice};
use crate::features::{FeatureDef, FeatureRole, FeatureTable, PartialAccounts};
use crate::ingest::time::TimeFormat;
use crate::ingest::{DataKind, Dialect, Mapping, Quoting, RaggedRows, Role, Table};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The analysis choices made in the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Number of segments; `None` = chosen by the method's sweep.
    pub k: Option<usize>,
    pub seed: u64,
    pub method: Method,
    pub scaling: Scaling,
    /// Per-feature transform overrides, keyed by feature name (a new mapping
    /// can change which features exist and their order).
    pub overrides: Vec<(String, TransformChoice)>,
    /// The features that define the segments (the others are still
    /// computed, profiled and exported).
    pub features: FeatureSet,
    /// Weight each feature family equally in the distance
    /// ([`crate::features::catalog::balance_weights`]).
    pub balance_families: bool,
}

/// Which features are used for clustering (select **Feature set**).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureSet {
    /// The behaviour features ([`FeatureRole::Behaviour`]): every catalogue
    /// feature but the outcomes, and every column of a customer table.
    #[default]
    Behaviour,
    /// Every feature.
    All,
    /// The features named (export keys); others, and names the table does
    /// not have, are ignored.
    Custom(Vec<String>),
}

impl FeatureSet {
    /// Whether feature `d` is used for clustering under this set.
    pub fn uses(&self, d: &FeatureDef) -> bool {
        match self {
            FeatureSet::Behaviour => d.role() == FeatureRole::Behaviour,
            FeatureSet::All => true,
            FeatureSet::Custom(keys) => keys.contains(&d.key),
        }
    }

    /// Whether each feature of `defs` is used.
    pub fn used(&self, defs: &[FeatureDef]) -> Vec<bool> {
        defs.iter().map(|d| self.uses(d)).collect()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            k: None,
            seed: SegmentOptions::default().seed,
            method: Method::KMeans,
            scaling: Scaling::Standard,
            overrides: Vec::new(),
            features: FeatureSet::default(),
            balance_families: false,
        }
    }
}

impl Settings {
    /// The [`SegmentOptions`] for these settings on `ft` (overrides of
    /// features `ft` does not have are ignored).
    pub fn options(&self, ft: &FeatureTable) -> SegmentOptions {
        let overrides = self
            .overrides
            .iter()
            .filter_map(|(key, c)| ft.defs.iter().position(|d| &d.key == key).map(|j| (j, *c)))
            .collect();
        SegmentOptions {
            k: self.k,
            seed: self.seed,
            method: self.method,
            preprocessor: Preprocessor { scaling: self.scaling, overrides, ..Default::default() },
            weights: self.weights(&ft.defs),
            balance_families: self.balance_families,
            ..Default::default()
        }
    }

    /// The weight of each feature of `defs` in the clustering distance: 1
    /// for a used feature, 0 for the others; `None` when every feature is
    /// used. Balancing families is done by the pipeline, on the features
    /// that are not dropped as constant ([`SegmentOptions::balance_families`]).
    pub fn weights(&self, defs: &[FeatureDef]) -> Option<Vec<f64>> {
        let used = self.features.used(defs);
        (!used.iter().all(|&u| u)).then(|| used.iter().map(|&u| if u { 1.0 } else { 0.0 }).collect())
    }
}

/// A change the user made in the Column mapping panel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MappingEdit {
    Kind(DataKind),
    Role(Role, Option<usize>),
    TimeFormat(TimeFormat),
}

impl MappingEdit {
    /// Applies the edit to `m`, re-deriving what depends on it from `t`.
    pub fn apply(&self, m: &mut Mapping, t: &Table) {
        match *self {
            MappingEdit::Kind(k) => m.set_kind(t, k),
            MappingEdit::Role(r, c) => m.set(t, r, c),
            MappingEdit::TimeFormat(f) => m.set_time_format(t, f),
        }
    }
}

/// What the page shows of a file that was read; the cells stay in the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableSummary {
    pub dialect: Dialect,
    pub headers: Vec<String>,
    pub n_rows: usize,
    /// As [`Table::ragged_count`] and [`Table::ragged_rows`].
    pub ragged_count: usize,
    pub ragged_rows: Vec<(u32, usize)>,
    pub source_notes: Vec<String>,
    pub renamed_headers: Vec<(usize, String, String)>,
    pub invalid_utf8_cells: usize,
    pub unnamed_columns: usize,
    /// As [`Table::sheets`] and [`Table::sheet`] (a workbook's; empty and `None` for text).
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
}

impl TableSummary {
    /// The summary of `t`, read with dialect `d`.
    pub fn of(t: &Table, d: Dialect) -> Self {
        TableSummary {
            dialect: d,
            headers: t.headers.clone(),
            n_rows: t.n_rows(),
            ragged_count: t.ragged_count,
            ragged_rows: t.ragged_rows.clone(),
            source_notes: t.source_notes.clone(),
            renamed_headers: t.renamed_headers.clone(),
            invalid_utf8_cells: t.invalid_utf8_cells,
            unnamed_columns: t.unnamed_columns,
            sheets: t.sheets.clone(),
            sheet: t.sheet.clone(),
        }
    }
}

/// The stages of a job, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Reading, decoding and parsing the file (progress in bytes).
    Read,
    /// Reading a large file and computing its features as it is parsed
    /// ([`Streaming`](super::Streaming); progress in bytes).
    ReadFeatures,
    /// Detecting column roles and computing per-account features.
    Features,
    /// Transforms, scaling, clustering, the k sweep, stability and PCA.
    Analysis,
}

impl Stage {
    /// What the progress bar says.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Read => "Reading file",
            Stage::ReadFeatures => "Reading file and extracting features",
            Stage::Features => "Extracting features",
            Stage::Analysis => "Scaling, clustering and PCA",
        }
    }
}

/// A job: read the file (unless the worker already holds it), apply the
/// mapping, compute features and segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Increases with every job the page starts; responses carry it.
    pub job: u64,
    /// Identifies the file (and how it is read): a new id means read the Blob again.
    pub file: u64,
    pub name: String,
    /// What reading does with rows whose field count differs from the header's.
    pub ragged: RaggedRows,
    /// Whether quote characters are special when reading (select
    /// **Quoting**, button **Read with quoting off**). Like `ragged`, a
    /// change comes with a new `file` id: the file is read again, whole or
    /// streamed, and a part read by a second worker gets the dialect
    /// without a quote in its [`PartSpec`].
    pub quoting: Quoting,
    /// The workbook sheet to read (select **Sheet**); `None` = the first
    /// with a filled cell. Like `quoting`, a change comes with a new `file` id.
    pub sheet: Option<String>,
    /// The page's mapping; `None` = detect it from the file.
    pub mapping: Option<Mapping>,
    /// Changes to apply to the mapping first, in order: every change made
    /// since the page last received a mapping (a job can be superseded
    /// before its mapping comes back).
    pub edits: Vec<MappingEdit>,
    pub settings: Settings,
    /// Test hook (`#crash-test` in the page URL): panic at the start of the
    /// job, to prove a crash is contained and the page recovers.
    pub crash_test: bool,
    /// A saved model to score the file with instead of fitting one (its
    /// JSON, as **Download model** writes it): its column mapping is
    /// applied after detection, and its pipeline assigns the accounts
    /// ([`crate::model::Model::score`]).
    pub model: Option<Arc<str>>,
}

impl Request {
    /// The model of [`Request::model`], read.
    ///
    /// Errors: [`JobError::Model`] if it cannot be read (the page reads it
    /// first, so only a damaged message gets here).
    pub fn model(&self) -> Result<Option<crate::model::Model>, JobError> {
        self.model
            .as_deref()
            .map(|text| crate::model::Model::from_json("the model", text))
            .transpose()
            .map_err(|e| JobError::Model { file: self.name.clone(), cause: e.to_string() })
    }
}

/// Features and segments of a finished job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    /// Shared with the worker's cache (reused when only the settings change).
    pub ft: Arc<FeatureTable>,
    pub seg: Segmentation,
    /// Wall time of each stage, milliseconds.
    pub features_ms: f64,
    /// Where the features came from.
    pub features_from: FeatureSource,
    pub analysis_ms: f64,
    /// Size of the worker's wasm memory after the job, bytes: its peak, as
    /// wasm memory never shrinks (0 where not measured, e.g. natively).
    pub memory_bytes: f64,
    /// Accounts whose ids and features follow in [`Response::Rows`]
    /// messages ([`split_result`](super::split_result)); 0 when `ft` holds them all.
    pub rows_to_come: usize,
}

/// Where a job's features came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureSource {
    /// Computed from the table in this job (`features_ms` is their time).
    Computed,
    /// The previous job's (only the settings changed), not computed again.
    Reused,
    /// Computed while the file was read ([`Streaming`](super::Streaming)): their time is in
    /// the read time, and `features_ms` is 0.
    WhileReading,
}

/// What the worker tells the page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Response {
    /// A stage started or advanced: `done` of `total` bytes while reading,
    /// rows while computing features, else 0 of 0; `step` names the
    /// analysis step that started (one of [`crate::analysis::STAGES`]),
    /// empty otherwise.
    Progress { job: u64, stage: Stage, step: String, done: f64, total: f64 },
    /// The file was read.
    Read { job: u64, file: u64, summary: TableSummary, read_ms: f64 },
    /// The job finished.
    Done { job: u64, mapping: Mapping, outcome: Box<Outcome> },
    /// The next accounts of a result sent in parts ([`split_result`](super::split_result)): their
    /// ids, their features (row-major) and, for trades, their risk inputs.
    Rows { job: u64, ids: Vec<String>, values: Vec<f64>, risk: Vec<crate::features::AccountRisk> },
    /// The job failed; `message` is shown to the user as text (what,
    /// where, what to do); `mapping` is the mapping in force, if the file
    /// could be read.
    Failed { job: u64, mapping: Option<Mapping>, message: JobError },
    /// The worker panicked: it is unusable and the page replaces it.
    Panicked { message: String },
    /// A new worker is running and listening for jobs.
    Ready,
    /// From a worker reading a part ([`PartJob`]) to the worker that asked:
    /// bytes of the part read so far.
    PartProgress { done: f64 },
    /// The part's features, or why it could not be read.
    Part { result: Result<PartResult, JobError> },
}

/// What a [`PartReader`](super::PartReader) needs: see [`Streaming::part_spec`](super::Streaming::part_spec).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartSpec {
    pub dialect: Dialect,
    /// The file's first line (its header), line end included.
    pub header: Vec<u8>,
    /// The column names the first reader took from it.
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub ragged: RaggedRows,
    /// Columns with no value in the head: a value in the part makes it unclean.
    pub empty: Vec<usize>,
}

/// A part for a second worker to read: from the first record that starts
/// after byte `start`'s line end, to the end of the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartJob {
    pub spec: PartSpec,
    pub start: f64,
}

/// The features of a part of a file, for [`Streaming::merge_part`](super::Streaming::merge_part).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartResult {
    pub accounts: PartialAccounts,
    /// Data rows of the part.
    pub rows: usize,
    /// No ragged row, invalid UTF-8 cell or value in a head-empty column:
    /// otherwise the part is read again in sequence, where such rows are
    /// counted and reported with their file row numbers.
    pub clean: bool,
}
