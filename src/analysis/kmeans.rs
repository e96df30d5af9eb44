//! k-means (Lloyd's algorithm) with greedy k-means++ initialisation.
//!
//! Follows scikit-learn's `KMeans(algorithm="lloyd")`
//! (`sklearn/cluster/_kmeans.py`, `_kmeans_single_lloyd`):
//! - initialisation: greedy k-means++ (Arthur & Vassilvitskii 2007) with
//!   `2 + floor(ln k)` candidate centres per step, the candidate that most
//!   lowers the potential kept;
//! - stop when labels no longer change ("strict convergence"), or when the
//!   summed squared centre shift is at most `tol x mean feature variance`;
//! - an empty cluster is re-seeded with the point farthest from its centre;
//! - `n_init` runs drawn from one seeded stream, the lowest inertia kept.
//!
//! Lloyd's assignment step runs in f32 on SIMD128 lanes ([`super::lanes`]),
//! on the rows centred on their column means (and scaled by a power of two
//! if they exceed 1e18): a row whose squared distances to its two nearest
//! centres differ by less than about 1e-7 x (|x - mean|^2 + |c - mean|^2)
//! may get the other one. Centres, the inertia and Elkan stay in f64.
//!
//! The random stream is ChaCha8 seeded from `seed`, so a seed gives the same
//! result natively and in WebAssembly (but not numpy's numbers).

use super::lanes::{Lanes, LloydState, PackedRows};
use super::params::{check_tol, ParamError};
use super::AnalysisError;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The mean over columns of each column's population variance, for
/// `rows` (`n x d`, row-major): the scale of k-means' tolerance, as
/// scikit-learn's `_tolerance` (`np.mean(np.var(X, axis=0)) * tol`). Two
/// passes (mean, then squared deviations), as `np.var`; ndarray's
/// `var_axis` uses `mul_add`, which wasm has no instruction for (its
/// software fused multiply-add was slow per 1M-trade job; figures: BENCHMARKS.md).
fn mean_variance(rows: &[f64], d: usize) -> f64 {
    let n = rows.len().checked_div(d).unwrap_or(0);
    if n == 0 {
        return 0.0;
    }
    let mut mean = vec![0.0; d];
    for row in rows.chunks_exact(d) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut var = vec![0.0; d];
    for row in rows.chunks_exact(d) {
        var.iter_mut().zip(row).zip(&mean).for_each(|((s, v), m)| *s += (v - m) * (v - m));
    }
    var.iter().map(|s| s / n as f64).sum::<f64>() / d as f64
}

/// Which k-means iteration to run: the same result in exact arithmetic
/// (Lloyd's assignment runs in f32, Elkan's in f64, so accounts at a near tie
/// between two centres can differ).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KMeansAlgorithm {
    /// Lloyd's algorithm: every distance, every iteration (scikit-learn's default).
    #[default]
    Lloyd,
    /// Elkan's triangle-inequality bounds (see [`elkan`]).
    Elkan,
}

/// k-means parameters (defaults as scikit-learn's, with `n_init = 10`, its
/// value before 1.4; `"auto"` would mean 1 with k-means++).
///
/// Rules ([`KMeans::check`], run first by [`KMeans::fit`]): `n_clusters >= 1`,
/// `n_init >= 1`, `max_iter >= 1`, `tol >= 0` (scikit-learn's
/// `_parameter_constraints`); each broken rule is a [`ParamError`]. `n_init`
/// was clamped to 1 before; 0 is now an error (the app uses 10, 3 and 1).
///
/// Shapes: `fit` takes `x` as `n_samples x n_features`; the model's
/// centroids are `n_clusters x n_features`.
///
/// ```
/// use ndarray::array;
/// use segscope::analysis::KMeans;
///
/// let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]]; // 4 x 2
/// let fitted = KMeans::new(2).n_init(3).seed(7).fit(x.view()).unwrap();
/// assert_eq!(fitted.centroids.dim(), (2, 2));
/// assert_eq!(fitted.labels[0], fitted.labels[1]);
/// assert_ne!(fitted.labels[0], fitted.labels[2]);
/// assert_eq!(fitted.predict(array![[9.0, 9.0]].view()), vec![fitted.labels[2]]);
/// assert!(KMeans::new(2).n_init(0).fit(x.view()).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct KMeans {
    /// Clusters to find (at least 1, at most `n_samples`).
    pub n_clusters: usize,
    /// Restarts from new k-means++ seeds, the lowest inertia kept (at least 1).
    pub n_init: usize,
    /// Lloyd (or Elkan) iterations per restart at most (at least 1).
    pub max_iter: usize,
    /// Relative tolerance on the centre shift (scikit-learn's `tol`; at least 0).
    pub tol: f64,
    /// Seed of the k-means++ draws.
    pub seed: u64,
    pub algorithm: KMeansAlgorithm,
}

impl KMeans {
    /// `n_clusters` clusters, `n_init = 10`, `max_iter = 300`, `tol = 1e-4`, `seed = 0`, Lloyd.
    pub fn new(n_clusters: usize) -> Self {
        KMeans { n_clusters, n_init: 10, max_iter: 300, tol: 1e-4, seed: 0, algorithm: KMeansAlgorithm::Lloyd }
    }
    /// Sets the algorithm.
    pub fn algorithm(mut self, algorithm: KMeansAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the number of restarts (at least 1; 0 fails [`KMeans::check`]).
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// Sets the iterations per restart at most.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Sets the relative tolerance on the centre shift.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Checks the rules of [`KMeans`], in the order listed there.
    ///
    /// Errors: [`ParamError::NClusters`], [`ParamError::NInit`],
    /// [`ParamError::MaxIter`], [`ParamError::Tol`].
    pub fn check(&self) -> Result<(), ParamError> {
        const E: &str = "KMeans";
        if self.n_clusters == 0 {
            return Err(ParamError::NClusters { estimator: E });
        }
        if self.n_init == 0 {
            return Err(ParamError::NInit { estimator: E });
        }
        if self.max_iter == 0 {
            return Err(ParamError::MaxIter { estimator: E });
        }
        check_tol(E, self.tol)
    }
}

/// A fitted k-means model.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedKMeans {
    /// `k x d` cluster centres.
    pub centroids: Array2<f64>,
    /// Cluster of each training sample, `0..k`.
    pub labels: Vec<usize>,
    /// Sum of squared distances of samples to their centre.
    pub inertia: f64,
    /// Lloyd iterations of the kept run.
    pub n_iter: usize,
}

/// Squared Euclidean distance, summed in four lane-wise accumulators: the
/// loop vectorises (two f64x2 lanes under wasm SIMD128, wider natively), and
/// because the order of additions is fixed here, not left to the compiler,
/// the result is the same bits natively and in the browser.
#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| (x - y) * (x - y)).sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

/// Greedy k-means++ seeding: returns `k` rows of `x` as initial centres.
///
/// `rows` is `x` row-major (`n * d` values); `2 + floor(ln k)` candidates are
/// drawn per step with probability proportional to the squared distance to
/// the nearest chosen centre, and the one that most lowers the total is kept.
pub fn kmeans_plusplus(rows: &[f64], d: usize, k: usize, rng: &mut impl Rng) -> Array2<f64> {
    let n = rows.len() / d;
    let row = |i: usize| &rows[i * d..(i + 1) * d];
    let mut centers = Array2::zeros((k, d));
    let first = rng.random_range(0..n);
    centers.row_mut(0).assign(&ndarray::ArrayView1::from(row(first)));
    let mut closest: Vec<f64> = (0..n).map(|i| sq_dist(row(i), row(first))).collect();
    let mut pot: f64 = closest.iter().sum();
    let trials = 2 + (k as f64).ln() as usize;
    let mut cum = vec![0.0; n];
    for c in 1..k {
        let mut acc = 0.0;
        for (s, &v) in cum.iter_mut().zip(&closest) {
            acc += v;
            *s = acc;
        }
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let r = rng.random::<f64>() * pot;
            let cand = cum.partition_point(|&v| v < r).min(n - 1);
            let dists: Vec<f64> = (0..n).map(|i| closest[i].min(sq_dist(row(i), row(cand)))).collect();
            let p: f64 = dists.iter().sum();
            if best.as_ref().is_none_or(|b| p < b.0) {
                best = Some((p, cand, dists));
            }
        }
        let (p, cand, dists) = best.expect("trials >= 2");
        pot = p;
        closest = dists;
        centers.row_mut(c).assign(&ndarray::ArrayView1::from(row(cand)));
    }
    centers
}

/// Assigns each row to its nearest centre; returns (labels, squared distances).
fn assign(rows: &[f64], d: usize, cs: &[f64], labels: &mut [usize], dist: &mut [f64]) {
    let k = cs.len() / d;
    for (i, p) in rows.chunks_exact(d).enumerate() {
        let (mut best, mut bd) = (0, f64::INFINITY);
        for c in 0..k {
            let dd = sq_dist(p, &cs[c * d..(c + 1) * d]);
            if dd < bd {
                bd = dd;
                best = c;
            }
        }
        labels[i] = best;
        dist[i] = bd;
    }
}

impl KMeans {
    /// One run from the given `k x d` initial centres (scikit-learn's
    /// `init=<array>`, `n_init = 1`), for comparisons from a common start.
    ///
    /// Errors: as [`KMeans::fit`], and [`ParamError::InitShape`] if
    /// `init` is not `k x d` (`n_init` is not used).
    pub fn fit_from(&self, x: ArrayView2<f64>, init: ArrayView2<f64>) -> Result<FittedKMeans, AnalysisError> {
        self.check()?;
        check_input(x, self.n_clusters)?;
        if init.dim() != (self.n_clusters, x.ncols()) {
            return Err(ParamError::InitShape { got: init.dim(), expected: (self.n_clusters, x.ncols()) }.into());
        }
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let tol = self.tol * mean_variance(rows, x.ncols());
        let init = init.to_owned();
        Ok(match self.algorithm {
            KMeansAlgorithm::Lloyd => lloyd(rows, &LloydInput::new(rows, x.ncols()), init, self.max_iter, tol),
            KMeansAlgorithm::Elkan => elkan(rows, x.ncols(), init, self.max_iter, tol),
        })
    }

    /// Fits on `x` (`n x d`, finite values).
    ///
    /// Errors: [`AnalysisError::Param`] if [`KMeans::check`] fails;
    /// [`AnalysisError::BadK`] if `k > n`;
    /// [`AnalysisError::NonFinite`] for NaN or infinite input.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedKMeans, AnalysisError> {
        self.check()?;
        let d = x.ncols();
        let k = self.n_clusters;
        check_input(x, k)?;
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let tol = self.tol * mean_variance(rows, d);
        let mut best: Option<FittedKMeans> = None;
        // One stream for all restarts, as scikit-learn draws every init from one random_state.
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut packed = None; // Lloyd's f32 rows, packed once for all restarts
        for _ in 0..self.n_init {
            let init = kmeans_plusplus(rows, d, k, &mut rng);
            let fit = match self.algorithm {
                KMeansAlgorithm::Lloyd => {
                    lloyd(rows, packed.get_or_insert_with(|| LloydInput::new(rows, d)), init, self.max_iter, tol)
                }
                KMeansAlgorithm::Elkan => elkan(rows, d, init, self.max_iter, tol),
            };
            // As scikit-learn: a lower inertia from the same partition (relabelled) does not replace the best.
            if best.as_ref().is_none_or(|b| fit.inertia < b.inertia && !same_clustering(&b.labels, &fit.labels, k)) {
                best = Some(fit);
            }
        }
        Ok(best.expect("n_init >= 1"))
    }
}

/// Whether two labelings are the same partition up to renaming (scikit-learn's `_is_same_clustering`).
fn same_clustering(a: &[usize], b: &[usize], k: usize) -> bool {
    let mut map = vec![usize::MAX; k];
    a.iter().zip(b).all(|(&x, &y)| {
        if map[x] == usize::MAX {
            map[x] = y;
        }
        map[x] == y
    })
}

/// Checks `1 <= k <= n` and that every value of `x` is finite.
///
/// Errors: [`AnalysisError::BadK`], [`AnalysisError::NonFinite`] (with its row and column).
pub fn check_input(x: ArrayView2<f64>, k: usize) -> Result<(), AnalysisError> {
    let (n, d) = x.dim();
    if k == 0 || k > n {
        return Err(AnalysisError::BadK { k, n });
    }
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(AnalysisError::NonFinite { row: i / d.max(1), col: i % d.max(1) }),
        None => Ok(()),
    }
}

/// Mini-batch k-means parameters (Sculley, "Web-scale k-means clustering",
/// WWW 2010), shaped as scikit-learn's `MiniBatchKMeans`:
/// - initialisation: `n_init` greedy k-means++ runs (scikit-learn's default is
///   `"auto"` = 1; we keep 3), each on its own random subset of
///   `init_size = min(3 batch_size, n)` rows (`3k` if that is below `k`), drawn
///   with replacement (all rows when `init_size >= n`), the one with the lowest inertia on a further random
///   subset of that size kept;
/// - steps: `max_iter` passes over the data in batches of `batch_size` rows
///   drawn with replacement; each centre moves to the running mean of every
///   row ever assigned to it (per-centre learning rate `1 / count`);
/// - `max_iter * n / batch_size` batches at most (rounded down); early stop when
///   the exponentially weighted mean of the batch inertia (the first batch
///   ignored) has not improved for `max_no_improvement` batches (scikit-learn's
///   default rule, `tol = 0`);
/// - final labels and inertia from one full assignment pass.
///
/// - random reassignment of rarely chosen centres after every batch, as
///   scikit-learn's `reassignment_ratio = 0.01`.
///
/// Use it above ~100k rows, where Lloyd's full passes cost seconds; its
/// inertia is typically within a few % of Lloyd's.
///
/// Rules ([`MiniBatchKMeans::check`], run first by [`MiniBatchKMeans::fit`]):
/// `n_clusters >= 1`, `batch_size >= 1` (a batch larger than the data is
/// capped at `n_samples`, as scikit-learn does), `max_iter >= 1`, `n_init >= 1`.
/// `max_no_improvement` takes any value (0 stops at the first batch without
/// improvement, as 1 does).
///
/// ```
/// use ndarray::array;
/// use segscope::analysis::MiniBatchKMeans;
///
/// let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]]; // 4 x 2
/// let fitted = MiniBatchKMeans::new(2).batch_size(2).seed(1).fit(x.view()).unwrap();
/// assert_eq!(fitted.centroids.dim(), (2, 2)); // n_clusters x n_features
/// assert_eq!(fitted.labels.len(), 4);
/// assert_eq!(fitted.predict(x.view()), fitted.labels);
/// ```
#[derive(Clone, Debug)]
pub struct MiniBatchKMeans {
    /// Clusters to find (at least 1, at most `n_samples`).
    pub n_clusters: usize,
    /// Rows per batch (at least 1; capped at `n_samples`).
    pub batch_size: usize,
    /// Passes over the data at most (at least 1).
    pub max_iter: usize,
    /// k-means++ initialisations tried (at least 1).
    pub n_init: usize,
    /// Batches without improvement of the smoothed inertia before stopping.
    pub max_no_improvement: usize,
    /// Seed of every random draw.
    pub seed: u64,
}

impl MiniBatchKMeans {
    /// `batch_size = 1024`, `max_iter = 100`, `n_init = 3`, `max_no_improvement = 10`, `seed = 0`.
    pub fn new(n_clusters: usize) -> Self {
        MiniBatchKMeans { n_clusters, batch_size: 1024, max_iter: 100, n_init: 3, max_no_improvement: 10, seed: 0 }
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the rows per batch.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// Sets the passes over the data at most.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Sets the number of initialisations tried.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    /// Sets the batches without improvement before stopping.
    pub fn max_no_improvement(mut self, batches: usize) -> Self {
        self.max_no_improvement = batches;
        self
    }

    /// Checks the rules of [`MiniBatchKMeans`], in the order listed there.
    ///
    /// Errors: [`ParamError::NClusters`], [`ParamError::BatchSize`],
    /// [`ParamError::MaxIter`], [`ParamError::NInit`].
    pub fn check(&self) -> Result<(), ParamError> {
        const E: &str = "MiniBatchKMeans";
        if self.n_clusters == 0 {
            return Err(ParamError::NClusters { estimator: E });
        }
        if self.batch_size == 0 {
            return Err(ParamError::BatchSize);
        }
        if self.max_iter == 0 {
            return Err(ParamError::MaxIter { estimator: E });
        }
        if self.n_init == 0 {
            return Err(ParamError::NInit { estimator: E });
        }
        Ok(())
    }

    /// Fits on `x` (`n x d`, finite values); `n_iter` of the result counts batches.
    ///
    /// Errors: [`AnalysisError::Param`] if [`MiniBatchKMeans::check`] fails;
    /// otherwise as [`KMeans::fit`].
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedKMeans, AnalysisError> {
        self.check()?;
        let (n, d) = x.dim();
        let k = self.n_clusters;
        check_input(x, k)?;
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let row = |i: usize| &rows[i * d..(i + 1) * d];
        let gather = |idx: &[usize]| idx.iter().flat_map(|&i| row(i).iter().copied()).collect::<Vec<f64>>();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let batch = self.batch_size.min(n);
        let init_size = (if 3 * batch < k { 3 * k } else { 3 * batch }).min(n);
        let mut draw = |m: usize| (0..m).map(|_| rng.random_range(0..n)).collect::<Vec<_>>();
        let valid = gather(&draw(init_size));
        // As scikit-learn's `_init_centroids`: a random subset only when it is smaller than the data.
        let subsets: Vec<Vec<usize>> =
            (0..self.n_init).map(|_| if init_size < n { draw(init_size) } else { (0..n).collect() }).collect();
        let mut centers = Vec::new();
        let mut best = f64::INFINITY;
        for idx in &subsets {
            let subset = gather(idx);
            let init = kmeans_plusplus(&subset, d, k, &mut rng).into_raw_vec_and_offset().0;
            let (mut l, mut dd) = (vec![0; init_size], vec![0.0; init_size]);
            assign(&valid, d, &init, &mut l, &mut dd);
            let inertia: f64 = dd.iter().sum();
            if inertia < best {
                best = inertia;
                centers = init;
            }
        }
        let mut counts = vec![0.0f64; k];
        let (mut labels, mut dist) = (vec![0; batch], vec![0.0; batch]);
        let steps = ((self.max_iter * n) / batch).max(1);
        let alpha = (2.0 * batch as f64 / (n as f64 + 1.0)).min(1.0);
        let (mut ewa, mut ewa_min, mut stale, mut done) = (None::<f64>, f64::INFINITY, 0, 0);
        for step in 0..steps {
            done = step + 1;
            let idx: Vec<usize> = (0..batch).map(|_| rng.random_range(0..n)).collect();
            let b = gather(&idx);
            assign(&b, d, &centers, &mut labels, &mut dist);
            let mut sums = vec![0.0; k * d];
            let mut m = vec![0.0f64; k];
            for (p, &l) in b.chunks_exact(d).zip(&labels) {
                m[l] += 1.0;
                for (s, v) in sums[l * d..(l + 1) * d].iter_mut().zip(p) {
                    *s += v;
                }
            }
            for c in (0..k).filter(|&c| m[c] > 0.0) {
                let total = counts[c] + m[c];
                for j in 0..d {
                    centers[c * d + j] = (centers[c * d + j] * counts[c] + sums[c * d + j]) / total;
                }
                counts[c] = total;
            }
            // scikit-learn's random reassignment (`reassignment_ratio = 0.01`): a centre
            // chosen less than 1 % as often as the busiest moves to a random row of the
            // batch, with its count reset to the smallest count kept (at most half the batch moves).
            let busiest = counts.iter().copied().fold(0.0, f64::max);
            let mut low: Vec<usize> = (0..k).filter(|&c| counts[c] < 0.01 * busiest).collect();
            low.sort_by(|&a, &b| counts[a].total_cmp(&counts[b]));
            low.truncate(batch / 2);
            if !low.is_empty() && low.len() < k {
                let floor = (0..k).filter(|c| !low.contains(c)).map(|c| counts[c]).fold(f64::INFINITY, f64::min);
                let picks = rand::seq::index::sample(&mut rng, batch, low.len().min(batch)).into_vec();
                for (&c, &r) in low.iter().zip(&picks) {
                    centers[c * d..(c + 1) * d].copy_from_slice(&b[r * d..(r + 1) * d]);
                    counts[c] = floor;
                }
            }
            let batch_inertia = dist.iter().sum::<f64>() / batch as f64;
            if step == 0 {
                // scikit-learn ignores the first batch: its inertia reflects the initialisation.
                continue;
            }
            let e = ewa.map_or(batch_inertia, |e| e * (1.0 - alpha) + batch_inertia * alpha);
            ewa = Some(e);
            if e < ewa_min {
                (ewa_min, stale) = (e, 0);
            } else {
                stale += 1;
                if stale >= self.max_no_improvement {
                    break;
                }
            }
        }
        let (mut labels, mut dist) = (vec![0; n], vec![0.0; n]);
        assign(rows, d, &centers, &mut labels, &mut dist);
        let inertia = dist.iter().sum();
        Ok(FittedKMeans { centroids: to_array(centers, k, d), labels, inertia, n_iter: done })
    }
}

/// Centre update of Elkan (and, through [`centers_from_sums`], of Lloyd): the
/// mean of each cluster's rows.
///
/// An empty cluster is re-seeded with the row farthest from its (old) centre,
/// whose weight moves to it, as scikit-learn's `_relocate_empty_clusters_dense`
/// (labels are left unchanged, as there); when every row sits on its centre
/// there is nothing to move, as there. Differences: an empty cluster keeps its
/// old centre where scikit-learn's becomes the data mean, and several empty
/// clusters take the farthest rows in sorted order. `sq_to_old[i]` is the squared
/// distance of row `i` to its old centre. Returns the new `k x d` centres.
fn update_centers(rows: &[f64], d: usize, k: usize, labels: &[usize], old: &[f64], sq_to_old: &[f64]) -> Vec<f64> {
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (p, &l) in rows.chunks_exact(d).zip(labels) {
        counts[l] += 1;
        for (s, v) in sums[l * d..(l + 1) * d].iter_mut().zip(p) {
            *s += v;
        }
    }
    centers_from_sums(rows, d, labels, old, sq_to_old, sums, counts)
}

/// The second half of [`update_centers`]: centres from each cluster's row
/// `sums` (`k x d`) and `counts` (`k`), with the empty-cluster rule there.
fn centers_from_sums(
    rows: &[f64],
    d: usize,
    labels: &[usize],
    old: &[f64],
    sq_to_old: &[f64],
    mut sums: Vec<f64>,
    mut counts: Vec<usize>,
) -> Vec<f64> {
    let k = counts.len();
    let empty: Vec<usize> = (0..k).filter(|&c| counts[c] == 0).collect();
    if !empty.is_empty() && sq_to_old.iter().any(|&v| v > 0.0) {
        let mut far: Vec<usize> = (0..labels.len()).collect();
        far.sort_by(|&a, &b| sq_to_old[b].total_cmp(&sq_to_old[a]));
        for (&c, &i) in empty.iter().zip(&far) {
            let from = labels[i];
            counts[from] -= 1;
            for j in 0..d {
                sums[from * d + j] -= rows[i * d + j];
                sums[c * d + j] = rows[i * d + j];
            }
            counts[c] = 1;
        }
    }
    (0..k * d).map(|i| if counts[i / d] == 0 { old[i] } else { sums[i] / counts[i / d] as f64 }).collect()
}

/// Inertia of `labels` against `centers` (`k * d` row-major).
fn inertia(rows: &[f64], d: usize, centers: &[f64], labels: &[usize]) -> f64 {
    rows.chunks_exact(d).zip(labels).map(|(p, &l)| sq_dist(p, &centers[l * d..(l + 1) * d])).sum()
}

fn to_array(centers: Vec<f64>, k: usize, d: usize) -> Array2<f64> {
    Array2::from_shape_vec((k, d), centers).expect("k * d values")
}

/// The rows as Lloyd's f32 kernel reads them: `y = x / s - m`, packed, where
/// `m` is the column means of `x / s` and `s` a power of two keeping
/// `|x / s| <= 1e18` (so f32 squares cannot overflow). Centring keeps f32
/// precision for data far from the origin; labels do not change under the
/// map. Built once per fit and shared by its restarts.
struct LloydInput {
    x: PackedRows,
    s: f64,
    m: Vec<f64>,
}

impl LloydInput {
    fn new(rows: &[f64], d: usize) -> Self {
        let n = rows.len() / d;
        let big = rows.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let s = if big > 1e18 { 2f64.powi((big / 1e18).log2().ceil() as i32) } else { 1.0 };
        let mut m = vec![0.0; d];
        for p in rows.chunks_exact(d) {
            m.iter_mut().zip(p).for_each(|(a, v)| *a += v / s);
        }
        m.iter_mut().for_each(|a| *a /= n as f64);
        LloydInput { x: PackedRows::pack_shifted(rows, d, s, &m), s, m }
    }

    /// `k x d` centres in `y`'s units.
    fn to_y(&self, c: &[f64]) -> Vec<f64> {
        let d = self.m.len();
        c.iter().enumerate().map(|(i, v)| v / self.s - self.m[i % d]).collect()
    }
}

/// One Lloyd run from `centers`: assignment and sums in one f32 pass over
/// the packed rows ([`LloydInput`], [`super::lanes`]), centres and the final
/// inertia in f64 on `rows`.
fn lloyd(rows: &[f64], input: &LloydInput, centers: Array2<f64>, max_iter: usize, tol: f64) -> FittedKMeans {
    let (k, d) = centers.dim();
    let mut centers = centers.as_standard_layout().as_slice().expect("standard layout").to_vec();
    let (x, s, m) = (&input.x, input.s, &input.m);
    let mut state = LloydState::new(x, k);
    let mut strict = false;
    let mut iters = 0;
    for it in 0..max_iter {
        iters = it + 1;
        let moved = state.step::<Lanes>(x, &input.to_y(&centers));
        // Labels and distances are needed only to re-seed an empty cluster.
        let (labels, dist) =
            if state.counts.contains(&0) { (state.labels(), state.distances()) } else { (Vec::new(), Vec::new()) };
        // Back to x's units: sum of x = s * (sum of y + count * m).
        let sums =
            state.sums.iter().enumerate().map(|(i, v)| s * (v + state.counts[i / d] as f64 * m[i % d])).collect();
        let new = centers_from_sums(rows, d, &labels, &centers, &dist, sums, state.counts.clone());
        let shift: f64 = new.iter().zip(&centers).map(|(a, b)| (a - b) * (a - b)).sum();
        centers = new;
        if moved == 0 {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
    }
    if !strict {
        state.step::<Lanes>(x, &input.to_y(&centers));
    }
    let labels = state.labels();
    let inertia = inertia(rows, d, &centers, &labels);
    FittedKMeans { centroids: to_array(centers, k, d), labels, inertia, n_iter: iters }
}

/// Half the distance between every pair of centres (`k * k`), and half the
/// distance from each centre to its nearest other centre (`k`).
fn half_distances(centers: &[f64], d: usize, k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut half = vec![0.0; k * k];
    for a in 0..k {
        for b in (a + 1)..k {
            let h = sq_dist(&centers[a * d..(a + 1) * d], &centers[b * d..(b + 1) * d]).sqrt() / 2.0;
            half[a * k + b] = h;
            half[b * k + a] = h;
        }
    }
    let next =
        (0..k).map(|a| (0..k).filter(|&b| b != a).map(|b| half[a * k + b]).fold(f64::INFINITY, f64::min)).collect();
    (half, next)
}

/// One Elkan run from `centers` (Elkan, "Using the triangle inequality to
/// accelerate k-means", ICML 2003), as scikit-learn's `_kmeans_single_elkan`:
/// the centres, labels and stopping rules of [`lloyd`] (in f64), with distance
/// computations skipped when the triangle inequality proves them useless.
/// Keeps an `n x k` lower-bound matrix, so it pays for small `k` and low `d`.
fn elkan(rows: &[f64], d: usize, centers: Array2<f64>, max_iter: usize, tol: f64) -> FittedKMeans {
    let n = rows.len() / d;
    let k = centers.nrows();
    let mut centers = centers.as_standard_layout().as_slice().expect("standard layout").to_vec();
    let row = |i: usize| &rows[i * d..(i + 1) * d];
    let dist = |i: usize, c: usize, cs: &[f64]| sq_dist(row(i), &cs[c * d..(c + 1) * d]).sqrt();
    let (mut half, mut next) = half_distances(&centers, d, k);
    let mut labels = vec![0usize; n];
    let mut upper = vec![0.0; n];
    let mut lower = vec![0.0; n * k];
    for i in 0..n {
        let (mut best, mut min) = (0, dist(i, 0, &centers));
        lower[i * k] = min;
        for j in 1..k {
            if min > half[best * k + j] {
                let dd = dist(i, j, &centers);
                lower[i * k + j] = dd;
                if dd < min {
                    min = dd;
                    best = j;
                }
            }
        }
        labels[i] = best;
        upper[i] = min;
    }
    let mut old = labels.clone();
    let mut strict = false;
    let mut iters = 0;
    let mut sq_to_old = vec![0.0; n];
    for it in 0..max_iter {
        iters = it + 1;
        if it > 0 {
            for i in 0..n {
                let mut label = labels[i];
                let mut up = upper[i];
                if next[label] < up {
                    let mut tight = false;
                    for j in 0..k {
                        if j != label && up > lower[i * k + j] && up > half[label * k + j] {
                            if !tight {
                                up = dist(i, label, &centers);
                                lower[i * k + label] = up;
                                tight = true;
                            }
                            if up > lower[i * k + j] || up > half[label * k + j] {
                                let dd = dist(i, j, &centers);
                                lower[i * k + j] = dd;
                                if dd < up {
                                    label = j;
                                    up = dd;
                                }
                            }
                        }
                    }
                }
                labels[i] = label;
                upper[i] = up;
            }
        }
        let mut counts = vec![0usize; k];
        labels.iter().for_each(|&l| counts[l] += 1);
        if counts.contains(&0) {
            // Rare: exact distances to the old centres for the relocation.
            for i in 0..n {
                sq_to_old[i] = sq_dist(row(i), &centers[labels[i] * d..(labels[i] + 1) * d]);
            }
        }
        let new = update_centers(rows, d, k, &labels, &centers, &sq_to_old);
        let shift: Vec<f64> =
            (0..k).map(|c| sq_dist(&new[c * d..(c + 1) * d], &centers[c * d..(c + 1) * d]).sqrt()).collect();
        for i in 0..n {
            upper[i] += shift[labels[i]];
            for j in 0..k {
                lower[i * k + j] = (lower[i * k + j] - shift[j]).max(0.0);
            }
        }
        centers = new;
        (half, next) = half_distances(&centers, d, k);
        if it > 0 && labels == old {
            strict = true;
            break;
        }
        if shift.iter().map(|s| s * s).sum::<f64>() <= tol {
            break;
        }
        old.copy_from_slice(&labels);
    }
    let mut sq = vec![0.0; n];
    if !strict {
        assign(rows, d, &centers, &mut labels, &mut sq);
    }
    let inertia = inertia(rows, d, &centers, &labels);
    FittedKMeans { centroids: to_array(centers, k, d), labels, inertia, n_iter: iters }
}

impl FittedKMeans {
    /// Nearest centre of each row of `x` (`n x d`).
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<usize> {
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let mut labels = vec![0; x.nrows()];
        let mut dist = vec![0.0; x.nrows()];
        let cs = self.centroids.as_standard_layout();
        assign(rows, x.ncols(), cs.as_slice().expect("standard layout"), &mut labels, &mut dist);
        labels
    }

    /// Euclidean distance of each training row of `x` to its own centre.
    pub fn distances(&self, x: ArrayView2<f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .zip(&self.labels)
            .map(|(r, &l)| r.iter().zip(self.centroids.row(l)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_tolerance_scale_is_numpys_mean_of_column_variances() {
        // numpy 2.4.6: np.mean(np.var([[1, 10], [2, 30], [4, -5], [9, 0.5]], axis=0)) = 93.5234375
        let x = [1.0, 10.0, 2.0, 30.0, 4.0, -5.0, 9.0, 0.5];
        assert!((mean_variance(&x, 2) - 93.523_437_5).abs() < 1e-12);
        // Against ndarray's var_axis (Welford), which it replaces, on wider data.
        let x =
            Array2::from_shape_fn((1000, 7), |(i, j)| ((i * 7919 + j * 104_729) % 1009) as f64 * 0.01 - 3.0 * j as f64);
        let want = x.var_axis(ndarray::Axis(0), 0.0).mean().unwrap();
        let got = mean_variance(x.as_slice().unwrap(), 7);
        assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
        assert_eq!(mean_variance(&[], 3), 0.0);
    }

    #[test]
    fn data_far_from_the_origin_or_huge_gets_the_same_segments() {
        // The f32 kernel works on centred (and, above 1e18, scaled) rows: an
        // offset of 1e9 or values of 1e25 (whose f32 squares would overflow)
        // give the segments of the plain data.
        let x = crate::sample::gaussian_blobs(600, 3, 3, 1).mapv(|v| v * 4.0);
        let base = KMeans::new(3).seed(1).fit(x.view()).unwrap();
        for (scale, shift) in [(1.0, 1e9), (1e25, 0.0), (1e-3, -3e7)] {
            let y = x.mapv(|v| v * scale + shift);
            let f = KMeans::new(3).seed(1).fit(y.view()).unwrap();
            assert!(same_clustering(&base.labels, &f.labels, 3), "scale {scale}, shift {shift}");
            let counts = (0..3).map(|c| f.labels.iter().filter(|&&l| l == c).count()).collect::<Vec<_>>();
            assert!(counts.iter().all(|&m| m > 100), "scale {scale}: {counts:?}");
        }
    }

    #[test]
    fn separates_obvious_clusters_and_is_seeded() {
        let x = array![[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [10.0, 10.0], [10.1, 10.0], [10.0, 10.1]];
        let f = KMeans::new(2).seed(7).fit(x.view()).unwrap();
        assert_eq!(f.labels[0], f.labels[1]);
        assert_eq!(f.labels[0], f.labels[2]);
        assert_ne!(f.labels[0], f.labels[3]);
        assert!((f.inertia - 4.0 * 0.1 * 0.1 * 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(f, KMeans::new(2).seed(7).fit(x.view()).unwrap());
        assert_eq!(f.predict(array![[9.0, 9.0]].view())[0], f.labels[3]);
        assert!(KMeans::new(7).fit(x.view()).is_err());
    }

    #[test]
    fn elkan_and_mini_batch_agree_with_lloyd() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let centres = [[0.0, 0.0, 0.0], [6.0, 0.0, 1.0], [0.0, 6.0, -1.0], [5.0, 5.0, 5.0]];
        let x = Array2::from_shape_fn((4000, 3), |(i, j)| centres[i % 4][j] + rng.random::<f64>() * 2.0 - 1.0);
        let lloyd = KMeans::new(4).seed(3).fit(x.view()).unwrap();
        let elkan = KMeans::new(4).seed(3).algorithm(KMeansAlgorithm::Elkan).fit(x.view()).unwrap();
        assert_eq!(lloyd.labels, elkan.labels);
        assert!((lloyd.inertia - elkan.inertia).abs() <= 1e-9 * lloyd.inertia);
        let mb = MiniBatchKMeans { batch_size: 256, ..MiniBatchKMeans::new(4) }.fit(x.view()).unwrap();
        assert!(mb.inertia <= lloyd.inertia * 1.02, "mini-batch {} vs Lloyd {}", mb.inertia, lloyd.inertia);
        assert!(MiniBatchKMeans::new(5000).fit(x.view()).is_err());
    }

    #[test]
    fn inertia_never_increases_across_iterations() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x = Array2::from_shape_fn((300, 3), |_| rng.random::<f64>());
        let rows = x.as_slice().unwrap();
        let init = kmeans_plusplus(rows, 3, 5, &mut rng);
        let mut prev = f64::INFINITY;
        let input = LloydInput::new(rows, 3);
        for it in 1..15 {
            let f = lloyd(rows, &input, init.clone(), it, 0.0);
            assert!(f.inertia <= prev + 1e-9, "iteration {it}: {} > {prev}", f.inertia);
            prev = f.inertia;
        }
    }

    /// A tiny valid input for the parameter-rule tests.
    fn four_rows() -> Array2<f64> {
        array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]]
    }

    #[test]
    fn kmeans_rule_n_clusters_at_least_1() {
        let e = KMeans::new(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::NClusters { estimator: "KMeans" }));
        assert!(KMeans::new(1).check().is_ok());
    }

    #[test]
    fn kmeans_rule_n_init_at_least_1() {
        let e = KMeans::new(2).n_init(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::NInit { estimator: "KMeans" }));
        assert_eq!(e.to_string(), "Internal: KMeans n_init must be at least 1, not 0.");
        assert!(KMeans::new(2).n_init(1).check().is_ok());
    }

    #[test]
    fn kmeans_rule_max_iter_at_least_1() {
        let e = KMeans::new(2).max_iter(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::MaxIter { estimator: "KMeans" }));
        assert!(KMeans::new(2).max_iter(1).check().is_ok());
    }

    #[test]
    fn kmeans_rule_tol_not_negative() {
        for tol in [-1e-9, f64::NAN] {
            let e = KMeans::new(2).tol(tol).fit(four_rows().view()).unwrap_err();
            assert!(matches!(e, AnalysisError::Param(ParamError::Tol { estimator: "KMeans", .. })), "{e:?}");
        }
        assert!(KMeans::new(2).tol(0.0).check().is_ok() && KMeans::new(2).tol(f64::INFINITY).check().is_ok());
    }

    #[test]
    fn kmeans_rule_initial_centres_are_k_by_d() {
        let x = four_rows();
        let e = KMeans::new(2).fit_from(x.view(), array![[0.0, 0.0]].view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::InitShape { got: (1, 2), expected: (2, 2) }));
        assert_eq!(e.to_string(), "Internal: initial centres are (1, 2), expected (2, 2).");
        assert!(KMeans::new(2).fit_from(x.view(), x.slice(ndarray::s![1..3, ..])).is_ok());
    }

    #[test]
    fn kmeans_checks_parameters_before_data() {
        // k = 0 with non-finite data: the parameter error comes first.
        let x = array![[f64::NAN, 0.0]];
        assert!(matches!(KMeans::new(0).fit(x.view()), Err(AnalysisError::Param(_))));
        assert!(matches!(MiniBatchKMeans::new(0).fit(x.view()), Err(AnalysisError::Param(_))));
    }

    #[test]
    fn mini_batch_rule_n_clusters_at_least_1() {
        let e = MiniBatchKMeans::new(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::NClusters { estimator: "MiniBatchKMeans" }));
    }

    #[test]
    fn mini_batch_rule_batch_size_at_least_1() {
        let e = MiniBatchKMeans::new(2).batch_size(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::BatchSize));
        // A batch larger than the data is capped, not an error.
        assert!(MiniBatchKMeans::new(2).batch_size(100).fit(four_rows().view()).is_ok());
    }

    #[test]
    fn mini_batch_rule_max_iter_at_least_1() {
        let e = MiniBatchKMeans::new(2).max_iter(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::MaxIter { estimator: "MiniBatchKMeans" }));
    }

    #[test]
    fn mini_batch_rule_n_init_at_least_1() {
        let e = MiniBatchKMeans::new(2).n_init(0).fit(four_rows().view()).unwrap_err();
        assert_eq!(e, AnalysisError::Param(ParamError::NInit { estimator: "MiniBatchKMeans" }));
        assert!(MiniBatchKMeans::new(2).n_init(1).max_no_improvement(0).check().is_ok());
    }
}
