//! What the page says about a result's quality: why this k (and how close
//! the runner-up was), the **Warnings** a careful analyst would raise
//! (a tiny segment, a k at the edge of the searched range, overlapping
//! segments, one feature family dominating, near-duplicate features), and
//! which features defined the segments; the heading of the Top anomalies table.

use crate::analysis::correlation::{near_duplicates, NEAR_DUPLICATE_R};
use crate::analysis::segmentation::runner_up;
use crate::analysis::{Method, Segmentation};
use crate::features::catalog::dominant_family;
use crate::features::FeatureTable;

/// A segment smaller than this share of the accounts gets a warning.
pub const SMALL_SEGMENT_SHARE: f64 = 0.01;
/// A segment with fewer accounts than this gets a warning.
pub const SMALL_SEGMENT_ACCOUNTS: usize = 10;
/// A mean silhouette below this gets a warning.
pub const LOW_SILHOUETTE: f64 = 0.1;

/// How k was found, for the **Quality** line: e.g. "highest
/// Calinski-Harabasz index over k = 2..10: 812 at k = 6, runner-up k = 5
/// at 760 (6 % lower)".
pub fn k_reason(seg: &Segmentation) -> String {
    let range = match (seg.sweep.first(), seg.sweep.last()) {
        (Some(a), Some(b)) => format!("k = {}..{}", a.k, b.k),
        _ => String::new(),
    };
    let mut how = match (seg.k_auto, seg.method) {
        (_, Method::Hdbscan { .. }) => "found by HDBSCAN".to_string(),
        (true, m) => {
            let rule = seg.k_rule;
            let chosen = seg.k_requested.and_then(|k| seg.sweep.iter().find(|s| s.k == k));
            let shown_best = crate::analysis::segmentation::best(&seg.sweep, rule).map(|b| b.k);
            let elected_elsewhere = seg.k_vote.is_some() && shown_best != seg.k_requested;
            let mut t = format!("{} over {range}", rule.label(m));
            if elected_elsewhere {
                // The vote chose a k that is not this sample's best: say so, truly.
                if let (Some(v), Some(b)) = (&seg.k_vote, shown_best) {
                    let ks: Vec<String> = v.votes.iter().map(|k| k.to_string()).collect();
                    t.push_str(&format!(
                        ": k = {} elected by {} of {} seeded samples (their best k: {}); the sample shown here scores best at k = {b}",
                        v.k,
                        v.agreeing(),
                        v.votes.len(),
                        ks.join(", ")
                    ));
                }
            } else if let Some(c) = chosen {
                let v = rule.score(c);
                t.push_str(&format!(": {} at k = {}", score_text(v), c.k));
                if let Some(r) = runner_up(&seg.sweep, rule, c.k) {
                    let w = rule.score(r);
                    let gap = if v.abs() > 0.0 { 100.0 * (v - w) / v.abs() } else { 0.0 };
                    t.push_str(&format!(", runner-up k = {} at {} ({gap:.0} % lower)", r.k, score_text(w)));
                }
            }
            if let Some(v) = seg.k_vote.as_ref().filter(|_| !elected_elsewhere) {
                t.push_str(&format!("; chosen on {} of {} seeded samples", v.agreeing(), v.votes.len()));
            }
            t
        }
        (false, _) => "set by you".to_string(),
    };
    if let Some(asked) = seg.k_requested.filter(|&a| a != seg.k) {
        how.push_str(&format!("; {asked} asked for, {} came out empty", asked - seg.k));
    }
    how
}

/// A score as the page writes it: BIC is shown as itself (the rule maximises its negative).
fn score_text(v: f64) -> String {
    let v = v.abs();
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The warnings about result `seg` of features `ft`, each a sentence that
/// says what it means and what to try. Empty when there is nothing to say.
pub fn warnings(seg: &Segmentation, ft: &FeatureTable) -> Vec<String> {
    let n = seg.segments.len().max(1);
    let mut out = Vec::new();
    for p in &seg.profiles {
        if p.size < SMALL_SEGMENT_ACCOUNTS || (p.size as f64) < SMALL_SEGMENT_SHARE * n as f64 {
            out.push(format!(
                "Segment {} holds only {} of {} accounts ({:.1} %): too few to act on, and a score such as the silhouette can look good because of it. It may be outliers: try fewer segments, HDBSCAN (which sets outliers aside), or standard scaling.",
                p.id,
                p.size,
                n,
                100.0 * p.size as f64 / n as f64
            ));
        }
    }
    if seg.k_auto {
        if let (Some(first), Some(last)) = (seg.sweep.first(), seg.sweep.last()) {
            let k = seg.k_requested.unwrap_or(seg.k);
            if k == last.k && first.k < last.k {
                out.push(format!(
                    "k = {k} is the largest k searched: the data may hold more segments, or none clearly. Set Segments (k) yourself and compare, or look at the k sweep."
                ));
            } else if k == first.k && first.k < last.k {
                out.push(format!(
                    "k = {k} is the smallest k searched: it may merge real segments. Look at the k sweep for a second peak, and try a larger k."
                ));
            }
        }
    }
    if let Some(v) = seg.k_vote.as_ref().filter(|v| v.agreeing() < v.votes.len()) {
        let ks: Vec<String> = v.votes.iter().map(|k| k.to_string()).collect();
        out.push(format!(
            "The automatic k differs between seeded samples of the accounts ({}): the segments are not clear-cut. Compare those k by setting Segments (k), and look at the stability.",
            ks.join(", ")
        ));
    }
    if seg.silhouette.is_finite() && seg.silhouette < LOW_SILHOUETTE {
        out.push(format!(
            "Silhouette {:.3}: the segments overlap heavily, so they split a continuum rather than find natural groups. Try the behaviour feature set, fewer segments, or robust scaling.",
            seg.silhouette
        ));
    }
    let families: Vec<_> = ft.defs.iter().map(|d| d.family()).collect();
    let mut used = vec![false; ft.defs.len()];
    seg.used.iter().for_each(|&j| used[j] = true);
    if let Some((f, m, total)) = dominant_family(&families, &used) {
        let balanced = seg.weights.iter().any(|&w| w != 1.0 && w != 0.0);
        if !balanced {
            out.push(format!(
                "{m} of the {total} features used for clustering measure {}: that side of behaviour dominates the distance. Tick Balance feature families, or leave some of them out.",
                f.label()
            ));
        }
    }
    let pairs = duplicate_pairs(seg);
    for &(a, b, r) in pairs.iter().take(DUPLICATES_LISTED) {
        out.push(format!(
            "{} and {} are near-duplicates (correlation {r:+.2}): together they count twice in the distance. Consider leaving one out.",
            ft.defs[a].key, ft.defs[b].key
        ));
    }
    if let Some(more) = pairs.len().checked_sub(DUPLICATES_LISTED).filter(|&m| m > 0) {
        out.push(format!(
            "{} more {} of features are near-duplicates (not listed): see Feature correlations.",
            crate::ingest::thousands(more as u64),
            if more == 1 { "pair" } else { "pairs" }
        ));
    }
    out
}

/// Near-duplicate pairs warned about (and offered to drop) one by one; the others are counted.
pub const DUPLICATES_LISTED: usize = 10;

/// The pairs of features used for clustering that are near-duplicates
/// (`|r| >` [`NEAR_DUPLICATE_R`] on the transformed values of the sample), as
/// (feature, feature, r) indices into the table's defs, strongest first.
pub fn duplicate_pairs(seg: &Segmentation) -> Vec<(usize, usize, f64)> {
    near_duplicates(&seg.correlation, NEAR_DUPLICATE_R)
        .into_iter()
        .map(|(a, b, r)| (seg.used[a], seg.used[b], r))
        .collect()
}

/// What defined the segments, for the **Quality** line: e.g. "clustered on
/// 14 behaviour features of 17 (families balanced)".
pub fn features_text(seg: &Segmentation, ft: &FeatureTable, set: &str) -> String {
    let balanced = if seg.weights.iter().any(|&w| w != 1.0) { ", families balanced" } else { "" };
    format!("clustered on {} of {} features ({set}{balanced})", seg.used.len(), ft.defs.len())
}

/// The heading of table **Top anomalies**: how many accounts are the top
/// 1 % (`flagged`, all marked in the download), by what score (`unit`), and
/// Each segment's stability as a sentence: `Per segment (clusterwise
/// Jaccard, ...): 1: 0.98, 2: 0.91, 3: 0.55 (dissolves).` from
/// [`crate::analysis::Stability::by_segment`]; `None` when it was not measured.
/// Hennig's (2007) reading: 0.85 and above highly stable, 0.5 or below
/// dissolved (the segment's accounts mostly do not come back together).
pub fn segment_stability_text(s: &crate::analysis::Stability) -> Option<String> {
    if s.by_segment.is_empty() {
        return None;
    }
    let parts: Vec<String> = s
        .by_segment
        .iter()
        .enumerate()
        .map(|(i, &j)| match j {
            j if !j.is_finite() => format!("{}: –", i + 1),
            j if j <= 0.5 => format!("{}: {j:.2} (dissolves)", i + 1),
            j if j < 0.75 => format!("{}: {j:.2} (doubtful)", i + 1),
            j => format!("{}: {j:.2}", i + 1),
        })
        .collect();
    Some(format!(
        "Per segment, how often its accounts come back together on a subsample (mean clusterwise Jaccard, Hennig 2007; 0.85 and above: highly stable, 0.5 or below: dissolves): {}.",
        parts.join(", ")
    ))
}

/// how many of them the table lists (`listed`) when that is fewer.
pub fn anomalies_heading(flagged: usize, listed: usize, unit: &str) -> String {
    let head = format!("Top anomalies: the {flagged} most unusual accounts (top 1%), by {unit}");
    if listed < flagged {
        format!("{head}; the first {listed} listed here")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_stability_reads_as_hennig_does() {
        let s = crate::analysis::Stability {
            mean_ari: 0.8,
            min_ari: 0.7,
            runs: 5,
            subsample: 100,
            by_segment: vec![0.97, 0.7, 0.41, f64::NAN],
        };
        let t = segment_stability_text(&s).unwrap();
        assert!(t.ends_with(": 1: 0.97, 2: 0.70 (doubtful), 3: 0.41 (dissolves), 4: –."), "{t}");
        assert!(segment_stability_text(&crate::analysis::Stability { by_segment: vec![], ..s }).is_none());
    }
    use crate::analysis::{segment, SegmentOptions};
    use crate::features::{FeatureDef, FeatureTable};
    use ndarray::Array2;

    fn table(values: Array2<f64>, keys: &[&str]) -> FeatureTable {
        let ids = (0..values.nrows()).map(|i| i.to_string()).collect();
        let defs = keys
            .iter()
            .map(|k| FeatureDef { key: k.to_string(), unit: String::new(), formula: String::new(), feature: None })
            .collect();
        FeatureTable::from_parts(ids, defs, values)
    }

    /// 200 accounts in two groups far apart, plus `outliers` accounts far
    /// from both; column `b` is `a` times 2 plus a little noise.
    fn groups(outliers: usize) -> FeatureTable {
        let n = 200 + outliers;
        let x = Array2::from_shape_fn((n, 2), |(i, j)| {
            let base = if i >= 200 {
                100.0
            } else if i % 2 == 0 {
                0.0
            } else {
                10.0
            };
            let jitter = ((i * 7919 + j * 104_729) % 1000) as f64 / 1000.0;
            if j == 0 {
                base + jitter
            } else {
                2.0 * base + jitter * 0.01
            }
        });
        table(x, &["a", "b"])
    }

    #[test]
    fn the_k_reason_names_the_rule_the_k_and_the_runner_up() {
        let ft = groups(0);
        let seg = segment(&ft, &SegmentOptions { stability_runs: 0, ..Default::default() }).unwrap();
        let why = k_reason(&seg);
        assert!(why.starts_with("highest Calinski-Harabasz index over k = 2..10: "), "{why}");
        assert!(why.contains(&format!("at k = {}", seg.k)) && why.contains("runner-up k = "), "{why}");
        assert!(why.ends_with("; chosen on 3 of 3 seeded samples"), "{why}");
        let given = segment(&ft, &SegmentOptions { k: Some(2), stability_runs: 0, ..Default::default() }).unwrap();
        assert_eq!(k_reason(&given), "set by you");
    }

    #[test]
    fn a_tiny_segment_and_near_duplicates_are_warned_about() {
        let ft = groups(3);
        let seg = segment(&ft, &SegmentOptions { k: Some(3), stability_runs: 0, ..Default::default() }).unwrap();
        let w = warnings(&seg, &ft);
        assert!(w.iter().any(|s| s.starts_with("Segment 3 holds only 3 of 203 accounts (1.5 %)")), "{w:?}");
        assert!(w.iter().any(|s| s.starts_with("a and b are near-duplicates (correlation +0.9")), "{w:?}");
        // Eight copies of a (with a little noise): 28 pairs, the first DUPLICATES_LISTED warned about one by one.
        let a = ft.values.column(0).to_owned();
        let x = Array2::from_shape_fn((a.len(), 8), |(i, j)| {
            a[i] * (1.0 + j as f64) + ((i * 31 + j * 17) % 7) as f64 * 1e-3
        });
        let eight = table(x, &["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
        let seg = segment(&eight, &SegmentOptions { k: Some(3), stability_runs: 0, ..Default::default() }).unwrap();
        let w = warnings(&seg, &eight);
        assert_eq!(
            w.iter().filter(|s| s.contains(" are near-duplicates (correlation")).count(),
            DUPLICATES_LISTED,
            "{w:?}"
        );
        assert!(
            w.contains(
                &"18 more pairs of features are near-duplicates (not listed): see Feature correlations.".to_string()
            ),
            "{w:?}"
        );
        // Two clear groups, no outliers, one feature: nothing to say.
        let one = table(groups(0).values.column(0).to_owned().insert_axis(ndarray::Axis(1)), &["a"]);
        let seg = segment(&one, &SegmentOptions { k: Some(2), stability_runs: 0, ..Default::default() }).unwrap();
        assert_eq!(warnings(&seg, &one), Vec::<String>::new());
    }

    #[test]
    fn a_k_at_the_edge_of_the_range_and_a_low_silhouette_are_warned_about() {
        // Uniform noise: no structure, low silhouette.
        let x = Array2::from_shape_fn((300, 2), |(i, j)| ((i * 7919 + j * 6007) % 997) as f64);
        let ft = table(x, &["a", "b"]);
        let opts = SegmentOptions { k_max: 3, stability_runs: 0, ..Default::default() };
        let seg = segment(&ft, &opts).unwrap();
        let w = warnings(&seg, &ft);
        let k = seg.k_requested.unwrap();
        assert!(k == 2 || k == 3);
        assert!(w.iter().any(|s| s.starts_with(&format!("k = {k} is the"))), "{w:?}");
    }

    #[test]
    fn the_anomalies_heading_says_how_many_it_lists() {
        assert_eq!(
            anomalies_heading(30, 15, "distance to the segment's centre"),
            "Top anomalies: the 30 most unusual accounts (top 1%), by distance to the segment's centre; the first 15 listed here"
        );
        assert_eq!(anomalies_heading(7, 7, "x"), "Top anomalies: the 7 most unusual accounts (top 1%), by x");
    }
}

/// One row of table **Silhouette by segment**.
#[derive(Clone, Debug, PartialEq)]
pub struct SilhouetteRow {
    /// Segment number, `1..=k`.
    pub segment: usize,
    /// Its sampled accounts.
    pub accounts: usize,
    /// Their mean silhouette (NaN with none).
    pub mean: f64,
    /// The lowest.
    pub min: f64,
    /// Share (0 to 1) below 0: closer on average to another segment than to their own.
    pub negative: f64,
}

/// The rows of table **Silhouette by segment**, from `seg.silhouette_by_segment`.
pub fn silhouette_rows(seg: &Segmentation) -> Vec<SilhouetteRow> {
    seg.silhouette_by_segment
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let n = v.len();
            SilhouetteRow {
                segment: i + 1,
                accounts: n,
                mean: if n == 0 { f64::NAN } else { v.iter().sum::<f64>() / n as f64 },
                min: v.iter().copied().fold(f64::NAN, f64::min),
                negative: if n == 0 { f64::NAN } else { v.iter().filter(|&&x| x < 0.0).count() as f64 / n as f64 },
            }
        })
        .collect()
}
