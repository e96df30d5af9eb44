//! A short fuzzing run in the test suite (the long one is `examples/fuzz.rs`):
//! 3,000 mutated hostile inputs through ingest, features and segmentation, no panic.

#[path = "fuzz/harness.rs"]
mod harness;

#[test]
fn no_input_of_a_short_fuzzing_run_panics() {
    let r = harness::fuzz(7, std::time::Duration::from_secs(120), 3_000);
    println!(
        "{} executions in {:.1} s: {} parsed, {} segmented, {} open quotes, {} gzip bombs stopped, {} crashes",
        r.executions,
        r.elapsed.as_secs_f64(),
        r.parsed,
        r.segmented,
        r.open_quote,
        r.unpacks_too_large,
        r.crashes.len()
    );
    assert!(r.crashes.is_empty(), "crashing inputs: {:?}", r.crashes);
    assert!(r.parsed > r.executions / 4, "the corpus mostly parses, so later stages are reached");
    assert!(r.segmented > 0, "some inputs reach segmentation");
    assert!(r.open_quote > 0, "the unclosed-quote mutation reaches IngestError::OpenQuote");
    assert!(r.unpacks_too_large > 0, "the gzip bomb reaches IngestError::UnpacksTooLarge");
}
