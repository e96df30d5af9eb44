//! Native single-thread k-means timings, printed as JSON lines (not a timed
//! test). Run through `scripts/bench-kmeans.sh`, which feeds the same data
//! files to scikit-learn in the same run and prints the comparison.
//!
//! Data: `n x 12` rows from 6 overlapping Gaussian blobs (unit variance,
//! centres uniform in [-1.5, 1.5]^12), ChaCha8 seed 7, written as little-endian f64 to
//! `target/bench-data/blobs_<n>.f64` so Python reads the identical numbers.
//! Fits (k = 6; best wall-clock time of several repeats):
//! - `lloyd_fixed`: Lloyd for exactly 20 iterations (`tol = 0`) from the
//!   first 6 rows as centres, the same start for both implementations: the
//!   cost of one Lloyd iteration;
//! - `lloyd`, `elkan`: a whole fit, k-means++ (`n_init = 1`, seed 0),
//!   `tol = 1e-4`, `max_iter = 300`; iteration counts differ with the init;
//! - `minibatch`: mini-batch k-means, batch 1024, defaults.

use segscope::analysis::{KMeans, KMeansAlgorithm, MiniBatchKMeans};
use segscope::sample::gaussian_blobs;
use std::io::Write;
use std::time::Instant;

const D: usize = 12;
const K: usize = 6;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("target/bench-data");
    let sizes: Vec<usize> = std::env::var("SEGSCOPE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    for n in sizes {
        let x = gaussian_blobs(n, D, K, 7);
        let path = dir.join(format!("blobs_{n}.f64"));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("data file"));
        for v in x.iter() {
            f.write_all(&v.to_le_bytes()).expect("write");
        }
        drop(f);
        let repeats = if n >= 1_000_000 { 3 } else { 5 };
        let run = |name: &str, fit: &dyn Fn() -> (f64, usize)| {
            let mut best = (f64::INFINITY, 0, 0.0);
            for _ in 0..repeats {
                let t = Instant::now();
                let (inertia, iters) = fit();
                let s = t.elapsed().as_secs_f64();
                if s < best.0 {
                    best = (s, iters, inertia);
                }
            }
            println!(
                "{{\"impl\":\"segscope\",\"algorithm\":\"{name}\",\"n\":{n},\"d\":{D},\"k\":{K},\"seconds\":{:.6},\"n_iter\":{},\"ms_per_iter\":{:.3},\"inertia\":{:.6}}}",
                best.0,
                best.1,
                best.0 * 1e3 / best.1.max(1) as f64,
                best.2
            );
        };
        let first = x.slice(ndarray::s![0..K, ..]).to_owned();
        run("lloyd_fixed", &|| {
            let f = KMeans { max_iter: 20, tol: 0.0, ..KMeans::new(K) }.fit_from(x.view(), first.view()).expect("fit");
            (f.inertia, f.n_iter)
        });
        for (name, algo) in [("lloyd", KMeansAlgorithm::Lloyd), ("elkan", KMeansAlgorithm::Elkan)] {
            run(name, &|| {
                let f = KMeans::new(K).n_init(1).seed(0).algorithm(algo).fit(x.view()).expect("fit");
                (f.inertia, f.n_iter)
            });
        }
        run("minibatch", &|| {
            let f = MiniBatchKMeans::new(K).fit(x.view()).expect("fit");
            (f.inertia, f.n_iter)
        });
    }
}
