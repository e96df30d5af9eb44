//! The PCA scatter plot as a component: the canvas (drawn by
//! [`super::scatter`]), its zoom, pan and hover (owned here), the tooltip
//! **Point details**, the zoom buttons, the legend and the loadings.

use super::browser::{self, download_text, now_ms};
use super::file_text::FileText;
use super::scatter::{self, Frame, Paint, View};
use super::state::AppState;
use crate::analysis::Segmentation;
use crate::export::chart_file_name;
use crate::export::svg::{scatter_svg, ScatterSvg};
use crate::features::FeatureTable;
use crate::view_model::display::escaped_short;
use crate::view_model::explore::{
    accounts_in_box, axis_value, biplot_arrows, parse_axis, scatter_description, step_in_view, Axes, ColourBy,
    ColourScale, Colouring, PlotChoice, Selection,
};
use crate::view_model::fmt_num;
use crate::view_model::ResultView;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// Axis title of component `c` (0-based): `PC3 (12.1% of variance)`.
fn axis_title(seg: &Segmentation, c: usize) -> String {
    let evr = seg.pca.explained_variance_ratio.get(c).copied().unwrap_or(0.0);
    format!("PC{} ({:.1}% of variance)", c + 1, evr * 100.0)
}

/// The plot of the latest result. Owns what only the plot needs: the view
/// (zoom and pan; `None`, or one made for another result or other axes:
/// every point), the drawn frame (for hover and box selection), a drag in
/// progress (start pixel, view, and whether it draws a box) and the hovered
/// account with the pointer's position. A view or hover carries the job of
/// the result it was made on, so a new result shows every point and no
/// stale tooltip. The axes, colouring, highlighted segment and selection
/// are shared state ([`AppState::plot`], `highlight`, `selection`).
#[component]
pub fn ScatterPlot() -> impl IntoView {
    let state = expect_context::<AppState>();
    let result = state.result;
    let plot = state.plot;
    let view = RwSignal::new(None::<(u64, Axes, View)>);
    let frame = StoredValue::new_local(None::<Frame>);
    let drag = StoredValue::new(None::<(f64, f64, View, bool)>);
    // The box being drawn, in CSS pixels relative to the canvas: (x0, y0, x1, y1).
    let drawing = RwSignal::new(None::<(f64, f64, f64, f64)>);
    let box_mode = RwSignal::new(false);
    let hover = RwSignal::new(None::<(u64, usize, f64, f64)>);
    // The keyboard cursor (keys n and p): the account it is on, of result `job`.
    let cursor = RwSignal::new(None::<(u64, usize)>);
    // What the polite live region announces: the cursor's point, or the view after a key zooms or pans.
    let announce = RwSignal::new(String::new());
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let job = move || result.with_untracked(|r| r.as_ref().map(|r| r.job));
    let axes_of = move |r: &ResultView| plot.with(|p| p.axes.within(r.seg.projection.ncols()));
    // The view of result `job` on `axes`, if one was made for them.
    let view_of = move |job: u64, axes: Axes| view.get().filter(|(j, a, _)| *j == job && *a == axes).map(|(.., v)| v);
    let set_view = move |v: View| {
        if let Some(r) = result.get_untracked() {
            let axes = plot.with_untracked(|p| p.axes.within(r.seg.projection.ncols()));
            view.set(Some((r.job, axes, v)));
        }
    };

    // Redraw the scatter plot whenever the result, the view, the axes, the
    // colouring or the highlighted segment changes.
    Effect::new(move |_| {
        let (Some(r), Some(canvas)) = (result.get(), canvas_ref.get()) else { return };
        let axes = axes_of(&r);
        let v = view_of(r.job, axes).unwrap_or_else(|| View::all(&r.seg.projection, axes));
        let choice = plot.get();
        let highlight = state.highlight.get().filter(|(j, _)| *j == r.job).map(|(_, s)| s);
        // No hover on a stale index while (or if) this draw fails.
        frame.set_value(None);
        let t0 = now_ms();
        // At the screen's pixel density: the canvas has that many pixels
        // per CSS pixel, and fonts, margins and dots are drawn that much larger.
        let k = super::chart_canvas::device_scale();
        if canvas.width() != SCATTER_W * k {
            canvas.set_width(SCATTER_W * k);
            canvas.set_height(SCATTER_H * k);
            let _ = web_sys::HtmlElement::style(&canvas).set_property("width", &format!("{SCATTER_W}px"));
        }
        match draw_result(&canvas, &r, &choice, highlight, &v, k) {
            Ok(f) => {
                frame.set_value(Some(f));
                state.render_ms.set(Some(now_ms() - t0));
            }
            Err(e) => state.error.set(Some(e)),
        }
    });
    // Mouse position in canvas pixels (the canvas may be scaled by CSS).
    let canvas_xy = move |ev: &web_sys::MouseEvent| -> (f64, f64) {
        let scale =
            canvas_ref.get_untracked().map(|c| c.width() as f64 / (c.client_width().max(1) as f64)).unwrap_or(1.0);
        (ev.offset_x() as f64 * scale, ev.offset_y() as f64 * scale)
    };
    let current_view = move || {
        let r = result.get_untracked()?;
        let axes = plot.with_untracked(|p| p.axes.within(r.seg.projection.ncols()));
        let v = view.get_untracked().filter(|(j, a, _)| *j == r.job && *a == axes).map(|(.., v)| v);
        Some((v.unwrap_or_else(|| View::all(&r.seg.projection, axes)), View::all(&r.seg.projection, axes)))
    };
    let zoom_at = move |factor: f64, fx: f64, fy: f64| {
        if let Some((v, full)) = current_view() {
            hover.set(None);
            set_view(v.zoom(factor, fx, fy, &full));
        }
    };
    let pan_by = move |dx: f64, dy: f64| {
        if let Some((v, _)) = current_view() {
            hover.set(None);
            set_view(v.pan(dx, dy));
        }
    };
    let is_focused = move || {
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        let canvas = canvas_ref.get_untracked();
        matches!((active, canvas), (Some(a), Some(c)) if a == **c)
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        // The wheel scrolls the page unless the plot has focus (click or
        // Tab to it) or Ctrl or Cmd is held: scrolling past the plot never zooms it.
        if ev.delta_y() == 0.0 || !(is_focused() || ev.ctrl_key() || ev.meta_key()) {
            return;
        }
        ev.prevent_default();
        let (x, y) = canvas_xy(&ev);
        let Some((fx, fy)) = frame.with_value(|f| f.as_ref().map(|f| f.fraction(x, y))) else { return };
        // Proportional to the scroll (a mouse notch is about 100; trackpads send many small steps).
        zoom_at((-ev.delta_y() * 0.002).exp().clamp(0.5, 2.0), fx, fy);
    };
    // Keys n and p: the cursor to the next or previous account in view (left
    // to right), its Point details shown there and announced.
    let step_cursor = move |step: isize| {
        let (Some(r), Some((v, _)), Some(canvas)) =
            (result.get_untracked(), current_view(), canvas_ref.get_untracked())
        else {
            return;
        };
        let axes = plot.with_untracked(|p| p.axes.within(r.seg.projection.ncols()));
        let current = cursor.get_untracked().filter(|(j, _)| *j == r.job).map(|(_, i)| i);
        let Some((i, at, count)) =
            step_in_view(&r.seg.projection, axes, (v.x.start, v.x.end), (v.y.start, v.y.end), current, step)
        else {
            announce.set("No account in view.".into());
            return;
        };
        let (px, py) = (r.seg.projection[[i, axes.x]], r.seg.projection[[i, axes.y]]);
        let Some((cx, cy)) = frame.with_value(|f| f.as_ref().map(|f| f.pixel_of(px, py))) else { return };
        let scale = canvas.width() as f64 / (canvas.client_width().max(1) as f64);
        cursor.set(Some((r.job, i)));
        hover.set(Some((r.job, i, cx / scale, cy / scale)));
        let s = r.seg.segments.get(i).copied().unwrap_or(0);
        let segment = match s {
            0 => "noise".to_string(),
            s => match state.names.with_untracked(|n| n.get(s - 1).cloned().unwrap_or_default()) {
                name if name.is_empty() => format!("segment {s}"),
                name => format!("segment {s} · {}", escaped_short(&name, 80)),
            },
        };
        // The id is the file's text: hidden characters spelled out, cut to 80.
        let id = r.ft.ids.get(i).map(|id| escaped_short(id, 80)).unwrap_or_default();
        announce.set(format!(
            "{id}, {segment}, PC{} {px:.2}, PC{} {py:.2}: point {} of {count} in view.",
            axes.x + 1,
            axes.y + 1,
            at + 1
        ));
    };
    // After a key zooms or pans: how many accounts the view holds, announced.
    let announce_view = move || {
        if let (Some(r), Some((v, _))) = (result.get_untracked(), current_view()) {
            let axes = plot.with_untracked(|p| p.axes.within(r.seg.projection.ncols()));
            let inside = accounts_in_box(&r.seg.projection, axes, (v.x.start, v.x.end), (v.y.start, v.y.end)).len();
            announce.set(format!("{inside} of {} accounts in view.", r.seg.projection.nrows()));
        }
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let step = 0.1;
        match ev.key().as_str() {
            "ArrowLeft" => pan_by(step, 0.0),
            "ArrowRight" => pan_by(-step, 0.0),
            "ArrowUp" => pan_by(0.0, step),
            "ArrowDown" => pan_by(0.0, -step),
            "+" | "=" => zoom_at(1.5, 0.5, 0.5),
            "-" | "_" => zoom_at(1.0 / 1.5, 0.5, 0.5),
            "0" | "Home" => view.set(None),
            "n" | "N" | "p" | "P" => {
                step_cursor(if ev.key().eq_ignore_ascii_case("n") { 1 } else { -1 });
                ev.prevent_default();
                return;
            }
            "Escape" => {
                hover.set(None);
                cursor.set(None);
                return;
            }
            _ => return,
        }
        announce_view();
        ev.prevent_default();
    };
    let on_mousedown = move |ev: web_sys::MouseEvent| {
        let (x, y) = canvas_xy(&ev);
        let boxing = box_mode.get_untracked() || ev.shift_key();
        if let Some((v, _)) = current_view() {
            drag.set_value(Some((x, y, v, boxing)));
        }
        if boxing {
            ev.prevent_default(); // no text selection while drawing
            let (cx, cy) = (ev.offset_x() as f64, ev.offset_y() as f64);
            drawing.set(Some((cx, cy, cx, cy)));
        }
    };
    let on_mousemove = move |ev: web_sys::MouseEvent| {
        let (x, y) = canvas_xy(&ev);
        if let Some((x0, y0, v0, boxing)) = drag.get_value() {
            if boxing {
                drawing.update(|d| {
                    if let Some(d) = d {
                        (d.2, d.3) = (ev.offset_x() as f64, ev.offset_y() as f64);
                    }
                });
                return;
            }
            let size = frame.with_value(|f| f.as_ref().map(|f| (f.width as f64, f.height as f64)));
            if let Some((w, h)) = size.filter(|_| (x - x0).abs() + (y - y0).abs() > 2.0) {
                hover.set(None);
                set_view(v0.pan((x - x0) / w, (y - y0) / h));
            }
            return;
        }
        let hit = frame.with_value(|f| f.as_ref().and_then(|f| f.hit(x as i32, y as i32)));
        cursor.set(None);
        hover.set(hit.zip(job()).map(|(i, j)| (j, i, ev.offset_x() as f64, ev.offset_y() as f64)));
    };
    // Selects the accounts inside x and y ranges (data units, either order) on the axes shown.
    let select = move |(ax, bx): (f64, f64), (ay, by): (f64, f64)| {
        let Some(r) = result.get_untracked() else { return };
        let axes = plot.with_untracked(|p| p.axes.within(r.seg.projection.ncols()));
        let rows = accounts_in_box(&r.seg.projection, axes, (ax, bx), (ay, by));
        state.selection.set(Some(Selection {
            job: r.job,
            axes,
            x: (ax.min(bx), ax.max(bx)),
            y: (ay.min(by), ay.max(by)),
            rows: Arc::new(rows),
        }));
    };
    let on_mouseup = move |ev: web_sys::MouseEvent| {
        let Some((x0, y0, _, true)) = drag.get_value() else {
            drag.set_value(None);
            return;
        };
        drag.set_value(None);
        drawing.set(None);
        let (x1, y1) = canvas_xy(&ev);
        if (x1 - x0).abs() < 3.0 && (y1 - y0).abs() < 3.0 {
            return; // a click, not a box
        }
        let corners = frame.with_value(|f| f.as_ref().map(|f| (f.data_at(x0, y0), f.data_at(x1, y1))));
        if let Some(((ax, ay), (bx, by))) = corners {
            select((ax, bx), (ay, by));
        }
    };
    // Button Select accounts in view: the box is the view (zoom and pan
    // with the keyboard first), so a keyboard alone can select.
    let select_view = move || {
        if let Some((v, _)) = current_view() {
            select((v.x.start, v.x.end), (v.y.start, v.y.end));
        }
    };
    // Buttons Download scatter PNG (twice the plot's CSS size) and SVG: the plot as shown.
    let download = move |svg: bool| {
        let (Some(r), Some(l), Some((v, _))) = (result.get_untracked(), state.loaded.get_untracked(), current_view())
        else {
            return;
        };
        let axes = plot.with_untracked(|p| p.axes.within(r.seg.projection.ncols()));
        let colour_by = plot.with_untracked(|p| p.colour_by.clone());
        let highlight = state.highlight.get_untracked().filter(|(j, _)| *j == r.job).map(|(_, s)| s);
        let outcome = if svg {
            let colouring = Colouring::new(&r.ft, &r.seg, &colour_by, highlight);
            let names = state.names.get_untracked();
            let feature = colouring.scale.as_ref().map(|(j, _)| r.ft.defs[*j].key.as_str());
            let arrows = match plot.with_untracked(|p| p.biplot) {
                true => arrows_of(&r, axes, &v),
                false => Vec::new(),
            };
            scatter_svg(&ScatterSvg {
                seg: &r.seg,
                colouring: &colouring,
                axes,
                x: v.x.clone(),
                y: v.y.clone(),
                x_desc: axis_title(&r.seg, axes.x),
                y_desc: axis_title(&r.seg, axes.y),
                names: &names,
                feature,
                arrows: &arrows,
            })
            .and_then(|text| {
                let text = crate::export::svg::with_run(text, &state.run_record().unwrap_or_default());
                download_text(&chart_file_name(&l.name, "scatter", "svg"), &text)
                    .map_err(|_| "The browser refused to save the file.".into())
            })
        } else {
            browser::new_canvas(2 * SCATTER_W, 2 * SCATTER_H)
                .ok_or_else(|| "The browser could not make a canvas for the PNG.".to_string())
                .and_then(|c| draw_result(&c, &r, &plot.get_untracked(), highlight, &v, 2).map(|_| c))
                .and_then(|c| {
                    browser::download_canvas_png(&c, &chart_file_name(&l.name, "scatter", "png"))
                        .map_err(|_| "The browser refused to save the file.".into())
                })
        };
        if let Err(e) = outcome {
            state.error.set(Some(e));
        }
    };
    // The hovered account of the result shown, and where the pointer is (CSS pixels).
    let hovered = move || {
        let (h, r) = (hover.get(), result.get());
        h.zip(r).filter(|((j, ..), r)| *j == r.job).map(|((_, i, x, y), r)| (i, x, y, r))
    };
    let zoomed =
        move || result.with(|r| r.as_ref().map(|r| (r.job, axes_of(r)))).and_then(|(j, a)| view_of(j, a)).is_some();

    view! {
        <div class="plot">
            {move || result.get().map(|r| view! { <PlotControls ft=r.ft.clone() seg=r.seg.clone()/> })}
            <div class="canvas-wrap">
                <canvas node_ref=canvas_ref aria-label="PCA scatter plot" role="img" width="760" height="500" tabindex="0"
                    aria-describedby="scatter-summary scatter-keys"
                    class:boxing=move || box_mode.get()
                    on:wheel=on_wheel on:keydown=on_keydown on:mousedown=on_mousedown on:mousemove=on_mousemove
                    on:mouseup=on_mouseup
                    on:mouseleave=move |_| { drag.set_value(None); drawing.set(None); hover.set(None); }
                    on:dblclick=move |_| view.set(None)></canvas>
                {move || drawing.get().map(|(x0, y0, x1, y1)| view! {
                    <div class="box-select" aria-hidden="true"
                        style:left=format!("{}px", x0.min(x1)) style:top=format!("{}px", y0.min(y1))
                        style:width=format!("{}px", (x1 - x0).abs()) style:height=format!("{}px", (y1 - y0).abs())></div>
                })}
                // The keyboard cursor's point, ringed.
                {move || hovered().filter(|(i, ..)| cursor.get().is_some_and(|(_, c)| c == *i)).map(|(_, x, y, _)| view! {
                    <div class="point-ring" aria-hidden="true" style:left=format!("{}px", x - 7.0) style:top=format!("{}px", y - 7.0)></div>
                })}
                {move || hovered().map(|(i, x, y, r)| {
                    // Flip to the pointer's left (or above) near the plot's right (or bottom) edge.
                    let (w, h) = canvas_ref.get_untracked().map_or((760.0, 500.0), |c| (c.client_width() as f64, c.client_height() as f64));
                    let left = if x > w * 0.6 { format!("calc({}px - 100% - 12px)", x) } else { format!("{}px", x + 12.0) };
                    let top = if y > h * 0.6 { format!("calc({}px - 100% - 12px)", y) } else { format!("{}px", y + 12.0) };
                    let axes = axes_of(&r);
                    view! {
                        <div class="tooltip" role="tooltip" aria-label="Point details" style:left=left style:top=top>
                            <PointDetails ft=r.ft.clone() seg=r.seg.clone() i=i axes=axes/>
                        </div>
                    }
                })}
            </div>
            <div class="zoom">
                <button class="secondary" on:click=move |_| zoom_at(1.5, 0.5, 0.5)>"Zoom in"</button>
                <button class="secondary" on:click=move |_| zoom_at(1.0 / 1.5, 0.5, 0.5)>"Zoom out"</button>
                <button class="secondary" disabled=move || !zoomed() on:click=move |_| view.set(None)>"Reset view"</button>
                <button class="secondary" aria-pressed=move || box_mode.get().to_string()
                    on:click=move |_| box_mode.update(|b| *b = !*b)>"Box select"</button>
                <button class="secondary" on:click=move |_| select_view()>"Select accounts in view"</button>
                <button class="secondary" on:click=move |_| download(false)>"Download scatter PNG"</button>
                <button class="secondary" on:click=move |_| download(true)>"Download scatter SVG"</button>
                <span class="hint" id="scatter-keys">"Click the plot (or Tab to it), then scroll or press + and - to zoom, arrow keys or drag to pan, 0 or double-click to reset; Ctrl+scroll zooms without focus. Shift-drag, or Box select then drag, lists the accounts in a box; Select accounts in view lists those in the view (zoom and pan to it first). Hover a point for its account, or press n and p to step through the points in view from left to right (Escape hides the details)."</span>
                // The plot's text alternative (the canvas's description) and what keys change, for screen readers.
                <p class="visually-hidden" id="scatter-summary">{move || {
                    let r = result.get()?;
                    let axes = axes_of(&r);
                    let zoomed = view_of(r.job, axes).map(|v| ((v.x.start, v.x.end), (v.y.start, v.y.end)));
                    Some(state.names.with(|n| scatter_description(&r.seg, axes, n, zoomed)))
                }}</p>
                <p class="visually-hidden" role="status" aria-label="Plot announcements">{move || announce.get()}</p>
            </div>
            {move || result.get().map(|r| view! { <Legend ft=r.ft.clone() seg=r.seg.clone() job=r.job/><Loadings ft=r.ft.clone() seg=r.seg.clone()/> })}
        </div>
    }
}

/// The scatter's size on the page, CSS pixels.
const SCATTER_W: u32 = 760;
const SCATTER_H: u32 = 500;

/// Biplot arrows drawn: the features with the longest loadings on the axes.
const BIPLOT_ARROWS: usize = 8;

/// The biplot arrows of result `r` on `axes` within `view`: each
/// feature's label (shortened) and its tip in data units.
fn arrows_of(r: &ResultView, axes: Axes, view: &View) -> Vec<(String, f64, f64)> {
    biplot_arrows(&r.seg, axes, view.x.clone(), view.y.clone(), BIPLOT_ARROWS)
        .into_iter()
        .map(|(j, x, y)| (escaped_short(&r.ft.defs[j].key, 28), x, y))
        .collect()
}

/// Draws result `r` on `canvas` at `scale` (1 on screen, 2 for the PNG
/// download) as `plot` chooses (axes, colouring, biplot arrows) within
/// `view`; with a `highlight`ed segment, the others faded. See [`scatter::draw`].
pub fn draw_result(
    canvas: &web_sys::HtmlCanvasElement,
    r: &ResultView,
    plot: &PlotChoice,
    highlight: Option<usize>,
    view: &View,
    scale: u32,
) -> Result<Frame, String> {
    let axes = plot.axes.within(r.seg.projection.ncols());
    let (colour_by, biplot) = (&plot.colour_by, plot.biplot);
    let seg = &r.seg;
    let colouring = Colouring::new(&r.ft, seg, colour_by, highlight);
    let arrows = if biplot { arrows_of(r, axes, view) } else { Vec::new() };
    let colour = |i: usize| colouring.paint(i);
    let paint = Paint {
        axes,
        x_desc: axis_title(seg, axes.x),
        y_desc: axis_title(seg, axes.y),
        order: &colouring.order,
        colour: &colour,
        scale,
        arrows: &arrows,
    };
    scatter::draw(canvas, &seg.projection, &paint, view)
}

/// Selects **X axis**, **Y axis** (`pc1`, `pc2`, ... each named with its
/// share of variance) and **Colour by** (`segment` or any feature's key).
#[component]
fn PlotControls(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let plot = state.plot;
    let m = seg.projection.ncols();
    let axes = move || plot.with(|p| p.axes.within(m));
    let axis_options = move |selected: usize| {
        (0..m)
            .map(|c| {
                let label = axis_title(&seg, c).replace(" of variance", "");
                view! { <option value=axis_value(c) selected=c == selected>{label}</option> }
            })
            .collect_view()
    };
    let (x_options, y_options) = (axis_options.clone(), axis_options);
    let set_axis = move |x: bool, value: String| {
        if let Some(c) = parse_axis(&value).filter(|&c| c < m) {
            plot.update(|p| {
                let mut a = p.axes.within(m);
                if x {
                    a.x = c
                } else {
                    a.y = c
                }
                p.axes = a;
            });
        }
    };
    let ft_colour = ft.clone();
    view! {
        <div class="plot-controls">
            <label>"X axis "
                <select aria-label="X axis" on:change=move |ev| set_axis(true, event_target_value(&ev))>
                    {move || x_options(axes().x)}
                </select>
            </label>
            <label>"Y axis "
                <select aria-label="Y axis" on:change=move |ev| set_axis(false, event_target_value(&ev))>
                    {move || y_options(axes().y)}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" aria-label="Biplot arrows" prop:checked=move || plot.with(|p| p.biplot)
                    on:change=move |ev| plot.update(|p| p.biplot = event_target_checked(&ev))/>
                " Biplot arrows (loadings)"
            </label>
            <label>"Colour by "
                <select aria-label="Colour by" on:change=move |ev| {
                    let c = ColourBy::parse(&event_target_value(&ev), &ft_colour);
                    plot.update(|p| p.colour_by = c);
                }>
                    <option value="segment" selected=move || plot.with(|p| p.colour_by == ColourBy::Segment)>"segment"</option>
                    {ft.defs.iter().map(|d| {
                        let key = d.key.clone();
                        let k2 = key.clone();
                        // The option's text is the key as the file wrote it; shown escaped.
                        view! { <option value=key selected=move || plot.with(|p| p.colour_by.value() == k2)>{crate::view_model::display::escaped_short(&d.key, 60)}</option> }
                    }).collect_view()}
                </select>
            </label>
        </div>
    }
}

/// The hovered account: id, segment, position and its values of the
/// features that set its segment apart.
#[component]
fn PointDetails(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, i: usize, axes: Axes) -> impl IntoView {
    if i >= ft.ids.len() || i >= seg.segments.len() {
        return ().into_any();
    }
    let s = seg.segments[i];
    let features: Vec<usize> = match seg.profiles.get(s.wrapping_sub(1)) {
        Some(p) => p.distinguishing.iter().map(|(j, _)| *j).collect(),
        None => (0..ft.defs.len().min(3)).collect(),
    };
    view! {
        <strong><FileText text=ft.ids[i].clone() fixed=true/></strong>
        <span>{if s == 0 {
            " · noise".to_string().into_any()
        } else {
            let name = expect_context::<AppState>().names.with_untracked(|n| n.get(s - 1).cloned().unwrap_or_default());
            view! { {format!(" · segment {s}: ")}<FileText text=name fixed=true/> }.into_any()
        }}</span>
        <br/>
        <small>{format!("PC{} {:.2}, PC{} {:.2}", axes.x + 1, seg.projection[[i, axes.x]], axes.y + 1, seg.projection[[i, axes.y]])}</small>
        <ul>
            {features.into_iter().map(|j| view! { <li><FileText text=ft.defs[j].key.clone() fixed=true/>{format!(": {}", fmt_num(ft.values[[i, j]]))}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// List **Legend**: by segment, one button per segment (pressed: the
/// segment highlighted, its accounts over the others, which fade; press
/// again to clear); by a feature, the colour scale from its low end to its
/// high end with the values there.
#[component]
fn Legend(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, job: u64) -> impl IntoView {
    let state = expect_context::<AppState>();
    let highlighted = move |id: usize| state.highlight.get() == Some((job, id));
    let toggle = move |id: usize| state.toggle_highlight(job, id);
    move || {
        let colour_by = state.plot.with(|p| p.colour_by.clone());
        let feature = match &colour_by {
            ColourBy::Feature(key) => ft.defs.iter().position(|d| &d.key == key),
            ColourBy::Segment => None,
        };
        if let Some(j) = feature {
            let Some(sc) = ColourScale::of(ft.values.column(j).iter().copied()) else {
                return view! { <p class="legend" aria-label="Legend">"No value of this feature to colour by."</p> }
                    .into_any();
            };
            let stops: Vec<String> = (0..=8)
                .map(|t| {
                    let (r, g, b) = crate::view_model::explore::viridis(t as f64 / 8.0);
                    format!("rgb({r},{g},{b}) {}%", t * 100 / 8)
                })
                .collect();
            let spacing = if sc.log { "log scale" } else { "linear scale" };
            let missing = (sc.missing > 0).then(|| format!("; {} accounts without a value in grey", sc.missing));
            return view! {
                <p class="legend colour-scale" aria-label="Legend">
                    <FileText text=ft.defs[j].key.clone() fixed=true/>": "
                    {fmt_num(sc.lo)}
                    <span class="ramp" aria-hidden="true" style:background=format!("linear-gradient(to right, {})", stops.join(", "))></span>
                    {fmt_num(sc.hi)}
                    <small>{format!(" ({spacing}, ends at the 2nd and 98th percentiles{})", missing.unwrap_or_default())}</small>
                </p>
            }
            .into_any();
        }
        view! {
            <ul class="legend" aria-label="Legend">
                {seg.profiles.iter().map(|p| { let (id, size) = (p.id, p.size); view! {
                    <li><button class="legend-entry" aria-pressed=move || highlighted(id).to_string()
                        title="Highlight this segment (press again to clear)"
                        on:click=move |_| toggle(id)>
                        <span class=format!("swatch seg-{}", (id - 1) % 10 + 1)></span>{move || {
                            // The name may hold a column's name from the file: shown as file text.
                            let name = state.names.with(|n| n.get(id - 1).cloned().unwrap_or_default());
                            view! { {format!("{id} · ")}<FileText text=name fixed=true/>{format!(" ({size})")} }
                        }}
                    </button></li>
                }}).collect_view()}
                {(seg.noise > 0).then(|| view! { <li><span class="swatch seg-noise"></span>{format!("Noise ({})", seg.noise)}</li> })}
            </ul>
        }
        .into_any()
    }
}

/// The three largest loadings of component `pc` (0 = PC1), as `+0.52 key, ...`
/// (each key isolated: it may be a customer table's column name).
fn top_loadings(ft: &FeatureTable, seg: &Segmentation, pc: usize) -> impl IntoView {
    let comps = &seg.pca.components;
    let mut l: Vec<(usize, f64)> = match pc < comps.nrows() {
        true => (0..comps.ncols()).map(|o| (seg.used[o], comps[[pc, o]])).collect(),
        false => Vec::new(),
    };
    l.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    l.into_iter()
        .take(3)
        .enumerate()
        .map(|(n, (j, v))| {
            view! { {if n > 0 { ", " } else { "" }}{format!("{v:+.2} ")}<FileText text=ft.defs[j].key.clone()/> }
        })
        .collect_view()
}

#[component]
fn Loadings(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    view! {
        <p class="loadings">
            "Loadings: PC1 = "{top_loadings(&ft, &seg, 0)}" …; PC2 = "{top_loadings(&ft, &seg, 1)}" …"
        </p>
    }
}
