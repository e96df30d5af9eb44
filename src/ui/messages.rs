//! The page's messages: an error in role `alert` (with button **Read with
//! quoting off** beside a quote that does not close), a notice in role `status`.

use super::file_text::MessageText;
use super::state::AppState;
use crate::ingest::csv::Quoting;
use crate::ingest::READ_WITH_QUOTING_OFF;
use leptos::prelude::*;

#[component]
pub fn Messages() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || state.error.get().map(|e| view! { <div role="alert" class="error"><MessageText text=e/></div> })}
        {move || (state.error.get().is_some() && state.offer_quoting_off.get()).then(|| view! {
            <button class="quoting-off" on:click=move |_| state.set_quoting(Quoting::Off)>{READ_WITH_QUOTING_OFF}</button>
        })}
        {move || state.notice.get().map(|n| view! { <p role="status" class="notice"><MessageText text=n/></p> })}
    }
}
