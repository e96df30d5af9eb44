//! The k sweep as a small line chart: the score the k rule maximises
//! (Calinski-Harabasz index, silhouette, or BIC drawn as itself) against k,
//! the chosen k marked.

use super::{failed, Chart};
use crate::analysis::segmentation::{KRule, KScore};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The sweep's scores under `rule`, `chosen` marked.
pub struct Sweep<'a> {
    pub sweep: &'a [KScore],
    pub chosen: usize,
    pub rule: KRule,
}

impl Chart for Sweep<'_> {
    fn size(&self) -> (u32, u32) {
        (420, 210)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: u32) -> Result<(), String> {
        let err = failed("k sweep");
        let k = k.max(1);
        let rule = self.rule;
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let bic = rule == KRule::Bic && self.sweep.iter().all(|s| s.bic.is_some());
        let pts: Vec<(f64, f64)> =
            self.sweep.iter().map(|s| (s.k as f64, if bic { -rule.score(s) } else { rule.score(s) })).collect();
        let (Some(first), Some(last)) = (pts.first(), pts.last()) else { return Ok(()) };
        let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
        if !(lo.is_finite() && hi.is_finite()) {
            return Ok(());
        }
        let pad = ((hi - lo) * 0.1).max(1e-6);
        let mut chart = ChartBuilder::on(root)
            .margin(8 * k)
            // Room for the tick labels and, beyond them, the axis title (the
            // title drew over the ticks with less).
            .x_label_area_size(42 * k)
            .y_label_area_size(if rule == KRule::Silhouette { 60 } else { 84 } * k)
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
            .label_style(("sans-serif", 11 * k))
            .axis_desc_style(("sans-serif", 12 * k))
            .draw()
            .map_err(|e| err(&e))?;
        let line = RGBColor(78, 121, 167);
        chart.draw_series(LineSeries::new(pts.iter().copied(), line.stroke_width(2 * k))).map_err(|e| err(&e))?;
        chart
            .draw_series(pts.iter().map(|&(x, v)| {
                let chosen = x as usize == self.chosen;
                Circle::new((x, v), if chosen { 6 } else { 3 } * k, if chosen { RED.filled() } else { line.filled() })
            }))
            .map_err(|e| err(&e))?;
        Ok(())
    }
}
