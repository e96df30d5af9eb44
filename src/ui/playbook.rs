//! Panel `details.playbook`, table **Playbook**: the rules that suggest
//! each segment's actions ([`crate::analysis::segmentation::PLAYBOOK`]),
//! each with the segments it holds for and its action as a text input
//! **Action for rule N**: an edit (or an empty text, which turns the rule
//! off) changes the suggested actions of every segment the user has not
//! edited by hand, in the summary, its downloads and the report. Button
//! **Restore playbook** brings back the playbook's own actions. The edits
//! last while the page is open, for every result.

use super::state::AppState;
use crate::analysis::segmentation::PLAYBOOK;
use crate::analysis::Segmentation;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn Playbook(seg: Arc<Segmentation>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = PLAYBOOK
        .iter()
        .enumerate()
        .map(|(r, rule)| {
            let holds: Vec<String> =
                seg.profiles.iter().filter(|p| p.playbook.contains(&r)).map(|p| p.id.to_string()).collect();
            let holds = if holds.is_empty() { "–".to_string() } else { holds.join(", ") };
            let n = r + 1;
            view! {
                <tr>
                    <td class="num">{n}</td>
                    <td>{rule.when}</td>
                    <td class="num">{holds}</td>
                    <td>
                        <input type="text" class="playbook-action" aria-label=format!("Action for rule {n}")
                            prop:value=move || state.playbook.with(|p| p.get(r).cloned().unwrap_or_default())
                            on:change=move |ev| state.set_playbook(Some((n, &event_target_value(&ev))))/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="playbook">
            <summary>"Playbook: the rules behind the suggested actions (editable)"</summary>
            <table aria-label="Playbook" class="small">
                <thead><tr><th scope="col">"Rule"</th><th scope="col">"When the segment…"</th>
                    <th scope="col">"Holds for segments"</th><th scope="col">"Action"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="hint">"A segment is suggested the actions of the first three rules that hold for it, in this order. Edit an action to change it for every segment it holds for; empty it to turn the rule off. Actions typed in the Segment summary stay as typed. The edits last while this page is open."</p>
            <button class="secondary" on:click=move |_| state.set_playbook(None)>"Restore playbook"</button>
        </details>
    }
}
