//! From the features to the segments, as SQL views: median imputation, the
//! fitted transforms and scaler ([`crate::analysis::FittedPreprocessor`]),
//! the clustering space (used features times their weights), PCA
//! ([`crate::analysis::FittedPca::transform_first`]) and the assignment
//! (`segscope_space`, `segscope_scores`), then the final `SELECT`.
//!
//! The assignment, per method:
//! - k-means: the nearest centre (squared Euclidean distance; ties: the
//!   lower segment), as [`crate::analysis::FittedKMeans::predict`];
//! - Gaussian mixture: the segment whose component has the highest
//!   weighted log-likelihood `ln w_c - d/2 ln(2 pi) + ln det(M_c) -
//!   ||(x - mu_c) M_c||^2 / 2` (`M_c` the precision's Cholesky factor, as
//!   scikit-learn's `_estimate_log_gaussian_prob`), and each segment's
//!   probability `exp(that - logsumexp over the components)`;
//! - HDBSCAN: the segment of the nearest training account (exemplar).

use super::{num, Dialect};
use crate::analysis::{Clusters, CovarianceType, Segmentation, Transform};
use crate::model::Model;

/// `transform(v)` as [`Transform::apply`] computes it.
fn transform(d: Dialect, t: Transform, v: &str) -> String {
    match t {
        Transform::None => v.into(),
        Transform::Log1p => {
            format!("CASE WHEN {v} < 0 THEN -{} ELSE {} END", d.ln_1p(&format!("(-{v})")), d.ln_1p(v))
        }
        Transform::YeoJohnson { lambda } => {
            let pos = if lambda.abs() < f64::EPSILON {
                d.ln_1p(v)
            } else {
                format!("{} / {}", d.exp_m1(&format!("{} * {}", num(lambda), d.ln_1p(v))), num(lambda))
            };
            let neg = if (lambda - 2.0).abs() > f64::EPSILON {
                let l = num(2.0 - lambda);
                format!("-{} / {l}", d.exp_m1(&format!("{l} * {}", d.ln_1p(&format!("(-{v})")))))
            } else {
                format!("-{}", d.ln_1p(&format!("(-{v})")))
            };
            format!("CASE WHEN {v} >= 0 THEN {pos} ELSE {neg} END")
        }
    }
}

/// `Σ_j (x_j - a_j) * b_j` over the columns `x1..xd`, `a` and `b` given as
/// SQL terms (numbers or column references).
fn dot_centred(
    d: usize,
    x: &dyn Fn(usize) -> String,
    a: &dyn Fn(usize) -> String,
    b: &dyn Fn(usize) -> String,
) -> String {
    (0..d).map(|j| format!("({} - {}) * {}", x(j), a(j), b(j))).collect::<Vec<_>>().join(" + ")
}

/// `Σ_j (x_j - c_j)^2`.
fn squared_distance(d: usize, x: &dyn Fn(usize) -> String, c: &dyn Fn(usize) -> String) -> String {
    (0..d).map(|j| format!("({x} - {c}) * ({x} - {c})", x = x(j), c = c(j))).collect::<Vec<_>>().join(" + ")
}

/// An inline table: `(VALUES (..), (..)) AS name(columns)`.
fn values(name: &str, columns: &[String], rows: &[Vec<String>]) -> String {
    let rows: Vec<String> = rows.iter().map(|r| format!("    ({})", r.join(", "))).collect();
    format!("(VALUES\n{}\n  ) AS {name}({})", rows.join(",\n"), columns.join(", "))
}

/// The views from `segscope_features` to the scores, and the final `SELECT`.
pub(super) fn pipeline(model: &Model, seg: &Segmentation, d: Dialect) -> (String, String) {
    let pre = &seg.preprocessor;
    let mut out = String::new();

    // Imputation and transform, per kept feature.
    let kept: Vec<String> = pre
        .kept
        .iter()
        .enumerate()
        .map(|(i, &j)| {
            let step = &pre.steps[j];
            let v = format!("COALESCE(f.{}, {})", d.ident(&model.features[j].key), num(step.median));
            format!("  {} AS t{}", transform(d, step.transform, &v), i + 1)
        })
        .collect();
    out.push_str(&format!(
        "-- Median imputation and the fitted transforms (ln(1 + x), Yeo-Johnson with its lambda), per kept feature.\n\
         CREATE OR REPLACE TEMPORARY VIEW segscope_transformed AS\nSELECT f.account_id,\n{}\nFROM segscope_features AS f;\n\n",
        kept.join(",\n")
    ));

    // Scaler and clustering space.
    let space: Vec<String> = seg
        .used
        .iter()
        .zip(&seg.weights)
        .enumerate()
        .map(|(i, (u, &w))| {
            let at = pre.kept.iter().position(|k| k == u).expect("used features are kept");
            let z = format!("(t{} - {}) / {}", at + 1, num(pre.center[at]), num(pre.scale[at]));
            let x = if w != 1.0 { format!("({z}) * {}", num(w)) } else { z };
            format!("  {x} AS x{}", i + 1)
        })
        .collect();
    let dim = space.len();
    // The first two principal components, from the space's columns.
    let xs = |j: usize| format!("x{}", j + 1);
    let pc = |c: usize| {
        if c < seg.pca.components.nrows() {
            let comp = seg.pca.components.row(c);
            dot_centred(dim, &xs, &|j| num(seg.pca.mean[j]), &|j| num(comp[j]))
        } else {
            "0E0".into()
        }
    };
    out.push_str(&format!(
        "-- Scaled ({:?} scaler) and weighted: the clustering space, one column per clustering feature ({}),\n\
         -- and the first two principal components.\n\
         CREATE OR REPLACE TEMPORARY VIEW segscope_space AS\nSELECT *,\n  {} AS pc1,\n  {} AS pc2\nFROM (\nSELECT account_id,\n{}\nFROM segscope_transformed\n) AS x;\n\n",
        pre.scaling,
        seg.used.iter().map(|&u| model.features[u].key.as_str()).collect::<Vec<_>>().join(", "),
        pc(0),
        pc(1),
        space.join(",\n")
    ));

    // Each view below reads only the one before it: an engine computes the chain once.
    let x = |j: usize| format!("s.x{}", j + 1);
    let k = seg.k;
    match &seg.clusters {
        Clusters::Centres(c) | Clusters::Exemplars { points: c, .. } => {
            let (what, seg_of): (&str, Vec<usize>) = match &seg.clusters {
                Clusters::Exemplars { segments, .. } => ("training accounts' points (exemplars)", segments.clone()),
                _ => ("centres", (1..=c.nrows()).collect()),
            };
            let rows: Vec<Vec<String>> = c
                .rows()
                .into_iter()
                .enumerate()
                .map(|(i, r)| std::iter::once(seg_of[i].to_string()).chain(r.iter().map(|&v| num(v))).collect())
                .collect();
            let mut columns = vec!["segment".to_string()];
            columns.extend((1..=dim).map(|j| format!("c{j}")));
            out.push_str(&format!(
                "-- Squared distance from each account to the nearest of each segment's {what}.\n\
                 CREATE OR REPLACE TEMPORARY VIEW segscope_distances AS\nSELECT s.account_id, s.pc1, s.pc2, c.segment, min({}) AS d2\n\
                 FROM segscope_space AS s\n  CROSS JOIN {}\nGROUP BY s.account_id, s.pc1, s.pc2, c.segment;\n\n",
                squared_distance(dim, &x, &|j| format!("c.c{}", j + 1)),
                values("c", &columns, &rows)
            ));
            out.push_str(
                "-- The nearest segment (ties: the lower segment), its distance and the margin to the second nearest\n\
                 -- (scaled units).\n\
                 CREATE OR REPLACE TEMPORARY VIEW segscope_scores AS\n\
                 SELECT account_id,\n  min(CASE WHEN rank = 1 THEN segment END) AS segment,\n  min(pc1) AS pc1,\n  min(pc2) AS pc2,\n  \
                 min(CASE WHEN rank = 1 THEN sqrt(d2) END) AS distance,\n  \
                 min(CASE WHEN rank = 2 THEN sqrt(d2) END) - min(CASE WHEN rank = 1 THEN sqrt(d2) END) AS margin\n\
                 FROM (SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY d2, segment) AS rank FROM segscope_distances) AS ranked\n\
                 GROUP BY account_id;\n\n",
            );
            (out, final_select(model, d, k, false))
        }
        Clusters::Mixture { gmm, order } => {
            let ln2pi = (2.0 * std::f64::consts::PI).ln();
            let mut columns = vec!["component".to_string(), "segment".to_string(), "base".to_string()];
            columns.extend((1..=dim).map(|j| format!("m{j}")));
            let full = gmm.covariance_type == CovarianceType::Full;
            let pairs: Vec<(usize, usize)> = if full {
                (0..dim).flat_map(|b| (0..=b).map(move |a| (a, b))).collect()
            } else {
                (0..dim).map(|a| (a, a)).collect()
            };
            columns.extend(pairs.iter().map(|(a, b)| format!("p{}_{}", a + 1, b + 1)));
            let rows: Vec<Vec<String>> = (0..gmm.weights.len())
                .map(|c| {
                    let m = &gmm.precisions_cholesky[c];
                    let log_det: f64 = (0..dim).map(|a| m[[a, a]].ln()).sum();
                    let base = -0.5 * dim as f64 * ln2pi + log_det + gmm.weights[c].ln();
                    let segment =
                        order.iter().position(|&o| o == c).map_or("NULL".to_string(), |s| (s + 1).to_string());
                    let mut row = vec![c.to_string(), segment, num(base)];
                    row.extend(gmm.means.row(c).iter().map(|&v| num(v)));
                    row.extend(pairs.iter().map(|&(a, b)| num(m[[a, b]])));
                    row
                })
                .collect();
            // y_b = Σ_{a <= b} (x_a - mu_a) M_ab; log-likelihood = base - Σ_b y_b² / 2.
            let y: Vec<String> = (0..dim)
                .map(|b| {
                    let terms: Vec<String> = pairs
                        .iter()
                        .filter(|p| p.1 == b)
                        .map(|&(a, b)| format!("({} - c.m{}) * c.p{}_{}", x(a), a + 1, a + 1, b + 1))
                        .collect();
                    format!("({})", terms.join(" + "))
                })
                .collect();
            let maha = y.iter().map(|t| format!("{t} * {t}")).collect::<Vec<_>>().join(" + ");
            out.push_str(&format!(
                "-- Each component's weighted log-likelihood of each account, and the squared distance to its mean.\n\
                 CREATE OR REPLACE TEMPORARY VIEW segscope_likelihoods AS\n\
                 SELECT s.account_id, s.pc1, s.pc2, c.component, c.segment, c.base - 0.5E0 * ({maha}) AS lp, {d2} AS d2\n\
                 FROM segscope_space AS s\n  CROSS JOIN {};\n\n",
                values("c", &columns, &rows),
                d2 = squared_distance(dim, &x, &|j| format!("c.m{}", j + 1)),
            ));
            let probs: Vec<String> = (1..=k)
                .map(|s| format!("  max(CASE WHEN segment = {s} THEN exp(lp - lse) END) AS p_segment_{s}"))
                .collect();
            let margin = if k > 1 {
                "max(CASE WHEN rank = 1 THEN exp(lp - lse) END) - max(CASE WHEN rank = 2 THEN exp(lp - lse) END)"
            } else {
                "1E0"
            };
            out.push_str(&format!(
                "-- The most probable segment (ties: the lower component), the distance to its mean (scaled units),\n\
                 -- each segment's probability (logsumexp over all components), and the margin between the two most\n\
                 -- probable segments' probabilities (as the app's near-tie rule).\n\
                 CREATE OR REPLACE TEMPORARY VIEW segscope_scores AS\n\
                 SELECT account_id,\n  max(CASE WHEN rank = 1 THEN segment END) AS segment,\n  min(pc1) AS pc1,\n  min(pc2) AS pc2,\n  \
                 max(CASE WHEN rank = 1 THEN sqrt(d2) END) AS distance,\n  {margin} AS margin,\n{probs}\n\
                 FROM (\n  SELECT *,\n    top + ln(sum(exp(lp - top)) OVER (PARTITION BY account_id)) AS lse,\n    \
                 CASE WHEN segment IS NOT NULL THEN row_number() OVER (PARTITION BY account_id, segment IS NULL ORDER BY lp DESC, component) END AS rank\n  \
                 FROM (SELECT *, max(lp) OVER (PARTITION BY account_id) AS top FROM segscope_likelihoods) AS l\n\
                 ) AS ranked\nGROUP BY account_id;\n\n",
                probs = probs.join(",\n"),
            ));
            (out, final_select(model, d, k, true))
        }
    }
}

/// One row per account: id, segment, name, PC1, PC2, distance, margin (and
/// each segment's probability for a mixture).
fn final_select(model: &Model, d: Dialect, k: usize, mixture: bool) -> String {
    let names: Vec<Vec<String>> =
        model.names().iter().enumerate().map(|(i, n)| vec![(i + 1).to_string(), d.string(n)]).collect();
    let probs = if mixture { (1..=k).map(|s| format!(", s.p_segment_{s}")).collect::<String>() } else { String::new() };
    format!(
        "-- The result: one row per account.\n\
         SELECT s.account_id, s.segment, n.name, s.pc1, s.pc2, s.distance, s.margin{probs}\n\
         FROM segscope_scores AS s\n  LEFT JOIN {} ON n.segment = s.segment\nORDER BY s.account_id;\n",
        values("n", &["segment".into(), "name".into()], &names)
    )
}
