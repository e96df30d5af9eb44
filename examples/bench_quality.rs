//! The quality benchmark (issue 15; a benchmark that prints figures, not a
//! test): how well segscope recovers known trader types, and how often each
//! rule for the automatic k finds the true k.
//!
//! The suite:
//! - **trader populations** from the sample generator
//!   ([`segscope::sample::generate_population`]) with 3 to 9 known types,
//!   equal or unequal sizes (shares 1, 1/2, 1/3, ...), easy (noise 0) or
//!   noisy (every account's traits jittered by 0.5), 2 seeds each, 1,500
//!   accounts: read, mapped and featurised as a dropped file would be;
//! - **classic shapes**: isotropic Gaussian blobs (`make_blobs`-like, 8
//!   dimensions) and the same blobs sheared by a random linear map
//!   (anisotropic), k = 3 to 9, 1,500 rows.
//!
//! Printed: the mean adjusted Rand index against the known types for each
//! feature set (all features, behaviour features, behaviour with balanced
//! families), k given (true k) or automatic (by the Calinski-Harabasz rule,
//! and by the earlier rules: silhouette for k-means, BIC for the mixture),
//! k-means and the Gaussian mixture; then each k rule's hit rate (chosen k =
//! true k) over the suite, including the shipped sample's population.
//!
//! Usage: `cargo run --release --example bench_quality [-- quick]`
//! (`scripts/bench-quality.sh`); `quick` runs one seed and k = 3, 6, 9.

use ndarray::{Array2, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segscope::analysis::metrics::{
    adjusted_rand_index, calinski_harabasz, davies_bouldin, pairwise_distances, sample_indices,
    silhouette_samples_precomputed,
};
use segscope::analysis::{
    segment, subsample_stability, CovarianceType, GaussianMixture, KMeans, KRule, Method, Preprocessor, SegmentOptions,
};
use segscope::features::{extract, FeatureRole, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::{FeatureSet, Settings};
use segscope::sample::{gaussian_blobs, generate_population, Archetype, Population, SAMPLE_SEED};
use std::collections::BTreeMap;
use std::time::Instant;

/// One dataset with known labels.
struct Case {
    group: &'static str,
    k: usize,
    labels: Vec<usize>,
    /// Trader populations: the feature table (account order = label order).
    ft: Option<FeatureTable>,
    /// Shapes: the matrix to cluster as it is.
    x: Option<Array2<f64>>,
}

/// The type order populations take their first k types from: the sample's
/// six types, then the three others.
const TYPES: [Archetype; 9] = Archetype::ALL;

fn trader_cases(seeds: &[u64], ks: &[usize]) -> Vec<Case> {
    let mut out = Vec::new();
    for &noisy in &[false, true] {
        for &unequal in &[false, true] {
            for &k in ks {
                for &seed in seeds {
                    let shares: Vec<f64> = (0..k).map(|i| if unequal { 1.0 / (i + 1) as f64 } else { 1.0 }).collect();
                    let pop = Population::new(&TYPES[..k], &shares, if noisy { 0.5 } else { 0.0 });
                    let g = generate_population(seed * 1000 + k as u64, 1500, &pop);
                    let t = parse_bytes(g.csv.as_bytes()).expect("generated CSV parses").1;
                    let m = detect_mapping(&t);
                    let ft = extract(&t, &m).expect("features");
                    // Accounts are in order of first appearance; labels are by account number.
                    let labels = ft
                        .ids
                        .iter()
                        .map(|id| g.types[id.trim_start_matches("ACC").parse::<usize>().expect("ACC id") - 1])
                        .collect();
                    let group = match (noisy, unequal) {
                        (false, false) => "traders, easy, equal sizes",
                        (false, true) => "traders, easy, unequal sizes",
                        (true, false) => "traders, noisy, equal sizes",
                        (true, true) => "traders, noisy, unequal sizes",
                    };
                    out.push(Case { group, k, labels, ft: Some(ft), x: None });
                }
            }
        }
    }
    out
}

/// The shipped sample's population (six types, its shares), generated
/// with other seeds: the demo users see first.
fn sample_cases(seeds: &[u64]) -> Vec<Case> {
    seeds
        .iter()
        .map(|&seed| {
            let g = generate_population(seed, 3000, &Population::sample());
            let t = parse_bytes(g.csv.as_bytes()).expect("generated CSV parses").1;
            let ft = extract(&t, &detect_mapping(&t)).expect("features");
            let labels = ft
                .ids
                .iter()
                .map(|id| g.types[id.trim_start_matches("ACC").parse::<usize>().expect("ACC id") - 1])
                .collect();
            Case { group: "the sample's population", k: 6, labels, ft: Some(ft), x: None }
        })
        .collect()
}

fn shape_cases(seeds: &[u64], ks: &[usize]) -> Vec<Case> {
    let mut out = Vec::new();
    for &k in ks {
        for &seed in seeds {
            let n = 1500;
            let blobs = gaussian_blobs(n, 8, k, seed * 100 + k as u64);
            // Spread the centres so that the blobs are separable (about 6 sd apart).
            let mut x = blobs.clone();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let shift: Vec<f64> = (0..k * 8).map(|_| rng.random_range(-6.0..6.0)).collect();
            for (i, mut row) in x.rows_mut().into_iter().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v += shift[(i % k) * 8 + j];
                }
            }
            let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
            let shear = Array2::from_shape_fn((8, 8), |(a, b)| if a == b { 1.0 } else { rng.random_range(-0.6..0.6) });
            out.push(Case {
                group: "shapes, anisotropic blobs",
                k,
                labels: labels.clone(),
                ft: None,
                x: Some(x.dot(&shear)),
            });
            out.push(Case { group: "shapes, blobs", k, labels, ft: None, x: Some(x) });
        }
    }
    out
}

/// The feature table with only the features `keep` says.
fn select(ft: &FeatureTable, keep: impl Fn(usize) -> bool) -> FeatureTable {
    let cols: Vec<usize> = (0..ft.defs.len()).filter(|&j| keep(j)).collect();
    FeatureTable {
        ids: ft.ids.clone(),
        defs: cols.iter().map(|&j| ft.defs[j].clone()).collect(),
        values: ft.values.select(Axis(1), &cols),
        not_computed: vec![],
        rows_used: ft.rows_used,
        skipped: vec![],
        ignored_cells: vec![],
        accounts_left_out: 0,
        notes: vec![],
        risk: None,
    }
}

/// A shape's matrix as a customer table (its columns used as they are).
fn as_table(x: &Array2<f64>) -> FeatureTable {
    FeatureTable {
        ids: (0..x.nrows()).map(|i| i.to_string()).collect(),
        defs: (0..x.ncols())
            .map(|j| segscope::features::FeatureDef {
                key: format!("x{j}"),
                unit: String::new(),
                formula: String::new(),
                feature: None,
            })
            .collect(),
        values: x.clone(),
        not_computed: vec![],
        rows_used: x.nrows(),
        skipped: vec![],
        ignored_cells: vec![],
        accounts_left_out: 0,
        notes: vec![],
        risk: None,
    }
}

/// Per-k scores of one scaled matrix, for the k rules.
struct Sweep {
    ks: Vec<usize>,
    silhouette: Vec<f64>,
    ch: Vec<f64>,
    db: Vec<f64>,
    gap: Vec<f64>,
    gap_sd: Vec<f64>,
    bic: Vec<f64>,
    stability: Vec<f64>,
}

fn sweep(z: ArrayView2<f64>, seed: u64) -> Sweep {
    let idx = sample_indices(z.nrows(), 2000, seed);
    let zs = z.select(Axis(0), &idx);
    let dist = pairwise_distances(zs.view());
    let ks: Vec<usize> = (2..=10).collect();
    let mut s = Sweep {
        ks: ks.clone(),
        silhouette: vec![],
        ch: vec![],
        db: vec![],
        gap: vec![],
        gap_sd: vec![],
        bic: vec![],
        stability: vec![],
    };
    // Gap statistic (Tibshirani, Walther & Hastie 2001): reference data
    // uniform over the bounding box of the principal-axis-free data (the
    // simple variant), B = 5 references.
    let (lo, hi): (Vec<f64>, Vec<f64>) = (0..zs.ncols())
        .map(|j| {
            let c = zs.column(j);
            (c.fold(f64::INFINITY, |a, &b| a.min(b)), c.fold(f64::NEG_INFINITY, |a, &b| a.max(b)))
        })
        .unzip();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37);
    let refs: Vec<Array2<f64>> = (0..5)
        .map(|_| Array2::from_shape_fn(zs.dim(), |(_, j)| lo[j] + (hi[j] - lo[j]) * rng.random::<f64>()))
        .collect();
    for &k in &ks {
        let f = KMeans::new(k).seed(seed).n_init(3).fit(zs.view()).expect("k-means");
        let sil = silhouette_samples_precomputed(dist.view(), &f.labels);
        s.silhouette.push(sil.iter().sum::<f64>() / sil.len() as f64);
        s.ch.push(calinski_harabasz(zs.view(), &f.labels));
        s.db.push(davies_bouldin(zs.view(), &f.labels));
        let logw: Vec<f64> = refs
            .iter()
            .map(|r| KMeans::new(k).seed(seed).n_init(1).fit(r.view()).expect("k-means").inertia.ln())
            .collect();
        let mean = logw.iter().sum::<f64>() / logw.len() as f64;
        let sd = (logw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / logw.len() as f64).sqrt();
        s.gap.push(mean - f.inertia.ln());
        s.gap_sd.push(sd * (1.0 + 1.0 / logw.len() as f64).sqrt());
        let g = GaussianMixture::new(k).covariance_type(CovarianceType::Diag).seed(seed).fit(zs.view());
        s.bic.push(g.map(|g| g.bic(zs.view())).unwrap_or(f64::INFINITY));
        let st = subsample_stability(zs.view(), 5, 0.8, seed, None, |x, sd| {
            Ok(KMeans::new(k.min(x.nrows())).seed(sd).n_init(1).fit(x)?.labels)
        });
        s.stability.push(st.map(|s| s.mean_ari).unwrap_or(0.0));
    }
    s
}

fn argbest(ks: &[usize], v: &[f64], higher: bool) -> usize {
    let mut best = 0;
    for i in 1..v.len() {
        if (higher && v[i] > v[best]) || (!higher && v[i] < v[best]) {
            best = i;
        }
    }
    ks[best]
}

/// Each rule's chosen k.
fn rules(s: &Sweep) -> Vec<(&'static str, usize)> {
    let ks = &s.ks;
    let gap =
        (0..ks.len() - 1).find(|&i| s.gap[i] >= s.gap[i + 1] - s.gap_sd[i + 1]).map_or(ks[ks.len() - 1], |i| ks[i]);
    let smax = s.silhouette.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    // Among the k whose silhouette is within 10 % of the best, the most stable (then the larger k).
    let near: Vec<usize> = (0..ks.len()).filter(|&i| s.silhouette[i] >= smax - 0.1 * smax.abs()).collect();
    let sil_stab = near
        .iter()
        .copied()
        .max_by(|&a, &b| s.stability[a].total_cmp(&s.stability[b]).then(a.cmp(&b)))
        .map_or(2, |i| ks[i]);
    // Stability-weighted silhouette.
    let sxs: Vec<f64> = (0..ks.len()).map(|i| s.silhouette[i] * s.stability[i]).collect();
    vec![
        ("silhouette (max)", argbest(ks, &s.silhouette, true)),
        ("Calinski-Harabasz (max)", argbest(ks, &s.ch, true)),
        ("Davies-Bouldin (min)", argbest(ks, &s.db, false)),
        ("gap statistic (Tibshirani)", gap),
        ("BIC of diagonal mixture (min)", argbest(ks, &s.bic, false)),
        ("stability (max)", argbest(ks, &s.stability, true)),
        ("silhouette within 10 %, most stable", sil_stab),
        ("silhouette x stability (max)", argbest(ks, &sxs, true)),
    ]
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (seeds, ks): (Vec<u64>, Vec<usize>) =
        if quick { (vec![1], vec![3, 6, 9]) } else { (vec![1, 2], (3..=9).collect()) };
    let t0 = Instant::now();
    let mut cases = trader_cases(&seeds, &ks);
    cases.extend(shape_cases(&seeds, &ks));
    cases.extend(sample_cases(if quick { &[SAMPLE_SEED] } else { &[SAMPLE_SEED, 1, 2, 3] }));
    eprintln!("{} datasets built in {:.1} s", cases.len(), t0.elapsed().as_secs_f64());

    // ARI of the pipeline, per group and setting.
    let mut ari: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    // Hits of each k rule, per group.
    let mut hits: BTreeMap<(String, &'static str), (usize, usize)> = BTreeMap::new();
    let mut chosen: BTreeMap<(String, &'static str), Vec<String>> = BTreeMap::new();
    for (ci, c) in cases.iter().enumerate() {
        let t = Instant::now();
        let seed = 42;
        let (ft, z_for_rules) = match (&c.ft, &c.x) {
            (Some(ft), _) => {
                let behaviour = select(ft, |j| ft.defs[j].role() == FeatureRole::Behaviour);
                let z = Preprocessor::default().fit_transform(behaviour.values.view()).expect("scale").1;
                (ft.clone(), z)
            }
            (None, Some(x)) => (as_table(x), Preprocessor::default().fit_transform(x.view()).expect("scale").1),
            _ => unreachable!(),
        };
        let sets: Vec<(&str, Settings)> = if c.ft.is_some() {
            vec![
                ("all features", Settings { features: FeatureSet::All, ..Settings::default() }),
                ("behaviour features", Settings::default()),
                ("behaviour, balanced families", Settings { balance_families: true, ..Settings::default() }),
            ]
        } else {
            vec![("all features", Settings::default())]
        };
        for (set, settings) in &sets {
            for (mname, method, rule) in [
                ("k-means", Method::KMeans, KRule::CalinskiHarabasz),
                ("k-means (silhouette rule)", Method::KMeans, KRule::Silhouette),
                ("mixture", Method::GaussianMixture { covariance: CovarianceType::Full }, KRule::CalinskiHarabasz),
                ("mixture (BIC rule)", Method::GaussianMixture { covariance: CovarianceType::Full }, KRule::Bic),
            ] {
                for (kname, k) in [("k given", Some(c.k)), ("k auto", None)] {
                    if k.is_some() && rule != KRule::CalinskiHarabasz {
                        continue; // the rule only matters when k is chosen
                    }
                    let opts = SegmentOptions {
                        stability_runs: 0,
                        k_rule: rule,
                        ..Settings { method, k, seed, ..settings.clone() }.options(&ft)
                    };
                    let a = match segment(&ft, &opts) {
                        Ok(s) => adjusted_rand_index(&s.segments, &c.labels),
                        Err(_) => 0.0,
                    };
                    ari.entry((c.group.to_string(), format!("{set}, {mname}, {kname}"))).or_default().push(a);
                }
            }
        }
        let s = sweep(z_for_rules.view(), seed);
        for (rule, k) in rules(&s) {
            let e = hits.entry((c.group.to_string(), rule)).or_default();
            e.0 += (k == c.k) as usize;
            e.1 += 1;
            chosen.entry((c.group.to_string(), rule)).or_default().push(format!("{}->{k}", c.k));
        }
        eprintln!("[{}/{}] {} k={} in {:.1} s", ci + 1, cases.len(), c.group, c.k, t.elapsed().as_secs_f64());
    }

    let groups: Vec<String> = {
        let mut g: Vec<String> = cases.iter().map(|c| c.group.to_string()).collect();
        g.dedup();
        g.sort();
        g.dedup();
        g
    };
    println!("\n### Mean ARI against the known types ({} seeds per k, k = {:?})\n", seeds.len(), ks);
    let settings: Vec<String> = {
        let mut s: Vec<String> = ari.keys().map(|(_, s)| s.clone()).collect();
        s.sort();
        s.dedup();
        s
    };
    print!("| setting |");
    for g in &groups {
        print!(" {g} |");
    }
    println!("\n|---|{}", "---|".repeat(groups.len()));
    for s in &settings {
        print!("| {s} |");
        for g in &groups {
            match ari.get(&(g.clone(), s.clone())) {
                Some(v) => print!(" {:.3} |", v.iter().sum::<f64>() / v.len() as f64),
                None => print!(" - |"),
            }
        }
        println!();
    }
    println!(
        "\n### k rules: share of datasets where the chosen k is the true k (behaviour features; shapes as given)\n"
    );
    let rule_names: Vec<&str> =
        rules(&sweep(Array2::<f64>::from_shape_fn((30, 2), |(i, j)| (i * (j + 1)) as f64).view(), 1))
            .into_iter()
            .map(|r| r.0)
            .collect();
    print!("| rule |");
    for g in &groups {
        print!(" {g} |");
    }
    println!(" all |\n|---|{}---|", "---|".repeat(groups.len()));
    for r in &rule_names {
        print!("| {r} |");
        let (mut h, mut n) = (0, 0);
        for g in &groups {
            let (a, b) = hits.get(&(g.clone(), *r)).copied().unwrap_or((0, 0));
            h += a;
            n += b;
            print!(" {a}/{b} |");
        }
        println!(" {:.0} % |", 100.0 * h as f64 / n.max(1) as f64);
    }
    println!("\nchosen k per dataset (true->chosen):");
    for ((g, r), v) in &chosen {
        println!("  {g} / {r}: {}", v.join(" "));
    }
    eprintln!("total {:.0} s", t0.elapsed().as_secs_f64());
}
