//! Editing twins in Chromium against the emulator, through the gateway: a property edit
//! that persists, a 412 conflict resolved both ways, a twin created from a model and deleted
//! with its relationships, a relationship added and removed, and a reader's read-only view.
//! Every outcome is checked in the emulator's store, not only on screen.

use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::pages::{ConflictView, CreateTwin, ModelsPage, TwinDetail, wait_for_text};
use twinscope_e2e::person::{
    back_and_leave_without_saving, open_signed_in, open_signed_in_recording, scroll_and_click,
    session_ends_then_press, sign_in_again_from_the_page, type_text,
};
use twinscope_e2e::problems::problems;
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};
use twinscope_emulator::adt::seed_graph::{EQUIPMENT, HAS_SENSOR, ROOM as ROOM_MODEL, SENSOR};
use twinscope_emulator::adt::store::Record;
use twinscope_emulator::adt::wire::new_etag;

/// A seeded room (model Room, with a plain-text name).
const ROOM: &str = "site-1-b1-f0-r01";
/// The accessible name of the room's "name" field: display name, then property name.
const NAME: &str = "Name (name)";
const WRITER: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
const READER: (&str, &str) = ("megan@contoso.onmicrosoft.com", "Megan-dev-1");

async fn signed_in(path: &str, who: (&str, &str)) -> (Stack, Browser) {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in(&stack, path, who).await;
    (stack, browser)
}

fn twin_url(id: &str) -> String {
    format!("/t/{CONTOSO}/i/{CAMPUS}/twins/{id}")
}

/// Some seeded twin of `model` that no relationship of [`ROOM`] points at.
fn a_twin_of(stack: &Stack, model: &str) -> String {
    let store = stack.campus().store();
    let linked: Vec<&str> = store
        .state
        .outgoing(ROOM)
        .filter_map(|r| r["$targetId"].as_str())
        .collect();
    store
        .state
        .twins
        .iter()
        .find(|(id, t)| t["$metadata"]["$model"] == model && !linked.contains(&id.as_str()))
        .map(|(id, _)| id.clone())
        .expect("a seeded twin of the model")
}

/// Another person's edit, behind the UI's back: a new value and a new ETag.
fn change_behind_the_ui(stack: &Stack, id: &str, member: &str, value: Value) {
    let mut store = stack.campus().store();
    let mut twin = store.state.twins.get(id).cloned().expect("the twin exists");
    twin[member] = value;
    twin["$etag"] = json!(new_etag());
    store
        .commit(vec![Record::PutTwin { twin }])
        .expect("the store takes the change");
}

fn name_on_server(stack: &Stack, id: &str) -> Value {
    stack.stored_twin(id).expect("the twin exists")["name"].clone()
}

#[tokio::test]
async fn an_edited_property_is_saved_and_still_there_after_a_reload() {
    let (stack, browser) = signed_in(&twin_url(ROOM), WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let before = name_on_server(&stack, ROOM);
    assert_eq!(page.value_of(NAME).await.unwrap(), before.as_str().unwrap());
    assert!(!page.can_save().await.unwrap(), "nothing to save yet");

    let renamed = "Office 0.01 <b>renovated</b>";
    page.set_text(NAME, renamed).await.unwrap();
    assert!(page.can_save().await.unwrap());
    page.save().await.unwrap();
    page.expect_saved().await.unwrap();
    let stored = stack.stored_twin(ROOM).unwrap();
    assert_eq!(stored["name"], renamed);
    // The page now holds the saved version: the server's new ETag.
    assert_eq!(
        page.etag().await.unwrap(),
        stored["$etag"].as_str().unwrap()
    );
    browser
        .screenshot(&screenshot_dir().join("twin.png"))
        .await
        .unwrap();

    browser.goto(&stack.url(&twin_url(ROOM))).await.unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    browser
        .wait_for_script(
            &format!(
                "const i = document.getElementById('prop-name'); return i && i.value === {}",
                json!(renamed)
            ),
            "the saved name after a reload",
        )
        .await
        .unwrap();
    assert_eq!(page.value_of(NAME).await.unwrap(), renamed);
    // Markup in a value stays text.
    let bold = browser
        .eval("return !!document.querySelector('main b')")
        .await
        .unwrap();
    assert_eq!(bold, false);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_conflicting_save_shows_both_versions_and_either_choice_is_saved() {
    let (stack, browser) = signed_in(&twin_url(ROOM), WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let check_conflict = async |theirs: &str, mine: &str| {
        let conflict = ConflictView::expect(&browser).await.unwrap();
        let (their_side, my_side) = (
            conflict.theirs().await.unwrap(),
            conflict.mine().await.unwrap(),
        );
        assert_eq!(their_side["name"], theirs, "{their_side}");
        assert_eq!(my_side["name"], mine, "{my_side}");
        assert_eq!(
            conflict.differences().await.unwrap(),
            vec![(
                "name".to_owned(),
                json!(theirs).to_string(),
                json!(mine).to_string()
            )],
            "only the name differs, shown with both values"
        );
        assert_eq!(
            their_side["$etag"],
            stack.stored_twin(ROOM).unwrap()["$etag"],
            "their side is the server's current version"
        );
        conflict
    };

    // 1. Someone renames the room while it is open here; saving meets a 412.
    change_behind_the_ui(&stack, ROOM, "name", json!("Renamed elsewhere"));
    page.set_text(NAME, "Renamed here").await.unwrap();
    page.save().await.unwrap();
    let conflict = check_conflict("Renamed elsewhere", "Renamed here").await;
    conflict.scroll_into_view().await.unwrap();
    browser
        .screenshot(&screenshot_dir().join("conflict.png"))
        .await
        .unwrap();
    assert_eq!(
        name_on_server(&stack, ROOM),
        "Renamed elsewhere",
        "nothing was overwritten"
    );

    // "Take theirs": the editor shows their version, with nothing left to save.
    conflict.take_theirs().await.unwrap();
    conflict.expect_gone().await.unwrap();
    browser
        .wait_for_script(
            "const i = document.getElementById('prop-name'); return i && i.value === 'Renamed elsewhere'",
            "their name in the editor",
        )
        .await
        .unwrap();
    assert!(!page.can_save().await.unwrap());
    // An edit on top of their version saves without a conflict.
    page.set_text(NAME, "Renamed on top").await.unwrap();
    page.save().await.unwrap();
    page.expect_saved().await.unwrap();
    assert_eq!(name_on_server(&stack, ROOM), "Renamed on top");

    // 2. Another conflict, resolved with "Keep mine": my value overwrites theirs.
    change_behind_the_ui(&stack, ROOM, "name", json!("Second outsider"));
    page.set_text(NAME, "Mine wins").await.unwrap();
    page.save().await.unwrap();
    let conflict = check_conflict("Second outsider", "Mine wins").await;
    conflict.keep_mine().await.unwrap();
    page.expect_saved().await.unwrap();
    let stored = stack.stored_twin(ROOM).unwrap();
    assert_eq!(stored["name"], "Mine wins");
    assert_eq!(
        page.etag().await.unwrap(),
        stored["$etag"].as_str().unwrap()
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_twin_created_from_a_model_is_deleted_together_with_its_relationships() {
    let (stack, browser) = signed_in(&format!("/t/{CONTOSO}/i/{CAMPUS}/models"), WRITER).await;
    let models = ModelsPage::expect(&browser).await.unwrap();
    let form = CreateTwin::open(&models, "Room").await.unwrap();
    let id = "room-e2e-new";
    form.set_id(id).await.unwrap();
    // Room extends Space: the inherited "name" is offered too.
    form.set_text(NAME, "Brand-new lab").await.unwrap();
    browser
        .screenshot(&screenshot_dir().join("create-twin.png"))
        .await
        .unwrap();
    form.submit().await.unwrap();

    let page = TwinDetail::expect(&browser, id).await.unwrap();
    let created = stack
        .stored_twin(id)
        .expect("the twin exists on the server");
    assert_eq!(created["$metadata"]["$model"], ROOM_MODEL);
    assert_eq!(created["name"], "Brand-new lab");
    assert_eq!(page.value_of(NAME).await.unwrap(), "Brand-new lab");

    // Link it from an existing room and to a piece of equipment.
    let equipment = a_twin_of(&stack, EQUIPMENT);
    let outgoing = format!("hasEquipment-{equipment}");
    page.relationships()
        .add("hasEquipment", &equipment)
        .await
        .unwrap();
    page.relationships()
        .expect_outgoing(&outgoing)
        .await
        .unwrap();
    assert!(stack.stored_relationship(id, &outgoing).is_some());

    // Deleting asks first, naming the relationship that goes with the twin.
    let confirm = page.start_delete().await.unwrap();
    let said = confirm.text().await.unwrap();
    assert!(
        said.contains("Its 1 relationship (outgoing) is deleted first") && said.contains(&outgoing),
        "{said}"
    );
    confirm.confirm().await.unwrap();
    browser
        .wait_for_script(
            "return location.pathname.endsWith('/twins')",
            "the twin list after the delete",
        )
        .await
        .unwrap();
    assert_eq!(stack.stored_twin(id), None, "the twin is gone");
    assert_eq!(stack.stored_relationship(id, &outgoing), None);
    assert!(stack.stored_twin(&equipment).is_some(), "the target stays");

    // The same id cannot be created twice: the form says so.
    browser
        .goto(&stack.url(&format!("/t/{CONTOSO}/i/{CAMPUS}/models")))
        .await
        .unwrap();
    let models = ModelsPage::expect(&browser).await.unwrap();
    let form = CreateTwin::open(&models, "Room").await.unwrap();
    form.set_id(ROOM).await.unwrap();
    form.submit().await.unwrap();
    wait_for_text(
        &browser,
        &format!("A twin with the id {ROOM} already exists"),
    )
    .await
    .unwrap();
    assert_ne!(
        name_on_server(&stack, ROOM),
        Value::Null,
        "the room was not replaced"
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_relationship_is_added_and_removed_from_the_twin_page() {
    let (stack, browser) = signed_in(&twin_url(ROOM), WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let rels = page.relationships();
    let equipment = a_twin_of(&stack, EQUIPMENT);
    let rel_id = format!("hasEquipment-{equipment}");
    assert!(
        stack.stored_relationship(ROOM, &rel_id).is_none(),
        "the seed does not link {ROOM} to {equipment}"
    );

    rels.add("hasEquipment", &equipment).await.unwrap();
    let row = rels.expect_outgoing(&rel_id).await.unwrap();
    assert_eq!(row[0], "hasEquipment");
    assert_eq!(row[1], equipment);
    let stored = stack.stored_relationship(ROOM, &rel_id).expect("stored");
    assert_eq!(stored["$targetId"], equipment.as_str());
    assert_eq!(stored["$relationshipName"], "hasEquipment");
    browser
        .screenshot(&screenshot_dir().join("relationships.png"))
        .await
        .unwrap();

    // A name the model does not declare is refused by the service, and said so.
    rels.add("notDeclared", &equipment).await.unwrap();
    browser
        .wait_for_script(
            "return [...document.querySelectorAll('.relationship-form [role=alert]')].some(a => a.textContent.length > 0)",
            "the refusal",
        )
        .await
        .unwrap();
    assert!(
        stack
            .stored_relationship(ROOM, &format!("notDeclared-{equipment}"))
            .is_none()
    );

    rels.delete(&rel_id).await.unwrap();
    wait_until_gone(&stack, ROOM, &rel_id).await;
    // Its row becomes "Deleted … Undo" (for `UNDO_FOR`, 30 s: waiting for the row itself to
    // go raced the test's own 30 s wait); the relationship's own actions are gone from it.
    browser
        .wait_for_script(
            &format!(
                "return !document.querySelector('button[aria-label=' + CSS.escape({delete}) + ']') \
                 && [...document.querySelectorAll('tr.relationship--deleted')].some(r => \
                    r.textContent.includes('Deleted ' + {id}) \
                    && r.querySelector('button[aria-label=' + CSS.escape({undo}) + ']'))",
                delete = json!(format!("Delete relationship {rel_id}")),
                undo = json!(format!("Undo deleting relationship {rel_id}")),
                id = json!(rel_id),
            ),
            "the row to say Deleted, with Undo",
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
}

/// Waits until the emulator no longer has the relationship.
async fn wait_until_gone(stack: &Stack, source: &str, id: &str) {
    for _ in 0..300 {
        if stack.stored_relationship(source, id).is_none() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("relationship {id} of {source} is still stored");
}

#[tokio::test]
async fn a_reader_sees_a_twin_with_disabled_fields_and_no_write_controls() {
    let (stack, browser) = signed_in(&twin_url(ROOM), READER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let field = page.field(NAME).await.unwrap();
    assert!(!field.is_enabled().await.unwrap(), "fields are read-only");
    wait_for_text(&browser, "changing it needs the Twins.Writer role")
        .await
        .unwrap();
    let write_controls = browser
        .eval("return [...document.querySelectorAll('main button, main form')].map(b => b.textContent.trim()).filter(t => /Save|Delete|Add relationship|Create/.test(t))")
        .await
        .unwrap();
    assert_eq!(
        write_controls,
        json!([]),
        "a Twins.Reader gets no write controls"
    );
    let _ = stack.stored_twin(ROOM).expect("the twin is there");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn numbers_typed_key_by_key_are_kept_exactly_and_a_bad_one_is_never_saved() {
    // Issue #15: in a `type=number` field, typing `22.5` gave `522` and `1e` erased the value.
    const AREA: &str = "Area (area)";
    const OCCUPANCY: &str = "Occupancy (occupancy)";
    let (stack, browser) = signed_in(&twin_url(ROOM), WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let occupancy_before = stack.stored_twin(ROOM).unwrap()["occupancy"].clone();

    // `send_keys` types one key at a time, as a person does.
    page.set_text(AREA, "22.5").await.unwrap();
    assert_eq!(page.value_of(AREA).await.unwrap(), "22.5");
    // A decimal comma, as many people write it: kept, said as such, not saved.
    page.set_text(AREA, "22,5").await.unwrap();
    assert_eq!(page.value_of(AREA).await.unwrap(), "22,5");
    wait_for_text(&browser, "write decimals with a point")
        .await
        .unwrap();
    assert!(!page.can_save().await.unwrap(), "22,5 is never saved");
    page.set_text(AREA, "-19.75").await.unwrap();
    assert_eq!(page.value_of(AREA).await.unwrap(), "-19.75");

    // Half-typed, then wrong: kept as typed, explained, and Save is refused.
    page.set_text(OCCUPANCY, "1e").await.unwrap();
    assert_eq!(page.value_of(OCCUPANCY).await.unwrap(), "1e");
    wait_for_text(&browser, "expected a whole number")
        .await
        .unwrap();
    assert!(
        !page.can_save().await.unwrap(),
        "an invalid entry is never saved"
    );
    page.set_text(OCCUPANCY, "12").await.unwrap();
    assert!(page.can_save().await.unwrap());

    page.save().await.unwrap();
    page.expect_saved().await.unwrap();
    let stored = stack.stored_twin(ROOM).unwrap();
    assert_eq!(stored["area"], json!(-19.75));
    assert_eq!(stored["occupancy"], json!(12));
    assert_ne!(occupancy_before, Value::Null, "the seed had an occupancy");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn unsaved_edits_come_back_after_the_sign_in_an_ended_session_needs() {
    // The identity platform ends the session under an open twin with edits (an administrator
    // revokes it; the 24 hours run out alike): the save that needs a new token cannot go, the
    // page asks to sign in again, and after signing in the edits are back to be saved.
    const OCCUPANCY: &str = "Occupancy (occupancy)";
    let stack = Stack::start_renewing_before_every_request()
        .await
        .expect("stack starts");
    let browser = open_signed_in_recording(&stack, &twin_url(ROOM), WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    let before = stack.stored_twin(ROOM).unwrap();
    let renamed = "Office 0.01, kept through a sign-in";
    page.set_text(NAME, renamed).await.unwrap();
    page.set_text(OCCUPANCY, "7").await.unwrap();
    assert!(page.can_save().await.unwrap());

    session_ends_then_press(&stack, &browser, WRITER.0, "Save changes").await;
    // Said as what happened: the session ended (no sign-in failed).
    wait_for_text(&browser, "Signed out: your session has ended")
        .await
        .unwrap();
    wait_for_text(
        &browser,
        "Your unsaved changes are kept in this tab and come back once you have signed in",
    )
    .await
    .unwrap();
    assert_eq!(
        stack.stored_twin(ROOM).unwrap(),
        before,
        "nothing was saved without a token"
    );
    browser
        .screenshot(&screenshot_dir().join("twin-session-ended.png"))
        .await
        .unwrap();
    // The app goes on: the save's failure did not panic it (nothing else is logged but the
    // reason the session ended).
    let problems = problems(&browser).await;
    assert!(
        problems
            .iter()
            .all(|p| !p.contains("panicked") && !p.starts_with("uncaught")),
        "{problems:#?}"
    );

    // Meanwhile someone else renames the room.
    change_behind_the_ui(&stack, ROOM, "name", json!("Office 0.01 (theirs)"));

    sign_in_again_from_the_page(&browser, WRITER).await;
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    wait_for_text(
        &browser,
        "Your unsaved changes from before you signed in again are back. Someone changed this twin since",
    )
    .await
    .unwrap();
    assert_eq!(page.value_of(NAME).await.unwrap(), renamed);
    assert_eq!(page.value_of(OCCUPANCY).await.unwrap(), "7");
    assert_eq!(
        name_on_server(&stack, ROOM),
        "Office 0.01 (theirs)",
        "not saved yet"
    );
    browser
        .screenshot(&screenshot_dir().join("twin-edits-back.png"))
        .await
        .unwrap();
    // Saved against the version the edits were made on: their change is not overwritten
    // unseen.
    page.save().await.unwrap();
    let conflict = ConflictView::expect(&browser).await.unwrap();
    assert_eq!(
        conflict.theirs().await.unwrap()["name"],
        "Office 0.01 (theirs)"
    );
    assert_eq!(conflict.mine().await.unwrap()["name"], renamed);
    conflict.keep_mine().await.unwrap();
    page.expect_saved().await.unwrap();
    let stored = stack.stored_twin(ROOM).unwrap();
    assert_eq!(stored["name"], renamed);
    assert_eq!(stored["occupancy"], json!(7));

    // Taken back once: opening the twin again shows it as saved, with nothing said.
    browser.goto(&stack.url(&twin_url(ROOM))).await.unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    assert_eq!(page.value_of(NAME).await.unwrap(), renamed);
    assert!(!page.can_save().await.unwrap(), "nothing left to save");
    let said = browser
        .eval("return document.body.innerText")
        .await
        .unwrap();
    assert!(!said.as_str().unwrap().contains("are back"), "{said}");
    browser.close().await.unwrap();
}

/// The element with `id`, scrolled to and clicked as a person does.
async fn click_field(browser: &Browser, id: &str) -> fantoccini::elements::Element {
    let field = browser
        .client()
        .find(fantoccini::Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
    scroll_and_click(browser, &field, id).await;
    field
}

async fn value_of(browser: &Browser, id: &str) -> Value {
    browser
        .eval(&format!(
            "const e = document.getElementById({}); return e ? e.value : null",
            json!(id)
        ))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_relationship_being_edited_and_one_being_added_come_back_after_the_sign_in() {
    // Both forms of the relationships section hold typing too: the session ends as the person
    // adds a relationship, with another one's editor open and changed. After signing in again
    // both are as they were, and both save.
    let stack = Stack::start_renewing_before_every_request()
        .await
        .expect("stack starts");
    let (equipment, rel_id, linked_sensor) = stack.seeded_relationship(HAS_SENSOR);
    let other_sensor = {
        let store = stack.campus().store();
        store
            .state
            .twins
            .iter()
            .find(|(id, t)| t["$metadata"]["$model"] == SENSOR && **id != linked_sensor)
            .map(|(id, _)| id.clone())
            .expect("another sensor")
    };
    let stored_position = |rel: &str| {
        stack
            .stored_relationship(&equipment, rel)
            .map(|r| r["position"].clone())
    };
    let browser = open_signed_in_recording(&stack, &twin_url(&equipment), WRITER).await;
    TwinDetail::expect(&browser, &equipment).await.unwrap();

    // The relationship's editor, changed.
    type_relationship_position(&browser, &rel_id, "Behind the panel").await;
    // "Add a relationship", filled in.
    let name = click_field(&browser, "new-rel-name").await;
    type_text(&name, HAS_SENSOR).await.unwrap();
    let target = click_field(&browser, "new-rel-target").await;
    type_text(&target, &other_sensor).await.unwrap();
    let id = click_field(&browser, "new-rel-id").await;
    type_text(&id, "kept-through-sign-in").await.unwrap();
    let new_position = click_field(&browser, "new-rel-prop-position").await;
    type_text(&new_position, "Under the desk").await.unwrap();

    // The session ends (revoked); adding needs a new token.
    session_ends_then_press(&stack, &browser, WRITER.0, "Add relationship").await;
    wait_for_text(
        &browser,
        "Your unsaved changes are kept in this tab and come back once you have signed in",
    )
    .await
    .unwrap();
    assert_eq!(
        stored_position("kept-through-sign-in"),
        None,
        "nothing added"
    );
    sign_in_again_from_the_page(&browser, WRITER).await;
    TwinDetail::expect(&browser, &equipment).await.unwrap();

    // Both are back as they were.
    wait_for_text(
        &browser,
        "Your unsaved changes to this relationship from before you signed in again are back.",
    )
    .await
    .unwrap();
    wait_for_text(
        &browser,
        "What you had filled in here before you signed in again is back.",
    )
    .await
    .unwrap();
    browser
        .wait_for_script(
            "const e = document.getElementById('new-rel-prop-position'); return !!e && e.value === 'Under the desk'",
            "the new relationship's property typed back",
        )
        .await
        .unwrap();
    assert_eq!(
        value_of(&browser, "edit-rel-prop-position").await,
        json!("Behind the panel")
    );
    assert_eq!(value_of(&browser, "new-rel-name").await, json!(HAS_SENSOR));
    assert_eq!(
        value_of(&browser, "new-rel-target").await,
        json!(other_sensor)
    );
    assert_eq!(
        value_of(&browser, "new-rel-id").await,
        json!("kept-through-sign-in")
    );
    browser
        .screenshot(&screenshot_dir().join("relationship-edits-back.png"))
        .await
        .unwrap();

    // And both save.
    let save = browser
        .find_by_role("button", "Save relationship")
        .await
        .unwrap();
    scroll_and_click(&browser, &save, "Save relationship").await;
    let add = browser
        .find_by_role("button", "Add relationship")
        .await
        .unwrap();
    scroll_and_click(&browser, &add, "Add relationship").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stored_position(&rel_id) != Some(json!("Behind the panel"))
        || stored_position("kept-through-sign-in") != Some(json!("Under the desk"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "not saved: {:?} {:?}",
            stored_position(&rel_id),
            stored_position("kept-through-sign-in")
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let problems = problems(&browser).await;
    assert!(
        problems
            .iter()
            .all(|p| !p.contains("panicked") && !p.starts_with("uncaught")),
        "{problems:#?}"
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn signing_in_again_before_the_day_ends_keeps_the_unsaved_edits() {
    // The notice offers to sign in again before the 24 hours run out; a person does so in the
    // middle of an edit. Before, the browser asked whether to leave the page and the edit was
    // gone; now it is kept like one a forced sign-in keeps, and is back after.
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in_recording(&stack, &twin_url(ROOM), WRITER).await;
    TwinDetail::expect(&browser, ROOM).await.unwrap();
    // The day nearly over: this tab's sign-in began 23 h 50 min ago.
    browser
        .eval(
            "for (const s of [sessionStorage, localStorage]) for (const k of Object.keys(s)) { \
             if (!k.startsWith('twinscope.token.')) continue; \
             try { const v = JSON.parse(s.getItem(k)); \
               if (v && typeof v.signedInAt === 'number') { v.signedInAt -= 23 * 3600 + 50 * 60; s.setItem(k, JSON.stringify(v)); } \
             } catch (e) {} } return true",
        )
        .await
        .unwrap();
    browser.client().refresh().await.unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    wait_for_text(&browser, "Your sign-in ends in")
        .await
        .unwrap();
    let renamed = "Office 0.01, kept through signing in again";
    page.set_text(NAME, renamed).await.unwrap();

    let again = browser
        .find_by_role("button", "Sign in again now")
        .await
        .unwrap();
    scroll_and_click(&browser, &again, "Sign in again now").await;
    // Still signed in at the identity platform: straight back to the twin.
    browser
        .wait_for_script(
            "return !!window.performance && performance.getEntriesByType('navigation')[0].name.includes('code=')",
            "the document that returned with the sign-in",
        )
        .await
        .unwrap();
    let page = TwinDetail::expect(&browser, ROOM).await.unwrap();
    wait_for_text(
        &browser,
        "Your unsaved changes from before you signed in again are back",
    )
    .await
    .unwrap();
    assert_eq!(page.value_of(NAME).await.unwrap(), renamed);
    let said = browser
        .eval("return document.body.innerText")
        .await
        .unwrap();
    assert!(
        !said.as_str().unwrap().contains("Your sign-in ends in"),
        "a new day began: {said}"
    );
    // The sign-in took the page's place in the history (and the guard's entry above it): Back
    // asks once, then leaves the twin, not for the same twin again.
    back_and_leave_without_saving(&browser).await;
    browser
        .wait_for_script(
            &format!("return !location.href.includes('/twins/{ROOM}')"),
            "Back to leave the twin",
        )
        .await
        .unwrap();
    browser.close().await.unwrap();
}

/// Opens relationship `rel_id`'s editor as a person does and types `position` into its
/// `position` field.
async fn type_relationship_position(browser: &Browser, rel_id: &str, position: &str) {
    let edit = browser
        .find_by_role("button", &format!("Edit relationship {rel_id}"))
        .await
        .unwrap();
    scroll_and_click(browser, &edit, "Edit…").await;
    let field = click_field(browser, "edit-rel-prop-position").await;
    type_text(&field, position).await.unwrap();
}

#[tokio::test]
async fn kept_edits_of_a_relationship_deleted_meanwhile_are_said_to_be_lost() {
    // The session ends as the person saves a relationship's edits; before they sign in again,
    // someone deletes that relationship. Its edits cannot come back (it has no row to open its
    // editor in): the page says so instead of dropping them unsaid.
    let stack = Stack::start_renewing_before_every_request()
        .await
        .expect("stack starts");
    let (equipment, rel_id, _) = stack.seeded_relationship(HAS_SENSOR);
    let browser = open_signed_in_recording(&stack, &twin_url(&equipment), WRITER).await;
    TwinDetail::expect(&browser, &equipment).await.unwrap();
    type_relationship_position(&browser, &rel_id, "By the window").await;

    session_ends_then_press(&stack, &browser, WRITER.0, "Save relationship").await;
    stack
        .campus()
        .store()
        .commit(vec![Record::DeleteRelationship {
            source: equipment.clone(),
            id: rel_id.clone(),
        }])
        .expect("someone else deletes the relationship");
    sign_in_again_from_the_page(&browser, WRITER).await;
    TwinDetail::expect(&browser, &equipment).await.unwrap();
    wait_for_text(
        &browser,
        &format!(
            "Relationship {rel_id}, which you were editing before you signed in again, was deleted meanwhile: your unsaved changes to it could not be kept."
        ),
    )
    .await
    .unwrap();
    let editors = browser
        .eval("return document.querySelectorAll('form.relationship-edit').length")
        .await
        .unwrap();
    assert_eq!(
        editors,
        json!(0),
        "no editor for a relationship that is gone"
    );
    browser.close().await.unwrap();
}
