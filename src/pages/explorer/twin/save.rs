//! Saving the edited properties: the JSON Patch between the twin as read and as edited, sent
//! with `If-Match`. A 412 opens the conflict view (their version beside yours: keep mine, or
//! take theirs); a lost connection keeps the edits and offers Retry; a refusal shows what the
//! service said, each detail beside the field it names.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use super::editor::TwinState;
use crate::adt::{AdtError, Twin, diff_twin, differences};
use crate::components::property_editor::TwinForm;
use crate::components::service_error::{Placed, ServiceErrorView, field_keys, place};

/// The state of saving.
#[derive(Debug, Clone, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    /// Someone else changed the twin; their version.
    Conflict(Twin),
    /// No connection: edits kept, Retry offered.
    Offline(String),
    Failed(String),
    /// The service refused the change; what it said, sorted by field.
    Refused(AdtError, Placed),
}

/// Saving one twin: its shared state and where the last save got to.
#[derive(Debug, Clone, Copy)]
struct Saving {
    twin: TwinState,
    state: RwSignal<SaveState>,
}

impl Saving {
    /// The fields the form shows now, for placing what the service says.
    fn form_keys(self) -> BTreeSet<String> {
        let twin = self.twin.edit.edited.get_untracked();
        self.twin.model.with_untracked(|m| match m {
            Some(m) => field_keys(&m.form, &twin),
            None => field_keys(&TwinForm::default(), &twin),
        })
    }

    /// Sends the edits against `base` (the version they are applied to).
    fn save_against(self, base: Twin) {
        let TwinState { original, edit, .. } = self.twin;
        let save_state = self.state;
        let ops = edit.edited.with_untracked(|e| diff_twin(&base.value, e));
        if ops.is_empty() {
            return;
        }
        save_state.set(SaveState::Saving);
        edit.service.set(BTreeMap::new());
        let client = self.twin.client.get_value();
        let id = self.twin.id.get_value();
        let keys = self.form_keys();
        spawn_local(async move {
            match client.patch_twin(&id, &ops, Some(&base.etag)).await {
                Ok(_) => match client.get_twin(&id).await {
                    Ok(fresh) => {
                        edit.edited.set(fresh.value.clone());
                        original.set(Some(fresh));
                        save_state.set(SaveState::Saved);
                    }
                    Err(e) => save_state.set(SaveState::Failed(format!(
                        "Saved, but the twin could not be read again: {e}"
                    ))),
                },
                Err(AdtError::PreconditionFailed) => match client.get_twin(&id).await {
                    Ok(theirs) => save_state.set(SaveState::Conflict(theirs)),
                    Err(e) => save_state.set(SaveState::Failed(e.to_string())),
                },
                Err(e @ AdtError::Network { .. }) => {
                    save_state.set(SaveState::Offline(e.to_string()))
                }
                Err(e) => {
                    let placed = place(&e, &keys);
                    edit.service.set(placed.by_field());
                    save_state.set(SaveState::Refused(e, placed));
                }
            }
        });
    }

    /// Sends the edits against the twin as last read.
    fn save(self) {
        if let Some(base) = self.twin.original.get_untracked() {
            self.save_against(base);
        }
    }

    /// After a conflict: my edits, sent against their version.
    fn keep_mine(self) {
        if let SaveState::Conflict(theirs) = self.state.get_untracked() {
            self.twin.original.set(Some(theirs.clone()));
            self.save_against(theirs);
        }
    }

    /// After a conflict: their version, my edits dropped.
    fn take_theirs(self) {
        if let SaveState::Conflict(theirs) = self.state.get_untracked() {
            self.twin.edit.edited.set(theirs.value.clone());
            self.twin.edit.invalid.set(BTreeMap::new());
            self.twin.original.set(Some(theirs));
            self.state.set(SaveState::Idle);
        }
    }

    /// Back to the twin as last read.
    fn discard(self) {
        if let Some(o) = self.twin.original.get_untracked() {
            self.twin.edit.edited.set(o.value);
            self.twin.edit.invalid.set(BTreeMap::new());
        }
    }
}

/// "Save changes" and "Discard changes" (for writers), and under them how the last save went.
/// `dirty`: there are edits to save or discard.
#[component]
pub(super) fn SaveBar(twin: TwinState, dirty: Memo<bool>) -> impl IntoView {
    let saving = Saving {
        twin,
        state: RwSignal::new(SaveState::Idle),
    };
    let invalid = twin.edit.invalid;
    move || {
        twin.can_write.then(|| {
            let state = saving.state.get();
            let busy = state == SaveState::Saving;
            let blocked = move || !dirty.get() || invalid.with(|i| !i.is_empty());
            let message = save_message(state, saving);
            view! {
                <div class="toolbar twin-save">
                    <button type="button" class="button" disabled=move || busy || blocked() on:click=move |_| saving.save()>
                        "Save changes"
                    </button>
                    <button
                        type="button"
                        class="button button--ghost"
                        disabled=move || busy || !dirty.get()
                        on:click=move |_| saving.discard()
                    >
                        "Discard changes"
                    </button>
                </div>
                {message}
            }
        })
    }
}

/// What is said under the save bar: saving, saved, why a save failed, or the conflict.
fn save_message(state: SaveState, saving: Saving) -> Option<AnyView> {
    let said = match state {
        SaveState::Idle => return None,
        SaveState::Saved => view! { <p class="hint" role="status">"Saved."</p> }.into_any(),
        SaveState::Saving => view! { <p class="hint" role="status">"Saving…"</p> }.into_any(),
        SaveState::Offline(why) => view! {
            <div class="alert alert--error" role="alert">
                <p>{why}</p>
                <button type="button" class="button" on:click=move |_| saving.save()>"Retry"</button>
            </div>
        }
        .into_any(),
        SaveState::Failed(why) => view! {
            <div class="alert alert--error" role="alert"><p>{why}</p></div>
        }
        .into_any(),
        SaveState::Refused(error, placed) => view! { <ServiceErrorView error placed/> }.into_any(),
        SaveState::Conflict(theirs) => view! { <ConflictView theirs saving/> }.into_any(),
    };
    Some(said)
}

/// Someone else changed the twin: what differs, both versions whole, and the choice.
#[component]
fn ConflictView(theirs: Twin, saving: Saving) -> impl IntoView {
    let edited = saving.twin.edit.edited;
    let theirs_text = serde_json::to_string_pretty(&theirs.value).unwrap_or_default();
    let mine_text = edited.with_untracked(|e| serde_json::to_string_pretty(e).unwrap_or_default());
    let differing = edited.with_untracked(|mine| differences(&theirs.value, mine));
    let shown =
        |value: Option<Value>| value.map_or_else(|| "(not set)".to_owned(), |v| v.to_string());
    let summary = if differing.is_empty() {
        view! { <p>"Their version has the same values as yours; only its version tag changed."</p> }
            .into_any()
    } else {
        let rows = differing
            .into_iter()
            .map(|d| {
                view! {
                    <tr>
                        <th scope="row"><code>{d.property}</code></th>
                        <td><code>{shown(d.before)}</code></td>
                        <td><code>{shown(d.after)}</code></td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="conflict__diff">
                <caption>"What differs"</caption>
                <thead><tr>
                    <th scope="col">"Property"</th>
                    <th scope="col">"Theirs"</th>
                    <th scope="col">"Yours"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="alert conflict" role="alert" aria-labelledby="conflict-title">
            <h2 id="conflict-title">"Someone else changed this twin"</h2>
            <p>"Compare their version with yours, then choose."</p>
            {summary}
            <div class="conflict__sides">
                <figure>
                    <figcaption>"Their version (on the server)"</figcaption>
                    <pre class="json">{theirs_text}</pre>
                </figure>
                <figure>
                    <figcaption>"Your version"</figcaption>
                    <pre class="json">{mine_text}</pre>
                </figure>
            </div>
            <div class="toolbar">
                <button type="button" class="button" on:click=move |_| saving.keep_mine()>"Keep mine (overwrite)"</button>
                <button type="button" class="button button--ghost" on:click=move |_| saving.take_theirs()>"Take theirs"</button>
            </div>
        </section>
    }
}
