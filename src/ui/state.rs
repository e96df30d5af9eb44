//! The page's state: one `Copy` struct of signals ([`AppState`]), provided
//! as context to every component, with the page's operations as methods
//! (start a job, take in a response, cancel, change a setting or the
//! mapping). What it decides without a browser is in [`crate::view_model`].

use super::browser::{self, download_text, text_blob};
use super::worker;
use crate::analysis::compare::Comparer;
use crate::analysis::risk::RiskParams;
use crate::analysis::{Method, Scaling, TransformChoice};
use crate::export::{assignments_csv, export_file_name, watchlist_csv, watchlist_file_name};
use crate::export::{assignments_file_name, summary_csv, summary_file_name, summary_json};
use crate::export::{model_file_name, next_assignments_csv, pmml_file_name, sql_file_name};
use crate::ingest::{Mapping, Quoting, RaggedRows};
use crate::job::{FeatureSet, MappingEdit, Request, Response, Settings, Stage};
use crate::model::pmml;
use crate::model::sql::{self, Dialect};
use crate::model::Model;
use crate::sample::sample_next_period;
use crate::sample::{sample_csv, SAMPLE_FILE_NAME};
use crate::view_model::compare::{segments_before, NextPeriod};
use crate::view_model::explore::{PlotChoice, Selection};
use crate::view_model::fragment::{from_fragment, plot_fragment, plot_from_fragment, to_fragment};
use crate::view_model::inputs;
use crate::view_model::job_of;
use crate::view_model::refit::{matching_rows, refit_matching};
use crate::view_model::risk::{risk_fragment, risk_from_fragment, RiskField, RiskReport};
use crate::view_model::OptionValue;
use crate::view_model::{
    parse_k, parse_min_cluster_size, parse_seed, reduce, Busy, Change, FileRef, Loaded, ResultView, CANCELLED,
    DEFAULT_MIN_CLUSTER_SIZE,
};
use leptos::prelude::*;
use std::sync::Arc;

/// A model loaded with **Load model**: its file name, JSON (sent with each
/// job) and contents.
#[derive(Clone, Debug)]
pub struct LoadedModel {
    pub name: String,
    pub json: Arc<str>,
    pub model: Arc<Model>,
}

/// The comparison's downloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonFile {
    Migration,
    Drift,
    Assignments,
}

/// File ids of next periods start here (the file on screen counts from 1).
const NEXT_FILE_IDS: u64 = 1 << 40;

/// The name the sample's next period is shown under.
const NEXT_SAMPLE_FILE_NAME: &str = "sample_trades_next_period.csv";

/// Everything the page's components share. Components read it with
/// `expect_context::<AppState>()`; [`AppState::provide`] makes it.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Idle, or where the running job is.
    pub busy: RwSignal<Busy>,
    /// The message in the page's alert (role `alert`).
    pub error: RwSignal<Option<String>>,
    /// The message in role `status` (e.g. after Cancel).
    pub notice: RwSignal<Option<String>>,
    /// The file read, once the worker has read it.
    pub loaded: RwSignal<Option<Loaded>>,
    /// The column mapping the worker last used.
    pub mapping: RwSignal<Option<Mapping>>,
    /// The analysis settings of the next job (k, seed, method with HDBSCAN's
    /// min cluster size, scaling, transform overrides).
    pub settings: RwSignal<Settings>,
    /// HDBSCAN's min cluster size while another method is selected (while
    /// HDBSCAN is, it lives in `settings.method` only): see
    /// [`crate::view_model::inputs`].
    min_cluster_size_aside: StoredValue<usize>,
    /// What reading does with rows with the wrong number of fields.
    pub ragged: RwSignal<RaggedRows>,
    /// Whether quote characters are special when reading (select **Quoting**).
    pub quoting: RwSignal<Quoting>,
    /// The workbook sheet read (select **Sheet**); `None`: the first with data.
    pub sheet: RwSignal<Option<String>>,
    /// The sheets of the workbook on screen (select **Sheet** when more than one);
    /// kept when a sheet fails to read, so that another can be chosen.
    pub sheets: RwSignal<Vec<String>>,
    /// The alert is a quote that does not close: button **Read with quoting
    /// off** is offered beside it.
    pub offer_quoting_off: RwSignal<bool>,
    /// The latest successful run.
    pub result: RwSignal<Option<ResultView>>,
    /// The name of each segment `1..=k` of the result on screen (index
    /// `s - 1`): generated ([`crate::analysis::segmentation::segment_names`]),
    /// a saved model's, or the user's edit; every table, export and the
    /// model use them.
    pub names: RwSignal<Vec<String>>,
    /// The suggested actions of each segment `1..=k` (`; `-separated):
    /// the playbook's ([`crate::analysis::segmentation::actions_for`])
    /// or the user's edit; the summary exports carry them.
    pub actions: RwSignal<Vec<String>>,
    /// Which segments' actions the user typed (input **Actions for segment
    /// N**): an edit of the playbook leaves those alone.
    pub actions_edited: RwSignal<Vec<bool>>,
    /// The playbook's action per rule of
    /// [`crate::analysis::segmentation::PLAYBOOK`], as the user left them
    /// (table **Playbook**; empty turns a rule off). Outlives each result.
    pub playbook: RwSignal<Vec<String>>,
    /// The SHA-256 of the file on screen (lower-case hex), computed in the
    /// page after its first result ([`AppState::fingerprint_file`]): `None`
    /// while it is computed, `Some(Err)` if the browser could not read it.
    pub sha256: RwSignal<Option<Result<String, String>>>,
    /// The file id whose SHA-256 `sha256` holds or is being computed.
    hashed: StoredValue<Option<u64>>,
    /// Time of the scatter plot's last draw, milliseconds.
    pub render_ms: RwSignal<Option<f64>>,
    /// The scatter's axes and colouring (selects **X axis**, **Y axis**,
    /// **Colour by**), kept from one result to the next.
    pub plot: RwSignal<PlotChoice>,
    /// The segment whose legend entry is pressed, on the result of the job
    /// given: its accounts drawn over the others, which fade.
    pub highlight: RwSignal<Option<(u64, usize)>>,
    /// The box drawn on the scatter (table **Selected accounts**); it
    /// belongs to one result's job.
    pub selection: RwSignal<Option<Selection>>,
    /// The features and segmentation of the latest result, kept after a
    /// failed run (e.g. no feature chosen) so that the feature picker stays.
    pub last: RwSignal<Option<ResultView>>,
    /// The Risk view's scenario, margin rule and red-flag thresholds
    /// (applied to the result on screen; no job runs when they change).
    pub risk: RwSignal<RiskParams>,
    /// The model loaded with **Load model**: every file loaded after it is
    /// scored with it (no fit) until **Clear model**.
    pub model: RwSignal<Option<LoadedModel>>,
    /// The next period scored with the result's model, and the comparison
    /// (view **Compare periods**).
    pub next: RwSignal<Option<NextPeriod>>,
    /// The job scoring a next period, and the next period's file name.
    next_job: StoredValue<Option<(u64, String)>>,
    /// The next period's file (for **Refit on next period**).
    next_blob: StoredValue<Option<web_sys::Blob>, LocalStorage>,
    /// While a refit runs: the first period's result and the next period as
    /// scored, to match the refit's segments to.
    refit_from: StoredValue<Option<(ResultView, NextPeriod)>>,
    /// Table **Segment matching** of the last refit (rows of [`matching_rows`]).
    pub matching: RwSignal<Option<Vec<[String; 2]>>>,
    /// The latest job; responses to older ones are ignored.
    generation: StoredValue<u64>,
    /// The file jobs read, and its Blob.
    file: StoredValue<Option<FileRef>>,
    file_blob: StoredValue<Option<web_sys::Blob>, LocalStorage>,
    /// Mapping changes made since the worker last sent the mapping back.
    pending_edits: StoredValue<Vec<MappingEdit>>,
}

impl AppState {
    /// A new state, provided as context, that receives the analysis worker's responses.
    pub fn provide() -> Self {
        let state = AppState {
            busy: RwSignal::new(Busy::Idle),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            loaded: RwSignal::new(None),
            mapping: RwSignal::new(None),
            settings: RwSignal::new(Settings::default()),
            min_cluster_size_aside: StoredValue::new(DEFAULT_MIN_CLUSTER_SIZE),
            ragged: RwSignal::new(RaggedRows::Skip),
            quoting: RwSignal::new(Quoting::Auto),
            sheet: RwSignal::new(None),
            sheets: RwSignal::new(Vec::new()),
            offer_quoting_off: RwSignal::new(false),
            result: RwSignal::new(None),
            names: RwSignal::new(Vec::new()),
            actions: RwSignal::new(Vec::new()),
            actions_edited: RwSignal::new(Vec::new()),
            playbook: RwSignal::new(crate::analysis::segmentation::default_actions()),
            sha256: RwSignal::new(None),
            hashed: StoredValue::new(None),
            render_ms: RwSignal::new(None),
            plot: RwSignal::new(PlotChoice::default()),
            highlight: RwSignal::new(None),
            selection: RwSignal::new(None),
            last: RwSignal::new(None),
            risk: RwSignal::new(RiskParams::default()),
            model: RwSignal::new(None),
            next: RwSignal::new(None),
            next_job: StoredValue::new(None),
            next_blob: StoredValue::new_local(None),
            refit_from: StoredValue::new(None),
            matching: RwSignal::new(None),
            generation: StoredValue::new(0),
            file: StoredValue::new(None),
            file_blob: StoredValue::new_local(None),
            pending_edits: StoredValue::new(Vec::new()),
        };
        provide_context(state);
        // Settings from the page's address (a link or bookmark), then kept there.
        let (settings, _) = from_fragment(&browser::fragment(), Settings::default());
        state.settings.set(settings);
        state.risk.set(risk_from_fragment(&browser::fragment(), RiskParams::default()));
        state.plot.set(plot_from_fragment(&browser::fragment()));
        // The scatter's axes, colouring and arrows follow in the address.
        Effect::new(move |first: Option<()>| {
            state.plot.track();
            if first.is_some() {
                state.write_fragment();
            }
        });
        worker::listen(move |r| state.receive(r));
        state
    }

    /// HDBSCAN's min cluster size as input **Min cluster size** shows it (tracked).
    pub fn min_cluster_size(self) -> usize {
        let aside = self.min_cluster_size_aside.get_value();
        self.settings.with(|s| inputs::min_cluster_size(s, aside))
    }

    /// Starts a job on the current file (reading, features and segmentation,
    /// in the analysis worker), after mapping change `edit` if any.
    pub fn run(self, edit: Option<MappingEdit>) {
        let (Some(f), Some(blob)) = (self.file.get_value(), self.file_blob.get_value()) else { return };
        if let Some(e) = edit {
            self.pending_edits.update_value(|p| p.push(e));
        }
        self.generation.update_value(|g| *g += 1);
        self.error.set(None);
        self.offer_quoting_off.set(false);
        self.notice.set(None);
        let stage = if self.loaded.get_untracked().is_some() { Stage::Features } else { Stage::Read };
        let total = if stage == Stage::Read { f.bytes } else { 0.0 };
        self.busy.set(Busy::Working { stage, step: String::new(), done: 0.0, total });
        let crash_test = self.write_fragment();
        let req = Request {
            job: self.generation.get_value(),
            file: f.id,
            name: f.name,
            ragged: self.ragged.get_untracked(),
            quoting: self.quoting.get_untracked(),
            sheet: self.sheet.get_untracked(),
            mapping: self.mapping.get_untracked(),
            edits: self.pending_edits.get_value(),
            settings: self.settings.get_untracked(),
            crash_test,
            model: self.model.with_untracked(|m| m.as_ref().map(|m| m.json.clone())),
        };
        self.next_job.set_value(None);
        // The matching table belongs to the refit's result only.
        if self.refit_from.with_value(|r| r.is_none()) {
            self.matching.set(None);
        }
        worker::submit(req, &blob);
    }

    /// Takes in a response of the analysis worker.
    pub fn receive(self, r: Response) {
        let current = self.generation.get_value();
        if let Some((job, name)) = self.next_job.get_value() {
            if job_of(&r) == Some(job) && job == current {
                return self.receive_next(r, name);
            }
        }
        let Some(change) = self.file.with_value(|f| reduce(r, current, f.as_ref())) else { return };
        match change {
            Change::Progress(b) => self.busy.set(b),
            Change::Read(l) => {
                if !l.summary.sheets.is_empty() {
                    self.sheets.set(l.summary.sheets.clone());
                    self.sheet.set(l.summary.sheet.clone());
                }
                self.loaded.set(Some(l))
            }
            Change::Done { job, mapping, result } => {
                // This task decoded the result; building the page from it is
                // left to the next, so that neither blocks input for long.
                leptos::task::spawn_local(async move {
                    browser::yield_now().await;
                    if self.generation.get_value() != job {
                        return;
                    }
                    self.pending_edits.set_value(Vec::new());
                    self.mapping.set(Some(mapping));
                    self.busy.set(Busy::Idle);
                    // A refit: its segments take the numbers of those they match.
                    let mut result = result;
                    let mut names: Vec<String> = result.seg.profiles.iter().map(|p| p.name.clone()).collect();
                    if let Some((first, next)) = self.refit_from.get_value() {
                        self.refit_from.set_value(None);
                        let m = refit_matching((&first.ft, &first.seg), &next, (&result.ft, &result.seg));
                        let mut seg = (*result.seg).clone();
                        seg.renumber(&m.renumber);
                        result.seg = Arc::new(seg);
                        names = result.seg.profiles.iter().map(|p| p.name.clone()).collect();
                        // A survivor keeps its name too (as the user last left it).
                        let before = self.names.get_untracked();
                        for (i, fate) in m.fates.iter().enumerate() {
                            if let (crate::analysis::matching::Fate::Survived { now }, Some(b)) = (fate, before.get(i))
                            {
                                if let Some(slot) = names.get_mut(now.wrapping_sub(1)) {
                                    *slot = b.clone();
                                }
                            }
                        }
                        self.matching.set(Some(matching_rows(&m, &before)));
                    }
                    self.names.set(names);
                    self.fingerprint_file();
                    self.actions_edited.set(vec![false; result.seg.profiles.len()]);
                    self.actions.set(self.playbook_actions(&result.seg));
                    // A new result: the scatter shows every point (its view belongs to `result.job`).
                    self.last.set(Some(result.clone()));
                    self.next.set(None);
                    self.result.set(Some(result));
                });
            }
            Change::Failed { mapping, message, quoting_off } => {
                if mapping.is_some() {
                    self.pending_edits.set_value(Vec::new());
                    self.mapping.set(mapping);
                }
                self.busy.set(Busy::Idle);
                self.result.set(None);
                self.error.set(Some(message));
                self.offer_quoting_off.set(quoting_off);
            }
            Change::Panicked(text) => {
                self.busy.set(Busy::Idle);
                self.error.set(Some(text));
            }
        }
    }

    /// How long after a file's first result its SHA-256 starts, milliseconds.
    const HASH_DELAY_MS: i32 = 1000;

    /// Computes the SHA-256 of the file on screen, once per file, in the
    /// page after its first result (not while the worker reads it): 1 MiB
    /// at a time, yielding between, so no task blocks input for long. A
    /// newer file stops it.
    fn fingerprint_file(self) {
        let (Some(file), Some(blob)) = (self.file.get_value(), self.file_blob.get_value()) else { return };
        if self.hashed.get_value() == Some(file.id) {
            return;
        }
        self.hashed.set_value(Some(file.id));
        self.sha256.set(None);
        leptos::task::spawn_local(async move {
            use sha2::Digest;
            // After the result is painted: the hashing never competes with the first paint.
            browser::sleep(Self::HASH_DELAY_MS).await;
            let mut h = sha2::Sha256::new();
            let current = move || self.hashed.get_value() == Some(file.id);
            let (mut offset, size) = (0.0, blob.size());
            while offset < size && current() {
                let end = (offset + browser::CHUNK_BYTES).min(size);
                let bytes = match browser::read_slice(&blob, offset, end).await {
                    Ok(b) => b,
                    Err(e) => {
                        if current() {
                            self.sha256.set(Some(Err(e.to_string())));
                        }
                        return;
                    }
                };
                for part in bytes.chunks(1 << 20) {
                    h.update(part);
                    browser::yield_now().await;
                }
                offset = end;
            }
            if current() {
                let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                self.sha256.set(Some(Ok(hex)));
            }
        });
    }

    /// Makes `blob` (named `name`) the file and analyses it with a detected
    /// mapping and no transform overrides.
    pub fn load_blob(self, blob: web_sys::Blob, name: String) {
        self.refit_from.set_value(None);
        self.matching.set(None);
        self.error.set(None);
        self.result.set(None);
        self.loaded.set(None);
        self.mapping.set(None);
        self.last.set(None);
        self.pending_edits.set_value(Vec::new());
        self.settings.update(|s| s.overrides.clear());
        self.sheet.set(None);
        self.sheets.set(Vec::new());
        let id = self.file.get_value().map_or(1, |f| f.id + 1);
        self.file.set_value(Some(FileRef { id, name, bytes: blob.size() }));
        self.file_blob.set_value(Some(blob));
        self.run(None);
    }

    /// A response to the job scoring next period `name`: progress, the
    /// comparison when done (the result on screen stays), or the message.
    fn receive_next(self, r: Response, name: String) {
        match r {
            Response::Progress { stage, step, done, total, .. } => {
                self.busy.set(Busy::Working { stage, step, done, total })
            }
            Response::Done { job, outcome, .. } => {
                // Decoded in this task; compared and drawn in the next ones, so that neither blocks input for long.
                leptos::task::spawn_local(async move {
                    browser::yield_now().await;
                    if self.generation.get_value() != job {
                        return;
                    }
                    self.next_job.set_value(None);
                    let Some(first) = self.result.get_untracked() else { return };
                    let o = *outcome;
                    let (ft, seg) = (o.ft, Arc::new(o.seg));
                    // A feature at a time, yielding between: at 77k accounts the whole took one 200 ms task.
                    let mut c = Comparer::new((&first.ft, &first.seg), (&ft, &seg));
                    while c.step() {
                        browser::yield_now().await;
                        if self.generation.get_value() != job {
                            return;
                        }
                    }
                    let comparison = Arc::new(c.finish());
                    self.busy.set(Busy::Idle);
                    self.next.set(Some(NextPeriod { name, ft, seg, comparison }));
                });
            }
            Response::Failed { message, .. } => {
                self.busy.set(Busy::Idle);
                self.next_job.set_value(None);
                self.error.set(Some(message.to_string()));
            }
            _ => {}
        }
    }

    /// The model of the result on screen, as **Download model** writes it.
    fn result_model(self) -> Option<Model> {
        let (r, l, m) = (self.result.get_untracked()?, self.loaded.get_untracked()?, self.mapping.get_untracked()?);
        let names = self.names.get_untracked();
        let mut model = Model::of(&l.name, &l.summary.headers, &m, &r.ft, &r.seg, Some(&names));
        model.input.sha256 = self.sha256.get_untracked().and_then(Result::ok);
        Some(model)
    }

    /// The model of the result on screen as JSON: the loaded model itself
    /// when the result was scored with one (its fit, not the scored file,
    /// stays on record), else the result's own ([`AppState::result_model`]).
    fn model_json(self) -> Option<Arc<str>> {
        let applied = self.result.with_untracked(|r| r.as_ref().is_some_and(|r| r.seg.applied));
        match self.model.get_untracked() {
            Some(m) if applied => Some(m.json),
            _ => self.result_model().map(|m| Arc::from(m.to_json())),
        }
    }

    /// Button **Download model**: the result's fitted pipeline as JSON (the
    /// loaded model, unchanged, when the result was scored with it).
    pub fn download_model(self) {
        let Some(l) = self.loaded.get_untracked() else { return };
        if let Some(json) = self.model_json() {
            self.save(&model_file_name(&l.name), &json);
        }
    }

    /// The model in force: the loaded one when the result on screen was
    /// scored with it, else the result's own.
    fn model_in_force(self) -> Option<Arc<Model>> {
        let applied = self.result.with_untracked(|r| r.as_ref().is_some_and(|r| r.seg.applied));
        match self.model.get_untracked() {
            Some(m) if applied => Some(m.model),
            _ => self.result_model().map(Arc::new),
        }
    }

    /// Button **Download SQL**: the model in force as a scoring script in
    /// `dialect`, reading the file on screen by its name, with the result's
    /// own figures on a sample of accounts for its self-check.
    pub fn download_sql(self, dialect: Dialect) {
        let (Some(l), Some(model)) = (self.loaded.get_untracked(), self.model_in_force()) else { return };
        let text = self.result.with_untracked(|r| {
            let check = r.as_ref().map(|r| sql::SelfCheck { ft: &r.ft, seg: &r.seg });
            sql::script(&model, dialect, &l.name, check.as_ref())
        });
        match text {
            Ok(text) => self.save(&sql_file_name(&l.name, dialect.key()), &text),
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    /// Button **Download PMML**: the model in force (k-means only) as PMML 4.4.
    pub fn download_pmml(self) {
        let (Some(l), Some(model)) = (self.loaded.get_untracked(), self.model_in_force()) else { return };
        match pmml::pmml(&model) {
            Ok(text) => self.save(&pmml_file_name(&l.name), &text),
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }

    /// File input **Load model**: reads `file`; if it is a model, every file
    /// loaded from now on is scored with it, the one on screen first.
    pub fn load_model(self, file: web_sys::File) {
        let name = file.name();
        leptos::task::spawn_local(async move {
            let text = match browser::blob_text(&file).await {
                Ok(t) => t,
                Err(_) => return self.error.set(Some(format!("{name}: the browser could not read the file."))),
            };
            match Model::from_json(&name, &text) {
                Ok(model) => {
                    self.model.set(Some(LoadedModel { name, json: Arc::from(text), model: Arc::new(model) }));
                    self.error.set(None);
                    self.rescore();
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
        });
    }

    /// Button **Clear model**: files are segmented afresh again, the one on screen first.
    pub fn clear_model(self) {
        if self.model.get_untracked().is_some() {
            self.model.set(None);
            self.rescore();
        }
    }

    /// Runs the file on screen again from a fresh mapping (the model's, if one is loaded).
    fn rescore(self) {
        if self.file.get_value().is_some() {
            self.mapping.set(None);
            self.pending_edits.set_value(Vec::new());
            self.run(None);
        }
    }

    /// File input **Upload next period** (or the sample's next period):
    /// scores `blob` with the model of the result on screen, then compares.
    pub fn score_next(self, blob: web_sys::Blob, name: String) {
        if self.busy.with_untracked(|b| *b != Busy::Idle) {
            return self.error.set(Some(
                "An analysis is running: wait for it to finish (or Cancel it), then upload the next period.".into(),
            ));
        }
        let Some(model) = self.model_json() else {
            return self
                .error
                .set(Some("Load a file and segment it first: the next period is scored with its segments.".into()));
        };
        self.generation.update_value(|g| *g += 1);
        let job = self.generation.get_value();
        self.error.set(None);
        self.notice.set(None);
        self.busy.set(Busy::Working { stage: Stage::Read, step: String::new(), done: 0.0, total: blob.size() });
        let req = Request {
            job,
            // Its own file ids, so that the worker never takes it for the file on screen.
            file: NEXT_FILE_IDS + job,
            name: name.clone(),
            ragged: self.ragged.get_untracked(),
            quoting: self.quoting.get_untracked(),
            // The next period's first sheet with data (its sheets may be named otherwise).
            sheet: None,
            mapping: None,
            edits: Vec::new(),
            settings: self.settings.get_untracked(),
            crash_test: false,
            model: Some(model),
        };
        // The comparison on screen is of another file from now on; the file is kept with the job's.
        self.next.set(None);
        self.next_job.set_value(Some((job, name)));
        worker::submit(req, &blob);
        self.next_blob.set_value(Some(blob));
    }

    /// Button **Refit on next period**: the next period becomes the file on
    /// screen, segmented afresh (a model in force is cleared), and its
    /// segments are matched to this period's ([`refit_matching`]): matched
    /// ones keep their numbers (and so their names and colours).
    pub fn refit_next(self) {
        // The blob of the last upload is the comparison's only while one is shown (score_next clears it).
        let (Some(blob), Some(first), Some(next)) =
            (self.next_blob.get_value(), self.result.get_untracked(), self.next.get_untracked())
        else {
            return;
        };
        let name = next.name.clone();
        let had_model = self.model.get_untracked().is_some();
        self.model.set(None);
        self.load_blob(blob, name);
        self.refit_from.set_value(Some((first, next)));
        if had_model {
            self.notice.set(Some("The model in force was cleared: the next period is segmented afresh.".into()));
        }
    }

    /// Button **Score the sample's next period**: the sample's next period
    /// ([`crate::sample::sample_next_period`]), generated in the page.
    pub fn load_sample_next_period(self) {
        match text_blob(&sample_next_period().csv, "text/csv") {
            Ok(b) => self.score_next(b, NEXT_SAMPLE_FILE_NAME.into()),
            Err(_) => self.error.set(Some("Could not create the sample's next period in this browser.".into())),
        }
    }

    /// Buttons **Download migration**, **Download drift** and **Download
    /// next-period assignments**.
    pub fn download_comparison(self, what: ComparisonFile) {
        let (Some(next), Some(first)) = (self.next.get_untracked(), self.result.get_untracked()) else { return };
        let stem = next.name.rsplit_once('.').map_or(next.name.as_str(), |(s, _)| s).to_string();
        let (suffix, text) = match what {
            ComparisonFile::Migration => ("migration", next.migration_csv(&self.names.get_untracked())),
            ComparisonFile::Drift => ("drift", next.drift_csv()),
            ComparisonFile::Assignments => {
                let before = segments_before((&first.ft, &first.seg), &next.ft);
                ("segments", next_assignments_csv(&next.ft, &next.seg, &before))
            }
        };
        self.save(&export_file_name(&stem).replace("-segments.csv", &format!("-{suffix}.csv")), &text);
    }

    /// **Load sample**: generates the sample file in the page and analyses it.
    pub fn load_sample(self) {
        match text_blob(&sample_csv(), "text/csv") {
            Ok(b) => self.load_blob(b, SAMPLE_FILE_NAME.to_string()),
            Err(_) => self.error.set(Some("Could not create the sample in this browser.".into())),
        }
    }

    /// **Save sample CSV**.
    pub fn save_sample(self) {
        if download_text(SAMPLE_FILE_NAME, &sample_csv()).is_err() {
            self.error.set(Some("The browser refused to save the sample file.".into()));
        }
    }

    /// A new policy for ragged rows means reading the file again (a new file
    /// id); the mapping and transform choices made for it are kept.
    pub fn set_ragged(self, r: RaggedRows) {
        self.ragged.set(r);
        if let Some(f) = self.file.get_value() {
            self.file.set_value(Some(FileRef { id: f.id + 1, ..f }));
            self.loaded.set(None);
            self.run(None);
        }
    }

    /// Select **Quoting** changed, or button **Read with quoting off**:
    /// like a new policy for ragged rows, the file is read again (a new
    /// file id), keeping the mapping and transform choices made for it.
    pub fn set_quoting(self, q: Quoting) {
        self.quoting.set(q);
        if let Some(f) = self.file.get_value() {
            self.file.set_value(Some(FileRef { id: f.id + 1, ..f }));
            self.loaded.set(None);
            self.run(None);
        }
    }

    /// Select **Sheet** changed: the workbook is read again from sheet
    /// `name` (a new file id), with its columns detected afresh (another
    /// sheet has other columns).
    pub fn set_sheet(self, name: String) {
        self.sheet.set(Some(name));
        if let Some(f) = self.file.get_value() {
            self.file.set_value(Some(FileRef { id: f.id + 1, ..f }));
            self.loaded.set(None);
            self.mapping.set(None);
            self.pending_edits.set_value(Vec::new());
            self.settings.update(|s| s.overrides.clear());
            self.run(None);
        }
    }

    /// **Cancel**: stops the running job, if it runs in the worker. A file
    /// not yet read is forgotten.
    pub fn cancel(self) {
        if worker::cancel() {
            self.generation.update_value(|g| *g += 1);
            self.busy.set(Busy::Idle);
            if self.loaded.get_untracked().is_none() {
                self.file.set_value(None);
                self.file_blob.set_value(None);
            }
            self.notice.set(Some(CANCELLED.into()));
        }
    }

    /// Input **Segments (k)** changed to `text`: runs again, or says what is
    /// wrong. Returns whether `text` was taken.
    pub fn set_k(self, text: &str) -> bool {
        self.take_input(parse_k(text), |s, k| s.k = k)
    }

    /// A number input's parsed value: applied to the settings and run
    /// again, or its message shown. Returns whether it was taken.
    fn take_input<T>(self, parsed: Result<T, String>, apply: impl FnOnce(&mut Settings, T)) -> bool {
        match parsed {
            Ok(v) => {
                self.settings.update(|s| apply(s, v));
                self.run(None);
                true
            }
            Err(e) => {
                self.error.set(Some(e));
                self.offer_quoting_off.set(false);
                false
            }
        }
    }

    /// Input **Seed** changed to `text`. Returns whether it was taken.
    pub fn set_seed(self, text: &str) -> bool {
        self.take_input(parse_seed(text), |s, seed| s.seed = seed)
    }

    /// Input **Min cluster size** changed to `text`. Returns whether it was taken.
    pub fn set_min_cluster_size(self, text: &str) -> bool {
        let aside = self.min_cluster_size_aside;
        self.take_input(parse_min_cluster_size(text), |s, m| {
            aside.update_value(|a| inputs::set_min_cluster_size(s, a, m))
        })
    }

    /// Select **Method** changed (HDBSCAN gets the min cluster size chosen for it).
    pub fn set_method(self, m: Method) {
        let aside = self.min_cluster_size_aside;
        self.settings.update(|s| aside.update_value(|a| inputs::choose_method(s, a, m)));
        self.run(None);
    }

    /// Select **Scaling** changed.
    pub fn set_scaling(self, scaling: Scaling) {
        self.settings.update(|s| s.scaling = scaling);
        self.run(None);
    }

    /// Select **Transform of <feature>** changed: `choice` for feature `key`.
    pub fn set_transform(self, key: String, choice: TransformChoice) {
        self.settings.update(|s| {
            s.overrides.retain(|(c, _)| *c != key);
            if choice != TransformChoice::Auto {
                s.overrides.push((key, choice));
            }
        });
        self.run(None);
    }

    /// Select **Feature set** changed to option `value`: a preset, or
    /// "custom", which starts from the features in use now.
    pub fn set_feature_set(self, value: &str) {
        let Some(mut set) = FeatureSet::from_value(value) else { return };
        if let FeatureSet::Custom(keys) = &mut set {
            *keys = self.used_keys();
        }
        self.settings.update(|s| s.features = set);
        self.run(None);
    }

    /// Checkbox **Use <key> for clustering** changed: the feature set becomes custom.
    pub fn set_feature_used(self, key: &str, used: bool) {
        let mut keys = self.used_keys();
        keys.retain(|k| k != key);
        if used {
            keys.push(key.to_string());
        }
        self.settings.update(|s| s.features = FeatureSet::Custom(keys));
        self.run(None);
    }

    /// Checkbox **Balance feature families** changed.
    pub fn set_balance_families(self, on: bool) {
        self.settings.update(|s| s.balance_families = on);
        self.run(None);
    }

    /// The keys of the latest features the settings use, in table order.
    fn used_keys(self) -> Vec<String> {
        let Some(r) = self.last.get_untracked() else { return Vec::new() };
        self.settings
            .with_untracked(|s| r.ft.defs.iter().filter(|d| s.features.uses(d)).map(|d| d.key.clone()).collect())
    }

    /// A change in the Column mapping panel: runs again with it.
    pub fn edit_mapping(self, edit: MappingEdit) {
        self.run(Some(edit));
    }

    /// **Download assignments** of the result shown.
    pub fn download_assignments(self) {
        let (Some(r), Some(l)) = (self.result.get_untracked(), self.loaded.get_untracked()) else { return };
        let report = RiskReport::of(&r.ft, &r.seg, &self.risk.get_untracked());
        let names = self.names.get_untracked();
        let csv = assignments_csv(&r.ft, &r.seg, report.as_ref().map(|x| &x.segments[..]), Some(&names));
        self.save(&assignments_file_name(&l.name, &r.seg), &csv);
    }

    /// Buttons **Download summary CSV** and **Download summary JSON**
    /// (`json`): the segment summary with the names in force.
    pub fn download_summary(self, json: bool) {
        let (Some(r), Some(l)) = (self.result.get_untracked(), self.loaded.get_untracked()) else { return };
        let (names, actions) = (self.names.get_untracked(), self.actions.get_untracked());
        let (text, ext) = match json {
            true => (summary_json(&r.ft, &r.seg, Some(&names), Some(&actions), self.run_record().as_deref()), "json"),
            false => (summary_csv(&r.ft, &r.seg, Some(&names), Some(&actions)), "csv"),
        };
        self.save(&summary_file_name(&l.name, ext), &text);
    }

    /// A legend entry or a summary row's **Highlight segment N** pressed:
    /// highlights segment `s` of result `job` on the scatter, or clears the
    /// highlight when it is that segment already.
    pub fn toggle_highlight(self, job: u64, s: usize) {
        self.highlight.update(|h| *h = if *h == Some((job, s)) { None } else { Some((job, s)) });
    }

    /// Button **Download selection**: the accounts of the box drawn on the
    /// scatter of the result shown ([`crate::export::selection_csv`]), in
    /// account order.
    pub fn download_selection(self) {
        let (Some(r), Some(l)) = (self.result.get_untracked(), self.loaded.get_untracked()) else { return };
        let Some(sel) = self.selection.get_untracked().filter(|s| s.job == r.job) else { return };
        let names = self.names.get_untracked();
        let csv = crate::export::selection_csv(&r.ft, &r.seg, Some(&names), (sel.axes.x, sel.axes.y), &sel.rows);
        self.save(&crate::export::selection_file_name(&l.name), &csv);
    }

    /// The record of the result on screen, as region **Run details** shows
    /// it (file, SHA-256, rows, accounts, app version, k, method, seed, ...),
    /// for the exports that carry it; `None` without a result.
    pub fn run_record(self) -> Option<Vec<(&'static str, String)>> {
        let (r, l) = (self.result.get_untracked()?, self.loaded.get_untracked()?);
        let sha = self.sha256.get_untracked();
        Some(self.settings.with_untracked(|s| {
            crate::view_model::run_details::run_details(&l.name, l.bytes, sha.as_ref(), &r.ft, &r.seg, s)
        }))
    }

    /// Button **Download report**: the self-contained HTML report of the
    /// result shown ([`crate::export::report`]), with the charts as drawn.
    pub fn download_report(self) {
        use crate::export::report::{report_file_name, report_html, ReportImage, ReportInput};
        let (Some(r), Some(l)) = (self.result.get_untracked(), self.loaded.get_untracked()) else { return };
        let (names, actions) = (self.names.get_untracked(), self.actions.get_untracked());
        let details = self.run_record().unwrap_or_default();
        // The scatter as the page shows it (the report draws the other charts itself).
        let charts = [(
            "PCA scatter plot",
            "PCA scatter",
            "Accounts on the plotted principal components, coloured as on screen",
        )];
        let images = charts
            .iter()
            .filter_map(|(label, caption, alt)| {
                browser::canvas_png(label).map(|data_url| ReportImage {
                    caption: caption.to_string(),
                    alt: alt.to_string(),
                    data_url,
                })
            })
            .collect();
        let html = report_html(&ReportInput {
            file_name: &l.name,
            ft: &r.ft,
            seg: &r.seg,
            names: &names,
            actions: &actions,
            run_details: details,
            images,
        });
        self.save(&report_file_name(&l.name), &html);
    }

    /// Input **Actions for segment N**: the segment's actions as typed
    /// (`; ` between actions; whitespace runs made single spaces); empty
    /// means none. Nothing runs again.
    pub fn set_actions(self, s: usize, text: &str) {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        self.actions.update(|a| {
            if let Some(slot) = a.get_mut(s.wrapping_sub(1)) {
                *slot = text;
            }
        });
        self.actions_edited.update(|e| {
            if let Some(slot) = e.get_mut(s.wrapping_sub(1)) {
                *slot = true;
            }
        });
    }

    /// Each segment's actions (`; `-separated) under the playbook as the
    /// user left it, from the rules that hold for the segment.
    fn playbook_actions(self, seg: &crate::analysis::Segmentation) -> Vec<String> {
        use crate::analysis::segmentation::actions_for;
        self.playbook.with_untracked(|t| seg.profiles.iter().map(|p| actions_for(&p.playbook, t).join("; ")).collect())
    }

    /// Input **Action for rule N** (1-based; whitespace runs made single
    /// spaces, empty turns the rule off), or, with `None`, button **Restore
    /// playbook**: the playbook changes, and so do the actions of every
    /// segment whose actions the user did not type. Nothing runs again.
    pub fn set_playbook(self, rule: Option<(usize, &str)>) {
        match rule {
            Some((n, text)) => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                self.playbook.update(|p| {
                    if let Some(slot) = p.get_mut(n.wrapping_sub(1)) {
                        *slot = text;
                    }
                });
            }
            None => self.playbook.set(crate::analysis::segmentation::default_actions()),
        }
        let Some(r) = self.result.get_untracked() else { return };
        let fresh = self.playbook_actions(&r.seg);
        let edited = self.actions_edited.get_untracked();
        self.actions.update(|a| {
            for (i, f) in fresh.into_iter().enumerate() {
                if let (Some(slot), false) = (a.get_mut(i), edited.get(i).copied().unwrap_or(false)) {
                    *slot = f;
                }
            }
        });
    }

    /// Input **Name of segment N**: renames segment `s` (1-based) to `text`
    /// (trimmed, at most [`crate::view_model::MAX_NAME_CHARS`] characters);
    /// an empty name goes back to the generated one. Nothing runs again.
    pub fn rename(self, s: usize, text: &str) {
        let generated = self
            .result
            .with_untracked(|r| r.as_ref().and_then(|r| r.seg.profiles.get(s.wrapping_sub(1)).map(|p| p.name.clone())));
        let Some(generated) = generated else { return };
        let name = crate::view_model::segment_name_input(text).unwrap_or(generated);
        self.names.update(|n| {
            if let Some(slot) = n.get_mut(s - 1) {
                *slot = name;
            }
        });
    }

    /// Downloads `text` as `name`, or says that the browser refused.
    pub(super) fn save(self, name: &str, text: &str) {
        if download_text(name, text).is_err() {
            self.error.set(Some("The browser refused to save the file.".into()));
        }
    }

    /// Puts the settings in force, and the Risk view's thresholds and the
    /// scatter's choices that are not the defaults, in the page's address
    /// (a bookmark brings them back).
    /// Returns whether the address asks for the crash test hook.
    fn write_fragment(self) -> bool {
        let (_, crash_test) = from_fragment(&browser::fragment(), Settings::default());
        let mut fragment = to_fragment(&self.settings.get_untracked(), crash_test);
        let risk = risk_fragment(&self.risk.get_untracked());
        for part in [risk, plot_fragment(&self.plot.get_untracked())] {
            if !part.is_empty() {
                fragment = format!("{fragment}&{part}");
            }
        }
        browser::set_fragment(&fragment);
        crash_test
    }

    /// Button **Download watchlist**: the flagged accounts of the result on
    /// screen under the thresholds in force ([`watchlist_csv`]).
    pub fn download_watchlist(self) {
        let (Some(r), Some(l)) = (self.result.get_untracked(), self.loaded.get_untracked()) else { return };
        let Some(report) = RiskReport::of(&r.ft, &r.seg, &self.risk.get_untracked()) else { return };
        let names = self.names.get_untracked();
        let csv = watchlist_csv(&r.ft, &r.seg, &report.flagged, &report.segments, Some(&names));
        self.save(&watchlist_file_name(&l.name), &csv);
    }

    /// A threshold of the Risk view changed to `text`: applied (the view
    /// updates; nothing is read or segmented again), or its message shown.
    /// Returns whether it was taken.
    pub fn set_risk(self, field: RiskField, text: &str) -> bool {
        match field.set(&self.risk.get_untracked(), text) {
            Ok(p) => {
                self.risk.set(p);
                self.write_fragment();
                // Only this input's own refusal is cleared (a failed job's message stays).
                if self.error.with_untracked(|e| e.as_ref().is_some_and(|e| e.starts_with(field.label()))) {
                    self.error.set(None);
                }
                true
            }
            Err(e) => {
                self.error.set(Some(e));
                false
            }
        }
    }
}
