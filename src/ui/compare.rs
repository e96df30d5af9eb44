//! View **Compare periods** (a region of that name): file input **Upload
//! next period** and button **Score the sample's next period** score a second file
//! with the model of the result on screen; then the verdict (**Refit
//! recommended** or **Segments still hold**, paragraph `p.verdict`), table
//! **Segment migration** (counts; each cell's share of its row on hover)
//! with a Sankey diagram of the same flows, table **Feature drift**, table
//! **Segment health**, the downloads, and button **Refit on next period**,
//! after which table **Segment matching** says what became of each
//! segment. The comparison is computed on the page ([`NextPeriod::of`])
//! when the next period's result arrives.

use super::file_text::FileText;
use super::state::{AppState, ComparisonFile};
use crate::view_model::colours::segment_colour;
use crate::view_model::compare::{segment_name, NextPeriod};
use crate::view_model::fmt_num;
use leptos::prelude::*;

/// Sankey diagram of the migration: first-period rows on the left, next
/// period's columns on the right, bands as wide as their account counts.
fn sankey(next: &NextPeriod, names: &[String]) -> impl IntoView {
    let m = &next.comparison.migration;
    // Room each side for a label: "Segment N · " and a name cut to fit.
    let (w, h, node, gap, side) = (760.0, 280.0, 14.0, 6.0, 190.0);
    let rows: Vec<usize> = (0..=m.k_before + 1).filter(|&r| m.row_total(r) > 0).collect();
    let col_total = |c: usize| m.counts.iter().map(|r| r[c]).sum::<usize>();
    let cols: Vec<usize> = (0..=m.k_after + 1).filter(|&c| col_total(c) > 0).collect();
    let total = m.counts.iter().flatten().sum::<usize>().max(1) as f64;
    // One scale for nodes and bands, so that the bands fill their nodes.
    let unit = (h - gap * (rows.len().max(cols.len()).max(1) - 1) as f64) / total;
    let scale = |n: usize| n as f64 * unit;
    let colour = |s: usize, last: usize| if s == last { "#9a9a9a".to_string() } else { segment_colour(s) };
    // At most `max` characters (hidden ones spelled out): 24 of the labels' 12 px
    // text fit the 190 px each side (28 at the page's 16 px ran off the plot).
    let label_of = |s: usize, last: usize, end: &str, max: usize| {
        if s == last {
            end.to_string()
        } else {
            crate::view_model::display::escaped_short(&segment_name(s, names), max)
        }
    };
    let label = |s: usize, last: usize, end: &str| label_of(s, last, end, 24);
    // In a band's or node's tooltip: the whole name.
    let full = |s: usize, last: usize, end: &str| label_of(s, last, end, 200);
    // Node tops.
    let mut y = 0.0;
    let left: Vec<(usize, f64)> = rows
        .iter()
        .map(|&r| {
            let top = y;
            y += scale(m.row_total(r)) + gap;
            (r, top)
        })
        .collect();
    y = 0.0;
    let right: Vec<(usize, f64)> = cols
        .iter()
        .map(|&c| {
            let top = y;
            y += scale(col_total(c)) + gap;
            (c, top)
        })
        .collect();
    let mut out_y: Vec<f64> = left.iter().map(|l| l.1).collect();
    let mut in_y: Vec<f64> = right.iter().map(|r| r.1).collect();
    let (x0, x1) = (side + node, w - side - node);
    let mut bands = Vec::new();
    for (li, &(r, _)) in left.iter().enumerate() {
        for (ri, &(c, _)) in right.iter().enumerate() {
            let n = m.counts[r][c];
            if n == 0 {
                continue;
            }
            let t = scale(n);
            let (a, b) = (out_y[li], in_y[ri]);
            out_y[li] += t;
            in_y[ri] += t;
            let xm = (x0 + x1) / 2.0;
            let d = format!(
                "M{x0:.1},{a:.1} C{xm:.1},{a:.1} {xm:.1},{b:.1} {x1:.1},{b:.1} L{x1:.1},{:.1} C{xm:.1},{:.1} {xm:.1},{:.1} {x0:.1},{:.1} Z",
                b + t,
                b + t,
                a + t,
                a + t
            );
            let title = format!("{} to {}: {n}", full(r, m.k_before + 1, "New"), full(c, m.k_after + 1, "Churned"));
            bands.push(
                view! { <path d=d fill=colour(r, m.k_before + 1) fill-opacity="0.45"><title>{title}</title></path> },
            );
        }
    }
    let nodes_left = left
        .iter()
        .map(|&(r, top)| {
            let hgt = scale(m.row_total(r));
            view! {
                <rect x=format!("{:.1}", x0 - node) y=format!("{top:.1}") width=node height=format!("{hgt:.1}") fill=colour(r, m.k_before + 1)/>
                <text x=format!("{:.1}", x0 - node - 4.0) y=format!("{:.1}", top + hgt / 2.0 + 4.0) text-anchor="end">{label(r, m.k_before + 1, "New")}<title>{full(r, m.k_before + 1, "New")}</title></text>
            }
        })
        .collect_view();
    let nodes_right = right
        .iter()
        .map(|&(c, top)| {
            let hgt = scale(col_total(c));
            view! {
                <rect x=format!("{x1:.1}") y=format!("{top:.1}") width=node height=format!("{hgt:.1}") fill=colour(c, m.k_after + 1)/>
                <text x=format!("{:.1}", x1 + node + 4.0) y=format!("{:.1}", top + hgt / 2.0 + 4.0)>{label(c, m.k_after + 1, "Churned")}<title>{full(c, m.k_after + 1, "Churned")}</title></text>
            }
        })
        .collect_view();
    view! {
        <svg class="sankey" role="img" aria-label="Segment migration flows" font-size="12" viewBox=format!("0 -4 {w} {}", h + 8.0) width=w height=h + 8.0>
            <title>"Accounts from this period's segments (left) to the next period's (right)"</title>
            {bands}
            {nodes_left}
            {nodes_right}
        </svg>
    }
}

#[component]
pub fn CompareView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            let name = file.name();
            state.score_next(file.into(), name);
        }
        input.set_value("");
    };
    let body = move || {
        state.next.get().map(|next| {
            let names = state.names.get();
            let (header, rows) = next.migration_table(&names);
            // Names can hold a column's name (a customer table's): hidden characters spelled out.
            let head = header.into_iter().map(|h| view! { <th scope="col"><FileText text=h/></th> }).collect_view();
            let body = rows
                .into_iter()
                .map(|(name, cells)| {
                    let cells = cells.into_iter().map(|(n, share)| view! { <td title=share>{n}</td> }).collect_view();
                    view! { <tr><th scope="row"><FileText text=name/></th>{cells}</tr> }
                })
                .collect_view();
            let drift = next
                .drift_rows()
                .into_iter()
                .map(|[key, psi, level, ks, before, after, used]| {
                    let class = if level.is_empty() { String::new() } else { format!("drift-{level}") };
                    view! { <tr class=class><th scope="row">{key}</th><td>{psi}</td><td>{level}</td><td>{ks}</td><td>{before}</td><td>{after}</td><td>{used}</td></tr> }
                })
                .collect_view();
            let health = next
                .health_rows(&names)
                .into_iter()
                .map(|[name, b, a, d, sb, sa, tb, ta]| view! { <tr><th scope="row"><FileText text=name/></th><td>{b}</td><td>{a}</td><td>{d}</td><td>{sb}</td><td>{sa}</td><td>{tb}</td><td>{ta}</td></tr> })
                .collect_view();
            let c = &next.comparison;
            let recon = format!(
                "PCA reconstruction error (mean squared, scaled units, components keeping 90 % of the variance): {} this period, {} next period. Accounts nearly tied between two segments: {} and {}.",
                fmt_num(c.reconstruction_before),
                fmt_num(c.reconstruction_after),
                pct(c.near_tie_before),
                pct(c.near_tie_after)
            );
            let unit = next.seg.anomaly_unit.clone();
            view! {
                <p class="verdict" class:refit=c.verdict.refit>{next.verdict_text()}</p>
                <p class="hint">{format!("Next period: {}, {} accounts, scored with this period's model (no refit).", next.name, next.ft.ids.len())}</p>
                <table aria-label="Segment migration">
                    <caption>"Segment migration: accounts from this period's segments (rows; New = only in the next period) to the next period's (columns; Churned = no row in it). Hover a cell for its share of the row."</caption>
                    <thead><tr>{head}</tr></thead>
                    <tbody>{body}</tbody>
                </table>
                {sankey(&next, &names)}
                <table aria-label="Feature drift">
                    <caption>"Feature drift, largest first: population stability index (PSI, deciles of this period; 0.1 moderate, 0.25 major), two-sample Kolmogorov-Smirnov statistic, and the medians."</caption>
                    <thead><tr><th scope="col">"Feature"</th><th scope="col">"PSI"</th><th scope="col">"Drift"</th><th scope="col">"KS"</th><th scope="col">"Median this period"</th><th scope="col">"Median next period"</th><th scope="col">"Defines segments"</th></tr></thead>
                    <tbody>{drift}</tbody>
                </table>
                <table aria-label="Segment health">
                    <caption>{format!("Segment health: accounts, mean anomaly score ({unit}) and share of accounts nearly tied with another segment, each period.")}</caption>
                    <thead><tr><th scope="col">"Segment"</th><th scope="col">"Accounts"</th><th scope="col">"Next period"</th><th scope="col">"Change"</th><th scope="col">"Mean score"</th><th scope="col">"Next period"</th><th scope="col">"Near ties"</th><th scope="col">"Next period"</th></tr></thead>
                    <tbody>{health}</tbody>
                </table>
                <p>{recon}</p>
                <button on:click=move |_| state.download_comparison(ComparisonFile::Migration)>"Download migration"</button>
                <button on:click=move |_| state.download_comparison(ComparisonFile::Drift)>"Download drift"</button>
                <button on:click=move |_| state.download_comparison(ComparisonFile::Assignments)>"Download next-period assignments"</button>
                <button on:click=move |_| state.refit_next()>"Refit on next period"</button>
            }
        })
    };
    view! {
        <section class="compare" role="region" aria-label="Compare periods" class:hidden=move || state.result.with(|r| r.is_none())>
            <h2>"Compare periods"</h2>
            <p class="hint">"Score the next period's file with these segments (no refit): who moved, which features drifted, and whether to refit."</p>
            <label class="file">
                <span>"Upload next period: "</span>
                <input type="file" aria-label="Upload next period" accept=crate::ui::controls::DATA_FILES on:change=on_file/>
            </label>
            <button class="secondary" on:click=move |_| state.load_sample_next_period()>"Score the sample's next period"</button>
            {body}
            {move || state.matching.get().map(|rows| {
                let rows = rows.into_iter().map(|[a, b]| view! { <tr><th scope="row"><FileText text=a/></th><td>{b}</td></tr> }).collect_view();
                view! {
                    <table aria-label="Segment matching">
                        <caption>"Refit on the next period: what became of this file's previous segments (Hungarian matching on member overlap and centre distance; MONIC's survived, split, merged, disappeared, emerged). Matched segments keep their numbers and colours."</caption>
                        <thead><tr><th scope="col">"Previous segment"</th><th scope="col">"Now"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            })}
        </section>
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1} %", 100.0 * v)
    } else {
        "–".into()
    }
}
