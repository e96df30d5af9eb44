//! View **Risk** (a region of that name): the stress scenario's inputs
//! **Price shock (%)** and **Maintenance margin (%)**, table **Risk by
//! segment** (one body row per segment), the margin rule's and the red-flag
//! rules' thresholds, table **Red flags** (one row per flagged account) and
//! button **Download watchlist**. Everything is computed on the page from
//! the result on screen ([`RiskReport`]): a changed threshold updates the
//! tables without reading or segmenting again.

use super::file_text::FileText;
use super::state::AppState;
use crate::view_model::risk::{RiskField, RiskReport, RISK_COLUMNS, STRESS_APPROXIMATION};
use leptos::prelude::*;

/// Rows of table **Red flags** the page shows (the watchlist has them all): drawing all
/// 452 of the 1M-trade benchmark file gave two main-thread tasks over 50 ms (longest
/// 83-143 ms) where drawing none gave one.
const FLAGS_SHOWN: usize = 100;

/// One number input per field, showing the state's value (a refused value is redrawn from it).
fn inputs(state: AppState, fields: &'static [RiskField]) -> impl IntoView {
    fields
        .iter()
        .map(|&f| {
            let taken = Trigger::new();
            let (lo, hi, whole) = f.range();
            view! {
                <label>
                    {format!("{} ", f.label())}
                    <input type="number" min=lo max=hi step=if whole { "1" } else { "any" } aria-label=f.label()
                        prop:value=move || { taken.track(); state.risk.with(|p| f.get(p).to_string()) }
                        on:change=move |ev| if !state.set_risk(f, &event_target_value(&ev)) { taken.notify() }/>
                </label>
            }
        })
        .collect_view()
}

#[component]
pub fn RiskView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let report = Memo::new(move |_| {
        state.result.with(|r| r.as_ref().and_then(|r| RiskReport::of(&r.ft, &r.seg, &state.risk.get())))
    });
    let is_trades = move || state.result.with(|r| r.as_ref().is_some_and(|r| r.ft.risk.is_some()));
    let segment_rows = move || {
        report.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.segment_rows()
                        .into_iter()
                        .map(|cells| {
                            let mut cells = cells.into_iter();
                            let head = cells.next().unwrap_or_default();
                            let name = match head.parse::<usize>() {
                                Ok(s) => state.names.with(|n| n.get(s.wrapping_sub(1)).cloned().unwrap_or_default()),
                                Err(_) => "Noise".to_string(),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{head}</th>
                                    <td><FileText text=name/></td>
                                    {cells.map(|c| view! { <td>{c}</td> }).collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()
                })
                .unwrap_or_default()
        })
    };
    let flag_rows = move || {
        let (rows, n) = state.result.with(|res| {
            report.with(|r| match (res, r) {
                (Some(res), Some(r)) => (r.flag_rows(&res.ft, &res.seg, FLAGS_SHOWN), r.flagged.len()),
                _ => (Vec::new(), 0),
            })
        });
        let names = state.names.get();
        let shown = rows
            .into_iter()
            .map(|[id, rules, evidence, segment]| {
                // The segment's number and its name in force (noise has none).
                let name = segment.parse::<usize>().ok().and_then(|s| names.get(s.wrapping_sub(1)).cloned());
                let segment = match name {
                    Some(n) => format!("{segment} · {n}"),
                    None => segment,
                };
                view! {
                    <tr><td class="account"><FileText text=id/></td><td>{rules}</td><td class="evidence">{evidence}</td><td><FileText text=segment fixed=true/></td></tr>
                }
            })
            .collect_view();
        (shown, n)
    };
    let missing = move || report.with(|r| r.as_ref().map(|r| r.missing.clone()).unwrap_or_default());
    view! {
        <section class="risk" aria-label="Risk" class:hidden=move || state.result.with(|r| r.is_none())>
            <h2>"Risk"</h2>
            <Show when=is_trades fallback=|| view! {
                <p class="hint">"The risk view needs trades (fills with an account column): this file was read as transactions or a customer table."</p>
            }>
                <p class="hint">{STRESS_APPROXIMATION}</p>
                <ul class="missing">{move || missing().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                <div class="settings">{inputs(state, &RiskField::STRESS)}</div>
                <div class="table-wrap">
                    <table aria-label="Risk by segment" class="small">
                        <thead><tr>
                            <th scope="col">{RISK_COLUMNS[0]}</th>
                            <th scope="col">"Name"</th>
                            {RISK_COLUMNS[1..].iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                        </tr></thead>
                        <tbody>{segment_rows}</tbody>
                    </table>
                </div>
                <details class="margin-rule">
                    <summary>"Margin rule: the base, plus a step for each condition a segment meets, up to the cap"</summary>
                    <div class="settings">{inputs(state, &RiskField::MARGIN)}</div>
                </details>
                <details class="flag-rules">
                    <summary>"Red-flag rules (round trips: a buy and a sell of one instrument, quantities within 0.1 %, at most 60 s apart)"</summary>
                    <div class="settings">{inputs(state, &RiskField::FLAGS)}</div>
                </details>
                {move || {
                    let (rows, n) = flag_rows();
                    view! {
                        <p class="hint">{match n {
                            0 => "No account meets a red-flag rule.".to_string(),
                            n if n > FLAGS_SHOWN => format!("{n} accounts flagged: the first {FLAGS_SHOWN} are listed; the watchlist has all of them."),
                            n => format!("{n} accounts flagged."),
                        }}</p>
                        <div class="table-wrap">
                            <table aria-label="Red flags" class="small">
                                <thead><tr>
                                    <th scope="col">"Account"</th><th scope="col">"Rules"</th>
                                    <th scope="col">"Evidence"</th><th scope="col">"Segment"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }
                }}
                <button on:click=move |_| state.download_watchlist()>"Download watchlist"</button>
            </Show>
        </section>
    }
}
