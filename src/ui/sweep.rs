//! The k sweep: chart **k sweep** and table **k sweep scores** (silhouette,
//! Calinski-Harabasz, Davies-Bouldin, inertia or BIC per k; the chosen k
//! marked), shown when the method swept k.

use super::chart_canvas::{self, ChartDownloads};
use crate::analysis::segmentation::KRule;
use crate::analysis::Segmentation;
use crate::charts::sweep::Sweep as SweepChart;
use crate::view_model::fmt_num;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn Sweep(seg: Arc<Segmentation>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let (sweep, chosen, rule) = (seg.sweep.clone(), seg.k_requested.unwrap_or(seg.k), seg.k_rule);
    let saved = sweep.clone();
    let save = move |svg| chart_canvas::save(&SweepChart { sweep: &saved, chosen, rule }, "k-sweep", svg);
    let chart_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            if let Err(e) = chart_canvas::draw_on(&c, &SweepChart { sweep: &sweep, chosen, rule }) {
                chart_error.set(Some(e));
            }
        }
    });
    let has_sweep = !seg.sweep.is_empty();
    let bic = seg.sweep.iter().any(|s| s.bic.is_some());
    view! {
        {has_sweep.then(|| view! {
            <details class="sweep" open>
                <summary>{format!("k sweep: {} by k ({} chosen)", match rule {
                    KRule::Silhouette => "silhouette",
                    KRule::Bic if bic => "BIC",
                    _ => "Calinski-Harabasz index",
                }, if rule == KRule::Bic && bic { "lowest" } else { "highest" })}</summary>
                <canvas node_ref=canvas aria-label="k sweep" role="img" width="420" height="210"></canvas>
                <ChartDownloads what="k sweep" save=save/>
                {move || chart_error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
                <table aria-label="k sweep scores" class="small">
                    <thead><tr>
                        <th scope="col">"k"</th><th scope="col">"silhouette ↑"</th><th scope="col">"Calinski-Harabasz ↑"</th>
                        <th scope="col">"Davies-Bouldin ↓"</th><th scope="col">{if bic { "BIC ↓" } else { "inertia ↓" }}</th>
                    </tr></thead>
                    <tbody>
                        {seg.sweep.iter().map(|s| view! {
                            <tr class:chosen=s.k == chosen>
                                <td>{s.k}</td><td>{format!("{:.3}", s.silhouette)}</td><td>{format!("{:.1}", s.calinski_harabasz)}</td>
                                <td>{format!("{:.3}", s.davies_bouldin)}</td><td>{fmt_num(s.bic.or(s.inertia).unwrap_or(f64::NAN))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="hint">{format!(
                    "Scores of k-means with 3 restarts (or the mixture) on a seeded sample of {} accounts; the silhouette in the line above is the final segments' on the same sample, so the two can differ for the same k. Silhouette and Calinski-Harabasz: higher is better; Davies-Bouldin, BIC and inertia: lower is better.",
                    seg.silhouette_n
                )}</p>
            </details>
        })}
    }
}
