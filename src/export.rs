//! CSV export of segment assignments.
//!
//! Text that came from the user's file (account ids, column names) is
//! quoted per RFC 4180 and guarded against spreadsheet formula injection
//! (OWASP "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, tab or
//! carriage return, or with their full-width forms (`＝`, `＋`, `－`, `＠`,
//! which some spreadsheets read as the ASCII ones), gets a leading `'`, so
//! Excel and LibreOffice show it as text.

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

/// The assignments file: one row per account with
/// `account_id,segment,pc1,pc2,anomaly_score,top_anomaly,[membership...],<features...>`;
/// features in raw units, empty where undefined for the account; segments
/// numbered `1..=k` as shown, `noise` for accounts HDBSCAN left unassigned;
/// `top_anomaly` is 1 for the top 1 % anomaly scores; membership columns are
/// `p_segment_1..k` (Gaussian mixture) or `membership_probability` (HDBSCAN).
pub fn assignments_csv(ft: &FeatureTable, seg: &Segmentation) -> String {
    let mut out = String::with_capacity(ft.ids.len() * (24 + 12 * ft.defs.len()));
    let mut anomaly = vec![false; ft.ids.len()];
    seg.anomalies.iter().for_each(|&i| anomaly[i] = true);
    out.push_str("account_id,segment,pc1,pc2,anomaly_score,top_anomaly");
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
    out.push('\n');
    for (i, id) in ft.ids.iter().enumerate() {
        out.push_str(&escape_text(id));
        match seg.segments[i] {
            0 => out.push_str(",noise,"),
            s => {
                let _ = write!(out, ",{s},");
            }
        }
        number(&mut out, seg.projection[[i, 0]]);
        out.push(',');
        number(&mut out, seg.projection[[i, 1]]);
        out.push(',');
        number(&mut out, seg.anomaly_score[i]);
        out.push_str(if anomaly[i] { ",1" } else { ",0" });
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
        out.push('\n');
    }
    out
}

/// Suggested download name: `<input stem>-segments.csv`.
pub fn export_file_name(input: &str) -> String {
    let stem = input.rsplit_once('.').map_or(input, |(s, _)| s);
    let safe: String = stem.chars().map(|c| if c.is_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect();
    format!("{}-segments.csv", if safe.is_empty() { "segscope" } else { &safe })
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
