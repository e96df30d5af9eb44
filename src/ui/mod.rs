//! The browser UI (wasm32 only): a thin Leptos layer over ingest, features
//! and analysis. `browser` wraps web APIs, `worker` runs jobs in the
//! analysis worker, `state` is the page's state and operations (over
//! [`crate::view_model`]), `app` lays the page out from the components in
//! the other files; `scatter` and `sweep_chart` draw on canvases.

mod anomalies;
mod app;
mod browser;
mod chart_canvas;
mod compare;
mod controls;
mod distributions;
mod feature_picker;
mod file_text;
mod glossary;
mod header;
mod heatmap;
mod left_out;
mod mapping_panel;
mod messages;
mod model_panel;
mod notes;
mod playbook;
mod progress;
mod quality;
mod results;
mod risk;
mod run_details;
mod scatter;
mod scatter_view;
mod scree;
mod selection;
mod silhouette;
mod state;
mod summary;
mod sweep;
mod transforms;
mod views_nav;
mod worker;

/// The entry point of the page and of its analysis worker. In the page
/// (the sandboxed frame of scripts/seal.mjs; the shell registers the offline
/// cache): builds the worker's script from the inline glue, locks the Content-Security-Policy so that no request
/// can leave the page from now on, starts the first worker (which inherits
/// the locked policy), then mounts the app. In a worker (no `window`):
/// serves jobs.
pub fn start() {
    if web_sys::window().is_none() {
        worker::serve();
        return;
    }
    browser::install_panic_hook();
    wasm_bindgen_futures::spawn_local(async {
        let prepared = worker::prepare();
        if let Err(e) = browser::lock_down_csp() {
            web_sys::console::error_2(&"segscope: could not add the locked CSP".into(), &e);
        }
        // After the lock, so that the worker inherits the locked policy.
        if let Err(e) = match prepared {
            Ok(()) => worker::start().await,
            Err(e) => Err(e),
        } {
            let msg = format!("segscope: no analysis worker ({e}); analysis runs on the page's thread, without Cancel");
            web_sys::console::warn_1(&msg.into());
        }
        leptos::mount::mount_to_body(app::App);
    });
}
