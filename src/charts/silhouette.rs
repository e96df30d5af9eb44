//! The silhouette plot (as in scikit-learn's "Selecting the number of
//! clusters with silhouette analysis"): each sampled account's silhouette as
//! a horizontal bar, grouped by segment and sorted within it, in the
//! segment's colour, with the mean as a dashed line.

use super::{failed, Chart};
use crate::view_model::colours::PALETTE;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Rows left blank between two segments' bars.
const GAP: usize = 10;

/// Per segment `1..=k`, its sampled accounts' silhouettes (highest first),
/// and their mean (NaN: undefined, no line).
pub struct Silhouette<'a> {
    pub by_segment: &'a [Vec<f64>],
    pub mean: f64,
}

impl Chart for Silhouette<'_> {
    fn size(&self) -> (u32, u32) {
        (420, 300)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: u32) -> Result<(), String> {
        let err = failed("silhouette plot");
        let k = k.max(1);
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let by_segment = self.by_segment;
        if by_segment.iter().all(Vec::is_empty) {
            return Ok(());
        }
        let total: usize = by_segment.iter().map(|v| v.len() + GAP).sum::<usize>() + GAP;
        let low = by_segment.iter().flatten().copied().fold(0.0f64, f64::min).max(-1.0) - 0.05;
        let mut chart = ChartBuilder::on(root)
            .margin(8 * k)
            .x_label_area_size(36 * k)
            .y_label_area_size(58 * k)
            .build_cartesian_2d(low..1.0, 0.0..total as f64)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(8)
            .y_labels(0)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .x_desc("silhouette")
            .y_desc("segment")
            .label_style(("sans-serif", 11 * k))
            .axis_desc_style(("sans-serif", 12 * k))
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
            // The segment's number at the middle of its group.
            let mid = (y + v.len() / 2) as f64;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{}", i + 1),
                    (low + 0.01, total as f64 - mid),
                    ("sans-serif", 12 * k).into_font(),
                )))
                .map_err(|e| err(&e))?;
            y += v.len() + GAP;
        }
        if self.mean.is_finite() {
            let red = RGBColor(200, 30, 30);
            let line = [(self.mean, 0.0), (self.mean, total as f64)];
            chart
                .draw_series(DashedLineSeries::new(line, 5 * k, 4 * k, red.stroke_width(2 * k)))
                .map_err(|e| err(&e))?;
        }
        Ok(())
    }
}
