//! Table **Feature transforms**: per feature its skewness, missing values,
//! the transform applied and a select **Transform of <feature>** to
//! override it (the panel's open state outlives each result).

use super::file_text::FileText;
use super::state::AppState;
use crate::analysis::{Scaling, Segmentation, TransformChoice};
use crate::features::FeatureTable;
use crate::view_model::display::escaped;
use crate::view_model::OptionValue;
use leptos::prelude::*;
use std::sync::Arc;

/// The choices offered for each feature, in order, with their labels.
const CHOICES: [(TransformChoice, &str); 4] = [
    (TransformChoice::Auto, "auto (by skewness)"),
    (TransformChoice::None, "none"),
    (TransformChoice::Log1p, "sign(x)·ln(1 + |x|)"),
    (TransformChoice::YeoJohnson, "Yeo-Johnson"),
];

/// The transforms of result `ft`/`seg`; `open`: whether the panel is open
/// (kept by the results area across results).
#[component]
pub fn Transforms(ft: Arc<FeatureTable>, seg: Arc<Segmentation>, open: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
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
                        let chosen = st.choice;
                        view! {
                            <tr>
                                <th scope="row"><FileText text=key.clone()/></th>
                                <td>{format!("{:+.2}", st.skewness)}</td>
                                <td>{st.imputed}</td>
                                <td>{applied}</td>
                                <td>
                                    <select aria-label=format!("Transform of {}", escaped(&key)) on:change=move |ev| {
                                        let c = TransformChoice::from_value(&event_target_value(&ev)).unwrap_or(TransformChoice::Auto);
                                        state.set_transform(ft_key.clone(), c);
                                    }>
                                        {CHOICES
                                            .into_iter()
                                            .map(|(c, l)| view! { <option value=c.value() selected=c == chosen>{l}</option> })
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
