//! The result's quality: the **Quality** line (accounts, segments, how k
//! was chosen, silhouette, method, seed) and paragraph **Stability**.

use crate::analysis::{Method, Segmentation};
use crate::features::FeatureTable;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn Quality(seg: Arc<Segmentation>, ft: Arc<FeatureTable>) -> impl IntoView {
    let range = match (seg.sweep.first(), seg.sweep.last()) {
        (Some(a), Some(b)) => format!("k = {}..{}", a.k, b.k),
        _ => String::new(),
    };
    let mut how = match (seg.k_auto, seg.method) {
        (_, Method::Hdbscan { .. }) => "found by HDBSCAN".to_string(),
        (true, Method::GaussianMixture { .. }) => format!("lowest BIC over {range}"),
        (true, _) => format!("highest silhouette over {range}"),
        (false, _) => "set by you".to_string(),
    };
    if let Some(asked) = seg.k_requested.filter(|&a| a != seg.k) {
        how.push_str(&format!("; {asked} asked for, {} came out empty", asked - seg.k));
    }
    let silhouette =
        if seg.silhouette.is_finite() { format!("{:.3}", seg.silhouette) } else { "undefined (one segment)".into() };
    let sample = if seg.silhouette_n < ft.ids.len() {
        format!(" (on a seeded sample of {} accounts)", seg.silhouette_n)
    } else {
        String::new()
    };
    let noise = if seg.noise > 0 { format!(", {} left unassigned as noise", seg.noise) } else { String::new() };
    let stability = seg.stability.as_ref().map(|s| {
        let s = match s {
            Ok(s) => s,
            Err(why) => return format!("Stability: not assessed, because {why}."),
        };
        let verdict = match s.mean_ari {
            a if a >= 0.9 => "stable: the same segments come back on other subsamples",
            a if a >= 0.75 => "fairly stable",
            a if a >= 0.5 => "unstable: treat segment boundaries with care",
            _ => "very unstable: these segments may be an artefact; try another k or method",
        };
        format!(
            "Stability: mean adjusted Rand index {:.2} (lowest {:.2}) between segmentations of {} pairs of random {}-account subsamples; {verdict}.",
            s.mean_ari, s.min_ari, s.runs, s.subsample
        )
    });
    view! {
        <p class="quality">
            {format!(
                "{} accounts in {} segments ({how}){noise}; silhouette {silhouette}{sample}. Method: {}, seed {}.",
                ft.ids.len(), seg.k, seg.algorithm, seg.seed
            )}
        </p>
        {stability.map(|s| view! { <p class="stability" aria-label="Stability">{s}</p> })}
    }
}
