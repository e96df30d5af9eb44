//! The PCA scatter plot as a component: the canvas (drawn by
//! [`super::scatter`]), its zoom, pan and hover (owned here), the tooltip
//! **Point details**, the zoom buttons, the legend and the loadings.

use super::browser::now_ms;
use super::file_text::FileText;
use super::scatter::{self, Frame, View};
use super::state::AppState;
use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use crate::view_model::fmt_num;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// The plot of the latest result. Owns what only the plot needs: the view
/// (zoom and pan; `None`, or one made for another result: every point),
/// the drawn frame (for hover), a drag in progress (start pixel and view)
/// and the hovered account with the pointer's position. A view or hover
/// carries the job of the result it was made on, so a new result shows
/// every point and no stale tooltip.
#[component]
pub fn ScatterPlot() -> impl IntoView {
    let state = expect_context::<AppState>();
    let result = state.result;
    let view = RwSignal::new(None::<(u64, View)>);
    let frame = StoredValue::new_local(None::<Frame>);
    let drag = StoredValue::new(None::<(f64, f64, View)>);
    let hover = RwSignal::new(None::<(u64, usize, f64, f64)>);
    let canvas_ref = NodeRef::<html::Canvas>::new();
    let job = move || result.with_untracked(|r| r.as_ref().map(|r| r.job));
    // The view of result `job`, if one was made for it.
    let view_of = move |job: u64| view.get().filter(|(j, _)| *j == job).map(|(_, v)| v);
    let set_view = move |v: View| {
        if let Some(j) = job() {
            view.set(Some((j, v)));
        }
    };

    // Redraw the scatter plot whenever the result or the view changes.
    Effect::new(move |_| {
        let (Some(r), Some(canvas)) = (result.get(), canvas_ref.get()) else { return };
        let v = view_of(r.job).unwrap_or_else(|| View::all(&r.seg.projection));
        // No hover on a stale index while (or if) this draw fails.
        frame.set_value(None);
        let t0 = now_ms();
        let evr = &r.seg.pca.explained_variance_ratio;
        let evr = (evr[0], evr.get(1).copied().unwrap_or(0.0));
        match scatter::draw(&canvas, &r.seg.projection, &r.seg.segments, evr, &v) {
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
        let v = view.get_untracked().filter(|(j, _)| *j == r.job).map(|(_, v)| v);
        Some(v.unwrap_or_else(|| View::all(&r.seg.projection)))
    };
    let zoom_at = move |factor: f64, fx: f64, fy: f64| {
        if let (Some(v), Some(r)) = (current_view(), result.get_untracked()) {
            hover.set(None);
            set_view(v.zoom(factor, fx, fy, &View::all(&r.seg.projection)));
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        if ev.delta_y() == 0.0 {
            return; // a sideways scroll
        }
        ev.prevent_default();
        let (x, y) = canvas_xy(&ev);
        let Some((fx, fy)) = frame.with_value(|f| f.as_ref().map(|f| f.fraction(x, y))) else { return };
        // Proportional to the scroll (a mouse notch is about 100; trackpads send many small steps).
        zoom_at((-ev.delta_y() * 0.002).exp().clamp(0.5, 2.0), fx, fy);
    };
    let on_mousedown = move |ev: web_sys::MouseEvent| {
        let (x, y) = canvas_xy(&ev);
        if let Some(v) = current_view() {
            drag.set_value(Some((x, y, v)));
        }
    };
    let on_mousemove = move |ev: web_sys::MouseEvent| {
        let (x, y) = canvas_xy(&ev);
        if let Some((x0, y0, v0)) = drag.get_value() {
            let size = frame.with_value(|f| f.as_ref().map(|f| (f.width as f64, f.height as f64)));
            if let Some((w, h)) = size.filter(|_| (x - x0).abs() + (y - y0).abs() > 2.0) {
                hover.set(None);
                set_view(v0.pan((x - x0) / w, (y - y0) / h));
            }
            return;
        }
        let hit = frame.with_value(|f| f.as_ref().and_then(|f| f.hit(x as i32, y as i32)));
        hover.set(hit.zip(job()).map(|(i, j)| (j, i, ev.offset_x() as f64, ev.offset_y() as f64)));
    };
    let end_drag = move |_| drag.set_value(None);
    // The hovered account of the result shown, and where the pointer is (CSS pixels).
    let hovered = move || {
        let (h, r) = (hover.get(), result.get());
        h.zip(r).filter(|((j, ..), r)| *j == r.job).map(|((_, i, x, y), r)| (i, x, y, r))
    };
    let zoomed = move || result.with(|r| r.as_ref().map(|r| r.job)).and_then(view_of).is_some();

    view! {
        <div class="plot">
            <div class="canvas-wrap">
                <canvas node_ref=canvas_ref aria-label="PCA scatter plot" role="img" width="760" height="500"
                    on:wheel=on_wheel on:mousedown=on_mousedown on:mousemove=on_mousemove on:mouseup=end_drag
                    on:mouseleave=move |_| { drag.set_value(None); hover.set(None); }
                    on:dblclick=move |_| view.set(None)></canvas>
                {move || hovered().map(|(i, x, y, r)| view! {
                    <div class="tooltip" role="tooltip" aria-label="Point details" style:left=format!("{}px", x + 12.0) style:top=format!("{}px", y + 12.0)>
                        <PointDetails ft=r.ft.clone() seg=r.seg.clone() i=i/>
                    </div>
                })}
            </div>
            <div class="zoom">
                <button class="secondary" on:click=move |_| zoom_at(1.5, 0.5, 0.5)>"Zoom in"</button>
                <button class="secondary" on:click=move |_| zoom_at(1.0 / 1.5, 0.5, 0.5)>"Zoom out"</button>
                <button class="secondary" disabled=move || !zoomed() on:click=move |_| view.set(None)>"Reset view"</button>
                <span class="hint">"Scroll to zoom, drag to pan, double-click to reset; hover a point for its account."</span>
            </div>
            {move || result.get().map(|r| view! { <Legend seg=r.seg.clone()/><Loadings ft=r.ft.clone() seg=r.seg.clone()/> })}
        </div>
    }
}

/// The hovered account: id, segment, position and its values of the
/// features that set its segment apart.
#[component]
fn PointDetails(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, i: usize) -> impl IntoView {
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
        <small>{format!("PC1 {:.2}, PC2 {:.2}", seg.projection[[i, 0]], seg.projection[[i, 1]])}</small>
        <ul>
            {features.into_iter().map(|j| view! { <li><FileText text=ft.defs[j].key.clone() fixed=true/>{format!(": {}", fmt_num(ft.values[[i, j]]))}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Legend(seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <ul class="legend" aria-label="Legend">
            {seg.profiles.iter().map(|p| { let (id, size) = (p.id, p.size); view! {
                <li><span class=format!("swatch seg-{}", (id - 1) % 10 + 1)></span>{move || {
                    // The name may hold a column's name from the file: shown as file text.
                    let name = state.names.with(|n| n.get(id - 1).cloned().unwrap_or_default());
                    view! { {format!("{id} · ")}<FileText text=name fixed=true/>{format!(" ({size})")} }
                }}</li>
            }}).collect_view()}
            {(seg.noise > 0).then(|| view! { <li><span class="swatch seg-noise"></span>{format!("Noise ({})", seg.noise)}</li> })}
        </ul>
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
