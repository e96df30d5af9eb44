//! Panel **Glossary** ([`crate::view_model::glossary::GLOSSARY`]): the
//! statistical terms of the results, explained.

use crate::view_model::glossary::GLOSSARY;
use leptos::prelude::*;

#[component]
pub fn Glossary() -> impl IntoView {
    view! {
        <details class="glossary">
            <summary>"Glossary: silhouette, Calinski-Harabasz, Davies-Bouldin, ARI, Yeo-Johnson, PC1/PC2, ..."</summary>
            <dl aria-label="Glossary">
                {GLOSSARY.iter().map(|(t, e)| view! { <dt>{*t}</dt><dd>{*e}</dd> }).collect_view()}
            </dl>
        </details>
    }
}
