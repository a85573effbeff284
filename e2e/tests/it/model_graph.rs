//! The models page's graph view (issue #15) as a person uses it: after uploading a model that
//! extends a seeded one, has a component and a relationship, "Graph" shows every model with
//! its edges labelled by kind (extends, the component's name, the relationship's name), each
//! inherited component or relationship drawn once from the model that declares it; clicking a
//! model or pressing Enter on it shows its details; the drawing scrolls inside its box at
//! 390 px, not the page; Back from another screen comes back to the graph and the selection.
//! Screenshots go to `target/screenshots/models-graph-*.png`.

use std::collections::BTreeSet;

use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::a11y::assert_no_serious_violations;
use twinscope_e2e::pages::{ModelsPage, wait_for_text};
use twinscope_e2e::person::{
    DESKTOP, PHONE, press, scroll_and_click, scroll_to, set_viewport, sideways_overflow,
    sign_in_by_typing, wait_for,
};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};

/// Twins.Admin and Data Owner on the campus: may upload models.
const ALEX: (&str, &str) = ("alex@contoso.onmicrosoft.com", "Alex-dev-1");

const SPACE: &str = "dtmi:twinscope:seed:Space;1";
const ROOM: &str = "dtmi:twinscope:seed:Room;1";
const EQUIPMENT: &str = "dtmi:twinscope:seed:Equipment;1";
const SENSOR: &str = "dtmi:twinscope:seed:Sensor;1";
const NAMEPLATE: &str = "dtmi:twinscope:seed:Nameplate;1";
const PUMP: &str = "dtmi:e2e:graph:Pump;1";

fn models_path() -> String {
    format!("/t/{CONTOSO}/i/{CAMPUS}/models")
}

/// The model's box in the drawing.
async fn node(browser: &Browser, id: &str) -> Element {
    browser
        .client()
        .find(Locator::Css(&format!("[data-dtmi='{id}']")))
        .await
        .unwrap_or_else(|e| panic!("no box for {id}: {e}"))
}

/// Waits until the details show the model titled `title`, and returns their text.
async fn details_of(browser: &Browser, title: &str) -> String {
    let script = format!(
        "const h = document.getElementById('model-details-title'); \
         return h && h.textContent.trim() === {} ? h.closest('section').innerText : null;",
        Value::from(title)
    );
    wait_for(browser, &script, &format!("the details of {title}"))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Every edge label drawn: `[kind, source, label, target]`, and whether it has a size (is
/// rendered, not hidden).
async fn edge_labels(browser: &Browser) -> Vec<(String, String, String, String, bool)> {
    let value = browser
        .eval(
            "return [...document.querySelectorAll('.model-graph__edge-label')].map(t => { \
               const r = t.getBoundingClientRect(); \
               return [t.dataset.kind, t.dataset.source, t.textContent.trim(), t.dataset.target, r.width > 0 && r.height > 0]; })",
        )
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn the_model_graph_shows_extends_components_and_relationships_and_back_comes_back_to_it() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    set_viewport(&browser, DESKTOP).await.unwrap();
    browser.goto(&stack.url(&models_path())).await.unwrap();
    sign_in_by_typing(&browser, ALEX.0, ALEX.1).await.unwrap();
    let page = ModelsPage::expect(&browser).await.unwrap();

    // A model that extends a seeded one and adds a component and a relationship of its own.
    let pump = json!({
        "@id": PUMP, "@type": "Interface", "@context": "dtmi:dtdl:context;3",
        "displayName": "Pump", "extends": EQUIPMENT,
        "contents": [
            {"@type": "Component", "name": "motorPlate", "schema": NAMEPLATE},
            {"@type": "Relationship", "name": "feeds", "target": ROOM}
        ]
    });
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("pump.json");
    std::fs::write(&file, serde_json::to_string_pretty(&pump).unwrap()).unwrap();
    page.choose_files(&[&file]).await.unwrap();
    wait_for_text(&browser, "1 model is valid and ready to upload.")
        .await
        .unwrap();
    page.upload().await.unwrap();
    wait_for_text(&browser, "Uploaded 1 model.").await.unwrap();
    assert!(page.model_ids().await.unwrap().iter().any(|m| m == PUMP));
    let listed = page.model_ids().await.unwrap().len();

    // The list shows when each model was uploaded, in the person's locale, the raw value on
    // hover.
    let uploaded = browser
        .eval("const t = document.querySelector('.models-list__item time.local-time'); return t ? [t.getAttribute('title'), t.textContent] : null")
        .await
        .unwrap();
    assert!(
        uploaded[0].as_str().is_some_and(|raw| raw.contains('T')) && uploaded[0] != uploaded[1],
        "upload time {uploaded}"
    );

    // "Graph", on screen, switches the view and says so in the address.
    let graph_button = browser.find_by_role("button", "Graph").await.unwrap();
    scroll_and_click(&browser, &graph_button, "the Graph button").await;
    wait_for(
        &browser,
        "return location.search.includes('view=graph') ? true : null",
        "?view=graph in the address",
    )
    .await;
    assert_eq!(
        graph_button.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    let boxes = wait_for(
        &browser,
        &format!(
            "const n = document.querySelectorAll('[data-dtmi]').length; return n === {listed} ? n : null"
        ),
        "a box per model",
    )
    .await;
    assert_eq!(boxes, json!(listed));
    let svg_name = browser
        .eval("const s = document.querySelector('svg.model-graph__canvas'); return [s.getAttribute('role'), s.getAttribute('aria-label')]")
        .await
        .unwrap();
    assert_eq!(svg_name[0], "group");
    assert!(
        svg_name[1]
            .as_str()
            .is_some_and(|l| l.starts_with(&format!("Model graph: {listed} models, "))),
        "{svg_name}"
    );

    // The edges' labels as drawn, by kind.
    let labels = edge_labels(&browser).await;
    let drawn: BTreeSet<(&str, &str, &str, &str)> = labels
        .iter()
        .map(|(k, s, l, t, _)| (k.as_str(), s.as_str(), l.as_str(), t.as_str()))
        .collect();
    for expected in [
        ("extends", ROOM, "extends", SPACE),
        ("extends", SENSOR, "extends", EQUIPMENT),
        ("extends", PUMP, "extends", EQUIPMENT),
        ("component", EQUIPMENT, "nameplate", NAMEPLATE),
        ("component", PUMP, "motorPlate", NAMEPLATE),
        ("relationship", ROOM, "hasEquipment", EQUIPMENT),
        ("relationship", EQUIPMENT, "hasSensor", SENSOR),
        ("relationship", PUMP, "feeds", ROOM),
    ] {
        assert!(drawn.contains(&expected), "{expected:?} not in {drawn:#?}");
    }
    // Inherited contents are drawn once, from the model that declares them.
    let nameplates = labels.iter().filter(|l| l.2 == "nameplate").count();
    assert_eq!(nameplates, 1, "{labels:#?}");
    assert!(
        !drawn.contains(&("relationship", PUMP, "hasSensor", SENSOR)),
        "{drawn:#?}"
    );
    assert!(
        labels.iter().all(|l| l.4),
        "every label is rendered: {labels:#?}"
    );
    let kinds = browser
        .eval("return [...new Set([...document.querySelectorAll('.model-graph__edges path')].map(p => p.getAttribute('class')))].sort()")
        .await
        .unwrap();
    assert_eq!(
        kinds,
        json!([
            "model-graph__edge model-graph__edge--component",
            "model-graph__edge model-graph__edge--extends",
            "model-graph__edge model-graph__edge--relationship"
        ]),
        "edges are styled by kind"
    );
    browser
        .screenshot(&screenshot_dir().join("models-graph-1440.png"))
        .await
        .unwrap();

    // At 390 px the page does not scroll sideways; the drawing scrolls inside its box.
    set_viewport(&browser, PHONE).await.unwrap();
    let (overflow, culprits) = sideways_overflow(&browser).await.unwrap();
    assert!(
        overflow <= 0,
        "the models graph at 390 px scrolls the page sideways by {overflow} px: {culprits:?}"
    );
    let scroller = browser
        .eval("const s = document.querySelector('.model-graph__scroll'); return [s.scrollWidth, s.clientWidth, getComputedStyle(s).overflowX]")
        .await
        .unwrap();
    assert!(
        scroller[0].as_f64() > scroller[1].as_f64() && scroller[2] == "auto",
        "the drawing scrolls inside its box: {scroller}"
    );

    // Clicking a model shows its details: what it extends, its relationships, who uses it.
    let room = node(&browser, ROOM).await;
    scroll_and_click(&browser, &room, "the Room box").await;
    let details = details_of(&browser, "Room").await;
    for line in [
        ROOM,
        "extends Space",
        "relationship hasEquipment → Equipment",
        "target of feeds from Pump",
        "Uploaded",
    ] {
        assert!(
            details.contains(line),
            "{line:?} not in the details: {details}"
        );
    }
    wait_for(
        &browser,
        "return location.search.includes('model=dtmi%3Atwinscope%3Aseed%3ARoom%3B1') ? true : null",
        "the selected model in the address",
    )
    .await;
    assert_eq!(
        room.attr("aria-current").await.unwrap().as_deref(),
        Some("true")
    );
    let heading = browser
        .client()
        .find(Locator::Id("model-details-title"))
        .await
        .unwrap();
    scroll_to(&browser, &heading).await.unwrap();
    browser
        .screenshot(&screenshot_dir().join("models-graph-390.png"))
        .await
        .unwrap();
    // A model named in the details is a button that selects it.
    let space = browser
        .client()
        .find(Locator::XPath(&format!(
            "//section[@aria-labelledby='model-details-title']//button[@title='{SPACE}']"
        )))
        .await
        .unwrap();
    assert_eq!(space.text().await.unwrap().trim(), "Space");
    scroll_and_click(&browser, &space, "Space in the details").await;
    let details = details_of(&browser, "Space").await;
    assert!(details.contains("extended by Room"), "{details}");

    // By keyboard: Tab from a box to the next one, Enter selects it.
    set_viewport(&browser, DESKTOP).await.unwrap();
    let equipment = node(&browser, EQUIPMENT).await;
    browser
        .client()
        .execute(
            "arguments[0].focus()",
            vec![serde_json::to_value(&equipment).unwrap()],
        )
        .await
        .unwrap();
    press(&browser, Key::Enter).await.unwrap();
    let details = details_of(&browser, "Equipment").await;
    for line in [
        "has component nameplate: Nameplate",
        "extended by Sensor",
        "extended by Pump",
    ] {
        assert!(
            details.contains(line),
            "{line:?} not in the details: {details}"
        );
    }
    press(&browser, Key::Tab).await.unwrap();
    let next = browser
        .eval("const e = document.activeElement; return [e.dataset.dtmi || null, e.getAttribute('aria-label')]")
        .await
        .unwrap();
    let next_id = next[0]
        .as_str()
        .unwrap_or_else(|| panic!("Tab left the drawing: {next}"))
        .to_owned();
    let next_name = next[1].as_str().unwrap().to_owned();
    assert_ne!(next_id, EQUIPMENT);
    press(&browser, Key::Enter).await.unwrap();
    details_of(&browser, &next_name).await;
    scroll_and_click(&browser, &equipment, "the Equipment box").await;
    details_of(&browser, "Equipment").await;
    assert_no_serious_violations(&browser, "models graph").await;

    // Another screen, then Back: the graph and the selected model are on screen again.
    browser
        .goto(&stack.url(&format!("/t/{CONTOSO}/i/{CAMPUS}/twins")))
        .await
        .unwrap();
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser.client().back().await.unwrap();
    ModelsPage::expect(&browser).await.unwrap();
    wait_for(
        &browser,
        &format!(
            "return document.querySelectorAll('[data-dtmi]').length === {listed} ? true : null"
        ),
        "the graph again",
    )
    .await;
    let graph_button = browser.find_by_role("button", "Graph").await.unwrap();
    assert_eq!(
        graph_button.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    details_of(&browser, "Equipment").await;
    assert!(
        edge_labels(&browser)
            .await
            .iter()
            .any(|l| l.0 == "component" && l.2 == "motorPlate"),
        "the edges are drawn again"
    );

    // "List" brings the cards back, and the address forgets the view.
    let list_button = browser.find_by_role("button", "List").await.unwrap();
    scroll_and_click(&browser, &list_button, "the List button").await;
    wait_for(
        &browser,
        "return document.querySelector('.models-list__item') && !location.search.includes('view=') ? true : null",
        "the list again",
    )
    .await;
    browser.close().await.unwrap();
}
