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
use segscope::analysis::preprocess::{signed_log1p, yeo_johnson, yeo_johnson_lambda, RobustScaler, StandardScaler};
use segscope::analysis::{KMeans, Pca};
use serde_json::Value;

mod common;
use common::{labels, mat, vec1};

fn golden() -> Value {
    common::golden_file("sklearn_golden.json")
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
        println!(
            "{name:14} PCA EVR[0] {:.15} vs {:.15}; EVR[1] {:.15} vs {:.15}",
            p.explained_variance_ratio[0], evr[0], p.explained_variance_ratio[1], evr[1]
        );
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
            println!(
                "{name:14} {labels_key:6} labels: silhouette {sil:.12} vs {:.12}; CH {ch:.9} vs {:.9}; DB {db:.12} vs {:.12}",
                m["silhouette"].as_f64().unwrap(),
                m["calinski_harabasz"].as_f64().unwrap(),
                m["davies_bouldin"].as_f64().unwrap()
            );
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
    use segscope::analysis::{Preprocessor, Scaling, Transform};
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
        let logged: Vec<usize> = (0..x.ncols()).filter(|&j| fitted.steps[j].transform == Transform::Log1p).collect();
        assert_eq!(logged, labels(&p["log_columns"]), "{name}: which columns get ln(1 + x)");
        let yj: Vec<(usize, f64)> = (0..x.ncols())
            .filter_map(|j| match fitted.steps[j].transform {
                Transform::YeoJohnson { lambda } => Some((j, lambda)),
                _ => None,
            })
            .collect();
        assert_eq!(
            yj.iter().map(|c| c.0).collect::<Vec<_>>(),
            labels(&p["yeo_johnson_columns"]),
            "{name}: Yeo-Johnson"
        );
        for ((_, ours), theirs) in yj.iter().zip(vec1(&p["yeo_johnson_lambdas"])) {
            assert!((ours - theirs).abs() < 1e-6, "{name} lambda {ours} vs {theirs}");
        }
        assert_eq!(fitted.kept, (0..x.ncols()).collect::<Vec<_>>());
        for (a, b) in fitted.center.iter().zip(vec1(&p["mean"])) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{name} mean {a} vs {b}");
        }
        for (a, b) in fitted.scale.iter().zip(vec1(&p["scale"])) {
            assert!(rel(*a, b) < 1e-12, "{name} scale {a} vs {b}");
        }
        let z = fitted.transform(x.view());
        let expected = mat(&p["transformed_first10"]);
        assert_block_close(&z, &expected, 10, x.ncols(), 1e-10, &format!("{name} transformed"));
        // The same pipeline ending in RobustScaler.
        let robust = Preprocessor { scaling: Scaling::Robust, ..Default::default() }.fit(x.view()).unwrap();
        for (a, b) in robust.center.iter().zip(vec1(&p["robust_center"])) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{name} robust center {a} vs {b}");
        }
        for (a, b) in robust.scale.iter().zip(vec1(&p["robust_scale"])) {
            assert!(rel(*a, b) < 1e-12, "{name} robust scale {a} vs {b}");
        }
        let expected = mat(&p["robust_transformed_first10"]);
        assert_block_close(&robust.transform(x.view()), &expected, 10, x.ncols(), 1e-10, &format!("{name} robust"));
    }
}

#[test]
fn robust_scaler_and_yeo_johnson_match_sklearn() {
    let g = golden();
    let mut worst = 0.0f64;
    for name in DATASETS {
        let d = &g["datasets"][name];
        let x = mat(&d["X"]);
        let r = RobustScaler.fit(x.view());
        for (a, b) in r.center.iter().zip(vec1(&d["robust_scaler"]["center"])) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{name} center {a} vs {b}");
        }
        for (a, b) in r.scale.iter().zip(vec1(&d["robust_scaler"]["scale"])) {
            assert!(rel(*a, b) < 1e-12, "{name} IQR {a} vs {b}");
        }
        // PowerTransformer(method="yeo-johnson", standardize=False) on the standardised data (mixed signs).
        let xs = standardised(d);
        let yj = &d["yeo_johnson_on_standardised"];
        let expected = mat(&yj["transform_first5"]);
        for (j, theirs) in vec1(&yj["lambdas"]).iter().enumerate() {
            let col: Vec<f64> = xs.column(j).to_vec();
            let ours = yeo_johnson_lambda(&col);
            worst = worst.max((ours - theirs).abs());
            assert!((ours - theirs).abs() < 1e-6, "{name} column {j}: lambda {ours} vs {theirs}");
            for i in 0..5 {
                let (a, e) = (yeo_johnson(col[i], ours), expected[[i, j]]);
                assert!((a - e).abs() < 1e-6 * e.abs().max(1.0), "{name} [{i},{j}]: {a} vs {e}");
            }
        }
    }
    println!("Yeo-Johnson lambda: largest |ours - sklearn| {worst:.3e}");
}

#[test]
fn elkan_equals_lloyd_and_mini_batch_is_close() {
    use segscope::analysis::{KMeansAlgorithm, MiniBatchKMeans};
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let xs = standardised(d);
        let k = d["kmeans"]["k"].as_u64().unwrap() as usize;
        let lloyd = KMeans::new(k).seed(0).fit(xs.view()).unwrap();
        let elkan = KMeans::new(k).seed(0).algorithm(KMeansAlgorithm::Elkan).fit(xs.view()).unwrap();
        assert_eq!(lloyd.labels, elkan.labels, "{name}: Elkan and Lloyd labels");
        assert!(rel(elkan.inertia, lloyd.inertia) < 1e-12, "{name}: Elkan inertia");
        let their_elkan = d["kmeans"]["elkan_inertia"].as_f64().unwrap();
        assert!(elkan.inertia <= their_elkan * 1.001, "{name}: Elkan {} vs sklearn {their_elkan}", elkan.inertia);
        // Mini-batch results vary with the seed (in sklearn too): compare means over seeds 0-63.
        let runs: Vec<_> = (0..64).map(|s| MiniBatchKMeans::new(k).seed(s).fit(xs.view()).unwrap()).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let ours = mean(&runs.iter().map(|r| r.inertia).collect::<Vec<_>>());
        let theirs = mean(&vec1(&d["kmeans"]["minibatch_inertia_seeds_0_63"]));
        let ari = mean(&runs.iter().map(|r| adjusted_rand_index(&labels(&d["y"]), &r.labels)).collect::<Vec<_>>());
        let their_ari = mean(&vec1(&d["kmeans"]["minibatch_ari_vs_truth_seeds_0_63"]));
        println!(
            "{name:14} mini-batch mean inertia ours {ours:.4} sklearn {theirs:.4} (Lloyd {:.4}); mean ARI ours {ari:.4} sklearn {their_ari:.4}",
            lloyd.inertia
        );
        assert!(ours <= theirs * 1.01, "{name}: mini-batch mean inertia {ours} vs sklearn {theirs}");
        assert!(ari >= their_ari - 0.02, "{name}: mini-batch mean ARI {ari} vs sklearn {their_ari}");
        assert!(ours <= lloyd.inertia * 1.03, "{name}: mini-batch mean inertia {ours} vs Lloyd");
    }
}

#[test]
fn gaussian_mixture_bic_matches_sklearn_from_the_same_start() {
    use segscope::analysis::{CovarianceType, GaussianMixture};
    let g = golden();
    for name in DATASETS {
        let d = &g["datasets"][name];
        let xs = standardised(d);
        let gm = &d["gmm"];
        for (key, ct) in [("full", CovarianceType::Full), ("diag", CovarianceType::Diag)] {
            let mut bics = Vec::new();
            for r in gm[key]["by_k"].as_array().unwrap() {
                let k = r["k"].as_u64().unwrap() as usize;
                let init = labels(&gm["init_labels"][k.to_string()]);
                let f = GaussianMixture::new(k).covariance_type(ct).fit_from_labels(xs.view(), &init).unwrap();
                let (ours, theirs) = (f.bic(xs.view()), r["bic"].as_f64().unwrap());
                assert!(rel(ours, theirs) < 1e-6, "{name} {key} k={k}: BIC {ours} vs {theirs}");
                assert_eq!(f.n_iter as u64, r["n_iter"].as_u64().unwrap(), "{name} {key} k={k}: EM iterations");
                assert!(rel(f.aic(xs.view()), r["aic"].as_f64().unwrap()) < 1e-6, "{name} {key} k={k}: AIC");
                let ss = f.score_samples(xs.slice(ndarray::s![0..5, ..]));
                for (a, b) in ss.iter().zip(vec1(&r["score_samples_first5"])) {
                    assert!((a - b).abs() < 1e-6 * b.abs().max(1.0), "{name} {key} k={k}: log-likelihood {a} vs {b}");
                }
                let p = f.predict_proba(xs.slice(ndarray::s![0..5, ..]));
                assert_block_close(&p, &mat(&r["predict_proba_first5"]), 5, k, 1e-6, &format!("{name} {key} k={k}"));
                bics.push((k, ours, theirs));
            }
            let best = bics.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
            let worst = bics.iter().map(|b| rel(b.1, b.2)).fold(0.0, f64::max);
            println!(
                "{name:14} GMM {key}: best k by BIC ours {best} sklearn {}; BIC at best {:.6} vs {:.6}; largest rel diff {worst:.1e}",
                gm[key]["best_k_by_bic"],
                bics[best - 1].1,
                bics[best - 1].2
            );
            assert_eq!(best as u64, gm[key]["best_k_by_bic"].as_u64().unwrap(), "{name} {key}: chosen k");
        }
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
