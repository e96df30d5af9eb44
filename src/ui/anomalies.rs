//! Table **Top anomalies**: the most unusual accounts (top 1 %), their
//! segment, score and the two features that make them unusual.

use super::file_text::FileText;
use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use leptos::prelude::*;
use std::sync::Arc;

/// How many of the top anomalies the page lists (the export flags all of them).
const ANOMALIES_SHOWN: usize = 15;

#[component]
pub fn Anomalies(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    // Scaled values of the listed accounts only (row r of z is account shown[r]).
    let shown: Vec<usize> = seg.anomalies.iter().take(ANOMALIES_SHOWN).copied().collect();
    let z = seg.preprocessor.transform(ft.values.select(ndarray::Axis(0), &shown).view());
    let why = |r: usize| {
        // Among the features the anomaly score measures (those used for
        // clustering), each at its weight in the distance.
        let mut d: Vec<(usize, f64)> = (0..z.ncols())
            .filter_map(|o| {
                let j = seg.preprocessor.kept[o];
                let u = seg.used.iter().position(|&x| x == j)?;
                Some((j, z[[r, o]] * seg.weights[u]))
            })
            .collect();
        d.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        // Each name in its own isolation: a name (a customer table's column)
        // cannot reorder the numbers beside it.
        d.into_iter()
            .take(2)
            .enumerate()
            .map(|(n, (j, v))| {
                view! {
                    {if n > 0 { "; " } else { "" }}
                    {if v >= 0.0 { "high " } else { "low " }}
                    <FileText text=ft.defs[j].key.clone()/>
                    {format!(" ({v:+.1})")}
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
            <summary>{format!(
                "Top anomalies: the {} most unusual accounts (top 1%), by {}",
                seg.anomalies.len(), seg.anomaly_unit
            )}</summary>
            <table aria-label="Top anomalies" class="small">
                <thead><tr>
                    <th scope="col">"Account"</th><th scope="col">"Segment"</th><th scope="col">"Anomaly score"</th>
                    <th scope="col">"Most unusual features (scaled units)"</th>
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
                "All {} are marked top_anomaly = 1 in the download, with every account's anomaly_score.",
                seg.anomalies.len()
            )}</p>
        </details>
    }
}
