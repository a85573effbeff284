//! Late replies never land on another screen (issue #16), with the app's own routes in
//! headless Chromium: the instance routes (`twinscope::InstanceRoutes`) under an organisation,
//! the real instance shell and twin page, and a fake Azure Digital Twins behind the
//! connector (`pages::instance::Connector`) whose answers the test can hold back.
//!
//! Each test opens twin A while the reply for A is held, navigates (a click on a link, as the
//! router sees a person's click) to twin B (same instance, another instance, another
//! tenant), waits for B, then releases A's reply: B stays on screen, and nothing of A shows.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::channel::oneshot;
use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Router, Routes};
use leptos_router::path;
use serde_json::{Value, json};
use twinscope::InstanceRoutes;
use twinscope::adt::{AdtClient, TokenProvider};
use twinscope::auth::accounts::TenantProfile;
use twinscope::auth::cache::Secret;
use twinscope::auth::client::AccessToken;
use twinscope::auth::http::{HttpRequest, HttpResponse, NetworkError, ResponseFuture};
use twinscope::auth::roles::Roles;
use twinscope::config::AdtPathPrefix;
use twinscope::ids::{AdtHost, TenantId};
use twinscope::pages::instance::{Connector, InstanceConnector, ProfileFuture};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

const TENANT_ONE: &str = "11111111-1111-4111-8111-111111111111";
const TENANT_TWO: &str = "22222222-2222-4222-8222-222222222222";
const HOST_ONE: &str = "lab-one.api.weu.digitaltwins.azure.net";
const HOST_TWO: &str = "lab-two.api.weu.digitaltwins.azure.net";
const MODEL: &str = "dtmi:test:room;1";

/// The fake service: every instance answers the same shapes; the twin's ETag names the twin
/// and its instance, so what is on screen says whose reply it came from. A path in `held`
/// waits until the test releases it.
#[derive(Default)]
struct FakeAdt {
    held: RefCell<BTreeMap<String, Vec<oneshot::Sender<()>>>>,
    hold: RefCell<Vec<String>>,
    asked: RefCell<Vec<String>>,
    /// Every twin's outgoing relationships, as the service holds them now (a reply carries
    /// them as they were when it was asked for).
    outgoing: RefCell<Vec<Value>>,
    /// The connector's user may write (else a reader).
    writer: std::cell::Cell<bool>,
    /// Outgoing relationships this many to a page (else all in one), with next links.
    page_size: std::cell::Cell<Option<usize>>,
    /// Requests whose query contains one of these wait too (keyed by it in `held`).
    hold_queries: RefCell<Vec<String>>,
    /// Requests whose query contains one of these are refused (400).
    refuse_queries: RefCell<Vec<String>>,
}

impl FakeAdt {
    fn hold(&self, path: &str) {
        self.hold.borrow_mut().push(path.to_owned());
    }

    /// Lets every held request for `path` answer.
    fn release(&self, path: &str) -> usize {
        self.hold.borrow_mut().retain(|p| p != path);
        self.hold_queries.borrow_mut().retain(|q| q != path);
        let waiting = self.held.borrow_mut().remove(path).unwrap_or_default();
        let n = waiting.len();
        for tx in waiting {
            let _ = tx.send(());
        }
        n
    }

    /// Lets the latest held request for `path` answer (the path stays held).
    fn release_newest(&self, path: &str) -> bool {
        let newest = self.held.borrow_mut().get_mut(path).and_then(Vec::pop);
        newest.is_some_and(|tx| tx.send(()).is_ok())
    }

    fn held_count(&self, path: &str) -> usize {
        self.held.borrow().get(path).map_or(0, Vec::len)
    }

    fn asked(&self, path: &str) -> bool {
        self.asked.borrow().iter().any(|p| p == path)
    }

    fn answer(self: &Rc<Self>, request: HttpRequest) -> ResponseFuture {
        // The path: the URL without scheme and authority, query or fragment.
        let url = request.url.as_str();
        let without_origin = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => url,
        };
        let path = without_origin
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned();
        let query = without_origin
            .split_once('?')
            .map(|(_, q)| q.to_owned())
            .unwrap_or_default();
        self.asked.borrow_mut().push(path.clone());
        let key = if self.hold.borrow().contains(&path) {
            Some(path.clone())
        } else {
            self.hold_queries
                .borrow()
                .iter()
                .find(|q| query.contains(q.as_str()))
                .cloned()
        };
        let gate = key.map(|key| {
            let (tx, rx) = oneshot::channel();
            self.held.borrow_mut().entry(key).or_default().push(tx);
            rx
        });
        let refused = self
            .refuse_queries
            .borrow()
            .iter()
            .any(|q| query.contains(q.as_str()));
        let body = if refused {
            Some((
                400,
                json!({ "error": { "code": "BadRequest", "message": "This page is refused." } }),
            ))
        } else if request.method.as_str() == "GET" && path.ends_with("/relationships") {
            let all = self.outgoing.borrow().clone();
            let from: usize = query
                .split('&')
                .find_map(|p| p.strip_prefix("continuationToken="))
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let size = self.page_size.get().unwrap_or(usize::MAX);
            let page: Vec<Value> = all.iter().skip(from).take(size).cloned().collect();
            let next = (from.saturating_add(size) < all.len()).then(|| {
                let host_and_twin = path.trim_start_matches("/adt/");
                format!(
                    "https://{host_and_twin}?continuationToken={}&api-version=2023-10-31",
                    from + size
                )
            });
            Some((200, json!({ "value": page, "nextLink": next })))
        } else {
            body_for(request.method.as_str(), &path)
        };
        Box::pin(async move {
            if let Some(rx) = gate {
                let _ = rx.await;
            }
            let (status, body) = body.ok_or_else(|| NetworkError {
                request: path.clone(),
                reason: "the fake has no answer".into(),
            })?;
            Ok::<HttpResponse, NetworkError>(
                HttpResponse::new(status)
                    .header("content-type", "application/json")
                    .with_body(body.to_string()),
            )
        })
    }
}

/// What the fake instance answers to `method path`.
fn body_for(method: &str, path: &str) -> Option<(u16, Value)> {
    let rest = path.strip_prefix("/adt/")?;
    let (host, rest) = rest.split_once('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    Some(match (method, segments.as_slice()) {
        ("POST", ["query"]) => (200, json!({ "value": [], "continuationToken": null })),
        ("GET", ["models"]) => (
            200,
            json!({ "value": [{
                "id": MODEL,
                "model": {
                    "@context": "dtmi:dtdl:context;3",
                    "@id": MODEL,
                    "@type": "Interface",
                    "displayName": "Room",
                    "contents": [{ "@type": "Property", "name": "label", "schema": "string" }]
                }
            }], "nextLink": null }),
        ),
        ("GET", ["digitaltwins", _, "relationships" | "incomingrelationships"]) => {
            (200, json!({ "value": [], "nextLink": null }))
        }
        ("GET", ["digitaltwins", id]) => (
            200,
            json!({
                "$dtId": id,
                "$etag": format!("W/\"etag-of-{id}-on-{host}\""),
                "$metadata": { "$model": MODEL },
                "label": format!("{id} on {host}"),
            }),
        ),
        _ => return None,
    })
}

/// The connector of the tests: a reader everywhere, clients on the fake service.
struct FakeConnector(Rc<FakeAdt>);

impl Connector for FakeConnector {
    fn adt(&self, _tenant: &TenantId, host: &AdtHost) -> AdtClient {
        let fake = self.0.clone();
        let token: TokenProvider = Rc::new(|| {
            Box::pin(std::future::ready(Ok(AccessToken {
                secret: Rc::new(Secret::new("eyJ.fake.sig")),
                expires_at: i64::MAX,
            })))
        });
        AdtClient::new(
            &AdtPathPrefix::parse("/adt").unwrap(),
            host.clone(),
            Rc::new(move |request| fake.answer(request)),
            token,
        )
    }

    fn profile(&self, tenant: &TenantId) -> ProfileFuture {
        let role = if self.0.writer.get() {
            "Twins.Writer"
        } else {
            "Twins.Reader"
        };
        let profile = TenantProfile {
            tenant: tenant.clone(),
            object_id: "reader".into(),
            roles: Roles::from_claims([role]),
        };
        Box::pin(std::future::ready(Ok(profile)))
    }

    fn account(&self) -> String {
        "reader-home".into()
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn twin_path(tenant: &str, host: &str, id: &str) -> String {
    format!("/t/{tenant}/i/{host}/twins/{id}")
}

fn adt_twin_path(host: &str, id: &str) -> String {
    format!("/adt/{host}/digitaltwins/{id}")
}

/// The page's text now.
fn text(root: &web_sys::HtmlElement) -> String {
    root.text_content().unwrap_or_default()
}

/// Waits (up to 10 s) until `ok` holds for the page's text.
async fn wait_until(root: &web_sys::HtmlElement, what: &str, ok: impl Fn(&str) -> bool) {
    for _ in 0..200 {
        if ok(&text(root)) {
            return;
        }
        sleep_ms(50).await;
    }
    panic!(
        "{what} did not happen within 10 s; the page says: {}",
        text(root)
    );
}

/// Waits (up to 5 s) until `ok` holds; says what did not happen otherwise.
async fn wait_for(what: &str, ok: impl Fn() -> bool) {
    for _ in 0..100 {
        if ok() {
            return;
        }
        sleep_ms(50).await;
    }
    assert!(ok(), "{what} did not happen within 5 s");
}

/// The app's instance routes under an organisation, on a fresh root in the document, with
/// the fake service behind the connector, opened at `path`; `link_to`, if given, is a link
/// `#to` on the page (the router sees its click as a person's). Dropping it unmounts the
/// view — the router's window listeners go with it, so the next test's router is the only
/// one that sees clicks — and puts the test runner's address back.
struct Opened {
    root: web_sys::HtmlElement,
    mounted: Option<Box<dyn std::any::Any>>,
    started_at: String,
}

impl Opened {
    fn at(fake: &Rc<FakeAdt>, path: &str, link_to: Option<String>) -> Self {
        let history = web_sys::window().unwrap().history().unwrap();
        let started_at = web_sys::window().unwrap().location().href().unwrap();
        history
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
            .unwrap();
        let root: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&root).unwrap();
        let connector = FakeConnector(fake.clone());
        let mounted = crate::mounted::mount(&root, move || {
            InstanceConnector::provide(connector);
            view! {
                <Router>
                    {link_to.map(|href| view! { <a id="to" href=href>"The other twin"</a> })}
                    <Routes fallback=|| "no route">
                        <ParentRoute path=path!("/t/:tenant") view=Outlet>
                            <InstanceRoutes/>
                        </ParentRoute>
                    </Routes>
                </Router>
            }
        });
        Self {
            root,
            mounted: Some(Box::new(mounted)),
            started_at,
        }
    }

    /// The page's text now.
    fn text(&self) -> String {
        text(&self.root)
    }

    /// The element `selector` finds (it must be there).
    fn element(&self, selector: &str) -> web_sys::HtmlElement {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector} on the page: {}", self.text()))
            .unchecked_into()
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        drop(self.mounted.take());
        let history = web_sys::window().unwrap().history().unwrap();
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&self.started_at),
        );
    }
}

/// Twin A (held) → twin B at `to`; then A's reply arrives. `b_host` is where B lives.
async fn check(to_tenant: &str, to_host: &str) {
    let fake = Rc::new(FakeAdt::default());
    let a_reply = adt_twin_path(HOST_ONE, "A");
    fake.hold(&a_reply);
    let page = Opened::at(
        &fake,
        &twin_path(TENANT_ONE, HOST_ONE, "A"),
        Some(twin_path(to_tenant, to_host, "B")),
    );

    // A is asked for and shows as loading; its reply waits.
    wait_until(&page.root, "twin A's page", |t| {
        t.contains("Loading the twin")
    })
    .await;
    wait_for("asking for twin A", || fake.asked(&a_reply)).await;

    // The person goes to B, which arrives.
    page.element("#to").click();
    let b_etag = format!("etag-of-B-on-{to_host}");
    wait_until(&page.root, "twin B's arrival", |t| t.contains(&b_etag)).await;

    // A's reply comes in late.
    assert_eq!(fake.release(&a_reply), 1, "A's reply was held once");
    sleep_ms(300).await;
    let now = page.text();
    assert!(
        now.contains(&b_etag) && now.contains("Twin B"),
        "B (its reply and its heading) left the screen after A's late reply: {now}"
    );
    assert!(
        !now.contains("etag-of-A"),
        "A's late reply landed on B's screen: {now}"
    );
    if to_host != HOST_ONE {
        let short = to_host.split('.').next().unwrap();
        assert!(
            now.contains(short),
            "the navigation names the new instance {short}: {now}"
        );
    }
}

#[wasm_bindgen_test]
async fn twin_a_to_twin_b_keeps_b_when_as_reply_comes_late() {
    check(TENANT_ONE, HOST_ONE).await;
}

#[wasm_bindgen_test]
async fn an_instance_switch_keeps_the_new_instance_when_the_old_reply_comes_late() {
    check(TENANT_ONE, HOST_TWO).await;
}

#[wasm_bindgen_test]
async fn a_tenant_switch_keeps_the_new_tenant_when_the_old_reply_comes_late() {
    check(TENANT_TWO, HOST_TWO).await;
}

/// Twin A's relationships are read while it holds X (that reply held); then X is deleted
/// elsewhere and the page reads again (the person asks to delete the twin, which reads the
/// lists first); the newer reply (no X) arrives, then the older one: the table keeps the
/// newer list.
#[wasm_bindgen_test]
async fn an_older_relationship_list_answering_last_does_not_replace_the_newer_one() {
    let fake = Rc::new(FakeAdt::default());
    fake.writer.set(true);
    *fake.outgoing.borrow_mut() = vec![json!({
        "$relationshipId": "rel-x",
        "$relationshipName": "contains",
        "$sourceId": "A",
        "$targetId": "B",
        "$etag": "W/\"x\"",
    })];
    let lists = format!("{}/relationships", adt_twin_path(HOST_ONE, "A"));
    fake.hold(&lists);
    let page = Opened::at(&fake, &twin_path(TENANT_ONE, HOST_ONE, "A"), None);
    wait_until(&page.root, "twin A with its delete button", |t| {
        t.contains("etag-of-A") && t.contains("Delete twin…")
    })
    .await;
    wait_for("the first read waiting", || fake.held_count(&lists) == 1).await;

    // X is deleted elsewhere; the person asks to delete the twin, which reads again.
    fake.outgoing.borrow_mut().clear();
    let delete = page.element(".twin-delete > button");
    assert_eq!(delete.text_content().as_deref(), Some("Delete twin…"));
    delete.click();
    wait_for("the second read waiting too", || {
        fake.held_count(&lists) == 2
    })
    .await;

    // The newer answer first: no X (the delete dialog opens once it is read, counting no
    // relationship).
    assert!(fake.release_newest(&lists));
    wait_until(&page.root, "the dialog after the newer read", |t| {
        t.contains("Delete twin A?") && t.contains("No outgoing relationships.")
    })
    .await;
    // Then the older one, which still holds X.
    assert!(fake.release_newest(&lists));
    sleep_ms(300).await;
    let now = page.text();
    assert!(
        now.contains("No outgoing relationships.") && !now.contains("rel-x"),
        "the older list replaced the newer one: {now}"
    );
}

/// A twin's two relationship lists are asked for together: while the outgoing list's reply
/// waits, the incoming list has been asked for (each list may take several pages, so asking
/// one after the other would add every page of one to the wait for the other). Until they are
/// answered the page says it is reading them, not that there are none.
#[wasm_bindgen_test]
async fn a_twins_relationship_lists_are_asked_for_together_and_read_before_called_empty() {
    let fake = Rc::new(FakeAdt::default());
    let outgoing = format!("{}/relationships", adt_twin_path(HOST_ONE, "A"));
    let incoming = format!("{}/incomingrelationships", adt_twin_path(HOST_ONE, "A"));
    fake.hold(&outgoing);
    let page = Opened::at(&fake, &twin_path(TENANT_ONE, HOST_ONE, "A"), None);
    wait_for("the outgoing list waiting", || {
        fake.held_count(&outgoing) == 1
    })
    .await;
    wait_for("the incoming list asked for meanwhile", || {
        fake.asked(&incoming)
    })
    .await;
    wait_until(&page.root, "the page saying it reads the lists", |t| {
        t.contains("Reading the outgoing relationships…")
            && t.contains("Reading the incoming relationships…")
    })
    .await;
    let before = page.text();
    assert!(
        !before.contains("No outgoing relationships.") && !before.contains("No incoming"),
        "the page called the lists empty before they were read: {before}"
    );
    assert_eq!(
        fake.held_count(&outgoing),
        1,
        "the outgoing list still waits"
    );
    assert_eq!(fake.release(&outgoing), 1);
    wait_until(&page.root, "twin A with its lists read", |t| {
        t.contains("etag-of-A")
            && t.contains("No outgoing relationships.")
            && t.contains("No incoming relationships.")
    })
    .await;
    assert!(!page.text().contains("Reading the"), "{}", page.text());
}

/// Opening twin A (held) at `path` asks for the relationship lists the screen shows
/// (`incoming_shown`: the incoming one too) beside the twin itself: they need only its id, and
/// waiting for the twin and then its model first would add two round trips to each list (on
/// Azure, the slowest part of opening a twin). `lists_shown` is what the screen says of the
/// lists once the twin is in. Each list shown is read once; one not shown, never.
async fn check_lists_asked_with_the_twin(path: &str, incoming_shown: bool, lists_shown: &[&str]) {
    let fake = Rc::new(FakeAdt::default());
    let twin = adt_twin_path(HOST_ONE, "A");
    let outgoing = format!("{twin}/relationships");
    let incoming = format!("{twin}/incomingrelationships");
    fake.hold(&twin);
    let page = Opened::at(&fake, path, None);
    wait_for("twin A's read waiting", || fake.held_count(&twin) == 1).await;
    wait_for("the outgoing list asked for while the twin is read", || {
        fake.asked(&outgoing)
    })
    .await;
    if incoming_shown {
        wait_for("the incoming list asked for while the twin is read", || {
            fake.asked(&incoming)
        })
        .await;
    }
    assert_eq!(fake.held_count(&twin), 1, "the twin's read still waits");
    assert!(!page.text().contains("etag-of-A"), "{}", page.text());
    assert_eq!(fake.release(&twin), 1);
    wait_until(&page.root, "twin A with its lists", |t| {
        t.contains("etag-of-A") && lists_shown.iter().all(|l| t.contains(l))
    })
    .await;
    sleep_ms(200).await;
    let times = |p: &str| fake.asked.borrow().iter().filter(|a| *a == p).count();
    assert_eq!(
        (times(&outgoing), times(&incoming)),
        (1, usize::from(incoming_shown)),
        "each list shown is read once (not again when the twin arrives), one not shown never"
    );
}

#[wasm_bindgen_test]
async fn the_twin_page_asks_for_the_relationship_lists_while_the_twin_is_read() {
    check_lists_asked_with_the_twin(
        &twin_path(TENANT_ONE, HOST_ONE, "A"),
        true,
        &["No outgoing relationships.", "No incoming relationships."],
    )
    .await;
}

/// The inspector shows the outgoing relationships only: the incoming list (which may take
/// many pages) is not read for it.
#[wasm_bindgen_test]
async fn the_workspace_inspector_asks_for_the_outgoing_list_while_the_twin_is_read() {
    check_lists_asked_with_the_twin(
        &format!("/t/{TENANT_ONE}/i/{HOST_ONE}/twins?twin=A"),
        false,
        &["No outgoing relationships."],
    )
    .await;
}

/// A fake whose twin A has 25 outgoing relationships (`rel-00` … `rel-24`), listed ten to a
/// page, the second page's request held; and that page's key (for `release`).
fn a_long_list_with_its_second_page_held() -> (Rc<FakeAdt>, String) {
    let fake = Rc::new(FakeAdt::default());
    *fake.outgoing.borrow_mut() = (0..25)
        .map(|i| {
            json!({
                "$relationshipId": format!("rel-{i:02}"),
                "$relationshipName": "contains",
                "$sourceId": "A",
                "$targetId": format!("T{i:02}"),
                "$etag": format!("W/\"e{i}\""),
            })
        })
        .collect();
    fake.page_size.set(Some(10));
    let second_page = "continuationToken=10&".to_owned();
    fake.hold_queries.borrow_mut().push(second_page.clone());
    (fake, second_page)
}

/// A twin with 25 outgoing relationships, listed ten to a page, the second page held: the
/// first ten are on screen with "Reading more…" under them (not "No outgoing relationships.",
/// not nothing); once the rest arrive, all 25 and no "Reading more…".
#[wasm_bindgen_test]
async fn a_long_relationship_list_shows_its_first_page_while_the_rest_comes() {
    let (fake, second_page) = a_long_list_with_its_second_page_held();
    let page = Opened::at(&fake, &twin_path(TENANT_ONE, HOST_ONE, "A"), None);
    // How many of the relationships' ids are on screen.
    let rows = || {
        let text = page.text();
        (0..25)
            .filter(|i| text.contains(&format!("rel-{i:02}")))
            .count()
    };
    wait_for("the second page waiting", || {
        fake.held_count(&second_page) == 1
    })
    .await;
    wait_until(&page.root, "the first page on screen", |t| {
        t.contains("rel-09") && t.contains("Reading more…")
    })
    .await;
    let now = page.text();
    assert!(
        !now.contains("rel-10") && !now.contains("No outgoing"),
        "{now}"
    );
    assert_eq!(rows(), 10, "the first page's rows: {now}");

    assert_eq!(fake.release(&second_page), 1);
    wait_until(&page.root, "the whole list", |t| t.contains("rel-24")).await;
    wait_until(&page.root, "no more reading", |t| {
        !t.contains("Reading more…")
    })
    .await;
    assert_eq!(rows(), 25, "every relationship once: {}", page.text());
}

/// A long list whose second page is refused on its first read: the first page, shown while
/// the rest came, goes; the page says the list could not be read (and why), not ten rows as
/// if they were all.
#[wasm_bindgen_test]
async fn a_long_relationship_list_that_fails_half_way_shows_none_of_it() {
    let (fake, second_page) = a_long_list_with_its_second_page_held();
    fake.refuse_queries.borrow_mut().push(second_page.clone());
    let page = Opened::at(&fake, &twin_path(TENANT_ONE, HOST_ONE, "A"), None);
    wait_until(&page.root, "the first page on screen", |t| {
        t.contains("rel-09") && t.contains("Reading more…")
    })
    .await;
    assert_eq!(fake.release(&second_page), 1);
    wait_until(&page.root, "the list said unreadable", |t| {
        t.contains("The outgoing relationships could not be read.")
            && t.contains("This page is refused.")
    })
    .await;
    let now = page.text();
    assert!(
        !now.contains("rel-00") && !now.contains("Reading more…"),
        "part of an unread list stayed on screen: {now}"
    );
}
