//! The Twins workspace's inspector edits in place (issue #15), as a person does it: a twin
//! selected in the graph, a number typed key by key into its property and saved; unsaved
//! edits asked about before another twin is selected (Stay keeps them, Leave drops them);
//! a relationship created by selecting its source, then picking its target in the graph
//! (and drawn at once); a relationship clicked in the graph, its property edited in the
//! inspector, and a conflicting save that changes nothing. Every outcome is checked in the emulator's store.

use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::a11y::assert_no_serious_violations;
use twinscope_e2e::person::{
    Person, click_button, click_in_view, scroll_and_click, type_text, wait_for,
};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, screenshot_dir};
use twinscope_emulator::adt::seed_graph::{EQUIPMENT, HAS_EQUIPMENT, HAS_SENSOR};
use twinscope_emulator::adt::store::Record;
use twinscope_emulator::adt::wire::new_etag;

/// A seeded room: model Room (a double `temperature`, a double `area`, `hasEquipment`).
const ROOM: &str = "site-1-b1-f0-r01";
const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");

fn stored(p: &Person, id: &str) -> Value {
    p.stack.stored_twin(id).expect("the twin exists")
}

/// A seeded equipment twin [`ROOM`] has no relationship to.
fn unlinked_equipment(p: &Person) -> String {
    let store = p.stack.campus().store();
    let linked: Vec<&str> = store
        .state
        .outgoing(ROOM)
        .filter_map(|r| r["$targetId"].as_str())
        .collect();
    store
        .state
        .twins
        .iter()
        .find(|(id, t)| t["$metadata"]["$model"] == EQUIPMENT && !linked.contains(&id.as_str()))
        .map(|(id, _)| id.clone())
        .expect("a seeded equipment twin")
}

/// What a person does to replace a field's text: select all of it, delete it, type anew.
async fn retype(field: &Element, text: &str) {
    field
        .send_keys(&format!("{}a{}", Key::Control, Key::Null))
        .await
        .unwrap();
    field.send_keys(&Key::Backspace.to_string()).await.unwrap();
    type_text(field, text).await.unwrap();
}

/// Clicks twin `id` where the graph draws it.
async fn click_node(browser: &Browser, id: &str) {
    let node = browser
        .client()
        .find(Locator::Css(&format!(
            ".query-results svg [data-twin='{id}'] .graph__shape"
        )))
        .await
        .unwrap();
    scroll_and_click(browser, &node, &format!("{id} in the graph")).await;
}

/// The inspector's twin id, once its controls are on screen.
async fn inspected(browser: &Browser, id: &str) {
    wait_for(
        browser,
        &format!(
            "const a = document.querySelector('.workspace-inspector'); \
             return a && a.querySelector('.workspace-inspector__id').textContent === {} \
               && a.querySelector('#inspect-props-title') ? true : null",
            json!(id)
        ),
        &format!("{id} in the inspector"),
    )
    .await;
}

async fn field(browser: &Browser, id: &str) -> Element {
    let element = browser.client().find(Locator::Id(id)).await.unwrap();
    scroll_and_click(browser, &element, id).await;
    element
}

#[tokio::test]
async fn the_inspector_edits_in_place_guards_edits_and_picks_a_relationship_target_in_the_graph() {
    let p = Person::start().await;
    let browser = &p.browser;
    let equipment = unlinked_equipment(&p);
    p.sign_in_at(&format!("/t/{CONTOSO}/i/{CAMPUS}/twins"), ADELE.0, ADELE.1)
        .await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();

    // The room and one equipment twin, typed as a query and drawn as a graph.
    let editor = field(browser, "query-text").await;
    retype(
        &editor,
        &format!("SELECT * FROM DIGITALTWINS T WHERE T.$dtId IN ['{ROOM}', '{equipment}']"),
    )
    .await;
    click_button(browser, "Run").await;
    wait_for(
        browser,
        "const s = document.querySelector('.query-progress'); return s && s.textContent.startsWith('Done') ? s.textContent : null",
        "the query to finish",
    )
    .await;
    click_button(browser, "Graph").await;
    wait_for(
        browser,
        "return document.querySelectorAll('.query-results svg [data-twin]').length === 2 ? true : null",
        "both twins drawn",
    )
    .await;

    // The room selected: its temperature typed key by key, then saved.
    click_node(browser, ROOM).await;
    inspected(browser, ROOM).await;
    let temperature = field(browser, "inspect-temperature").await;
    retype(&temperature, "22.5").await;
    assert_eq!(
        temperature.prop("value").await.unwrap().as_deref(),
        Some("22.5"),
        "the field keeps what was typed"
    );
    click_button(browser, "Save changes").await;
    wait_for(
        browser,
        "const s = [...document.querySelectorAll('.workspace-inspector [role=status]')].some(e => e.textContent === 'Saved.'); return s || null",
        "Saved.",
    )
    .await;
    assert_eq!(stored(&p, ROOM)["temperature"], json!(22.5));

    // An unsaved edit, then another twin clicked: asked first. Stay keeps the edit.
    let area_before = stored(&p, ROOM)["area"].clone();
    let area = field(browser, "inspect-area").await;
    retype(&area, "-0.5").await;
    click_node(browser, &equipment).await;
    let stay = browser.find_by_role("button", "Stay").await.unwrap();
    let question = browser
        .eval("return document.querySelector('dialog[open]').innerText")
        .await
        .unwrap();
    assert!(
        question
            .as_str()
            .unwrap()
            .contains(&format!("Your change to twin {ROOM} is not saved")),
        "{question}"
    );
    assert_no_serious_violations(browser, "the inspector asking before it drops edits").await;
    click_in_view(browser, &stay, "Stay").await.unwrap();
    inspected(browser, ROOM).await;
    assert_eq!(
        browser
            .eval("return document.getElementById('inspect-area').value")
            .await
            .unwrap(),
        json!("-0.5"),
        "Stay keeps the edit"
    );
    assert!(p.path().await.contains(&format!("twin={ROOM}")));

    // Again, and this time leave: the equipment is inspected, the room's area never changed.
    click_node(browser, &equipment).await;
    click_button(browser, "Leave without saving").await;
    inspected(browser, &equipment).await;
    assert!(p.path().await.contains(&format!("twin={equipment}")));
    assert_eq!(stored(&p, ROOM)["area"], area_before);

    // A relationship by selection: the room as source, its target picked in the graph.
    click_node(browser, ROOM).await;
    inspected(browser, ROOM).await;
    let labels_before = browser
        .eval("return [...document.querySelectorAll('.query-results .graph__edge-label')].map(l => l.textContent)")
        .await
        .unwrap();
    click_button(browser, "Pick the target in the graph").await;
    wait_for(
        browser,
        "return [...document.querySelectorAll('.workspace-inspector [role=status]')].some(e => e.textContent === 'Click the target twin in the graph.') || null",
        "the picking hint",
    )
    .await;
    click_node(browser, &equipment).await;
    wait_for(
        browser,
        &format!(
            "const t = document.getElementById('new-rel-target'); return t && t.value === {} ? true : null",
            json!(equipment)
        ),
        "the picked target in the form",
    )
    .await;
    assert!(
        p.path().await.contains(&format!("twin={ROOM}")),
        "picking a target does not select it"
    );
    inspected(browser, ROOM).await;
    let name = field(browser, "new-rel-name").await;
    type_text(&name, HAS_EQUIPMENT).await.unwrap();
    browser
        .screenshot(&screenshot_dir().join("workspace-inspector-relationship-1440.png"))
        .await
        .unwrap();
    click_button(browser, "Add relationship").await;
    let id = format!("{HAS_EQUIPMENT}-{equipment}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let relationship = loop {
        let found = p
            .stack
            .campus()
            .store()
            .state
            .relationships
            .get(&(ROOM.to_owned(), id.clone()))
            .cloned();
        match found {
            Some(r) => break r,
            None if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            None => panic!("no relationship {id} from {ROOM} in the emulator"),
        }
    };
    assert_eq!(relationship["$targetId"], json!(equipment));
    assert_eq!(relationship["$relationshipName"], json!(HAS_EQUIPMENT));
    // Drawn at once: one more edge label, with the relationship's name.
    let count_before = labels_before.as_array().unwrap().len();
    let labels = wait_for(
        browser,
        &format!(
            "const l = [...document.querySelectorAll('.query-results .graph__edge-label')].map(l => l.textContent); \
             return l.length === {} ? l : null",
            count_before + 1
        ),
        "the new relationship drawn",
    )
    .await;
    assert!(
        labels
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == HAS_EQUIPMENT),
        "{labels}"
    );
    assert_no_serious_violations(browser, "the inspector after adding a relationship").await;
    p.browser.close().await.unwrap();
}

#[tokio::test]
async fn a_relationship_clicked_in_the_graph_is_edited_in_the_inspector_and_a_conflict_saves_nothing()
 {
    let p = Person::start().await;
    let browser = &p.browser;
    let (equipment, rel_id, sensor) = p.stack.seeded_relationship(HAS_SENSOR);
    let stored_link = || {
        p.stack
            .stored_relationship(&equipment, &rel_id)
            .expect("the relationship exists")
    };
    p.sign_in_at(&format!("/t/{CONTOSO}/i/{CAMPUS}/twins"), ADELE.0, ADELE.1)
        .await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    let editor = field(browser, "query-text").await;
    retype(
        &editor,
        &format!("SELECT * FROM DIGITALTWINS T WHERE T.$dtId IN ['{equipment}', '{sensor}']"),
    )
    .await;
    click_button(browser, "Run").await;
    wait_for(
        browser,
        "const s = document.querySelector('.query-progress'); return s && s.textContent.startsWith('Done') ? true : null",
        "the query to finish",
    )
    .await;
    click_button(browser, "Graph").await;

    // The relationship's label clicked in the graph: its source inspected, the relationship
    // open for editing, its first field ready for typing.
    let label = wait_for(
        browser,
        &format!(
            "return document.querySelector('.query-results .graph__edge-label[data-rel-id={}]') ? true : null",
            json!(rel_id)
        ),
        "the relationship's label drawn",
    )
    .await;
    assert_eq!(label, json!(true));
    let label = browser
        .client()
        .find(Locator::Css(&format!(
            ".query-results .graph__edge-label[data-rel-id='{rel_id}']"
        )))
        .await
        .unwrap();
    scroll_and_click(browser, &label, "the relationship's label").await;
    inspected(browser, &equipment).await;
    assert!(
        p.path().await.contains(&format!("rel={rel_id}")),
        "the relationship is in the address"
    );
    wait_for(
        browser,
        &format!(
            "const f = document.activeElement && document.activeElement.closest('form.relationship-edit'); \
             return f && f.getAttribute('aria-label') === {} ? true : null",
            json!(format!("Edit relationship {rel_id}"))
        ),
        "the relationship's editor open, its first field focused",
    )
    .await;
    let position = field(browser, "edit-rel-prop-position").await;
    type_text(&position, "Top flange, north side")
        .await
        .unwrap();
    click_button(browser, "Save relationship").await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stored_link()["position"] != json!("Top flange, north side") {
        assert!(
            std::time::Instant::now() < deadline,
            "the relationship was not saved: {}",
            stored_link()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The row shows the saved value, the editor closed.
    wait_for(
        browser,
        "const w = document.querySelector('.workspace-inspector'); \
         return w.innerText.includes('position: Top flange, north side') && !w.querySelector('.relationship-edit') ? true : null",
        "the saved value in the relationship's row",
    )
    .await;

    // Someone else changes it while it is open here: saving changes nothing and says why.
    click_button(browser, &format!("Edit relationship {rel_id}")).await;
    let position = field(browser, "edit-rel-prop-position").await;
    {
        let mut store = p.stack.campus().store();
        let mut rel = store
            .state
            .relationships
            .get(&(equipment.clone(), rel_id.clone()))
            .cloned()
            .unwrap();
        rel["position"] = json!("Bottom flange");
        rel["$etag"] = json!(new_etag());
        store
            .commit(vec![Record::PutRelationship { relationship: rel }])
            .unwrap();
    }
    retype(&position, "Side panel").await;
    // An unsaved relationship edit is asked about before it goes, like a property edit.
    let other_twin = browser
        .client()
        .find(Locator::Css(&format!(
            ".query-results svg [data-twin='{sensor}'] .graph__shape"
        )))
        .await
        .unwrap();
    scroll_and_click(browser, &other_twin, "the sensor in the graph").await;
    let question = wait_for(
        browser,
        "const d = document.querySelector('dialog[open]'); return d ? d.innerText : null",
        "the question before the relationship edit goes",
    )
    .await;
    assert!(
        question
            .as_str()
            .unwrap()
            .contains(&format!("Your changes to relationship {rel_id}")),
        "{question}"
    );
    click_button(browser, "Stay").await;
    inspected(browser, &equipment).await;
    assert_eq!(
        browser
            .eval("return document.getElementById('edit-rel-prop-position').value")
            .await
            .unwrap(),
        json!("Side panel"),
        "Stay keeps the typed value"
    );
    click_button(browser, "Save relationship").await;
    let said = wait_for(
        browser,
        "const a = [...document.querySelectorAll('.workspace-inspector [role=alert]')].find(a => a.innerText.includes('Someone else changed')); return a ? a.innerText : null",
        "the conflict said",
    )
    .await;
    assert!(said.as_str().unwrap().contains(&rel_id), "{said}");
    assert_eq!(
        stored_link()["position"],
        json!("Bottom flange"),
        "their version stays"
    );
    wait_for(
        browser,
        "return document.querySelector('.workspace-inspector').innerText.includes('position: Bottom flange') ? true : null",
        "their version in the list",
    )
    .await;
    assert_no_serious_violations(browser, "the inspector editing a relationship").await;
    p.browser.close().await.unwrap();
}
