//! The SPA in a real browser (headless Chromium via wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use twinscope::App;
use twinscope::config::{ConfigError, FieldError, FieldProblem, RuntimeConfig};
use twinscope::pages::error::ConfigErrorPage;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh container in the page, so tests do not see each other's DOM.
fn container() -> web_sys::HtmlElement {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
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

/// Waits until `selector` matches inside `root`, for up to 10 s.
async fn wait_for(root: &web_sys::HtmlElement, selector: &str) -> web_sys::Element {
    for _ in 0..200 {
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        sleep_ms(50).await;
    }
    panic!(
        "nothing matched {selector:?} within 10 s; DOM: {}",
        root.inner_html()
    );
}

#[wasm_bindgen_test]
fn config_defaults_the_redirect_uri_to_this_pages_origin() {
    let origin = twinscope::api::page_origin();
    assert!(
        origin.starts_with("http://127.0.0.1:") || origin.starts_with("http://localhost:"),
        "{origin}"
    );
    let json = r#"{"clientId":"8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13","authority":"http://localhost:8480/organizations"}"#;
    let config = RuntimeConfig::from_json(json, &origin).unwrap();
    assert_eq!(config.redirect_uri.to_string(), format!("{origin}/"));
}

#[wasm_bindgen_test]
async fn config_error_page_names_each_field() {
    let root = container();
    let error = ConfigError::Fields(vec![
        FieldError {
            field: "clientId".into(),
            problem: FieldProblem::Missing,
        },
        FieldError {
            field: "authority".into(),
            problem: FieldProblem::Invalid("`x` must use https".into()),
        },
    ]);
    let _handle = crate::mounted::mount(
        &root,
        move || view! { <ConfigErrorPage error=error.clone()/> },
    );
    let alert = wait_for(&root, "[role=alert]").await;
    let missing = wait_for(&root, "li[data-field=clientId][data-problem=missing]").await;
    assert!(
        missing
            .text_content()
            .unwrap()
            .contains("`clientId` is required")
    );
    let invalid = wait_for(&root, "li[data-field=authority][data-problem=invalid]").await;
    assert!(invalid.text_content().unwrap().contains("must use https"));
    assert!(
        alert
            .text_content()
            .unwrap()
            .contains("twinscope cannot start")
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn app_without_a_config_explains_instead_of_going_blank() {
    // The test server has no /config.json, so the app must say so.
    let root = container();
    let config = twinscope::runtime_config().await;
    let _handle = crate::mounted::mount(&root, move || view! { <App config/> });
    let alert = wait_for(&root, "[role=alert]").await;
    let text = alert.text_content().unwrap();
    assert!(text.contains("twinscope cannot start"), "{text}");
    assert!(text.contains("config.json answered HTTP 404"), "{text}");
    root.remove();
}

/// A page that carries its `config.json` (the gateway writes it into a meta of the head)
/// starts from it: no request for `/config.json` (which this test server would answer 404),
/// and a bad field in it is named as it would be in the file.
#[wasm_bindgen_test]
async fn app_starts_from_the_config_the_page_carries() {
    struct Meta(web_sys::Element);
    impl Drop for Meta {
        fn drop(&mut self) {
            self.0.remove();
        }
    }
    let meta = document().create_element("meta").unwrap();
    meta.set_attribute("name", twinscope::api::CONFIG_META_NAME)
        .unwrap();
    meta.set_attribute(
        "content",
        r#"{"clientId":"not-a-guid","authority":"http://localhost:8480/organizations"}"#,
    )
    .unwrap();
    document().head().unwrap().append_child(&meta).unwrap();
    let _meta = Meta(meta);
    let root = container();
    let config = twinscope::runtime_config().await;
    let _handle = crate::mounted::mount(&root, move || view! { <App config/> });
    let alert = wait_for(&root, "[role=alert]").await;
    let text = alert.text_content().unwrap();
    assert!(text.contains("twinscope cannot start"), "{text}");
    assert!(
        root.query_selector("li[data-field=clientId][data-problem=invalid]")
            .unwrap()
            .is_some(),
        "the carried config's clientId is named: {text}"
    );
    assert!(!text.contains("HTTP 404"), "{text}");
    root.remove();
}

/// A resource still loading, read under a `Transition`: plainly, the `Transition` shows its
/// fallback until it is in (here: never); read with `tenants::unheld`, what reads it is shown
/// at once, and shows the value once it comes.
#[wasm_bindgen_test]
async fn a_resource_read_unheld_does_not_hold_its_transition() {
    let root = container();
    let (release, arrived) = futures::channel::oneshot::channel::<u32>();
    let _handle = crate::mounted::mount(&root, move || {
        let slow = LocalResource::new(futures::future::pending::<u32>);
        let later = LocalResource::new({
            let arrived = std::cell::RefCell::new(Some(arrived));
            move || {
                let rx = arrived.borrow_mut().take();
                async move {
                    match rx {
                        Some(rx) => rx.await.unwrap_or(0),
                        None => 0,
                    }
                }
            }
        });
        view! {
            <div id="plain"><Transition fallback=|| "held">{move || format!("shown {:?}", slow.get())}</Transition></div>
            <div id="unheld"><Transition fallback=|| "held">{move || format!("shown {:?}", twinscope::tenants::unheld(|| later.get()))}</Transition></div>
        }
    });
    let text = |id: &str| {
        root.query_selector(&format!("#{id}"))
            .unwrap()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };
    wait_for(&root, "#unheld").await;
    sleep_ms(200).await;
    assert_eq!(
        text("plain"),
        "held",
        "the control: a plain read holds its Transition"
    );
    assert_eq!(text("unheld"), "shown None");
    release.send(7).unwrap();
    for _ in 0..100 {
        if text("unheld") == "shown Some(7)" {
            break;
        }
        sleep_ms(20).await;
    }
    assert_eq!(
        text("unheld"),
        "shown Some(7)",
        "the reader follows the resource"
    );
    root.remove();
}

mod token_cache {
    use twinscope::auth::cache::{CacheKey, HomeAccountId, ScopeSet, Secret, TokenCache};
    use twinscope::auth::storage::{ConfiguredStorage, Storage};
    use twinscope::config::CacheLocation;
    use twinscope::ids::TenantId;
    use wasm_bindgen_test::*;

    const NOW: i64 = 1_800_000_000;

    fn web_storage_text(local: bool) -> String {
        let window = web_sys::window().unwrap();
        let storage = if local {
            window.local_storage()
        } else {
            window.session_storage()
        };
        let storage = storage.unwrap().unwrap();
        (0..storage.length().unwrap())
            .filter_map(|i| storage.key(i).unwrap())
            .map(|k| format!("{k}={}", storage.get_item(&k).unwrap().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stores tokens whose text is unique to this run and location, reads them back, and
    /// returns the secret text so the caller can look for it in the browser's storages.
    fn round_trip(
        location: CacheLocation,
    ) -> (TokenCache<ConfiguredStorage>, HomeAccountId, String) {
        let tenant = TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap();
        let account = HomeAccountId::new("5b2d0aa1-0000-4000-8000-000000000001", &tenant);
        let key = CacheKey {
            account: account.clone(),
            tenant,
            scopes: ScopeSet::new(["https://digitaltwins.azure.net/.default"]),
        };
        let secret = format!(
            "secret-access-token-{}-{}",
            location.as_str(),
            js_sys::Math::random()
        );
        let cache = TokenCache::new(ConfiguredStorage::for_location(location).unwrap());
        cache
            .put_access_token(&key, &Secret::new(secret.clone()), 3600, NOW)
            .unwrap();
        cache
            .put_refresh_token(&account, &Secret::new(format!("{secret}-refresh")), NOW)
            .unwrap();
        assert_eq!(
            cache.access_token(&key, NOW + 60).unwrap().token.expose(),
            secret
        );
        assert_eq!(
            cache
                .refresh_token(&account, NOW + 60)
                .unwrap()
                .token
                .expose(),
            format!("{secret}-refresh")
        );
        (cache, account, secret)
    }

    #[wasm_bindgen_test]
    fn session_storage_keeps_tokens_out_of_local_storage() {
        let (cache, account, secret) = round_trip(CacheLocation::SessionStorage);
        assert!(
            web_storage_text(false).contains(&secret),
            "the tokens are in sessionStorage"
        );
        assert!(
            !web_storage_text(true).contains("secret-access-token"),
            "nothing in localStorage"
        );
        cache.remove_account(&account);
        assert!(
            !web_storage_text(false).contains(&secret),
            "sign-out removes them"
        );
    }

    #[wasm_bindgen_test]
    fn local_storage_round_trip() {
        let (cache, account, secret) = round_trip(CacheLocation::LocalStorage);
        assert!(web_storage_text(true).contains(&secret));
        cache.remove_account(&account);
        assert!(!web_storage_text(true).contains(&secret));
    }

    #[wasm_bindgen_test]
    fn memory_cache_touches_no_browser_storage() {
        let (cache, _, secret) = round_trip(CacheLocation::Memory);
        assert!(!web_storage_text(true).contains(&secret));
        assert!(!web_storage_text(false).contains(&secret));
        assert!(
            cache
                .refresh_token(
                    &HomeAccountId::new(
                        "x",
                        &TenantId::parse("9e16b21b-807b-43e3-95d5-439af2c3b46b").unwrap()
                    ),
                    NOW
                )
                .is_none()
        );
    }

    #[wasm_bindgen_test]
    fn storage_keys_are_listed_for_sweeping() {
        let storage = ConfiguredStorage::for_location(CacheLocation::SessionStorage).unwrap();
        storage.set("twinscope.test.listed", "1").unwrap();
        assert!(storage.keys().iter().any(|k| k == "twinscope.test.listed"));
        storage.remove("twinscope.test.listed");
        assert!(storage.get("twinscope.test.listed").is_none());
    }
}

/// The property editor in the browser: units beside values, read-only properties, and the
/// controls of maps, arrays and components writing into the edited twin.
mod property_editor {
    use std::sync::Arc;

    use leptos::prelude::*;
    use serde_json::{Value, json};
    use twinscope::components::property_editor::{
        Access, EditRules, EditState, TwinForm, component_view, field_view,
    };
    use twinscope::model_set::instance_set;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::{container, sleep_ms, wait_for};

    const ROOM: &str = "dtmi:web:Room;1";

    fn models() -> Vec<Value> {
        vec![
            json!({"@id": ROOM, "@type": "Interface",
            "@context": ["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"],
            "contents": [
                {"@type": ["Property", "Temperature"], "name": "temp", "schema": "double",
                 "writable": true, "unit": "degreeCelsius"},
                {"@type": "Property", "name": "serial", "schema": "string"},
                {"@type": "Property", "name": "count", "schema": "integer", "writable": true},
                {"@type": "Property", "name": "tags", "writable": true, "schema": {"@type": "Map",
                    "mapKey": {"name": "tag", "schema": "string"},
                    "mapValue": {"name": "text", "schema": "string"}}},
                {"@type": "Property", "name": "readings", "writable": true,
                 "schema": {"@type": "Array", "elementSchema": "double"}},
                {"@type": "Component", "name": "panel", "schema": "dtmi:web:Panel;1"},
            ]}),
            json!({"@id": "dtmi:web:Panel;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
                   "contents": [{"@type": "Property", "name": "level", "schema": "integer", "writable": true}]}),
        ]
    }

    /// Types `text` into the control `id` the way the browser reports typing (an `input` event).
    fn type_into(root: &web_sys::HtmlElement, id: &str, text: &str) {
        let el = root
            .query_selector(&format!("#{id}"))
            .unwrap()
            .unwrap_or_else(|| panic!("no #{id}: {}", root.inner_html()));
        let typed = js_sys::Function::new_with_args(
            "el, text",
            "el.value = text; el.dispatchEvent(new Event('input', {bubbles: true}));",
        );
        typed
            .call2(&wasm_bindgen::JsValue::NULL, &el, &text.into())
            .unwrap();
    }

    fn click(root: &web_sys::HtmlElement, selector: &str) {
        root.query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing matched {selector}: {}", root.inner_html()))
            .unchecked_into::<web_sys::HtmlElement>()
            .click();
    }

    fn text_of(root: &web_sys::HtmlElement) -> String {
        root.text_content().unwrap_or_default()
    }

    #[wasm_bindgen_test]
    async fn every_schema_kind_is_edited_into_the_twin() {
        let docs = models();
        let built = instance_set(docs.iter().map(|d| (d["@id"].as_str().unwrap(), Some(d))));
        assert!(built.unreadable.is_empty(), "{:?}", built.unreadable);
        let set = Arc::new(built.set);
        let form = TwinForm::of(&set, ROOM).unwrap();
        let state = EditState::new(
            json!({"$dtId": "r", "serial": "S-1", "temp": 20.5}),
            EditRules::Twin {
                set: set.clone(),
                model: ROOM.to_owned(),
            },
            Access::Edit,
            "web",
        );
        let EditState {
            edited, invalid, ..
        } = state;
        let root = container();
        let _handle = crate::mounted::mount(&root, move || {
            let fields = form
                .properties
                .iter()
                .cloned()
                .map(|f| {
                    let path = vec![f.name.clone()];
                    field_view(f, path, state)
                })
                .collect_view();
            let components = form
                .components
                .iter()
                .cloned()
                .map(|c| component_view(c, state))
                .collect_view();
            view! { <div>{fields}{components}</div> }
        });
        wait_for(&root, "#web-temp").await;

        // The unit beside the value, the semantic type below it; read-only is shown, disabled.
        let text = text_of(&root);
        assert!(
            text.contains("°C") && text.contains("Temperature in degreeCelsius"),
            "{text}"
        );
        let serial = wait_for(&root, "#web-serial").await;
        assert!(
            serial.has_attribute("disabled"),
            "read-only properties are not editable"
        );
        assert!(text.contains("read-only"), "{text}");

        // A number as typed; a bad one is explained and changes nothing.
        type_into(&root, "web-temp", "-0.5");
        assert_eq!(edited.get_untracked()["temp"], json!(-0.5));
        type_into(&root, "web-count", "1e");
        wait_for(&root, "#web-count-error").await;
        assert!(text_of(&root).contains("expected a whole number"));
        assert!(edited.get_untracked().get("count").is_none());
        assert_eq!(invalid.get_untracked().len(), 1);
        type_into(&root, "web-count", "12");
        assert_eq!(edited.get_untracked()["count"], json!(12));
        assert!(invalid.get_untracked().is_empty());

        // Array: an added item must be filled, then it is in the twin; removed, it is gone.
        click(&root, "button[aria-label='Add an item to readings']");
        wait_for(&root, "#web-readings-0").await;
        assert_eq!(
            invalid.get_untracked().len(),
            1,
            "an empty item blocks saving"
        );
        type_into(&root, "web-readings-0", "4.5");
        assert_eq!(edited.get_untracked()["readings"], json!([4.5]));
        assert!(invalid.get_untracked().is_empty());
        click(&root, "button[aria-label='Remove item 1 of readings']");
        sleep_ms(50).await;
        assert_eq!(edited.get_untracked()["readings"], json!([]));
        assert!(root.query_selector("#web-readings-0").unwrap().is_none());

        // Map: a key is added, then its value typed.
        type_into(&root, "web-tags-new-key", "floor");
        click(&root, ".property--map .property__add button");
        wait_for(&root, "#web-tags-floor").await;
        type_into(&root, "web-tags-floor", "third");
        assert_eq!(edited.get_untracked()["tags"], json!({"floor": "third"}));
        click(&root, "button[aria-label='Remove entry floor']");
        sleep_ms(50).await;
        assert_eq!(edited.get_untracked()["tags"], json!({}));

        // A component's property: the component gets its $metadata.
        type_into(&root, "web-panel-level", "3");
        assert_eq!(
            edited.get_untracked()["panel"],
            json!({"$metadata": {}, "level": 3})
        );
        root.remove();
    }
    /// The value of the input `selector` once it is `expected` (a control's value is set
    /// after it is mounted), or as it is after a second.
    async fn value_soon(root: &web_sys::HtmlElement, selector: &str, expected: &str) -> String {
        let field = wait_for(root, selector)
            .await
            .unchecked_into::<web_sys::HtmlInputElement>();
        for _ in 0..20 {
            if field.value() == expected {
                break;
            }
            sleep_ms(50).await;
        }
        field.value()
    }

    /// The form of `ROOM`'s properties, editing `state`, in a new container.
    fn mount_form(state: EditState, form: TwinForm) -> (web_sys::HtmlElement, impl Sized) {
        let root = container();
        let handle = crate::mounted::mount(&root, move || {
            form.properties
                .iter()
                .cloned()
                .map(|f| {
                    let path = vec![f.name.clone()];
                    field_view(f, path, state)
                })
                .collect_view()
        });
        (root, handle)
    }

    /// What was typed and did not fit is kept with its text, and a form made afresh (after a
    /// forced sign-in) shows it again in its field, with the reason, still blocking a save.
    #[wasm_bindgen_test]
    async fn text_that_did_not_fit_is_typed_back_into_its_field() {
        let docs = models();
        let built = instance_set(docs.iter().map(|d| (d["@id"].as_str().unwrap(), Some(d))));
        let set = Arc::new(built.set);
        let form = TwinForm::of(&set, ROOM).unwrap();
        let rules = EditRules::Twin {
            set: set.clone(),
            model: ROOM.to_owned(),
        };
        let before = EditState::new(
            json!({"$dtId": "r", "count": 3}),
            rules.clone(),
            Access::Edit,
            "back",
        );
        let (root, handle) = mount_form(before, form.clone());
        wait_for(&root, "#back-count").await;
        type_into(&root, "back-count", "1e");
        wait_for(&root, "#back-count-error").await;
        let typed = before.invalid.get_untracked();
        assert_eq!(
            typed,
            std::collections::BTreeMap::from([("count".to_owned(), "1e".to_owned())]),
            "the text as typed is kept"
        );
        drop(handle);
        root.remove();

        let after = EditState::new(
            json!({"$dtId": "r", "count": 3}),
            rules,
            Access::Edit,
            "back",
        );
        after.type_back(typed);
        let (root, _handle) = mount_form(after, form);
        assert_eq!(value_soon(&root, "#back-count", "1e").await, "1e");
        wait_for(&root, "#back-count-error").await;
        assert!(
            text_of(&root).contains("expected a whole number"),
            "{}",
            text_of(&root)
        );
        assert_eq!(
            after.invalid.get_untracked().len(),
            1,
            "it still blocks saving"
        );
        assert_eq!(after.edited.get_untracked()["count"], json!(3));
        // Typed back once: a field made again starts from the value.
        root.remove();
        let (root, _again) = mount_form(after, TwinForm::of(&set, ROOM).unwrap());
        assert_eq!(value_soon(&root, "#back-count", "3").await, "3");
        root.remove();
    }

    #[wasm_bindgen_test]
    async fn what_the_service_says_about_a_field_is_shown_beside_it_until_it_changes() {
        let docs = models();
        let built = instance_set(docs.iter().map(|d| (d["@id"].as_str().unwrap(), Some(d))));
        let set = Arc::new(built.set);
        let form = TwinForm::of(&set, ROOM).unwrap();
        let state = EditState::new(
            json!({"$dtId": "r", "count": 3}),
            EditRules::Twin {
                set: set.clone(),
                model: ROOM.to_owned(),
            },
            Access::Edit,
            "said",
        );
        state.service.set(std::collections::BTreeMap::from([(
            "count".to_owned(),
            "/count: expected integer".to_owned(),
        )]));
        let service = state.service;
        let root = container();
        let _handle = crate::mounted::mount(&root, move || {
            let fields = form
                .properties
                .iter()
                .cloned()
                .map(|f| {
                    let path = vec![f.name.clone()];
                    field_view(f, path, state)
                })
                .collect_view();
            view! { <div>{fields}</div> }
        });
        let said = wait_for(&root, "#said-count-service").await;
        assert_eq!(
            said.text_content().unwrap(),
            "The service says: /count: expected integer"
        );
        let input = wait_for(&root, "#said-count").await;
        assert!(
            input
                .get_attribute("aria-describedby")
                .unwrap_or_default()
                .contains("said-count-service"),
            "the field is described by what the service said"
        );
        // The person changes the value: what was said about the old one goes.
        type_into(&root, "said-count", "4");
        sleep_ms(50).await;
        assert!(
            root.query_selector("#said-count-service")
                .unwrap()
                .is_none()
        );
        assert!(service.get_untracked().is_empty());
        root.remove();
    }
}

/// The confirmation dialog: a real modal that takes focus, is cancelled by Esc, and gives
/// focus back to the button that opened it.
mod dialogs {
    use leptos::prelude::*;
    use twinscope::components::confirm::ConfirmDialog;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::{container, document, sleep_ms, wait_for};

    fn active() -> web_sys::Element {
        document().active_element().expect("something has focus")
    }

    /// Waits until `check` holds, for up to 5 s.
    async fn until(what: &str, check: impl Fn() -> bool) {
        for _ in 0..100 {
            if check() {
                return;
            }
            sleep_ms(50).await;
        }
        panic!("{what} did not happen within 5 s");
    }

    /// A real key press as the page sees it: `keydown` on what has focus.
    fn press_escape() {
        let press = js_sys::Function::new_no_args(
            "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true, cancelable: true}));",
        );
        press.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_confirmation_takes_focus_esc_cancels_and_focus_goes_back_to_its_button() {
        let root = container();
        let open = RwSignal::new(false);
        let cancelled = RwSignal::new(0);
        let confirmed = RwSignal::new(0);
        let _handle = crate::mounted::mount(&root, move || {
            view! {
                <button id="opener" on:click=move |_| open.set(true)>"Delete…"</button>
                {move || open.get().then(|| view! {
                    <ConfirmDialog
                        title="Delete relationship r1?"
                        confirm="Delete relationship"
                        on_confirm=move |()| { open.set(false); confirmed.update(|n| *n += 1); }
                        on_cancel=move |()| { open.set(false); cancelled.update(|n| *n += 1); }
                    >
                        <p>"It goes; both twins stay."</p>
                    </ConfirmDialog>
                })}
            }
        });
        let opener: web_sys::HtmlElement = wait_for(&root, "#opener").await.unchecked_into();
        opener.focus().unwrap();
        opener.click();

        // A modal dialog, named by its heading, described by its body, focus on Cancel.
        let dialog = wait_for(&root, "dialog[open]").await;
        assert!(dialog.matches(":modal").unwrap(), "opened as a modal");
        assert_eq!(dialog.get_attribute("role").as_deref(), Some("alertdialog"));
        let title = dialog.get_attribute("aria-labelledby").unwrap();
        assert_eq!(
            document()
                .get_element_by_id(&title)
                .unwrap()
                .text_content()
                .unwrap(),
            "Delete relationship r1?"
        );
        until("focus moving into the dialog", || {
            dialog.contains(Some(&active()))
        })
        .await;
        assert_eq!(active().text_content().unwrap(), "Cancel");

        // Esc cancels; focus is back on the button that opened it.
        press_escape();
        until("the dialog closing", || {
            root.query_selector("dialog").unwrap().is_none()
        })
        .await;
        assert_eq!(cancelled.get_untracked(), 1);
        assert_eq!(confirmed.get_untracked(), 0);
        assert_eq!(active().id(), "opener", "focus returned to the opener");

        // Confirming runs the action once.
        opener.click();
        let dialog = wait_for(&root, "dialog[open]").await;
        dialog
            .query_selector(".button--danger")
            .unwrap()
            .expect("the confirming button")
            .unchecked_into::<web_sys::HtmlElement>()
            .click();
        until("the dialog closing", || {
            root.query_selector("dialog").unwrap().is_none()
        })
        .await;
        assert_eq!(confirmed.get_untracked(), 1);
        assert_eq!(cancelled.get_untracked(), 1);
        root.remove();
    }
}
