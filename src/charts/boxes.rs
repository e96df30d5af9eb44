//! The box plots of the Distributions view: one horizontal box per segment
//! and one for all accounts (top), in the segments' colours, on a
//! `ln(1 + x)` axis labelled in the feature's own units when the feature is
//! heavy-tailed ([`crate::view_model::distributions`]).

use super::{failed, Chart};
use crate::view_model::colours::PALETTE;
use crate::view_model::distributions::{BoxStats, Distribution};
use crate::view_model::fmt_num;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Feature `key`'s distribution `d`, by segment.
pub struct Boxes<'a> {
    pub d: &'a Distribution,
    pub key: &'a str,
}

impl Chart for Boxes<'_> {
    fn size(&self) -> (u32, u32) {
        (640, 320)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: u32) -> Result<(), String> {
        let err = failed("box plots");
        let (d, kp) = (self.d, k.max(1));
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
        root.fill(&WHITE).map_err(|e| err(&e))?;
        if !(lo.is_finite() && hi.is_finite()) {
            return Ok(());
        }
        let pad = ((hi - lo) * 0.05).max(1e-9);
        let n = boxes.len();
        let mut chart = ChartBuilder::on(root)
            .margin(10 * kp)
            .x_label_area_size(40 * kp)
            .y_label_area_size(48 * kp)
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
            .x_desc(format!("{}{unit}", self.key))
            .y_desc("segment")
            .label_style(("sans-serif", 12 * kp))
            .axis_desc_style(("sans-serif", 13 * kp))
            .draw()
            .map_err(|e| err(&e))?;
        let w = kp;
        for (row, (name, b, colour)) in boxes.iter().enumerate() {
            // The first box (all accounts) at the top.
            let y = (n - row) as f64 - 0.5;
            chart
                .draw_series(std::iter::once(Text::new(
                    name.clone(),
                    (lo - pad, y + 0.12),
                    ("sans-serif", 12 * kp).into_font(),
                )))
                .map_err(|e| err(&e))?;
            let Some(b) = b else { continue };
            let (h, cap) = (0.32, 0.16);
            let line = |pts: Vec<(f64, f64)>, style: ShapeStyle| PathElement::new(pts, style).into_dyn();
            let shapes: Vec<DynElement<'static, _, _>> = vec![
                Rectangle::new([(f(b.q1), y - h), (f(b.q3), y + h)], colour.mix(0.35).filled()).into_dyn(),
                Rectangle::new([(f(b.q1), y - h), (f(b.q3), y + h)], colour.stroke_width(w)).into_dyn(),
                line(vec![(f(b.median), y - h), (f(b.median), y + h)], BLACK.stroke_width(2 * w)),
                line(vec![(f(b.whisker_lo), y), (f(b.q1), y)], colour.stroke_width(w)),
                line(vec![(f(b.q3), y), (f(b.whisker_hi), y)], colour.stroke_width(w)),
                line(vec![(f(b.whisker_lo), y - cap), (f(b.whisker_lo), y + cap)], colour.stroke_width(w)),
                line(vec![(f(b.whisker_hi), y - cap), (f(b.whisker_hi), y + cap)], colour.stroke_width(w)),
            ];
            chart.draw_series(shapes).map_err(|e| err(&e))?;
        }
        Ok(())
    }
}
