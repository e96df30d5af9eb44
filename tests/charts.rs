//! The charts other than the scatter (heatmap, scree plot, k sweep,
//! silhouette plot, box plots) as the SVG downloads write them, on the
//! sample: each parses as XML, has its size, and holds one mark per thing
//! it shows. The canvas and the PNG are drawn by the same `Chart::draw`.

use quick_xml::events::Event;
use segscope::analysis::{segment, Segmentation};
use segscope::charts::boxes::Boxes;
use segscope::charts::heatmap::{HeatmapChart, CELL_H, CELL_W, LEFT, TOP};
use segscope::charts::scree::Scree;
use segscope::charts::silhouette::Silhouette;
use segscope::charts::sweep::Sweep;
use segscope::charts::{svg, Chart};
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::view_model::display::escaped_short;
use segscope::view_model::distributions::distribution;
use segscope::view_model::heatmap::Heatmap;

fn sample() -> (FeatureTable, Segmentation) {
    let (_, t) = parse_bytes(segscope::sample::sample_csv().as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    (ft, seg)
}

/// What a parsed SVG holds.
#[derive(Debug, Default)]
struct Parsed {
    width: String,
    height: String,
    /// `rect` elements whose fill is not white (the background is white).
    rects: usize,
    circles: usize,
    /// Every text node, entities kept as written.
    texts: Vec<String>,
}

fn parse(svg: &str) -> Parsed {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut p = Parsed::default();
    let mut text = String::new();
    loop {
        match reader.read_event().expect("the SVG parses as XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |n: &str| e.try_get_attribute(n).unwrap().map(|a| a.value.into_owned());
                match e.name().as_ref() {
                    "svg" => (p.width, p.height) = (attr("width").unwrap(), attr("height").unwrap()),
                    "rect" if !matches!(attr("fill").as_deref(), Some("#FFFFFF") | Some("#ffffff") | Some("white")) => {
                        p.rects += 1
                    }
                    "circle" => p.circles += 1,
                    _ => {}
                }
            }
            Event::Text(t) => text.push_str(&t.into_inner()),
            Event::GeneralRef(r) => text.push_str(&format!("&{};", &*r)),
            Event::End(e) if e.name().as_ref() == "text" => p.texts.push(std::mem::take(&mut text).trim().to_string()),
            _ => {}
        }
    }
    p
}

fn sized<C: Chart>(c: &C) -> Parsed {
    let s = svg(c).expect("the chart draws");
    assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
    let p = parse(&s);
    let (w, h) = c.size();
    assert_eq!((p.width.as_str(), p.height.as_str()), (w.to_string().as_str(), h.to_string().as_str()));
    p
}

#[test]
fn the_heatmap_svg_has_one_cell_per_segment_and_feature_and_every_name() {
    let (ft, seg) = sample();
    let h = Heatmap::of(&ft, &seg);
    let mut names: Vec<String> = seg.profiles.iter().map(|p| p.name.clone()).collect();
    names[0] = "<b>Whales</b> & co".into();
    let chart = HeatmapChart { h: &h, names: &names };
    let p = sized(&chart);
    assert_eq!(p.rects, seg.k * h.features.len(), "one coloured cell per segment and feature");
    let all = p.texts.concat();
    assert!(all.contains("1 &lt;b&gt;Whales&lt;/b&gt; &amp; co"), "the name escaped: {:?}", &p.texts[..3]);
    for (s, name) in names.iter().enumerate().skip(1) {
        let shown = format!("{} {}", s + 1, escaped_short(name, 26));
        assert!(p.texts.contains(&shown), "segment {} named {shown:?}: {:?}", s + 1, p.texts);
    }
    for f in &h.features {
        assert!(p.texts.contains(&escaped_short(f, 24)), "{f} labels its column");
    }
    // A value per cell, as on screen (one decimal).
    assert_eq!(p.texts.iter().filter(|t| t.parse::<f64>().is_ok()).count(), seg.k * h.features.len());
    // The hover's cell: the middle of row 2, column 3; outside the grid, none.
    let (x, y) = ((LEFT + 3 * CELL_W + CELL_W / 2) as f64, (TOP + 2 * CELL_H + CELL_H / 2) as f64);
    assert_eq!(chart.cell_at(x, y), Some((2, 3)));
    assert_eq!(chart.cell_at(LEFT as f64 - 1.0, y), None);
    assert_eq!(chart.cell_at(x, (TOP + seg.k as u32 * CELL_H) as f64 + 1.0), None);
}

#[test]
fn the_scree_svg_has_one_bar_and_one_dot_per_component() {
    let (_, seg) = sample();
    let ratios = seg.pca.explained_variance_ratio.to_vec();
    let p = sized(&Scree { ratios: &ratios });
    assert_eq!((p.rects, p.circles), (ratios.len(), ratios.len()));
    assert!(p.texts.iter().any(|t| t == "PC2") && p.texts.iter().any(|t| t == "variance explained"), "{:?}", p.texts);
}

#[test]
fn the_k_sweep_svg_has_one_dot_per_k_and_marks_the_chosen_one() {
    let (_, seg) = sample();
    assert!(seg.sweep.len() > 2, "the default settings sweep k");
    let chart = Sweep { sweep: &seg.sweep, chosen: seg.k, rule: seg.k_rule };
    let s = svg(&chart).unwrap();
    let p = parse(&s);
    assert_eq!(p.circles, seg.sweep.len());
    // The chosen k in red (plotters writes RED as #FF0000), the others not.
    assert_eq!(s.matches("#FF0000").count(), 1, "one red dot");
}

#[test]
fn the_silhouette_svg_has_one_bar_per_sampled_account() {
    let (_, seg) = sample();
    let bars: usize = seg.silhouette_by_segment.iter().map(Vec::len).sum();
    assert!(bars > 100);
    let p = sized(&Silhouette { by_segment: &seg.silhouette_by_segment, mean: seg.silhouette });
    assert_eq!(p.rects, bars);
    for s in 1..=seg.k {
        assert!(p.texts.contains(&s.to_string()), "segment {s} labelled");
    }
}

#[test]
fn the_box_plot_svg_has_a_box_per_segment_and_one_for_all_accounts() {
    let (ft, seg) = sample();
    let j = ft.defs.iter().position(|d| d.key == "trade_count").unwrap();
    let d = distribution(&ft, &seg, j);
    assert!(d.log, "trade counts are heavy-tailed");
    let p = sized(&Boxes { d: &d, key: "trade_count" });
    // Each box: a filled rectangle and its outline.
    assert_eq!(p.rects, 2 * (seg.k + 1));
    assert!(p.texts.iter().any(|t| t == "all"));
    assert!(p.texts.iter().any(|t| t.starts_with("trade_count (log scale")), "{:?}", p.texts);
}

#[test]
fn a_chart_drawn_at_twice_the_scale_fills_twice_the_size() {
    use plotters::prelude::*;
    let (_, seg) = sample();
    let ratios = seg.pca.explained_variance_ratio.to_vec();
    let chart = Scree { ratios: &ratios };
    let (w, h) = chart.size();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (2 * w, 2 * h)).into_drawing_area();
        chart.draw(&root, 2).unwrap();
        root.present().unwrap();
    }
    // The rightmost bar ends near the right edge at both scales (margins scale too).
    let right = |s: &str| -> f64 {
        let mut best = 0.0f64;
        let mut reader = quick_xml::Reader::from_str(s);
        while let Ok(ev) = reader.read_event() {
            match ev {
                Event::Eof => break,
                Event::Empty(e) | Event::Start(e) if e.name().as_ref() == "rect" => {
                    let get = |n: &str| -> f64 {
                        e.try_get_attribute(n).unwrap().map_or(0.0, |a| a.value.parse().unwrap_or(0.0))
                    };
                    if get("width") < 300.0 {
                        best = best.max(get("x") + get("width"));
                    }
                }
                _ => {}
            }
        }
        best
    };
    let (one, two) = (right(&svg(&chart).unwrap()), right(&out));
    assert!(one > 0.8 * w as f64, "{one}");
    assert!((two - 2.0 * one).abs() <= 4.0, "at scale 2 the bars end at {two}, at 1 at {one}");
}

#[test]
fn a_chart_svg_carries_the_runs_record_in_its_desc_and_still_parses() {
    let (_, seg) = sample();
    let ratios = seg.pca.explained_variance_ratio.to_vec();
    let run =
        vec![("File", "a<b>.csv".to_string()), ("SHA-256 of the file", "ab".repeat(32)), ("Seed", "42".to_string())];
    let s = segscope::export::svg::with_run(svg(&Scree { ratios: &ratios }).unwrap(), &run);
    let desc = &s[s.find("<desc>").expect("a desc")..s.find("</desc>").unwrap()];
    assert!(s.find("<desc>") < s.find("<rect"), "the desc comes first");
    assert!(
        desc.contains("File: a&lt;b&gt;.csv") && desc.contains(&format!("SHA-256 of the file: {}", "ab".repeat(32)))
    );
    assert_eq!(parse(&s).rects, ratios.len(), "the SVG still parses");
}

#[test]
fn the_summary_json_carries_the_runs_record_in_every_segment() {
    let (ft, seg) = sample();
    let run = vec![("SHA-256 of the file", "cd".repeat(32)), ("Seed", "42".to_string())];
    let v: serde_json::Value =
        serde_json::from_str(&segscope::export::summary_json(&ft, &seg, None, None, Some(&run))).unwrap();
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), seg.k);
    for item in items {
        assert_eq!(item["run"]["SHA-256 of the file"], "cd".repeat(32));
        assert_eq!(item["run"]["Seed"], "42");
        assert!(item["name"].is_string() && item["size"].is_u64());
    }
    let without: serde_json::Value =
        serde_json::from_str(&segscope::export::summary_json(&ft, &seg, None, None, None)).unwrap();
    assert!(without[0].get("run").is_none());
}
