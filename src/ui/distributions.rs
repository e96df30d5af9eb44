//! Panel `details.distributions`: select **Distribution of** (any
//! feature's key), canvas **Distribution by segment** (box plots, drawn
//! when the panel opens and at each choice; nothing is computed before) and table **Medians by
//! segment**, its text alternative: each segment's median and
//! interquartile range next to all accounts'.

use super::chart_canvas::{self, ChartDownloads};
use super::file_text::FileText;
use super::state::AppState;
use crate::analysis::Segmentation;
use crate::charts::boxes::Boxes;
use crate::features::FeatureTable;
use crate::view_model::display::escaped_short;
use crate::view_model::distributions::{distribution, BoxStats};
use crate::view_model::fmt_num;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// `median (q1 to q3)`, or a dash without values.
fn median_iqr(b: Option<&BoxStats>) -> String {
    match b {
        Some(b) => format!("{} ({} to {})", fmt_num(b.median), fmt_num(b.q1), fmt_num(b.q3)),
        None => "–".into(),
    }
}

#[component]
pub fn Distributions(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<html::Canvas>::new();
    let details = NodeRef::<html::Details>::new();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The feature shown: the first distinguishing feature of segment 1, else the first used.
    let first = seg.profiles.first().and_then(|p| p.distinguishing.first().map(|(j, _)| *j));
    let feature = RwSignal::new(first.or(seg.used.first().copied()).unwrap_or(0).min(ft.defs.len().saturating_sub(1)));
    let dist = {
        let (ft, seg) = (ft.clone(), seg.clone());
        Memo::new(move |_| (!ft.defs.is_empty()).then(|| Arc::new(distribution(&ft, &seg, feature.get()))))
    };
    let key_of = {
        let ft = ft.clone();
        move |j: usize| ft.defs.get(j).map(|d| d.key.clone()).unwrap_or_default()
    };
    let key_for_chart = key_of.clone();
    Effect::new(move |_| {
        let (true, Some(c), Some(d)) = (open.get(), canvas.get(), dist.get()) else { return };
        let key = escaped_short(&key_for_chart(d.feature), 60);
        error.set(chart_canvas::draw_on(&c, &Boxes { d: &d, key: &key }).err());
    });
    let key_for_file = key_of.clone();
    let save = move |svg| {
        let Some(d) = dist.get_untracked() else { return Ok(()) };
        let key = key_for_file(d.feature);
        let chart = Boxes { d: &d, key: &escaped_short(&key, 60) };
        chart_canvas::save(&chart, &format!("distribution-{key}"), svg)
    };
    let options = ft
        .defs
        .iter()
        .enumerate()
        .map(|(j, d)| view! { <option value=j.to_string() selected=move || feature.get() == j>{escaped_short(&d.key, 60)}</option> })
        .collect_view();
    // Computed and shown once the panel is open: a closed panel costs the
    // result nothing (the statistics sort every account's value).
    let rows = move || {
        if !open.get() {
            return None;
        }
        let d = dist.get()?;
        let names = state.names.get();
        let overall = d.overall.clone();
        Some(
            d.by_segment
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let name = format!("{} · {}", i + 1, names.get(i).cloned().unwrap_or_default());
                    let vs = match (b, &overall) {
                        (Some(b), Some(o)) if o.iqr() > 0.0 => format!("{:+.2}", (b.median - o.median) / o.iqr()),
                        _ => "–".into(),
                    };
                    view! {
                        <tr>
                            <th scope="row"><FileText text=name fixed=true/></th>
                            <td class="num">{b.as_ref().map_or(0, |b| b.n)}</td>
                            <td class="num">{median_iqr(b.as_ref())}</td>
                            <td class="num">{vs}</td>
                        </tr>
                    }
                })
                .collect_view(),
        )
    };
    let overall_row = move || {
        if !open.get() {
            return None;
        }
        let d = dist.get()?;
        Some(view! {
            <tr><th scope="row">"All accounts"</th><td class="num">{d.overall.as_ref().map_or(0, |b| b.n)}</td>
                <td class="num">{median_iqr(d.overall.as_ref())}</td><td class="num">"0"</td></tr>
        })
    };
    view! {
        <details class="distributions" node_ref=details on:toggle=move |_| {
            if let Some(d) = details.get() { open.set(d.open()); }
        }>
            <summary>"Distributions by segment"</summary>
            <label>"Distribution of "
                <select aria-label="Distribution of" on:change=move |ev| {
                    if let Ok(j) = event_target_value(&ev).parse::<usize>() { feature.set(j) }
                }>{options}</select>
            </label>
            <canvas node_ref=canvas aria-label="Distribution by segment" role="img" width="640" height="320"></canvas>
            <ChartDownloads what="box plots" save=save/>
            {move || error.get().map(|e| view! { <p role="alert" class="error">{e}</p> })}
            <table aria-label="Medians by segment" class="small">
                <thead><tr><th scope="col">"Segment"</th><th scope="col">"Accounts with a value"</th>
                    <th scope="col">"Median (Q1 to Q3)"</th><th scope="col">"Median vs all (IQRs)"</th></tr></thead>
                <tbody>{rows}{overall_row}</tbody>
            </table>
            <p class="hint">"Each box spans the middle half of a segment's accounts (Q1 to Q3) with a line at the median; the whiskers reach the most extreme account within 1.5 times the box's width (as matplotlib draws box plots); the top box is all accounts. A heavy-tailed feature is drawn on a log scale. 'Median vs all' is how far the segment's median sits from all accounts' median, in units of all accounts' interquartile range."</p>
        </details>
    }
}
