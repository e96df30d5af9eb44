//! Section **Model**: button **Download model** (the result's fitted
//! pipeline as JSON), file input **Load model** (every file loaded after it
//! is scored with that model, no fit), button **Clear model**, select
//! **SQL dialect** (`duckdb`, `spark`) with button **Download SQL** (the
//! model as a scoring script for that engine), button **Download PMML**
//! (k-means models as PMML 4.4), and a
//! paragraph (`p.model-state`) saying which model is in force (not a
//! `status`: the page's one status is its notices).

use super::state::AppState;
use crate::model::sql::Dialect;
use leptos::prelude::*;

#[component]
pub fn ModelPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let dialect = RwSignal::new(Dialect::DuckDb);
    let on_model = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            state.load_model(file);
        }
        input.set_value("");
    };
    let in_force = move || {
        state.model.with(|m| match m {
            Some(m) => format!(
                "Model in force: {} ({}, {} segments, fitted on {}). Every file you load is scored with it, not segmented afresh.",
                m.name,
                m.model.clustering_label(),
                m.model.selection.k,
                m.model.input.file_name
            ),
            None => "No model loaded: each file is segmented afresh.".into(),
        })
    };
    view! {
        <section class="model" aria-label="Model">
            <h2>"Model"</h2>
            <p class="model-state">{in_force}</p>
            <button on:click=move |_| state.download_model() disabled=move || state.result.with(|r| r.is_none())>"Download model"</button>
            <label class="file">
                <span>"Load model (.json): "</span>
                <input type="file" aria-label="Load model" accept=".json,application/json" on:change=on_model/>
            </label>
            <button class="secondary" on:click=move |_| state.clear_model() disabled=move || state.model.with(|m| m.is_none())>"Clear model"</button>
            <p class="sql">
                <label>"SQL dialect "
                    <select aria-label="SQL dialect" on:change=move |ev| {
                        if let Some(d) = Dialect::from_key(&event_target_value(&ev)) {
                            dialect.set(d);
                        }
                    }>
                        <option value="duckdb" selected=true>"duckdb"</option>
                        <option value="spark">"spark"</option>
                    </select>
                </label>
                " "
                <button on:click=move |_| state.download_sql(dialect.get_untracked()) disabled=move || state.result.with(|r| r.is_none())>"Download SQL"</button>
                " "
                <button class="secondary" on:click=move |_| state.download_pmml() disabled=move || state.result.with(|r| r.is_none())>"Download PMML"</button>
                <small>" Scores the whole exchange where its data lives: this model as one SQL script for DuckDB or Spark SQL (from the raw rows), or as PMML (k-means, from the per-account features)."</small>
            </p>
        </section>
    }
}
