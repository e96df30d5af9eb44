//! Canvas **Segment profile heatmap**: segments (rows, by name) x
//! clustering features (columns, the most separating first), each cell the
//! segment's centre in scaled units on a diverging scale (blue below the
//! overall centre, red above; [`crate::view_model::heatmap`]). Hovering a
//! cell shows its value in the line below the chart.

use super::state::AppState;
use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use crate::view_model::display::escaped_short;
use crate::view_model::heatmap::{diverging, Heatmap};
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use web_sys::CanvasRenderingContext2d;

/// Width of the segment-name column and height of the feature-name row, CSS pixels.
const LEFT: f64 = 190.0;
const TOP: f64 = 120.0;
/// Cell size, CSS pixels.
const CELL_W: f64 = 34.0;
const CELL_H: f64 = 26.0;

fn draw(canvas: &web_sys::HtmlCanvasElement, h: &Heatmap, names: &[String]) -> Option<()> {
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let extent = h.extent();
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(0.0, 0.0, canvas.width() as f64, canvas.height() as f64);
    ctx.set_font("11px sans-serif");
    ctx.set_text_baseline("middle");
    for (r, row) in h.values.iter().enumerate() {
        let y = TOP + r as f64 * CELL_H;
        ctx.set_fill_style_str("#333");
        ctx.set_text_align("right");
        let name = names.get(h.segments[r] - 1).map(String::as_str).unwrap_or("");
        let _ = ctx.fill_text(&format!("{} {}", h.segments[r], escaped_short(name, 26)), LEFT - 6.0, y + CELL_H / 2.0);
        for (c, &v) in row.iter().enumerate() {
            let (red, green, blue) = diverging(v, extent);
            ctx.set_fill_style_str(&format!("rgb({red},{green},{blue})"));
            ctx.fill_rect(LEFT + c as f64 * CELL_W, y, CELL_W - 1.0, CELL_H - 1.0);
            if v.is_finite() {
                ctx.set_fill_style_str(if v.abs() > extent * 0.6 { "#fff" } else { "#222" });
                ctx.set_text_align("center");
                // |v| < 0.05 shows as 0.0, not -0.0.
                let text = if v.abs() < 0.05 { "0.0".to_string() } else { format!("{v:.1}") };
                let _ = ctx.fill_text(&text, LEFT + c as f64 * CELL_W + CELL_W / 2.0, y + CELL_H / 2.0);
            }
        }
    }
    // Feature names, rotated, above their columns.
    ctx.set_fill_style_str("#333");
    ctx.set_text_align("left");
    for (c, f) in h.features.iter().enumerate() {
        ctx.save();
        let _ = ctx.translate(LEFT + c as f64 * CELL_W + CELL_W / 2.0, TOP - 6.0);
        let _ = ctx.rotate(-std::f64::consts::FRAC_PI_2 * 0.75);
        let _ = ctx.fill_text(&escaped_short(f, 20), 0.0, 0.0);
        ctx.restore();
    }
    Some(())
}

#[component]
pub fn ProfileHeatmap(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let h = Arc::new(Heatmap::of(&ft, &seg));
    let canvas = NodeRef::<html::Canvas>::new();
    // The last column's name leans right, past the grid: room for it.
    let (width, height) =
        (LEFT + h.features.len() as f64 * CELL_W + 90.0, TOP + h.segments.len() as f64 * CELL_H + 4.0);
    let unit = if seg.preprocessor.scaling == crate::analysis::Scaling::Robust { "IQR" } else { "SD" };
    let drawn = h.clone();
    Effect::new(move |_| {
        let names = state.names.get();
        if let Some(c) = canvas.get() {
            draw(&c, &drawn, &names);
        }
    });
    let hovered = RwSignal::new(None::<(usize, usize)>);
    let shown = h.clone();
    let on_move = move |ev: web_sys::MouseEvent| {
        let (x, y) = (ev.offset_x() as f64 - LEFT, ev.offset_y() as f64 - TOP);
        let cell = (x >= 0.0 && y >= 0.0).then(|| ((y / CELL_H) as usize, (x / CELL_W) as usize));
        hovered.set(cell.filter(|&(r, c)| r < h.segments.len() && c < h.features.len()));
    };
    let line = move || {
        let (r, c) = hovered.get()?;
        let name = state.names.with(|n| n.get(shown.segments[r] - 1).cloned().unwrap_or_default());
        Some(format!(
            "Segment {} ({}) · {}: {:+.2} {unit} from the overall centre",
            shown.segments[r],
            escaped_short(&name, 64),
            escaped_short(&shown.features[c], 64),
            shown.values[r][c]
        ))
    };
    view! {
        <details class="heatmap" open>
            <summary>"Segment profiles: where each segment sits on each clustering feature"</summary>
            <div class="table-wrap">
                <canvas node_ref=canvas role="img" aria-label="Segment profile heatmap" width=width height=height
                    on:mousemove=on_move on:mouseleave=move |_| hovered.set(None)></canvas>
            </div>
            <p class="hint" aria-live="polite">{move || line().unwrap_or_else(|| format!(
                "Each cell: the segment's centre in {unit} from the overall centre, after the feature's transform (blue below, red above); features ordered by how much they separate the segments. Hover a cell for its value; the Segment summary has the same in raw units."
            ))}</p>
        </details>
    }
}
