//! Text from the user's file on the page, as [`crate::view_model::display`]
//! decides it is shown: [`FileText`] for a value (account id, column name,
//! file name) in bidi isolation, [`MessageText`] for a sentence of the page
//! that quotes one (a note, a warning, an error). Hidden characters show as
//! `\u202E` in a muted `span.ctl`; text past the limit ends in a button
//! **Show the whole text** ("…") that shows the rest, and the whole text,
//! escaped, is the element's `title`. The CSS (`.file-text`, `.msg-text`)
//! lets it wrap anywhere, even in table cells, so it never widens the page.

use crate::view_model::display::{escaped, shown, Piece, Shown, CELL_CHARS, MESSAGE_CHARS};
use leptos::prelude::*;
use std::sync::Arc;

/// The pieces of a shown text: plain runs as text, escapes in `span.ctl`.
fn pieces_view(pieces: Vec<Piece>) -> impl IntoView {
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Plain(t) => t.into_any(),
            Piece::Escape(e) => view! { <span class="ctl">{e}</span> }.into_any(),
        })
        .collect_view()
}

/// `text` as `first` shows it (cut by [`shown`]), with the button that
/// shows the rest (sets `whole`; `fixed`: a plain "…" instead, where a
/// button cannot be, e.g. in a button or in the scatter plot's tooltip).
fn cut_view(text: String, first: Shown, keep_newlines: bool, fixed: bool, whole: RwSignal<bool>) -> impl IntoView {
    let cut = first.cut;
    let text: Arc<str> = text.into();
    let pieces = move || {
        if whole.get() {
            pieces_view(shown(&text, usize::MAX, keep_newlines).pieces).into_any()
        } else {
            pieces_view(first.pieces.clone()).into_any()
        }
    };
    view! {
        {pieces}
        {(cut && fixed).then_some("…")}
        {move || (cut && !fixed && !whole.get()).then(|| view! {
            <button class="more" aria-label="Show the whole text" title="Show the whole text"
                on:click=move |_| whole.set(true)>"…"</button>
        })}
    }
}

/// A value from the file (account id, column name, file name), in `<bdi
/// class="file-text">`: its own direction, isolated from the text beside it;
/// hidden characters escaped; cut after
/// [`CELL_CHARS`](crate::view_model::display::CELL_CHARS) shown characters.
/// `fixed`: no button to show the rest (inside a button or a tooltip).
#[component]
pub fn FileText(#[prop(into)] text: String, #[prop(optional)] fixed: bool) -> impl IntoView {
    let s = shown(&text, CELL_CHARS, false);
    let title = (s.cut || s.has_escapes()).then(|| escaped(&text));
    let whole = RwSignal::new(false);
    view! {
        <bdi class="file-text" title=title>
            {cut_view(text, s, false, fixed, whole)}
        </bdi>
    }
}

/// A sentence of the page's own that may quote file text (a note, a
/// warning, an error, the timings line), in `<span class="msg-text">`:
/// hidden characters escaped (line breaks kept), cut after
/// [`MESSAGE_CHARS`](crate::view_model::display::MESSAGE_CHARS) shown
/// characters.
#[component]
pub fn MessageText(#[prop(into)] text: String) -> impl IntoView {
    let s = shown(&text, MESSAGE_CHARS, true);
    let title = s.cut.then(|| escaped(&text));
    let whole = RwSignal::new(false);
    view! { <span class="msg-text" title=title>{cut_view(text, s, true, false, whole)}</span> }
}

/// Text for an `<option>` (which holds no elements): escaped, cut with "…".
pub fn option_text(text: &str) -> String {
    crate::view_model::display::escaped_short(text, CELL_CHARS)
}
