//! Fuzz ingest, feature extraction and segmentation with mutated hostile files.
//!
//! `cargo run --profile fuzz --example fuzz -- [seconds] [seed]` (defaults:
//! 600 s, seed 1). Prints executions, throughput and crashes; crashing inputs
//! are written to `target/fuzz-crashes/` and the exit code is 1.

#[path = "../tests/fuzz/harness.rs"]
mod harness;

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(600);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    println!("fuzzing for {seconds} s, seed {seed}, corpus tests/fuzz/corpus ({} files)", harness::corpus().len());
    let r = harness::fuzz(seed, std::time::Duration::from_secs(seconds), u64::MAX);
    println!(
        "{} executions in {:.0} s ({:.0}/s): {} parsed, {} segmented, {} open quotes, {} gzip bombs stopped, {} crashes",
        r.executions,
        r.elapsed.as_secs_f64(),
        r.executions as f64 / r.elapsed.as_secs_f64(),
        r.parsed,
        r.segmented,
        r.open_quote,
        r.unpacks_too_large,
        r.crashes.len()
    );
    for c in &r.crashes {
        println!("crash: {}", c.display());
    }
    std::process::exit(if r.crashes.is_empty() { 0 } else { 1 });
}
