//! Region **Run details**: the file (name, size, SHA-256), the rows and
//! accounts used, the app's version and the settings of the result on
//! screen ([`crate::view_model::run_details`]).

use super::file_text::FileText;
use super::state::AppState;
use crate::view_model::run_details::run_details;
use leptos::prelude::*;

#[component]
pub fn RunDetails() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move || {
        let (Some(r), Some(l)) = (state.result.get(), state.loaded.get()) else { return Vec::new() };
        let sha = state.sha256.get();
        state.settings.with(|s| run_details(&l.name, l.bytes, sha.as_ref(), &r.ft, &r.seg, s))
    };
    view! {
        <section class="run-details" aria-label="Run details">
            <h3>"Run details"</h3>
            <dl>
                {move || rows().into_iter().map(|(k, v)| view! {
                    <dt>{k}</dt>
                    <dd>{if k == "File" { view! { <FileText text=v/> }.into_any() } else { v.into_any() }}</dd>
                }).collect_view()}
            </dl>
        </section>
    }
}
