//! Navigation **Views** above the results: one button per view (Overview,
//! Profiles, Distributions, Quality, Risk, Compare periods, Run details)
//! that scrolls the view into sight, opens it if it is a closed panel, and
//! moves keyboard focus to it. It stays at the top of the window while the
//! results scroll (sticky), so every view is one Tab and Enter away. The
//! page's address is left alone: it holds the settings.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The views: (button label, CSS selector of the view in the page).
const VIEWS: [(&str, &str); 7] = [
    ("Overview", ".results .plot"),
    ("Profiles", "table[aria-label=\"Segment summary\"]"),
    ("Distributions", "details.distributions"),
    ("Quality", ".results p.quality"),
    ("Risk", "section.risk"),
    ("Compare periods", "section.compare"),
    ("Run details", "section.run-details"),
];

/// Scrolls the element matching `selector` into view, opens it if it is a
/// `details`, and focuses it (made focusable by script only, `tabindex=-1`).
fn go_to(selector: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(Some(el)) = doc.query_selector(selector) else { return };
    if let Some(d) = el.dyn_ref::<web_sys::HtmlDetailsElement>() {
        d.set_open(true);
    }
    el.scroll_into_view();
    if let Some(h) = el.dyn_ref::<web_sys::HtmlElement>() {
        if !h.has_attribute("tabindex") {
            let _ = h.set_attribute("tabindex", "-1");
        }
        let _ = h.focus();
    }
}

#[component]
pub fn ViewsNav() -> impl IntoView {
    view! {
        <nav class="views" aria-label="Views">
            {VIEWS.iter().map(|&(label, selector)| view! {
                <button class="secondary" on:click=move |_| go_to(selector)>{label}</button>
            }).collect_view()}
        </nav>
    }
}
