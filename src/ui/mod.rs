//! The browser UI (wasm32 only): a thin Leptos layer over ingest, features
//! and analysis. `browser` wraps web APIs, `scatter` draws the plot, `app`
//! is the page.

mod app;
mod browser;
mod scatter;
mod sweep_chart;

/// Mounts the app, then locks the Content-Security-Policy so that no
/// request can leave the page from now on.
pub fn start() {
    browser::install_panic_hook();
    leptos::mount::mount_to_body(app::App);
    if let Err(e) = browser::lock_down_csp() {
        web_sys::console::error_2(&"segscope: could not add the locked CSP".into(), &e);
    }
}
