//! A twin's unsaved edits kept through a sign-in: one the identity platform forced (the 24
//! hours ran out, an administrator revoked the session) or one the person chose early with
//! the session notice's "Sign in again now". The page goes when the tab leaves for the
//! identity platform, so what it holds goes into this tab's sessionStorage first
//! (`Session::keep_through_sign_in`),
//! under the account, organisation, instance, twin and [`Part`]: the property edits, the
//! relationship whose editor is open (`relationship_edit`), the relationship being added
//! (`relationship_form`). When that twin opens again for the same account, each is taken
//! back, once. Property edits come back with the version they were made against: saving then
//! sends the same JSON Patch with the same `If-Match` as if the page had stayed, and a twin
//! changed meanwhile opens the conflict view (their version beside yours) instead of being
//! overwritten; a relationship's edits likewise keep its `$etag`. Text typed that did not fit
//! its field comes back into that field.
//!
//! Signing out on purpose drops every draft (`session::forget_drafts`).

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::editor::TwinState;
use crate::adt::{ETag, Twin, diff_twin};
use crate::auth::cache::HomeAccountId;
use crate::auth::storage::{Storage, WebStorage};
use crate::session::{DRAFT_PREFIX, Session};

/// What is kept: the twin as read when the edits began, the edits, and the text of fields
/// that did not fit (by path key).
#[derive(Debug, Serialize, Deserialize)]
struct Draft {
    etag: String,
    base: Value,
    edited: Value,
    #[serde(default)]
    typed: BTreeMap<String, String>,
}

/// A draft taken back: whether the twin changed since the edits were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Restored {
    pub changed_since: bool,
}

impl Restored {
    pub fn text(self) -> &'static str {
        if self.changed_since {
            "Your unsaved changes from before you signed in again are back. Someone changed this twin since: saving first shows their version beside yours."
        } else {
            "Your unsaved changes from before you signed in again are back. Save them, or discard them."
        }
    }
}

/// What of a twin's page a draft holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Properties,
    /// The relationship whose editor is open under its row.
    RelationshipEdit,
    /// "Add a relationship", filled in.
    NewRelationship,
}

impl Part {
    fn key(self) -> &'static str {
        match self {
            Part::Properties => "properties",
            Part::RelationshipEdit => "relationship-edit",
            Part::NewRelationship => "new-relationship",
        }
    }
}

fn key(home: &HomeAccountId, twin: TwinState, part: Part) -> String {
    let id = twin.id.get_value();
    twin.instance.with_value(|(tenant, host)| {
        format!(
            "{DRAFT_PREFIX}{}\n{}\n{}\n{id}\n{}",
            home.as_str(),
            tenant.as_str(),
            host.as_str(),
            part.key()
        )
    })
}

/// While the caller's owner lives, for a writer: if the session ends, keeps what `draft`
/// returns then (nothing for `None`) as `twin`'s `part`. (Without a session in context, as in
/// tests of the page alone, nothing is kept.)
pub(super) fn keep<T: Serialize>(
    twin: TwinState,
    part: Part,
    draft: impl Fn() -> Option<T> + 'static,
) {
    if !twin.can_write {
        return;
    }
    let Some(session) = use_context::<Session>() else {
        return;
    };
    session.keep_through_sign_in(move |home| {
        let (Some(draft), Ok(storage)) = (draft(), WebStorage::session()) else {
            return;
        };
        let text = serde_json::to_string(&draft).unwrap_or_default();
        if let Err(e) = storage.set(&key(home, twin, part), &text) {
            log::warn!("the unsaved edits could not be kept through the sign-in: {e}");
        }
    });
}

/// Takes back, once, `twin`'s `part` kept for the signed-in account, if any (for a writer).
pub(super) fn take<T: DeserializeOwned>(twin: TwinState, part: Part) -> Option<T> {
    if !twin.can_write {
        return None;
    }
    let home = use_context::<Session>()?
        .state
        .with_untracked(|s| s.account().map(|a| a.home.clone()))?;
    let storage = WebStorage::session().ok()?;
    let key = key(&home, twin, part);
    let text = storage.get(&key)?;
    storage.remove(&key);
    match serde_json::from_slice(text.as_bytes()) {
        Ok(draft) => Some(draft),
        Err(e) => {
            log::warn!("unsaved edits kept through the sign-in could not be read: {e}");
            None
        }
    }
}

/// The draft of the property edits `twin` holds now, if it holds any (values that differ from
/// the twin as read, or text that does not fit).
fn draft_of(twin: TwinState) -> Option<Draft> {
    let base = twin.original.try_get_untracked().flatten()?;
    let edited = twin.edit.edited.try_get_untracked()?;
    let typed = twin.edit.invalid.try_get_untracked().unwrap_or_default();
    if typed.is_empty() && diff_twin(&base.value, &edited).is_empty() {
        return None;
    }
    Some(Draft {
        etag: base.etag.as_str().to_owned(),
        base: base.value,
        edited,
        typed,
    })
}

/// Puts `draft` back into `twin`, which holds the twin as just read.
fn put_back(twin: TwinState, draft: Draft) -> Option<Restored> {
    let etag = ETag::new(draft.etag)?;
    let changed_since = twin
        .original
        .with_untracked(|fresh| fresh.as_ref().is_none_or(|f| f.etag != etag));
    twin.original.set(Some(Twin {
        value: draft.base,
        etag,
    }));
    twin.edit.edited.set(draft.edited);
    twin.edit.type_back(draft.typed);
    Some(Restored { changed_since })
}

impl TwinState {
    /// After [`TwinState::open`], for a writer: keeps the edits if the session ends under
    /// them, and takes back those kept for this twin and account, if any. (Without a session
    /// in context, as in tests of the page alone, nothing is kept.)
    pub(super) fn keep_and_restore(self) -> Option<Restored> {
        keep(self, Part::Properties, move || draft_of(self));
        put_back(self, take(self, Part::Properties)?)
    }
}
