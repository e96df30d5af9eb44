//! Button **Download scatter SVG**: the PCA scatter as drawn on screen (the
//! same axes, view, colours and highlight), as a standalone SVG drawn with
//! plotters' SVG backend, with a legend beside the plot: one mark per
//! segment (`<rect class="legend-mark">`) and its name, or, when coloured
//! by a feature, the scale's ends and middle.

use crate::analysis::Segmentation;
use crate::view_model::explore::{viridis, Axes, Colouring};
use crate::view_model::fmt_num;
use plotters::prelude::*;
use std::fmt::Write;
use std::ops::Range;

/// Plot and legend widths and the height of the SVG, pixels.
const PLOT_W: u32 = 760;
const LEGEND_W: u32 = 260;
const HEIGHT: u32 = 500;

/// What the scatter SVG shows.
pub struct ScatterSvg<'a> {
    pub seg: &'a Segmentation,
    pub colouring: &'a Colouring<'a>,
    pub axes: Axes,
    /// The data ranges shown (the view on screen).
    pub x: Range<f64>,
    pub y: Range<f64>,
    pub x_desc: String,
    pub y_desc: String,
    /// Segment names, `names[s - 1]` for segment `s`.
    pub names: &'a [String],
    /// When coloured by a feature: its key.
    pub feature: Option<&'a str>,
    /// Biplot arrows from the origin, in data units, with their labels (as on screen).
    pub arrows: &'a [(String, f64, f64)],
}

/// Escapes text for an SVG text node or attribute.
pub(crate) fn xml(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            // Control characters are not allowed in XML 1.0: shown as U+FFFD.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => "\u{FFFD}".into(),
            c => c.to_string(),
        })
        .collect()
}

/// The SVG document (`1020 x 500`): axes and points by plotters (points
/// outside the ranges left out; opacity as on screen), the legend after.
///
/// Errors: plotters failed to draw (the message says what), or the ranges
/// are empty or not finite.
pub fn scatter_svg(p: &ScatterSvg) -> Result<String, String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the scatter SVG failed: {e:?}");
    let ok = |r: &Range<f64>| r.start.is_finite() && r.end.is_finite() && r.end > r.start;
    if !ok(&p.x) || !ok(&p.y) {
        return Err("the scatter's view is empty: reset the view and try again".into());
    }
    let proj = &p.seg.projection;
    let axes = p.axes.within(proj.ncols());
    let mut out = String::new();
    // The plotting area (left, top, right, bottom) and the arrows' origin and tips, pixels.
    let (area, arrows): (Area, Vec<Arrow>);
    {
        let root = SVGBackend::with_string(&mut out, (PLOT_W + LEGEND_W, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let (left, _) = root.split_horizontally(PLOT_W);
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(p.x.clone(), p.y.clone())
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(p.x_desc.as_str())
            .y_desc(p.y_desc.as_str())
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()
            .map_err(|e| err(&e))?;
        let inside = |i: usize| {
            let (x, y) = (proj[[i, axes.x]], proj[[i, axes.y]]);
            p.x.contains(&x) && p.y.contains(&y)
        };
        let points = p.colouring.order.iter().filter(|&&i| i < proj.nrows() && inside(i)).map(|&i| {
            let ((r, g, b), a) = p.colouring.paint(i);
            Circle::new((proj[[i, axes.x]], proj[[i, axes.y]]), 2, RGBColor(r, g, b).mix(a as f64 / 10.0).filled())
        });
        chart.draw_series(points).map_err(|e| err(&e))?;
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        area = (xs.start, ys.start, xs.end, ys.end);
        let origin = chart.backend_coord(&(0.0, 0.0));
        arrows =
            p.arrows.iter().map(|(label, x, y)| (label.as_str(), origin, chart.backend_coord(&(*x, *y)))).collect();
        root.present().map_err(|e| err(&e))?;
    }
    let Some(end) = out.rfind("</svg>") else { return Err("plotters wrote no closing </svg>".into()) };
    out.truncate(end);
    out.push_str(&biplot(area, &arrows));
    out.push_str(&legend(p));
    out.push_str("</svg>\n");
    Ok(out)
}

/// A rectangle (left, top, right, bottom), pixels.
type Area = (i32, i32, i32, i32);
/// A biplot arrow: its label, origin and tip, pixels.
type Arrow<'a> = (&'a str, (i32, i32), (i32, i32));

/// The biplot arrows as a group `g.biplot` clipped to the plotting area
/// `(left, top, right, bottom)`: a line from the origin to each tip, a head
/// of two short strokes and the label past the tip, as on screen.
fn biplot(area: Area, arrows: &[Arrow]) -> String {
    if arrows.is_empty() {
        return String::new();
    }
    let (l, t, r, b) = area;
    let mut g = format!(
        "<defs><clipPath id=\"plot-area\"><rect x=\"{l}\" y=\"{t}\" width=\"{}\" height=\"{}\"/></clipPath></defs>\n\
         <g class=\"biplot\" clip-path=\"url(#plot-area)\" stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\" \
         font-family=\"sans-serif\" font-size=\"12\">\n",
        r - l,
        b - t
    );
    for &(label, (ox, oy), (ex, ey)) in arrows {
        let (ex, ey, ox, oy) = (ex as f64, ey as f64, ox as f64, oy as f64);
        let angle = (ey - oy).atan2(ex - ox);
        let head = |turn: f64| (ex - 7.0 * (angle + turn).cos(), ey - 7.0 * (angle + turn).sin());
        let ((ax, ay), (bx, by)) = (head(-0.4), head(0.4));
        let (tx, ty) = (ex + 4.0 * angle.cos(), ey + 4.0 * angle.sin());
        let anchor = if angle.cos() >= 0.0 { "start" } else { "end" };
        let _ = writeln!(
            g,
            "<path d=\"M{ox:.1} {oy:.1}L{ex:.1} {ey:.1}M{ax:.1} {ay:.1}L{ex:.1} {ey:.1}L{bx:.1} {by:.1}\"/>\
             <text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\" fill=\"#222\" stroke=\"none\">{}</text>",
            xml(label)
        );
    }
    g.push_str("</g>\n");
    g
}

/// The legend group, at the right of the plot.
fn legend(p: &ScatterSvg) -> String {
    let x = PLOT_W + 8;
    let mut g =
        format!("<g class=\"legend\" font-family=\"sans-serif\" font-size=\"13\" transform=\"translate({x},24)\">\n");
    let entry = |g: &mut String, row: usize, (r, g2, b): (u8, u8, u8), label: &str| {
        let y = row * 22;
        let _ = writeln!(
            g,
            "<rect class=\"legend-mark\" x=\"0\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"#{r:02x}{g2:02x}{b:02x}\"/>\
             <text x=\"18\" y=\"{}\">{}</text>",
            y + 11,
            xml(label)
        );
    };
    match (&p.colouring.scale, p.feature) {
        (Some((_, sc)), Some(key)) => {
            let spacing = if sc.log { "log" } else { "linear" };
            let _ = writeln!(g, "<text x=\"0\" y=\"11\">{}</text>", xml(&format!("{key} ({spacing} scale)")));
            for (row, t) in [1.0, 0.5, 0.0].into_iter().enumerate() {
                entry(&mut g, row + 1, viridis(t), &fmt_num(sc.value_at(t)));
            }
        }
        _ => {
            for pr in &p.seg.profiles {
                let s = pr.id;
                let name = p.names.get(s - 1).map_or(pr.name.as_str(), String::as_str);
                let c = crate::view_model::colours::PALETTE[(s - 1) % 10];
                entry(&mut g, s - 1, c, &format!("{s} · {name} ({})", pr.size));
            }
            if p.seg.noise > 0 {
                entry(
                    &mut g,
                    p.seg.profiles.len(),
                    crate::view_model::colours::NOISE,
                    &format!("Noise ({})", p.seg.noise),
                );
            }
        }
    }
    g.push_str("</g>\n");
    g
}

/// `svg` with a `<desc>` right after its opening tag holding `run` (the
/// run's record, as region **Run details** shows it: file, SHA-256, app
/// version, k, method, seed, ...) one `label: value` per line, so that a
/// chart handed on says what it was made from. `svg` unchanged if it has
/// no `<svg` tag.
pub fn with_run(svg: String, run: &[(&'static str, String)]) -> String {
    let Some(open) = svg.find("<svg").and_then(|at| svg[at..].find('>').map(|end| at + end + 1)) else { return svg };
    let lines: Vec<String> = run.iter().map(|(k, v)| xml(&format!("{k}: {v}"))).collect();
    format!(
        "{}\n<desc>Made with segscope in the analyst's browser.\n{}</desc>{}",
        &svg[..open],
        lines.join("\n"),
        &svg[open..]
    )
}
