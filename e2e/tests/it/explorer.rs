//! The explorer in Chromium against the emulator's ARM and ADT, through the gateway.

use serde_json::json;
use twinscope_e2e::Browser;
use twinscope_e2e::person::{open_signed_in, visible_text};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, FABRIKAM, Stack, screenshot_dir};

async fn signed_in(path: &str, upn: &str, password: &str) -> (Stack, Browser) {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in(&stack, path, (upn, password)).await;
    (stack, browser)
}

#[tokio::test]
async fn instances_are_discovered_and_a_query_shows_twins() {
    let (stack, browser) = signed_in(
        &format!("/t/{CONTOSO}"),
        "adele@contoso.onmicrosoft.com",
        "Adele-dev-1",
    )
    .await;
    browser
        .find_by_role("link", "contoso-campus")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser
        .find_by_role("button", "Run")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = browser
        .wait_for_script(
            "const g = document.querySelector('[role=grid]'); return g && Number(g.getAttribute('aria-rowcount')) > 10 ? Number(g.getAttribute('aria-rowcount')) : null",
            "query results",
        )
        .await
        .unwrap();
    assert!(rows.as_i64().unwrap() > 10, "{rows}");
    // Twin values are text: the seeded `<script>` name shows as characters, runs nowhere.
    let rendered = browser
        .wait_for_script(
            "return document.body.innerText.includes('<script>alert(1)</script>') && !document.querySelector('main script') ? true : null",
            "markup shown as text",
        )
        .await
        .unwrap();
    assert_eq!(rendered, true);
    // The DOM stays bounded: only the rows in view are rendered.
    let rendered_rows = browser
        .eval("return document.querySelectorAll('[role=grid] [role=row]').length")
        .await
        .unwrap();
    assert!(rendered_rows.as_i64().unwrap() < 200, "{rendered_rows}");
    browser
        .screenshot(&screenshot_dir().join("query.png"))
        .await
        .unwrap();
    let _ = stack;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_reader_finds_no_write_controls_and_switching_tenant_leaves_nothing_behind() {
    let (stack, browser) = signed_in(
        &format!("/t/{CONTOSO}/i/{CAMPUS}/twins"),
        "megan@contoso.onmicrosoft.com",
        "Megan-dev-1",
    )
    .await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser
        .find_by_role("button", "Run")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_script("const g = document.querySelector('[role=grid] [role=gridcell]'); return g ? true : null", "rows")
        .await
        .unwrap();
    let has_write = browser
        .eval("return [...document.querySelectorAll('button')].some(b => /^(Create|Delete|Upload|Decommission)/.test(b.textContent.trim()))")
        .await
        .unwrap();
    assert_eq!(has_write, false, "a Twins.Reader sees no write controls");
    // Switch to Fabrikam: nothing of Contoso's instance stays on screen.
    browser
        .eval(&format!("history.pushState(null, '', '/t/{FABRIKAM}'); dispatchEvent(new PopStateEvent('popstate')); return true;"))
        .await
        .unwrap();
    browser.find_by_role("heading", "Fabrikam").await.unwrap();
    let leftover = browser
        .eval(&format!("return document.body.innerText.includes('{CAMPUS}') || !!document.querySelector('[role=grid]')"))
        .await
        .unwrap();
    assert_eq!(leftover, false, "no Contoso data after the switch");
    let _ = stack;
    browser.close().await.unwrap();
}

/// The service lists a twin's relationships ten to a page: a floor with 24 more rooms than
/// the seed gave it and 14 more buildings pointing at it shows every one of them, outgoing and
/// incoming, on its page (read from the tables on screen).
#[tokio::test]
async fn a_twin_with_more_relationships_than_a_page_shows_them_all() {
    use twinscope_emulator::adt::store::Record;
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let model_of =
        |t: &serde_json::Value| t["$metadata"]["$model"].as_str().unwrap_or("").to_owned();
    let (floor, rooms, building) = {
        let store = stack.campus().store();
        let twins = &store.state.twins;
        let floor = twins
            .iter()
            .find(|(_, t)| model_of(t).contains(":Floor;"))
            .map(|(id, _)| id.clone())
            .expect("a floor");
        let rooms: Vec<String> = twins
            .iter()
            .filter(|(id, t)| model_of(t).contains(":Room;") && !id.starts_with(&floor))
            .map(|(id, _)| id.clone())
            .take(24)
            .collect();
        let building = twins
            .iter()
            .find(|(id, t)| model_of(t).contains(":Building;") && !floor.starts_with(id.as_str()))
            .map(|(id, _)| id.clone())
            .expect("another building");
        (floor, rooms, building)
    };
    assert_eq!(rooms.len(), 24, "rooms of other floors");
    let mut records: Vec<Record> = rooms
        .iter()
        .enumerate()
        .map(|(i, room)| Record::PutRelationship {
            relationship: json!({
                "$relationshipId": format!("extra-room-{i:02}"), "$etag": format!("W/\"r{i}\""),
                "$sourceId": floor, "$relationshipName": "hasRoom", "$targetId": room,
            }),
        })
        .collect();
    records.extend((0..14).map(|i| Record::PutRelationship {
        relationship: json!({
            "$relationshipId": format!("extra-floor-{i:02}"), "$etag": format!("W/\"f{i}\""),
            "$sourceId": building, "$relationshipName": "hasFloor", "$targetId": floor,
        }),
    }));
    let (outgoing, incoming) = {
        let mut store = stack.campus().store();
        store.commit(records).expect("stored");
        let rels = &store.state.relationships;
        (
            rels.values()
                .filter(|r| r["$sourceId"] == floor.as_str())
                .count(),
            rels.values()
                .filter(|r| r["$targetId"] == floor.as_str())
                .count(),
        )
    };
    assert!(
        outgoing > 20 && incoming > 10,
        "{outgoing} out, {incoming} in"
    );

    let browser = open_signed_in(
        &stack,
        &format!("/t/{CONTOSO}/i/{CAMPUS}/twins/{floor}"),
        ("adele@contoso.onmicrosoft.com", "Adele-dev-1"),
    )
    .await;
    let rows = |caption: &str| {
        format!(
            "const t = [...document.querySelectorAll('main table')].find(t => t.caption && t.caption.textContent === {caption:?}); \
             return t ? t.tBodies[0].rows.length : 0"
        )
    };
    let shown = browser
        .wait_for_script(
            &format!(
                "const out = (() => {{ {} }})(); const inc = (() => {{ {} }})(); \
                 return out === {outgoing} && inc === {incoming} ? [out, inc] : null",
                rows("Outgoing relationships"),
                rows("Incoming relationships")
            ),
            "every relationship listed",
        )
        .await
        .unwrap_or_else(|e| panic!("{outgoing} outgoing and {incoming} incoming expected: {e}"));
    assert_eq!(shown, json!([outgoing, incoming]));
    // The last of each, as a person would find it: its id on the page.
    let text = visible_text(&browser).await.unwrap();
    assert!(
        text.contains("extra-room-23") && text.contains("extra-floor-13"),
        "{text}"
    );
    browser.close().await.unwrap();
}
