//! The box plots of the Distributions view: one horizontal box per segment
//! and one for all accounts (top), in the segments' colours, on a
//! `ln(1 + x)` axis labelled in the feature's own units when the feature is
//! heavy-tailed ([`crate::view_model::distributions`]).

use crate::view_model::colours::PALETTE;
use crate::view_model::distributions::{BoxStats, Distribution};
use crate::view_model::fmt_num;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Draws `d` (feature `key`) on `canvas`. Errors: a message for the page.
pub fn draw(canvas: &HtmlCanvasElement, d: &Distribution, key: &str) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the box plots failed: {e:?}");
    let f = |v: f64| if d.log { v.max(0.0).ln_1p() } else { v };
    let boxes: Vec<(String, Option<&BoxStats>, RGBColor)> =
        std::iter::once(("all".to_string(), d.overall.as_ref(), RGBColor(90, 90, 90)))
            .chain(d.by_segment.iter().enumerate().map(|(i, b)| {
                let (r, g, bl) = PALETTE[i % PALETTE.len()];
                (format!("{}", i + 1), b.as_ref(), RGBColor(r, g, bl))
            }))
            .collect();
    let (lo, hi) = boxes
        .iter()
        .filter_map(|(_, b, _)| *b)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, z), b| (a.min(f(b.whisker_lo)), z.max(f(b.whisker_hi))));
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    if !(lo.is_finite() && hi.is_finite()) {
        return root.present().map_err(|e| err(&e));
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    let n = boxes.len();
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..n as f64)
        .map_err(|e| err(&e))?;
    let unit = if d.log { " (log scale: ln(1 + x), labelled in the feature's units)" } else { "" };
    let label = |v: &f64| fmt_num(if d.log { v.exp_m1() } else { *v });
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(6)
        .y_labels(0)
        .x_label_formatter(&label)
        .x_desc(format!("{key}{unit}"))
        .y_desc("segment")
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(|e| err(&e))?;
    for (row, (name, b, colour)) in boxes.iter().enumerate() {
        // The first box (all accounts) at the top.
        let y = (n - row) as f64 - 0.5;
        chart
            .draw_series(std::iter::once(Text::new(name.clone(), (lo - pad, y + 0.12), ("sans-serif", 12).into_font())))
            .map_err(|e| err(&e))?;
        let Some(b) = b else { continue };
        let (h, cap) = (0.32, 0.16);
        let shapes: Vec<DynElement<'static, _, _>> = vec![
            Rectangle::new([(f(b.q1), y - h), (f(b.q3), y + h)], colour.mix(0.35).filled()).into_dyn(),
            Rectangle::new([(f(b.q1), y - h), (f(b.q3), y + h)], colour.stroke_width(1)).into_dyn(),
            PathElement::new(vec![(f(b.median), y - h), (f(b.median), y + h)], BLACK.stroke_width(2)).into_dyn(),
            PathElement::new(vec![(f(b.whisker_lo), y), (f(b.q1), y)], colour.stroke_width(1)).into_dyn(),
            PathElement::new(vec![(f(b.q3), y), (f(b.whisker_hi), y)], colour.stroke_width(1)).into_dyn(),
            PathElement::new(vec![(f(b.whisker_lo), y - cap), (f(b.whisker_lo), y + cap)], colour.stroke_width(1))
                .into_dyn(),
            PathElement::new(vec![(f(b.whisker_hi), y - cap), (f(b.whisker_hi), y + cap)], colour.stroke_width(1))
                .into_dyn(),
        ];
        chart.draw_series(shapes).map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}
