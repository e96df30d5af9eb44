//! The segment profile heatmap: segments (rows, by number and name) x
//! clustering features (columns, the most separating first), each cell the
//! segment's centre in scaled units on a diverging scale, its value written
//! in it ([`crate::view_model::heatmap`]).

use super::{failed, Chart};
use crate::view_model::display::escaped_short;
use crate::view_model::heatmap::{diverging, Heatmap};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the segment-name column and height of the feature-name row, pixels at scale 1.
pub const LEFT: u32 = 190;
pub const TOP: u32 = 150;
/// Cell size, pixels at scale 1.
pub const CELL_W: u32 = 34;
pub const CELL_H: u32 = 26;

/// The heatmap `h` with segment `s` named `names[s - 1]`.
pub struct HeatmapChart<'a> {
    pub h: &'a Heatmap,
    pub names: &'a [String],
}

impl HeatmapChart<'_> {
    /// The cell (row, column) under point `(x, y)` of the chart at scale 1, if any.
    pub fn cell_at(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let (x, y) = (x - LEFT as f64, y - TOP as f64);
        let (r, c) = ((y / CELL_H as f64).floor(), (x / CELL_W as f64).floor());
        (r >= 0.0 && c >= 0.0)
            .then_some((r as usize, c as usize))
            .filter(|&(r, c)| r < self.h.segments.len() && c < self.h.features.len())
    }
}

impl Chart for HeatmapChart<'_> {
    fn size(&self) -> (u32, u32) {
        (LEFT + self.h.features.len() as u32 * CELL_W + 12, TOP + self.h.segments.len() as u32 * CELL_H + 4)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: u32) -> Result<(), String> {
        let err = failed("segment profile heatmap");
        let k = k.max(1) as i32;
        let (left, top, cw, ch) = (LEFT as i32 * k, TOP as i32 * k, CELL_W as i32 * k, CELL_H as i32 * k);
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let h = self.h;
        let extent = h.extent();
        let font = ("sans-serif", 11 * k).into_font();
        let dark = RGBColor(0x33, 0x33, 0x33);
        for (r, row) in h.values.iter().enumerate() {
            let y = top + r as i32 * ch;
            let name = self.names.get(h.segments[r].wrapping_sub(1)).map(String::as_str).unwrap_or("");
            let label = format!("{} {}", h.segments[r], escaped_short(name, 26));
            let style = font.color(&dark).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(label, (left - 6 * k, y + ch / 2), style)).map_err(|e| err(&e))?;
            for (c, &v) in row.iter().enumerate() {
                let x = left + c as i32 * cw;
                let (red, green, blue) = diverging(v, extent);
                root.draw(&Rectangle::new([(x, y), (x + cw - k, y + ch - k)], RGBColor(red, green, blue).filled()))
                    .map_err(|e| err(&e))?;
                if v.is_finite() {
                    let ink = if v.abs() > extent * 0.6 { WHITE } else { RGBColor(0x22, 0x22, 0x22) };
                    // |v| < 0.05 shows as 0.0, not -0.0.
                    let text = if v.abs() < 0.05 { "0.0".to_string() } else { format!("{v:.1}") };
                    let style = font.color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                    root.draw(&Text::new(text, (x + cw / 2, y + ch / 2), style)).map_err(|e| err(&e))?;
                }
            }
        }
        // Feature names, reading upwards, above their columns.
        for (c, f) in h.features.iter().enumerate() {
            let style = font.color(&dark).transform(FontTransform::Rotate270).pos(Pos::new(HPos::Left, VPos::Center));
            let at = (left + c as i32 * cw + cw / 2, top - 6 * k);
            root.draw(&Text::new(escaped_short(f, 24), at, style)).map_err(|e| err(&e))?;
        }
        Ok(())
    }
}
