//! The scatter's exploring on the sample: the components kept for the
//! axes, the accounts inside a box on chosen axes and their download
//! (**Download selection**), and the colour scale of a feature.

use segscope::analysis::segmentation::PLOT_COMPONENTS;
use segscope::analysis::{segment, Segmentation};
use segscope::export::{assignments_csv, selection_csv};
use segscope::features::{extract, FeatureTable};
use segscope::ingest::{detect_mapping, parse_bytes};
use segscope::job::Settings;
use segscope::view_model::explore::{
    accounts_in_box, biplot_arrows, scatter_description, selected_rows, step_in_view, Axes, ColourScale, SortKey,
};

fn sample() -> (FeatureTable, Segmentation) {
    let (_, t) = parse_bytes(segscope::sample::sample_csv().as_bytes()).unwrap();
    let ft = extract(&t, &detect_mapping(&t)).unwrap();
    let seg = segment(&ft, &Settings::default().options(&ft)).unwrap();
    (ft, seg)
}

#[test]
fn the_projection_keeps_the_leading_components_in_order() {
    let (ft, seg) = sample();
    let m = seg.used.len().min(PLOT_COMPONENTS);
    assert!(m > 2, "the sample has more than two clustering features");
    assert_eq!(seg.projection.dim(), (ft.ids.len(), m));
    // Each column's variance (ddof = 1) is its component's explained variance:
    // the columns are the components, in order.
    for c in 0..m {
        let col = seg.projection.column(c);
        let n = col.len() as f64;
        let mean = col.sum() / n;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let ev = seg.pca.explained_variance[c];
        assert!((var - ev).abs() <= 1e-9 * ev.max(1.0), "PC{}: variance {var}, explained variance {ev}", c + 1);
        if c > 0 {
            assert!(ev <= seg.pca.explained_variance[c - 1] + 1e-12);
        }
    }
    // The assignments' pc1 and pc2 are still the first two columns.
    let csv = assignments_csv(&ft, &seg, None, None);
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[2].parse::<f64>().unwrap(), seg.projection[[0, 0]]);
    assert_eq!(row[3].parse::<f64>().unwrap(), seg.projection[[0, 1]]);
}

#[test]
fn a_box_on_pc3_by_pc1_downloads_exactly_the_accounts_inside_it() {
    let (ft, seg) = sample();
    let axes = Axes { x: 2, y: 0 };
    let (x, y) = ((-0.5, 1.5), (0.8, -1.0));
    let inside = accounts_in_box(&seg.projection, axes, x, y);
    let expected = (0..ft.ids.len())
        .filter(|&i| {
            let (a, b) = (seg.projection[[i, 2]], seg.projection[[i, 0]]);
            (-0.5..=1.5).contains(&a) && (-1.0..=0.8).contains(&b)
        })
        .count();
    assert_eq!(inside.len(), expected);
    assert!(inside.len() > 10 && inside.len() < ft.ids.len(), "{} accounts inside", inside.len());

    let names: Vec<String> = (1..=seg.k).map(|s| format!("Name {s}")).collect();
    let csv = selection_csv(&ft, &seg, Some(&names), (axes.x, axes.y), &inside);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..5], ["account_id", "segment", "segment_name", "pc3", "pc1"]);
    assert_eq!(header.len(), 5 + ft.defs.len());
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), inside.len());
    for (r, &i) in rows.iter().zip(&inside) {
        assert_eq!(r[0], ft.ids[i]);
        assert_eq!(r[1], seg.segments[i].to_string());
        assert_eq!(r[2], names[seg.segments[i] - 1]);
        let (a, b): (f64, f64) = (r[3].parse().unwrap(), r[4].parse().unwrap());
        assert!((-0.5..=1.5).contains(&a) && (-1.0..=0.8).contains(&b), "{r:?}");
        assert_eq!(a, seg.projection[[i, 2]]);
    }
}

#[test]
fn the_selected_accounts_table_searches_and_sorts() {
    let (ft, seg) = sample();
    let all: Vec<usize> = (0..ft.ids.len()).collect();
    let j = ft.defs.iter().position(|d| d.key == "trade_count").unwrap();
    let rows = selected_rows(&ft, &seg, &all, "", &SortKey::Feature(j), true);
    assert_eq!(rows.len(), ft.ids.len());
    assert!(rows.windows(2).all(|w| ft.values[[w[0], j]] >= ft.values[[w[1], j]]));
    // A search by part of an id, in any case.
    let id = ft.ids[17].clone();
    let part = id[id.len() - 3..].to_uppercase();
    let found = selected_rows(&ft, &seg, &all, &part, &SortKey::Account, false);
    assert!(found.contains(&17));
    assert!(found.iter().all(|&i| ft.ids[i].to_uppercase().contains(&part)));
    assert!(found.windows(2).all(|w| ft.ids[w[0]] <= ft.ids[w[1]]));
}

#[test]
fn trade_count_is_coloured_on_a_log_scale() {
    let (ft, _) = sample();
    let j = ft.defs.iter().position(|d| d.key == "trade_count").unwrap();
    let scale = ColourScale::of(ft.values.column(j).iter().copied()).unwrap();
    assert!(scale.log, "trade counts are heavy-tailed: {scale:?}");
    assert!(scale.lo < scale.hi && scale.missing == 0);
}

#[test]
fn the_scatter_svg_parses_and_has_one_legend_mark_per_segment() {
    use quick_xml::events::Event;
    use segscope::export::svg::{scatter_svg, ScatterSvg};
    use segscope::view_model::explore::{ColourBy, Colouring};
    let (ft, seg) = sample();
    let mut names: Vec<String> = seg.profiles.iter().map(|p| p.name.clone()).collect();
    names[0] = "<b>Whales</b> & \"co\"\u{7}".into();
    let no_arrows: Vec<(String, f64, f64)> = Vec::new();
    let arrows = std::cell::RefCell::new(no_arrows.clone());
    let svg_of = |colour_by: &ColourBy, x: std::ops::Range<f64>| {
        let colouring = Colouring::new(&ft, &seg, colour_by, Some(2));
        scatter_svg(&ScatterSvg {
            seg: &seg,
            colouring: &colouring,
            axes: Axes::default(),
            x,
            y: -100.0..100.0,
            x_desc: "PC1".into(),
            y_desc: "PC2".into(),
            names: &names,
            feature: colouring.scale.as_ref().map(|(j, _)| ft.defs[*j].key.as_str()),
            arrows: &arrows.borrow(),
        })
        .unwrap()
    };
    // (circles, legend marks, text of the legend) of a parsed SVG.
    let parse = |svg: &str| {
        let mut reader = quick_xml::Reader::from_str(svg);
        let (mut circles, mut marks, mut texts, mut in_legend) = (0, 0, Vec::new(), false);
        loop {
            match reader.read_event().expect("the SVG parses as XML") {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let class = e.try_get_attribute("class").unwrap().map(|a| a.value.into_owned());
                    match e.name().as_ref() {
                        "circle" => circles += 1,
                        "rect" if class.as_deref() == Some("legend-mark") => marks += 1,
                        "g" if class.as_deref() == Some("legend") => in_legend = true,
                        _ => {}
                    }
                }
                Event::Text(t) if in_legend => texts.push(t.into_inner().into_owned()),
                Event::GeneralRef(r) if in_legend => texts.push(format!("&{};", &*r)),
                _ => {}
            }
        }
        (circles, marks, texts.concat())
    };
    let svg = svg_of(&ColourBy::Segment, -100.0..100.0);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let (circles, marks, legend) = parse(&svg);
    assert_eq!(circles, ft.ids.len(), "every account is a point");
    assert_eq!(marks, seg.k, "one legend mark per segment");
    assert!(legend.contains("&lt;b&gt;Whales&lt;/b&gt; &amp; &quot;co&quot;"), "the name escaped: {legend}");
    for p in &seg.profiles[1..] {
        assert!(legend.contains(&p.name), "{} in the legend", p.name);
    }
    // A view of the right half holds only the points there.
    let right = (0..ft.ids.len()).filter(|&i| seg.projection[[i, 0]] >= 0.0).count();
    assert_eq!(parse(&svg_of(&ColourBy::Segment, 0.0..100.0)).0, right);
    // Coloured by a feature: the scale's three stops, no segment marks.
    let (_, marks, legend) = parse(&svg_of(&ColourBy::Feature("trade_count".into()), -100.0..100.0));
    assert_eq!(marks, 3);
    assert!(legend.contains("trade_count (log scale)"), "{legend}");
    // Biplot arrows, as on screen: a path and a label each, in a group clipped to the plot.
    assert!(!svg.contains("class=\"biplot\""));
    *arrows.borrow_mut() = vec![("spot_share".into(), 1.0, 2.0), ("a<b".into(), -3.0, 0.5)];
    let svg = svg_of(&ColourBy::Segment, -100.0..100.0);
    let group = &svg[svg.find("<g class=\"biplot\" clip-path=\"url(#plot-area)\"").expect("a biplot group")..];
    let group = &group[..group.find("</g>").unwrap()];
    assert_eq!(group.matches("<path ").count(), 2);
    assert!(group.contains(">spot_share</text>") && group.contains(">a&lt;b</text>"), "{group}");
    assert_eq!(parse(&svg).0, ft.ids.len(), "the SVG still parses");
}

#[test]
fn biplot_arrows_share_one_scale_and_the_longest_reaches_80_percent_of_the_room() {
    let (_, seg) = sample();
    let axes = Axes { x: 0, y: 2 };
    // Room from the origin: 2 across (to x = 2), 1 down (to y = -1).
    let arrows = biplot_arrows(&seg, axes, -4.0..2.0, -1.0..3.0, 4);
    assert_eq!(arrows.len(), 4);
    assert!((arrows[0].1.hypot(arrows[0].2) - 0.8).abs() < 1e-12, "{arrows:?}");
    // Each arrow is its feature's loadings on PC1 and PC3, times one scale.
    let c = &seg.pca.components;
    let o = |j: usize| seg.used.iter().position(|&u| u == j).unwrap();
    let scale = arrows[0].1 / c[[0, o(arrows[0].0)]];
    for &(j, x, y) in &arrows {
        assert!((x - scale * c[[0, o(j)]]).abs() < 1e-12 && (y - scale * c[[2, o(j)]]).abs() < 1e-12);
    }
    assert!(arrows.windows(2).all(|w| w[0].1.hypot(w[0].2) >= w[1].1.hypot(w[1].2)), "longest first");
    assert!(biplot_arrows(&seg, Axes { x: 0, y: 40 }, -1.0..1.0, -1.0..1.0, 4).is_empty());
}

#[test]
fn the_scatter_text_alternative_gives_each_segment_its_size_and_centre() {
    let (_, seg) = sample();
    let names: Vec<String> = seg.profiles.iter().map(|p| p.name.clone()).collect();
    let text = scatter_description(&seg, Axes { x: 2, y: 0 }, &names, None);
    let evr = |c: usize| seg.pca.explained_variance_ratio[c] * 100.0;
    assert!(text.starts_with(&format!(
        "PCA scatter plot of {} accounts, PC3 ({:.1}% of variance) across, PC1 ({:.1}%) up.",
        seg.segments.len(),
        evr(2),
        evr(0)
    )));
    for p in &seg.profiles {
        // The centre is the mean of the segment's coordinates on the axes shown.
        let rows: Vec<usize> = (0..seg.segments.len()).filter(|&i| seg.segments[i] == p.id).collect();
        let mean = |c: usize| rows.iter().map(|&i| seg.projection[[i, c]]).sum::<f64>() / rows.len() as f64;
        let part = format!(
            "Segment {} · {}: {} accounts ({:.1}%), centred at PC3 {:.2}, PC1 {:.2}.",
            p.id,
            p.name,
            p.size,
            p.share * 100.0,
            mean(2),
            mean(0)
        );
        assert!(text.contains(&part), "{part} not in {text}");
    }
    assert!(!text.contains("Zoomed"));
    // Zoomed to the right half of PC3: the count in view is the box's.
    let (lo, hi) = seg.projection.column(2).iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let (ylo, yhi) = seg.projection.column(0).iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let x = ((lo + hi) / 2.0, hi);
    let inside = accounts_in_box(&seg.projection, Axes { x: 2, y: 0 }, x, (ylo, yhi)).len();
    assert!(inside > 0 && inside < seg.segments.len());
    let zoomed = scatter_description(&seg, Axes { x: 2, y: 0 }, &names, Some((x, (ylo, yhi))));
    assert!(zoomed.ends_with(&format!(
        " Zoomed: {inside} of {} accounts in view, PC3 {:.2} to {:.2}, PC1 {ylo:.2} to {yhi:.2}.",
        seg.segments.len(),
        x.0,
        x.1
    )));
}

#[test]
fn the_keyboard_cursor_visits_every_point_in_view_left_to_right_and_wraps() {
    let (_, seg) = sample();
    let axes = Axes::default();
    let p = &seg.projection;
    let x = (-1.0, 2.0);
    let y = (-1.5, 1.5);
    let inside = accounts_in_box(p, axes, x, y);
    assert!(inside.len() > 10 && inside.len() < p.nrows());
    // Forward from nothing: the leftmost; then every account in view once, in x order.
    let mut seen = Vec::new();
    let mut cur = None;
    for n in 0..inside.len() {
        let (i, at, count) = step_in_view(p, axes, x, y, cur, 1).unwrap();
        assert_eq!((at, count), (n, inside.len()));
        if let Some(&last) = seen.last() {
            assert!(p[[i, 0]] >= p[[last, 0]], "left to right");
        }
        seen.push(i);
        cur = Some(i);
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, inside, "each account in view once");
    // One more step wraps to the first; a step back from the first is the last.
    assert_eq!(step_in_view(p, axes, x, y, cur, 1).unwrap().0, seen[0]);
    assert_eq!(step_in_view(p, axes, x, y, Some(seen[0]), -1).unwrap().0, *seen.last().unwrap());
    // Backward from nothing: the rightmost. An empty view: none.
    assert_eq!(step_in_view(p, axes, x, y, None, -1).unwrap().0, *seen.last().unwrap());
    assert_eq!(step_in_view(p, axes, (100.0, 101.0), y, None, 1), None);
}
