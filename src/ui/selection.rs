//! Table **Selected accounts**: the accounts inside the box drawn on the
//! scatter (shift-drag, or **Box select**), searchable by id (input
//! **Search accounts**), sortable by any column (the header buttons), with
//! **Download selection** and **Clear selection**. The table is virtualised:
//! only the rows in its scrolled window (and a few either side) are in the
//! document, so a box around 100,000 accounts costs as little as one
//! around ten.

use super::file_text::FileText;
use super::state::AppState;
use crate::view_model::explore::{selected_rows, Selection, SortKey};
use crate::view_model::{fmt_num, ResultView};
use leptos::prelude::*;
use std::sync::Arc;

/// Height of a row and of the scrolled window, CSS pixels (style/main.css
/// gives the rows this height).
const ROW_PX: f64 = 28.0;
const WINDOW_PX: f64 = 336.0;
/// Rows rendered above and below the window.
const OVERSCAN: usize = 8;

/// The selection panel of the result shown, when a box was drawn on it.
#[component]
pub fn SelectedAccounts() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let r = state.result.get()?;
        let sel = state.selection.get().filter(|s| s.job == r.job)?;
        Some(view! { <SelectionTable r=r sel=sel/> })
    }
}

#[component]
fn SelectionTable(r: ResultView, sel: Selection) -> impl IntoView {
    let state = expect_context::<AppState>();
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new((SortKey::Account, false));
    let scroll = RwSignal::new(0.0f64);
    let (ft, seg) = (r.ft.clone(), r.seg.clone());
    // The features shown: the clustering's, in table order.
    let shown: Arc<Vec<usize>> = Arc::new(seg.used.clone());
    let rows = {
        let (ft, seg, sel) = (ft.clone(), seg.clone(), sel.clone());
        Memo::new(move |_| {
            let (key, desc) = sort.get();
            Arc::new(selected_rows(&ft, &seg, &sel.rows, &search.get(), &key, desc))
        })
    };
    let header = move |label: String, key: SortKey, from_file: bool| {
        let k2 = key.clone();
        let aria_sort = move || match sort.get() {
            (k, false) if k == k2 => "ascending",
            (k, true) if k == k2 => "descending",
            _ => "none",
        };
        view! {
            <th scope="col" aria-sort=aria_sort>
                <button class="sort" on:click=move |_| sort.update(|(k, d)| {
                    if *k == key { *d = !*d } else { (*k, *d) = (key.clone(), false) }
                })>
                    {if from_file { view! { <FileText text=label fixed=true/> }.into_any() } else { label.into_any() }}
                </button>
            </th>
        }
    };
    let n_cols = 2 + shown.len();
    let body = {
        let (ft, seg, shown) = (ft.clone(), seg.clone(), shown.clone());
        move || {
            let rows = rows.get();
            let first = ((scroll.get() / ROW_PX) as usize).saturating_sub(OVERSCAN).min(rows.len());
            let last = (first + (WINDOW_PX / ROW_PX) as usize + 2 * OVERSCAN).min(rows.len());
            let names = state.names.get();
            let top = first as f64 * ROW_PX;
            let bottom = (rows.len() - last) as f64 * ROW_PX;
            let spacer = move |h: f64| {
                (h > 0.0).then(|| {
                    view! { <tr class="spacer" aria-hidden="true"><td colspan=n_cols style:height=format!("{h}px")></td></tr> }
                })
            };
            view! {
                {spacer(top)}
                {rows[first..last].iter().enumerate().map(|(n, &i)| {
                    let s = seg.segments[i];
                    let name = if s == 0 { "noise".to_string() } else { format!("{s} · {}", names.get(s - 1).cloned().unwrap_or_default()) };
                    view! {
                        <tr aria-rowindex=(first + n + 2).to_string()>
                            <th scope="row"><FileText text=ft.ids[i].clone() fixed=true/></th>
                            <td><FileText text=name fixed=true/></td>
                            {shown.iter().map(|&j| view! { <td class="num">{fmt_num(ft.values[[i, j]])}</td> }).collect_view()}
                        </tr>
                    }
                }).collect_view()}
                {spacer(bottom)}
            }
        }
    };
    let count = sel.rows.len();
    let caption = format!(
        "Accounts with PC{} from {} to {} and PC{} from {} to {}",
        sel.axes.x + 1,
        fmt_num(sel.x.0),
        fmt_num(sel.x.1),
        sel.axes.y + 1,
        fmt_num(sel.y.0),
        fmt_num(sel.y.1)
    );
    view! {
        // data-box: the box's exact corners (x0 x1 y0 y1, shortest round-trip
        // decimals, as the CSV downloads write numbers), for scripts to check against.
        <section class="selection" aria-label="Selection" data-box=format!("{} {} {} {}", sel.x.0, sel.x.1, sel.y.0, sel.y.1)>
            <h3>{format!("Selected accounts ({count})")}</h3>
            <p class="hint">{caption}</p>
            <div class="selection-tools">
                <input type="search" aria-label="Search accounts" placeholder="Search by account id"
                    prop:value=move || search.get()
                    on:input=move |ev| { search.set(event_target_value(&ev)); scroll.set(0.0); }/>
                <span role="status">{move || {
                    let shown = rows.with(|r| r.len());
                    if shown == count { format!("{count} accounts") } else { format!("{shown} of {count} accounts match") }
                }}</span>
                <button on:click=move |_| state.download_selection()>"Download selection"</button>
                <button class="secondary" on:click=move |_| state.selection.set(None)>"Clear selection"</button>
            </div>
            <div class="table-window" style:max-height=format!("{WINDOW_PX}px") tabindex="0"
                on:scroll=move |ev| scroll.set(event_target::<web_sys::Element>(&ev).scroll_top() as f64)>
                <table aria-label="Selected accounts" aria-rowcount=move || (rows.with(|r| r.len()) + 1).to_string()>
                    <thead><tr>
                        {header("Account".into(), SortKey::Account, false)}
                        {header("Segment".into(), SortKey::Segment, false)}
                        {shown.iter().map(|&j| header(ft.defs[j].key.clone(), SortKey::Feature(j), true)).collect_view()}
                    </tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}
