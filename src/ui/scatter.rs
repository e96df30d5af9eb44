//! The PCA scatter plot: axes and labels drawn by plotters on the canvas,
//! points drawn by plotters into an RGB pixel buffer and blitted with one
//! `putImageData` (per-point canvas calls take seconds at 100k points; see
//! ../shared/TOOLCHAIN.md).

use ndarray::Array2;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Segment colours (Tableau 10), segment `s` uses `PALETTE[(s - 1) % 10]`;
/// style/main.css has the same list for the legend swatches.
pub const PALETTE: [(u8, u8, u8); 10] = [
    (78, 121, 167),
    (242, 142, 43),
    (225, 87, 89),
    (118, 183, 178),
    (89, 161, 79),
    (237, 201, 72),
    (176, 122, 161),
    (255, 157, 167),
    (156, 117, 95),
    (186, 176, 172),
];

/// Colour of noise (segment 0, HDBSCAN's unassigned accounts): a light grey
/// distinct from the palette's own grey (segment 10).
pub const NOISE: (u8, u8, u8) = (214, 214, 214);

fn colour(segment: usize) -> RGBColor {
    let (r, g, b) = if segment == 0 { NOISE } else { PALETTE[(segment - 1) % PALETTE.len()] };
    RGBColor(r, g, b)
}

fn padded_range(v: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() || !hi.is_finite() {
        return -1.0..1.0;
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad)..(hi + pad)
}

/// Draws `projection` (`n x 2`, PC1 and PC2) coloured by `segments`
/// (`1..=k`, 0 = noise, drawn first and grey) on `canvas`; `evr` is the explained variance ratio of PC1 and PC2.
pub fn draw(
    canvas: &HtmlCanvasElement,
    projection: &Array2<f64>,
    segments: &[usize],
    evr: (f64, f64),
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Debug| format!("drawing the scatter plot failed: {e:?}");
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let xr = padded_range(projection.column(0).iter().copied());
    let yr = padded_range(projection.column(1).iter().copied());
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(xr.clone(), yr.clone())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(format!("PC1 ({:.1}% of variance)", evr.0 * 100.0))
        .y_desc(format!("PC2 ({:.1}% of variance)", evr.1 * 100.0))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()
        .map_err(|e| err(&e))?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = ((px.end - px.start).max(1) as u32, (py.end - py.start).max(1) as u32);
    drop(chart);
    root.present().map_err(|e| err(&e))?;

    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        let sx = (w - 1) as f64 / (xr.end - xr.start);
        let sy = (h - 1) as f64 / (yr.end - yr.start);
        let radius = if projection.nrows() > 20_000 { 1 } else { 2 };
        let noise_first = segments.iter().enumerate().filter(|(_, s)| **s == 0);
        for (i, &s) in noise_first.chain(segments.iter().enumerate().filter(|(_, s)| **s != 0)) {
            let x = ((projection[[i, 0]] - xr.start) * sx).round() as i32;
            let y = ((yr.end - projection[[i, 1]]) * sy).round() as i32;
            area.draw(&Circle::new((x, y), radius, colour(s).mix(0.7).filled())).map_err(|e| err(&e))?;
        }
        area.present().map_err(|e| err(&e))?;
    }
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for p in rgb.chunks_exact(3) {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
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
    ctx.stroke_rect(px.start as f64 - 0.5, py.start as f64 - 0.5, w as f64 + 1.0, h as f64 + 1.0);
    Ok(())
}
