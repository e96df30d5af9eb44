//! One analysis job as the page hands it to the analysis worker: the
//! messages between page and worker ([`Request`], [`Response`], encoded with
//! postcard) and the work after reading ([`analyse`]). Plain Rust, no web
//! dependency: the worker (`ui::worker`) only moves bytes and Blobs.
//!
//! The worker keeps the parsed [`Table`] of the last file it read (or, for
//! a large file, only the last job's features: see `ui::worker`); the page
//! keeps the [`Mapping`] and a [`TableSummary`], and sends the mapping (with
//! the [`MappingEdit`]s made since) and the [`Settings`] with every job. A fresh worker
//! (after a crash or a Cancel) reads the file again from the Blob the page
//! still holds, so a job never depends on what a worker remembers.

use crate::analysis::{segment_timed, Method, Preprocessor, Scaling, SegmentOptions, Segmentation, TransformChoice};
use crate::features::{extract_with_progress, FeatureTable};
use crate::ingest::time::TimeFormat;
use crate::ingest::{detect_mapping, DataKind, Dialect, Mapping, RaggedRows, Role, Table};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Largest table the worker keeps once its features are computed, bytes of
/// cells ([`Table::heap_bytes`]). Above it the table is dropped before the
/// analysis, so that it does not sit in memory beside the features, the
/// scaled copy and the result: for a 1M-row customer table (112 MB of text)
/// this keeps about 160 MB out of the peak. The cost is a second read when
/// the mapping changes (reading such a file again takes 1-2 s).
pub const KEEP_TABLE_UP_TO: usize = 32 << 20;

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            k: None,
            seed: SegmentOptions::default().seed,
            method: Method::KMeans,
            scaling: Scaling::Standard,
            overrides: Vec::new(),
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
            ..Default::default()
        }
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
        }
    }
}

/// The stages of a job, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Reading, decoding and parsing the file (progress in bytes).
    Read,
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
}

/// Features and segments of a finished job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outcome {
    /// Shared with the worker's cache (reused when only the settings change).
    pub ft: Arc<FeatureTable>,
    pub seg: Segmentation,
    /// Wall time of each stage, milliseconds.
    pub features_ms: f64,
    /// The features were the previous job's (only the settings changed), not computed again.
    pub features_reused: bool,
    pub analysis_ms: f64,
    /// Size of the worker's wasm memory after the job, bytes: its peak, as
    /// wasm memory never shrinks (0 where not measured, e.g. natively).
    pub memory_bytes: f64,
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
    /// The job failed with a message for the user (what, where, what to do);
    /// `mapping` is the mapping in force, if the file could be read.
    Failed { job: u64, mapping: Option<Mapping>, message: String },
    /// The worker panicked: it is unusable and the page replaces it.
    Panicked { message: String },
    /// A new worker is running and listening for jobs.
    Ready,
}

/// Encodes a message (postcard), into a buffer of exactly its size: sized
/// first, then written, so a large result (130 MB for 1M accounts) is not
/// copied through doubling buffers.
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, String> {
    let buf = vec![0u8; encoded_size(msg)?];
    write(msg, buf)
}

/// The message for a failed encoding.
pub fn encode_error(e: postcard::Error) -> String {
    format!("could not encode a message for the worker: {e}")
}

/// The size of a message's encoding, bytes (nothing is allocated).
pub fn encoded_size<T: Serialize>(msg: &T) -> Result<usize, String> {
    postcard::serialize_with_flavor(msg, postcard::ser_flavors::Size::default()).map_err(encode_error)
}

fn write<T: Serialize>(msg: &T, mut buf: Vec<u8>) -> Result<Vec<u8>, String> {
    let used = postcard::to_slice(msg, &mut buf).map_err(encode_error)?.len();
    buf.truncate(used);
    Ok(buf)
}

/// Decodes a message written by [`encode`].
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("could not decode a message from the worker: {e}"))
}

/// The mapping a job uses: the page's (or detected), with the edits applied.
pub fn mapping_for(req: &Request, t: &Table) -> Mapping {
    let mut m = req.mapping.clone().unwrap_or_else(|| detect_mapping(t));
    for e in &req.edits {
        e.apply(&mut m, t);
    }
    m
}

/// Features then segmentation of `t` under `m`, reporting each stage to
/// `progress(stage, step, done, total)` (the analysis steps by name, rows
/// done while computing features) and timing it with `clock` (milliseconds):
/// [`features`] then [`segment_features`].
///
/// Errors: the feature stage's or the analysis' message, prefixed with the file name.
pub fn analyse(
    t: &Table,
    m: &Mapping,
    req: &Request,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<Outcome, String> {
    let t0 = clock();
    let ft = features(t, m, req, progress)?;
    let features_ms = clock() - t0;
    let mut out = segment_features(Arc::new(ft), req, clock, progress)?;
    out.features_ms = features_ms;
    Ok(out)
}

/// The feature stage of a job: per-account features of `t` under `m`,
/// reporting rows done to `progress` as [`Stage::Features`].
///
/// Errors: the feature stage's message, prefixed with the file name.
pub fn features(
    t: &Table,
    m: &Mapping,
    req: &Request,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<FeatureTable, String> {
    extract_with_progress(t, m, &mut |done, total| progress(Stage::Features, "", done as f64, total as f64))
        .map_err(|e| format!("{}: {e}", req.name))
}

/// The analysis stage of a job on features already computed, under the
/// job's settings, reporting each step to `progress` as [`Stage::Analysis`].
/// `features_ms` of the result is 0 (the caller times the features).
///
/// Errors: the analysis' message, prefixed with the file name.
pub fn segment_features(
    ft: Arc<FeatureTable>,
    req: &Request,
    clock: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Stage, &str, f64, f64),
) -> Result<Outcome, String> {
    let t1 = clock();
    let opts = req.settings.options(&ft);
    let seg = segment_timed(&ft, &opts, clock, &mut |step| progress(Stage::Analysis, step, 0.0, 0.0))
        .map_err(|e| format!("{}: {e}", req.name))?;
    let t2 = clock();
    Ok(Outcome { ft, seg, features_ms: 0.0, features_reused: false, analysis_ms: t2 - t1, memory_bytes: 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse_bytes;
    use crate::sample::generate;

    #[test]
    fn a_job_survives_encoding_and_gives_the_same_segments() {
        let csv = generate(7, 300);
        let (d, t) = parse_bytes(csv.as_bytes()).unwrap();
        let req = Request {
            job: 3,
            file: 1,
            name: "s.csv".into(),
            ragged: RaggedRows::Skip,
            mapping: None,
            edits: vec![MappingEdit::Role(Role::Leverage, None), MappingEdit::Role(Role::Fee, None)],
            settings: Settings { k: Some(4), ..Default::default() },
            crash_test: false,
        };
        let req: Request = decode(&encode(&req).unwrap()).unwrap();
        let m = mapping_for(&req, &t);
        assert_eq!((m.get(Role::Leverage), m.get(Role::Fee)), (None, None), "both edits were applied");
        let mut stages = Vec::new();
        let ticks = std::cell::Cell::new(0.0);
        let clock = || {
            ticks.set(ticks.get() + 1.0);
            ticks.get()
        };
        let out = analyse(&t, &m, &req, &clock, &mut |s, step, done, total| {
            if s == Stage::Features {
                assert_eq!((done, total), (0.0, t.n_rows() as f64), "rows: first call at 0 of all");
            }
            stages.push((s, step.to_string()))
        })
        .unwrap();
        let mut expected = vec![(Stage::Features, String::new())];
        expected.extend(crate::analysis::STAGES.map(|s| (Stage::Analysis, s.to_string())));
        assert_eq!(stages, expected, "every stage and analysis step reported once, in order");
        let names: Vec<&str> = out.seg.stage_ms.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["scale", "k sweep", "cluster", "silhouette and stability", "PCA", "profiles and anomalies"]);
        assert!(out.seg.stage_ms.iter().all(|(_, ms)| *ms == 1.0), "each stage timed once: {:?}", out.seg.stage_ms);
        assert_eq!(out.seg.k, 4);
        assert!(out.ft.defs.iter().all(|d| !d.key.contains("leverage")));
        let resp = Response::Done { job: 3, mapping: m.clone(), outcome: Box::new(out.clone()) };
        let Response::Done { job, mapping, outcome } = decode(&encode(&resp).unwrap()).unwrap() else {
            panic!("wrong variant")
        };
        assert_eq!((job, &mapping), (3, &m));
        assert_eq!(outcome.seg.segments, out.seg.segments);
        assert_eq!(outcome.ft.ids, out.ft.ids);
        // NaN (undefined features) must survive: postcard writes f64 bits.
        let nan_in = out.ft.values.iter().filter(|v| v.is_nan()).count();
        assert_eq!(outcome.ft.values.iter().filter(|v| v.is_nan()).count(), nan_in);
        assert_eq!(TableSummary::of(&t, d).n_rows, t.n_rows());
    }

    #[test]
    fn errors_name_the_file() {
        let (_, t) = parse_bytes(b"customer_id,spend\n1,10\n2,20\n").unwrap();
        let req = Request {
            job: 1,
            file: 1,
            name: "two.csv".into(),
            ragged: RaggedRows::Skip,
            mapping: None,
            edits: vec![],
            settings: Settings { k: Some(5), ..Default::default() },
            crash_test: false,
        };
        let m = mapping_for(&req, &t);
        let err = analyse(&t, &m, &req, &|| 0.0, &mut |_, _, _, _| {}).unwrap_err();
        assert!(err.starts_with("two.csv: "), "{err}");
    }
}
