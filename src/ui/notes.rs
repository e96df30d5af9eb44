//! The **Data notes** panel: the notes ([`crate::view_model::data_notes`])
//! and what each feature is.

use super::file_text::{FileText, MessageText};
use crate::analysis::Segmentation;
use crate::features::FeatureTable;
use crate::job::TableSummary;
use crate::view_model::data_notes;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn DataNotes(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, table: Option<Arc<TableSummary>>) -> impl IntoView {
    let notes = data_notes(&ft, &seg, table.as_deref());
    view! {
        <details class="data-notes" open>
            <summary>"Data notes"</summary>
            <ul>{notes.into_iter().map(|n| view! { <li><MessageText text=n/></li> }).collect_view()}</ul>
            <dl class="feature-docs">
                {ft.defs.iter().map(|d| view! { <dt><FileText text=d.key.clone()/></dt><dd><MessageText text=format!("{} ({})", d.formula, d.unit)/></dd> }).collect_view()}
            </dl>
        </details>
    }
}
