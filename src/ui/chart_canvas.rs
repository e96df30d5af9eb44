//! The charts of [`crate::charts`] on the page: drawn on their canvas at
//! the screen's pixel density (sharp on high-density screens, the same CSS
//! size), and buttons **Download <chart> PNG** (twice the chart's size,
//! encoded by the browser) and **Download <chart> SVG** (plotters' SVG
//! backend), both drawn by the same code as the canvas.

use super::browser;
use super::state::AppState;
use crate::charts::{self, Chart};
use crate::export::chart_file_name;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Device pixels per CSS pixel, rounded up to a whole scale (1 to 4): the
/// scale charts are drawn at on screen.
pub fn device_scale() -> u32 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).ceil().clamp(1.0, 4.0) as u32
}

/// Draws `chart` on `canvas` at scale `k`: the canvas gets `size() * k`
/// pixels; with `css`, it is also shown `size()` CSS pixels wide.
fn draw_at<C: Chart>(canvas: &HtmlCanvasElement, chart: &C, k: u32, css: bool) -> Result<(), String> {
    let (w, h) = chart.size();
    if (canvas.width(), canvas.height()) != (w * k, h * k) {
        canvas.set_width(w * k);
        canvas.set_height(h * k);
    }
    if css {
        let _ = web_sys::HtmlElement::style(canvas).set_property("width", &format!("{w}px"));
    }
    let root =
        CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2D context")?.into_drawing_area();
    chart.draw(&root, k)?;
    root.present().map_err(|e| format!("drawing the chart failed: {e:?}"))
}

/// Draws `chart` on the page's `canvas` at [`device_scale`].
///
/// Errors: the canvas has no 2D context, or drawing failed.
pub fn draw_on<C: Chart>(canvas: &HtmlCanvasElement, chart: &C) -> Result<(), String> {
    draw_at(canvas, chart, device_scale(), true)
}

/// The point of the chart at scale 1 (CSS pixels as drawn) under mouse
/// event `ev` on `canvas`, whatever size CSS shows the canvas at.
pub fn chart_xy(canvas: &HtmlCanvasElement, size: (u32, u32), ev: &web_sys::MouseEvent) -> (f64, f64) {
    let shown = canvas.client_width().max(1) as f64;
    let s = size.0 as f64 / shown;
    (ev.offset_x() as f64 * s, ev.offset_y() as f64 * s)
}

/// Saves `chart` as `<input stem>-<stem>.svg` (with the run's record in
/// its `<desc>`), or as a PNG twice its size.
///
/// Errors: drawing failed, the browser has no canvas for the PNG, or it
/// refused to save the file.
pub fn save<C: Chart>(chart: &C, stem: &str, svg: bool) -> Result<(), String> {
    let state = expect_context::<AppState>();
    let input = state.loaded.with_untracked(|l| l.as_ref().map(|l| l.name.clone())).unwrap_or_default();
    let refused = |_| "The browser refused to save the file.".to_string();
    if svg {
        let text = crate::export::svg::with_run(charts::svg(chart)?, &state.run_record().unwrap_or_default());
        return browser::download_text(&chart_file_name(&input, stem, "svg"), &text).map_err(refused);
    }
    let (w, h) = chart.size();
    let canvas = browser::new_canvas(2 * w, 2 * h).ok_or("The browser could not make a canvas for the PNG.")?;
    draw_at(&canvas, chart, 2, false)?;
    browser::download_canvas_png(&canvas, &chart_file_name(&input, stem, "png")).map_err(refused)
}

/// Buttons **Download `what` PNG** and **Download `what` SVG**, calling
/// `save(svg)`; its error goes to the page's alert.
#[component]
pub fn ChartDownloads<F>(what: &'static str, save: F) -> impl IntoView
where
    F: Fn(bool) -> Result<(), String> + Clone + Send + Sync + 'static,
{
    let state = expect_context::<AppState>();
    let svg_save = save.clone();
    view! {
        <p class="chart-downloads">
            <button class="secondary" on:click=move |_| { if let Err(e) = save(false) { state.error.set(Some(e)) } }>
                {format!("Download {what} PNG")}</button>
            " "
            <button class="secondary" on:click=move |_| { if let Err(e) = svg_save(true) { state.error.set(Some(e)) } }>
                {format!("Download {what} SVG")}</button>
        </p>
    }
}
