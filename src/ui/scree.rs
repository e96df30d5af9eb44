//! Canvas **Scree plot** and table **Explained variance** (its text
//! alternative): how much of the variance of the clustering space each
//! principal component explains, and the running total, for the first
//! [`SCREE_COMPONENTS`] components. The scatter shows PC1 and PC2.

use super::chart_canvas::{self, ChartDownloads};
use crate::analysis::Segmentation;
use crate::charts::scree::Scree as ScreeChart;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// Components shown at most.
pub const SCREE_COMPONENTS: usize = 20;

#[component]
pub fn Scree(seg: Arc<Segmentation>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let ratios: Vec<f64> = seg.pca.explained_variance_ratio.iter().copied().take(SCREE_COMPONENTS).collect();
    let error = RwSignal::new(None::<String>);
    let drawn = ratios.clone();
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            if let Err(e) = chart_canvas::draw_on(&c, &ScreeChart { ratios: &drawn }) {
                error.set(Some(e));
            }
        }
    });
    let saved = ratios.clone();
    let save = move |svg| chart_canvas::save(&ScreeChart { ratios: &saved }, "scree", svg);
    let total = seg.pca.explained_variance_ratio.len();
    let two: f64 = ratios.iter().take(2).sum();
    let rows = ratios
        .iter()
        .scan(0.0, |s, &r| {
            *s += r;
            Some((r, *s))
        })
        .enumerate()
        .map(|(i, (r, c))| view! { <tr><td>{format!("PC{}", i + 1)}</td><td>{format!("{:.1}", r * 100.0)}</td><td>{format!("{:.1}", c * 100.0)}</td></tr> })
        .collect_view();
    view! {
        <details class="scree">
            <summary>{format!("PCA: the scatter's two components explain {:.1} % of the variance ({total} components)", two * 100.0)}</summary>
            <canvas node_ref=canvas aria-label="Scree plot" role="img" width="360" height="200"></canvas>
            <ChartDownloads what="scree plot" save=save/>
            {move || error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
            <table aria-label="Explained variance" class="small">
                <thead><tr><th scope="col">"Component"</th><th scope="col">"Explained (%)"</th><th scope="col">"Cumulative (%)"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="hint">"Explained variance ratio: each principal component's share of the total variance of the scaled clustering features (as scikit-learn's PCA.explained_variance_ratio_). A sharp drop after the first few (the elbow) means the scatter's two axes show most of what separates accounts."</p>
        </details>
    }
}
