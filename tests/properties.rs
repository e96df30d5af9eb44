//! Property tests (proptest) of the analysis estimators: what must hold for
//! any input, not just the golden datasets.

use ndarray::Array2;
use proptest::prelude::*;
use segscope::analysis::metrics::adjusted_rand_index;
use segscope::analysis::preprocess::StandardScaler;
use segscope::analysis::{GaussianMixture, KMeans, KMeansAlgorithm, Pca};

/// `n x d` data from a flat vector of values in [-1, 1) (proptest shrinks it well).
fn matrix(n: usize, d: usize, v: &[f64]) -> Array2<f64> {
    Array2::from_shape_fn((n, d), |(i, j)| v[(i * d + j) % v.len()])
}

/// Well-separated blobs: `k` centres 20 apart on a diagonal, jitter from `v`
/// plus a small irregular offset per row and column, so no two points coincide.
fn blobs(k: usize, per: usize, v: &[f64]) -> (Array2<f64>, Vec<usize>) {
    let n = k * per;
    let x = Array2::from_shape_fn((n, 3), |(i, j)| {
        let hash = ((i as f64 * 12.9898 + j as f64 * 78.233).sin() * 43_758.545_3).fract(); // in (-1, 1), irregular
        (i % k) as f64 * 20.0 * (j as f64 + 1.0) + v[(i * 3 + j) % v.len()] + 0.05 * hash
    });
    (x, (0..n).map(|i| i % k).collect())
}

fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        p.swap(i, (s % (i as u64 + 1)) as usize);
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Lloyd never increases inertia: a run stopped after t iterations is a
    /// prefix of a longer run from the same seed.
    #[test]
    fn inertia_never_increases_across_lloyd_iterations(
        v in prop::collection::vec(-1.0f64..1.0, 60..240), k in 2usize..6, seed in 0u64..1000,
    ) {
        let x = matrix(v.len() / 3, 3, &v);
        let mut prev = f64::INFINITY;
        for t in 1..12 {
            let f = KMeans { max_iter: t, tol: 0.0, ..KMeans::new(k).seed(seed).n_init(1) }.fit(x.view()).unwrap();
            prop_assert!(f.inertia <= prev * (1.0 + 1e-12) + 1e-12, "iteration {t}: {} > {prev}", f.inertia);
            prev = f.inertia;
        }
    }

    /// Elkan's bounds never change the answer.
    #[test]
    fn elkan_gives_lloyds_labels(v in prop::collection::vec(-1.0f64..1.0, 90..300), k in 2usize..7, seed in 0u64..1000) {
        let x = matrix(v.len() / 3, 3, &v);
        let lloyd = KMeans::new(k).seed(seed).n_init(2).fit(x.view()).unwrap();
        let elkan = KMeans::new(k).seed(seed).n_init(2).algorithm(KMeansAlgorithm::Elkan).fit(x.view()).unwrap();
        prop_assert_eq!(lloyd.labels, elkan.labels);
    }

    /// Shuffling the rows of clustered data gives the same segments, up to renaming.
    #[test]
    fn labels_are_invariant_to_row_order(
        v in prop::collection::vec(-1.0f64..1.0, 30..90), k in 2usize..5, per in 8usize..30, seed in 0u64..1000,
    ) {
        let (x, truth) = blobs(k, per, &v);
        let p = permutation(x.nrows(), seed);
        let shuffled = x.select(ndarray::Axis(0), &p);
        let unshuffle = |l: &[usize]| { let mut o = vec![0; l.len()]; for (pos, &i) in p.iter().enumerate() { o[i] = l[pos]; } o };
        let km = KMeans::new(k).seed(seed).fit(x.view()).unwrap().labels;
        let km_s = unshuffle(&KMeans::new(k).seed(seed).fit(shuffled.view()).unwrap().labels);
        prop_assert_eq!(adjusted_rand_index(&km, &km_s), 1.0);
        prop_assert_eq!(adjusted_rand_index(&km, &truth), 1.0);
        let gm = GaussianMixture::new(k).seed(seed).fit(x.view()).unwrap().labels;
        let gm_s = unshuffle(&GaussianMixture::new(k).seed(seed).fit(shuffled.view()).unwrap().labels);
        prop_assert_eq!(adjusted_rand_index(&gm, &gm_s), 1.0);
        // Not HDBSCAN: mutual reachability max(core_i, core_j, d_ij) ties by construction
        // inside dense regions, and the order of tied edges (row order) can move border
        // points and even split a small cluster, in scikit-learn as here; 3,000 cases found
        // 6 vs 7 clusters. Its exactness against scikit-learn is in tests/golden_hdbscan.rs.
    }

    /// Standardising then PCA does not depend on the features' units (or offsets).
    #[test]
    fn scaling_then_pca_is_invariant_to_feature_units(
        v in prop::collection::vec(-1.0f64..1.0, 40..200),
        units in prop::collection::vec((1e-3f64..1e6, -1e3f64..1e3), 4),
    ) {
        let x = matrix(v.len() / 4, 4, &v) + Array2::from_shape_fn((v.len() / 4, 4), |(i, j)| ((i * 7 + j * 3) % 5) as f64);
        let rescaled = Array2::from_shape_fn(x.dim(), |(i, j)| x[[i, j]] * units[j].0 + units[j].1);
        let fit = |x: &Array2<f64>| {
            let z = StandardScaler.fit(x.view()).transform(x.view());
            let p = Pca { n_components: None }.fit(z.view()).unwrap();
            let t = p.transform(z.view());
            (p, t)
        };
        let ((a, ta), (b, tb)) = (fit(&x), fit(&rescaled));
        for i in 0..4 {
            prop_assert!((a.explained_variance_ratio[i] - b.explained_variance_ratio[i]).abs() < 1e-9);
        }
        // Components are defined (up to the documented sign rule) only where eigenvalues are distinct.
        let gap = (a.explained_variance[0] - a.explained_variance[1]).abs() / a.explained_variance[0].max(1e-300);
        if gap > 1e-3 {
            for j in 0..4 {
                prop_assert!((a.components[[0, j]] - b.components[[0, j]]).abs() < 1e-6, "loading {j}");
            }
            for i in 0..x.nrows() {
                prop_assert!((ta[[i, 0]] - tb[[i, 0]]).abs() < 1e-6, "PC1 of row {i}");
            }
        }
    }
}
