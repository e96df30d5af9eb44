//! View **Compare periods** without the page: the next period's result
//! beside the first ([`NextPeriod`]), and the rows of its tables
//! (**Segment migration**, **Feature drift**, **Segment health**) and CSV
//! downloads.

use crate::analysis::compare::{compare, Comparison};
use crate::analysis::drift::{PSI_MAJOR, PSI_MODERATE};
use crate::analysis::Segmentation;
use crate::export::{escape_text, segment_label};
use crate::features::FeatureTable;
use crate::view_model::format::fmt_num;
use std::sync::Arc;

/// A row of table **Segment migration**: its name, and per column (account count, share of the row).
pub type MigrationRow = (String, Vec<(usize, String)>);

/// A next period scored with the first period's model, and the comparison.
#[derive(Clone, Debug)]
pub struct NextPeriod {
    /// The next period's file name.
    pub name: String,
    /// Its features, in the model's order.
    pub ft: Arc<FeatureTable>,
    pub seg: Arc<Segmentation>,
    pub comparison: Arc<Comparison>,
}

impl NextPeriod {
    /// Compares `next` (its features and segments, scored with the model of
    /// `first`) with `first`.
    pub fn of(
        first: (&FeatureTable, &Segmentation),
        name: String,
        ft: Arc<FeatureTable>,
        seg: Arc<Segmentation>,
    ) -> Self {
        let comparison = Arc::new(compare(first, (&ft, &seg)));
        NextPeriod { name, ft, seg, comparison }
    }

    /// Table **Segment migration**: the header (`""`, next-period segment
    /// names, `Churned`), then one row per first-period segment and a last
    /// row `New`, each (name, counts, each count's share of its row as
    /// text). Noise (row or column) only when an account is in it.
    pub fn migration_table(&self, names: &[String]) -> (Vec<String>, Vec<MigrationRow>) {
        let m = &self.comparison.migration;
        let noise_row = m.counts[0].iter().any(|&c| c > 0);
        let noise_col = m.counts.iter().any(|r| r[0] > 0);
        let cols: Vec<usize> = (if noise_col { 0 } else { 1 }..=m.k_after + 1).collect();
        let mut header = vec!["From \\ to".to_string()];
        header.extend(cols.iter().map(|&c| if c == m.k_after + 1 { "Churned".into() } else { segment_name(c, names) }));
        let rows = (if noise_row { 0 } else { 1 }..=m.k_before + 1)
            .map(|r| {
                let name = if r == m.k_before + 1 { "New".to_string() } else { segment_name(r, names) };
                let total = m.row_total(r).max(1) as f64;
                let cells = cols
                    .iter()
                    .map(|&c| (m.counts[r][c], format!("{:.1} %", 100.0 * m.counts[r][c] as f64 / total)))
                    .collect();
                (name, cells)
            })
            .collect();
        (header, rows)
    }

    /// Table **Feature drift**: per feature (key, PSI, level, KS, median
    /// before, median after, clustering or not), largest PSI first.
    pub fn drift_rows(&self) -> Vec<[String; 7]> {
        let mut d: Vec<_> = self.comparison.drift.iter().collect();
        d.sort_by(|a, b| b.psi.total_cmp(&a.psi));
        d.into_iter()
            .map(|x| {
                [
                    self.ft.defs[x.feature].key.clone(),
                    format!("{:.3}", x.psi),
                    x.level().to_string(),
                    format!("{:.3}", x.ks),
                    fmt_num(x.median_before),
                    fmt_num(x.median_after),
                    if x.clustering { "yes".into() } else { "no".into() },
                ]
            })
            .collect()
    }

    /// Table **Segment health**: per segment (name, accounts before, after,
    /// change, mean anomaly score before, after, near-tie share before, after).
    pub fn health_rows(&self, names: &[String]) -> Vec<[String; 8]> {
        let pct = |v: f64| if v.is_finite() { format!("{:.1} %", 100.0 * v) } else { "–".into() };
        self.comparison
            .health
            .iter()
            .map(|h| {
                [
                    segment_name(h.segment, names),
                    h.size_before.to_string(),
                    h.size_after.to_string(),
                    format!("{:+}", h.size_after as i64 - h.size_before as i64),
                    fmt_num(h.spread_before),
                    fmt_num(h.spread_after),
                    pct(h.near_tie_before),
                    pct(h.near_tie_after),
                ]
            })
            .collect()
    }

    /// The migration matrix as CSV: `from,<to segment names...>,Churned`,
    /// one row per first-period segment (and `noise` when any), then `New`.
    pub fn migration_csv(&self, names: &[String]) -> String {
        let (header, rows) = self.migration_table(names);
        let mut out = header.iter().map(|h| escape_text(h)).collect::<Vec<_>>().join(",");
        out.replace_range(..escape_text(&header[0]).len(), "from");
        out.push('\n');
        for (name, cells) in rows {
            out.push_str(&escape_text(&name));
            for (c, _) in cells {
                out.push_str(&format!(",{c}"));
            }
            out.push('\n');
        }
        out
    }

    /// The drift table as CSV:
    /// `feature,psi,level,ks,median_before,median_after,defines_segments`.
    pub fn drift_csv(&self) -> String {
        let mut out = String::from("feature,psi,level,ks,median_before,median_after,defines_segments\n");
        for x in &self.comparison.drift {
            let num = |v: f64| if v.is_finite() { v.to_string() } else { String::new() };
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                escape_text(&self.ft.defs[x.feature].key),
                num(x.psi),
                x.level(),
                num(x.ks),
                num(x.median_before),
                num(x.median_after),
                x.clustering
            ));
        }
        out
    }

    /// The verdict's paragraph: the headline, then why (or what was checked).
    pub fn verdict_text(&self) -> String {
        let v = &self.comparison.verdict;
        if v.refit {
            format!("{}: {}.", v.headline(), v.reasons.join("; "))
        } else {
            format!(
                "{}: no feature that defines the segments drifted majorly (PSI < {PSI_MAJOR}), fewer than a third drifted moderately (PSI < {PSI_MODERATE}), the PCA reconstruction error did not grow by a quarter, near ties did not rise by 10 points, and every segment still has accounts.",
                v.headline()
            )
        }
    }
}

/// A segment's name in the comparison's tables: "Segment N · <name>"
/// (`names[N - 1]`, the names in force: the next period is scored by the
/// first's segments), "Segment N" without a name, or "Noise".
pub fn segment_name(s: usize, names: &[String]) -> String {
    match names.get(s.wrapping_sub(1)).filter(|n| !n.is_empty()) {
        _ if s == 0 => "Noise".into(),
        Some(name) => format!("Segment {s} · {name}"),
        None => format!("Segment {s}"),
    }
}

/// The segment of each of `next`'s accounts in `first` (`segment_label`, or
/// empty for an account only in the next period), for the next period's
/// assignments file's `segment_before` column.
pub fn segments_before(first: (&FeatureTable, &Segmentation), next: &FeatureTable) -> Vec<String> {
    let (ft, seg) = first;
    let by_id: crate::hashing::HashMap<&str, usize> =
        ft.ids.iter().zip(&seg.segments).map(|(id, &s)| (id.as_str(), s)).collect();
    next.ids.iter().map(|id| by_id.get(id.as_str()).map(|&s| segment_label(s)).unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::segment;
    use crate::features::extract;
    use crate::ingest::{detect_mapping, parse_bytes};
    use crate::job::Settings;
    use crate::model::Model;

    #[test]
    fn tables_and_files_of_the_sample_and_its_next_period() {
        let csv = crate::sample::generate(3, 400);
        let (_, t) = parse_bytes(csv.as_bytes()).unwrap();
        let m = detect_mapping(&t);
        let ft = extract(&t, &m).unwrap();
        let seg = segment(&ft, &Settings { k: Some(3), ..Default::default() }.options(&ft)).unwrap();
        let model = Model::of("a.csv", &t.headers, &m, &ft, &seg, None);
        // The same file as the next period: nobody moves, no drift.
        let (ft2, seg2) = model.score(&ft, &m, &|| 0.0, &mut |_| {}).unwrap();
        let next = NextPeriod::of((&ft, &seg), "b.csv".into(), Arc::new(ft2), Arc::new(seg2));
        let (header, rows) = next.migration_table(&[]);
        assert_eq!(header, ["From \\ to", "Segment 1", "Segment 2", "Segment 3", "Churned"]);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[3].0, "New");
        assert_eq!(rows[0].1[0].0, seg.profiles[0].size, "segment 1 stays whole");
        assert_eq!(rows[0].1[0].1, "100.0 %");
        assert!(next.verdict_text().starts_with("Segments still hold: "));
        assert!(next.drift_rows().iter().all(|r| r[1] == "0.000"));
        let csv = next.migration_csv(&[]);
        assert!(csv.starts_with("from,Segment 1,Segment 2,Segment 3,Churned\nSegment 1,"), "{csv}");
        // With the names in force: each segment named, CSV-quoted where it holds a comma.
        let names = ["Spot holders".to_string(), "Whales, large".into(), String::new()];
        let (header, _) = next.migration_table(&names);
        assert_eq!(header[1..4], ["Segment 1 · Spot holders", "Segment 2 · Whales, large", "Segment 3"]);
        let csv = next.migration_csv(&names);
        assert!(csv.starts_with("from,Segment 1 · Spot holders,\"Segment 2 · Whales, large\",Segment 3,"), "{csv}");
        assert!(next.health_rows(&names)[1][0] == "Segment 2 · Whales, large");
        assert!(csv.ends_with("New,0,0,0,0\n"), "{csv}");
        assert!(next.drift_csv().starts_with("feature,psi,level,ks,median_before,median_after,defines_segments\n"));
        assert_eq!(segments_before((&ft, &seg), &next.ft)[0], segment_label(seg.segments[0]));
    }
}
