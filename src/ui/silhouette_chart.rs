//! The silhouette plot (as in scikit-learn's "Selecting the number of
//! clusters with silhouette analysis"): each sampled account's silhouette as
//! a horizontal bar, grouped by segment and sorted within it, in the
//! segment's colour, with the mean as a dashed line.

use crate::view_model::colours::PALETTE;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Rows left blank between two segments' bars.
const GAP: usize = 10;

/// Draws `by_segment` (per segment `1..=k`, its accounts' silhouettes,
/// highest first) and their `mean` on `canvas`. Errors: a message for the page.
pub fn draw(canvas: &HtmlCanvasElement, by_segment: &[Vec<f64>], mean: f64) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the silhouette plot failed: {e:?}");
    let total: usize = by_segment.iter().map(|v| v.len() + GAP).sum::<usize>() + GAP;
    if by_segment.iter().all(Vec::is_empty) {
        return Ok(());
    }
    let low = by_segment.iter().flatten().copied().fold(0.0f64, f64::min).max(-1.0) - 0.05;
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(58)
        .build_cartesian_2d(low..1.0, 0.0..total as f64)
        .map_err(|e| err(&e))?;
    // Segment numbers as the y labels, at the middle of each group.
    let mut mids = Vec::new();
    let mut y = GAP;
    for (i, v) in by_segment.iter().enumerate() {
        mids.push((i + 1, (y + v.len() / 2) as f64));
        y += v.len() + GAP;
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(8)
        .y_labels(0)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .x_desc("silhouette")
        .y_desc("segment")
        .label_style(("sans-serif", 11))
        .axis_desc_style(("sans-serif", 12))
        .draw()
        .map_err(|e| err(&e))?;
    let mut y = GAP;
    for (i, v) in by_segment.iter().enumerate() {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        let colour = RGBColor(r, g, b);
        let top = total - y;
        chart
            .draw_series(v.iter().enumerate().map(|(j, &s)| {
                let yy = (top - j) as f64;
                Rectangle::new([(0.0, yy - 1.0), (s, yy)], colour.filled())
            }))
            .map_err(|e| err(&e))?;
        y += v.len() + GAP;
    }
    for (s, mid) in mids {
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{s}"),
                (low + 0.01, total as f64 - mid),
                ("sans-serif", 12).into_font(),
            )))
            .map_err(|e| err(&e))?;
    }
    if mean.is_finite() {
        let red = RGBColor(200, 30, 30);
        chart
            .draw_series(DashedLineSeries::new([(mean, 0.0), (mean, total as f64)], 5, 4, red.stroke_width(2)))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))
}
