//! Pages for when the app cannot go on: a bad configuration, a failed page, or still loading.

use leptos::prelude::*;

use crate::api::CONFIG_PATH;
use crate::config::{ConfigError, FieldProblem};

/// The configuration could not be used. Names every bad field and what to do about it.
#[component]
pub fn ConfigErrorPage(error: ConfigError) -> impl IntoView {
    let summary = match &error {
        ConfigError::Fields(_) => {
            "Some settings in the deployment's configuration are wrong.".to_owned()
        }
        other => other.to_string(),
    };
    let problems = match &error {
        ConfigError::Fields(errors) => errors
            .iter()
            .map(|e| {
                let kind = match e.problem {
                    FieldProblem::Missing => "missing",
                    FieldProblem::Invalid(_) => "invalid",
                    FieldProblem::Unknown { .. } => "unknown",
                };
                view! {
                    <li data-field=e.field.clone() data-problem=kind>{e.to_string()}</li>
                }
            })
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    log::error!("twinscope cannot start: {error}");
    view! {
        <main id="main" class="page page--message" aria-labelledby="config-error-title" tabindex="-1">
            <div class="alert alert--error" role="alert">
                <h1 id="config-error-title">"twinscope cannot start"</h1>
                <p>{summary}</p>
                <ul class="problems">{problems}</ul>
                <p class="hint">
                    "The file is " <code>{CONFIG_PATH}</code> " on this server. Whoever deployed twinscope "
                    "should correct it (the README lists every field); then reload this page."
                </p>
            </div>
        </main>
    }
}

/// A page failed to render; shows each error as text.
#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <main id="main" class="page page--message" aria-labelledby="error-title" tabindex="-1">
            <div class="alert alert--error" role="alert">
                <h1 id="error-title">"Something went wrong"</h1>
                <ul class="problems">
                    {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect::<Vec<_>>()}
                </ul>
                <p class="hint">"Reload the page to try again."</p>
            </div>
        </main>
    }
}

/// The browser refuses Web Storage (some private modes, or storage disabled): sign-in
/// cannot keep its one-time values, so say so instead of failing later.
#[component]
pub fn StorageUnavailable(error: crate::auth::storage::StorageError) -> impl IntoView {
    view! {
        <main id="main" class="page page--message" aria-labelledby="storage-title" tabindex="-1">
            <h1 id="storage-title">"This browser will not let twinscope keep sign-in data"</h1>
            <div class="alert" role="alert"><p>{error.to_string()}</p></div>
            <p class="hint">"Allow site data for this address (or leave private browsing), then reload."</p>
        </main>
    }
}
