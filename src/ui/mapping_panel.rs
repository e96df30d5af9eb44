//! The **Column mapping** panel: the file's summary, its data kind, a
//! column per role, the timestamp format, and the mapping's notes. Every
//! change goes to [`AppState::edit_mapping`] and the analysis runs again.
//!
//! A file of more than [`WIDE_COLUMNS`](crate::view_model::columns::WIDE_COLUMNS) columns gets bounded selects (see
//! [`crate::view_model::columns`]) and a text input **Find a column** whose
//! suggestions (a `datalist` of at most [`FOUND_LISTED`]) add the column
//! picked to every select.

use super::file_text::{option_text, FileText, MessageText};
use super::state::AppState;
use crate::features::count_of;
use crate::ingest::time::TimeFormat;
use crate::ingest::{DataKind, Mapping, Role};
use crate::job::MappingEdit;
use crate::view_model::columns::{choices, column_named, find_columns, is_wide, wide_note, FOUND_LISTED};
use crate::view_model::display::escaped;
use crate::view_model::{Loaded, OptionValue};
use leptos::prelude::*;
use std::sync::Arc;

/// Columns added to a wide file's selects with **Find a column**, for the
/// file whose summary is at the address kept beside them (another file
/// starts again with none).
type Picked = RwSignal<(usize, Vec<usize>)>;

/// The panel, once a file has been read and its mapping has come back.
#[component]
pub fn ColumnMapping() -> impl IntoView {
    let state = expect_context::<AppState>();
    let picked: Picked = RwSignal::new((0, Vec::new()));
    move || {
        state
            .loaded
            .get()
            .zip(state.mapping.get())
            .map(|(l, m)| view! { <MappingPanel loaded=l mapping=m picked=picked/> })
    }
}

/// The input **Find a column** of a wide file: suggestions as its `datalist`;
/// a name picked (or typed whole, then Enter) is added to every select.
#[component]
fn FindColumn(table: Arc<crate::job::TableSummary>, picked: Picked) -> impl IntoView {
    let key = Arc::as_ptr(&table) as usize;
    let query = RwSignal::new(String::new());
    let added = RwSignal::new(None::<String>);
    let names = table.clone();
    let suggestions = move || {
        let found = find_columns(&names.headers, &query.get(), FOUND_LISTED);
        found.into_iter().map(|c| view! { <option value=names.headers[c].clone()></option> }).collect_view()
    };
    let on_change = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        match column_named(&table.headers, &text) {
            Some(c) => {
                picked.update(|(k, cols)| {
                    if *k != key {
                        (*k, *cols) = (key, Vec::new());
                    }
                    if !cols.contains(&c) {
                        cols.push(c);
                    }
                });
                added.set(Some(format!("Column \"{}\" added to every select.", escaped(&table.headers[c]))));
            }
            None if text.trim().is_empty() => added.set(None),
            None => added
                .set(Some(format!("No column is named \"{}\": pick one of the suggestions.", escaped(text.trim())))),
        }
    };
    view! {
        <label>
            "Find a column"
            <input type="text" aria-label="Find a column" list="column-suggestions" autocomplete="off"
                on:input=move |ev| query.set(event_target_value(&ev)) on:change=on_change/>
        </label>
        <datalist id="column-suggestions">{suggestions}</datalist>
        {move || added.get().map(|text| view! { <p role="status" class="hint">{text}</p> })}
    }
}

#[component]
fn MappingPanel(loaded: Loaded, mapping: Mapping, picked: Picked) -> impl IntoView {
    let state = expect_context::<AppState>();
    let table = loaded.summary.clone();
    let wide = is_wide(table.headers.len());
    // What was found with "Find a column" for this file (a new file starts with none).
    let key = Arc::as_ptr(&table) as usize;
    let found = move || picked.with(|(k, c)| if *k == key { c.clone() } else { Vec::new() });
    let kind = mapping.kind;
    let roles: Vec<Role> = if kind == DataKind::CustomerTable { vec![Role::Account] } else { Role::ALL.to_vec() };
    let on_kind = move |ev: leptos::ev::Event| {
        let kind = DataKind::from_value(&event_target_value(&ev)).unwrap_or(DataKind::CustomerTable);
        state.edit_mapping(MappingEdit::Kind(kind));
    };
    let summary = format!(
        ": {} rows x {} columns, {}{}",
        table.n_rows,
        table.headers.len(),
        if table.dialect.is_json() {
            "JSON".to_string()
        } else if table.dialect.is_parquet() {
            "Parquet".to_string()
        } else if table.dialect.is_workbook() {
            format!("sheet \"{}\" of a workbook", table.sheet.as_deref().unwrap_or_default())
        } else {
            format!("{}-separated", table.dialect.delimiter_name())
        },
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
                    "Data kind "
                    <select aria-label="Data kind" on:change=on_kind>
                        {kind_option(DataKind::Trades)}
                        {kind_option(DataKind::Transactions)}
                        {kind_option(DataKind::CustomerTable)}
                    </select>
                </label>
                {roles.into_iter().map(|role| {
                    let current = mapping.get(role);
                    let unit = current.and_then(|c| {
                        let label = mapping.unit_label(c)?;
                        Some(match mapping.summable(role) {
                            None => format!("Mixes units ({label}): not added up"),
                            Some(_) => format!("Unit: {label}"),
                        })
                    });
                    let on_role = move |ev: leptos::ev::Event| {
                        state.edit_mapping(MappingEdit::Role(role, event_target_value(&ev).parse::<usize>().ok()));
                    };
                    view! {
                        <label>
                            {role.label()}
                            <select aria-label=role.label() on:change=on_role>
                                <option value="" selected=current.is_none()>"(not used)"</option>
                                {let headers = table.clone(); move || choices(headers.headers.len(), current, &found()).into_iter().map(|i| { let h = &headers.headers[i]; view! {
                                    <option value=i.to_string() selected=current == Some(i) title=(option_text(h) != *h).then(|| escaped(h))>{option_text(h)}</option>
                                }}).collect_view()}
                            </select>
                            {unit.map(|u| view! { <span class="unit">{u}</span> })}
                        </label>
                    }
                }).collect_view()}
                {format_select}
                {wide.then(|| view! { <FindColumn table=table.clone() picked=picked/> })}
            </div>
            <ul class="notes">
                {wide.then(|| view! { <li>{wide_note(table.headers.len())}</li> })}
                {time_note.map(|n| view! { <li>{n}</li> })}
                {mapping.notes.iter().map(|n| view! { <li><MessageText text=n.clone()/></li> }).collect_view()}
            </ul>
        </details>
    }
}
