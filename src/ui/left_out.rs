//! Status **Rows left out**, above the results: shown when more than 1 % of
//! the file's rows or accounts were left out (the text is
//! [`crate::view_model::LeftOut::warning`]); under that, only the Data notes say it.

use super::file_text::MessageText;
use crate::features::FeatureTable;
use crate::job::TableSummary;
use crate::view_model::LeftOut;
use leptos::prelude::*;
use std::sync::Arc;

/// The warning for the result's features `ft` and the file's summary
/// `table` (if known), or nothing.
#[component]
pub fn LeftOutWarning(ft: Arc<FeatureTable>, table: Option<Arc<TableSummary>>) -> impl IntoView {
    LeftOut::of(&ft, table.as_deref()).warning().map(|w| {
        view! { <p role="status" aria-label="Rows left out" class="left-out"><MessageText text=w/></p> }
    })
}
