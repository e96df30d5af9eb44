//! The PCA scatter plot: axes and labels drawn by plotters on the canvas,
//! points written straight into an RGBA pixel buffer and blitted with one
//! `putImageData` (per-point canvas calls are far slower at 100k points;
//! figures: BENCHMARKS.md), with a per-pixel index of the point on top for
//! hover. Zoom and pan redraw within a [`View`]. The component that shows
//! it and owns its zoom, pan and hover is `scatter_view`.

use crate::view_model::explore::Axes;
use ndarray::Array2;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

fn padded_range(v: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() || !hi.is_finite() {
        return -1.0..1.0;
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad)..(hi + pad)
}

/// The part of the plane of the plotted components shown, in data units.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub x: std::ops::Range<f64>,
    pub y: std::ops::Range<f64>,
}

impl View {
    /// Every point on `axes`, with a 5 % margin.
    pub fn all(projection: &Array2<f64>, axes: Axes) -> View {
        let axes = axes.within(projection.ncols());
        View {
            x: padded_range(projection.column(axes.x).iter().copied()),
            y: padded_range(projection.column(axes.y).iter().copied()),
        }
    }

    /// Zoomed by `factor` (> 1 zooms in) about the data point at fractions
    /// `(fx, fy)` of the plot's width and height from its top left, within
    /// limits: at most a million times closer than `full` (every point) and
    /// at most a thousand times wider, so the ranges stay finite and non-empty.
    pub fn zoom(&self, factor: f64, fx: f64, fy: f64, full: &View) -> View {
        let width = self.x.end - self.x.start;
        let full_width = full.x.end - full.x.start;
        let (lo, hi) = (width / (full_width * 1e3), width / (full_width * 1e-6));
        // (f64::clamp panics on NaN bounds: check them first.)
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi && factor.is_finite()) {
            return self.clone();
        }
        let factor = factor.clamp(lo, hi);
        let (cx, cy) = (self.x.start + fx * (self.x.end - self.x.start), self.y.end - fy * (self.y.end - self.y.start));
        let scale = |r: &std::ops::Range<f64>, c: f64| (c - (c - r.start) / factor)..(c + (r.end - c) / factor);
        View { x: scale(&self.x, cx), y: scale(&self.y, cy) }
    }

    /// Moved by fractions `(dx, dy)` of the plot's width and height (drag right and down: positive).
    pub fn pan(&self, dx: f64, dy: f64) -> View {
        let (wx, wy) = (self.x.end - self.x.start, self.y.end - self.y.start);
        View {
            x: (self.x.start - dx * wx)..(self.x.end - dx * wx),
            y: (self.y.start + dy * wy)..(self.y.end + dy * wy),
        }
    }
}

/// What a drawn plot needs for hover and zoom: where the plotting area sits
/// on the canvas (pixels) and, per pixel of it, the point drawn on top.
pub struct Frame {
    /// Top-left corner of the plotting area on the canvas, pixels.
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
    /// `width x height`, row-major: 1 + index of the account drawn last at that pixel, 0 = none.
    index: Vec<u32>,
    /// The data ranges drawn.
    view: View,
}

impl Frame {
    /// The account under canvas pixel `(x, y)`, or the nearest within 3 pixels.
    pub fn hit(&self, x: i32, y: i32) -> Option<usize> {
        let (x, y) = (x - self.left, y - self.top);
        let mut best: Option<(i32, usize)> = None;
        for dy in -3..=3 {
            for dx in -3..=3 {
                let (px, py) = (x + dx, y + dy);
                if px < 0 || py < 0 || px >= self.width as i32 || py >= self.height as i32 {
                    continue;
                }
                let v = self.index[(py as u32 * self.width + px as u32) as usize];
                let d = dx * dx + dy * dy;
                if v > 0 && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, v as usize - 1));
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// The data point (x, y in the plotted components' units) at canvas pixel `(x, y)`.
    pub fn data_at(&self, x: f64, y: f64) -> (f64, f64) {
        let (fx, fy) = self.fraction(x, y);
        let v = &self.view;
        (v.x.start + fx * (v.x.end - v.x.start), v.y.end - fy * (v.y.end - v.y.start))
    }

    /// The canvas pixel of data point `(x, y)` (the plotted components'
    /// units): the inverse of [`Frame::data_at`].
    pub fn pixel_of(&self, x: f64, y: f64) -> (f64, f64) {
        let v = &self.view;
        (
            self.left as f64 + (x - v.x.start) / (v.x.end - v.x.start) * self.width as f64,
            self.top as f64 + (v.y.end - y) / (v.y.end - v.y.start) * self.height as f64,
        )
    }

    /// Fractions of the plotting area's width and height at canvas pixel `(x, y)`.
    pub fn fraction(&self, x: f64, y: f64) -> (f64, f64) {
        ((x - self.left as f64) / self.width as f64, (y - self.top as f64) / self.height as f64)
    }
}

/// The biplot arrows of `paint` from the data origin, dark with a white
/// halo on their labels so they read over the points; clipped to the plot.
fn draw_arrows(
    ctx: &CanvasRenderingContext2d,
    paint: &Paint,
    (left, top): (f64, f64),
    (sx, sy): (f64, f64),
    (xr, yr): (&std::ops::Range<f64>, &std::ops::Range<f64>),
    k: f64,
) {
    if paint.arrows.is_empty() {
        return;
    }
    let at = |x: f64, y: f64| (left + (x - xr.start) * sx, top + (yr.end - y) * sy);
    let (w, h) = ((xr.end - xr.start) * sx, (yr.end - yr.start) * sy);
    ctx.save();
    ctx.begin_path();
    ctx.rect(left, top, w, h);
    ctx.clip();
    let (ox, oy) = at(0.0, 0.0);
    ctx.set_stroke_style_str("#222");
    ctx.set_fill_style_str("#222");
    ctx.set_line_width(1.5 * k);
    ctx.set_font(&format!("{}px sans-serif", 12.0 * k));
    for (label, dx, dy) in paint.arrows {
        let (ex, ey) = at(*dx, *dy);
        let angle = (ey - oy).atan2(ex - ox);
        ctx.begin_path();
        ctx.move_to(ox, oy);
        ctx.line_to(ex, ey);
        ctx.stroke();
        // The head: two short strokes back from the tip.
        let head = 7.0 * k;
        ctx.begin_path();
        ctx.move_to(ex, ey);
        ctx.line_to(ex - head * (angle - 0.4).cos(), ey - head * (angle - 0.4).sin());
        ctx.move_to(ex, ey);
        ctx.line_to(ex - head * (angle + 0.4).cos(), ey - head * (angle + 0.4).sin());
        ctx.stroke();
        let (tx, ty) = (ex + 4.0 * k * angle.cos(), ey + 4.0 * k * angle.sin());
        ctx.set_text_align(if angle.cos() >= 0.0 { "left" } else { "right" });
        ctx.set_line_width(3.0 * k);
        ctx.set_stroke_style_str("rgba(255,255,255,0.85)");
        let _ = ctx.stroke_text(label, tx, ty);
        let _ = ctx.fill_text(label, tx, ty);
        ctx.set_stroke_style_str("#222");
        ctx.set_line_width(1.5 * k);
    }
    ctx.restore();
}

/// How [`draw`] paints the points: which components go on the axes and
/// their titles, the order points are drawn in (later on top), each
/// point's colour and opacity, and the drawing's scale (1 on screen, 2 for
/// the PNG download: fonts, margins and dots twice the size).
pub struct Paint<'a> {
    pub axes: Axes,
    pub x_desc: String,
    pub y_desc: String,
    /// Account indices, in drawing order (an account left out is not drawn).
    pub order: &'a [usize],
    /// Colour of account `i` and its opacity in tenths (7: 70 %).
    pub colour: &'a dyn Fn(usize) -> ((u8, u8, u8), u16),
    pub scale: u32,
    /// Biplot arrows from the origin, in data units, with their labels.
    pub arrows: &'a [(String, f64, f64)],
}

/// Draws the columns `paint.axes` of `projection` (`n x m`) within `view`
/// on `canvas`: axes by plotters; the points of `paint.order` straight into
/// an RGBA buffer, each blended over what is there at its opacity (overlaps
/// darken, so dense regions show), and one `putImageData`, recording per
/// pixel which account is on top for [`Frame::hit`].
///
/// Errors: the canvas has no 2D context, or drawing failed (message says which).
pub fn draw(canvas: &HtmlCanvasElement, projection: &Array2<f64>, paint: &Paint, view: &View) -> Result<Frame, String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the scatter plot failed: {e:?}");
    let axes = paint.axes.within(projection.ncols());
    let k = paint.scale.max(1);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    // A view that is not finite or empty (it should not happen: View::zoom
    // clamps) would make plotters panic; show every point instead.
    let ok = |r: &std::ops::Range<f64>| r.start.is_finite() && r.end.is_finite() && r.end > r.start;
    let view = if ok(&view.x) && ok(&view.y) { view.clone() } else { View::all(projection, axes) };
    let (xr, yr) = (view.x.clone(), view.y.clone());
    let mut chart = ChartBuilder::on(&root)
        .margin(12 * k)
        .x_label_area_size(44 * k)
        .y_label_area_size(56 * k)
        .build_cartesian_2d(xr.clone(), yr.clone())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(paint.x_desc.as_str())
        .y_desc(paint.y_desc.as_str())
        .label_style(("sans-serif", 13 * k))
        .axis_desc_style(("sans-serif", 14 * k))
        .draw()
        .map_err(|e| err(&e))?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = ((px.end - px.start).max(1) as u32, (py.end - py.start).max(1) as u32);
    drop(chart);
    root.present().map_err(|e| err(&e))?;

    let mut rgba = vec![255u8; (w * h * 4) as usize];
    let mut index = vec![0u32; (w * h) as usize];
    let sx = (w - 1) as f64 / (xr.end - xr.start);
    let sy = (h - 1) as f64 / (yr.end - yr.start);
    // Dots of radius 2 (5 x 5 without corners) for up to 20,000 points, 1
    // (3 x 3) up to 200,000, single pixels above: there are about 300,000
    // pixels in the plot, and fewer writes keep a redraw quick.
    let r: i32 = match projection.nrows() {
        0..=20_000 => 2,
        20_001..=200_000 => 1,
        _ => 0,
    } * k as i32
        + (k as i32 - 1) / 2;
    let (cols, n) = (projection.ncols(), projection.nrows());
    let xy = projection.as_standard_layout();
    let xy = xy.as_slice().ok_or("the projection is not contiguous")?;
    for &i in paint.order.iter().filter(|&&i| i < n) {
        let x = ((xy[cols * i + axes.x] - xr.start) * sx).round();
        let y = ((yr.end - xy[cols * i + axes.y]) * sy).round();
        if !(x > -(r as f64) - 1.0 && y > -(r as f64) - 1.0 && x < (w as i32 + r) as f64 && y < (h as i32 + r) as f64) {
            continue; // outside the view (or not finite)
        }
        let (x, y) = (x as i32, y as i32);
        let ((cr, cg, cb), a) = (paint.colour)(i);
        let a = a.min(10);
        let mut put = |p: usize| {
            let o = &mut rgba[p * 4..p * 4 + 3];
            o[0] = ((o[0] as u16 * (10 - a) + cr as u16 * a) / 10) as u8;
            o[1] = ((o[1] as u16 * (10 - a) + cg as u16 * a) / 10) as u8;
            o[2] = ((o[2] as u16 * (10 - a) + cb as u16 * a) / 10) as u8;
            index[p] = i as u32 + 1;
        };
        let inside = x >= r && y >= r && x < w as i32 - r && y < h as i32 - r;
        for dy in -r..=r {
            for dx in -r..=r {
                let (qx, qy) = (x + dx, y + dy);
                // Round dots: the corners of the square left out.
                let corner = r >= 2 && dx * dx + dy * dy > r * r + r / 2;
                if !corner && (inside || (qx >= 0 && qy >= 0 && qx < w as i32 && qy < h as i32)) {
                    put((qy as u32 * w + qx as u32) as usize);
                }
            }
        }
    }
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or("the canvas has no 2D context")?;
    let img = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), w, h).map_err(|e| err(&e))?;
    ctx.put_image_data(&img, px.start as f64, py.start as f64).map_err(|e| err(&e))?;
    ctx.set_stroke_style_str("#444");
    ctx.set_line_width(k as f64);
    ctx.stroke_rect(px.start as f64 - 0.5, py.start as f64 - 0.5, w as f64 + 1.0, h as f64 + 1.0);
    draw_arrows(&ctx, paint, (px.start as f64, py.start as f64), (sx, sy), (&xr, &yr), k as f64);
    Ok(Frame { left: px.start, top: py.start, width: w, height: h, index, view })
}
