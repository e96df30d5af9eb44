//! The page's header (name, privacy promise, the count of requests made
//! since the app loaded) and footer.

use super::browser;
use leptos::prelude::*;

/// The header. Owns the request counter: Resource Timing entries since the
/// app started, checked every second (proof that nothing is sent).
#[component]
pub fn Header() -> impl IntoView {
    let requests_after_load = RwSignal::new(0u32);
    let baseline = browser::resource_count();
    browser::every(1000, move || requests_after_load.set(browser::resource_count().saturating_sub(baseline)));
    view! {
        <header>
            <h1>"segscope"</h1>
            <p class="tagline">"Customer segmentation for trade and transaction data, computed entirely in this browser tab."</p>
            <p class="privacy">
                <strong>"Your data never leaves this page. "</strong>
                "segscope has no server: files are read and analysed here, in WebAssembly. Once the app has loaded, its Content-Security-Policy forbids every network request (fetch, WebSocket, images, scripts, frames); it runs in a sandboxed frame that cannot open windows, navigate or submit forms, and WebRTC is removed; so nothing can be sent even by mistake (the README's Privacy section says what this covers, and what an extension with access to the page could still do). "
                <span class="requests">{move || format!("Requests since the app loaded: {}.", requests_after_load.get())}</span>
            </p>
        </header>
    }
}

/// The footer: the methods in one sentence.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer>
            <p>"segscope runs on your machine only. Methods: median imputation; ln(1 + x) or Yeo-Johnson for skewed features; standard or robust scaling; behaviour features by default; k-means++ or Gaussian mixture (k by the Calinski-Harabasz index over three seeded samples) or HDBSCAN; subsample stability; PCA for the view. Numbers are tested against scikit-learn."</p>
        </footer>
    }
}
