//! Clustering quality metrics, as scikit-learn defines them
//! (`sklearn.metrics`): silhouette (Rousseeuw 1987), Calinski-Harabasz
//! (1974), Davies-Bouldin (1979) and the adjusted Rand index (Hubert &
//! Arabie 1985).

use ndarray::{Array2, ArrayView2};
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt()
}

fn rows(x: ArrayView2<f64>) -> Vec<Vec<f64>> {
    x.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// Pairwise Euclidean distances, `n x n` (for repeated silhouettes on one sample).
pub fn pairwise_distances(x: ArrayView2<f64>) -> Array2<f64> {
    let r = rows(x);
    let n = r.len();
    let d = x.ncols();
    // The rows column by column (`xt[t * n + j] = x[j][t]`), so the eight
    // distances summed side by side read their eight values from one place
    // and compile to SIMD lanes (faster k sweep in wasm; figures: BENCHMARKS.md).
    let mut xt = vec![0.0; n * d];
    for (j, row) in r.iter().enumerate() {
        for (t, &v) in row.iter().enumerate() {
            xt[t * n + j] = v;
        }
    }
    let mut m = Array2::zeros((n, n));
    for i in 0..n {
        let a = &r[i];
        // Eight distances at a time, each summed in its own order (the same
        // bits as `dist`): eight independent chains of additions keep the
        // processor busy where one waited on each addition.
        let mut j = i + 1;
        while j + 8 <= n {
            // -0.0, where `Iterator::sum` starts (only an empty row can tell).
            let mut s = [-0.0f64; 8];
            for (t, &x) in a.iter().enumerate() {
                let b: &[f64; 8] = xt[t * n + j..t * n + j + 8].try_into().unwrap_or(&[0.0; 8]);
                for (acc, bq) in s.iter_mut().zip(b) {
                    let e = x - bq;
                    *acc += e * e;
                }
            }
            for (q, acc) in s.iter().enumerate() {
                m[[i, j + q]] = acc.sqrt();
            }
            j += 8;
        }
        for j in j..n {
            m[[i, j]] = dist(a, &r[j]);
        }
    }
    // The lower triangle mirrors the upper one, in 64 x 64 tiles: writing
    // m[j][i] beside m[i][j] touched a new cache line for every distance.
    const TILE: usize = 64;
    for bi in (0..n).step_by(TILE) {
        for bj in (bi..n).step_by(TILE) {
            for i in bi..(bi + TILE).min(n) {
                for j in (bj.max(i + 1))..(bj + TILE).min(n) {
                    m[[j, i]] = m[[i, j]];
                }
            }
        }
    }
    m
}

/// Silhouette coefficient of each sample from a precomputed distance matrix
/// (`n x n`) and labels. A sample alone in its cluster scores 0, as in
/// scikit-learn's `silhouette_samples`. Needs at least 2 distinct labels.
pub fn silhouette_samples_precomputed(d: ArrayView2<f64>, labels: &[usize]) -> Vec<f64> {
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut size = vec![0usize; k];
    for &l in labels {
        size[l] += 1;
    }
    let mut out = Vec::with_capacity(labels.len());
    let mut sums = vec![0.0; k];
    for (i, &li) in labels.iter().enumerate() {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for (j, &lj) in labels.iter().enumerate() {
            sums[lj] += d[[i, j]];
        }
        if size[li] <= 1 {
            out.push(0.0);
            continue;
        }
        let a = sums[li] / (size[li] - 1) as f64;
        let b =
            (0..k).filter(|&c| c != li && size[c] > 0).map(|c| sums[c] / size[c] as f64).fold(f64::INFINITY, f64::min);
        // Zero when undefined (no other cluster, or a = b = 0), as scikit-learn's nan_to_num.
        let m = a.max(b);
        out.push(if b.is_finite() && m > 0.0 { (b - a) / m } else { 0.0 });
    }
    out
}

/// Silhouette coefficient of each sample (`x`: `n x d`), exact, `O(n^2 d)`.
pub fn silhouette_samples(x: ArrayView2<f64>, labels: &[usize]) -> Vec<f64> {
    silhouette_samples_precomputed(pairwise_distances(x).view(), labels)
}

/// Mean silhouette coefficient (scikit-learn's `silhouette_score`), exact.
pub fn silhouette_score(x: ArrayView2<f64>, labels: &[usize]) -> f64 {
    let s = silhouette_samples(x, labels);
    s.iter().sum::<f64>() / s.len() as f64
}

/// Indices of a seeded uniform sample of `m` of `n` rows (all rows if `m >= n`), sorted.
pub fn sample_indices(n: usize, m: usize, seed: u64) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut idx = sample(&mut rng, n, m).into_vec();
    idx.sort_unstable();
    idx
}

/// Renumbers labels to `0..k` in order of first appearance, so that label
/// values with gaps count as scikit-learn counts them (unique labels).
fn dense(labels: &[usize]) -> (Vec<usize>, usize) {
    let mut map = std::collections::HashMap::new();
    let out = labels
        .iter()
        .map(|l| {
            let next = map.len();
            *map.entry(*l).or_insert(next)
        })
        .collect();
    (out, map.len())
}

/// Calinski-Harabasz index: between-cluster over within-cluster dispersion,
/// each divided by its degrees of freedom.
pub fn calinski_harabasz(x: ArrayView2<f64>, labels: &[usize]) -> f64 {
    let (n, d) = x.dim();
    let (labels, k) = dense(labels);
    let labels = &labels[..];
    let mean = x.mean_axis(ndarray::Axis(0)).expect("n > 0");
    let mut cent = Array2::<f64>::zeros((k, d));
    let mut size = vec![0usize; k];
    for (r, &l) in x.rows().into_iter().zip(labels) {
        size[l] += 1;
        for j in 0..d {
            cent[[l, j]] += r[j];
        }
    }
    for c in 0..k {
        for j in 0..d {
            cent[[c, j]] /= size[c].max(1) as f64;
        }
    }
    let mut between = 0.0;
    for c in 0..k {
        between += size[c] as f64 * (0..d).map(|j| (cent[[c, j]] - mean[j]).powi(2)).sum::<f64>();
    }
    let mut within = 0.0;
    for (r, &l) in x.rows().into_iter().zip(labels) {
        within += (0..d).map(|j| (r[j] - cent[[l, j]]).powi(2)).sum::<f64>();
    }
    if within == 0.0 {
        1.0
    } else {
        between * (n - k) as f64 / (within * (k as f64 - 1.0))
    }
}

/// Davies-Bouldin index: mean over clusters of the worst ratio of summed
/// within-cluster spreads to centre distance (lower is better).
pub fn davies_bouldin(x: ArrayView2<f64>, labels: &[usize]) -> f64 {
    let d = x.ncols();
    let (labels, k) = dense(labels);
    let labels = &labels[..];
    let mut cent = vec![vec![0.0; d]; k];
    let mut size = vec![0usize; k];
    for (r, &l) in x.rows().into_iter().zip(labels) {
        size[l] += 1;
        for j in 0..d {
            cent[l][j] += r[j];
        }
    }
    for c in 0..k {
        for v in cent[c].iter_mut() {
            *v /= size[c].max(1) as f64;
        }
    }
    let mut spread = vec![0.0; k];
    for (r, &l) in x.rows().into_iter().zip(labels) {
        spread[l] += r.iter().zip(&cent[l]).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
    }
    for c in 0..k {
        spread[c] /= size[c].max(1) as f64;
    }
    let mut total = 0.0;
    for i in 0..k {
        let mut worst: f64 = 0.0;
        for j in 0..k {
            if i != j {
                let cd = dist(&cent[i], &cent[j]);
                if cd > 0.0 {
                    worst = worst.max((spread[i] + spread[j]) / cd);
                }
            }
        }
        total += worst;
    }
    total / k as f64
}

/// Adjusted Rand index between two labelings (1 = identical up to renaming,
/// about 0 = chance). Label values may have gaps (`[0, 7]` is two labels).
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len();
    let (a, ka) = dense(a);
    let (b, kb) = dense(b);
    let mut table = vec![0u64; ka * kb];
    for (&x, &y) in a.iter().zip(&b) {
        table[x * kb + y] += 1;
    }
    let c2 = |v: u64| (v * v.saturating_sub(1)) as f64 / 2.0;
    let sum_comb: f64 = table.iter().map(|&v| c2(v)).sum();
    let rows: f64 = (0..ka).map(|i| c2(table[i * kb..(i + 1) * kb].iter().sum())).sum();
    let cols: f64 = (0..kb).map(|j| c2((0..ka).map(|i| table[i * kb + j]).sum())).sum();
    let total = c2(n as u64);
    let expected = rows * cols / total;
    let max = (rows + cols) / 2.0;
    if max == expected {
        1.0
    } else {
        (sum_comb - expected) / (max - expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pairwise_distances_are_each_pairs_dist_bit_for_bit() {
        for (n, d) in [(1, 3), (5, 1), (7, 20), (64, 3), (131, 20)] {
            let x =
                Array2::from_shape_fn((n, d), |(i, j)| ((i * 31 + j * 17) % 23) as f64 * 0.37 - 4.0 + (i as f64).sin());
            let m = pairwise_distances(x.view());
            let r = rows(x.view());
            for i in 0..n {
                assert_eq!(m[[i, i]], 0.0);
                for j in 0..n {
                    if i != j {
                        let want = dist(&r[i.min(j)], &r[i.max(j)]);
                        assert_eq!(m[[i, j]].to_bits(), want.to_bits(), "n {n} d {d} ({i}, {j})");
                    }
                }
            }
        }
    }

    #[test]
    fn ari_is_one_for_renamed_labels_and_silhouette_by_hand() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1, 2], &[2, 2, 0, 0, 1]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, usize::MAX], &[1, 1, 0]), 1.0);
        assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) < 0.0);
        // Two points per cluster on a line: 0, 1 | 10, 11.
        let x = array![[0.0], [1.0], [10.0], [11.0]];
        let s = silhouette_samples(x.view(), &[0, 0, 1, 1]);
        // Point 0: a = 1, b = (10 + 11) / 2 = 10.5 -> 1 - 1/10.5.
        assert!((s[0] - (1.0 - 1.0 / 10.5)).abs() < 1e-15);
        assert_eq!(sample_indices(10, 3, 1).len(), 3);
        // Coincident points in a cluster: a = b = 0 gives 0, not NaN.
        let same = array![[1.0], [1.0], [1.0], [1.0]];
        assert_eq!(silhouette_samples(same.view(), &[0, 0, 1, 1]), vec![0.0; 4]);
        // Label values with gaps are counted as distinct labels.
        let x = array![[0.0], [1.0], [10.0], [11.0]];
        assert_eq!(calinski_harabasz(x.view(), &[0, 0, 5, 5]), calinski_harabasz(x.view(), &[0, 0, 1, 1]));
        assert_eq!(davies_bouldin(x.view(), &[3, 3, 7, 7]), davies_bouldin(x.view(), &[0, 0, 1, 1]));
    }
}
