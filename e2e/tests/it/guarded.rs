//! Guarded editing, acting as a person (issue #15, problems 5 and 6): keys typed one at a
//! time, only what is on screen clicked. Deleting a relationship asks first, naming it, and
//! Undo brings the same relationship back; deleting a twin says how many relationships go
//! with it; leaving a twin with unsaved edits (a link, Back, a reload) asks first; a save the
//! service refuses shows the service's reason beside the field. Every outcome is checked in
//! the emulator's store; axe-core checks each dialog.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::a11y::assert_no_serious_violations;
use twinscope_e2e::pages::{Dialog, ModelsPage, TwinDetail, wait_for_text};
use twinscope_e2e::person::{
    assert_in_view, back_and_leave_without_saving, click_button, click_in_view, open_signed_in,
    open_signed_in_recording, press, scroll_and_click, scroll_to, session_ends_then_press,
    sign_in_again_from_the_page, type_text,
};
use twinscope_e2e::problems::assert_no_problems;
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};
use twinscope_emulator::adt::seed_graph::{EQUIPMENT, HAS_SENSOR, ROOM as ROOM_MODEL, SENSOR};
use twinscope_emulator::adt::store::Record;
use twinscope_emulator::adt::wire::new_etag;

/// A seeded room: a floor points at it, it points at its equipment.
const ROOM: &str = "site-1-b1-f0-r01";
const NAME: &str = "Name (name)";
const WRITER: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
/// Twins.Admin and Data Owner on the campus: manages models.
const ADMIN: (&str, &str) = ("alex@contoso.onmicrosoft.com", "Alex-dev-1");

fn twin_url(id: &str) -> String {
    format!("/t/{CONTOSO}/i/{CAMPUS}/twins/{id}")
}

async fn signed_in_at(stack: &Stack, path: &str) -> Browser {
    open_signed_in(stack, path, WRITER).await
}

/// Waits until `check` holds on the store.
async fn until_stored(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what} never happened in the store"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The accessible name of what has focus (`aria-label`, else its text).
async fn focused_name(browser: &Browser) -> String {
    let value = browser
        .eval("const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.textContent.trim()) : ''")
        .await
        .unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

/// Waits until focus is on something named `name`.
async fn expect_focus_on(browser: &Browser, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = focused_name(browser).await;
        if now == name {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "focus is on {now:?}, not on {name:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn path_now(browser: &Browser) -> String {
    browser
        .eval("return location.pathname")
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_relationship_delete_names_it_first_and_undo_brings_the_same_one_back() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    // Equipment with a sensor; its relationship gets a property, behind the UI.
    let (equipment, relationship) = {
        let store = stack.campus().store();
        store
            .state
            .twins
            .iter()
            .filter(|(_, t)| t["$metadata"]["$model"] == EQUIPMENT)
            .find_map(|(id, _)| {
                let rel = store
                    .state
                    .outgoing(id)
                    .find(|r| r["$relationshipName"] == HAS_SENSOR)?
                    .clone();
                Some((id.clone(), rel))
            })
            .expect("seeded equipment with a sensor")
    };
    let mut relationship = relationship;
    relationship["installedAt"] = json!("2024-05-01T08:00:00Z");
    relationship["$etag"] = json!(new_etag());
    stack
        .campus()
        .store()
        .commit(vec![Record::PutRelationship {
            relationship: relationship.clone(),
        }])
        .unwrap();
    let rel_id = relationship["$relationshipId"].as_str().unwrap().to_owned();
    let sensor = relationship["$targetId"].as_str().unwrap().to_owned();

    let browser = signed_in_at(&stack, &twin_url(&equipment)).await;
    let page = TwinDetail::expect(&browser, &equipment).await.unwrap();
    let rels = page.relationships();
    rels.expect_outgoing(&rel_id).await.unwrap();

    // The dialog names the relationship, its ends and its property, and offers Undo after.
    let dialog = rels.start_delete(&rel_id).await.unwrap();
    let said = dialog.text().await.unwrap();
    for part in [
        rel_id.as_str(),
        HAS_SENSOR,
        equipment.as_str(),
        sensor.as_str(),
        "installedAt: 2024-05-01T08:00:00Z",
        "You can undo this for 30 seconds.",
    ] {
        assert!(
            said.contains(part),
            "the dialog says {said:?}, without {part:?}"
        );
    }
    expect_focus_on(&browser, "Cancel").await;
    assert_no_serious_violations(&browser, "the relationship delete dialog").await;
    browser
        .screenshot(&screenshot_dir().join("relationship-delete-dialog.png"))
        .await
        .unwrap();

    // Esc: nothing goes, focus is back on the row's button.
    press(&browser, Key::Escape).await.unwrap();
    Dialog::expect_closed(&browser).await.unwrap();
    expect_focus_on(&browser, &format!("Delete relationship {rel_id}")).await;
    assert!(stack.stored_relationship(&equipment, &rel_id).is_some());

    // Confirmed: it goes, and its row offers Undo (focus on it).
    rels.delete(&rel_id).await.unwrap();
    until_stored("the delete", || {
        stack.stored_relationship(&equipment, &rel_id).is_none()
    })
    .await;
    let undo_name = format!("Undo deleting relationship {rel_id}");
    let undo = browser.find_by_role("button", &undo_name).await.unwrap();
    assert_in_view(&browser, &undo, "Undo").await.unwrap();
    expect_focus_on(&browser, &undo_name).await;
    wait_for_text(
        &browser,
        &format!("Deleted {rel_id} ({HAS_SENSOR} → {sensor})."),
    )
    .await
    .unwrap();
    click_in_view(&browser, &undo, "Undo").await.unwrap();

    // The same relationship again: id, name, target and property.
    until_stored("the undo", || {
        stack.stored_relationship(&equipment, &rel_id).is_some()
    })
    .await;
    let back = stack.stored_relationship(&equipment, &rel_id).unwrap();
    for member in ["$relationshipName", "$targetId", "$sourceId", "installedAt"] {
        assert_eq!(back[member], relationship[member], "{member}: {back}");
    }
    rels.expect_outgoing(&rel_id).await.unwrap();
    expect_focus_on(&browser, &format!("Delete relationship {rel_id}")).await;
    browser.close().await.unwrap();
}

/// A relationship's key in the store: its source and its id.
type SourceAndId = (String, String);

#[tokio::test]
async fn deleting_a_twin_says_how_many_relationships_go_with_it() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let (outgoing, incoming): (Vec<SourceAndId>, Vec<SourceAndId>) = {
        let store = stack.campus().store();
        let key = |r: &Value| {
            (
                r["$sourceId"].as_str().unwrap().to_owned(),
                r["$relationshipId"].as_str().unwrap().to_owned(),
            )
        };
        (
            store.state.outgoing(ROOM).map(key).collect(),
            store.state.incoming_of(ROOM).map(key).collect(),
        )
    };
    assert!(
        !outgoing.is_empty() && !incoming.is_empty(),
        "the seeded room has relationships both ways"
    );
    let total = outgoing.len() + incoming.len();

    let browser = signed_in_at(&stack, &twin_url(ROOM)).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let dialog = page.start_delete().await.unwrap();
    let said = dialog.text().await.unwrap();
    let count = format!(
        "Its {total} relationships ({} outgoing, {} incoming) are deleted first",
        outgoing.len(),
        incoming.len()
    );
    assert!(said.contains(&count), "{said:?} lacks {count:?}");
    for (_, id) in outgoing.iter().chain(&incoming).take(10) {
        assert!(said.contains(id.as_str()), "{said:?} does not name {id}");
    }
    expect_focus_on(&browser, "Cancel").await;
    assert_no_serious_violations(&browser, "the twin delete dialog").await;
    browser
        .screenshot(&screenshot_dir().join("twin-delete-dialog.png"))
        .await
        .unwrap();

    // Cancel: nothing goes; focus is back on "Delete twin…".
    dialog.dialog.press("Cancel").await.unwrap();
    Dialog::expect_closed(&browser).await.unwrap();
    expect_focus_on(&browser, "Delete twin…").await;
    assert!(stack.stored_twin(ROOM).is_some());

    // Confirmed: the relationships, then the twin.
    let dialog = page.start_delete().await.unwrap();
    dialog.confirm().await.unwrap();
    browser
        .wait_for_script(
            "return location.pathname.endsWith('/twins')",
            "the twin list after the delete",
        )
        .await
        .unwrap();
    assert_eq!(stack.stored_twin(ROOM), None);
    for (source, id) in outgoing.iter().chain(&incoming) {
        assert_eq!(stack.stored_relationship(source, id), None, "{source} {id}");
    }
    browser.close().await.unwrap();
}

/// Whether the page cancels `beforeunload` now, which makes the browser ask "Leave site?"
/// before a reload or a closed tab (the event is the one the browser sends).
async fn unload_is_questioned(browser: &Browser) -> bool {
    browser
        .eval("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented")
        .await
        .unwrap()
        == Value::Bool(true)
}

/// Follows the app's link `name` from a page with unsaved edits and answers "Leave without
/// saving".
async fn leave_without_saving_by(browser: &Browser, name: &str) {
    let link = browser.find_by_role("link", name).await.unwrap();
    scroll_and_click(browser, &link, &format!("the {name} link")).await;
    Dialog::expect(browser, "Leave without saving?")
        .await
        .unwrap()
        .press("Leave without saving")
        .await
        .unwrap();
}

#[tokio::test]
async fn leaving_a_twin_with_text_that_does_not_fit_leaves_the_app_working() {
    // Leaving took the field down, whose going woke the save bar after the page had gone: it
    // panicked on a disposed signal and every later request of the app waited for ever.
    const OCCUPANCY: &str = "Occupancy (occupancy)";
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in_recording(&stack, &twin_url(ROOM), WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let stored = stack.stored_twin(ROOM).unwrap()["occupancy"].to_string();
    let field = page.field(OCCUPANCY).await.unwrap();
    click_in_view(&browser, &field, OCCUPANCY).await.unwrap();
    field.send_keys(&Key::End.to_string()).await.unwrap();
    type_text(&field, "e").await.unwrap();
    wait_for_text(&browser, "expected a whole number")
        .await
        .unwrap();

    leave_without_saving_by(&browser, "Models").await;
    let models = ModelsPage::expect(&browser).await.unwrap();
    assert!(!models.model_ids().await.unwrap().is_empty());

    // The app still answers: Back opens the twin again, read afresh.
    browser.client().back().await.unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    assert_eq!(page.value_of(OCCUPANCY).await.unwrap(), stored);
    assert!(!page.can_save().await.unwrap(), "nothing was kept to save");
    assert_no_problems(&browser).await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn back_after_a_sign_in_that_kept_edits_asks_once_and_leaves_the_twin() {
    // The session ends under unsaved edits; after signing in again they are back. Back then
    // asks once and, on "Leave without saving", goes to the page before the twin: before, the
    // same twin came twice more (the guard's entry from before the sign-in and the address the
    // sign-in left from), then the identity platform's page.
    let stack = Stack::start_renewing_before_every_request()
        .await
        .expect("stack starts");
    let tenant = format!("/t/{CONTOSO}");
    let browser = open_signed_in_recording(&stack, &tenant, WRITER).await;
    browser.find_by_role("heading", "Contoso").await.unwrap();
    browser.goto(&stack.url(&twin_url(ROOM))).await.unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let kept = "Office 0.01, kept";
    page.set_text(NAME, kept).await.unwrap();

    session_ends_then_press(&stack, &browser, WRITER.0, "Save changes").await;
    sign_in_again_from_the_page(&browser, WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    wait_for_text(
        &browser,
        "Your unsaved changes from before you signed in again are back",
    )
    .await
    .unwrap();
    assert_eq!(page.value_of(NAME).await.unwrap(), kept);

    back_and_leave_without_saving(&browser).await;
    browser
        .wait_for_script(
            &format!("return location.pathname === '{tenant}' && !location.search"),
            "the organisation's page, the one before the twin",
        )
        .await
        .unwrap();
    browser.find_by_role("heading", "Contoso").await.unwrap();
    assert_no_problems(&browser).await;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn leaving_a_twin_with_unsaved_edits_asks_first() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = signed_in_at(&stack, &twin_url(ROOM)).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let here = path_now(&browser).await;
    let before = stack.stored_twin(ROOM).unwrap()["name"].clone();
    let typed = format!("{} (draft)", before.as_str().unwrap());

    let field = page.field(NAME).await.unwrap();
    click_in_view(&browser, &field, NAME).await.unwrap();
    type_text(&field, " (draft)").await.unwrap();
    assert_eq!(page.value_of(NAME).await.unwrap(), typed);

    // A link of the app: asked, "Stay" keeps everything.
    let twins_link = browser.find_by_role("link", "Twins").await.unwrap();
    scroll_and_click(&browser, &twins_link, "the Twins link").await;
    let dialog = Dialog::expect(&browser, "Leave without saving?")
        .await
        .unwrap();
    let said = dialog.text().await.unwrap();
    assert!(
        said.contains(&format!("Your change to twin {ROOM} is not saved")),
        "{said}"
    );
    expect_focus_on(&browser, "Stay").await;
    assert_no_serious_violations(&browser, "the unsaved-changes dialog").await;
    dialog.press("Stay").await.unwrap();
    Dialog::expect_closed(&browser).await.unwrap();
    assert_eq!(path_now(&browser).await, here);
    assert_eq!(page.value_of(NAME).await.unwrap(), typed);

    // Back: asked too; "Stay" keeps the page and the edit.
    browser.client().back().await.unwrap();
    let dialog = Dialog::expect(&browser, "Leave without saving?")
        .await
        .unwrap();
    dialog.press("Stay").await.unwrap();
    Dialog::expect_closed(&browser).await.unwrap();
    assert_eq!(path_now(&browser).await, here);
    assert_eq!(page.value_of(NAME).await.unwrap(), typed);

    // A reload or closing the tab: the browser asks its own "Leave site?" when the page
    // cancels `beforeunload`. WebDriver answers that prompt itself (it accepts it), so the test
    // checks what makes the browser ask: the page cancels the event while edits are unsaved.
    assert!(
        unload_is_questioned(&browser).await,
        "reloading with unsaved edits would not be questioned"
    );
    assert_eq!(page.value_of(NAME).await.unwrap(), typed, "still here");

    // "Leave without saving" goes where the link pointed; nothing was saved.
    leave_without_saving_by(&browser, "Twins").await;
    browser
        .wait_for_script(
            "return location.pathname.endsWith('/twins')",
            "the twin list",
        )
        .await
        .unwrap();
    assert_eq!(stack.stored_twin(ROOM).unwrap()["name"], before);

    // Back to the twin, a saved edit: nothing to ask about any more.
    browser.client().back().await.unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let field = page.field(NAME).await.unwrap();
    click_in_view(&browser, &field, NAME).await.unwrap();
    type_text(&field, " (final)").await.unwrap();
    click_button(&browser, "Save changes").await;
    page.expect_saved().await.unwrap();
    let final_name = format!("{} (final)", before.as_str().unwrap());
    assert_eq!(
        stack.stored_twin(ROOM).unwrap()["name"],
        final_name.as_str()
    );
    assert!(
        !unload_is_questioned(&browser).await,
        "nothing is left to lose: a reload is not questioned"
    );
    let twins_link = browser.find_by_role("link", "Twins").await.unwrap();
    scroll_and_click(&browser, &twins_link, "the Twins link").await;
    browser
        .wait_for_script(
            "return location.pathname.endsWith('/twins')",
            "the twin list without a question",
        )
        .await
        .unwrap();
    let asked = browser
        .eval("return !!document.querySelector('dialog[open]')")
        .await
        .unwrap();
    assert_eq!(asked, false);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_save_the_service_refuses_shows_its_reason_beside_the_field() {
    const SIGN: &str = "dtmi:e2e:Sign;1";
    const TWIN: &str = "sign-lobby";
    let model = |schema: &str| {
        json!({"@context": "dtmi:dtdl:context;3", "@id": SIGN, "@type": "Interface",
               "displayName": "Sign",
               "contents": [{"@type": "Property", "name": "label", "displayName": "Label",
                             "schema": schema, "writable": true}]})
    };
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let now = "2026-01-01T00:00:00Z";
    stack
        .campus()
        .store()
        .commit(vec![
            Record::AddModels {
                models: vec![model("string")],
                upload_time: now.into(),
            },
            Record::PutTwin {
                twin: json!({"$dtId": TWIN, "$etag": new_etag(), "label": "Main hall",
                    "$metadata": {"$model": SIGN, "$lastUpdateTime": now,
                                  "label": {"lastUpdateTime": now}}}),
            },
        ])
        .unwrap();
    let browser = signed_in_at(&stack, &twin_url(TWIN)).await;
    let page = TwinDetail::expect(&browser, TWIN).await.unwrap();
    assert_eq!(page.value_of("Label (label)").await.unwrap(), "Main hall");

    // Meanwhile someone replaces the model: the label is a number now.
    stack
        .campus()
        .store()
        .commit(vec![
            Record::DeleteModel { id: SIGN.into() },
            Record::AddModels {
                models: vec![model("integer")],
                upload_time: now.into(),
            },
        ])
        .unwrap();

    let field = page.field("Label (label)").await.unwrap();
    click_in_view(&browser, &field, "Label").await.unwrap();
    field.clear().await.unwrap();
    type_text(&field, "Lobby").await.unwrap();
    click_button(&browser, "Save changes").await;

    // The service's reason, beside the field; its code and message under the form.
    let beside = browser
        .wait_for_script(
            "const p = document.getElementById('prop-label-service'); return p ? p.textContent : null",
            "the service's words beside the field",
        )
        .await
        .unwrap();
    let beside = beside.as_str().unwrap_or_default().to_owned();
    assert!(
        beside.starts_with("The service says: /label"),
        "beside the field: {beside:?}"
    );
    let described = field
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(described.contains("prop-label-service"), "{described}");
    let area = browser
        .eval("const a = document.querySelector('.service-error'); return a ? a.innerText : ''")
        .await
        .unwrap();
    let area = area.as_str().unwrap_or_default();
    assert!(
        area.contains("The service refused it (ValidationFailed): Invalid twin specified")
            && area.contains("1 problem is shown beside its field."),
        "the form's error area: {area:?}"
    );
    assert_eq!(stack.stored_twin(TWIN).unwrap()["label"], "Main hall");
    assert_eq!(
        page.value_of("Label (label)").await.unwrap(),
        "Lobby",
        "kept as typed"
    );
    assert_no_serious_violations(&browser, "a refused save").await;
    browser
        .screenshot(&screenshot_dir().join("save-refused.png"))
        .await
        .unwrap();
    browser.close().await.unwrap();
}

/// The button labelled `label` in the models list's row of `model`, scrolled to and clicked.
/// When the list is drawn again meanwhile (its buttons replaced), the new button is clicked.
async fn click_in_model_row(browser: &Browser, model: &str, label: &str) {
    let xpath = format!(
        "//li[contains(concat(' ', @class, ' '), ' models-list__item ')][code = '{model}']//button[normalize-space(.) = '{label}']"
    );
    let mut attempts = 0;
    loop {
        attempts += 1;
        let button = browser
            .client()
            .find(fantoccini::Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no {label:?} for {model}: {e}"));
        let clicked = async {
            scroll_to(browser, &button).await?;
            click_in_view(browser, &button, label).await
        }
        .await;
        match clicked {
            Ok(()) => return,
            Err(e) if attempts < 3 && e.to_string().contains("stale element") => continue,
            Err(e) => panic!("{label:?} for {model}: {e}"),
        }
    }
}

#[tokio::test]
async fn decommissioning_or_deleting_a_model_asks_first_naming_it() {
    const SPACE: &str = "dtmi:twinscope:seed:Space;1";
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let models = |stack: &Stack| stack.campus().store().state.models.clone();
    let browser = open_signed_in(&stack, &format!("/t/{CONTOSO}/i/{CAMPUS}/models"), ADMIN).await;
    ModelsPage::expect(&browser).await.unwrap();

    // Decommission: asked, Esc changes nothing, confirmed it is done.
    click_in_model_row(&browser, SENSOR, "Decommission…").await;
    let dialog = Dialog::expect(&browser, "Decommission the model ")
        .await
        .unwrap();
    let said = dialog.text().await.unwrap();
    assert!(
        said.contains(SENSOR) && said.contains("cannot be undone"),
        "{said}"
    );
    expect_focus_on(&browser, "Cancel").await;
    assert_no_serious_violations(&browser, "the decommission dialog").await;
    press(&browser, Key::Escape).await.unwrap();
    Dialog::expect_closed(&browser).await.unwrap();
    expect_focus_on(&browser, "Decommission…").await;
    assert!(!models(&stack)[SENSOR].decommissioned);
    click_in_model_row(&browser, SENSOR, "Decommission…").await;
    Dialog::expect(&browser, "Decommission the model ")
        .await
        .unwrap()
        .press("Decommission model")
        .await
        .unwrap();
    until_stored("the decommission", || models(&stack)[SENSOR].decommissioned).await;

    // A model others extend cannot go yet: the dialog says which models hold it.
    click_in_model_row(&browser, SPACE, "Delete…").await;
    let dialog = Dialog::expect(&browser, "").await.unwrap();
    let said = dialog.text().await.unwrap();
    assert!(
        said.contains("cannot be deleted yet") && said.contains(ROOM_MODEL),
        "{said}"
    );
    dialog.press("Close").await.unwrap();
    Dialog::expect_closed(&browser).await.unwrap();

    // Delete: asked, naming the model; confirmed it is gone.
    click_in_model_row(&browser, SENSOR, "Delete…").await;
    let dialog = Dialog::expect(&browser, "Delete the model ").await.unwrap();
    assert!(dialog.text().await.unwrap().contains(SENSOR));
    dialog.press("Delete model").await.unwrap();
    until_stored("the delete", || !models(&stack).contains_key(SENSOR)).await;
    assert!(models(&stack).contains_key(SPACE));
    browser.close().await.unwrap();
}
