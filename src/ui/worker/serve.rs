//! The worker's side: answers each job the page sends ([`serve`]), reading
//! the file (whole, or streamed and, if large, in two parts with a helper
//! worker), computing the features and the analysis, and keeping the last
//! file's table or features for the next job ([`handle`]).

use super::helper::{read_part, Helper};
use super::transport::{post_to_page, scope};
use crate::features::{FeatureError, FeatureTable};
use crate::ingest::{Dialect, IngestError, Mapping, Table, TableReader};
use crate::job::{self, FeatureSource, JobError, Request, Response, Stage, Streamed, TableSummary};
use crate::ui::browser::{self, now_ms};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

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
/// stored, or unpacked for gzip), and any Parquet file, is streamed ([`job::Streaming`],
/// progress as [`Stage::ReadFeatures`]). If the rest of the file contradicts
/// what was detected on its first rows, it is read again whole, with a note
/// saying why; if the mapping needs every row (slash dates), the stream
/// keeps them all and gives the table, as a whole read would. A smaller file
/// is read whole ([`Stage::Read`]).
///
/// Errors: reading's ([`crate::ingest::IngestError`]).
async fn read_file(req: &Request, blob: &Blob, post: &dyn Fn(Response)) -> Result<Read, IngestError> {
    let mut read = read_by_size(req, blob, post).await?;
    match &mut read {
        Read::Table(d, t) => t.source_notes.extend(crate::ingest::content_note(&req.name, *d)),
        Read::Features(s, _, _) => s.source_notes.extend(crate::ingest::content_note(&req.name, s.dialect)),
    }
    Ok(read)
}

/// [`read_file`]'s reading: whole or streamed, by the file's size (and any
/// Parquet file, and a gzip that unpacks to more than the limit, streamed).
async fn read_by_size(req: &Request, blob: &Blob, post: &dyn Fn(Response)) -> Result<Read, IngestError> {
    let (job, total) = (req.job, blob.size());
    // Parquet is compressed: a file well under the size limit can hold a million rows.
    // Its rows are streamed into the features whatever its size (one with no more
    // rows than detection looks at still makes its table).
    let head = browser::read_slice(blob, 0.0, total.min(4.0)).await?;
    let parquet = crate::ingest::parquet::looks_like_parquet(&head);
    // So is gzip: streamed by the size its trailer gives (a 23 MB gzip held 83 MB of CSV
    // and took 340 MB of worker memory read whole, 155 MB streamed).
    let big_gzip = head.starts_with(&[0x1f, 0x8b])
        && crate::ingest::decode::gzip_may_unpack_over(
            total as u64,
            &browser::read_slice(blob, (total - 4.0).max(0.0), total).await?,
            job::STREAM_ABOVE,
        );
    if total <= job::STREAM_ABOVE as f64 && !parquet && !big_gzip {
        return read_whole(req, blob, post).await.map(|(d, t)| Read::Table(d, t));
    }
    let stage = Stage::ReadFeatures;
    let progress = |done| post(Response::Progress { job, stage, step: String::new(), done, total });
    progress(0.0);
    let s = read_streamed(req, blob, &progress).await?;
    // A Parquet file's bytes are held as read (fast); its rows are decoded into the features at the end.
    let mut decoded = |rows: u64, of: u64| {
        let (stage, done, total) = (Stage::Features, rows as f64, of as f64);
        post(Response::Progress { job, stage, step: String::new(), done, total })
    };
    Ok(match s.finish_with_progress(&mut decoded)? {
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
    let parquet = crate::ingest::parquet::looks_like_parquet(&header);
    let helper = if may_split && !header.is_empty() && !parquet { Helper::spawn().ok() } else { None };
    let helper_done = || helper.as_ref().map_or(0.0, |h| h.done());
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

/// Reads the whole of `blob` into a table, reporting [`Stage::Read`] progress.
async fn read_whole(req: &Request, blob: &Blob, post: &dyn Fn(Response)) -> Result<(Dialect, Table), IngestError> {
    let (job, total) = (req.job, blob.size());
    let progress = |done| post(Response::Progress { job, stage: Stage::Read, step: String::new(), done, total });
    progress(0.0);
    let reader =
        TableReader::new().ragged(req.ragged).quoting(req.quoting).sheet(req.sheet.clone()).size_hint(total as u64);
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
    let response = match job::segment_features(ft, &mapping, req, &now_ms, progress) {
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
