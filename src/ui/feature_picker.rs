//! Panel **Features for clustering**: select **Feature set** (behaviour,
//! all, custom), checkbox **Balance feature families**, a checkbox **Use
//! <key> for clustering** per feature grouped by family, and table
//! **Feature correlations** of the features in use. A change runs the
//! analysis again on the features already computed (no new read).

use super::file_text::FileText;
use super::state::AppState;
use crate::features::{Family, FeatureRole};
use crate::view_model::display::escaped;
use crate::view_model::quality::{duplicate_pairs, DUPLICATES_LISTED};
use crate::view_model::OptionValue;
use leptos::prelude::*;

/// The panel, once a file has been read: the preset and balance controls
/// at once, the checkboxes and correlations once a result has come back
/// (they stay after a failed run, so that a choice that failed can be
/// undone). Owns whether the correlations are open, across results.
#[component]
pub fn FeaturePicker() -> impl IntoView {
    let state = expect_context::<AppState>();
    let corr_open = RwSignal::new(false);
    move || state.loaded.get().map(|_| view! { <Picker corr_open=corr_open/> })
}

/// One checkbox: feature key, used for clustering, a descriptor.
type Member = (String, bool, bool);

#[component]
fn Picker(corr_open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let set_value = move || state.settings.with(|s| s.features.value());
    // With a model loaded, the model's clustering space decides.
    let by_model = move || state.model.with(|m| m.is_some());
    let groups = move || {
        let Some(r) = state.last.get() else { return Vec::new() };
        let settings = state.settings.get();
        // Families in the picker's order, then a customer table's own columns.
        let mut groups: Vec<(String, Vec<Member>)> = Vec::new();
        let families = Family::ALL.iter().map(|&f| Some(f)).chain([None]);
        for fam in families {
            let members: Vec<(String, bool, bool)> =
                r.ft.defs
                    .iter()
                    .filter(|d| d.family() == fam)
                    .map(|d| (d.key.clone(), settings.features.uses(d), d.role() == FeatureRole::Descriptor))
                    .collect();
            if !members.is_empty() {
                groups.push((fam.map_or("columns of the table".to_string(), |f| f.label().to_string()), members));
            }
        }
        groups
    };
    view! {
        <details class="features" open>
            <summary>"Features for clustering"</summary>
            <p class="feature-set">
                <label>"Feature set "
                    <select disabled=by_model aria-label="Feature set" on:change=move |ev| state.set_feature_set(&event_target_value(&ev))>
                        {[("behaviour", "behaviour (default)"), ("all", "all features"), ("custom", "custom")]
                            .into_iter()
                            .map(|(v, l)| view! { <option value=v prop:selected=move || set_value() == v>{l}</option> })
                            .collect_view()}
                    </select>
                </label>
                " "
                <label>
                    <input type="checkbox" disabled=by_model aria-label="Balance feature families"
                        prop:checked=move || state.settings.with(|s| s.balance_families)
                        on:change=move |ev| state.set_balance_families(event_target_checked(&ev))/>
                    " Balance feature families"
                </label>
            </p>
            <div class="feature-groups">
                {move || groups().into_iter().map(|(family, members)| view! {
                    <fieldset disabled=by_model>
                        <legend>{family}</legend>
                        {members.into_iter().map(|(key, used, descriptor)| {
                            let k = key.clone();
                            view! {
                                <label class:descriptor=descriptor>
                                    <input type="checkbox" aria-label=format!("Use {} for clustering", escaped(&key)) prop:checked=used
                                        on:change=move |ev| state.set_feature_used(&k, event_target_checked(&ev))/>
                                    " "<FileText text=key fixed=true/>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                }).collect_view()}
            </div>
            <p class="hint">"Behaviour features (how often, how large, which instruments, how much risk) define the segments; outcomes (realized PnL, win rate, fees) describe them: they are in the summary and the export either way. Balancing gives each family the same weight in the distance (each feature times 1/√(features in its family))."</p>
            <Correlations open=corr_open/>
        </details>
    }
}

/// Most features a side of table **Feature correlations** shows.
const CORRELATIONS_SHOWN: usize = 40;

/// Table **Feature correlations**: Pearson r between the features the
/// latest result clustered on (on the transformed values of its sample),
/// with a button to leave out one of each near-duplicate pair. The table is
/// built only while its panel is open: a few hundred styled cells took
/// about 0.1 s of the page's thread, in the task that shows a result.
#[component]
fn Correlations(open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let r = state.last.get()?;
        let (ft, seg) = (r.ft.clone(), r.seg.clone());
        // At most CORRELATIONS_SHOWN features a side: 200 of them would be 40,000 cells in one task.
        let used = seg.used.len();
        let names: Vec<String> = seg.used.iter().take(CORRELATIONS_SHOWN).map(|&j| ft.defs[j].key.clone()).collect();
        let cut = (used > names.len()).then(|| {
            format!(
                "The first {} of the {used} features used are shown ({} more not shown).",
                names.len(),
                used - names.len()
            )
        });
        let dups = duplicate_pairs(&seg);
        // Colour by class (the locked policy forbids inline styles): blue for
        // positive, red for negative, in steps of 0.25.
        let cell = move |v: f64| {
            let step = (v * 4.0).round().clamp(-4.0, 4.0) as i32;
            match step {
                0 => "corr-0".to_string(),
                s if s > 0 => format!("corr-p{s}"),
                s => format!("corr-n{}", -s),
            }
        };
        Some(view! {
            <details class="correlations" prop:open=move || open.get_untracked()
                on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                <summary>{format!("Correlations of the {used} features used (sample of {} accounts)", seg.sample_size)}</summary>
                {cut.map(|c| view! { <p class="hint">{c}</p> })}
                {move || open.get().then(|| { let names = names.clone(); let seg = seg.clone(); view! {
                <table aria-label="Feature correlations" class="small heatmap">
                    <thead><tr>
                        <th scope="col"><span class="visually-hidden">"Feature"</span></th>
                        {names.iter().map(|n| view! { <th scope="col" class="rot"><FileText text=n.clone() fixed=true/></th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {names.iter().enumerate().map(|(a, n)| view! {
                            <tr>
                                <th scope="row"><FileText text=n.clone()/></th>
                                {(0..names.len()).map(|b| {
                                    let v = seg.correlation[[a, b]];
                                    view! { <td class=cell(v) title=format!("r = {v:+.2}")>{format!("{v:+.1}")}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                }})}
            </details>
            {dups.into_iter().take(DUPLICATES_LISTED).map(|(a, b, r)| {
                let drop = ft.defs[b].key.clone();
                let (shown_drop, other) = (drop.clone(), ft.defs[a].key.clone());
                view! {
                    <button on:click=move |_| state.set_feature_used(&drop, false)>
                        "Drop the duplicate "<FileText text=shown_drop fixed=true/>
                        {format!(" (r = {r:+.2} with ")}<FileText text=other fixed=true/>")"
                    </button>
                }
            }).collect_view()}
        })
    }
}
