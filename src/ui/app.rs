//! The page: load a file (or the sample), map columns, see segments, export.
//!
//! Accessible names are an automation contract (README): "Upload data",
//! "Load sample", "Segments (k)", role `progressbar` while working, role
//! `alert` for errors, canvas "PCA scatter plot", table "Segment summary",
//! button "Download assignments"; selects "Method", "Scaling" and
//! "Transform of <feature>", input "Min cluster size", canvas "k sweep",
//! tables "k sweep scores", "Top anomalies", "Feature transforms", and the
//! paragraph "Stability".

use super::browser::{self, download_text, now_ms, text_blob};
use super::{scatter, sweep_chart, worker};
use crate::analysis::{CovarianceType, Method, Scaling, SegmentOptions, Segmentation, TransformChoice};
use crate::export::{assignments_csv, export_file_name};
use crate::features::{count_of, FeatureTable};
use crate::ingest::time::TimeFormat;
use crate::ingest::{DataKind, Mapping, RaggedRows, Role};
use crate::job::{FeatureSource, MappingEdit, Request, Response, Settings, Stage, TableSummary};
use crate::sample::{sample_csv, SAMPLE_FILE_NAME};
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// What the app is doing: idle, or a job at `stage` (and analysis `step`;
/// `done` of `total` bytes while reading).
#[derive(Clone, Debug, PartialEq)]
enum Busy {
    Idle,
    Working { stage: Stage, step: String, done: f64, total: f64 },
}

/// The file jobs read: a new id for every file chosen.
#[derive(Clone)]
struct FileRef {
    id: u64,
    name: String,
    bytes: f64,
}

/// A file that has been read.
#[derive(Clone)]
struct Loaded {
    name: String,
    summary: Arc<TableSummary>,
    bytes: f64,
    read_ms: f64,
}

/// The latest successful run.
#[derive(Clone)]
struct Outcome {
    ft: Arc<FeatureTable>,
    seg: Arc<Segmentation>,
    features_ms: f64,
    features_from: FeatureSource,
    analysis_ms: f64,
    memory_bytes: f64,
}

/// Compact number for tables: 3 significant digits, k/M/B suffixes.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    match a {
        a if a >= 1e9 => format!("{:.2}B", v / 1e9),
        a if a >= 1e6 => format!("{:.2}M", v / 1e6),
        a if a >= 1e4 => format!("{:.1}k", v / 1e3),
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 1.0 => format!("{v:.2}"),
        0.0 => "0".into(),
        _ => format!("{v:.3}"),
    }
}

fn fmt_bytes(b: f64) -> String {
    if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} kB", b / 1e3)
    }
}

#[component]
pub fn App() -> impl IntoView {
    let busy = RwSignal::new(Busy::Idle);
    let error = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(None::<Loaded>);
    let mapping = RwSignal::new(None::<Mapping>);
    let k = RwSignal::new(None::<usize>);
    let seed = RwSignal::new(SegmentOptions::default().seed);
    let method = RwSignal::new(Method::KMeans);
    let scaling = RwSignal::new(Scaling::Standard);
    // Keyed by feature name: a new mapping can change which features exist and their order.
    let overrides = RwSignal::new(Vec::<(String, TransformChoice)>::new());
    let transforms_open = RwSignal::new(false);
    let min_cluster_size = RwSignal::new(DEFAULT_MIN_CLUSTER_SIZE);
    let ragged = RwSignal::new(RaggedRows::Skip);
    let outcome = RwSignal::new(None::<Outcome>);
    let render_ms = RwSignal::new(None::<f64>);
    // The scatter's zoom and pan (None: every point), the drawn frame (for
    // hover), a drag in progress (start pixel and view) and the hovered account.
    let view = RwSignal::new(None::<scatter::View>);
    let frame = StoredValue::new_local(None::<scatter::Frame>);
    let drag = StoredValue::new(None::<(f64, f64, scatter::View)>);
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    // The latest job; responses to older ones are ignored.
    let generation = StoredValue::new(0u64);
    let file = StoredValue::new(None::<FileRef>);
    // Mapping changes made since the worker last sent the mapping back.
    let pending_edits = StoredValue::new(Vec::<MappingEdit>::new());
    let file_blob = StoredValue::new_local(None::<web_sys::Blob>);
    let requests_after_load = RwSignal::new(0u32);
    let canvas_ref = NodeRef::<html::Canvas>::new();

    // Proof of privacy: count resource requests made after the app started.
    let baseline = browser::resource_count();
    browser::every(1000, move || requests_after_load.set(browser::resource_count().saturating_sub(baseline)));

    // Reading, features and segmentation of the current file, in the analysis worker.
    let run = move |edit: Option<MappingEdit>| {
        let (Some(f), Some(blob)) = (file.get_value(), file_blob.get_value()) else { return };
        if let Some(e) = edit {
            pending_edits.update_value(|p| p.push(e));
        }
        generation.update_value(|g| *g += 1);
        error.set(None);
        notice.set(None);
        let stage = if loaded.get_untracked().is_some() { Stage::Features } else { Stage::Read };
        let total = if stage == Stage::Read { f.bytes } else { 0.0 };
        busy.set(Busy::Working { stage, step: String::new(), done: 0.0, total });
        let method = match method.get_untracked() {
            Method::Hdbscan { .. } => Method::Hdbscan { min_cluster_size: min_cluster_size.get_untracked() },
            m => m,
        };
        let settings = Settings {
            k: k.get_untracked(),
            seed: seed.get_untracked(),
            method,
            scaling: scaling.get_untracked(),
            overrides: overrides.get_untracked(),
        };
        let crash_test = web_sys::window().and_then(|w| w.location().hash().ok()).is_some_and(|h| h == "#crash-test");
        let req = Request {
            job: generation.get_value(),
            file: f.id,
            name: f.name,
            ragged: ragged.get_untracked(),
            mapping: mapping.get_untracked(),
            edits: pending_edits.get_value(),
            settings,
            crash_test,
        };
        worker::submit(req, &blob);
    };

    worker::listen(move |r| {
        let current = generation.get_value();
        match r {
            Response::Progress { job, stage, step, done, total } if job == current => {
                busy.set(Busy::Working { stage, step, done, total })
            }
            Response::Read { job, summary, read_ms, .. } if job == current => {
                if let Some(f) = file.get_value() {
                    loaded.set(Some(Loaded { name: f.name, summary: Arc::new(summary), bytes: f.bytes, read_ms }));
                }
            }
            Response::Done { job, mapping: m, outcome: o } if job == current => {
                // This task decoded the result; building the page from it is
                // left to the next, so that neither blocks input for long.
                leptos::task::spawn_local(async move {
                    browser::yield_now().await;
                    if generation.get_value() != job {
                        return;
                    }
                    let o = *o;
                    pending_edits.set_value(Vec::new());
                    mapping.set(Some(m));
                    view.set(None);
                    hover.set(None);
                    busy.set(Busy::Idle);
                    outcome.set(Some(Outcome {
                        ft: o.ft,
                        seg: Arc::new(o.seg),
                        features_ms: o.features_ms,
                        features_from: o.features_from,
                        analysis_ms: o.analysis_ms,
                        memory_bytes: o.memory_bytes,
                    }));
                });
            }
            Response::Failed { job, mapping: m, message } if job == current => {
                if m.is_some() {
                    pending_edits.set_value(Vec::new());
                    mapping.set(m);
                }
                busy.set(Busy::Idle);
                outcome.set(None);
                error.set(Some(message.to_string()));
            }
            Response::Panicked { message } => {
                busy.set(Busy::Idle);
                let name = file.get_value().map(|f| f.name).unwrap_or_default();
                error.set(Some(format!(
                    "{name}: segscope hit an internal error while analysing this file and stopped that work: {message}. Your data was not sent anywhere, and the page still works: change a setting or load a file to try again (a fresh analysis worker starts), and please report this message."
                )));
            }
            _ => {}
        }
    });

    let load_blob = move |blob: web_sys::Blob, name: String| {
        error.set(None);
        outcome.set(None);
        loaded.set(None);
        mapping.set(None);
        pending_edits.set_value(Vec::new());
        overrides.set(Vec::new());
        let id = file.get_value().map_or(1, |f| f.id + 1);
        file.set_value(Some(FileRef { id, name, bytes: blob.size() }));
        file_blob.set_value(Some(blob));
        run(None);
    };

    // A new policy for ragged rows means reading the file again (a new file
    // id); the mapping and transform choices made for it are kept.
    let on_ragged = move |ev: leptos::ev::Event| {
        ragged.set(if event_target_value(&ev) == "reject" { RaggedRows::Reject } else { RaggedRows::Skip });
        if let Some(f) = file.get_value() {
            file.set_value(Some(FileRef { id: f.id + 1, ..f }));
            loaded.set(None);
            run(None);
        }
    };

    let on_cancel = move |_| {
        if worker::cancel() {
            generation.update_value(|g| *g += 1);
            busy.set(Busy::Idle);
            if loaded.get_untracked().is_none() {
                file.set_value(None);
                file_blob.set_value(None);
            }
            notice.set(Some(
                "Cancelled. Any results shown are from the last run that finished, not from the settings above; load a file or change a setting to run again.".into(),
            ));
        }
    };

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            let name = file.name();
            load_blob(file.into(), name);
        }
        // Allow choosing the same file again.
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            let name = file.name();
            load_blob(file.into(), name);
        }
    };
    let on_sample = move |_| match text_blob(&sample_csv(), "text/csv") {
        Ok(b) => load_blob(b, SAMPLE_FILE_NAME.to_string()),
        Err(_) => error.set(Some("Could not create the sample in this browser.".into())),
    };
    let on_sample_download = move |_| {
        if download_text(SAMPLE_FILE_NAME, &sample_csv()).is_err() {
            error.set(Some("The browser refused to save the sample file.".into()));
        }
    };
    let on_k = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let v = v.trim();
        if v.is_empty() {
            k.set(None);
        } else {
            match v.parse::<usize>() {
                Ok(n) if (2..=20).contains(&n) => k.set(Some(n)),
                _ => {
                    error.set(Some(format!(
                        "Segments (k): \"{v}\" is not a whole number from 2 to 20. Enter one, or leave it empty to choose k automatically."
                    )));
                    return;
                }
            }
        }
        run(None);
    };
    let on_seed = move |ev: leptos::ev::Event| {
        if let Ok(s) = event_target_value(&ev).trim().parse::<u64>() {
            seed.set(s);
            run(None);
        } else {
            error.set(Some("Seed: enter a whole number of 0 or more.".into()));
        }
    };
    let on_method = move |ev: leptos::ev::Event| {
        method.set(match event_target_value(&ev).as_str() {
            "gmm-full" => Method::GaussianMixture { covariance: CovarianceType::Full },
            "gmm-diag" => Method::GaussianMixture { covariance: CovarianceType::Diag },
            "hdbscan" => Method::Hdbscan { min_cluster_size: min_cluster_size.get_untracked() },
            _ => Method::KMeans,
        });
        run(None);
    };
    let on_scaling = move |ev: leptos::ev::Event| {
        scaling.set(if event_target_value(&ev) == "robust" { Scaling::Robust } else { Scaling::Standard });
        run(None);
    };
    let on_min_cluster = move |ev: leptos::ev::Event| match event_target_value(&ev).trim().parse::<usize>() {
        Ok(m) if m >= 2 => {
            min_cluster_size.set(m);
            run(None);
        }
        _ => error.set(Some("Min cluster size: enter a whole number of 2 or more.".into())),
    };
    let on_transform = Callback::new(move |(key, choice): (String, TransformChoice)| {
        overrides.update(|o| {
            o.retain(|(c, _)| *c != key);
            if choice != TransformChoice::Auto {
                o.push((key, choice));
            }
        });
        run(None);
    });
    let on_download = move |_| {
        let (Some(o), Some(l)) = (outcome.get_untracked(), loaded.get_untracked()) else { return };
        let csv = assignments_csv(&o.ft, &o.seg);
        if download_text(&export_file_name(&l.name), &csv).is_err() {
            error.set(Some("The browser refused to save the file.".into()));
        }
    };

    // Redraw the scatter plot whenever the outcome or the view changes.
    Effect::new(move |_| {
        let (Some(o), Some(canvas)) = (outcome.get(), canvas_ref.get()) else { return };
        let v = view.get().unwrap_or_else(|| scatter::View::all(&o.seg.projection));
        // No hover on a stale index while (or if) this draw fails.
        frame.set_value(None);
        let t0 = now_ms();
        let evr = &o.seg.pca.explained_variance_ratio;
        let evr = (evr[0], evr.get(1).copied().unwrap_or(0.0));
        match scatter::draw(&canvas, &o.seg.projection, &o.seg.segments, evr, &v) {
            Ok(f) => {
                frame.set_value(Some(f));
                render_ms.set(Some(now_ms() - t0));
            }
            Err(e) => error.set(Some(e)),
        }
    });
    // Mouse position in canvas pixels (the canvas may be scaled by CSS).
    let canvas_xy = move |ev: &web_sys::MouseEvent| -> (f64, f64) {
        let scale =
            canvas_ref.get_untracked().map(|c| c.width() as f64 / (c.client_width().max(1) as f64)).unwrap_or(1.0);
        (ev.offset_x() as f64 * scale, ev.offset_y() as f64 * scale)
    };
    let current_view =
        move || view.get_untracked().or_else(|| outcome.get_untracked().map(|o| scatter::View::all(&o.seg.projection)));
    let zoom_at = move |factor: f64, fx: f64, fy: f64| {
        if let (Some(v), Some(o)) = (current_view(), outcome.get_untracked()) {
            hover.set(None);
            view.set(Some(v.zoom(factor, fx, fy, &scatter::View::all(&o.seg.projection))));
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        if ev.delta_y() == 0.0 {
            return; // a sideways scroll
        }
        ev.prevent_default();
        let (x, y) = canvas_xy(&ev);
        let Some((fx, fy)) = frame.with_value(|f| f.as_ref().map(|f| f.fraction(x, y))) else { return };
        // Proportional to the scroll (a mouse notch is about 100; trackpads send many small steps).
        zoom_at((-ev.delta_y() * 0.002).exp().clamp(0.5, 2.0), fx, fy);
    };
    let on_mousedown = move |ev: web_sys::MouseEvent| {
        let (x, y) = canvas_xy(&ev);
        if let Some(v) = current_view() {
            drag.set_value(Some((x, y, v)));
        }
    };
    let on_mousemove = move |ev: web_sys::MouseEvent| {
        let (x, y) = canvas_xy(&ev);
        if let Some((x0, y0, v0)) = drag.get_value() {
            let size = frame.with_value(|f| f.as_ref().map(|f| (f.width as f64, f.height as f64)));
            if let Some((w, h)) = size.filter(|_| (x - x0).abs() + (y - y0).abs() > 2.0) {
                hover.set(None);
                view.set(Some(v0.pan((x - x0) / w, (y - y0) / h)));
            }
            return;
        }
        let hit = frame.with_value(|f| f.as_ref().and_then(|f| f.hit(x as i32, y as i32)));
        hover.set(hit.map(|i| (i, ev.offset_x() as f64, ev.offset_y() as f64)));
    };
    let end_drag = move |_| drag.set_value(None);

    view! {
        <header>
            <h1>"segscope"</h1>
            <p class="tagline">"Customer segmentation for trade and transaction data, computed entirely in this browser tab."</p>
            <p class="privacy">
                <strong>"Your data never leaves this page. "</strong>
                "segscope has no server: files are read and analysed here, in WebAssembly. Once the app has loaded, its Content-Security-Policy forbids every network request (fetch, WebSocket, images, scripts, frames), so nothing can be sent even by mistake. "
                <span class="requests">{move || format!("Requests since the app loaded: {}.", requests_after_load.get())}</span>
            </p>
        </header>
        <main>
            <section class="load" on:dragover=|ev: web_sys::DragEvent| ev.prevent_default() on:drop=on_drop>
                <label class="file">
                    <span>"Drop a CSV file (or .csv.gz) here, or choose one: "</span>
                    <input type="file" aria-label="Upload data" accept=".csv,.tsv,.txt,.gz,text/csv,text/plain,application/gzip" on:change=on_file/>
                </label>
                <button on:click=on_sample>"Load sample"</button>
                <button class="secondary" on:click=on_sample_download>"Save sample CSV"</button>
                <p class="hint">
                    "Trades/fills (one row per fill with an account column), plain transactions (invoice lines) or a table with one row per customer. The sample is synthetic: 3,000 made-up accounts of six trader types."
                </p>
                <div class="settings">
                    <label>
                        "Segments (k) "
                        <input type="number" min="2" max="20" step="1" placeholder="auto" aria-label="Segments (k)"
                            prop:value=move || k.get().map(|v| v.to_string()).unwrap_or_default() on:change=on_k/>
                    </label>
                    <label>
                        "Method "
                        <select aria-label="Method" on:change=on_method>
                            <option value="kmeans" selected>"k-means"</option>
                            <option value="gmm-full">"Gaussian mixture (full covariance)"</option>
                            <option value="gmm-diag">"Gaussian mixture (diagonal covariance)"</option>
                            <option value="hdbscan">"HDBSCAN (leaves outliers unassigned)"</option>
                        </select>
                    </label>
                    <label class:hidden=move || !matches!(method.get(), Method::Hdbscan { .. })>
                        "Min cluster size "
                        <input type="number" min="2" step="1" aria-label="Min cluster size"
                            prop:value=move || min_cluster_size.get().to_string() on:change=on_min_cluster/>
                    </label>
                    <label>
                        "Scaling "
                        <select aria-label="Scaling" on:change=on_scaling>
                            <option value="standard" selected>"standard (mean, SD)"</option>
                            <option value="robust">"robust (median, IQR)"</option>
                        </select>
                    </label>
                    <label>
                        "Rows with the wrong number of fields "
                        <select aria-label="Rows with the wrong number of fields" on:change=on_ragged>
                            <option value="skip" selected>{RaggedRows::Skip.label()}</option>
                            <option value="reject">{RaggedRows::Reject.label()}</option>
                        </select>
                    </label>
                    <label>
                        "Seed "
                        <input type="number" min="0" step="1" aria-label="Seed" prop:value=move || seed.get().to_string() on:change=on_seed/>
                    </label>
                </div>
            </section>

            {move || match busy.get() {
                Busy::Idle => ().into_any(),
                Busy::Working { stage, step, done, total } => view! {
                    <div class="busy">
                        {if total > 0.0 {
                            view! { <progress aria-label=stage.label() max=total.to_string() value=done.to_string()></progress> }.into_any()
                        } else {
                            view! { <progress aria-label=stage.label()></progress> }.into_any()
                        }}
                        <span>{match stage {
                            Stage::Read => format!("Reading {} of {}", fmt_bytes(done), fmt_bytes(total)),
                            Stage::ReadFeatures => format!("Reading and extracting features: {} of {}", fmt_bytes(done), fmt_bytes(total)),
                            Stage::Features if total > 0.0 => format!("Extracting features: row {} of {}", fmt_num(done), fmt_num(total)),
                            _ => format!("{}…", stage.label()),
                        }}</span>
                        {worker::available().then(|| view! { <button class="secondary" on:click=on_cancel>"Cancel"</button> })}
                        <StageList stage=stage step=step/>
                    </div>
                }.into_any(),
            }}
            {move || error.get().map(|e| view! { <div role="alert" class="error">{e}</div> })}
            {move || notice.get().map(|n| view! { <p role="status" class="notice">{n}</p> })}

            {move || loaded.get().zip(mapping.get()).map(|(l, m)| view! { <MappingPanel loaded=l mapping=m on_edit=Callback::new(move |e| run(Some(e)))/> })}

            <section class="results" class:hidden=move || outcome.get().is_none()>
                <div class="plot">
                    <div class="canvas-wrap">
                        <canvas node_ref=canvas_ref aria-label="PCA scatter plot" role="img" width="760" height="500"
                            on:wheel=on_wheel on:mousedown=on_mousedown on:mousemove=on_mousemove on:mouseup=end_drag
                            on:mouseleave=move |_| { drag.set_value(None); hover.set(None); }
                            on:dblclick=move |_| view.set(None)></canvas>
                        {move || hover.get().zip(outcome.get()).map(|((i, x, y), o)| view! {
                            <div class="tooltip" role="tooltip" aria-label="Point details" style:left=format!("{}px", x + 12.0) style:top=format!("{}px", y + 12.0)>
                                <PointDetails ft=o.ft.clone() seg=o.seg.clone() i=i/>
                            </div>
                        })}
                    </div>
                    <div class="zoom">
                        <button class="secondary" on:click=move |_| zoom_at(1.5, 0.5, 0.5)>"Zoom in"</button>
                        <button class="secondary" on:click=move |_| zoom_at(1.0 / 1.5, 0.5, 0.5)>"Zoom out"</button>
                        <button class="secondary" disabled=move || view.get().is_none() on:click=move |_| view.set(None)>"Reset view"</button>
                        <span class="hint">"Scroll to zoom, drag to pan, double-click to reset; hover a point for its account."</span>
                    </div>
                    {move || outcome.get().map(|o| view! { <Legend seg=o.seg.clone()/><Loadings ft=o.ft.clone() seg=o.seg.clone()/> })}
                </div>
                {move || outcome.get().map(|o| view! {
                    <Quality seg=o.seg.clone() ft=o.ft.clone()/>
                    <SummaryTable ft=o.ft.clone() seg=o.seg.clone()/>
                    <button on:click=on_download>"Download assignments"</button>
                    <Anomalies ft=o.ft.clone() seg=o.seg.clone()/>
                    <Transforms ft=o.ft.clone() seg=o.seg.clone() on_change=on_transform open=transforms_open/>
                    <DataNotes ft=o.ft.clone() seg=o.seg.clone() table=loaded.get_untracked().map(|l| l.summary)/>
                })}
                <p class="timings" aria-label="Timings">
                    {move || match (loaded.get(), outcome.get()) {
                        (Some(l), Some(o)) => format!(
                            "{}: {} · read {:.0} ms · features {} · analysis {:.0} ms ({}) · render {:.0} ms · worker memory {}",
                            l.name, fmt_bytes(l.bytes), l.read_ms,
                            match o.features_from {
                                FeatureSource::Reused => "reused".to_string(),
                                FeatureSource::WhileReading => "while reading".to_string(),
                                FeatureSource::Computed => format!("{:.0} ms", o.features_ms),
                            },
                            o.analysis_ms,
                            o.seg.stage_ms.iter().map(|(s, ms)| format!("{s} {ms:.0}")).collect::<Vec<_>>().join(", "),
                            render_ms.get().unwrap_or(0.0), fmt_bytes(o.memory_bytes)
                        ),
                        _ => String::new(),
                    }}
                </p>
            </section>
        </main>
        <footer>
            <p>"segscope runs on your machine only. Methods: median imputation; ln(1 + x) or Yeo-Johnson for skewed features; standard or robust scaling; k-means++ (k by silhouette), Gaussian mixture (k by BIC) or HDBSCAN; subsample stability; PCA for the view. Numbers are tested against scikit-learn."</p>
        </footer>
    }
}

#[component]
fn MappingPanel(loaded: Loaded, mapping: Mapping, on_edit: Callback<MappingEdit>) -> impl IntoView {
    let table = loaded.summary.clone();
    let headers = table.headers.clone();
    let kind = mapping.kind;
    let roles: Vec<Role> = if kind == DataKind::CustomerTable { vec![Role::Account] } else { Role::ALL.to_vec() };
    let on_kind = move |ev: leptos::ev::Event| {
        let kind = match event_target_value(&ev).as_str() {
            "trades" => DataKind::Trades,
            "transactions" => DataKind::Transactions,
            _ => DataKind::CustomerTable,
        };
        on_edit.run(MappingEdit::Kind(kind));
    };
    let summary = format!(
        "{}: {} rows x {} columns, {}-separated{}",
        loaded.name,
        table.n_rows,
        table.headers.len(),
        table.dialect.delimiter_name(),
        if table.ragged_count > 0 {
            format!(
                "; {} with the wrong number of fields skipped (rows {})",
                count_of(table.ragged_count, "row", "rows"),
                table.ragged_rows.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(", ")
            )
        } else {
            String::new()
        }
    );
    // The detection note already says how timestamps are read when the choice was not obvious.
    let time_note = mapping
        .time
        .as_ref()
        .filter(|t| t.note.is_empty())
        .map(|t| format!("Timestamps read as {}.", t.format.describe()));
    let current_format = mapping.time.as_ref().map(|t| t.format);
    let on_format = move |ev: leptos::ev::Event| {
        let i = event_target_value(&ev).parse::<usize>().unwrap_or(0);
        on_edit.run(MappingEdit::TimeFormat(TimeFormat::ALL[i.min(TimeFormat::ALL.len() - 1)]));
    };
    let format_select = (kind != DataKind::CustomerTable && mapping.get(Role::Timestamp).is_some()).then(|| {
        view! {
            <label>
                "Timestamp format"
                <select aria-label="Timestamp format" on:change=on_format>
                    <option value="" selected=current_format.is_none() disabled=true>"(not readable)"</option>
                    {TimeFormat::ALL.iter().enumerate().map(|(i, f)| view! {
                        <option value=i.to_string() selected=current_format == Some(*f)>{f.describe()}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    });
    view! {
        <details class="mapping" open>
            <summary>"Column mapping"</summary>
            <p class="file-summary">{summary}</p>
            <div class="roles">
                <label>
                    "Data is "
                    <select aria-label="Data kind" on:change=on_kind>
                        <option value="trades" selected=kind == DataKind::Trades>{DataKind::Trades.label()}</option>
                        <option value="transactions" selected=kind == DataKind::Transactions>{DataKind::Transactions.label()}</option>
                        <option value="customers" selected=kind == DataKind::CustomerTable>{DataKind::CustomerTable.label()}</option>
                    </select>
                </label>
                {roles.into_iter().map(|role| {
                    let current = mapping.get(role);
                    let on_role = move |ev: leptos::ev::Event| {
                        on_edit.run(MappingEdit::Role(role, event_target_value(&ev).parse::<usize>().ok()));
                    };
                    view! {
                        <label>
                            {role.label()}
                            <select aria-label=role.label() on:change=on_role>
                                <option value="" selected=current.is_none()>"(not used)"</option>
                                {headers.iter().enumerate().map(|(i, h)| view! {
                                    <option value=i.to_string() selected=current == Some(i)>{h.clone()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view()}
                {format_select}
            </div>
            <ul class="notes">
                {time_note.map(|n| view! { <li>{n}</li> })}
                {mapping.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
            </ul>
        </details>
    }
}

/// Where a job is: every stage and analysis step in order, those done
/// ticked and the current one marked (`aria-current="step"`).
#[component]
fn StageList(stage: Stage, step: String) -> impl IntoView {
    let mut steps: Vec<(String, bool, bool)> = Vec::new();
    let order = |s: Stage| match s {
        Stage::Read | Stage::ReadFeatures => 0,
        Stage::Features => 1,
        Stage::Analysis => 2,
    };
    for (s, label) in [(Stage::Read, "read"), (Stage::Features, "features")] {
        // A streamed read is both stages at once.
        let current = s == stage || stage == Stage::ReadFeatures;
        steps.push((label.to_string(), order(s) < order(stage), current));
    }
    let at = crate::analysis::STAGES.iter().position(|s| *s == step);
    for (i, s) in crate::analysis::STAGES.iter().enumerate() {
        let (done, current) = match (stage, at) {
            (Stage::Analysis, Some(a)) => (i < a, i == a),
            _ => (false, false),
        };
        steps.push((s.to_string(), done, current));
    }
    view! {
        <ol class="stages" aria-label="Stages">
            {steps.into_iter().map(|(label, done, current)| view! {
                <li class:done=done aria-current=current.then_some("step")>{label}</li>
            }).collect_view()}
        </ol>
    }
}

/// The hovered account: id, segment, position and its values of the
/// features that set its segment apart.
#[component]
fn PointDetails(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, i: usize) -> impl IntoView {
    if i >= ft.ids.len() || i >= seg.segments.len() {
        return ().into_any();
    }
    let s = seg.segments[i];
    let features: Vec<usize> = match seg.profiles.get(s.wrapping_sub(1)) {
        Some(p) => p.distinguishing.iter().map(|(j, _)| *j).collect(),
        None => (0..ft.defs.len().min(3)).collect(),
    };
    view! {
        <strong>{ft.ids[i].clone()}</strong>
        <span>{if s == 0 { " · noise".to_string() } else { format!(" · segment {s}") }}</span>
        <br/>
        <small>{format!("PC1 {:.2}, PC2 {:.2}", seg.projection[[i, 0]], seg.projection[[i, 1]])}</small>
        <ul>
            {features.into_iter().map(|j| view! { <li>{format!("{}: {}", ft.defs[j].key, fmt_num(ft.values[[i, j]]))}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Legend(seg: Arc<Segmentation>) -> impl IntoView {
    view! {
        <ul class="legend" aria-label="Legend">
            {seg.profiles.iter().map(|p| view! {
                <li><span class=format!("swatch seg-{}", (p.id - 1) % 10 + 1)></span>{format!("Segment {} ({})", p.id, p.size)}</li>
            }).collect_view()}
            {(seg.noise > 0).then(|| view! { <li><span class="swatch seg-noise"></span>{format!("Noise ({})", seg.noise)}</li> })}
        </ul>
    }
}

fn top_loadings(ft: &FeatureTable, seg: &Segmentation, pc: usize) -> String {
    let comps = &seg.pca.components;
    if pc >= comps.nrows() {
        return String::new();
    }
    let mut l: Vec<(usize, f64)> = (0..comps.ncols()).map(|o| (seg.preprocessor.kept[o], comps[[pc, o]])).collect();
    l.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    l.iter().take(3).map(|(j, v)| format!("{:+.2} {}", v, ft.defs[*j].key)).collect::<Vec<_>>().join(", ")
}

#[component]
fn Loadings(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    view! {
        <p class="loadings">
            {format!("Loadings: PC1 = {} …; PC2 = {} …", top_loadings(&ft, &seg, 0), top_loadings(&ft, &seg, 1))}
        </p>
    }
}

/// Default HDBSCAN minimum cluster size in the UI: segments smaller than this are not worth naming.
const DEFAULT_MIN_CLUSTER_SIZE: usize = 20;

#[component]
fn Quality(seg: Arc<Segmentation>, ft: Arc<FeatureTable>) -> impl IntoView {
    let range = match (seg.sweep.first(), seg.sweep.last()) {
        (Some(a), Some(b)) => format!("k = {}..{}", a.k, b.k),
        _ => String::new(),
    };
    let mut how = match (seg.k_auto, seg.method) {
        (_, Method::Hdbscan { .. }) => "found by HDBSCAN".to_string(),
        (true, Method::GaussianMixture { .. }) => format!("lowest BIC over {range}"),
        (true, _) => format!("highest silhouette over {range}"),
        (false, _) => "set by you".to_string(),
    };
    if let Some(asked) = seg.k_requested.filter(|&a| a != seg.k) {
        how.push_str(&format!("; {asked} asked for, {} came out empty", asked - seg.k));
    }
    let silhouette =
        if seg.silhouette.is_finite() { format!("{:.3}", seg.silhouette) } else { "undefined (one segment)".into() };
    let sample = if seg.silhouette_n < ft.ids.len() {
        format!(" (on a seeded sample of {} accounts)", seg.silhouette_n)
    } else {
        String::new()
    };
    let noise = if seg.noise > 0 { format!(", {} left unassigned as noise", seg.noise) } else { String::new() };
    let stability = seg.stability.as_ref().map(|s| {
        let s = match s {
            Ok(s) => s,
            Err(why) => return format!("Stability: not assessed, because {why}."),
        };
        let verdict = match s.mean_ari {
            a if a >= 0.9 => "stable: the same segments come back on other subsamples",
            a if a >= 0.75 => "fairly stable",
            a if a >= 0.5 => "unstable: treat segment boundaries with care",
            _ => "very unstable: these segments may be an artefact; try another k or method",
        };
        format!(
            "Stability: mean adjusted Rand index {:.2} (lowest {:.2}) between segmentations of {} pairs of random {}-account subsamples; {verdict}.",
            s.mean_ari, s.min_ari, s.runs, s.subsample
        )
    });
    let canvas = NodeRef::<html::Canvas>::new();
    let (sweep, chosen) = (seg.sweep.clone(), seg.k_requested.unwrap_or(seg.k));
    let chart_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            if let Err(e) = sweep_chart::draw(&c, &sweep, chosen) {
                chart_error.set(Some(e));
            }
        }
    });
    let has_sweep = !seg.sweep.is_empty();
    let bic = seg.sweep.iter().any(|s| s.bic.is_some());
    view! {
        <p class="quality">
            {format!(
                "{} accounts in {} segments ({how}){noise}; silhouette {silhouette}{sample}. Method: {}, seed {}.",
                ft.ids.len(), seg.k, seg.algorithm, seg.seed
            )}
        </p>
        {stability.map(|s| view! { <p class="stability" aria-label="Stability">{s}</p> })}
        {has_sweep.then(|| view! {
            <details class="sweep" open>
                <summary>{if bic { "k sweep: BIC by k (lowest chosen)" } else { "k sweep: silhouette by k (highest chosen)" }}</summary>
                <canvas node_ref=canvas aria-label="k sweep" role="img" width="360" height="180"></canvas>
                {move || chart_error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
                <table aria-label="k sweep scores" class="small">
                    <thead><tr>
                        <th scope="col">"k"</th><th scope="col">"silhouette ↑"</th><th scope="col">"Calinski-Harabasz ↑"</th>
                        <th scope="col">"Davies-Bouldin ↓"</th><th scope="col">{if bic { "BIC ↓" } else { "inertia ↓" }}</th>
                    </tr></thead>
                    <tbody>
                        {seg.sweep.iter().map(|s| view! {
                            <tr class:chosen=s.k == chosen>
                                <td>{s.k}</td><td>{format!("{:.3}", s.silhouette)}</td><td>{format!("{:.1}", s.calinski_harabasz)}</td>
                                <td>{format!("{:.3}", s.davies_bouldin)}</td><td>{fmt_num(s.bic.or(s.inertia).unwrap_or(f64::NAN))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="hint">"Scores on the seeded sample. Silhouette and Calinski-Harabasz: higher is better; Davies-Bouldin, BIC and inertia: lower is better."</p>
            </details>
        })}
    }
}

/// How many of the top anomalies the page lists (the export flags all of them).
const ANOMALIES_SHOWN: usize = 15;

#[component]
fn Anomalies(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    // Scaled values of the listed accounts only (row r of z is account shown[r]).
    let shown: Vec<usize> = seg.anomalies.iter().take(ANOMALIES_SHOWN).copied().collect();
    let z = seg.preprocessor.transform(ft.values.select(ndarray::Axis(0), &shown).view());
    let why = |r: usize| {
        let mut d: Vec<(usize, f64)> = (0..z.ncols()).map(|o| (seg.preprocessor.kept[o], z[[r, o]])).collect();
        d.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        d.iter()
            .take(2)
            .map(|(j, v)| format!("{} {} ({:+.1})", if *v >= 0.0 { "high" } else { "low" }, ft.defs[*j].key, v))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let segment = |i: usize| match seg.segments[i] {
        0 => "noise".to_string(),
        s => s.to_string(),
    };
    view! {
        <details class="anomalies" open>
            <summary>{format!(
                "Top anomalies: the {} most unusual accounts (top 1%), by {}",
                seg.anomalies.len(), seg.anomaly_unit
            )}</summary>
            <table aria-label="Top anomalies" class="small">
                <thead><tr>
                    <th scope="col">"Account"</th><th scope="col">"Segment"</th><th scope="col">"Anomaly score"</th>
                    <th scope="col">"Most unusual features (scaled units)"</th>
                </tr></thead>
                <tbody>
                    {shown.iter().enumerate().map(|(r, &i)| view! {
                        <tr>
                            <td>{ft.ids[i].clone()}</td><td>{segment(i)}</td>
                            <td>{format!("{:.2}", seg.anomaly_score[i])}</td><td>{why(r)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="hint">{format!(
                "All {} are marked top_anomaly = 1 in the download, with every account's anomaly_score.",
                seg.anomalies.len()
            )}</p>
        </details>
    }
}

#[component]
fn Transforms(
    ft: Arc<FeatureTable>,
    seg: Arc<Segmentation>,
    on_change: Callback<(String, TransformChoice)>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let value = |c: TransformChoice| match c {
        TransformChoice::Auto => "auto",
        TransformChoice::None => "none",
        TransformChoice::Log1p => "log1p",
        TransformChoice::YeoJohnson => "yeo-johnson",
    };
    let scaling = match seg.preprocessor.scaling {
        Scaling::Standard => "then standard scaling (subtract the mean, divide by the SD)",
        Scaling::Robust => "then robust scaling (subtract the median, divide by the IQR)",
    };
    view! {
        <details class="transforms" prop:open=move || open.get_untracked()
            on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
            <summary>{format!("Feature transforms ({scaling})")}</summary>
            <table aria-label="Feature transforms" class="small">
                <thead><tr>
                    <th scope="col">"Feature"</th><th scope="col">"Skewness"</th><th scope="col">"Missing, filled with median"</th>
                    <th scope="col">"Applied"</th><th scope="col">"Choose"</th>
                </tr></thead>
                <tbody>
                    {seg.preprocessor.steps.iter().enumerate().map(|(j, st)| {
                        let key = ft.defs[j].key.clone();
                        let ft_key = key.clone();
                        let applied = if st.dropped { "left out (constant)".to_string() } else { st.transform.label() };
                        let chosen = value(st.choice);
                        view! {
                            <tr>
                                <th scope="row">{key.clone()}</th>
                                <td>{format!("{:+.2}", st.skewness)}</td>
                                <td>{st.imputed}</td>
                                <td>{applied}</td>
                                <td>
                                    <select aria-label=format!("Transform of {key}") on:change=move |ev| {
                                        let c = match event_target_value(&ev).as_str() {
                                            "none" => TransformChoice::None,
                                            "log1p" => TransformChoice::Log1p,
                                            "yeo-johnson" => TransformChoice::YeoJohnson,
                                            _ => TransformChoice::Auto,
                                        };
                                        on_change.run((ft_key.clone(), c));
                                    }>
                                        {[("auto", "auto (by skewness)"), ("none", "none"), ("log1p", "sign(x)·ln(1 + |x|)"), ("yeo-johnson", "Yeo-Johnson")]
                                            .into_iter()
                                            .map(|(v, l)| view! { <option value=v selected=v == chosen>{l}</option> })
                                            .collect_view()}
                                    </select>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="hint">"Auto: features with |skewness| > 1 get ln(1 + x) when never negative, else Yeo-Johnson with its maximum-likelihood λ; the rest are left as they are."</p>
        </details>
    }
}

#[component]
fn SummaryTable(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let defs = ft.defs.clone();
    let unit = if seg.preprocessor.scaling == Scaling::Robust { "IQR" } else { "SD" };
    let apart = |p: &crate::analysis::segmentation::SegmentProfile| {
        p.distinguishing
            .iter()
            .map(|(j, z)| format!("{} {} ({:+.1} {unit})", if *z >= 0.0 { "high" } else { "low" }, ft.defs[*j].key, z))
            .collect::<Vec<_>>()
            .join("; ")
    };
    view! {
        <div class="table-wrap">
            <table aria-label="Segment summary">
                <thead>
                    <tr>
                        <th scope="col">"Segment"</th>
                        <th scope="col">"Accounts"</th>
                        <th scope="col">"Share"</th>
                        <th scope="col">"What sets it apart"</th>
                        <th scope="col">"Risk and anomaly flags"</th>
                        {defs.iter().map(|d| view! {
                            <th scope="col" title=d.formula.clone()>{d.key.clone()}<br/><small>{d.unit.clone()}</small></th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {seg.profiles.iter().map(|p| view! {
                        <tr>
                            <th scope="row"><span class=format!("swatch seg-{}", (p.id - 1) % 10 + 1)></span>{p.id}</th>
                            <td>{p.size}</td>
                            <td>{format!("{:.1}%", p.share * 100.0)}</td>
                            <td class="apart">{apart(p)}</td>
                            <td class="flags">{p.flags.join("; ")}</td>
                            {p.means.iter().zip(&seg.overall_means).map(|(m, o)| view! {
                                <td title=format!("all accounts: {}", fmt_num(*o))>{fmt_num(*m)}<small>{format!(" / {}", fmt_num(*o))}</small></td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    {(seg.noise > 0).then(|| view! {
                        <tr>
                            <th scope="row"><span class="swatch seg-noise"></span>"Noise"</th>
                            <td>{seg.noise}</td>
                            <td>{format!("{:.1}%", seg.noise as f64 * 100.0 / ft.ids.len() as f64)}</td>
                            <td>"not assigned to any segment (HDBSCAN)"</td>
                            <td></td>
                        </tr>
                    })}
                    <tr>
                        <th scope="row">"All"</th>
                        <td>{ft.ids.len()}</td>
                        <td>"100%"</td>
                        <td></td>
                        <td></td>
                        {seg.overall_means.iter().map(|o| view! { <td>{fmt_num(*o)}</td> }).collect_view()}
                    </tr>
                </tfoot>
            </table>
        </div>
        <p class="hint">{format!(
            "Each cell: segment mean / mean of all accounts, in the feature's raw unit. {} after the transform (see Feature transforms).",
            if unit == "SD" { "SD = standard deviations from the overall mean" } else { "IQR = interquartile ranges from the overall median" }
        )}</p>
    }
}

#[component]
fn DataNotes(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, table: Option<Arc<TableSummary>>) -> impl IntoView {
    let rows = |s: &crate::features::SkippedRows| {
        format!(
            "{}{}",
            s.examples.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "),
            if s.count > s.examples.len() { ", …" } else { "" }
        )
    };
    let mut notes: Vec<String> = Vec::new();
    notes.push(format!("{} used.", count_of(ft.rows_used, "row", "rows")));
    for s in &ft.skipped {
        notes.push(format!("Left out {}: {} (rows {}).", count_of(s.count, "row", "rows"), s.reason, rows(s)));
    }
    for s in &ft.ignored_cells {
        notes.push(format!(
            "Ignored {}, rows kept: {} (rows {}).",
            count_of(s.count, "cell", "cells"),
            s.reason,
            rows(s)
        ));
    }
    if let Some(t) = &table {
        notes.extend(t.source_notes.iter().cloned());
        for (i, file, given) in &t.renamed_headers {
            notes.push(format!("Column {} repeats the name \"{file}\"; it is called \"{given}\" here.", i + 1));
        }
        if t.invalid_utf8_cells > 0 {
            notes.push(format!(
                "{} not valid UTF-8 (the file may be Latin-1 or Windows-1252); odd characters show as \u{fffd}, so ids that differ only there are merged. Save the file as UTF-8 for exact ids.",
                count_of(t.invalid_utf8_cells, "cell is", "cells are")
            ));
        }
        if t.unnamed_columns > 0 {
            notes.push(format!(
                "{} no name in the header and {} called column_N.",
                count_of(t.unnamed_columns, "column had", "columns had"),
                if t.unnamed_columns == 1 { "is" } else { "are" }
            ));
        }
    }
    for (key, why) in &ft.not_computed {
        notes.push(format!("Not computed: {key} ({why})."));
    }
    notes.extend(ft.notes.iter().cloned());
    for (j, st) in seg.preprocessor.steps.iter().enumerate() {
        let key = &ft.defs[j].key;
        if st.dropped {
            notes.push(format!("{key} is the same for every account, so it was left out of the clustering."));
        } else if st.imputed > 0 {
            notes.push(format!(
                "{key}: {} no value (e.g. no option trades for put_share); filled with the median {} for clustering, shown as – in the table and empty in the export.",
                count_of(st.imputed, "account has", "accounts have"),
                fmt_num(st.median)
            ));
        }
    }
    view! {
        <details class="data-notes" open>
            <summary>"Data notes"</summary>
            <ul>{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            <dl class="feature-docs">
                {ft.defs.iter().map(|d| view! { <dt>{d.key.clone()}</dt><dd>{format!("{} ({})", d.formula, d.unit)}</dd> }).collect_view()}
            </dl>
        </details>
    }
}
