//! The running job: its progress bar (role `progressbar`, named by the
//! stage), the line beside it, **Cancel** and list **Stages**.

use super::state::AppState;
use super::worker;
use crate::job::Stage;
use crate::view_model::{progress_text, stage_steps, Busy};
use leptos::prelude::*;

/// Shown while a job runs (nothing when idle).
#[component]
pub fn Progress() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        match state.busy.get() {
        Busy::Idle => ().into_any(),
        Busy::Working { stage, step, done, total } => view! {
            <div class="busy">
                {if total > 0.0 {
                    view! { <progress aria-label=stage.label() max=total.to_string() value=done.to_string()></progress> }.into_any()
                } else {
                    view! { <progress aria-label=stage.label()></progress> }.into_any()
                }}
                <span>{progress_text(stage, done, total)}</span>
                {worker::available().then(|| view! { <button class="secondary" on:click=move |_| state.cancel()>"Cancel"</button> })}
                <StageList stage=stage step=step/>
            </div>
        }
        .into_any(),
    }
    }
}

/// Where a job is: every stage and analysis step in order, those done
/// ticked and the current one marked (`aria-current="step"`).
#[component]
fn StageList(stage: Stage, step: String) -> impl IntoView {
    view! {
        <ol class="stages" aria-label="Stages">
            {stage_steps(stage, &step).into_iter().map(|(label, done, current)| view! {
                <li class:done=done aria-current=current.then_some("step")>{label}</li>
            }).collect_view()}
        </ol>
    }
}
