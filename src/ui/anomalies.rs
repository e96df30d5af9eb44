//! Table **Top anomalies**: the most unusual accounts (top 1 %), their
//! segment, score and the two features that make them unusual.

use super::file_text::FileText;
use crate::analysis::Segmentation;
use crate::export::anomaly_feature_words;
use crate::features::FeatureTable;
use crate::view_model::quality::anomalies_heading;
use leptos::prelude::*;
use std::sync::Arc;

/// How many of the top anomalies the page lists (the export flags all of them).
const ANOMALIES_SHOWN: usize = 15;

#[component]
pub fn Anomalies(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let shown: Vec<usize> = seg.anomalies.iter().take(ANOMALIES_SHOWN).copied().collect();
    // The analysis' explanation (see `Segmentation::anomaly_features`), two features per account.
    let why = |r: usize| {
        // Each name in its own isolation: a name (a customer table's column)
        // cannot reorder the numbers beside it.
        seg.anomaly_features[r]
            .iter()
            .take(2)
            .enumerate()
            .map(|(n, &(j, v))| {
                let (before, after) = anomaly_feature_words(&seg, v);
                view! {
                    {if n > 0 { "; " } else { "" }}
                    {before}
                    <FileText text=ft.defs[j].key.clone()/>
                    {after}
                }
            })
            .collect_view()
    };
    let segment = |i: usize| match seg.segments[i] {
        0 => "noise".to_string(),
        s => s.to_string(),
    };
    view! {
        <details class="anomalies" open>
            <summary>{anomalies_heading(seg.anomalies.len(), shown.len(), seg.anomaly_unit.as_str())}</summary>
            <table aria-label="Top anomalies" class="small">
                <thead><tr>
                    <th scope="col">"Account"</th><th scope="col">"Segment"</th><th scope="col">"Anomaly score"</th>
                    <th scope="col">{format!("Most unusual features ({})", seg.anomaly_features_unit)}</th>
                </tr></thead>
                <tbody>
                    {shown.iter().enumerate().map(|(r, &i)| view! {
                        <tr>
                            <td><FileText text=ft.ids[i].clone()/></td><td>{segment(i)}</td>
                            <td>{format!("{:.2}", seg.anomaly_score[i])}</td><td>{why(r)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="hint">{format!(
                "All {} are marked top_anomaly = 1 in the download, with every account's anomaly_score and, for them, anomaly_features.",
                seg.anomalies.len()
            )}</p>
        </details>
    }
}
