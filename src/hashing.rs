//! Seeds for the hash maps and sets keyed by file data (account ids,
//! instrument names, order ids, header names, cell values).
//!
//! A file is untrusted input: if the hash function were predictable, a file
//! could be built whose keys all collide, turning every lookup into a scan of
//! one bucket (seconds into hours). foldhash's own `RandomState` seeds itself
//! from addresses and a counter, which in wasm32 are the same on every run, and
//! std's `RandomState` has fixed keys there. So every such map here takes a
//! [`State`] built by [`state`], whose seeds come from the platform's secure
//! random source through the `getrandom` crate: `crypto.getRandomValues` in the
//! browser (the page and its Web Workers alike), the OS natively.
//!
//! Results never depend on the seed: no map here is iterated in a way that
//! reaches an output (the interner orders strings by their dense ids, the
//! others are only looked up). The test
//! `two_seeds_give_the_same_features_and_segments` runs a whole
//! extract-and-segment under two seeds and compares.
//!
//! If no random source answers (an old browser without Web Crypto, a sandbox
//! without `getrandom`), nothing fails: [`state`] falls back to foldhash's own
//! per-process seeding, the behaviour before this module (predictable in wasm,
//! still correct).

use foldhash::SharedSeed;
use std::sync::OnceLock;

/// The hasher state of every map and set keyed by file data: foldhash's fast
/// hash with a per-map seed and a per-process shared seed.
pub type State = foldhash::fast::SeedableRandomState;

/// A `HashMap` keyed by file data (see the module docs).
pub type HashMap<K, V> = std::collections::HashMap<K, V, State>;

/// A `HashSet` keyed by file data (see the module docs).
pub type HashSet<K> = std::collections::HashSet<K, State>;

/// 64 random bits from the platform's secure source (`crypto.getRandomValues`
/// in the browser, the OS natively), or `None` when it is unavailable.
pub fn draw() -> Option<u64> {
    getrandom::u64().ok()
}

/// The process's shared seed: drawn once, on first use. `None` when no random
/// source answered then (the fallback of [`state`] is used from then on).
fn shared() -> Option<&'static SharedSeed> {
    static SHARED: OnceLock<Option<SharedSeed>> = OnceLock::new();
    SHARED.get_or_init(|| draw().map(SharedSeed::from_u64)).as_ref()
}

/// The seeds of a new map's state: (per-map, shared). A forced seed in
/// tests; else both drawn; `None` when no random source answers (the
/// callers then fall back to foldhash's own seeding, see the module docs).
fn seeds() -> Option<(u64, &'static SharedSeed)> {
    #[cfg(test)]
    if let Some(seed) = tests::FORCED.with(|f| f.get()) {
        return Some((seed, shared().unwrap_or(SharedSeed::global_fixed())));
    }
    Some((draw()?, shared()?))
}

/// A hasher state for one map or set keyed by file data, with a fresh random
/// per-map seed (see the module docs for the source and the fallback).
pub fn state() -> State {
    seeds().map_or_else(State::random, |(per_map, shared)| State::with_seed(per_map, shared))
}

/// A hasher state with the given per-map seed (and the process's shared seed
/// if one was drawn, else foldhash's fixed one): for tests that show results do
/// not depend on the seed.
pub fn with_seed(seed: u64) -> State {
    State::with_seed(seed, shared().unwrap_or(SharedSeed::global_fixed()))
}

/// A [`State`] for a `quality` hasher, for hashing values whose hashes are
/// kept (`job::streaming` keeps 64-bit hashes of ids to check they are unique).
pub fn quality_state() -> foldhash::quality::SeedableRandomState {
    use foldhash::quality::SeedableRandomState as Quality;
    seeds().map_or_else(Quality::random, |(per_map, shared)| Quality::with_seed(per_map, shared))
}

/// Runs `f` with every [`state`] made on this thread seeded with `seed`
/// (tests only: to compare results under two seeds).
#[cfg(test)]
pub(crate) fn with_forced_seed<T>(seed: u64, f: impl FnOnce() -> T) -> T {
    let before = tests::FORCED.with(|c| c.replace(Some(seed)));
    let out = f();
    tests::FORCED.with(|c| c.set(before));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::Cell;
    use std::hash::BuildHasher;

    thread_local! {
        /// The seed [`state`] uses on this thread, if a test forced one.
        pub(crate) static FORCED: Cell<Option<u64>> = const { Cell::new(None) };
    }

    #[test]
    fn two_draws_differ_and_states_hash_differently() {
        let (a, b) = (draw().expect("the OS gives random bits"), draw().unwrap());
        assert_ne!(a, b);
        // Two maps' states hash the same key differently: the per-map seed is fresh.
        let (s, t) = (state(), state());
        assert_ne!(s.hash_one("ACC1"), t.hash_one("ACC1"));
        assert_ne!(with_seed(1).hash_one("ACC1"), with_seed(2).hash_one("ACC1"));
        assert_eq!(with_seed(1).hash_one("ACC1"), with_seed(1).hash_one("ACC1"));
    }

    #[test]
    fn a_forced_seed_applies_inside_only() {
        let inside = with_forced_seed(7, || state().hash_one(42u64));
        assert_eq!(inside, with_seed(7).hash_one(42u64));
        assert_ne!(state().hash_one(42u64), inside);
    }

    #[test]
    fn two_seeds_give_the_same_features_and_segments() {
        use crate::analysis::segmentation::{segment, SegmentOptions};
        use crate::features::extract;
        use crate::ingest::{detect_mapping, parse_bytes};
        let csv = crate::sample::generate(3, 120);
        let run = |seed| {
            with_forced_seed(seed, || {
                let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
                let m = detect_mapping(&t);
                let ft = extract(&t, &m).unwrap();
                let seg = segment(&ft, &SegmentOptions::default()).unwrap();
                (format!("{m:?}"), format!("{:?}", ft.ids), format!("{:?}", ft.values), format!("{seg:?}"))
            })
        };
        let (a, b) = (run(1), run(0x9e37_79b9_7f4a_7c15));
        assert_eq!(a.0, b.0, "mapping");
        assert_eq!(a.1, b.1, "account ids in order");
        assert_eq!(a.2, b.2, "feature values");
        assert_eq!(a.3, b.3, "segmentation");
    }
}
