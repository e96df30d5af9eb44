//! The scree plot: the explained variance ratio of each principal component
//! as bars, and the cumulative ratio as a line (scikit-learn's
//! `PCA.explained_variance_ratio_` and its running sum).

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Draws `ratios` (each component's explained variance ratio, 0 to 1, in
/// order) on `canvas`. Errors: a message for the page.
pub fn draw(canvas: &HtmlCanvasElement, ratios: &[f64]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the scree plot failed: {e:?}");
    if ratios.is_empty() {
        return Ok(());
    }
    let n = ratios.len();
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(46)
        .build_cartesian_2d(0.5..(n as f64 + 0.5), 0.0..1.02)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&|v| format!("PC{v:.0}"))
        .y_label_formatter(&|v| format!("{:.0} %", v * 100.0))
        .x_desc("component")
        .y_desc("variance explained")
        .label_style(("sans-serif", 11))
        .axis_desc_style(("sans-serif", 12))
        .draw()
        .map_err(|e| err(&e))?;
    let bar = RGBColor(78, 121, 167);
    chart
        .draw_series(ratios.iter().enumerate().map(|(i, &r)| {
            let x = i as f64 + 1.0;
            Rectangle::new([(x - 0.35, 0.0), (x + 0.35, r)], bar.filled())
        }))
        .map_err(|e| err(&e))?;
    let cumulative: Vec<(f64, f64)> = ratios
        .iter()
        .scan(0.0, |s, &r| {
            *s += r;
            Some(*s)
        })
        .enumerate()
        .map(|(i, c)| (i as f64 + 1.0, c.min(1.0)))
        .collect();
    let line = RGBColor(225, 87, 89);
    chart.draw_series(LineSeries::new(cumulative.iter().copied(), line.stroke_width(2))).map_err(|e| err(&e))?;
    chart.draw_series(cumulative.iter().map(|&p| Circle::new(p, 3, line.filled()))).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
