//! **Download report**: the result on screen as one self-contained HTML
//! file, to hand to someone without access to the data. It holds the segment
//! summary with names and suggested actions, the PCA scatter (the page's
//! picture), the profile heatmap, scree plot, k sweep and silhouette plot
//! (drawn here as inline SVG by `crate::charts`, the page's own code for
//! them) with the heatmap's values as a table, the quality figures (the
//! silhouette by segment included) and the run details (settings, app
//! version, the input's SHA-256, row and account counts). It holds no account
//! rows: only per-segment figures, and the scatter's picture.
//!
//! The file opens offline from disk and makes no request: the scatter is a
//! `data:` PNG inside it, the other charts inline SVG, styles are inline, there is no script, and its own
//! Content-Security-Policy ([`REPORT_CSP`]) says so to the browser that opens
//! it. A print style sheet keeps tables whole and drops the page's colours
//! behind text, so the browser's "Print to PDF" gives a clean document.
//!
//! Every text from the file or the user (names, actions, column names, the
//! file name) is HTML-escaped, with hidden characters spelled out
//! ([`crate::view_model::display::escaped`]).

use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use crate::view_model::display::escaped;
use crate::view_model::heatmap::Heatmap;
use std::fmt::Write;

/// The report's own policy: nothing may load but its inline style and its `data:` pictures.
pub const REPORT_CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/// A chart drawn in the page, as a PNG `data:` URL (`canvas.toDataURL()`).
#[derive(Clone, Debug)]
pub struct ReportImage {
    /// Heading above the picture.
    pub caption: String,
    /// Its text alternative.
    pub alt: String,
    /// `data:image/png;base64,...`; anything else is left out.
    pub data_url: String,
}

/// What the report is made of: the result on screen and what the page holds about it.
pub struct ReportInput<'a> {
    /// The input file's name.
    pub file_name: &'a str,
    pub ft: &'a FeatureTable,
    pub seg: &'a Segmentation,
    /// The segments' names in force (index `s - 1`).
    pub names: &'a [String],
    /// The segments' suggested actions in force, `; `-separated (index `s - 1`).
    pub actions: &'a [String],
    /// (label, value) rows, as region **Run details** shows them.
    pub run_details: Vec<(&'static str, String)>,
    /// The scatter, the heatmap, ...: pictures in the order given.
    pub images: Vec<ReportImage>,
}

/// The charts drawn into the report as SVG: (caption, what it shows, the
/// SVG document or why it could not be drawn). The k sweep only when k was
/// swept; the silhouette plot only when it is defined.
fn charts(
    seg: &Segmentation,
    hm: &Heatmap,
    names: &[String],
) -> Vec<(&'static str, &'static str, Result<String, String>)> {
    use crate::charts::{heatmap::HeatmapChart, scree::Scree, silhouette::Silhouette, svg, sweep::Sweep};
    let mut out = Vec::new();
    if !hm.features.is_empty() {
        out.push((
            "Segment profile heatmap",
            "Each segment's centre on each clustering feature, in SD (IQR with robust scaling) from the overall centre; values in the table below.",
            svg(&HeatmapChart { h: hm, names }),
        ));
    }
    let ratios: Vec<f64> = seg.pca.explained_variance_ratio.iter().copied().take(20).collect();
    out.push((
        "Scree plot",
        "Explained variance ratio per principal component (bars) and cumulative (line).",
        svg(&Scree { ratios: &ratios }),
    ));
    if !seg.sweep.is_empty() {
        let chosen = seg.k_requested.unwrap_or(seg.k);
        out.push((
            "k sweep",
            "The score the k rule maximises for each number of segments tried; the chosen k in red.",
            svg(&Sweep { sweep: &seg.sweep, chosen, rule: seg.k_rule }),
        ));
    }
    if seg.silhouette.is_finite() {
        out.push((
            "Silhouette plot",
            "Each sampled account's silhouette, grouped by segment and sorted; the dashed line is the mean.",
            svg(&Silhouette { by_segment: &seg.silhouette_by_segment, mean: seg.silhouette }),
        ));
    }
    out
}

/// `<stem>-report.html` for input file `input`.
pub fn report_file_name(input: &str) -> String {
    super::export_file_name(input).replace("-segments.csv", "-report.html")
}

/// Text for HTML content or a quoted attribute: hidden characters spelled
/// out, then `& < > " '` escaped.
pub fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escaped(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `url` is a PNG `data:` URL of base64 characters only (nothing
/// that could close the attribute or load anything).
fn is_png_data_url(url: &str) -> bool {
    url.strip_prefix("data:image/png;base64,").is_some_and(|b| {
        !b.is_empty() && b.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
    })
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;color:#1d2433;max-width:1100px;margin:24px auto;padding:0 16px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccd;padding-bottom:4px}\
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ccd;padding:3px 8px;text-align:left;vertical-align:top}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef1f6}\
img,figure svg{max-width:100%;height:auto;border:1px solid #ccd}figure{margin:8px 0}figcaption{color:#555;font-size:13px}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
.note{color:#555}.pos{background:#fbe3e0}.neg{background:#e0e9fb}\
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,img,dl,figure{break-inside:avoid}th{background:none}.pos,.neg{background:none}}";

fn fmt(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        "–".into()
    }
}

/// The report as one HTML document (see the module docs).
pub fn report_html(r: &ReportInput) -> String {
    let (ft, seg) = (r.ft, r.seg);
    let name = |s: usize| super::segment_name(seg, Some(r.names), s);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{REPORT_CSP}\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>Segments of {file}: segscope report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<h1>Segments of {file}</h1>\n\
<p>{k} segments of {accounts} accounts ({rows} rows), by {algorithm}. Made with segscope {version} in the analyst's browser: the data never left it. \
This report holds per-segment figures only, no account rows.</p>\n",
        file = html_text(r.file_name),
        k = seg.k,
        accounts = crate::ingest::thousands(ft.ids.len() as u64),
        rows = crate::ingest::thousands(ft.rows_used as u64),
        algorithm = html_text(&seg.algorithm),
        version = env!("CARGO_PKG_VERSION"),
    );
    // The summary.
    h.push_str("<h2>Segment summary</h2>\n<table aria-label=\"Segment summary\">\n<thead><tr><th scope=\"col\">Segment</th><th scope=\"col\">Name</th><th scope=\"col\">Accounts</th><th scope=\"col\">Share (%)</th><th scope=\"col\">What sets it apart (SD from the overall centre)</th><th scope=\"col\">Suggested actions</th></tr></thead>\n<tbody>\n");
    for p in &seg.profiles {
        let apart = super::distinguishing_text(ft, p);
        let actions = super::actions_of(seg, Some(r.actions), p.id);
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            p.id,
            html_text(&name(p.id)),
            crate::ingest::thousands(p.size as u64),
            fmt(p.share * 100.0, 1),
            html_text(&apart),
            html_text(&actions)
        );
    }
    if seg.noise > 0 {
        let _ = writeln!(
            h,
            "<tr><td>noise</td><td>Noise</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>not assigned to any segment (HDBSCAN)</td><td></td></tr>",
            crate::ingest::thousands(seg.noise as u64),
            fmt(seg.noise as f64 / ft.ids.len().max(1) as f64 * 100.0, 1)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    // Pictures.
    for img in r.images.iter().filter(|i| is_png_data_url(&i.data_url)) {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<img src=\"{}\" alt=\"{}\">",
            html_text(&img.caption),
            img.data_url,
            html_text(&img.alt)
        );
    }
    // The other charts, drawn here as vector graphics (the page's code for
    // them, src/charts/): sharp in print, whether or not the page drew them.
    let hm = Heatmap::of(ft, seg);
    for (caption, alt, svg) in charts(seg, &hm, r.names) {
        let Ok(svg) = svg else { continue };
        // Inline in HTML the namespace is implied: no address in the report but data: pictures.
        let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
        let _ = writeln!(
            h,
            "<h2>{caption}</h2>\n<figure role=\"img\" aria-label=\"{caption}\">{svg}<figcaption>{alt}</figcaption></figure>"
        );
    }
    // Profiles: the heatmap's values.
    if !hm.features.is_empty() {
        h.push_str("<h2>Segment profiles</h2>\n<p class=\"note\">Each segment's centre on each clustering feature, in SD (IQR with robust scaling) from the overall centre, after the transform; features (rows) ordered by how much they separate the segments. Shaded: at least 0.5 above (red) or below (blue).</p>\n<table aria-label=\"Segment profiles\">\n<thead><tr><th scope=\"col\">Feature</th>");
        for s in &hm.segments {
            let _ = write!(h, "<th scope=\"col\">{s} {}</th>", html_text(&name(*s)));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for (c, f) in hm.features.iter().enumerate() {
            let _ = write!(h, "<tr><th scope=\"row\">{}</th>", html_text(f));
            for v in hm.values.iter().map(|row| row.get(c).copied().unwrap_or(f64::NAN)) {
                let class = if v >= 0.5 {
                    " pos"
                } else if v <= -0.5 {
                    " neg"
                } else {
                    ""
                };
                let _ = write!(
                    h,
                    "<td class=\"n{class}\">{}</td>",
                    if v.is_finite() { format!("{v:+.2}") } else { "–".into() }
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table>\n");
    }
    // Quality.
    h.push_str("<h2>Quality</h2>\n<dl>\n");
    let _ = writeln!(
        h,
        "<dt>Silhouette</dt><dd>{} (mean over {} sampled accounts; 1 = well separated, 0 = overlapping)</dd>",
        fmt(seg.silhouette, 3),
        crate::ingest::thousands(seg.silhouette_n as u64)
    );
    if let Some(s) = seg.sweep.iter().find(|s| s.k == seg.k) {
        let _ = writeln!(
            h,
            "<dt>Calinski-Harabasz index</dt><dd>{} (higher is better)</dd>\n<dt>Davies-Bouldin index</dt><dd>{} (lower is better)</dd>",
            fmt(s.calinski_harabasz, 1),
            fmt(s.davies_bouldin, 3)
        );
    }
    let stability = match &seg.stability {
        Some(Ok(s)) => format!(
            "mean adjusted Rand index {} (lowest {}) over {} pairs of subsamples of {} accounts; 1 = the same segments every time",
            fmt(s.mean_ari, 3),
            fmt(s.min_ari, 3),
            s.runs,
            crate::ingest::thousands(s.subsample as u64)
        ),
        Some(Err(e)) => format!("not measured: {}", html_text(e)),
        None => "not measured".into(),
    };
    let _ = writeln!(h, "<dt>Stability</dt><dd>{stability}</dd>");
    if let Some(t) = seg
        .stability
        .as_ref()
        .and_then(|s| s.as_ref().ok())
        .and_then(crate::view_model::quality::segment_stability_text)
    {
        let _ = writeln!(h, "<dt>Stability per segment</dt><dd>{}</dd>", html_text(&t));
    }
    let ratios = &seg.pca.explained_variance_ratio;
    let two: f64 = ratios.iter().take(2).sum();
    let _ = writeln!(
        h,
        "<dt>PCA</dt><dd>the scatter's two components explain {} % of the variance ({} components)</dd>\n</dl>",
        fmt(two * 100.0, 1),
        ratios.len()
    );
    let rows = crate::view_model::quality::silhouette_rows(seg);
    if rows.iter().any(|r| r.accounts > 0) {
        h.push_str("<table aria-label=\"Silhouette by segment\">\n<thead><tr><th scope=\"col\">Segment</th><th scope=\"col\">Sampled accounts</th><th scope=\"col\">Mean silhouette</th><th scope=\"col\">Lowest</th><th scope=\"col\">Below 0 (%)</th></tr></thead>\n<tbody>\n");
        for r in rows {
            let _ = writeln!(
                h,
                "<tr><td>{} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                r.segment,
                html_text(&name(r.segment)),
                r.accounts,
                fmt(r.mean, 3),
                fmt(r.min, 3),
                fmt(r.negative * 100.0, 1)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    // Run details.
    h.push_str("<h2>Run details</h2>\n<p class=\"note\">The same file and settings give the same segments, names and colours.</p>\n<dl>\n");
    for (k, v) in &r.run_details {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", html_text(k), html_text(v));
    }
    h.push_str("</dl>\n</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_only_png_data_urls_are_pictures() {
        assert_eq!(html_text("<b>\"x\" & 'y'</b>"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
        assert!(html_text("a\u{202E}b").contains("\\u202E"), "{}", html_text("a\u{202E}b"));
        assert!(is_png_data_url("data:image/png;base64,iVBORw0KGgo="));
        assert!(!is_png_data_url("data:image/png;base64,"));
        assert!(!is_png_data_url("data:image/png;base64,AA\" onerror=\"x"));
        assert!(!is_png_data_url("https://example.com/x.png"));
        assert!(!is_png_data_url("data:image/svg+xml;base64,AAAA"));
        assert_eq!(report_file_name("trades.csv"), "trades-report.html");
    }
}
