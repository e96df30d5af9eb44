//! Golden tests: segscope's analysis against scikit-learn.
//!
//! Expected values come from `tests/golden/sklearn_golden.json`, written by
//! `tests/golden/make_golden.py` (scikit-learn and numpy versions recorded in
//! the file) on iris, wine, breast-cancer (bundled in scikit-learn's wheel)
//! and seeded synthetic blobs, including an anisotropic case where k-means is
//! known to fail. The test command needs no Python.

use ndarray::Array2;
use segscope::analysis::metrics::{
    adjusted_rand_index, calinski_harabasz, davies_bouldin, silhouette_samples, silhouette_score,
};
use segscope::analysis::preprocess::{signed_log1p, StandardScaler};
use segscope::analysis::{KMeans, Pca};
use serde_json::Value;

fn golden() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/sklearn_golden.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("golden file")).expect("valid JSON")
}

fn vec1(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn mat(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vec1).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn labels(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

/// The dataset's X through our StandardScaler (checked against sklearn's in `standard_scaler_matches`).
fn standardised(d: &Value) -> Array2<f64> {
    let x = mat(&d["X"]);
    StandardScaler.fit(x.view()).transform(x.view())
}

/// Asserts the top-left `rows x cols` block of `actual` is within `tol` (absolute) of `expected`.
fn assert_block_close(actual: &Array2<f64>, expected: &Array2<f64>, rows: usize, cols: usize, tol: f64, what: &str) {
    for i in 0..rows {
        for j in 0..cols {
            let (a, e) = (actual[[i, j]], expected[[i, j]]);
            assert!((a - e).abs() < tol, "{what} [{i},{j}]: {a} vs {e}");
        }
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

const DATASETS: [&str; 5] = ["iris", "wine", "breast_cancer", "blobs", "aniso"];

#[test]
fn standard_scaler_matches() {
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let s = StandardScaler.fit(mat(&d["X"]).view());
        for (a, b) in s.mean.iter().zip(vec1(&d["scaler"]["mean"])) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{name} mean {a} vs {b}");
        }
        for (a, b) in s.scale.iter().zip(vec1(&d["scaler"]["scale"])) {
            assert!(rel(*a, b) < 1e-12, "{name} scale {a} vs {b}");
        }
    }
}

#[test]
fn pca_matches_explained_variance_components_and_transform() {
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let xs = standardised(d);
        let p = Pca { n_components: None }.fit(xs.view()).unwrap();
        let evr = vec1(&d["pca"]["explained_variance_ratio"]);
        let ev = vec1(&d["pca"]["explained_variance"]);
        for i in 0..evr.len() {
            // Components carrying less than 1e-12 of the variance are rounding noise in both implementations.
            if evr[i] > 1e-12 {
                assert!(
                    rel(p.explained_variance_ratio[i], evr[i]) < 1e-9,
                    "{name} EVR[{i}] {} vs {}",
                    p.explained_variance_ratio[i],
                    evr[i]
                );
                assert!(rel(p.explained_variance[i], ev[i]) < 1e-9, "{name} EV[{i}]");
            }
        }
        let comps = mat(&d["pca"]["components"]);
        // Compare the well-separated leading components (eigenvectors of near-equal
        // eigenvalues are not unique); same sign convention, so no flips allowed.
        assert_block_close(
            &p.components,
            &comps,
            comps.nrows().min(3),
            comps.ncols(),
            1e-7,
            &format!("{name} components"),
        );
        let t = p.transform(xs.view());
        let t5 = mat(&d["pca"]["transform_first5"]);
        assert_block_close(&t, &t5, 5, 2, 1e-7, &format!("{name} transform"));
    }
}

#[test]
fn kmeans_inertia_and_ari_match_or_beat_sklearn() {
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let xs = standardised(d);
        let k = d["kmeans"]["k"].as_u64().unwrap() as usize;
        let theirs = d["kmeans"]["inertia"].as_f64().unwrap();
        // Every seed, not a lucky one: best-of-10 restarts must reach sklearn's optimum.
        for seed in 1..8 {
            let f = KMeans::new(k).seed(seed).fit(xs.view()).unwrap();
            assert!(f.inertia <= theirs * 1.001, "{name} seed {seed}: inertia {} vs sklearn {theirs}", f.inertia);
        }
        let ours = KMeans::new(k).seed(0).fit(xs.view()).unwrap();
        println!("{name:14} inertia ours {:.6} sklearn {:.6}", ours.inertia, theirs);
        assert!(ours.inertia <= theirs * 1.001, "{name}: inertia {} vs sklearn {theirs}", ours.inertia);
        let ari = adjusted_rand_index(&labels(&d["y"]), &ours.labels);
        let their_ari = d["kmeans"]["ari_vs_truth"].as_f64().unwrap();
        println!("{name:14} ARI ours {ari:.6} sklearn {their_ari:.6}");
        assert!(ari >= their_ari - 0.01, "{name}: ARI {ari} vs sklearn {their_ari}");
    }
}

#[test]
fn metrics_match_on_the_same_labels() {
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let xs = standardised(d);
        for (labels_key, metrics_key) in [("kmeans", "metrics_on_kmeans_labels"), ("truth", "metrics_on_true_labels")] {
            let l = if labels_key == "kmeans" { labels(&d["kmeans"]["labels"]) } else { labels(&d["y"]) };
            let m = &d[metrics_key];
            let sil = silhouette_score(xs.view(), &l);
            assert!(rel(sil, m["silhouette"].as_f64().unwrap()) < 1e-9, "{name} {labels_key} silhouette {sil}");
            let ch = calinski_harabasz(xs.view(), &l);
            assert!(rel(ch, m["calinski_harabasz"].as_f64().unwrap()) < 1e-9, "{name} {labels_key} CH {ch}");
            let db = davies_bouldin(xs.view(), &l);
            assert!(rel(db, m["davies_bouldin"].as_f64().unwrap()) < 1e-9, "{name} {labels_key} DB {db}");
        }
        let s = silhouette_samples(xs.view(), &labels(&d["kmeans"]["labels"]));
        for (i, e) in vec1(&d["silhouette_samples_first10"]).iter().enumerate() {
            assert!((s[i] - e).abs() < 1e-12, "{name} silhouette sample {i}");
        }
        // ARI of sklearn's labels against the truth, computed by us.
        let ari = adjusted_rand_index(&labels(&d["y"]), &labels(&d["kmeans"]["labels"]));
        assert!(rel(ari, d["kmeans"]["ari_vs_truth"].as_f64().unwrap()) < 1e-12, "{name} ARI");
    }
}

#[test]
fn signed_log1p_matches_numpy() {
    let g = golden();
    let x = vec1(&g["log1p_case"]["x"]);
    let y = vec1(&g["log1p_case"]["signed_log1p"]);
    for (a, b) in x.iter().zip(y) {
        assert!((signed_log1p(*a) - b).abs() <= 1e-15 * b.abs().max(1e-300), "{a}: {} vs {b}", signed_log1p(*a));
    }
}

#[test]
fn preprocessing_matches_an_sklearn_pipeline() {
    // SimpleImputer(median) -> signed log1p where |skew| > 1 -> StandardScaler,
    // on the raw data with every 17th cell missing (see make_golden.py).
    use segscope::analysis::{Preprocessor, Transform};
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let p = &d["preprocess"];
        let mut x = mat(&d["X"]);
        let every = p["missing_every"].as_u64().unwrap() as usize;
        x.as_slice_mut().unwrap().iter_mut().step_by(every).for_each(|v| *v = f64::NAN);
        let fitted = Preprocessor::default().fit(x.view()).unwrap();
        for (j, m) in vec1(&p["median"]).iter().enumerate() {
            assert!((fitted.steps[j].median - m).abs() <= 1e-12 * m.abs().max(1.0), "{name} median {j}");
        }
        let logged: Vec<usize> =
            (0..x.ncols()).filter(|&j| fitted.steps[j].transform == Transform::SignedLog1p).collect();
        assert_eq!(logged, labels(&p["log_columns"]), "{name}: which columns are log-transformed");
        assert_eq!(fitted.kept, (0..x.ncols()).collect::<Vec<_>>());
        for (a, b) in fitted.scaler.mean.iter().zip(vec1(&p["mean"])) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{name} mean {a} vs {b}");
        }
        for (a, b) in fitted.scaler.scale.iter().zip(vec1(&p["scale"])) {
            assert!(rel(*a, b) < 1e-12, "{name} scale {a} vs {b}");
        }
        let z = fitted.transform(x.view());
        let expected = mat(&p["transformed_first10"]);
        assert_block_close(&z, &expected, 10, x.ncols(), 1e-10, &format!("{name} transformed"));
    }
}

#[test]
fn silhouette_choice_of_k_matches_sklearn_sweep() {
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let xs = standardised(d);
        let best = |scores: &[(usize, f64)]| scores.iter().fold((0, f64::MIN), |b, s| if s.1 > b.1 { *s } else { b }).0;
        let theirs: Vec<(usize, f64)> = d["k_sweep"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["k"].as_u64().unwrap() as usize, s["silhouette"].as_f64().unwrap()))
            .collect();
        let ours: Vec<(usize, f64)> = (2..=10)
            .map(|k| (k, silhouette_score(xs.view(), &KMeans::new(k).seed(0).fit(xs.view()).unwrap().labels)))
            .collect();
        println!("{name:14} best k by silhouette: ours {} sklearn {}", best(&ours), best(&theirs));
        assert_eq!(best(&ours), best(&theirs), "{name}");
    }
}
