//! The twin explorer for one instance: the query page and the twin detail page.
//!
//! Both pages read an [`ExplorerContext`] (tenant, host, client, roles) that the router
//! provides for `/t/:tenant/i/:host/…`. The client holds `Rc`s, which Leptos contexts do not
//! accept, so the context travels in a local [`StoredValue`]: provide it with
//! [`provide_explorer_context`], read it with [`use_explorer_context`].
//!
//! Also here: the per-tenant, per-instance query history and saved queries
//! ([`QueryList`], pure; stored in `localStorage`), and the links between the pages.

pub mod query;
pub mod twin;

use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;

use crate::adt::AdtClient;
use crate::adt::paging::encode_component;
use crate::auth::roles::Roles;
use crate::ids::{AdtHost, TenantId};

pub use query::QueryExplorer;
pub use twin::TwinDetail;

/// Everything the explorer pages need about the instance they show.
#[derive(Clone, Debug)]
pub struct ExplorerContext {
    pub tenant: TenantId,
    pub host: AdtHost,
    pub adt: AdtClient,
    pub roles: Roles,
    /// What the screens leave behind for when the person comes back (Back, or the tab).
    pub memory: ScreenMemory,
}

/// What a screen leaves behind for when the person comes back to it while the instance stays
/// open (Back from a twin to the import report it came from, or the tab again). The instance
/// shell owns it, so it goes with the instance: another instance or organisation starts
/// empty, and nothing of one tenant outlives a switch. Each screen keeps one value of its own
/// type under its own key.
#[derive(Clone, Copy)]
pub struct ScreenMemory(StoredValue<HashMap<&'static str, Rc<dyn Any>>, LocalStorage>);

impl ScreenMemory {
    pub fn new() -> Self {
        ScreenMemory(StoredValue::new_local(HashMap::new()))
    }

    /// What was kept under `key`, if it is a `T`.
    pub fn recall<T: Clone + 'static>(self, key: &'static str) -> Option<T> {
        self.0
            .try_with_value(|m| m.get(key).and_then(|v| v.downcast_ref::<T>()).cloned())
            .flatten()
    }

    /// Keeps `value` under `key` (replacing what was there).
    pub fn keep<T: 'static>(self, key: &'static str, value: T) {
        self.0.try_update_value(|m| {
            m.insert(key, Rc::new(value));
        });
    }
}

impl Default for ScreenMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ScreenMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self
            .0
            .try_with_value(|m| m.keys().copied().collect::<Vec<_>>())
            .unwrap_or_default();
        f.debug_tuple("ScreenMemory").field(&keys).finish()
    }
}

/// Provides `ctx` to the explorer pages below the current owner.
pub fn provide_explorer_context(ctx: ExplorerContext) {
    provide_context(StoredValue::new_local(ctx));
}

/// The explorer context, if a route above provided one.
pub fn use_explorer_context() -> Option<ExplorerContext> {
    use_context::<StoredValue<ExplorerContext, LocalStorage>>()
        .and_then(|stored| stored.try_get_value())
}

/// `/t/{tenant}/i/{host}/twins`.
pub fn twins_path(tenant: &TenantId, host: &AdtHost) -> String {
    format!("/t/{tenant}/i/{host}/twins")
}

/// `/t/{tenant}/i/{host}/twins?q={query}`.
pub fn query_path(tenant: &TenantId, host: &AdtHost, query: &str) -> String {
    format!("{}?q={}", twins_path(tenant, host), encode_component(query))
}

/// `/t/{tenant}/i/{host}/twins/{twin id, percent-encoded}`.
pub fn twin_path(tenant: &TenantId, host: &AdtHost, twin_id: &str) -> String {
    format!("{}/{}", twins_path(tenant, host), encode_component(twin_id))
}

/// A twin id from the route parameter. The router decodes only what `decodeURI` decodes
/// (`%2F` stays), so every remaining escape is decoded here; invalid UTF-8 is replaced.
pub fn decode_twin_param(param: &str) -> String {
    let bytes = param.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Which list of queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryListKind {
    History,
    Saved,
}

/// The most entries a list keeps.
pub const MAX_QUERIES: usize = 50;

/// The `localStorage` key of a list for one tenant and instance.
pub fn query_list_key(kind: QueryListKind, tenant: &TenantId, host: &AdtHost) -> String {
    let kind = match kind {
        QueryListKind::History => "history",
        QueryListKind::Saved => "saved",
    };
    format!("twinscope.queries.{kind}.{tenant}.{host}")
}

/// One remembered query: its text and, for saved queries, the name the user gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryEntry {
    pub name: Option<String>,
    pub query: String,
}

impl QueryEntry {
    /// What a list shows: the name, or the query itself.
    pub fn title(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.query)
    }
}

/// Queries, newest first, no duplicate texts, at most [`MAX_QUERIES`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryList(Vec<QueryEntry>);

impl QueryList {
    /// From stored JSON: an array of strings (unnamed queries) or of `{"name", "query"}`
    /// objects. Anything unreadable gives an empty list; other and blank entries are dropped.
    pub fn from_json(text: Option<&str>) -> Self {
        let entries: Vec<serde_json::Value> = text
            .and_then(|t| serde_json::from_slice(t.as_bytes()).ok())
            .unwrap_or_default();
        let mut list = Self::default();
        for entry in entries.iter().rev() {
            match entry {
                serde_json::Value::String(q) => list.push(q),
                serde_json::Value::Object(o) => {
                    if let Some(q) = o.get("query").and_then(serde_json::Value::as_str) {
                        let name = o.get("name").and_then(serde_json::Value::as_str);
                        list.save(name.unwrap_or_default(), q);
                    }
                }
                _ => {}
            }
        }
        list
    }

    pub fn to_json(&self) -> String {
        let entries: Vec<serde_json::Value> = self
            .0
            .iter()
            .map(|e| match &e.name {
                Some(name) => serde_json::json!({"name": name, "query": e.query}),
                None => serde_json::Value::String(e.query.clone()),
            })
            .collect();
        serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
    }

    /// Puts `query` first, unnamed (moving it if present, with its name). Blank queries are
    /// ignored.
    pub fn push(&mut self, query: &str) {
        let name = self
            .0
            .iter()
            .find(|e| e.query == query)
            .and_then(|e| e.name.clone());
        self.insert(name, query);
    }

    /// Puts `query` first under `name` (blank: unnamed), replacing an entry with the same text.
    pub fn save(&mut self, name: &str, query: &str) {
        let name = name.trim();
        self.insert((!name.is_empty()).then(|| name.to_owned()), query);
    }

    fn insert(&mut self, name: Option<String>, query: &str) {
        if query.trim().is_empty() {
            return;
        }
        self.0.retain(|e| e.query != query);
        self.0.insert(
            0,
            QueryEntry {
                name,
                query: query.to_owned(),
            },
        );
        self.0.truncate(MAX_QUERIES);
    }

    pub fn remove(&mut self, query: &str) {
        self.0.retain(|e| e.query != query);
    }

    pub fn entries(&self) -> &[QueryEntry] {
        &self.0
    }
}

/// A name suggested for saving `query`: what it selects from, e.g. `Rooms on floor 2` is
/// not guessable, so the first line, shortened to 60 characters.
pub fn suggested_name(query: &str) -> String {
    let line = query
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut name: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        name.push('…');
    }
    name
}

/// Reads a list from `localStorage` (empty when unavailable or unreadable).
pub fn load_queries(key: &str) -> QueryList {
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten());
    QueryList::from_json(stored.as_deref())
}

/// Writes a list to `localStorage`; a full or blocked storage only logs.
pub fn store_queries(key: &str, list: &QueryList) {
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .map(|s| s.set_item(key, &list.to_json()));
    if !matches!(stored, Some(Ok(()))) {
        log::warn!("could not store the query list {key}");
    }
}

/// Shown when a page is routed without its context (a wiring mistake, not a user one).
#[component]
pub fn MissingContext() -> impl IntoView {
    view! {
        <main id="main" class="page page--message" tabindex="-1" aria-labelledby="explorer-missing">
            <div class="alert alert--error" role="alert">
                <h1 id="explorer-missing">"No instance selected"</h1>
                <p>"Choose an organisation and a Digital Twins instance first."</p>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> TenantId {
        TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap()
    }

    fn host() -> AdtHost {
        AdtHost::parse("contoso-campus.api.weu.digitaltwins.azure.net").unwrap()
    }

    #[test]
    fn lists_are_newest_first_without_duplicates_and_bounded() {
        let mut list = QueryList::default();
        list.push("a");
        list.push("b");
        list.push("a");
        list.push("  ");
        assert_eq!(texts(&list), ["a", "b"]);
        for i in 0..60 {
            list.push(&format!("q{i}"));
        }
        assert_eq!(list.entries().len(), MAX_QUERIES);
        assert_eq!(list.entries()[0].query, "q59");
        list.remove("q59");
        assert_eq!(list.entries()[0].query, "q58");
    }

    #[test]
    fn stored_lists_round_trip_and_bad_json_is_ignored() {
        let mut list = QueryList::default();
        list.push("SELECT * FROM digitaltwins");
        list.push("SELECT T FROM digitaltwins T");
        let again = QueryList::from_json(Some(&list.to_json()));
        assert_eq!(again, list);
        for bad in [None, Some(""), Some("{"), Some("{\"a\":1}"), Some("42")] {
            assert_eq!(QueryList::from_json(bad), QueryList::default(), "{bad:?}");
        }
        let mixed = QueryList::from_json(Some(r#"["x", 3, null, "y", "x"]"#));
        assert_eq!(texts(&mixed), ["x", "y"]);
    }

    fn texts(list: &QueryList) -> Vec<&str> {
        list.entries().iter().map(|e| e.query.as_str()).collect()
    }

    #[test]
    fn saved_queries_keep_their_names() {
        let mut list = QueryList::default();
        list.save(
            "  Rooms  ",
            "SELECT * FROM digitaltwins WHERE IS_OF_MODEL('dtmi:x:Room;1')",
        );
        list.save("", "SELECT 1");
        assert_eq!(list.entries()[1].title(), "Rooms");
        assert_eq!(list.entries()[0].title(), "SELECT 1");
        // Running a saved query again keeps its name; saving under a new name renames it.
        list.push("SELECT * FROM digitaltwins WHERE IS_OF_MODEL('dtmi:x:Room;1')");
        assert_eq!(list.entries()[0].title(), "Rooms");
        list.save(
            "All rooms",
            "SELECT * FROM digitaltwins WHERE IS_OF_MODEL('dtmi:x:Room;1')",
        );
        assert_eq!(list.entries()[0].title(), "All rooms");
        assert_eq!(list.entries().len(), 2);
        let again = QueryList::from_json(Some(&list.to_json()));
        assert_eq!(again, list);
        // Lists stored before names existed still load.
        assert_eq!(
            texts(&QueryList::from_json(Some(r#"["a","b"]"#))),
            ["a", "b"]
        );
        assert_eq!(
            suggested_name("\n  SELECT T FROM digitaltwins T  \n WHERE 1"),
            "SELECT T FROM digitaltwins T"
        );
        assert_eq!(suggested_name(&"x".repeat(70)).chars().count(), 61);
    }

    #[test]
    fn keys_name_the_tenant_and_the_instance() {
        let history = query_list_key(QueryListKind::History, &tenant(), &host());
        let saved = query_list_key(QueryListKind::Saved, &tenant(), &host());
        assert!(history.contains(tenant().as_str()) && history.contains(host().as_str()));
        assert_ne!(history, saved);
        let other = AdtHost::parse("contoso-lab.api.weu.digitaltwins.azure.net").unwrap();
        assert_ne!(
            history,
            query_list_key(QueryListKind::History, &tenant(), &other)
        );
    }

    #[test]
    fn twin_links_round_trip_through_the_route_parameter() {
        for id in ["room-1", "room 1", "a/b?c#d", "ünïcode", "100%"] {
            let path = twin_path(&tenant(), &host(), id);
            let param = path.rsplit('/').next().unwrap();
            assert!(!param.contains(['/', '?', '#', ' ']), "{param}");
            assert_eq!(decode_twin_param(param), id);
        }
        assert_eq!(decode_twin_param("a%2"), "a%2");
        assert_eq!(decode_twin_param("room 1"), "room 1");
    }
}
