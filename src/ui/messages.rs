//! The page's messages: an error in role `alert`, a notice in role `status`.

use super::file_text::MessageText;
use super::state::AppState;
use leptos::prelude::*;

#[component]
pub fn Messages() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || state.error.get().map(|e| view! { <div role="alert" class="error"><MessageText text=e/></div> })}
        {move || state.notice.get().map(|n| view! { <p role="status" class="notice"><MessageText text=n/></p> })}
    }
}
