//! Canvas **Silhouette plot** and table **Silhouette by segment** (its text
//! alternative), in panel `details.silhouette`: how well each sampled account
//! sits in its segment (scikit-learn's `silhouette_samples`: near 1 well
//! inside, near 0 on a border, below 0 closer to another segment). The plot
//! is drawn when the panel is first opened, not before the page's first paint.

use super::chart_canvas::{self, ChartDownloads};
use super::file_text::FileText;
use crate::analysis::Segmentation;
use crate::charts::silhouette::Silhouette as SilhouetteChart;
use crate::view_model::format::fmt_num;
use crate::view_model::quality::silhouette_rows;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn Silhouette(seg: Arc<Segmentation>, names: Vec<String>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let details = NodeRef::<html::Details>::new();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let drawn = seg.clone();
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || !open.get() {
            return done.unwrap_or(false);
        }
        let Some(c) = canvas.get() else { return false };
        if let Err(e) = chart_canvas::draw_on(
            &c,
            &SilhouetteChart { by_segment: &drawn.silhouette_by_segment, mean: drawn.silhouette },
        ) {
            error.set(Some(e));
        }
        true
    });
    let saved = seg.clone();
    let save = move |svg| {
        let chart = SilhouetteChart { by_segment: &saved.silhouette_by_segment, mean: saved.silhouette };
        chart_canvas::save(&chart, "silhouette", svg)
    };
    let rows = silhouette_rows(&seg)
        .into_iter()
        .map(|r| {
            let name = names.get(r.segment - 1).cloned().unwrap_or_default();
            view! {
                <tr>
                    // A name can hold a column's name (a customer table's): hidden characters spelled out.
                    <td>{r.segment}" "<FileText text=name/></td>
                    <td>{r.accounts}</td>
                    <td>{if r.mean.is_finite() { format!("{:.3}", r.mean) } else { "–".into() }}</td>
                    <td>{if r.min.is_finite() { format!("{:.3}", r.min) } else { "–".into() }}</td>
                    <td>{if r.negative.is_finite() { format!("{} %", fmt_num(r.negative * 100.0)) } else { "–".into() }}</td>
                </tr>
            }
        })
        .collect_view();
    let summary = if seg.silhouette.is_finite() {
        format!("Silhouette plot: mean {:.3} over {} sampled accounts", seg.silhouette, seg.silhouette_n)
    } else {
        "Silhouette plot: undefined with one segment".to_string()
    };
    view! {
        <details class="silhouette" node_ref=details on:toggle=move |_| {
            if let Some(d) = details.get() { open.set(d.open()); }
        }>
            <summary>{summary}</summary>
            <canvas node_ref=canvas aria-label="Silhouette plot" role="img" width="420" height="300"></canvas>
            <ChartDownloads what="silhouette plot" save=save/>
            {move || error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
            <table aria-label="Silhouette by segment" class="small">
                <thead><tr><th scope="col">"Segment"</th><th scope="col">"Sampled accounts"</th><th scope="col">"Mean"</th><th scope="col">"Lowest"</th><th scope="col">"Below 0"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="hint">"Each bar is one sampled account's silhouette, (b - a) / max(a, b), where a is its mean distance to its own segment and b to the nearest other segment (as scikit-learn's silhouette_samples). Near 1: well inside its segment; near 0: on a border; below 0: closer to another segment. The dashed line is the mean. A segment whose bars mostly fall short of the line is loosely held together."</p>
        </details>
    }
}
