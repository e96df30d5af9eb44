//! The page's model of a job and its result, and [`reduce`]: what a worker
//! [`Response`] changes in it. The page (`ui::state`) holds these in
//! signals and applies each [`Change`].

use crate::analysis::{Segmentation, STAGES};
use crate::features::FeatureTable;
use crate::ingest::Mapping;
use crate::job::{FeatureSource, Response, Stage, TableSummary};
use std::sync::Arc;

/// What the app is doing: idle, or a job at `stage` (and analysis `step`,
/// one of [`STAGES`] or empty; `done` of `total` bytes while reading, rows
/// while computing features, else 0 of 0).
#[derive(Clone, Debug, PartialEq)]
pub enum Busy {
    Idle,
    Working { stage: Stage, step: String, done: f64, total: f64 },
}

/// The file jobs read: a new `id` for every file chosen (and for every
/// change of how it is read); `bytes` as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRef {
    pub id: u64,
    pub name: String,
    pub bytes: f64,
}

/// A file that has been read: its name, what the page shows of it, its
/// size in bytes and the time reading took, milliseconds.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub name: String,
    pub summary: Arc<TableSummary>,
    pub bytes: f64,
    pub read_ms: f64,
}

/// The latest successful run as the page shows it (from the worker's [`crate::job::Outcome`]).
#[derive(Clone, Debug)]
pub struct ResultView {
    /// The job that made it: a scatter view or hover belongs to one result.
    pub job: u64,
    pub ft: Arc<FeatureTable>,
    pub seg: Arc<Segmentation>,
    /// Milliseconds (features: 0 unless computed in this job, see `features_from`).
    pub features_ms: f64,
    pub features_from: FeatureSource,
    pub analysis_ms: f64,
    /// The worker's wasm memory after the job, bytes.
    pub memory_bytes: f64,
}

/// What a response changes in the page.
#[derive(Clone, Debug)]
pub enum Change {
    /// The job advanced.
    Progress(Busy),
    /// The file was read.
    Read(Loaded),
    /// The job finished: the mapping it used and its result (pending
    /// mapping edits are then done with, the scatter shows every point).
    Done { job: u64, mapping: Mapping, result: ResultView },
    /// The job failed: `message` for the page's alert; `mapping` is the
    /// one in force, if the file could be read. The result shown is cleared.
    /// `quoting_off`: a quote that does not close stopped the read, and the
    /// page offers button **Read with quoting off** beside the alert.
    Failed { mapping: Option<Mapping>, message: String, quoting_off: bool },
    /// The worker crashed: the page's alert text.
    Panicked(String),
}

/// The notice after **Cancel**.
pub const CANCELLED: &str = "Cancelled. Any results shown are from the last run that finished, not from the settings above; load a file or change a setting to run again.";

/// What response `r` changes in the page while `current` is the latest job
/// and `file` the file it reads: `None` for a response to an older job
/// (superseded or cancelled) and for messages the page does not show
/// (worker start-up, parts of a result, a second reader's progress).
pub fn reduce(r: Response, current: u64, file: Option<&FileRef>) -> Option<Change> {
    match r {
        Response::Progress { job, stage, step, done, total } if job == current => {
            Some(Change::Progress(Busy::Working { stage, step, done, total }))
        }
        Response::Read { job, summary, read_ms, .. } if job == current => file.map(|f| {
            Change::Read(Loaded { name: f.name.clone(), summary: Arc::new(summary), bytes: f.bytes, read_ms })
        }),
        Response::Done { job, mapping, outcome } if job == current => {
            let o = *outcome;
            let result = ResultView {
                job,
                ft: o.ft,
                seg: Arc::new(o.seg),
                features_ms: o.features_ms,
                features_from: o.features_from,
                analysis_ms: o.analysis_ms,
                memory_bytes: o.memory_bytes,
            };
            Some(Change::Done { job, mapping, result })
        }
        // The one place that reads a failure's message.
        Response::Failed { job, mapping, message } if job == current => {
            Some(Change::Failed { mapping, quoting_off: message.offers_quoting_off(), message: message.to_string() })
        }
        Response::Panicked { message } => {
            let name = file.map(|f| f.name.as_str()).unwrap_or_default();
            Some(Change::Panicked(format!(
                "{name}: segscope hit an internal error while analysing this file and stopped that work: {message}. Your data was not sent anywhere, and the page still works: change a setting or load a file to try again (a fresh analysis worker starts), and please report this message."
            )))
        }
        _ => None,
    }
}

/// The job a response answers, if it names one.
pub fn job_of(r: &Response) -> Option<u64> {
    match r {
        Response::Progress { job, .. }
        | Response::Read { job, .. }
        | Response::Done { job, .. }
        | Response::Rows { job, .. }
        | Response::Failed { job, .. } => Some(*job),
        _ => None,
    }
}

/// List **Stages** of a job at `stage` and analysis `step`: every stage and
/// analysis step in order as `(label, done, current)`. A streamed read
/// ([`Stage::ReadFeatures`]) is reading and features at once.
pub fn stage_steps(stage: Stage, step: &str) -> Vec<(String, bool, bool)> {
    let mut steps: Vec<(String, bool, bool)> = Vec::new();
    let order = |s: Stage| match s {
        Stage::Read | Stage::ReadFeatures => 0,
        Stage::Features => 1,
        Stage::Analysis => 2,
    };
    for (s, label) in [(Stage::Read, "read"), (Stage::Features, "features")] {
        // A streamed read is both stages at once.
        let current = s == stage || stage == Stage::ReadFeatures;
        steps.push((label.to_string(), order(s) < order(stage), current));
    }
    let at = STAGES.iter().position(|s| *s == step);
    for (i, s) in STAGES.iter().enumerate() {
        let (done, current) = match (stage, at) {
            (Stage::Analysis, Some(a)) => (i < a, i == a),
            _ => (false, false),
        };
        steps.push((s.to_string(), done, current));
    }
    steps
}

/// A small finished job for the view model's tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::ingest::{parse_bytes, RaggedRows};
    use crate::job::{analyse, mapping_for, Outcome, Request, Settings};

    /// A job on `csv` as the page would send it (k = 3, detected mapping).
    pub fn request(job: u64) -> Request {
        Request {
            job,
            file: 1,
            name: "s.csv".into(),
            ragged: RaggedRows::Skip,
            quoting: Default::default(),
            sheet: None,
            mapping: None,
            edits: Vec::new(),
            settings: Settings { k: Some(3), ..Default::default() },
            crash_test: false,
            model: None,
        }
    }

    /// The outcome and mapping of job `job` on `csv`.
    pub fn run(csv: &str, job: u64) -> (Mapping, Outcome, TableSummary) {
        let (d, t) = parse_bytes(csv.as_bytes()).unwrap();
        let req = request(job);
        let m = mapping_for(&req, &t);
        let o = analyse(&t, &m, &req, &|| 0.0, &mut |_, _, _, _| {}).unwrap();
        (m, o, TableSummary::of(&t, d))
    }

    /// The seeded sample's first 120 accounts, as a finished job 1.
    pub fn sample_run() -> (Mapping, Outcome, TableSummary) {
        run(&crate::sample::generate(7, 120), 1)
    }

    pub fn result() -> ResultView {
        let (mapping, o, _) = sample_run();
        match reduce(Response::Done { job: 1, mapping, outcome: Box::new(o) }, 1, None) {
            Some(Change::Done { result, .. }) => result,
            other => panic!("{other:?}"),
        }
    }

    pub fn loaded() -> Loaded {
        let (_, _, summary) = sample_run();
        Loaded { name: "s.csv".into(), summary: Arc::new(summary), bytes: 1.5e6, read_ms: 100.6 }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::job::{split_result, Assembler};

    fn file() -> FileRef {
        FileRef { id: 4, name: "trades.csv".into(), bytes: 2.5e6 }
    }

    #[test]
    fn progress_of_the_current_job_only() {
        let p = |job| Response::Progress { job, stage: Stage::Analysis, step: "PCA".into(), done: 0.0, total: 0.0 };
        match reduce(p(7), 7, Some(&file())) {
            Some(Change::Progress(b)) => {
                assert_eq!(b, Busy::Working { stage: Stage::Analysis, step: "PCA".into(), done: 0.0, total: 0.0 })
            }
            other => panic!("{other:?}"),
        }
        assert!(reduce(p(6), 7, Some(&file())).is_none(), "an older job's progress is ignored");
        assert!(reduce(Response::Ready, 7, Some(&file())).is_none());
        assert!(reduce(Response::PartProgress { done: 1.0 }, 7, Some(&file())).is_none());
    }

    #[test]
    fn read_names_the_file() {
        let (_, _, summary) = sample_run();
        let read = |job| Response::Read { job, file: 4, summary: summary.clone(), read_ms: 12.5 };
        match reduce(read(2), 2, Some(&file())) {
            Some(Change::Read(l)) => {
                assert_eq!((l.name.as_str(), l.bytes, l.read_ms), ("trades.csv", 2.5e6, 12.5));
                assert_eq!(*l.summary, summary);
            }
            other => panic!("{other:?}"),
        }
        assert!(reduce(read(2), 2, None).is_none(), "no file (cancelled before it was read)");
        assert!(reduce(read(1), 2, Some(&file())).is_none());
    }

    #[test]
    fn done_gives_the_result_of_that_job() {
        let (mapping, o, _) = sample_run();
        let n = o.ft.ids.len();
        let k = o.seg.k;
        let done = Response::Done { job: 3, mapping: mapping.clone(), outcome: Box::new(o) };
        assert!(reduce(done.clone(), 4, None).is_none(), "a superseded job's result never shows");
        match reduce(done, 3, None) {
            Some(Change::Done { job, mapping: m, result }) => {
                assert_eq!((job, result.job), (3, 3));
                assert_eq!(m, mapping);
                assert_eq!((result.ft.ids.len(), result.seg.segments.len(), result.seg.k), (n, n, k));
                assert_eq!(result.features_from, FeatureSource::Computed);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn done_sent_in_parts_is_reduced_once_assembled() {
        let (mapping, o, _) = sample_run();
        let (ids, values) = (o.ft.ids.clone(), o.ft.values.clone());
        let (head, rows) = split_result(Response::Done { job: 5, mapping, outcome: Box::new(o) }, 50);
        let mut assembler = Assembler::default();
        let mut out: Vec<Response> = Vec::new();
        out.extend(assembler.push(head));
        for r in rows {
            assert!(out.is_empty(), "nothing is passed on before the last part");
            out.extend(assembler.push(r));
        }
        assert_eq!(out.len(), 1);
        match reduce(out.pop().unwrap(), 5, None) {
            Some(Change::Done { result, .. }) => {
                assert_eq!(result.ft.ids, ids);
                // Bit for bit (NaN marks undefined features).
                assert_eq!(result.ft.values.shape(), values.shape());
                assert!(result.ft.values.iter().zip(&values).all(|(a, b)| a.to_bits() == b.to_bits()));
                assert_eq!(result.seg.segments.len(), ids.len());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failed_keeps_its_message_and_mapping() {
        let (mapping, _, _) = sample_run();
        let failed = |job, mapping| Response::Failed {
            job,
            mapping,
            message: crate::job::JobError::Features { file: "s.csv".into(), cause: "no account column".into() },
        };
        match reduce(failed(9, Some(mapping.clone())), 9, Some(&file())) {
            Some(Change::Failed { mapping: Some(m), message, quoting_off: false }) => {
                assert_eq!(m, mapping);
                assert_eq!(message, "s.csv: no account column");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(reduce(failed(9, None), 9, None), Some(Change::Failed { mapping: None, .. })));
        // A quote that does not close: the page offers to read with quoting off.
        let open = crate::ingest::IngestError::OpenQuote { row: 42, lines: 1001, bytes: 9_000, at_end: false };
        let r = Response::Failed { job: 9, mapping: None, message: crate::job::JobError::read("q.csv", &open) };
        match reduce(r, 9, Some(&file())) {
            Some(Change::Failed { quoting_off: true, message, .. }) => {
                assert!(message.starts_with("q.csv: Row 42 opens a quoted field"), "{message}");
                assert!(message.contains("choose \"Read with quoting off\""), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(reduce(failed(8, None), 9, None).is_none());
    }

    #[test]
    fn panicked_says_what_happened_whatever_the_job() {
        let p = || Response::Panicked { message: "crash test requested by the page".into() };
        match reduce(p(), 3, Some(&file())) {
            Some(Change::Panicked(text)) => {
                assert!(text.starts_with(
                    "trades.csv: segscope hit an internal error while analysing this file and stopped that work: crash test requested by the page. "
                ));
                assert!(text.contains("the page still works"));
                assert!(text.ends_with("and please report this message."));
            }
            other => panic!("{other:?}"),
        }
        match reduce(p(), 3, None) {
            Some(Change::Panicked(text)) => assert!(text.starts_with(": segscope hit an internal error")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stages_in_order_with_the_current_one() {
        let labels = |v: &[(String, bool, bool)]| v.iter().map(|s| s.0.clone()).collect::<Vec<_>>();
        let read = stage_steps(Stage::Read, "");
        assert_eq!(
            labels(&read),
            [
                "read",
                "features",
                "scale",
                "k sweep",
                "cluster",
                "silhouette and stability",
                "PCA",
                "profiles and anomalies"
            ]
        );
        assert_eq!(read[0], ("read".into(), false, true));
        assert!(read[1..].iter().all(|s| !s.1 && !s.2));
        // A streamed read: reading and features are both current.
        let streamed = stage_steps(Stage::ReadFeatures, "");
        assert!(streamed[0].2 && streamed[1].2 && !streamed[0].1);
        let features = stage_steps(Stage::Features, "");
        assert_eq!((features[0].1, features[1].1, features[1].2), (true, false, true));
        let pca = stage_steps(Stage::Analysis, "PCA");
        let flags: Vec<(bool, bool)> = pca.iter().map(|s| (s.1, s.2)).collect();
        assert_eq!(
            flags,
            [
                (true, false),
                (true, false),
                (true, false),
                (true, false),
                (true, false),
                (true, false),
                (false, true),
                (false, false)
            ]
        );
        // An unknown step: no analysis step marked.
        assert!(stage_steps(Stage::Analysis, "")[2..].iter().all(|s| !s.1 && !s.2));
    }
}
