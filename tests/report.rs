//! **Download report** (src/export/report.rs) on the sample: one HTML file
//! that loads nothing (its own policy, no script, no address outside it),
//! holds every segment with its name, size and actions, the profiles'
//! values and the run details, and no account row.

use segscope::analysis::segment;
use segscope::export::report::{report_html, ReportImage, ReportInput, REPORT_CSP};
use segscope::features::extract;
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;

#[test]
fn the_sample_report_is_self_contained_and_holds_no_account_row() {
    let (_, t) = parse_bytes(segscope::sample::sample_csv().as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    let settings = Settings::default();
    let seg = segment(&ft, &settings.options(&ft)).unwrap();
    let mut names: Vec<String> = seg.profiles.iter().map(|p| p.name.clone()).collect();
    names[0] = "<script>alert(1)</script> & \"co\"".into();
    let actions: Vec<String> = seg.profiles.iter().map(|p| p.actions.join("; ")).collect();
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let images = vec![
        ReportImage { caption: "PCA scatter".into(), alt: "the scatter".into(), data_url: png.into() },
        ReportImage { caption: "Elsewhere".into(), alt: "x".into(), data_url: "https://example.com/x.png".into() },
    ];
    let details = segscope::view_model::run_details::run_details(
        "sample_trades.csv",
        3_277_883.0,
        Some(&Ok("ab".repeat(32))),
        &ft,
        &seg,
        &settings,
    );
    let html = report_html(&ReportInput {
        file_name: "sample_trades.csv",
        ft: &ft,
        seg: &seg,
        names: &names,
        actions: &actions,
        run_details: details,
        images,
    });
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{REPORT_CSP}\">")));
    // Loads nothing: no script, no address but data: pictures.
    assert!(!html.to_lowercase().contains("<script"), "the hostile name is escaped, and there is no script");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;"));
    assert!(!html.contains("http://") && !html.contains("https://"), "the non-data picture is left out");
    assert_eq!(html.matches("<img ").count(), 1);
    // Every segment with its name and size; the run details with the fingerprint.
    for (p, n) in seg.profiles.iter().zip(&names).skip(1) {
        assert!(
            html.contains(&format!("<td>{n}</td><td class=\"n\">{}</td>", segscope::ingest::thousands(p.size as u64))),
            "{n}"
        );
    }
    assert!(html.contains(&"ab".repeat(32)), "the input's SHA-256");
    assert!(html.contains("<dt>Accounts</dt><dd>3,000</dd>"));
    assert!(html.contains("aria-label=\"Segment profiles\""));
    // The other charts as inline SVG, drawn by the page's chart code: the heatmap names each segment.
    for chart in ["Segment profile heatmap", "Scree plot", "k sweep", "Silhouette plot"] {
        assert_eq!(html.matches(&format!("<figure role=\"img\" aria-label=\"{chart}\"><svg ")).count(), 1, "{chart}");
    }
    let heatmap = &html[html.find("aria-label=\"Segment profile heatmap\"><svg").unwrap()..];
    let heatmap = &heatmap[..heatmap.find("</svg>").unwrap()];
    assert!(heatmap.contains("1 &lt;script&gt;"), "the hostile name escaped in the SVG too");
    assert!(heatmap.contains(&format!("2 {}", segscope::view_model::display::escaped_short(&names[1], 26))));
    assert_eq!(html.matches("aria-label=\"Silhouette by segment\"").count(), 1);
    // No account row: no account id appears.
    assert!(!ft.ids.iter().any(|id| html.contains(id.as_str())), "an account id is in the report");
}
