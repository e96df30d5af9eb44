//! Section "load" of the page: the file (upload, drop, sample) and the
//! analysis settings (k, method, min cluster size, scaling, ragged rows,
//! quoting, seed). Each input hands its value to an [`AppState`] operation.

use super::browser;
use super::file_text::FileText;
use super::state::AppState;
use crate::analysis::{Method, Scaling};
use crate::ingest::{Quoting, RaggedRows};
use crate::view_model::OptionValue;
use leptos::prelude::*;

/// How long typing in **Segments (k)** or **Seed** must pause before the
/// value is taken (Enter or leaving the field takes it at once).
pub const TYPING_PAUSE_MS: i32 = 800;

/// Applies `text` after [`TYPING_PAUSE_MS`] unless more was typed meanwhile
/// (`typed` counts what was typed).
fn after_pause(typed: StoredValue<u64>, text: String, apply: impl FnOnce(String) + 'static) {
    typed.update_value(|n| *n += 1);
    let mine = typed.get_value();
    browser::after(TYPING_PAUSE_MS, move || {
        if typed.get_value() == mine {
            apply(text);
        }
    });
}

/// What the file inputs offer (by extension and media type): text tables
/// (CSV, TSV, gzip), JSON, and spreadsheet workbooks. A file is read by its
/// content whatever its name.
pub const DATA_FILES: &str = ".csv,.tsv,.txt,.gz,.json,.ndjson,.jsonl,.xlsx,.xlsm,.xlsb,.xls,.ods,.parquet,text/csv,text/plain,application/gzip,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel,application/vnd.oasis.opendocument.spreadsheet";

#[component]
pub fn Controls() -> impl IntoView {
    let state = expect_context::<AppState>();
    // What the number inputs show, redrawn when it changes or when the user
    // entered a value that was taken (so that e.g. "04" shows as "4").
    let k = Memo::new(move |_| state.settings.with(|s| s.k));
    let seed = Memo::new(move |_| state.settings.with(|s| s.seed));
    let min_cluster_size = Memo::new(move |_| state.min_cluster_size());
    let hdbscan = Memo::new(move |_| state.settings.with(|s| matches!(s.method, Method::Hdbscan { .. })));
    // With a model loaded, the model decides k, the method, the scaling and the seed.
    let by_model = move || state.model.with(|m| m.is_some());
    let (k_taken, seed_taken, min_taken) = (Trigger::new(), Trigger::new(), Trigger::new());

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            let name = file.name();
            state.load_blob(file.into(), name);
        }
        // Allow choosing the same file again.
        input.set_value("");
    };
    // The drop zone is highlighted while a file is dragged over it.
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            let name = file.name();
            state.load_blob(file.into(), name);
        }
    };
    // A value typed is taken after a pause of TYPING_PAUSE_MS (or at once on Enter or leaving
    // the field); a value equal to the one in force runs nothing.
    let apply_k = move |text: String| {
        if crate::view_model::parse_k(&text).ok() != Some(k.get_untracked()) && state.set_k(&text) {
            k_taken.notify();
        }
    };
    let apply_seed = move |text: String| {
        if crate::view_model::parse_seed(&text).ok() != Some(seed.get_untracked()) && state.set_seed(&text) {
            seed_taken.notify();
        }
    };
    let typed = StoredValue::new(0u64);
    let on_k = move |ev: leptos::ev::Event| apply_k(event_target_value(&ev));
    let on_seed = move |ev: leptos::ev::Event| apply_seed(event_target_value(&ev));
    let on_k_input = move |ev: leptos::ev::Event| after_pause(typed, event_target_value(&ev), apply_k);
    let on_seed_input = move |ev: leptos::ev::Event| after_pause(typed, event_target_value(&ev), apply_seed);
    let on_min_cluster = move |ev: leptos::ev::Event| {
        if state.set_min_cluster_size(&event_target_value(&ev)) {
            min_taken.notify();
        }
    };
    let on_method = move |ev: leptos::ev::Event| {
        state.set_method(Method::from_value(&event_target_value(&ev)).unwrap_or(Method::KMeans))
    };
    let on_scaling = move |ev: leptos::ev::Event| {
        state.set_scaling(Scaling::from_value(&event_target_value(&ev)).unwrap_or(Scaling::Standard))
    };
    let on_ragged = move |ev: leptos::ev::Event| {
        state.set_ragged(RaggedRows::from_value(&event_target_value(&ev)).unwrap_or(RaggedRows::Skip))
    };
    let on_quoting = move |ev: leptos::ev::Event| {
        state.set_quoting(Quoting::from_value(&event_target_value(&ev)).unwrap_or(Quoting::Auto))
    };
    let quoting_is = move |q: Quoting| move || state.quoting.get() == q;
    let gmm = |covariance| Method::GaussianMixture { covariance };
    // The options follow the settings in force (e.g. from the page's address).
    let method_is = move |v: &'static str| move || state.settings.with(|s| s.method.value() == v);
    let scaling_is = move |v: &'static str| move || state.settings.with(|s| s.scaling.value() == v);
    use crate::analysis::CovarianceType::{Diag, Full};

    view! {
        <section class="load" class:dragging=move || dragging.get()
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <label class="file">
                <span>"Drop a CSV, Excel, Parquet or JSON file (or .csv.gz) here, or choose one: "</span>
                <input type="file" aria-label="Upload data" accept=DATA_FILES on:change=on_file/>
            </label>
            // The input is emptied after each choice (so that the same file can be chosen again): say what is loaded.
            {move || state.loaded.get().map(|l| view! { <span class="loaded-name">"Loaded: "<FileText text=l.name/></span> })}
            // A workbook with several sheets: which one is read.
            {move || (state.sheets.with(Vec::len) > 1).then(|| view! {
                <label>
                    "Sheet "
                    <select aria-label="Sheet" on:change=move |ev| state.set_sheet(event_target_value(&ev))>
                        {state.sheets.get().into_iter().map(|s| {
                            let chosen = state.sheet.get().as_deref() == Some(s.as_str());
                            view! { <option value=s.clone() prop:selected=chosen>{s.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            })}
            <button on:click=move |_| state.load_sample()>"Load sample"</button>
            <button class="secondary" on:click=move |_| state.save_sample()>"Save sample CSV"</button>
            <p class="hint">
                "Trades/fills (one row per fill with an account column), plain transactions (invoice lines) or a table with one row per customer. The sample is synthetic: 3,000 made-up accounts of six trader types."
            </p>
            <div class="settings">
                <label>
                    "Segments (k) "
                    <input type="number" min="2" max="20" step="1" placeholder="auto" aria-label="Segments (k)" disabled=by_model
                        prop:value=move || { k_taken.track(); k.get().map(|v| v.to_string()).unwrap_or_default() } on:change=on_k on:input=on_k_input/>
                </label>
                <label>
                    "Method "
                    <select disabled=by_model aria-label="Method" on:change=on_method>
                        <option value=Method::KMeans.value() prop:selected=method_is(Method::KMeans.value())>"k-means"</option>
                        <option value=gmm(Full).value() prop:selected=method_is(gmm(Full).value())>"Gaussian mixture (full covariance)"</option>
                        <option value=gmm(Diag).value() prop:selected=method_is(gmm(Diag).value())>"Gaussian mixture (diagonal covariance)"</option>
                        <option value=Method::Hdbscan { min_cluster_size: 0 }.value() prop:selected=method_is("hdbscan")>"HDBSCAN (leaves outliers unassigned)"</option>
                    </select>
                </label>
                <label class:hidden=move || !hdbscan.get()>
                    "Min cluster size "
                    <input type="number" min="2" step="1" aria-label="Min cluster size" disabled=by_model
                        prop:value=move || { min_taken.track(); min_cluster_size.get().to_string() } on:change=on_min_cluster/>
                </label>
                <label>
                    "Scaling "
                    <select disabled=by_model aria-label="Scaling" on:change=on_scaling>
                        <option value=Scaling::Standard.value() prop:selected=scaling_is("standard")>"standard (mean, SD)"</option>
                        <option value=Scaling::Robust.value() prop:selected=scaling_is("robust")>"robust (median, IQR)"</option>
                    </select>
                </label>
                <label>
                    "Rows with the wrong number of fields "
                    <select aria-label="Rows with the wrong number of fields" on:change=on_ragged>
                        <option value=RaggedRows::Skip.value() selected>{RaggedRows::Skip.label()}</option>
                        <option value=RaggedRows::Reject.value()>{RaggedRows::Reject.label()}</option>
                    </select>
                </label>
                <label>
                    "Quoting "
                    <select aria-label="Quoting" on:change=on_quoting>
                        {Quoting::ALL.into_iter().map(|q| view! { <option value=q.value() prop:selected=quoting_is(q)>{q.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    "Seed "
                    <input type="number" min="0" step="1" aria-label="Seed" disabled=by_model prop:value=move || { seed_taken.track(); seed.get().to_string() } on:change=on_seed on:input=on_seed_input/>
                </label>
            </div>
        </section>
    }
}
