//! Canvas **Segment profile heatmap**: segments (rows, by name) x
//! clustering features (columns, the most separating first), each cell the
//! segment's centre in scaled units on a diverging scale (blue below the
//! overall centre, red above; [`crate::view_model::heatmap`]). Hovering a
//! cell shows its value in the line below the chart.

use super::chart_canvas::{self, ChartDownloads};
use super::state::AppState;
use crate::analysis::Segmentation;
use crate::charts::heatmap::HeatmapChart;
use crate::charts::Chart;
use crate::features::FeatureTable;
use crate::view_model::display::escaped_short;
use crate::view_model::heatmap::Heatmap;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn ProfileHeatmap(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let h = Arc::new(Heatmap::of(&ft, &seg));
    let canvas = NodeRef::<html::Canvas>::new();
    let (width, height) = HeatmapChart { h: &h, names: &[] }.size();
    let unit = if seg.preprocessor.scaling == crate::analysis::Scaling::Robust { "IQR" } else { "SD" };
    let drawn = h.clone();
    Effect::new(move |_| {
        let names = state.names.get();
        if let Some(c) = canvas.get() {
            if let Err(e) = chart_canvas::draw_on(&c, &HeatmapChart { h: &drawn, names: &names }) {
                state.error.set(Some(e));
            }
        }
    });
    let saved = h.clone();
    let save = move |svg| {
        let names = state.names.get_untracked();
        chart_canvas::save(&HeatmapChart { h: &saved, names: &names }, "heatmap", svg)
    };
    let hovered = RwSignal::new(None::<(usize, usize)>);
    let shown = h.clone();
    let on_move = move |ev: web_sys::MouseEvent| {
        let Some(c) = canvas.get_untracked() else { return };
        let (x, y) = chart_canvas::chart_xy(&c, (width, height), &ev);
        hovered.set(HeatmapChart { h: &h, names: &[] }.cell_at(x, y));
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
            <ChartDownloads what="heatmap" save=save/>
            <p class="hint" aria-live="polite">{move || line().unwrap_or_else(|| format!(
                "Each cell: the segment's centre in {unit} from the overall centre, after the feature's transform (blue below, red above); features ordered by how much they separate the segments. Hover a cell for its value; the Segment summary has the same in raw units."
            ))}</p>
        </details>
    }
}
