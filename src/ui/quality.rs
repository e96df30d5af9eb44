//! The result's quality: the **Quality** line (accounts, segments, how k
//! was chosen and how close the runner-up was, silhouette, the features
//! clustered on, method, seed), paragraph **Stability** and list
//! **Warnings**.

use super::file_text::MessageText;
use super::state::AppState;
use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use crate::view_model::quality::{features_text, k_reason, warnings};
use crate::view_model::OptionValue;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn Quality(seg: Arc<Segmentation>, ft: Arc<FeatureTable>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let how = k_reason(&seg);
    let set = state.settings.with_untracked(|s| s.features.value());
    let features = features_text(&seg, &ft, set);
    let warnings = warnings(&seg, &ft);
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
        let per_segment = crate::view_model::quality::segment_stability_text(s).map(|t| format!(" {t}"));
        format!(
            "Stability: mean adjusted Rand index {:.2} (lowest {:.2}) between segmentations of {} pairs of random {}-account subsamples; {verdict}.{}",
            s.mean_ari, s.min_ari, s.runs, s.subsample, per_segment.unwrap_or_default()
        )
    });
    view! {
        <p class="quality">
            {format!(
                "{} accounts in {} segments ({how}){noise}; silhouette {silhouette}{sample}; {features}. Method: {}, seed {}.",
                ft.ids.len(), seg.k, seg.algorithm, seg.seed
            )}
        </p>
        {stability.map(|s| view! { <p class="stability" role="note" aria-label="Stability">{s}</p> })}
        {(!warnings.is_empty()).then(|| view! {
            <ul class="warnings" aria-label="Warnings">
                {warnings.into_iter().map(|w| view! { <li><MessageText text=w/></li> }).collect_view()}
            </ul>
        })}
    }
}
