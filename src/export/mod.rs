//! Exports: the segment assignments (CSV), the watchlist (CSV), the
//! segment summary (CSV and JSON), with each segment's name, and the
//! self-contained HTML report ([`report`]), the scatter as SVG ([`svg`]) and
//! a box selection's accounts (CSV).
//!
//! Text that came from the user's file (account ids, column names) is
//! quoted per RFC 4180 and guarded against spreadsheet formula injection
//! (OWASP "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, tab or
//! carriage return, or with their full-width forms (`＝`, `＋`, `－`, `＠`,
//! which some spreadsheets read as the ASCII ones), gets a leading `'`, so
//! Excel and LibreOffice show it as text.

pub mod report;
pub mod svg;

use crate::analysis::risk::{Flagged, SegmentRisk};
use crate::analysis::{Method, Segmentation};
use crate::features::FeatureTable;
use std::fmt::Write;

/// Escapes one text cell for CSV: formula guard, then quoting when it holds
/// a comma, quote, CR or LF.
pub fn escape_text(s: &str) -> String {
    const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];
    let guarded = if s.starts_with(FORMULA_STARTS) { format!("'{s}") } else { s.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn number(out: &mut String, v: f64) {
    if v.is_finite() {
        let _ = write!(out, "{v}");
    }
}

/// The words around a feature's name in an anomaly's explanation, value
/// `v` as `Segmentation::anomaly_features` gives it: (`"high "` or `"low "`,
/// `" (+3.1)"`) in scaled units, or (`""`, `" (64 %)"`) as a share of a
/// mixture's negative log-likelihood. The page puts the name between them in
/// its own isolation; [`anomaly_features_text`] joins them as text.
pub fn anomaly_feature_words(seg: &Segmentation, v: f64) -> (&'static str, String) {
    if matches!(seg.method, Method::GaussianMixture { .. }) {
        ("", format!(" ({:.0} %)", 100.0 * v))
    } else {
        (if v >= 0.0 { "high " } else { "low " }, format!(" ({v:+.1})"))
    }
}

/// Why anomaly `r` (the `r`-th of `seg.anomalies`) is unusual, as text:
/// `high total_notional (+3.1); low win_rate (-2.0)` in scaled units, or
/// `total_notional (64 %); ...` as shares of the mixture's negative
/// log-likelihood ([`anomaly_feature_words`]).
pub fn anomaly_features_text(ft: &FeatureTable, seg: &Segmentation, r: usize) -> String {
    seg.anomaly_features[r]
        .iter()
        .map(|&(j, v)| {
            let (before, after) = anomaly_feature_words(seg, v);
            format!("{before}{}{after}", ft.defs[j].key)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A segment's label as exports and tables write it: `1..=k`, `noise` for 0.
pub fn segment_label(s: usize) -> String {
    if s == 0 {
        "noise".into()
    } else {
        s.to_string()
    }
}

/// The name of segment `s` (0 = noise): `names[s - 1]` when given (the
/// user's edits), else the segment's generated name, else `Segment s`.
pub fn segment_name(seg: &Segmentation, names: Option<&[String]>, s: usize) -> String {
    if s == 0 {
        return "Noise".into();
    }
    names
        .and_then(|n| n.get(s - 1))
        .or_else(|| seg.profiles.get(s - 1).map(|p| &p.name))
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("Segment {s}"))
}

/// The assignments file: one row per account with
/// `account_id,segment,pc1,pc2,anomaly_score,top_anomaly,anomaly_features,[margin_multiplier,][membership...],<features...>,segment_name`;
/// features in raw units, empty where undefined for the account; segments
/// numbered `1..=k` as shown, `noise` for accounts HDBSCAN left unassigned;
/// `top_anomaly` is 1 for the top 1 % anomaly scores, and `anomaly_features`
/// says why for them ([`anomaly_features_text`]; empty for the others);
/// `margin_multiplier` (trades, `risk` given) is the suggestion for the
/// account's segment; membership columns are
/// `p_segment_1..k` (Gaussian mixture) or `membership_probability` (HDBSCAN);
/// `segment_name` ([`segment_name`], `names` the user's) comes last, so
/// that the columns before it stay where they were.
pub fn assignments_csv(
    ft: &FeatureTable,
    seg: &Segmentation,
    risk: Option<&[SegmentRisk]>,
    names: Option<&[String]>,
) -> String {
    assignments_csv_with(ft, seg, risk, None, names)
}

/// The next period's assignments: [`assignments_csv`] with column
/// `segment_before` after `account_id`, each account's segment in the first
/// period (`before[i]` for account `i`; empty for a new account).
pub fn next_assignments_csv(ft: &FeatureTable, seg: &Segmentation, before: &[String]) -> String {
    assignments_csv_with(ft, seg, None, Some(before), None)
}

fn assignments_csv_with(
    ft: &FeatureTable,
    seg: &Segmentation,
    risk: Option<&[SegmentRisk]>,
    before: Option<&[String]>,
    names: Option<&[String]>,
) -> String {
    let mut out = String::with_capacity(ft.ids.len() * (24 + 12 * ft.defs.len()));
    let escaped_names: Vec<String> = (0..=seg.k).map(|s| escape_text(&segment_name(seg, names, s))).collect();
    let mut anomaly = vec![None; ft.ids.len()];
    seg.anomalies.iter().enumerate().for_each(|(r, &i)| anomaly[i] = Some(r));
    let margin = |s: usize| risk.and_then(|v| v.iter().find(|x| x.segment == s)).map(|x| x.margin_multiplier);
    out.push_str(if before.is_some() { "account_id,segment_before,segment," } else { "account_id,segment," });
    out.push_str("pc1,pc2,anomaly_score,top_anomaly,anomaly_features");
    if risk.is_some() {
        out.push_str(",margin_multiplier");
    }
    let membership = seg.membership.as_ref();
    match (seg.method, membership.map(|m| m.ncols())) {
        (Method::Hdbscan { .. }, Some(_)) => out.push_str(",membership_probability"),
        (_, Some(c)) => (1..=c).for_each(|s| {
            // Components beyond k won no account (rare): kept so each row sums to 1.
            let _ = if s <= seg.k {
                write!(out, ",p_segment_{s}")
            } else {
                write!(out, ",p_empty_component_{}", s - seg.k)
            };
        }),
        (_, None) => {}
    }
    for d in &ft.defs {
        out.push(',');
        out.push_str(&escape_text(&d.key));
    }
    out.push_str(",segment_name\n");
    for (i, id) in ft.ids.iter().enumerate() {
        out.push_str(&escape_text(id));
        if let Some(b) = before {
            let _ = write!(out, ",{}", b[i]);
        }
        let _ = write!(out, ",{},", segment_label(seg.segments[i]));
        number(&mut out, seg.projection[[i, 0]]);
        out.push(',');
        number(&mut out, seg.projection[[i, 1]]);
        out.push(',');
        number(&mut out, seg.anomaly_score[i]);
        match anomaly[i] {
            Some(r) => {
                out.push_str(",1,");
                out.push_str(&escape_text(&anomaly_features_text(ft, seg, r)));
            }
            None => out.push_str(",0,"),
        }
        if risk.is_some() {
            out.push(',');
            if let Some(m) = margin(seg.segments[i]) {
                let _ = write!(out, "{m:.2}");
            }
        }
        if let Some(m) = membership {
            for v in m.row(i) {
                out.push(',');
                number(&mut out, *v);
            }
        }
        for j in 0..ft.defs.len() {
            out.push(',');
            number(&mut out, ft.values[[i, j]]);
        }
        out.push(',');
        out.push_str(escaped_names.get(seg.segments[i]).map_or("", String::as_str));
        out.push('\n');
    }
    out
}

/// A segment's actions as the summary exports write them: the user's
/// (`actions[s - 1]`, `; `-separated) when given, else the playbook's.
pub(crate) fn actions_of(seg: &Segmentation, actions: Option<&[String]>, s: usize) -> String {
    actions
        .and_then(|a| a.get(s - 1).cloned())
        .or_else(|| seg.profiles.get(s - 1).map(|p| p.actions.join("; ")))
        .unwrap_or_default()
}

/// The segment summary as CSV: one row per segment (noise, if any, last),
/// `segment,name,size,share,distinguishing,actions,<feature means...>`
/// (`actions`: the suggested actions, `; `-separated, as edited); `share` of
/// all accounts (0 to 1), `distinguishing` the features that set the segment
/// apart with their distance from the overall centre in scaled units
/// (`high maker_share (+1.8); ...`), then each feature's mean over the
/// segment's accounts in its raw unit (empty where no account has a value).
pub fn summary_csv(
    ft: &FeatureTable,
    seg: &Segmentation,
    names: Option<&[String]>,
    actions: Option<&[String]>,
) -> String {
    let mut out = String::from("segment,name,size,share,distinguishing,actions");
    for d in &ft.defs {
        out.push(',');
        out.push_str(&escape_text(&d.key));
    }
    out.push('\n');
    let n = ft.ids.len().max(1) as f64;
    for p in &seg.profiles {
        let _ = write!(out, "{},{},{},", p.id, escape_text(&segment_name(seg, names, p.id)), p.size);
        number(&mut out, p.share);
        out.push(',');
        out.push_str(&escape_text(&distinguishing_text(ft, p)));
        out.push(',');
        out.push_str(&escape_text(&actions_of(seg, actions, p.id)));
        for m in &p.means {
            out.push(',');
            number(&mut out, *m);
        }
        out.push('\n');
    }
    if seg.noise > 0 {
        let _ = write!(out, "noise,Noise,{},", seg.noise);
        number(&mut out, seg.noise as f64 / n);
        out.push_str(",not assigned to any segment (HDBSCAN),");
        out.push_str(&",".repeat(ft.defs.len()));
        out.push('\n');
    }
    out
}

/// `high maker_share (+1.8); low trade_count (-0.9)`: a profile's
/// distinguishing features, scaled units.
pub(crate) fn distinguishing_text(ft: &FeatureTable, p: &crate::analysis::segmentation::SegmentProfile) -> String {
    p.distinguishing
        .iter()
        .map(|&(j, z)| format!("{} {} ({z:+.1})", if z >= 0.0 { "high" } else { "low" }, ft.defs[j].key))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The segment summary as JSON: an array with one object per segment
/// (`1..=k`, noise not included), each with `segment` (number), `name`,
/// `size` (accounts), `share` (of all accounts, 0 to 1), `distinguishing`
/// (`[{feature, z}]`, scaled units from the overall centre), `actions`
/// (the suggested actions, as edited: an array of text), `means`
/// (`{feature key: mean in the raw unit}`, `null` where no account has a
/// value) and, given `run`, `run`: the run's record as region **Run
/// details** shows it (`{label: value}`: file, its SHA-256, rows, accounts,
/// app version, k, method, seed, ...), the same in every object, so that a
/// segment taken out of the array still says where it came from.
pub fn summary_json(
    ft: &FeatureTable,
    seg: &Segmentation,
    names: Option<&[String]>,
    actions: Option<&[String]>,
    run: Option<&[(&'static str, String)]>,
) -> String {
    use serde_json::{json, Map, Value};
    let num = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
    let run: Option<Map<String, Value>> = run.map(|r| r.iter().map(|(k, v)| (k.to_string(), json!(v))).collect());
    let items: Vec<Value> = seg
        .profiles
        .iter()
        .map(|p| {
            let means: Map<String, Value> = ft.defs.iter().zip(&p.means).map(|(d, &m)| (d.key.clone(), num(m))).collect();
            let mut item = json!({
                "segment": p.id,
                "name": segment_name(seg, names, p.id),
                "size": p.size,
                "share": num(p.share),
                "distinguishing": p.distinguishing.iter().map(|&(j, z)| json!({ "feature": ft.defs[j].key, "z": num(z) })).collect::<Vec<_>>(),
                "actions": actions_of(seg, actions, p.id).split("; ").filter(|a| !a.is_empty()).collect::<Vec<_>>(),
                "means": means,
            });
            if let (Some(run), Value::Object(o)) = (&run, &mut item) {
                o.insert("run".into(), Value::Object(run.clone()));
            }
            item
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}

/// The watchlist for review: one row per flagged account, in the order of
/// `flagged`, with `account_id,segment,segment_name,rules,evidence,anomaly_score,top_anomaly,anomaly_features,margin_multiplier`:
/// `rules` the rule keys joined by `;` ([`Rule::key`]), `evidence` as
/// [`crate::analysis::risk::evidence`] words it, `margin_multiplier` the
/// suggestion for the account's segment (from `risk`).
pub fn watchlist_csv(
    ft: &FeatureTable,
    seg: &Segmentation,
    flagged: &[Flagged],
    risk: &[SegmentRisk],
    names: Option<&[String]>,
) -> String {
    let mut out = String::from(
        "account_id,segment,segment_name,rules,evidence,anomaly_score,top_anomaly,anomaly_features,margin_multiplier\n",
    );
    let rows = ft.risk.as_ref().map_or(&[][..], |r| &r.rows[..]);
    for f in flagged {
        let i = f.account;
        let s = seg.segments[i];
        let top = seg.anomalies.iter().position(|&a| a == i);
        let rules: Vec<&str> = f.rules.iter().map(|r| r.key()).collect();
        let evidence = rows.get(i).map_or(String::new(), |a| crate::analysis::risk::evidence(&a.flags, &f.rules));
        out.push_str(&escape_text(&ft.ids[i]));
        let name = escape_text(&segment_name(seg, names, s));
        let _ = write!(out, ",{},{name},{},{},", segment_label(s), rules.join(";"), escape_text(&evidence));
        number(&mut out, seg.anomaly_score[i]);
        out.push_str(if top.is_some() { ",1," } else { ",0," });
        if let Some(r) = top {
            out.push_str(&escape_text(&anomaly_features_text(ft, seg, r)));
        }
        out.push(',');
        if let Some(m) = risk.iter().find(|x| x.segment == s) {
            let _ = write!(out, "{:.2}", m.margin_multiplier);
        }
        out.push('\n');
    }
    out
}

/// The accounts of a box selection on the scatter (button **Download
/// selection**): `account_id,segment,segment_name`, the two components on
/// the plot's axes (`pc<x+1>,pc<y+1>`, as in `projection`; `axes` 0-based),
/// then every feature of `ft`, one row per account of `rows` in that order.
/// Rows outside the table are skipped; an empty `rows` gives the header alone.
pub fn selection_csv(
    ft: &FeatureTable,
    seg: &Segmentation,
    names: Option<&[String]>,
    axes: (usize, usize),
    rows: &[usize],
) -> String {
    let mut out = String::with_capacity((rows.len() + 1) * (24 + 12 * ft.defs.len()));
    let (ax, ay) = axes;
    let _ = write!(out, "account_id,segment,segment_name,pc{},pc{}", ax + 1, ay + 1);
    for d in &ft.defs {
        out.push(',');
        out.push_str(&escape_text(&d.key));
    }
    out.push('\n');
    let cols = seg.projection.ncols();
    for &i in rows.iter().filter(|&&i| i < ft.ids.len() && i < seg.segments.len()) {
        let s = seg.segments[i];
        let _ = write!(
            out,
            "{},{},{},",
            escape_text(&ft.ids[i]),
            segment_label(s),
            escape_text(&segment_name(seg, names, s))
        );
        let at = |c: usize| if c < cols && i < seg.projection.nrows() { seg.projection[[i, c]] } else { f64::NAN };
        number(&mut out, at(ax));
        out.push(',');
        number(&mut out, at(ay));
        for j in 0..ft.defs.len() {
            out.push(',');
            number(&mut out, ft.values[[i, j]]);
        }
        out.push('\n');
    }
    out
}

/// Suggested selection name: `<input stem>-selection.csv`.
pub fn selection_file_name(input: &str) -> String {
    export_file_name(input).replace("-segments.csv", "-selection.csv")
}

/// Suggested download name: `<input stem>-segments.csv`.
pub fn export_file_name(input: &str) -> String {
    let stem = input.rsplit_once('.').map_or(input, |(s, _)| s);
    let safe: String = stem.chars().map(|c| if c.is_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect();
    format!("{}-segments.csv", if safe.is_empty() { "segscope" } else { &safe })
}

/// Suggested name of a chart's download: `<input stem>-<chart>.<extension>`
/// (`sample_trades-scree.png`), `chart` made safe as the stem is
/// (characters other than letters, digits, `-` and `_` become `_`).
pub fn chart_file_name(input: &str, chart: &str, extension: &str) -> String {
    let chart: String =
        chart.chars().take(60).map(|c| if c.is_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect();
    export_file_name(input).replace("-segments.csv", &format!("-{chart}.{extension}"))
}

/// Suggested name of the assignments download: `<input stem>-<method>-k<k>-segments.csv`
/// (method `kmeans`, `gmm-full`, `gmm-diag`, `hdbscan`; `-model` instead of
/// the method when a saved model scored the accounts), so that runs with
/// other settings do not overwrite each other (`sample_trades-kmeans-k3-segments.csv`).
pub fn assignments_file_name(input: &str, seg: &Segmentation) -> String {
    use crate::analysis::CovarianceType;
    let method = match seg.method {
        _ if seg.applied => "model",
        Method::KMeans => "kmeans",
        Method::GaussianMixture { covariance: CovarianceType::Full } => "gmm-full",
        Method::GaussianMixture { covariance: CovarianceType::Diag } => "gmm-diag",
        Method::Hdbscan { .. } => "hdbscan",
    };
    export_file_name(input).replace("-segments.csv", &format!("-{method}-k{}-segments.csv", seg.k))
}

/// Suggested summary names: `<input stem>-summary.csv` and `-summary.json`.
pub fn summary_file_name(input: &str, extension: &str) -> String {
    export_file_name(input).replace("-segments.csv", &format!("-summary.{extension}"))
}

/// Suggested model name: `<input stem>-model.json`.
pub fn model_file_name(input: &str) -> String {
    export_file_name(input).replace("-segments.csv", "-model.json")
}

/// Suggested scoring script name: `<input stem>-<dialect>.sql` (`dialect`
/// `duckdb` or `spark`).
pub fn sql_file_name(input: &str, dialect: &str) -> String {
    export_file_name(input).replace("-segments.csv", &format!("-{dialect}.sql"))
}

/// Suggested PMML name: `<input stem>-model.pmml`.
pub fn pmml_file_name(input: &str) -> String {
    export_file_name(input).replace("-segments.csv", "-model.pmml")
}

/// Suggested watchlist name: `<input stem>-watchlist.csv`.
pub fn watchlist_file_name(input: &str) -> String {
    export_file_name(input).replace("-segments.csv", "-watchlist.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_formulas_and_quotes() {
        assert_eq!(escape_text("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(escape_text("@SUM(1)"), "'@SUM(1)");
        assert_eq!(escape_text("\u{FF1D}1+1"), "'\u{FF1D}1+1", "full-width equals sign");
        assert_eq!(escape_text("\u{FF20}SUM(1)"), "'\u{FF20}SUM(1)");
        assert_eq!(escape_text("a,b"), "\"a,b\"");
        assert_eq!(escape_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape_text("<script>alert(1)</script>"), "<script>alert(1)</script>");
        assert_eq!(escape_text("ACC1"), "ACC1");
        assert_eq!(export_file_name("my trades.csv"), "my_trades-segments.csv");
    }
}
