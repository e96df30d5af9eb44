//! Peak heap of each stage of a job, natively, for one file: what the
//! worker holds while reading, computing features, segmenting and encoding
//! the result for the page. Counts every allocation through a wrapping
//! global allocator. Native `usize` is 8 bytes where wasm32's is 4, so
//! tables of offsets weigh more here than in the browser.
//!
//! Usage: `cargo run --release --example memory_profile -- FILE [k]`

use segscope::features::extract;
use segscope::ingest::TableReader;
use segscope::job::{self, Outcome, Request, Settings, Streamed, Streaming};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = NOW.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        // A move holds both blocks for a moment: count the new one first.
        let now = NOW.fetch_add(new, Relaxed) + new;
        PEAK.fetch_max(now, Relaxed);
        NOW.fetch_sub(l.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mb(b: usize) -> String {
    format!("{:.0} MB", b as f64 / 1e6)
}

thread_local! {
    static LAST: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
}

/// Prints the stage's peak and what is held after it, and its wall time
/// (natively, with the counting allocator: a rough guide, not a benchmark).
fn stage(name: &str) {
    let now = std::time::Instant::now();
    let ms = LAST.replace(Some(now)).map_or(0.0, |t| (now - t).as_secs_f64() * 1e3);
    println!("{name:<28} peak {:>8}   held after {:>8}   {ms:>6.0} ms", mb(PEAK.load(Relaxed)), mb(NOW.load(Relaxed)));
    PEAK.store(NOW.load(Relaxed), Relaxed);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: memory_profile FILE [k]")?;
    let k = args.get(2).map(|s| s.parse()).transpose()?;
    let bytes = std::fs::read(path)?;
    println!("{path}: {}", mb(bytes.len()));
    stage("file bytes (not in wasm)");
    let req = Request {
        job: 1,
        file: 1,
        name: path.clone(),
        ragged: Default::default(),
        quoting: Default::default(),
        sheet: None,
        mapping: None,
        edits: vec![],
        settings: Settings { k, ..Default::default() },
        crash_test: false,
        model: None,
    };
    // As the worker reads: a file over job::STREAM_ABOVE, or any Parquet file, is streamed,
    // features computed as it is parsed.
    let parquet = segscope::ingest::parquet::looks_like_parquet(&bytes);
    let streamed = if bytes.len() as u64 > job::STREAM_ABOVE || parquet {
        let mut s = Streaming::new(&req, bytes.len() as u64, job::HEAD_ROWS);
        for chunk in bytes.chunks(4 << 20) {
            s.feed(chunk)?;
        }
        drop(bytes);
        s.finish()?
    } else {
        let mut reader = TableReader::new().size_hint(bytes.len() as u64);
        for chunk in bytes.chunks(4 << 20) {
            reader.feed(chunk)?;
        }
        drop(bytes);
        let (dialect, table) = reader.finish()?;
        Streamed::Table { dialect, table }
    };
    let (m, ft) = match streamed {
        Streamed::Features { mapping, ft, .. } => {
            stage("read and features (streamed)");
            (mapping, ft?)
        }
        Streamed::Table { table, .. } => {
            stage("read: table");
            let m = job::mapping_for(&req, &table);
            let ft = extract(&table, &m)?;
            stage("features");
            // As the worker does with a large table once its features exist.
            if table.heap_bytes() > job::KEEP_TABLE_UP_TO {
                drop(table);
                stage("table dropped");
            }
            (m, ft)
        }
        Streamed::ReadAgain { why } => return Err(format!("the stream needs a second, whole read: {why}").into()),
    };
    println!("  feature matrix: {} x {} = {}", ft.ids.len(), ft.defs.len(), mb(ft.values.len() * 8));
    let opts = req.settings.options(&ft);
    // Each analysis step's peak, printed as the next one starts.
    let mut prev: Option<String> = None;
    let mut step = |next: &str| {
        if let Some(p) = prev.replace(next.to_string()) {
            stage(&format!("  {p}"));
        }
    };
    let seg = segscope::analysis::segment_timed(&ft, &opts, &|| 0.0, &mut step)?;
    stage("  profiles and anomalies");
    let out = Outcome {
        ft: std::sync::Arc::new(ft),
        seg,
        features_ms: 0.0,
        features_from: job::FeatureSource::Computed,
        analysis_ms: 0.0,
        memory_bytes: 0.0,
        rows_to_come: 0,
    };
    let msg = job::encode(&job::Response::Done { job: 1, mapping: m, outcome: Box::new(out) })?;
    println!("  message to the page: {}", mb(msg.len()));
    stage("encode result");
    let t = std::time::Instant::now();
    let back: job::Response = job::decode(&msg)?;
    println!("  decoding it (the page's work): {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    if let job::Response::Done { outcome, .. } = &back {
        let t = std::time::Instant::now();
        let ft = job::encode(&outcome.ft)?;
        let _: segscope::features::FeatureTable = job::decode(&ft)?;
        let seg = job::encode(&outcome.seg)?;
        let t2 = std::time::Instant::now();
        let _: segscope::analysis::Segmentation = job::decode(&seg)?;
        println!(
            "  of which features {} ({:.0} ms to encode and decode), segmentation {} ({:.0} ms to decode)",
            mb(ft.len()),
            (t2 - t).as_secs_f64() * 1e3,
            mb(seg.len()),
            t2.elapsed().as_secs_f64() * 1e3
        );
    }
    drop(back);
    stage("decode result");
    Ok(())
}
