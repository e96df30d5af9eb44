//! The page: load a file (or the sample), map columns, see segments, export.
//!
//! Accessible names are an automation contract (README): "Upload data",
//! "Load sample", "Segments (k)", role `progressbar` while working, role
//! `alert` for errors, canvas "PCA scatter plot", table "Segment summary",
//! button "Download assignments"; selects "Method", "Scaling" and
//! "Transform of <feature>", input "Min cluster size", canvas "k sweep",
//! tables "k sweep scores", "Top anomalies", "Feature transforms", and the
//! paragraph "Stability".
//!
//! `App` only lays the page out: its state is [`AppState`] (context), each
//! part is a component in its own file, and the result's panels are listed
//! in [`super::results::Results`].

use super::controls::Controls;
use super::feature_picker::FeaturePicker;
use super::header::{Footer, Header};
use super::mapping_panel::ColumnMapping;
use super::messages::Messages;
use super::model_panel::ModelPanel;
use super::progress::Progress;
use super::results::Results;
use super::state::AppState;
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    AppState::provide();
    view! {
        <Header/>
        // The data and settings in a side panel beside the results on wide
        // screens (style/main.css), above them otherwise.
        <main>
            <div class="side">
                <Controls/>
                <ModelPanel/>
                <Progress/>
                <Messages/>
                <ColumnMapping/>
                <FeaturePicker/>
            </div>
            <Results/>
        </main>
        <Footer/>
    }
}
