//! The person's queries in this instance: the history (every query run) and the saved ones
//! (named), kept per tenant and instance in `localStorage` ([`QueryList`] is the pure part).
//! A click on one puts it into the editor; it runs when the person says so.

use leptos::prelude::*;

use super::super::{
    QueryList, QueryListKind, load_queries, query_list_key, store_queries, suggested_name,
};
use crate::ids::{AdtHost, TenantId};

/// One list and where it is stored.
#[derive(Debug, Clone, Copy)]
struct Stored {
    list: RwSignal<QueryList>,
    key: StoredValue<String>,
}

impl Stored {
    fn load(kind: QueryListKind, tenant: &TenantId, host: &AdtHost) -> Self {
        let key = query_list_key(kind, tenant, host);
        Self {
            list: RwSignal::new(load_queries(&key)),
            key: StoredValue::new(key),
        }
    }

    fn change(self, f: impl FnOnce(&mut QueryList)) {
        self.list.update(f);
        self.key
            .with_value(|k| store_queries(k, &self.list.get_untracked()));
    }
}

/// The history and the saved queries of one instance.
#[derive(Debug, Clone, Copy)]
pub struct QueryLists {
    history: Stored,
    saved: Stored,
}

impl QueryLists {
    pub fn load(tenant: &TenantId, host: &AdtHost) -> Self {
        Self {
            history: Stored::load(QueryListKind::History, tenant, host),
            saved: Stored::load(QueryListKind::Saved, tenant, host),
        }
    }

    /// A query was run.
    pub fn record(self, query: &str) {
        self.history.change(|h| h.push(query));
    }

    /// Saves `query` as `name` (a query saved before is renamed).
    pub fn save(self, name: &str, query: &str) {
        self.saved.change(|s| s.save(name, query));
    }

    /// The name to offer when saving `query`: its saved name, or one made from it.
    pub fn name_for(self, query: &str) -> String {
        self.saved
            .list
            .with_untracked(|l| {
                l.entries()
                    .iter()
                    .find(|e| e.query == query)
                    .and_then(|e| e.name.clone())
            })
            .unwrap_or_else(|| suggested_name(query))
    }
}

/// Both lists beside the workspace; a click puts a query into the editor (`text`).
#[component]
pub fn QueryListsAside(lists: QueryLists, text: RwSignal<String>) -> impl IntoView {
    view! {
        <aside class="query-lists" aria-label="Your queries">
            <section aria-labelledby="saved-title">
                <h2 id="saved-title">"Saved queries"</h2>
                <ul class="query-list">
                    <Entries stored=lists.saved removable=true empty="Nothing saved yet." text/>
                </ul>
            </section>
            <section aria-labelledby="history-title">
                <h2 id="history-title">"History"</h2>
                <ul class="query-list">
                    <Entries stored=lists.history removable=false empty="No queries run yet." text/>
                </ul>
            </section>
        </aside>
    }
}

/// The items of one list (or `empty` when there are none); saved ones can be removed.
#[component]
fn Entries(
    stored: Stored,
    removable: bool,
    empty: &'static str,
    text: RwSignal<String>,
) -> impl IntoView {
    move || {
        let entries = stored.list.with(|l| l.entries().to_vec());
        if entries.is_empty() {
            return view! { <li class="hint">{empty}</li> }.into_any();
        }
        entries
            .into_iter()
            .map(|entry| {
                let q = entry.query.clone();
                let title = entry.title().to_owned();
                let (load, gone) = (q.clone(), q.clone());
                let remove = removable.then(|| {
                    view! {
                        <button
                            type="button"
                            class="button button--ghost button--small"
                            aria-label=format!("Remove saved query: {}", short(&title))
                            on:click=move |_| stored.change(|l| l.remove(&gone))
                        >
                            "Remove"
                        </button>
                    }
                });
                let label = if entry.name.is_some() {
                    view! {
                        <span class="query-list__name">{title.clone()}</span>
                        <code class="query-list__text">{short(&q)}</code>
                    }
                    .into_any()
                } else {
                    view! { <code>{short(&q)}</code> }.into_any()
                };
                view! {
                    <li class="query-list__item">
                        <button
                            type="button"
                            class="query-list__load"
                            title=q.clone()
                            on:click=move |_| text.set(load.clone())
                        >
                            {label}
                        </button>
                        {remove}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    }
}

/// The first line of a query, cut to 80 characters, for lists.
fn short(query: &str) -> String {
    let first = query.lines().next().unwrap_or("").trim();
    let mut cut: String = first.chars().take(80).collect();
    if first.chars().count() > 80 || query.lines().count() > 1 {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_queries_are_shortened_for_lists() {
        assert_eq!(short("SELECT *\nFROM x"), "SELECT *…");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"x".repeat(100)).chars().count(), 81);
    }
}
