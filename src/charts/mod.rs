//! The charts other than the scatter, drawn once for every surface: the
//! page's canvas (at the screen's pixel density), the PNG download (twice
//! the size) and the SVG download (plotters' SVG backend). Each chart is
//! data plus a [`Chart::draw`] on any plotters backend at a scale `k`
//! (fonts, margins, strokes and marks `k` times their size at 1), so the
//! three always show the same thing. No web dependency: the page draws
//! them on `plotters_canvas::CanvasBackend` (`ui::chart_canvas`), and the
//! SVG is tested natively.

pub mod boxes;
pub mod heatmap;
pub mod scree;
pub mod silhouette;
pub mod sweep;

use plotters::coord::Shift;
use plotters::prelude::*;

/// A chart drawn the same on every backend.
pub trait Chart {
    /// Width and height at scale 1, pixels (CSS pixels on the page).
    fn size(&self) -> (u32, u32);

    /// Draws on `root`, which is `size() * k` pixels, at scale `k` (at least 1).
    ///
    /// Errors: plotters failed to draw (the message names the chart).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, k: u32) -> Result<(), String>;
}

/// The chart as a standalone SVG document of `size()` pixels.
///
/// Errors: as [`Chart::draw`].
pub fn svg<C: Chart>(chart: &C) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, chart.size()).into_drawing_area();
        chart.draw(&root, 1)?;
        root.present().map_err(|e| format!("writing the SVG failed: {e:?}"))?;
    }
    Ok(out)
}

/// A function turning a plotters error into a message naming `what`.
pub(crate) fn failed(what: &'static str) -> impl Fn(&dyn std::fmt::Debug) -> String {
    move |e| format!("drawing the {what} failed: {e:?}")
}
