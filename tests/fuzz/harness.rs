//! Mutation fuzzer for ingest -> features -> segmentation, shared by the
//! `fuzz` example (long runs) and `tests/fuzz_smoke.rs` (a short run in the
//! test suite). Plays cargo-fuzz's role on a stable toolchain: seeded
//! (ChaCha8) byte mutations of the hostile corpus in `tests/fuzz/corpus/`,
//! each input run under `catch_unwind`; a panic anywhere is a crash, saved to
//! `target/fuzz-crashes/`. Two structured mutations besides: a lone `"` at the
//! start of a field after the file's last quote (the rest of the file is then
//! inside a quote: [`IngestError::OpenQuote`]) and a gzip bomb (a few KiB that
//! unpack past a lowered text limit: [`IngestError::UnpacksTooLarge`]).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segscope::analysis::{segment, SegmentOptions};
use segscope::features::extract;
use segscope::ingest::{detect_mapping, IngestError, RaggedRows, TableReader};
use segscope::job::{PartReader, Request, Settings, Streamed, Streaming, PARTS_NOTE};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a run did.
pub struct Report {
    pub executions: u64,
    pub parsed: u64,
    pub segmented: u64,
    /// Inputs stopped by a quote that does not close.
    pub open_quote: u64,
    /// Inputs stopped because their gzip unpacks past the text limit.
    pub unpacks_too_large: u64,
    pub crashes: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// The corpus files, sorted by name.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz/corpus")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).expect("corpus file")))
        .collect();
    files.sort();
    files
}

const INTERESTING: &[u8] = b",;\t|\"'\n\r\0\xff\xfe\xef\xbb\xbf-+.eE0919%:/TZ \x1f\x8b";

fn mutate(rng: &mut ChaCha8Rng, input: &mut Vec<u8>, other: &[u8]) {
    for _ in 0..rng.random_range(1..=8) {
        let len = input.len();
        match rng.random_range(0..8) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                input[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                input[i] = INTERESTING[rng.random_range(0..INTERESTING.len())];
            }
            2 => {
                let i = rng.random_range(0..=len);
                let b = INTERESTING[rng.random_range(0..INTERESTING.len())];
                input.insert(i, b);
            }
            3 if len > 1 => {
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(1..=64)).min(len);
                input.drain(a..b);
            }
            4 if len > 1 => {
                // Duplicate a range (repeated rows, long fields).
                let a = rng.random_range(0..len);
                let b = (a + rng.random_range(1..=256)).min(len);
                let chunk = input[a..b].to_vec();
                let at = rng.random_range(0..=input.len());
                input.splice(at..at, chunk.iter().copied().cycle().take(chunk.len() * rng.random_range(1..=4)));
            }
            5 if !other.is_empty() => {
                // Splice in a piece of another corpus file.
                let a = rng.random_range(0..other.len());
                let b = (a + rng.random_range(1..=128)).min(other.len());
                let at = rng.random_range(0..=input.len());
                input.splice(at..at, other[a..b].iter().copied());
            }
            6 if len > 0 => input.truncate(rng.random_range(0..len)),
            _ => {
                let i = rng.random_range(0..=len);
                let b: u8 = rng.random();
                input.insert(i, b);
            }
        }
    }
}

/// Text limit of the reader for gzip bombs: low, so a bomb of a few KiB
/// passes it without the run allocating much.
const BOMB_LIMIT: u64 = 64 * 1024;

/// Whether `bytes` looks like plain 8-bit text (not gzip, not UTF-16), so a
/// byte can be inserted at a field start without breaking its encoding.
fn plain_text(bytes: &[u8]) -> bool {
    !bytes.starts_with(&[0x1f, 0x8b]) && !bytes.contains(&0)
}

/// Inserts a lone `"` at the start of a field (start of a line after the
/// header, or just after a `,;\t|`) past the file's last quote, so the rest
/// of the file is inside a quote that never closes. False if there is no
/// such place (a gzip or UTF-16 file, a file ending in its header).
fn unclose_a_quote(rng: &mut ChaCha8Rng, input: &mut Vec<u8>) -> bool {
    if !plain_text(input) {
        return false;
    }
    let Some(header_end) = input.iter().position(|&b| b == b'\n') else { return false };
    let from = input.iter().rposition(|&b| b == b'"').map_or(header_end + 1, |q| (q + 1).max(header_end + 1));
    let starts: Vec<usize> =
        (from..input.len()).filter(|&i| matches!(input[i - 1], b'\n' | b'\r' | b',' | b';' | b'\t' | b'|')).collect();
    if starts.is_empty() {
        return false;
    }
    input.insert(starts[rng.random_range(0..starts.len())], b'"');
    true
}

/// A gzip bomb made of `input`'s header and first data line: the line
/// repeated to four times [`BOMB_LIMIT`] of text, packed to a few KiB.
/// `None` for a file that is not plain text or has no data line.
fn gzip_bomb(input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    if !plain_text(input) {
        return None;
    }
    let header_end = input.iter().position(|&b| b == b'\n')? + 1;
    let line_end = input[header_end..].iter().position(|&b| b == b'\n').map(|i| header_end + i + 1)?;
    let line = &input[header_end..line_end];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&input[..header_end]).ok()?;
    for _ in 0..(4 * BOMB_LIMIT as usize).div_ceil(line.len()) {
        gz.write_all(line).ok()?;
    }
    gz.finish().ok()
}

/// What [`run_one`] reached.
#[derive(Default)]
struct Ran {
    parsed: bool,
    segmented: bool,
    open_quote: bool,
    unpacks_too_large: bool,
}

/// Runs the whole pipeline on one input, as the browser would (chunked reads,
/// ragged rows skipped or rejected), with a text limit of `limit` bytes (0:
/// the reader's own).
fn run_one(input: &[u8], chunk: usize, ragged: RaggedRows, limit: u64) -> Ran {
    let mut r = TableReader::with_limit(limit).ragged(ragged);
    let read = input.chunks(chunk.max(1)).try_for_each(|c| r.feed(c)).and_then(|()| r.finish());
    let table = match read {
        Ok((_, table)) => table,
        Err(e) => {
            return Ran {
                open_quote: matches!(e, IngestError::OpenQuote { .. }),
                unpacks_too_large: matches!(e, IngestError::UnpacksTooLarge { .. }),
                ..Ran::default()
            }
        }
    };
    let mapping = detect_mapping(&table);
    let Ok(ft) = extract(&table, &mapping) else { return Ran { parsed: true, ..Ran::default() } };
    let opts =
        SegmentOptions { k: None, k_max: 4, sample_size: 300, n_init: 2, stability_runs: 2, ..Default::default() };
    Ran { parsed: true, segmented: segment(&ft, &opts).is_ok(), ..Ran::default() }
}

/// Reads `input` whole and in a stream (detection on a 2-row head) and
/// panics if they disagree: a streamed read must fail exactly when the
/// whole read fails, and its features must be those of the whole table under
/// the mapping it used, bit for bit. The input is first repeated past the
/// 64 KiB a reader holds back for dialect detection, so that it streams.
fn check_stream(input: &[u8], chunk: usize, ragged: RaggedRows) {
    let mut bytes = input.to_vec();
    let body = input.iter().position(|&b| b == b'\n').map_or(&input[..0], |i| &input[i + 1..]);
    while !body.is_empty() && bytes.len() < 70_000 {
        bytes.extend_from_slice(body);
    }
    let mut r = TableReader::new().ragged(ragged);
    let whole = bytes.chunks(chunk.max(1)).try_for_each(|c| r.feed(c)).and_then(|()| r.finish());
    let req = Request {
        job: 1,
        file: 1,
        name: "fuzz.csv".into(),
        ragged,
        quoting: Default::default(),
        sheet: None,
        mapping: None,
        edits: vec![],
        settings: Settings::default(),
        crash_test: false,
        model: None,
    };
    let mut s = Streaming::new(&req, bytes.len() as u64, 2);
    let streamed = bytes.chunks(chunk.max(1)).try_for_each(|c| s.feed(c)).and_then(|()| s.finish());
    check_two_parts(input, chunk, &req);
    match (whole, streamed) {
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "the same error"),
        (Ok((_, t)), Ok(Streamed::Features { summary, mapping, ft })) => {
            assert_eq!(summary.n_rows, t.n_rows(), "rows");
            match (extract(&t, &mapping), ft) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((&a.ids, &a.defs, a.rows_used), (&b.ids, &b.defs, b.rows_used));
                    assert!(a.values.iter().zip(b.values.iter()).all(|(x, y)| x.to_bits() == y.to_bits()), "values");
                    assert_eq!((&a.skipped, &a.ignored_cells, &a.notes), (&b.skipped, &b.ignored_cells, &b.notes));
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("whole {:?} vs streamed {:?}", a.is_ok(), b.is_ok()),
            }
        }
        (Ok((_, t)), Ok(Streamed::Table { table, .. })) => assert_eq!(table.n_rows(), t.n_rows(), "rows"),
        (Ok(_), Ok(Streamed::ReadAgain { .. })) => {}
        (a, b) => panic!("whole read ok: {}, streamed read ok: {}", a.is_ok(), b.is_ok()),
    }
}

/// Reads `bytes` as two workers do: a stream up to the first record after
/// the middle, the rest by a [`PartReader`], merged (or, if the merge is
/// refused, the rest fed to the stream). Panics unless the result is a
/// one-stream read's: the same error, or the same features, with sums
/// equal to 1e-9 relative when the parts were merged.
fn check_two_parts(input: &[u8], chunk: usize, req: &Request) {
    // Past twice the 64 KiB held back for dialect detection: the first part then streams.
    let mut bytes = input.to_vec();
    let body = input.iter().position(|&b| b == b'\n').map_or(&input[..0], |i| &input[i + 1..]);
    while !body.is_empty() && bytes.len() < 200_000 {
        bytes.extend_from_slice(body);
    }
    let bytes = &bytes[..];
    let Some(nl) = bytes.iter().position(|&b| b == b'\n') else { return };
    let mid = bytes.len() / 2;
    let Some(split) = bytes[mid..].iter().position(|&b| b == b'\n').map(|i| mid + i + 1) else { return };
    // A longer head than check_stream's: with 2 rows, ids all differ, and a
    // part can only be read where no id must stay unique.
    const HEAD: usize = 64;
    let mut one = Streaming::new(req, bytes.len() as u64, HEAD);
    let streamed = &bytes.chunks(chunk.max(1)).try_for_each(|c| one.feed(c)).and_then(|()| one.finish());
    let mut s = Streaming::new(req, bytes.len() as u64, HEAD);
    let head = bytes[..split].chunks(chunk.max(1)).try_for_each(|c| s.feed(c));
    let merged = head.is_ok()
        && s.part_spec(&bytes[..=nl], req.ragged).is_some_and(|spec| {
            let Ok(mut part) = PartReader::new(&spec) else { return false };
            let read = bytes[split..].chunks(chunk.max(1)).try_for_each(|c| part.feed(c)).and_then(|()| part.finish());
            read.is_ok_and(|p| s.merge_part(p))
        });
    let two = head
        .and_then(|()| if merged { Ok(()) } else { bytes[split..].chunks(chunk.max(1)).try_for_each(|c| s.feed(c)) })
        .and_then(|()| s.finish());
    match (streamed, two) {
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "two parts: the same error"),
        (Ok(Streamed::Features { summary: sa, ft: fa, .. }), Ok(Streamed::Features { summary: sb, ft: fb, .. })) => {
            assert_eq!(sa.n_rows, sb.n_rows, "two parts: rows");
            assert_eq!(sb.source_notes.iter().any(|n| n == PARTS_NOTE), merged, "two parts: the note");
            match (fa, fb) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((&a.ids, &a.defs, a.rows_used), (&b.ids, &b.defs, b.rows_used), "two parts");
                    // Sums of two parts: within 1e-9 of the feature's largest value (a
                    // sum that cancels can differ more than 1e-9 of itself).
                    for (ca, cb) in a.values.columns().into_iter().zip(b.values.columns()) {
                        let scale =
                            ca.iter().chain(cb.iter()).filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs()));
                        let close = |x: &f64, y: &f64| {
                            x.to_bits() == y.to_bits()
                                || (merged && (x - y).abs() <= 1e-9 * scale.max(f64::MIN_POSITIVE))
                        };
                        assert!(ca.iter().zip(cb.iter()).all(|(x, y)| close(x, y)), "two parts: values");
                    }
                    assert_eq!(a.not_computed, b.not_computed, "two parts: not computed");
                    assert_eq!((&a.skipped, &a.ignored_cells, &a.notes), (&b.skipped, &b.ignored_cells, &b.notes));
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("two parts: one stream {:?} vs two parts {:?}", a.is_ok(), b.is_ok()),
            }
        }
        (Ok(Streamed::Table { .. }), Ok(Streamed::Table { .. })) => {}
        (Ok(Streamed::ReadAgain { .. }), Ok(Streamed::ReadAgain { .. })) => {}
        (a, b) => panic!("two parts: one stream ok {}, two parts ok {}", a.is_ok(), b.is_ok()),
    }
}

/// Fuzzes for `duration` or `max_execs` inputs, whichever comes first.
pub fn fuzz(seed: u64, duration: Duration, max_execs: u64) -> Report {
    let corpus = corpus();
    let crash_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = Instant::now();
    let mut report = Report {
        executions: 0,
        parsed: 0,
        segmented: 0,
        open_quote: 0,
        unpacks_too_large: 0,
        crashes: Vec::new(),
        elapsed: Duration::ZERO,
    };
    std::panic::set_hook(Box::new(|_| {})); // panics are counted, not printed per input
    while report.executions < max_execs && start.elapsed() < duration {
        let (_, base) = &corpus[rng.random_range(0..corpus.len())];
        let (_, other) = &corpus[rng.random_range(0..corpus.len())];
        let mut input = base.clone();
        let mut limit = 0;
        // One in eight inputs is a corpus file as it is; one in sixteen has a
        // quote that never closes, one in sixteen is a gzip bomb (read with a
        // lowered limit); the rest are byte mutations. Both fall on inputs that are
        // also read in a stream (below).
        match report.executions % 16 {
            0 | 8 => {}
            4 if unclose_a_quote(&mut rng, &mut input) => {}
            12 if gzip_bomb(base).is_some() => {
                input = gzip_bomb(base).unwrap_or_default();
                limit = BOMB_LIMIT;
            }
            _ => mutate(&mut rng, &mut input, other),
        }
        let chunk = [1, 7, 64, 4096, usize::MAX][rng.random_range(0..5)];
        // One in three inputs rejects files with ragged rows (the rest skip them).
        let ragged = if report.executions % 3 == 2 { RaggedRows::Reject } else { RaggedRows::Skip };
        report.executions += 1;
        // One in four inputs is also read in a stream and compared with the whole read.
        let stream = report.executions % 4 == 1;
        match std::panic::catch_unwind(|| {
            if stream {
                check_stream(&input, chunk.max(1024), ragged);
            }
            run_one(&input, chunk, ragged, limit)
        }) {
            Ok(ran) => {
                report.parsed += ran.parsed as u64;
                report.segmented += ran.segmented as u64;
                report.open_quote += ran.open_quote as u64;
                report.unpacks_too_large += ran.unpacks_too_large as u64;
            }
            Err(_) => {
                std::fs::create_dir_all(&crash_dir).expect("target/fuzz-crashes");
                let path = crash_dir.join(format!("crash-{seed}-{}-chunk{chunk}-{ragged:?}.csv", report.executions));
                std::fs::write(&path, &input).expect("write crash input");
                report.crashes.push(path);
            }
        }
    }
    let _ = std::panic::take_hook();
    report.elapsed = start.elapsed();
    report
}
