//! The **Column mapping** panel: the file's summary, its data kind, a
//! column per role, the timestamp format, and the mapping's notes. Every
//! change goes to [`AppState::edit_mapping`] and the analysis runs again.

use super::file_text::{option_text, FileText, MessageText};
use super::state::AppState;
use crate::features::count_of;
use crate::ingest::time::TimeFormat;
use crate::ingest::{DataKind, Mapping, Role};
use crate::job::MappingEdit;
use crate::view_model::display::escaped;
use crate::view_model::{Loaded, OptionValue};
use leptos::prelude::*;

/// The panel, once a file has been read and its mapping has come back.
#[component]
pub fn ColumnMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || state.loaded.get().zip(state.mapping.get()).map(|(l, m)| view! { <MappingPanel loaded=l mapping=m/> })
}

#[component]
fn MappingPanel(loaded: Loaded, mapping: Mapping) -> impl IntoView {
    let state = expect_context::<AppState>();
    let table = loaded.summary.clone();
    let headers = table.headers.clone();
    let kind = mapping.kind;
    let roles: Vec<Role> = if kind == DataKind::CustomerTable { vec![Role::Account] } else { Role::ALL.to_vec() };
    let on_kind = move |ev: leptos::ev::Event| {
        let kind = DataKind::from_value(&event_target_value(&ev)).unwrap_or(DataKind::CustomerTable);
        state.edit_mapping(MappingEdit::Kind(kind));
    };
    let summary = format!(
        ": {} rows x {} columns, {}-separated{}",
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
        // "" (not readable) is offered but disabled: the first format.
        let format = TimeFormat::from_value(&event_target_value(&ev)).unwrap_or(TimeFormat::ALL[0]);
        state.edit_mapping(MappingEdit::TimeFormat(format));
    };
    let format_select = (kind != DataKind::CustomerTable && mapping.get(Role::Timestamp).is_some()).then(|| {
        view! {
            <label>
                "Timestamp format"
                <select aria-label="Timestamp format" on:change=on_format>
                    <option value="" selected=current_format.is_none() disabled=true>"(not readable)"</option>
                    {TimeFormat::ALL.iter().map(|f| view! {
                        <option value=f.value() selected=current_format == Some(*f)>{f.describe()}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    });
    let kind_option = move |k: DataKind| view! { <option value=k.value() selected=kind == k>{k.label()}</option> };
    view! {
        <details class="mapping" open>
            <summary>"Column mapping"</summary>
            <p class="file-summary"><FileText text=loaded.name.clone()/>{summary}</p>
            <div class="roles">
                <label>
                    "Data is "
                    <select aria-label="Data kind" on:change=on_kind>
                        {kind_option(DataKind::Trades)}
                        {kind_option(DataKind::Transactions)}
                        {kind_option(DataKind::CustomerTable)}
                    </select>
                </label>
                {roles.into_iter().map(|role| {
                    let current = mapping.get(role);
                    let on_role = move |ev: leptos::ev::Event| {
                        state.edit_mapping(MappingEdit::Role(role, event_target_value(&ev).parse::<usize>().ok()));
                    };
                    view! {
                        <label>
                            {role.label()}
                            <select aria-label=role.label() on:change=on_role>
                                <option value="" selected=current.is_none()>"(not used)"</option>
                                {headers.iter().enumerate().map(|(i, h)| view! {
                                    <option value=i.to_string() selected=current == Some(i) title=(option_text(h) != *h).then(|| escaped(h))>{option_text(h)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view()}
                {format_select}
            </div>
            <ul class="notes">
                {time_note.map(|n| view! { <li>{n}</li> })}
                {mapping.notes.iter().map(|n| view! { <li><MessageText text=n.clone()/></li> }).collect_view()}
            </ul>
        </details>
    }
}
