//! Table **Segment summary**: one row per segment (its name, editable in an
//! input **Name of segment N**, size, share, what sets it apart, flags,
//! every feature's mean against all accounts; its number a button **Highlight
//! segment N** that highlights it on the scatter), noise and all accounts in
//! the footer; buttons **Download summary CSV** and **Download summary JSON**.

use super::file_text::FileText;
use super::state::AppState;
use crate::analysis::{Scaling, Segmentation};
use crate::features::FeatureTable;
use crate::view_model::display::escaped;
use crate::view_model::fmt_num;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn SummaryTable(ft: Arc<FeatureTable>, seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let defs = ft.defs.clone();
    // The result these rows belong to: a highlight is of one result's segment.
    let job = state.result.with_untracked(|r| r.as_ref().map_or(0, |r| r.job));
    let unit = if seg.preprocessor.scaling == Scaling::Robust { "IQR" } else { "SD" };
    let apart = |p: &crate::analysis::segmentation::SegmentProfile| {
        if p.distinguishing.is_empty() {
            let floor = crate::analysis::segmentation::MIN_DISTINGUISHING;
            return view! { {format!("near the overall centre (no clustering feature {floor} {unit} or more away)")} }
                .into_any();
        }
        // Each name in its own isolation (see the anomalies table).
        p.distinguishing
            .iter()
            .enumerate()
            .map(|(n, &(j, z))| {
                view! {
                    {if n > 0 { "; " } else { "" }}
                    {if z >= 0.0 { "high " } else { "low " }}
                    <FileText text=ft.defs[j].key.clone()/>
                    {format!(" ({z:+.1} {unit})")}
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <div class="table-wrap">
            <table aria-label="Segment summary">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Segment"</th>
                        <th scope="col">"Accounts"</th>
                        <th scope="col">"Share"</th>
                        <th scope="col">"What sets it apart"</th>
                        <th scope="col">"Risk and anomaly flags"</th>
                        <th scope="col" title="From the playbook (README, Segment names); edit them: the summary exports carry them">"Suggested actions"</th>
                        {defs.iter().map(|d| view! {
                            <th scope="col" title=escaped(&d.formula)><FileText text=d.key.clone()/><br/><small>{d.unit.clone()}</small></th>
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {seg.profiles.iter().map(|p| { let id = p.id; view! {
                        <tr>
                            <th scope="row" class="name">
                                <span class=format!("swatch seg-{}", (id - 1) % 10 + 1)></span>
                                <input type="text" class="segment-name" aria-label=format!("Name of segment {id}")
                                    maxlength=crate::view_model::MAX_NAME_CHARS.to_string()
                                    prop:value=move || state.names.with(|n| n.get(id - 1).map(|n| escaped(n)).unwrap_or_default())
                                    title="Edit the name: it is used in the legend, tables, exports and the saved model. Clear it to get the generated name back."
                                    on:change=move |ev| state.rename(id, &event_target_value(&ev))/>
                            </th>
                            <td><button class="legend-entry" aria-label=format!("Highlight segment {id}")
                                aria-pressed=move || (state.highlight.get() == Some((job, id))).to_string()
                                title="Highlight this segment on the scatter (press again to clear)"
                                on:click=move |_| state.toggle_highlight(job, id)>{id}</button></td>
                            <td>{p.size}</td>
                            <td>{format!("{:.1}%", p.share * 100.0)}</td>
                            <td class="apart">{apart(p)}</td>
                            <td class="flags">{p.flags.join("; ")}</td>
                            <td class="actions">
                                <input type="text" class="segment-actions" aria-label=format!("Actions for segment {id}")
                                    placeholder="(none suggested)"
                                    prop:value=move || state.actions.with(|a| a.get(id - 1).cloned().unwrap_or_default())
                                    on:change=move |ev| state.set_actions(id, &event_target_value(&ev))/>
                            </td>
                            {p.means.iter().zip(&seg.overall_means).map(|(m, o)| view! {
                                <td title=format!("all accounts: {}", fmt_num(*o))>{fmt_num(*m)}<small>{format!(" / {}", fmt_num(*o))}</small></td>
                            }).collect_view()}
                        </tr>
                    }}).collect_view()}
                </tbody>
                <tfoot>
                    {(seg.noise > 0).then(|| view! {
                        <tr>
                            <th scope="row"><span class="swatch seg-noise"></span>"Noise"</th>
                            <td>"noise"</td>
                            <td>{seg.noise}</td>
                            <td>{format!("{:.1}%", seg.noise as f64 * 100.0 / ft.ids.len() as f64)}</td>
                            <td>"not assigned to any segment (HDBSCAN)"</td>
                            <td></td>
                            <td></td>
                        </tr>
                    })}
                    <tr>
                        <th scope="row">"All"</th>
                        <td></td>
                        <td>{ft.ids.len()}</td>
                        <td>"100%"</td>
                        <td></td>
                        <td></td>
                        <td></td>
                        {seg.overall_means.iter().map(|o| view! { <td>{fmt_num(*o)}</td> }).collect_view()}
                    </tr>
                </tfoot>
            </table>
        </div>
        <div class="downloads">
            <button class="secondary" on:click=move |_| state.download_summary(false)>"Download summary CSV"</button>
            <button class="secondary" on:click=move |_| state.download_summary(true)>"Download summary JSON"</button>
            <button class="secondary" on:click=move |_| state.download_report()>"Download report"</button>
        </div>
        <p class="hint">{format!(
            "Each cell: segment mean / mean of all accounts, in the feature's raw unit. {} after the transform (see Feature transforms).",
            if unit == "SD" { "SD = standard deviations from the overall mean" } else { "IQR = interquartile ranges from the overall median" }
        )}</p>
    }
}
