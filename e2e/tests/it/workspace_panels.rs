//! The Twins screen as a workspace (issue #15), as a person uses it: the models in a sidebar
//! (found by typing, counted, their DTDL one click away), a model chosen → its twins, the
//! results as a table or as a graph (the choice in the address, so Back restores it), a twin
//! selected → its properties in the inspector (ready to edit: `inspector_editing.rs`), with
//! a link to its page. Nothing scrolls
//! sideways at 390 px; axe finds no serious violation.

use std::collections::BTreeSet;

use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::a11y::assert_no_serious_violations;
use twinscope_e2e::person::{
    DESKTOP, PHONE, Person, click_in_view, inspect_first_result, scroll_and_click, set_viewport,
    sideways_overflow, type_text, wait_for,
};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, screenshot_dir};
use twinscope_e2e::transfer_page::{API_VERSION, adt_call};

const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
const ROOM: &str = "dtmi:twinscope:seed:Room;1";

/// The sidebar's button for `model` (by the DTMI it shows).
async fn model_button(browser: &Browser, model: &str) -> Element {
    wait_for(
        browser,
        &format!(
            "return [...document.querySelectorAll('.workspace-tree__model code')].some(c => c.textContent === {}) ? true : null",
            json!(model)
        ),
        &format!("{model} in the sidebar"),
    )
    .await;
    browser
        .client()
        .find(Locator::XPath(&format!(
            "//button[contains(@class,'workspace-tree__model')][.//code[text()='{model}']]"
        )))
        .await
        .unwrap()
}

/// The twin ids the emulator returns for `query` (through the gateway, with the app's token).
async fn emulator_ids(browser: &Browser, query: &str) -> BTreeSet<String> {
    let (status, answer) = adt_call(
        browser,
        CONTOSO,
        "POST",
        &format!("/adt/{CAMPUS}/query?{API_VERSION}"),
        Some(&json!({ "query": query })),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer.get("continuationToken").is_none_or(Value::is_null),
        "one page holds them all"
    );
    answer["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["$dtId"].as_str().unwrap().to_owned())
        .collect()
}

async fn pressed(browser: &Browser) -> Value {
    browser
        .eval(
            "return [...document.querySelectorAll('.query-results .models-views [aria-pressed]')] \
               .filter(b => b.getAttribute('aria-pressed') === 'true').map(b => b.textContent.trim())",
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn models_choose_the_twins_shown_as_table_or_graph_and_a_twin_is_inspected() {
    let p = Person::start().await;
    let browser = &p.browser;
    p.sign_in_at(&format!("/t/{CONTOSO}/i/{CAMPUS}/twins"), ADELE.0, ADELE.1)
        .await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser
        .find_by_role("complementary", "Models")
        .await
        .unwrap();

    // Typing into the search box, key by key, narrows the tree to the rooms (under Space).
    model_button(browser, "dtmi:twinscope:seed:Sensor;1").await;
    let search = browser
        .client()
        .find(Locator::Id("model-search"))
        .await
        .unwrap();
    click_in_view(browser, &search, "the model search box")
        .await
        .unwrap();
    type_text(&search, "roo").await.unwrap();
    let shown = wait_for(
        browser,
        "const ids = [...document.querySelectorAll('.workspace-tree__model code')].map(c => c.textContent); \
         return ids.includes('dtmi:twinscope:seed:Room;1') && !ids.includes('dtmi:twinscope:seed:Sensor;1') ? ids : null",
        "the tree filtered to the rooms",
    )
    .await;
    assert_eq!(
        shown,
        json!(["dtmi:twinscope:seed:Space;1", ROOM]),
        "the room, under the model it extends"
    );

    // Each model's DTDL is one click away.
    let dtdl = browser
        .client()
        .find(Locator::XPath(&format!(
            "//button[.//code[text()='{ROOM}']]/following-sibling::details/summary"
        )))
        .await
        .unwrap();
    click_in_view(browser, &dtdl, "the room's DTDL")
        .await
        .unwrap();
    let json_text = wait_for(
        browser,
        "const pre = document.querySelector('.workspace-tree__dtdl[open] pre'); return pre ? pre.textContent : null",
        "the room's DTDL",
    )
    .await;
    let document: Value = serde_json::from_str(json_text.as_str().unwrap()).unwrap();
    assert_eq!(document["@id"], ROOM);

    // The count beside the model is what the emulator holds.
    let rooms = emulator_ids(
        browser,
        &format!("SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, '{ROOM}')"),
    )
    .await;
    assert!(rooms.len() > 5, "{rooms:?}");
    let button = model_button(browser, ROOM).await;
    let count = wait_for(
        browser,
        &format!(
            "const b = [...document.querySelectorAll('.workspace-tree__model')].find(b => b.querySelector('code').textContent === {}); \
             const c = b && b.querySelector('.workspace-tree__count'); return c ? c.textContent : null",
            json!(ROOM)
        ),
        "the room count",
    )
    .await;
    assert_eq!(count, json!(format!("{} twins", rooms.len())));

    // Choosing the model runs its query: only rooms, every one of them.
    click_in_view(browser, &button, "the Room model")
        .await
        .unwrap();
    wait_for(
        browser,
        "const s = document.querySelector('.query-progress'); return s && s.textContent.startsWith('Done') ? s.textContent : null",
        "the model's query to finish",
    )
    .await;
    let state = browser
        .eval(
            "return [document.getElementById('query-text').value, location.search, \
               Number(document.querySelector('[role=grid]').getAttribute('aria-rowcount')) - 1, \
               [...new Set([...document.querySelectorAll('[role=grid] .grid__body [role=row]')].map(r => r.children[1].textContent))]]",
        )
        .await
        .unwrap();
    assert_eq!(
        state[0],
        json!(format!(
            "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL(T, '{ROOM}')"
        ))
    );
    assert!(state[1].as_str().unwrap().contains("q="), "{state}");
    assert_eq!(state[2], json!(rooms.len()), "{state}");
    assert_eq!(state[3], json!([ROOM]), "only rooms in the table");
    assert_eq!(pressed(browser).await, json!(["Table"]));

    // As a graph: every room is drawn, and nothing else.
    let graph = browser.find_by_role("button", "Graph").await.unwrap();
    click_in_view(browser, &graph, "Graph").await.unwrap();
    let drawn = wait_for(
        browser,
        &format!(
            "const ids = [...document.querySelectorAll('.query-results svg [data-twin]')].map(n => n.getAttribute('data-twin')); \
             return ids.length >= {} ? ids : null",
            rooms.len()
        ),
        "the rooms drawn",
    )
    .await;
    let drawn: BTreeSet<String> = serde_json::from_value(drawn).unwrap();
    assert_eq!(drawn, rooms, "the graph draws the query's twins");
    assert!(p.path().await.contains("view=graph"));
    assert_eq!(pressed(browser).await, json!(["Graph"]));

    // Selecting a twin in the drawing shows its properties in the inspector.
    let room = rooms.iter().next().unwrap().clone();
    let node = browser
        .client()
        .find(Locator::Css(&format!(
            ".query-results svg [data-twin='{room}'] .graph__shape"
        )))
        .await
        .unwrap();
    scroll_and_click(browser, &node, "a room in the graph").await;
    let (status, twin) = adt_call(
        browser,
        CONTOSO,
        "GET",
        &format!("/adt/{CAMPUS}/digitaltwins/{room}?{API_VERSION}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{twin}");
    let name = twin["name"].as_str().unwrap().to_owned();
    let inspector = wait_for(
        browser,
        &format!(
            "const a = document.querySelector('.workspace-inspector'); const n = document.getElementById('inspect-name'); \
             return a && n && a.innerText.includes({}) ? [a.innerText, n.value] : null",
            json!(room)
        ),
        "the room in the inspector",
    )
    .await;
    let text = inspector[0].as_str().unwrap();
    assert_eq!(inspector[1], json!(name), "its name, ready to edit");
    assert!(
        text.contains("Name") && text.contains("Area"),
        "the model's properties by display name: {text}"
    );
    assert!(p.path().await.contains(&format!("twin={room}")));
    assert_no_serious_violations(browser, "workspace with the graph and a twin").await;
    browser
        .screenshot(&screenshot_dir().join("workspace-panels-graph-1440.png"))
        .await
        .unwrap();

    // "Open twin" goes to its page; Back comes back to the same graph and twin.
    let open = browser.find_by_role("link", "Open twin").await.unwrap();
    scroll_and_click(browser, &open, "Open twin").await;
    browser
        .find_by_role("heading", &format!("Twin {room}"))
        .await
        .unwrap();
    browser.client().back().await.unwrap();
    wait_for(
        browser,
        &format!(
            "return document.querySelectorAll('.query-results svg [data-twin]').length >= {} \
               && document.querySelector('.workspace-inspector #inspect-props-title') ? true : null",
            rooms.len()
        ),
        "the graph and the inspector again after Back",
    )
    .await;
    assert_eq!(pressed(browser).await, json!(["Graph"]));

    // Back again: the table, as it was before Graph was chosen.
    browser.client().back().await.unwrap();
    wait_for(
        browser,
        &format!(
            "const g = document.querySelector('[role=grid]'); \
             return !location.search.includes('view=graph') && g && Number(g.getAttribute('aria-rowcount')) - 1 === {} ? true : null",
            rooms.len()
        ),
        "the table of rooms after Back",
    )
    .await;
    assert_eq!(pressed(browser).await, json!(["Table"]));
    assert_no_serious_violations(browser, "workspace with the table").await;

    // Selecting a row shows that twin too.
    inspect_first_result(browser).await;

    // At 390 px, table and graph: nothing scrolls sideways.
    set_viewport(browser, PHONE).await.unwrap();
    browser.client().refresh().await.unwrap();
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    wait_for(
        browser,
        "return document.querySelector('[role=grid] [role=gridcell]') && document.querySelector('.workspace-inspector #inspect-props-title') ? true : null",
        "the table and the inspector at 390 px",
    )
    .await;
    let (overflow, culprits) = sideways_overflow(browser).await.unwrap();
    browser
        .screenshot(&screenshot_dir().join("workspace-panels-table-390.png"))
        .await
        .unwrap();
    assert!(
        overflow <= 0,
        "the table at 390 px scrolls sideways by {overflow} px: {culprits:?}"
    );
    let graph = browser.find_by_role("button", "Graph").await.unwrap();
    scroll_and_click(browser, &graph, "Graph at 390 px").await;
    wait_for(
        browser,
        "return document.querySelector('.query-results svg [data-twin]') ? true : null",
        "the graph at 390 px",
    )
    .await;
    let (overflow, culprits) = sideways_overflow(browser).await.unwrap();
    browser
        .screenshot(&screenshot_dir().join("workspace-panels-graph-390.png"))
        .await
        .unwrap();
    assert!(
        overflow <= 0,
        "the graph at 390 px scrolls sideways by {overflow} px: {culprits:?}"
    );
    // The models are folded away above the results at this width, and open on request.
    let show = browser
        .client()
        .find(Locator::Css(".workspace-models__head button"))
        .await
        .unwrap();
    assert_eq!(
        show.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    scroll_and_click(browser, &show, "Show the models").await;
    model_button(browser, ROOM).await;
    let (overflow, culprits) = sideways_overflow(browser).await.unwrap();
    assert!(
        overflow <= 0,
        "the open sidebar at 390 px scrolls sideways by {overflow} px: {culprits:?}"
    );
    set_viewport(browser, DESKTOP).await.unwrap();
    p.browser.close().await.unwrap();
}
