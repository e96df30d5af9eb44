//! The results area: status **Rows left out** when more than 1 % of the
//! file's rows or accounts were left out, the navigation **Views**, the scatter plot, the accounts
//! selected on it, then the panels of the latest
//! result in the order the page shows them, the **Risk** view, then the **Timings** line. A new
//! view of a result is one more entry in [`Results`]' list.

use super::anomalies::Anomalies;
use super::compare::CompareView;
use super::distributions::Distributions;
use super::file_text::MessageText;
use super::glossary::Glossary;
use super::heatmap::ProfileHeatmap;
use super::left_out::LeftOutWarning;
use super::notes::DataNotes;
use super::playbook::Playbook;
use super::quality::Quality;
use super::risk::RiskView;
use super::run_details::RunDetails;
use super::scatter_view::ScatterPlot;
use super::scree::Scree;
use super::selection::SelectedAccounts;
use super::silhouette::Silhouette;
use super::state::AppState;
use super::summary::SummaryTable;
use super::sweep::Sweep;
use super::transforms::Transforms;
use super::views_nav::ViewsNav;
use crate::view_model::timings_text;
use leptos::prelude::*;

/// Section "results", hidden until there is a result. Owns whether the
/// Feature transforms panel is open (it outlives each result's panels).
#[component]
pub fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    let transforms_open = RwSignal::new(false);
    view! {
        <section class="results" class:hidden=move || state.result.get().is_none()>
            {move || state.result.get().map(|r| view! {
                <LeftOutWarning ft=r.ft.clone() table=state.loaded.get_untracked().map(|l| l.summary)/>
            })}
            <ViewsNav/>
            <ScatterPlot/>
            <SelectedAccounts/>
            {move || state.result.get().map(|r| view! {
                <Quality seg=r.seg.clone() ft=r.ft.clone()/>
                <Sweep seg=r.seg.clone()/>
                <Scree seg=r.seg.clone()/>
                <Silhouette seg=r.seg.clone() names=state.names.get_untracked()/>
                <SummaryTable ft=r.ft.clone() seg=r.seg.clone()/>
                <Playbook seg=r.seg.clone()/>
                <ProfileHeatmap ft=r.ft.clone() seg=r.seg.clone()/>
                <Distributions ft=r.ft.clone() seg=r.seg.clone()/>
                <button on:click=move |_| state.download_assignments()>"Download assignments"</button>
                <Anomalies ft=r.ft.clone() seg=r.seg.clone()/>
                <Transforms ft=r.ft.clone() seg=r.seg.clone() open=transforms_open/>
                <DataNotes ft=r.ft.clone() seg=r.seg.clone() table=state.loaded.get_untracked().map(|l| l.summary)/>
            })}
            <RiskView/>
            <CompareView/>
            <RunDetails/>
            <Glossary/>
            <p class="timings" role="note" aria-label="Timings">
                {move || match (state.loaded.get(), state.result.get()) {
                    (Some(l), Some(r)) => Some(view! { <MessageText text=timings_text(&l, &r, state.render_ms.get())/> }),
                    _ => None,
                }}
            </p>
        </section>
    }
}
