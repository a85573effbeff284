//! Importing an Azure Digital Twins Explorer spreadsheet (`.xlsx`) in Chromium: a writer
//! picks the file, reads the plan (what the file was read as, that a spreadsheet holds no
//! models, the twin whose model the instance lacks), runs it, and finds the twins and the
//! relationships in the instance, with the one twin of an unknown model in the failure
//! report.
//!
//! The file is `tests/fixtures/explorer-import.xlsx`, written by openpyxl
//! (`tests/fixtures/explorer-import.py` says how); its twins use the seed models the campus
//! instance has.

use std::path::Path;

use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::pages::EmulatorSignIn;
use twinscope_e2e::person::{scroll_and_click, visible_text};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack};
use twinscope_e2e::transfer_page::{API_VERSION, TransferPage, adt_call, path};

const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
const SEED: &str = "dtmi:twinscope:seed:";

fn fixture() -> std::path::PathBuf {
    // ChromeDriver takes only canonical paths (no `..`).
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/explorer-import.xlsx")
        .canonicalize()
        .expect("the fixture tests/fixtures/explorer-import.xlsx")
}

async fn get(browser: &Browser, path: &str) -> (u16, Value) {
    adt_call(
        browser,
        CONTOSO,
        "GET",
        &format!("/adt/{CAMPUS}{path}?{API_VERSION}"),
        None,
    )
    .await
    .unwrap()
}

/// The relationships out of `source`, as `(name, target)` sorted, checking each id is the
/// explorer's kind (a version-4 UUID).
async fn outgoing(browser: &Browser, source: &str) -> Vec<(String, String)> {
    let (status, answer) = get(browser, &format!("/digitaltwins/{source}/relationships")).await;
    assert_eq!(status, 200, "{answer}");
    let mut found: Vec<(String, String)> = answer["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["$relationshipId"].as_str().unwrap();
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id} is not a UUID");
            assert_eq!(&id[14..15], "4", "{id} is not a version-4 UUID");
            (
                r["$relationshipName"].as_str().unwrap().to_owned(),
                r["$targetId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_writer_imports_an_explorer_spreadsheet() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    browser
        .goto(&stack.url(&path(CONTOSO, CAMPUS)))
        .await
        .unwrap();
    EmulatorSignIn::expect(&browser)
        .await
        .unwrap()
        .sign_in_as(ADELE.0, ADELE.1)
        .await
        .unwrap();
    let page = TransferPage::expect(&browser).await.unwrap();
    let shown = visible_text(&browser).await.unwrap();
    assert!(
        shown.contains("Azure Digital Twins Explorer export")
            && shown.contains("spreadsheet (.xlsx"),
        "the screen says it takes spreadsheets: {shown}"
    );
    let (status, _) = get(&browser, "/digitaltwins/xl-annex").await;
    assert_eq!(status, 404, "the campus has no twin of the sheet yet");

    page.choose_file(&fixture()).await.unwrap();
    browser
        .find_by_role("heading", "Plan for explorer-import.xlsx")
        .await
        .unwrap();
    let plan = browser
        .eval("return document.querySelector('.transfer-plan').innerText")
        .await
        .unwrap();
    let plan = plan.as_str().unwrap();
    for expected in [
        "Read as an Azure Digital Twins Explorer spreadsheet: sheet 'Twins', 7 rows of twins and relationships.",
        "A spreadsheet holds no models",
        "6 twins to create or replace",
        "5 relationships to create or replace",
        "1 twin uses a model the instance does not have: dtmi:contoso:Pump;1.",
    ] {
        assert!(
            plan.contains(expected),
            "{expected:?} is not in the plan: {plan}"
        );
    }
    assert!(!plan.contains("models to upload"), "{plan}");

    let button = browser
        .find_by_role("button", "Import 11 items")
        .await
        .unwrap();
    scroll_and_click(&browser, &button, "the Import button").await;
    let report = page.report().await.unwrap();
    assert!(report.contains("10 done, 1 failed, 0 skipped"), "{report}");
    assert!(
        report.lines().any(|l| l.starts_with("twin xl-pump: ")),
        "the twin of the unknown model is in the report: {report}"
    );

    for (id, model, name) in [
        ("xl-annex", "Building;1", Some("Annex")),
        ("xl-annex-0", "Floor;1", Some("Ground floor")),
        ("xl-annex-1", "Floor;1", None),
        ("xl-lab", "Room;1", Some("Lab \"Ω\" <1>")),
        ("1001", "Room;1", Some("Store")),
    ] {
        let (status, twin) = get(&browser, &format!("/digitaltwins/{id}")).await;
        assert_eq!(status, 200, "{id}: {twin}");
        assert_eq!(
            twin["$metadata"]["$model"],
            format!("{SEED}{model}"),
            "{id}"
        );
        assert_eq!(twin["name"].as_str(), name, "{id}");
    }
    let (_, lab) = get(&browser, "/digitaltwins/xl-lab").await;
    assert_eq!(
        (&lab["area"], &lab["roomType"]),
        (&json!(42.5), &json!("office"))
    );
    let (_, floor) = get(&browser, "/digitaltwins/xl-annex-0").await;
    assert_eq!(floor["level"], json!(0));
    let (status, _) = get(&browser, "/digitaltwins/xl-pump").await;
    assert_eq!(status, 404);

    assert_eq!(
        outgoing(&browser, "xl-annex").await,
        pairs(&[("hasFloor", "xl-annex-0"), ("hasFloor", "xl-annex-1")])
    );
    assert_eq!(
        outgoing(&browser, "xl-annex-0").await,
        pairs(&[("hasRoom", "1001"), ("hasRoom", "xl-lab")])
    );
    assert_eq!(
        outgoing(&browser, "xl-annex-1").await,
        pairs(&[("hasRoom", "xl-lab")])
    );
    browser.close().await.unwrap();
}
