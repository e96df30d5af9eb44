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
//! The random stream is ChaCha8 seeded from `seed`, so a seed gives the same
//! result natively and in WebAssembly (but not numpy's numbers).

use super::AnalysisError;
use ndarray::{Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// k-means parameters (defaults as scikit-learn's, `n_init = 10`).
#[derive(Clone, Debug)]
pub struct KMeans {
    pub n_clusters: usize,
    pub n_init: usize,
    pub max_iter: usize,
    /// Relative tolerance on the centre shift (scikit-learn's `tol`).
    pub tol: f64,
    pub seed: u64,
}

impl KMeans {
    /// `n_clusters` clusters, `n_init = 10`, `max_iter = 300`, `tol = 1e-4`, `seed = 0`.
    pub fn new(n_clusters: usize) -> Self {
        KMeans { n_clusters, n_init: 10, max_iter: 300, tol: 1e-4, seed: 0 }
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Sets the number of restarts.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n.max(1);
        self
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

#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
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
fn assign(rows: &[f64], d: usize, centers: &Array2<f64>, labels: &mut [usize], dist: &mut [f64]) {
    let k = centers.nrows();
    let cs = centers.as_slice().expect("standard layout");
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
    /// Fits on `x` (`n x d`, finite values).
    ///
    /// Errors: [`AnalysisError::BadK`] if `k == 0` or `k > n`;
    /// [`AnalysisError::NonFinite`] for NaN or infinite input.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<FittedKMeans, AnalysisError> {
        let (n, d) = x.dim();
        let k = self.n_clusters;
        if k == 0 || k > n {
            return Err(AnalysisError::BadK { k, n });
        }
        if let Some((i, _)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(AnalysisError::NonFinite { row: i / d.max(1), col: i % d.max(1) });
        }
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let mean_var = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
        let tol = self.tol * mean_var;
        let mut best: Option<FittedKMeans> = None;
        // One stream for all restarts, as scikit-learn draws every init from one random_state.
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        for _ in 0..self.n_init.max(1) {
            let init = kmeans_plusplus(rows, d, k, &mut rng);
            let fit = lloyd(rows, d, init, self.max_iter, tol);
            if best.as_ref().is_none_or(|b| fit.inertia < b.inertia) {
                best = Some(fit);
            }
        }
        Ok(best.expect("n_init >= 1"))
    }
}

/// One Lloyd run from `centers`.
fn lloyd(rows: &[f64], d: usize, mut centers: Array2<f64>, max_iter: usize, tol: f64) -> FittedKMeans {
    let n = rows.len() / d;
    let k = centers.nrows();
    let mut labels = vec![0usize; n];
    let mut old = vec![usize::MAX; n];
    let mut dist = vec![0.0; n];
    let mut strict = false;
    let mut iters = 0;
    for it in 0..max_iter {
        iters = it + 1;
        assign(rows, d, &centers, &mut labels, &mut dist);
        let mut sums = Array2::<f64>::zeros((k, d));
        let mut counts = vec![0usize; k];
        for (i, p) in rows.chunks_exact(d).enumerate() {
            counts[labels[i]] += 1;
            let mut s = sums.row_mut(labels[i]);
            for j in 0..d {
                s[j] += p[j];
            }
        }
        // Empty clusters: re-seed with the farthest points (scikit-learn's
        // `_relocate_empty_clusters_dense`), taking them out of their cluster.
        let empty: Vec<usize> = (0..k).filter(|&c| counts[c] == 0).collect();
        if !empty.is_empty() {
            let mut far: Vec<usize> = (0..n).collect();
            far.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]));
            for (&c, &i) in empty.iter().zip(&far) {
                let p = &rows[i * d..(i + 1) * d];
                let from = labels[i];
                counts[from] -= 1;
                for j in 0..d {
                    sums[[from, j]] -= p[j];
                    sums[[c, j]] = p[j];
                }
                counts[c] = 1;
                labels[i] = c;
            }
        }
        let mut shift = 0.0;
        for c in 0..k {
            if counts[c] == 0 {
                continue;
            }
            for j in 0..d {
                let v = sums[[c, j]] / counts[c] as f64;
                shift += (v - centers[[c, j]]) * (v - centers[[c, j]]);
                centers[[c, j]] = v;
            }
        }
        if labels == old {
            strict = true;
            break;
        }
        if shift <= tol {
            break;
        }
        old.copy_from_slice(&labels);
    }
    if !strict {
        assign(rows, d, &centers, &mut labels, &mut dist);
    }
    // Inertia against the final centres.
    let cs = centers.as_slice().expect("standard layout");
    let inertia = rows.chunks_exact(d).zip(&labels).map(|(p, &l)| sq_dist(p, &cs[l * d..(l + 1) * d])).sum();
    FittedKMeans { centroids: centers, labels, inertia, n_iter: iters }
}

impl FittedKMeans {
    /// Nearest centre of each row of `x` (`n x d`).
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<usize> {
        let xs = x.as_standard_layout();
        let rows = xs.as_slice().expect("standard layout");
        let mut labels = vec![0; x.nrows()];
        let mut dist = vec![0.0; x.nrows()];
        assign(rows, x.ncols(), &self.centroids, &mut labels, &mut dist);
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
    fn inertia_never_increases_across_iterations() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x = Array2::from_shape_fn((300, 3), |_| rng.random::<f64>());
        let rows = x.as_slice().unwrap();
        let init = kmeans_plusplus(rows, 3, 5, &mut rng);
        let mut prev = f64::INFINITY;
        for it in 1..15 {
            let f = lloyd(rows, 3, init.clone(), it, 0.0);
            assert!(f.inertia <= prev + 1e-9, "iteration {it}: {} > {prev}", f.inertia);
            prev = f.inertia;
        }
    }
}
