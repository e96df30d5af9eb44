//! The scree plot: the explained variance ratio of each principal component
//! as bars, and the cumulative ratio as a line (scikit-learn's
//! `PCA.explained_variance_ratio_` and its running sum).

use super::{failed, Chart};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Each component's explained variance ratio (0 to 1), in order.
pub struct Scree<'a> {
    pub ratios: &'a [f64],
}

impl Chart for Scree<'_> {
    fn size(&self) -> (u32, u32) {
        (360, 200)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: u32) -> Result<(), String> {
        let err = failed("scree plot");
        let k = k.max(1);
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let n = self.ratios.len();
        if n == 0 {
            return Ok(());
        }
        let mut chart = ChartBuilder::on(root)
            .margin(8 * k)
            .x_label_area_size(34 * k)
            .y_label_area_size(46 * k)
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
            .label_style(("sans-serif", 11 * k))
            .axis_desc_style(("sans-serif", 12 * k))
            .draw()
            .map_err(|e| err(&e))?;
        let bar = RGBColor(78, 121, 167);
        chart
            .draw_series(self.ratios.iter().enumerate().map(|(i, &r)| {
                let x = i as f64 + 1.0;
                Rectangle::new([(x - 0.35, 0.0), (x + 0.35, r)], bar.filled())
            }))
            .map_err(|e| err(&e))?;
        let cumulative: Vec<(f64, f64)> = self
            .ratios
            .iter()
            .scan(0.0, |s, &r| {
                *s += r;
                Some(*s)
            })
            .enumerate()
            .map(|(i, c)| (i as f64 + 1.0, c.min(1.0)))
            .collect();
        let line = RGBColor(225, 87, 89);
        chart
            .draw_series(LineSeries::new(cumulative.iter().copied(), line.stroke_width(2 * k)))
            .map_err(|e| err(&e))?;
        chart.draw_series(cumulative.iter().map(|&p| Circle::new(p, 3 * k, line.filled()))).map_err(|e| err(&e))?;
        Ok(())
    }
}
