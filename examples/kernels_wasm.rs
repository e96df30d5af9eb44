//! The k-means kernel as a bare WebAssembly module, for the browser
//! benchmark (`scripts/bench-kmeans.sh`) and the e2e check that SIMD128 and
//! the scalar fallback give the same bits (`tests/e2e/app.test.mjs`).
//!
//! Build: `cargo build --release --example kernels_wasm --target wasm32-unknown-unknown`
//! (SIMD128 is on for wasm in `.cargo/config.toml`). The page instantiates
//! `target/wasm32-unknown-unknown/release/examples/kernels_wasm.wasm` with
//! stub imports and times the exports with `performance.now()`:
//! - `setup(n, d, k, seed)`: `n x d` Gaussian blobs ([`gaussian_blobs`]),
//!   packed; the first `k` rows are the starting centres;
//! - `lloyd_simd(iters)` / `lloyd_scalar(iters)`: that many Lloyd iterations
//!   (assignment and sums in one pass, then the centre means) on SIMD128
//!   lanes / on the scalar fallback, from the same start; returns the
//!   inertia of the last assignment (computed in f32, summed in f64);
//! - `mismatches()`: after two assignment steps (from the start, then from
//!   the start scaled by 0.9) with each lane type, the number of rows whose
//!   label or distance bits differ, plus 1 if the sums or counts differ (0 expected).

use segscope::analysis::lanes::{F32x4, LloydState, PackedRows, Scalar4};
use segscope::sample::gaussian_blobs;
use std::sync::Mutex;

struct State {
    x: PackedRows,
    start: Vec<f64>,
    d: usize,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Generates and packs the data; see the module docs.
#[no_mangle]
pub extern "C" fn setup(n: u32, d: u32, k: u32, seed: u32) {
    let (n, d, k) = (n.max(1) as usize, d.max(1) as usize, k.max(1) as usize);
    let rows = gaussian_blobs(n, d, k, seed as u64).into_raw_vec_and_offset().0;
    let start = rows[..k.min(n) * d].to_vec();
    *STATE.lock().unwrap_or_else(|e| e.into_inner()) = Some(State { x: PackedRows::pack(&rows, d), start, d });
}

fn lloyd<V: F32x4>(iters: u32) -> f64 {
    let guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(s) = guard.as_ref() else { return f64::NAN };
    let mut centers = s.start.clone();
    let mut state = LloydState::new(&s.x, centers.len() / s.d);
    for _ in 0..iters {
        state.step::<V>(&s.x, &centers);
        for (c, &m) in state.counts.iter().enumerate().filter(|(_, &m)| m > 0) {
            for j in 0..s.d {
                centers[c * s.d + j] = state.sums[c * s.d + j] / m as f64;
            }
        }
    }
    state.distances().iter().sum()
}

/// Lloyd iterations on this build's SIMD128 lanes.
#[no_mangle]
pub extern "C" fn lloyd_simd(iters: u32) -> f64 {
    lloyd::<segscope::analysis::lanes::Lanes>(iters)
}

/// Lloyd iterations on the scalar fallback.
#[no_mangle]
pub extern "C" fn lloyd_scalar(iters: u32) -> f64 {
    lloyd::<Scalar4>(iters)
}

/// Rows whose label or distance differs between the two lane types.
#[no_mangle]
pub extern "C" fn mismatches() -> u32 {
    let guard = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(s) = guard.as_ref() else { return u32::MAX };
    let k = s.start.len() / s.d;
    let (mut a, mut b) = (LloydState::new(&s.x, k), LloydState::new(&s.x, k));
    // Two steps: the first assigns every row, the second moves some.
    let shifted: Vec<f64> = s.start.iter().map(|v| v * 0.9).collect();
    for centers in [&s.start, &shifted] {
        a.step::<segscope::analysis::lanes::Lanes>(&s.x, centers);
        b.step::<Scalar4>(&s.x, centers);
    }
    let (da, db) = (a.distances(), b.distances());
    let differ = a.labels().into_iter().zip(b.labels()).zip(da.iter().zip(&db));
    differ.filter(|((la, lb), (da, db))| la != lb || da.to_bits() != db.to_bits()).count() as u32
        + (a.sums != b.sums || a.counts != b.counts) as u32
}

/// Whether this build has SIMD128 lanes (1) or only the fallback (0).
#[no_mangle]
pub extern "C" fn simd128() -> u32 {
    cfg!(all(target_arch = "wasm32", target_feature = "simd128")) as u32
}
