//! The k sweep as a small line chart: the score the k rule maximises
//! (Calinski-Harabasz index, silhouette, or BIC drawn as itself) against k,
//! the chosen k marked.

use crate::analysis::segmentation::{KRule, KScore};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Draws `sweep`'s scores under `rule` on `canvas`, marking `chosen`.
/// Errors: a message for the page.
pub fn draw(canvas: &HtmlCanvasElement, sweep: &[KScore], chosen: usize, rule: KRule) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the k sweep failed: {e:?}");
    let bic = rule == KRule::Bic && sweep.iter().all(|s| s.bic.is_some());
    let pts: Vec<(f64, f64)> =
        sweep.iter().map(|s| (s.k as f64, if bic { -rule.score(s) } else { rule.score(s) })).collect();
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else { return Ok(()) };
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = ((hi - lo) * 0.1).max(1e-6);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(8)
        // Room for the tick labels and, beyond them, the axis title (the
        // title drew over the ticks with less).
        .x_label_area_size(42)
        .y_label_area_size(if rule == KRule::Silhouette { 60 } else { 84 })
        .build_cartesian_2d((first.0 - 0.3)..(last.0 + 0.3), (lo - pad)..(hi + pad))
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(pts.len())
        .x_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("k")
        .y_desc(match rule {
            _ if bic => "BIC (lower is better)",
            KRule::Silhouette => "silhouette",
            _ => "Calinski-Harabasz",
        })
        .label_style(("sans-serif", 11))
        .axis_desc_style(("sans-serif", 12))
        .draw()
        .map_err(|e| err(&e))?;
    let line = RGBColor(78, 121, 167);
    chart.draw_series(LineSeries::new(pts.iter().copied(), line.stroke_width(2))).map_err(|e| err(&e))?;
    chart
        .draw_series(pts.iter().map(|&(k, v)| {
            let chosen = k as usize == chosen;
            Circle::new((k, v), if chosen { 6 } else { 3 }, if chosen { RED.filled() } else { line.filled() })
        }))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
