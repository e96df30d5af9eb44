//! The analysis worker: reading, features and segmentation run in a Web
//! Worker so that the page stays responsive, a job can be cancelled, and a
//! crash (a panic, or running out of memory) kills only the worker: the page
//! says what happened and starts a fresh worker for the next job.
//!
//! One wasm binary serves both sides. At start-up, before the page locks its
//! Content-Security-Policy, [`prepare`] takes the wasm-bindgen JS glue
//! (fetched with its Subresource Integrity hash, or from the single-file
//! build's inline copy) and the already compiled `WebAssembly.Module`. A
//! worker is then a `blob:` URL of that glue plus a two-line bootstrap that
//! instantiates the module it is sent: no network request, and nothing to
//! compile, so the locked policy needs only `worker-src blob:`. In the
//! worker, `main` finds no `window` and calls [`serve`]. The worker is a
//! classic script, not a module (Chromium starts no module worker from a
//! `blob:` URL in a `file://` page), so [`classic_script`] rewrites the
//! glue's few ES-module lines.
//!
//! Messages are [`crate::job`] types encoded with postcard; the file itself
//! travels as a `Blob` (a handle, not a copy). If no worker can be made, jobs
//! run on the page's own thread ([`handle`] serves both), without Cancel.

use super::browser::{self, now_ms};
use crate::features::{FeatureError, FeatureTable};
use crate::ingest::{Dialect, IngestError, Mapping, Table, TableReader};
use crate::job::{self, FeatureSource, JobError, Request, Response, Stage, Streamed, TableSummary};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent, Worker};

/// Appended to the glue: instantiate the module the page sends first; the
/// glue's start function then runs `main`, which installs [`serve`]'s handler.
const BOOTSTRAP: &str = "\n;self.onmessage = (e) => { self.onmessage = null; initSync({ module: e.data }); };\n";

/// The wasm-bindgen glue (`--target web`, an ES module) as a classic worker
/// script: `export` dropped from declarations, the export list removed,
/// `import.meta.url` replaced by the worker's own address.
///
/// Errors: a line this does not know how to rewrite (an `import`, another
/// form of `export`), so that a new wasm-bindgen cannot break the worker
/// silently: the page then runs jobs on its own thread and says so.
fn classic_script(glue: &str) -> Result<String, String> {
    let mut out = String::with_capacity(glue.len() + BOOTSTRAP.len());
    for line in glue.lines() {
        let t = line.trim_start();
        let line = if let Some(rest) = t.strip_prefix("export ") {
            if rest.starts_with('{') {
                continue;
            }
            if !["class ", "function ", "const ", "let ", "async function "].iter().any(|k| rest.starts_with(k)) {
                return Err(format!("the glue has an export this page cannot rewrite: {t}"));
            }
            rest
        } else if t.starts_with("import ") || t.starts_with("import{") {
            return Err(format!("the glue imports another file: {t}"));
        } else {
            line
        };
        out.push_str(&line.replace("import.meta.url", "self.location.href"));
        out.push('\n');
    }
    out.push_str(BOOTSTRAP);
    Ok(out)
}

// ---------------------------------------------------------------- worker side

/// The last file a worker (or the page, without a worker) read.
struct Held {
    file: u64,
    /// The parsed file; dropped once features are computed if it holds more
    /// than [`job::KEEP_TABLE_UP_TO`] bytes (then read again from the Blob when
    /// the mapping changes).
    table: Option<Table>,
    /// The last job's mapping and features: a job that changes only the
    /// settings (k, method, scaling) reuses them.
    features: Option<(Mapping, Arc<FeatureTable>)>,
}

thread_local! {
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
    /// The newest job started here. Without a worker, jobs run on the page's
    /// thread and overlap: one that a newer job superseded stops at its next
    /// await (after reading) instead of analysing for nothing.
    static LATEST: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Runs one job and reports through `post`: progress, the summary of a file
/// read, then `Done` or `Failed`. Reads `blob` only when the worker holds
/// neither the file's table nor features it can reuse.
pub async fn handle(req: Request, blob: Option<Blob>, post: Rc<dyn Fn(Response)>) {
    if req.crash_test {
        panic!("crash test requested by the page (#crash-test in its address)");
    }
    let job = req.job;
    LATEST.set(job);
    let usable = HELD.with_borrow(|h| {
        h.as_ref().is_some_and(|h| {
            let same_mapping =
                req.edits.is_empty() && h.features.as_ref().is_some_and(|(m, _)| req.mapping.as_ref() == Some(m));
            h.file == req.file && (h.table.is_some() || same_mapping)
        })
    });
    if !usable {
        let Some(blob) = blob else {
            post(Response::Failed {
                job,
                mapping: None,
                message: JobError::FileUnavailable { file: req.name.clone() },
            });
            return;
        };
        HELD.set(None); // free the previous table and features before reading
        let t0 = now_ms();
        match read_file(&req, &blob, &*post).await {
            Ok(_) if LATEST.get() != job => return,
            Ok(Read::Table(dialect, table)) => {
                let summary = TableSummary::of(&table, dialect);
                post(Response::Read { job, file: req.file, summary, read_ms: now_ms() - t0 });
                HELD.set(Some(Held { file: req.file, table: Some(table), features: None }));
            }
            Ok(Read::Features(summary, mapping, ft)) => {
                post(Response::Read { job, file: req.file, summary, read_ms: now_ms() - t0 });
                match ft {
                    Ok(ft) => {
                        let ft = Arc::new(ft);
                        let features = Some((mapping.clone(), ft.clone()));
                        HELD.set(Some(Held { file: req.file, table: None, features }));
                        analyse_features(&req, mapping, ft, 0.0, FeatureSource::WhileReading, &*post);
                    }
                    Err(e) => {
                        let message = JobError::features(&req.name, &e);
                        post(Response::Failed { job, mapping: Some(mapping), message })
                    }
                }
                return;
            }
            Err(e) => {
                post(Response::Failed { job, mapping: None, message: JobError::read(&req.name, &e) });
                return;
            }
        }
    }
    // Taken out while working (no borrow held across the analysis), put back after.
    let Some(mut held) = HELD.take() else {
        post(Response::Failed { job, mapping: None, message: JobError::NothingHeld { file: req.name.clone() } });
        return;
    };
    let progress =
        &mut |stage, step: &str, done, total| post(Response::Progress { job, stage, step: step.into(), done, total });
    let t0 = now_ms();
    // The features to use: the previous job's if its mapping is this job's, else computed
    // (a stale set is dropped by `filter` before the new one is built).
    let found = match (&held.table, held.features.take()) {
        (None, Some((m, ft))) => Ok((m, ft, true)),
        (Some(t), cached) => {
            let mapping = job::mapping_for(&req, t);
            match cached.filter(|(m, _)| *m == mapping) {
                Some((m, ft)) => Ok((m, ft, true)),
                None => match job::features(t, &mapping, &req, progress) {
                    Ok(ft) => Ok((mapping, Arc::new(ft), false)),
                    Err(message) => Err((Some(mapping), message)),
                },
            }
        }
        (None, None) => Err((None, JobError::NothingHeld { file: req.name.clone() })),
    };
    let (mapping, ft, reused) = match found {
        Ok(f) => f,
        Err((mapping, message)) => {
            HELD.set(Some(held));
            post(Response::Failed { job, mapping, message });
            return;
        }
    };
    let features_ms = now_ms() - t0;
    if held.table.as_ref().is_some_and(|t| t.heap_bytes() > job::KEEP_TABLE_UP_TO) {
        held.table = None;
    }
    held.features = Some((mapping.clone(), ft.clone()));
    HELD.set(Some(held));
    let how = if reused { FeatureSource::Reused } else { FeatureSource::Computed };
    analyse_features(&req, mapping, ft, features_ms, how, &*post);
}

/// A file read: whole, or streamed into its features.
// One value per file read: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Read {
    Table(Dialect, Table),
    Features(TableSummary, Mapping, Result<FeatureTable, FeatureError>),
}

/// Reads `blob` for job `req`: a file over [`job::STREAM_ABOVE`] bytes (as
/// stored: a small gzip is read whole) is streamed ([`job::Streaming`],
/// progress as [`Stage::ReadFeatures`]). If the rest of the file contradicts
/// what was detected on its first rows, it is read again whole, with a note
/// saying why; if the mapping needs every row (slash dates), the stream
/// keeps them all and gives the table, as a whole read would. A smaller file
/// is read whole ([`Stage::Read`]).
///
/// Errors: reading's ([`crate::ingest::IngestError`]).
async fn read_file(req: &Request, blob: &Blob, post: &dyn Fn(Response)) -> Result<Read, IngestError> {
    let (job, total) = (req.job, blob.size());
    if total <= job::STREAM_ABOVE as f64 {
        return read_whole(req, blob, post).await.map(|(d, t)| Read::Table(d, t));
    }
    let stage = Stage::ReadFeatures;
    let progress = |done| post(Response::Progress { job, stage, step: String::new(), done, total });
    progress(0.0);
    let s = read_streamed(req, blob, &progress).await?;
    Ok(match s.finish()? {
        Streamed::Features { summary, mapping, ft } => Read::Features(summary, mapping, ft),
        Streamed::Table { dialect, table } => Read::Table(dialect, table),
        Streamed::ReadAgain { why } => {
            let (dialect, mut table) = read_whole(req, blob, post).await?;
            table.source_notes.push(format!(
                "Read twice: segscope started reading this large file as a stream, detecting its columns on the first rows, but {why}; it then read the whole file and kept it."
            ));
            Read::Table(dialect, table)
        }
    })
}

/// Files at least this large (bytes, as stored) are read in two parts by
/// two workers when they can be ([`job::Streaming::part_spec`]): the
/// second starts its half while this one reads the first.
const PARTS_ABOVE: f64 = 48.0 * 1024.0 * 1024.0;

/// Streams `blob` into a [`job::Streaming`]. A large trades or
/// transactions file is read in two parts: once its columns are decided,
/// a helper worker ([`Helper`]) reads from the first record after the
/// middle of what is left to the end, while this worker reads up to that
/// record; the helper's per-account aggregates are then merged. If the
/// helper fails, or this worker's part does not end on a record boundary
/// (a quoted field open), or the helper's part had a row that must be
/// reported, this worker reads the rest itself, as a one-part read would.
///
/// Errors: reading's ([`crate::ingest::IngestError`]).
async fn read_streamed(req: &Request, blob: &Blob, progress: &dyn Fn(f64)) -> Result<job::Streaming, IngestError> {
    browser::check_size(blob).await?;
    let total = blob.size();
    let mut s = job::Streaming::new(req, total as u64, job::HEAD_ROWS);
    // Only a worker starts a helper (on the page's thread, without workers, there is none to start).
    let in_worker = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>().is_ok();
    let mut may_split = in_worker && total >= PARTS_ABOVE;
    // Read before the slices, so that these small blocks do not sit between large ones (the
    // header taken from the first slice added 20 MB to the peak of a 1M-customer file).
    let header = if may_split { browser::first_line(blob).await? } else { Vec::new() };
    // Started now, so that it is ready when the columns are decided; ended unused if the file
    // cannot be read in parts (a customer table, say).
    let helper = if may_split && !header.is_empty() { Helper::spawn().ok() } else { None };
    let helper_done = || helper.as_ref().map_or(0.0, |h| h.state.borrow().done);
    // The bar never goes back (after a failed part, this worker reads what the helper had read).
    let shown = std::cell::Cell::new(0.0f64);
    let progress = |done: f64| {
        shown.set(shown.get().max(done.min(total)));
        progress(shown.get())
    };
    let (mut split, mut part_start) = (None::<f64>, None::<f64>);
    browser::read_range(
        blob,
        0.0,
        total,
        |at, bytes| {
            if let Some(split) = split {
                // This part ends where the helper's begins: after the first line end at or past `split`.
                let from = (split - at).max(0.0) as usize;
                if let Some(i) = bytes.get(from..).and_then(|b| b.iter().position(|&c| c == b'\n')) {
                    let cut = from + i + 1;
                    s.feed(&bytes[..cut])?;
                    part_start = Some(at + cut as f64);
                    return Ok(browser::Flow::Stop);
                }
            }
            s.feed(bytes)?;
            let next = at + bytes.len() as f64;
            if let (true, Some(h)) = (may_split && total - next > 2.0 * browser::CHUNK_BYTES, &helper) {
                if let Some(spec) = s.part_spec(&header, req.ragged) {
                    // One try: the helper takes the part, or this worker reads it all.
                    may_split = false;
                    let start = (next + (total - next) / 2.0).floor();
                    if h.send(&job::PartJob { spec, start }, blob).is_ok() {
                        split = Some(start);
                    }
                }
            }
            Ok(browser::Flow::More)
        },
        |done| progress(done + helper_done()),
    )
    .await?;
    let (Some(h), Some(from)) = (helper, part_start) else { return Ok(s) };
    // No use waiting for a part that cannot be merged (a quoted field open at the cut).
    let merged = s.can_merge_part()
        && match h.result(|helper| progress(from + helper)).await {
            Ok(part) => s.merge_part(part),
            Err(_) => false,
        };
    drop(h); // ends the helper worker
    if !merged {
        browser::read_range(blob, from, total, |_, b| s.feed(b).map(|_| browser::Flow::More), progress).await?;
    }
    Ok(s)
}

/// How long the helper may go without reading a byte before its part is
/// read here instead (it reports every 4 MB slice, a small fraction of this;
/// figures: BENCHMARKS.md).
const HELPER_SILENT_MS: f64 = 15_000.0;

/// A second worker that reads a later part of a file ([`job::PartJob`]),
/// started by the analysis worker from its own script and module, and
/// ended when dropped. Its messages (progress, then the part's result)
/// land in `state`.
struct Helper {
    worker: Worker,
    state: Rc<RefCell<HelperState>>,
}

#[derive(Default)]
struct HelperState {
    /// Bytes of its part read so far.
    done: f64,
    result: Option<Result<job::PartResult, JobError>>,
    /// Resolves [`Helper::result`]'s wait.
    wake: Option<js_sys::Function>,
}

impl Helper {
    /// Starts a worker from this worker's own script (a `blob:` URL) and module.
    ///
    /// Errors: the browser's, if a worker cannot be started here.
    fn spawn() -> Result<Helper, JsValue> {
        let location = js_sys::Reflect::get(&js_sys::global(), &"location".into())?;
        let href = js_sys::Reflect::get(&location, &"href".into())?.as_string().ok_or("no script address")?;
        let opts = web_sys::WorkerOptions::new();
        opts.set_name("segscope part reader");
        let worker = Worker::new_with_options(&href, &opts)?;
        worker.post_message(&wasm_bindgen::module())?;
        let state: Rc<RefCell<HelperState>> = Rc::default();
        let finish = |state: &Rc<RefCell<HelperState>>, result: Result<job::PartResult, JobError>| {
            let wake = {
                let mut st = state.borrow_mut();
                st.result = Some(result);
                st.wake.take()
            };
            if let Some(f) = wake {
                let _ = f.call0(&JsValue::UNDEFINED);
            }
        };
        let st = state.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
            match job::decode::<Response>(&bytes) {
                Ok(Response::PartProgress { done }) => st.borrow_mut().done = done,
                Ok(Response::Part { result }) => finish(&st, result),
                Ok(Response::Panicked { message }) => finish(&st, Err(JobError::part(message))),
                Err(e) => finish(&st, Err(e)),
                Ok(_) => {}
            }
        });
        let st = state.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            ev.prevent_default();
            finish(&st, Err(JobError::part("the part reader stopped")));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The handlers outlive the helper: an error event can trail its
        // panic report, after it was ended, and must still be handled
        // (prevent_default) or it would count as this worker's crash. A
        // few hundred bytes per large file read.
        on_message.forget();
        on_error.forget();
        Ok(Helper { worker, state })
    }

    /// Asks the helper to read `part` of `blob`.
    fn send(&self, part: &job::PartJob, blob: &Blob) -> Result<(), JsValue> {
        let bytes = job::encode(part).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let msg = js_sys::Object::new();
        js_sys::Reflect::set(&msg, &"part".into(), &js_sys::Uint8Array::from(&bytes[..]))?;
        js_sys::Reflect::set(&msg, &"blob".into(), blob)?;
        self.worker.post_message(&msg)
    }

    /// The part's features, once the helper has sent them; meanwhile
    /// `progress(bytes the helper has read)` every 50 ms. Gives up if the
    /// helper reads nothing for [`HELPER_SILENT_MS`].
    async fn result(&self, progress: impl Fn(f64)) -> Result<job::PartResult, JobError> {
        let (mut last, mut since) = (-1.0, browser::now_ms());
        while self.state.borrow().result.is_none() {
            let done = self.state.borrow().done;
            if done != last {
                (last, since) = (done, browser::now_ms());
            } else if browser::now_ms() - since > HELPER_SILENT_MS {
                return Err(JobError::part("the part reader stopped answering"));
            }
            let state = self.state.clone();
            let p = js_sys::Promise::new(&mut |resolve, _| {
                state.borrow_mut().wake = Some(resolve.clone());
                browser::set_timeout(&resolve, 50);
            });
            let _ = JsFuture::from(p).await;
            progress(self.state.borrow().done);
        }
        self.state.borrow_mut().result.take().unwrap_or_else(|| Err(JobError::part("no result from the part reader")))
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The helper's side of [`read_streamed`]: reads `part` of `blob` and
/// sends its features (or why it could not) to the worker that asked.
async fn read_part(part: job::PartJob, blob: Blob) {
    let result = async {
        let mut reader = job::PartReader::new(&part.spec)?;
        let mut started = false;
        browser::read_range(
            &blob,
            part.start,
            blob.size(),
            |_, bytes| {
                // The part begins after the first line end at or past its start.
                let bytes = if started {
                    bytes
                } else {
                    match bytes.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            started = true;
                            &bytes[i + 1..]
                        }
                        None => return Ok(browser::Flow::More),
                    }
                };
                reader.feed(bytes)?;
                Ok(browser::Flow::More)
            },
            |done| post_to_page(Response::PartProgress { done: done - part.start }),
        )
        .await
        .map_err(JobError::part)?;
        reader.finish().map_err(JobError::part)
    }
    .await;
    post_to_page(Response::Part { result });
}

/// Reads the whole of `blob` into a table, reporting [`Stage::Read`] progress.
async fn read_whole(req: &Request, blob: &Blob, post: &dyn Fn(Response)) -> Result<(Dialect, Table), IngestError> {
    let (job, total) = (req.job, blob.size());
    let progress = |done| post(Response::Progress { job, stage: Stage::Read, step: String::new(), done, total });
    progress(0.0);
    let reader = TableReader::new().ragged(req.ragged).size_hint(total as u64);
    browser::read_table(blob, reader, progress).await
}

/// The analysis stage of a job on `ft`, reported through `post`.
fn analyse_features(
    req: &Request,
    mapping: Mapping,
    ft: Arc<FeatureTable>,
    features_ms: f64,
    how: FeatureSource,
    post: &dyn Fn(Response),
) {
    let job = req.job;
    let progress =
        &mut |stage, step: &str, done, total| post(Response::Progress { job, stage, step: step.into(), done, total });
    let response = match job::segment_features(ft, req, &now_ms, progress) {
        Ok(mut outcome) => {
            outcome.features_ms = features_ms;
            outcome.features_from = how;
            outcome.memory_bytes = wasm_memory_bytes();
            Response::Done { job, mapping, outcome: Box::new(outcome) }
        }
        Err(message) => Response::Failed { job, mapping: Some(mapping), message },
    };
    post(response);
}

/// Current size of this instance's wasm memory, bytes.
fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| m.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64)
        .unwrap_or(0.0)
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends a response to the page. It is encoded straight into a JS
/// `Uint8Array` of its exact size (see [`JsBytes`]), which is transferred,
/// not copied: a result (130 MB for 1M accounts x 12 features) never
/// takes room in the worker's wasm memory, which would keep it for good.
fn post_to_page(r: Response) {
    // A large result goes in parts, so that the page decodes it in short tasks.
    let (first, rest) = job::split_result(r, job::ROWS_PER_MESSAGE);
    post_one(first);
    rest.for_each(post_one);
}

/// Encodes and transfers one message (see [`post_to_page`]).
fn post_one(r: Response) {
    let encoded = job::encoded_size(&r)
        .and_then(|size| postcard::serialize_with_flavor(&r, JsBytes::new(size)).map_err(job::encode_error));
    let arr = match encoded {
        Ok(a) => a,
        Err(e) => {
            let message = e.to_string();
            js_sys::Uint8Array::from(&job::encode(&Response::Panicked { message }).unwrap_or_default()[..])
        }
    };
    let _ = scope().post_message_with_transfer(&arr, &js_sys::Array::of1(&arr.buffer()));
}

/// A postcard output that fills a JS `Uint8Array` of a known size through a
/// 64 kB buffer in wasm memory.
struct JsBytes {
    arr: js_sys::Uint8Array,
    at: u32,
    buf: Vec<u8>,
}

impl JsBytes {
    const FLUSH: usize = 64 << 10;

    fn new(size: usize) -> Self {
        JsBytes { arr: js_sys::Uint8Array::new_with_length(size as u32), at: 0, buf: Vec::with_capacity(Self::FLUSH) }
    }

    fn flush(&mut self) -> postcard::Result<()> {
        let end = self.at as usize + self.buf.len();
        if end > self.arr.length() as usize {
            return Err(postcard::Error::SerializeBufferFull);
        }
        self.arr.subarray(self.at, end as u32).copy_from(&self.buf);
        self.at = end as u32;
        self.buf.clear();
        Ok(())
    }
}

impl postcard::ser_flavors::Flavor for JsBytes {
    type Output = js_sys::Uint8Array;

    fn try_push(&mut self, b: u8) -> postcard::Result<()> {
        self.buf.push(b);
        if self.buf.len() >= Self::FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    fn try_extend(&mut self, b: &[u8]) -> postcard::Result<()> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= Self::FLUSH {
            self.flush()?;
        }
        Ok(())
    }

    fn finalize(mut self) -> postcard::Result<Self::Output> {
        self.flush()?;
        Ok(self.arr.subarray(0, self.at))
    }
}

/// The worker's entry point: answers each job the page sends. A panic is
/// reported to the page before the worker traps.
pub fn serve() {
    std::panic::set_hook(Box::new(|info| post_to_page(Response::Panicked { message: info.to_string() })));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| {
        let data = ev.data();
        let field = |k: &str| js_sys::Reflect::get(&data, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let blob = field("blob").dyn_into::<Blob>().ok();
        // A part of a file to read for the worker that started this one.
        let part = field("part");
        if !part.is_undefined() {
            let bytes = js_sys::Uint8Array::new(&part).to_vec();
            match (job::decode::<job::PartJob>(&bytes), blob) {
                (Ok(p), Some(blob)) => spawn_local(read_part(p, blob)),
                (Err(message), _) => post_to_page(Response::Part { result: Err(message) }),
                (_, None) => post_to_page(Response::Part { result: Err(JobError::part("no file")) }),
            }
            return;
        }
        let bytes = js_sys::Uint8Array::new(&field("req")).to_vec();
        match job::decode::<Request>(&bytes) {
            Ok(req) => spawn_local(handle(req, blob, Rc::new(post_to_page))),
            Err(e) => post_to_page(Response::Panicked { message: e.to_string() }),
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post_to_page(Response::Ready);
}

// ------------------------------------------------------------------ page side

/// How to start a worker: the blob URL of glue + bootstrap, and the module.
struct Source {
    url: String,
    module: JsValue,
}

/// The page's side: at most one worker, replaced after a crash or Cancel.
#[derive(Default)]
struct Host {
    /// How to start workers, once the first one has said it is ready.
    source: Option<Source>,
    /// Prepared before the policy lock, not yet proven to start.
    untested: Option<Source>,
    /// The current worker and its serial number: events of an older worker
    /// (an error event that trails its panic report) are ignored.
    worker: Option<(u64, Worker)>,
    serial: u64,
    /// A job was sent and has not finished.
    busy: bool,
    listener: Option<Rc<dyn Fn(Response)>>,
    /// Resolves [`prepare`]'s wait for the first worker's `Ready` (true) or error (false).
    on_ready: Option<js_sys::Function>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::new(Host::default());
    /// Puts results sent in parts ([`job::split_result`]) together again.
    static ASSEMBLER: RefCell<job::Assembler> = RefCell::new(job::Assembler::default());
}

/// The wasm-bindgen glue's source text: the single-file build's inline copy
/// (`<script type="text/plain" id="segscope-glue">`), or fetched from the
/// `modulepreload` link Trunk wrote, checked against its integrity hash.
async fn glue_text() -> Result<String, String> {
    let err = |e: JsValue| format!("{e:?}");
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    if let Some(el) = doc.get_element_by_id("segscope-glue") {
        return el.text_content().ok_or_else(|| "empty inline glue".to_string());
    }
    let link: web_sys::HtmlLinkElement = doc
        .query_selector("link[rel=modulepreload]")
        .map_err(err)?
        .ok_or("no modulepreload link in the page")?
        .unchecked_into();
    let init = web_sys::RequestInit::new();
    if !link.integrity().is_empty() {
        init.set_integrity(&link.integrity());
    }
    let window = web_sys::window().ok_or("no window")?;
    let resp: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&link.href(), &init)).await.map_err(err)?.unchecked_into();
    if !resp.ok() {
        return Err(format!("the app's script answered HTTP {}", resp.status()));
    }
    let text = JsFuture::from(resp.text().map_err(err)?).await.map_err(err)?;
    text.as_string().ok_or_else(|| "the app's script is not text".to_string())
}

/// How long [`prepare`] waits for the first worker to say it is ready.
const READY_TIMEOUT_MS: i32 = 10_000;

/// Builds the worker's script; call before the CSP is locked (it may fetch
/// the glue). Then lock, then [`start`]: a worker inherits the policies in
/// force when it is created, and must get the locked one.
///
/// Errors: the glue could not be had or rewritten (jobs then run on the page's thread).
pub async fn prepare() -> Result<(), String> {
    let script = classic_script(&glue_text().await?)?;
    let blob = browser::text_blob(&script, "text/javascript").map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    HOST.with_borrow_mut(|h| h.untested = Some(Source { url, module: wasm_bindgen::module() }));
    Ok(())
}

/// Starts the first worker from what [`prepare`] built and waits (at most
/// [`READY_TIMEOUT_MS`]) for it to say it is ready; call after the CSP lock.
///
/// Errors: nothing prepared, or a worker that failed to start or did not
/// answer in time: jobs then run on the page's thread.
pub async fn start() -> Result<(), String> {
    let source = HOST.with_borrow_mut(|h| h.untested.take()).ok_or("no worker script was prepared")?;
    let ready = js_sys::Promise::new(&mut |resolve, _| {
        let timeout = resolve.clone();
        HOST.with_borrow_mut(|h| h.on_ready = Some(resolve));
        let give_up = Closure::once_into_js(move || {
            let _ = timeout.call1(&JsValue::NULL, &JsValue::FALSE);
        });
        browser::set_timeout(give_up.unchecked_ref(), READY_TIMEOUT_MS);
    });
    let serial = HOST.with_borrow_mut(|h| {
        h.serial += 1;
        h.serial
    });
    let w = spawn_worker(&source, serial).map_err(|e| format!("{e:?}"))?;
    HOST.with_borrow_mut(|h| h.worker = Some((serial, w)));
    let answer = JsFuture::from(ready).await.unwrap_or(JsValue::FALSE);
    HOST.with_borrow_mut(|h| {
        h.on_ready = None;
        if answer.as_bool() == Some(true) {
            h.source = Some(source);
            Ok(())
        } else {
            if let Some((_, w)) = h.worker.take() {
                w.terminate();
            }
            Err("the analysis worker did not start".to_string())
        }
    })
}

/// Starts worker number `serial` and sends it the module. Borrows nothing
/// (callers hold `HOST` while they call it).
fn spawn_worker(src: &Source, serial: u64) -> Result<Worker, JsValue> {
    let opts = web_sys::WorkerOptions::new();
    opts.set_name("segscope analysis");
    let w = Worker::new_with_options(&src.url, &opts)?;
    w.post_message(&src.module)?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let bytes = js_sys::Uint8Array::new(&ev.data()).to_vec();
        let r = job::decode::<Response>(&bytes).unwrap_or_else(|e| Response::Panicked { message: e.to_string() });
        // A result sent in parts is passed on once its last part has come.
        if let Some(r) = ASSEMBLER.with_borrow_mut(|a| a.push(r)) {
            deliver(serial, r);
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        ev.prevent_default();
        // An ErrorEvent for an uncaught error (a trap after a panic, out of
        // memory); a plain Event if the worker's script did not start.
        let message = js_sys::Reflect::get(&ev, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "the analysis worker could not start".into());
        deliver(serial, Response::Panicked { message });
    });
    w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the page: a few hundred bytes per worker started.
    on_message.forget();
    on_error.forget();
    Ok(w)
}

/// Passes a response of worker `serial` to the listener, unless that worker
/// has been replaced. A crash or a finished job frees the worker.
fn deliver(serial: u64, r: Response) {
    let listener = HOST.with_borrow_mut(|h| {
        if h.worker.as_ref().map(|(s, _)| *s) != Some(serial) {
            return None; // a terminated worker's late event
        }
        match &r {
            Response::Ready => {
                if let Some(f) = h.on_ready.take() {
                    let _ = f.call1(&JsValue::NULL, &JsValue::TRUE);
                }
                return None;
            }
            Response::Panicked { .. } => {
                if let Some(f) = h.on_ready.take() {
                    let _ = f.call1(&JsValue::NULL, &JsValue::FALSE);
                }
                if let Some((_, w)) = h.worker.take() {
                    w.terminate();
                }
                h.busy = false;
                drop_partial_result();
            }
            Response::Done { .. } | Response::Failed { .. } => h.busy = false,
            _ => {}
        }
        h.listener.clone()
    });
    if let Some(f) = listener {
        f(r);
    }
}

/// Sets the function that receives every response.
pub fn listen(f: impl Fn(Response) + 'static) {
    HOST.with_borrow_mut(|h| h.listener = Some(Rc::new(f)));
}

/// Starts a job. A job still running is abandoned (its worker is stopped),
/// since the page would discard its result anyway.
pub fn submit(req: Request, blob: &Blob) {
    let sent = HOST.with_borrow_mut(|h| -> Result<bool, JsValue> {
        let Some(src) = &h.source else { return Ok(false) };
        if h.busy {
            if let Some((_, w)) = h.worker.take() {
                w.terminate();
            }
            drop_partial_result();
        }
        let (serial, w) = match h.worker.take() {
            Some(w) => w,
            None => {
                h.serial += 1;
                (h.serial, spawn_worker(src, h.serial)?)
            }
        };
        let post = || -> Result<(), JsValue> {
            let msg = js_sys::Object::new();
            let bytes = job::encode(&req).map_err(|e| JsValue::from_str(&e.to_string()))?;
            js_sys::Reflect::set(&msg, &"req".into(), &js_sys::Uint8Array::from(&bytes[..]))?;
            js_sys::Reflect::set(&msg, &"blob".into(), blob)?;
            w.post_message(&msg)
        };
        if let Err(e) = post() {
            w.terminate();
            return Err(e);
        }
        h.worker = Some((serial, w));
        h.busy = true;
        Ok(true)
    });
    let listener = HOST.with_borrow(|h| h.listener.clone());
    match sent {
        Ok(true) => {}
        Ok(false) => {
            // No worker in this browser: run here (no Cancel, and a crash stops the page).
            let post: Rc<dyn Fn(Response)> = Rc::new(move |r| {
                if let Some(f) = &listener {
                    f(r)
                }
            });
            let blob = blob.clone();
            spawn_local(async move {
                // Let the page paint its progress bar first.
                browser::yield_now().await;
                handle(req, Some(blob), post).await
            });
        }
        Err(e) => {
            // Straight to the page: no worker is left whose events could report it.
            if let Some(f) = listener {
                f(Response::Panicked { message: format!("could not start the analysis worker: {e:?}") });
            }
        }
    }
}

/// Stops the running job, if any: its worker is terminated at once and the
/// next job starts a fresh one. Returns whether a job was stopped.
pub fn cancel() -> bool {
    HOST.with_borrow_mut(|h| {
        if !h.busy {
            return false;
        }
        h.busy = false;
        if let Some((_, w)) = h.worker.take() {
            w.terminate();
        }
        drop_partial_result();
        true
    })
}

/// Forgets the parts of a result received from a worker that is being
/// stopped: the rest will never come (up to 130 MB for a million accounts).
fn drop_partial_result() {
    ASSEMBLER.with_borrow_mut(|a| *a = job::Assembler::default());
}

/// Whether jobs run in a worker (false: on the page's thread, without Cancel).
pub fn available() -> bool {
    HOST.with_borrow(|h| h.source.is_some())
}
