//! Import and export in Chromium: the whole campus graph exported as JSON, NDJSON and for
//! Azure Digital Twins Explorer (read back from the download link), imported by a Twins.Writer
//! into another instance, and an import with a broken item that shows up in the failure report
//! with the service's message, and long runs stopped (an export that writes nothing, an import
//! that goes on later); an Azure Digital Twins Explorer JSON export imported as that tool
//! writes it.

use serde_json::{Value, json};
use twinscope_e2e::person::{click_button, open_signed_in, scroll_and_click};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, FABRIKAM, Stack};
use twinscope_e2e::transfer_page::{API_VERSION, NAV_LINK, TransferPage, adt_call, path};
use twinscope_emulator::Options;

const PLANT: &str = "fabrikam-plant.api.eus.digitaltwins.azure.net";
const ADELE: (&str, &str) = ("adele@contoso.onmicrosoft.com", "Adele-dev-1");
const MEGAN: (&str, &str) = ("megan@contoso.onmicrosoft.com", "Megan-dev-1");

/// The built-in instances seed with fabrikam-plant seeded empty (no models, no twins).
fn instances_with_empty_plant(dir: &std::path::Path) -> std::path::PathBuf {
    let seed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../emulator/seed/instances.json");
    let mut instances: Value =
        serde_json::from_str(&std::fs::read_to_string(seed).unwrap()).unwrap();
    for tenant in instances["tenants"].as_array_mut().unwrap() {
        for sub in tenant["subscriptions"].as_array_mut().unwrap() {
            for instance in sub["instances"].as_array_mut().unwrap() {
                if instance["host_name"] == PLANT {
                    instance["seed"] = json!("empty");
                }
            }
        }
    }
    let file = dir.join("instances.json");
    std::fs::write(&file, instances.to_string()).unwrap();
    file
}

fn ids<'a>(items: &'a [Value], key: &str) -> Vec<&'a str> {
    let mut ids: Vec<&str> = items.iter().filter_map(|v| v[key].as_str()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn the_whole_campus_exports_as_json_ndjson_and_for_adt_explorer() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in(&stack, &path(CONTOSO, CAMPUS), ADELE).await;
    let page = TransferPage::expect(&browser).await.unwrap();
    let downloads = tempfile::tempdir().unwrap();

    let text = page
        .export("JSON", "contoso-campus-export.json", downloads.path())
        .await
        .unwrap();
    let graph: Value = serde_json::from_str(&text).expect("the export is JSON");
    let twins = graph["twins"].as_array().unwrap();
    let expected = stack.emulator.adt().twin_count(CAMPUS).unwrap();
    assert_eq!(twins.len(), expected, "every twin is exported");
    assert!(twins.iter().all(|t| {
        t.get("$etag").is_none()
            && t["$metadata"]["$model"]
                .as_str()
                .is_some_and(|m| m.starts_with("dtmi:"))
    }));
    // Property values travel as they are, markup included (as text).
    assert!(
        twins
            .iter()
            .any(|t| t["name"] == "<script>alert(1)</script>")
    );
    let models = graph["models"].as_array().unwrap();
    assert!(
        ids(models, "@id").contains(&"dtmi:twinscope:seed:Room;1"),
        "{:?}",
        ids(models, "@id")
    );
    let relationships = graph["relationships"].as_array().unwrap();
    assert!(!relationships.is_empty());
    assert!(relationships.iter().all(|r| r["$sourceId"].is_string()
        && r["$targetId"].is_string()
        && r["$relationshipName"].is_string()));

    let ndjson = page
        .export("NDJSON", "contoso-campus-export.ndjson", downloads.path())
        .await
        .unwrap();
    let lines: Vec<Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON value per line"))
        .collect();
    assert_eq!(lines[0], json!({"Section": "Header"}));
    assert_eq!(lines[1]["fileVersion"], "1.0.0");
    let sections: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("Section").is_some())
        .collect();
    assert_eq!(sections.len(), 4, "{sections:?}");
    // Sections markers, header line and one line per item.
    assert_eq!(
        lines.len(),
        4 + 1 + models.len() + twins.len() + relationships.len()
    );

    // For Azure Digital Twins Explorer: its layout, the same items.
    let explorer = page
        .export(
            "ADT Explorer JSON",
            "contoso-campus-adt-explorer.json",
            downloads.path(),
        )
        .await
        .unwrap();
    let explorer: Value = serde_json::from_str(&explorer).expect("the export is JSON");
    assert_eq!(
        explorer["digitalTwinsFileInfo"],
        json!({"fileVersion": "1.0.0"})
    );
    assert_eq!(&explorer["digitalTwinsModels"], &graph["models"]);
    assert_eq!(
        explorer["digitalTwinsGraph"]["digitalTwins"],
        graph["twins"]
    );
    assert_eq!(
        explorer["digitalTwinsGraph"]["relationships"],
        graph["relationships"]
    );
    browser.close().await.unwrap();
}

/// A stack whose Fabrikam plant is empty (its instances file in the scratch folder returned,
/// where files are also written), and Megan signed in on Contoso's campus import/export
/// screen: she reads the campus and writes the plant (Twins.Writer, Data Owner).
async fn megan_on_the_campus_beside_an_empty_plant()
-> (tempfile::TempDir, Stack, twinscope_e2e::Browser) {
    let scratch = tempfile::tempdir().unwrap();
    let options = Options {
        instances: Some(instances_with_empty_plant(scratch.path())),
        ..Default::default()
    };
    let stack = Stack::start_with(json!({}), options)
        .await
        .expect("stack starts");
    let browser = open_signed_in(&stack, &path(CONTOSO, CAMPUS), MEGAN).await;
    (scratch, stack, browser)
}

/// The plant's ontology put in place by its admin (a writer cannot upload models: `models`
/// through the API), then `file` chosen on the plant's import screen: its plan's text.
async fn plan_on_the_plant<'a>(
    stack: &Stack,
    browser: &'a twinscope_e2e::Browser,
    models: &Value,
    file: &std::path::Path,
) -> (TransferPage<'a>, String) {
    browser
        .goto(&stack.url(&format!("/t/{FABRIKAM}/i/{PLANT}/graph")))
        .await
        .unwrap();
    let (status, answer) = adt_call(
        browser,
        FABRIKAM,
        "POST",
        &format!("/adt/{PLANT}/models?{API_VERSION}"),
        Some(models),
    )
    .await
    .unwrap();
    assert!(matches!(status, 200 | 201), "{status}: {answer}");
    browser
        .find_by_role("link", NAV_LINK)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = TransferPage::expect(browser).await.unwrap();
    page.choose_file(file).await.unwrap();
    let name = file.file_name().unwrap().to_string_lossy();
    browser
        .find_by_role("heading", &format!("Plan for {name}"))
        .await
        .unwrap();
    let plan_text = browser
        .eval("return document.querySelector('.transfer-plan').innerText")
        .await
        .unwrap();
    (page, plan_text.as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_writer_imports_the_campus_export_into_another_instance() {
    let (scratch, stack, browser) = megan_on_the_campus_beside_an_empty_plant().await;
    let page = TransferPage::expect(&browser).await.unwrap();
    let text = page
        .export("JSON", "contoso-campus-export.json", scratch.path())
        .await
        .unwrap();
    let graph: Value = serde_json::from_str(&text).unwrap();
    // The downloaded file itself is what gets imported.
    let file = scratch.path().join("contoso-campus-export.json");
    assert_eq!(stack.emulator.adt().twin_count(PLANT), Some(0));

    let (page, plan_text) = plan_on_the_plant(&stack, &browser, &graph["models"], &file).await;
    let models = graph["models"].as_array().unwrap().len();
    let twins = graph["twins"].as_array().unwrap();
    let relationships = graph["relationships"].as_array().unwrap();
    let steps = twins.len() + relationships.len();
    let plan_text = plan_text.as_str();
    assert!(
        plan_text.contains(&format!("{models} models already in the instance")),
        "{plan_text}"
    );
    assert!(
        plan_text.contains(&format!("{} twins to create", twins.len())),
        "{plan_text}"
    );
    browser
        .find_by_role("button", &format!("Import {steps} items"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let report = page.report().await.unwrap();
    assert!(
        report.contains(&format!("{steps} done, 0 failed, 0 skipped")),
        "{report}"
    );

    assert_eq!(stack.emulator.adt().twin_count(PLANT), Some(twins.len()));
    for twin in twins.iter().step_by(7) {
        let id = twin["$dtId"].as_str().unwrap();
        let (status, stored) = adt_call(
            &browser,
            FABRIKAM,
            "GET",
            &format!("/adt/{PLANT}/digitaltwins/{}?{API_VERSION}", urlencode(id)),
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{id}: {stored}");
        assert_eq!(stored["$metadata"]["$model"], twin["$metadata"]["$model"]);
        assert_eq!(stored.get("name"), twin.get("name"), "{id}");
    }
    let relationship = &relationships[0];
    let (status, stored) = adt_call(
        &browser,
        FABRIKAM,
        "GET",
        &format!(
            "/adt/{PLANT}/digitaltwins/{}/relationships/{}?{API_VERSION}",
            urlencode(relationship["$sourceId"].as_str().unwrap()),
            urlencode(relationship["$relationshipId"].as_str().unwrap())
        ),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["$targetId"], relationship["$targetId"]);
    browser.close().await.unwrap();
}

/// What Azure Digital Twins Explorer's "Export graph" writes for `twins` and `relationships`
/// (query rows as the API returns them, `$etag` and per-property `$metadata` included) and
/// `models` (the definitions), read from `tenant`'s `host` through the app's token.
async fn explorer_export(
    browser: &twinscope_e2e::Browser,
    tenant: &str,
    host: &str,
    twins: &str,
    relationships: &str,
) -> Value {
    let query = |text: &str| {
        let text = text.to_owned();
        async move {
            let (status, page) = adt_call(
                browser,
                tenant,
                "POST",
                &format!("/adt/{host}/query?{API_VERSION}"),
                Some(&json!({ "query": text })),
            )
            .await
            .unwrap();
            assert_eq!(status, 200, "{text}: {page}");
            page["value"].as_array().unwrap().clone()
        }
    };
    let (status, models) = adt_call(
        browser,
        tenant,
        "GET",
        &format!("/adt/{host}/models?includeModelDefinition=true&{API_VERSION}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{models}");
    assert!(
        models.get("nextLink").is_none_or(Value::is_null),
        "{models}"
    );
    let models: Vec<Value> = models["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].clone())
        .collect();
    json!({
        "digitalTwinsFileInfo": {"fileVersion": "1.0.0"},
        "digitalTwinsGraph": {
            "digitalTwins": query(twins).await,
            "relationships": query(relationships).await,
        },
        "digitalTwinsModels": models,
    })
}

#[tokio::test]
async fn an_azure_digital_twins_explorer_json_export_is_imported() {
    let (scratch, stack, browser) = megan_on_the_campus_beside_an_empty_plant().await;
    TransferPage::expect(&browser).await.unwrap();
    let export = explorer_export(
        &browser,
        CONTOSO,
        CAMPUS,
        "SELECT * FROM DIGITALTWINS T WHERE T.$dtId IN ['site-1', 'site-1-b1', 'site-1-b2']",
        "SELECT * FROM RELATIONSHIPS R WHERE R.$sourceId = 'site-1' AND R.$targetId IN ['site-1-b1', 'site-1-b2']",
    )
    .await;
    let graph = &export["digitalTwinsGraph"];
    let (twins, relationships) = (
        graph["digitalTwins"].as_array().unwrap(),
        graph["relationships"].as_array().unwrap(),
    );
    assert_eq!((twins.len(), relationships.len()), (3, 2), "{export}");
    assert!(
        twins[0].get("$etag").is_some(),
        "rows as the API returns them"
    );
    let file = scratch.path().join("adt-explorer-export.json");
    std::fs::write(&file, serde_json::to_string_pretty(&export).unwrap()).unwrap();

    let models = &export["digitalTwinsModels"];
    let (page, plan_text) = plan_on_the_plant(&stack, &browser, models, &file).await;
    for expected in [
        "Read as an Azure Digital Twins Explorer JSON export".to_owned(),
        format!(
            "{} models already in the instance",
            models.as_array().unwrap().len()
        ),
        "3 twins to create".to_owned(),
    ] {
        assert!(plan_text.contains(&expected), "{expected}: {plan_text}");
    }
    click_button(&browser, "Import 5 items").await;
    let report = page.report().await.unwrap();
    assert!(report.contains("5 done, 0 failed, 0 skipped"), "{report}");
    assert_eq!(stack.emulator.adt().twin_count(PLANT), Some(3));
    let (status, stored) = adt_call(
        &browser,
        FABRIKAM,
        "GET",
        &format!("/adt/{PLANT}/digitaltwins/site-1-b2?{API_VERSION}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{stored}");
    let exported = twins.iter().find(|t| t["$dtId"] == "site-1-b2").unwrap();
    assert_eq!(stored["name"], exported["name"]);
    assert_ne!(
        stored["$etag"], exported["$etag"],
        "a new twin, not a copy of the state"
    );
    let (status, stored) = adt_call(
        &browser,
        FABRIKAM,
        "GET",
        &format!("/adt/{PLANT}/digitaltwins/site-1/relationships?{API_VERSION}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        ids(stored["value"].as_array().unwrap(), "$targetId"),
        ["site-1-b1", "site-1-b2"]
    );
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_broken_item_is_reported_with_the_services_message_and_can_be_retried() {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = open_signed_in(&stack, &path(CONTOSO, CAMPUS), ADELE).await;
    let page = TransferPage::expect(&browser).await.unwrap();
    let file_dir = tempfile::tempdir().unwrap();
    let file = file_dir.path().join("broken.json");
    let document = json!({
        "twins": [
            {"$dtId": "e2e-room", "$metadata": {"$model": "dtmi:twinscope:seed:Room;1"}, "name": "Imported room", "area": 12.5},
            {"$dtId": "e2e-floor", "$metadata": {"$model": "dtmi:twinscope:seed:Floor;1"}, "level": "not a number"}
        ],
        "relationships": [
            {"$relationshipId": "e2e-rel", "$sourceId": "e2e-floor", "$targetId": "e2e-room", "$relationshipName": "hasRoom"}
        ]
    });
    std::fs::write(&file, document.to_string()).unwrap();
    page.choose_file(&file).await.unwrap();
    browser
        .find_by_role("heading", "Plan for broken.json")
        .await
        .unwrap();
    browser
        .find_by_role("button", "Import 3 items")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let report = page.report().await.unwrap();
    assert!(report.contains("1 done, 1 failed, 1 skipped"), "{report}");
    let failures = report.clone();
    let floor_line = failures
        .lines()
        .find(|l| l.starts_with("twin e2e-floor: "))
        .unwrap_or_else(|| panic!("no line for the broken twin: {failures}"));
    // The service's own message, not a generic one.
    assert!(floor_line.contains("level"), "{floor_line}");
    assert!(
        failures.contains("relationship e2e-floor/e2e-rel: twin e2e-floor was not created"),
        "{failures}"
    );
    let (status, room) = adt_call(
        &browser,
        CONTOSO,
        "GET",
        &format!("/adt/{CAMPUS}/digitaltwins/e2e-room?{API_VERSION}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!((status, &room["name"]), (200, &json!("Imported room")));
    let (status, _) = adt_call(
        &browser,
        CONTOSO,
        "GET",
        &format!("/adt/{CAMPUS}/digitaltwins/e2e-floor?{API_VERSION}"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 404);

    // Nothing is lost: retrying runs exactly the two that did not succeed.
    browser
        .find_by_role("button", "Retry the 2 that did not succeed")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let again = browser
        .wait_for_script(
            "const t = document.querySelector('.transfer-report'); return t && t.innerText.includes('0 done, 1 failed, 1 skipped') ? t.innerText : null",
            "the retry's report",
        )
        .await
        .unwrap();
    assert!(
        again.as_str().unwrap().contains("twin e2e-floor"),
        "{again}"
    );
    browser.close().await.unwrap();
}

/// Percent-encodes a twin or relationship id for a path segment.
fn urlencode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The store's twins whose id starts with `prefix`.
fn twins_named(stack: &Stack, prefix: &str) -> usize {
    let instance = stack.emulator.adt().instance(CAMPUS).expect("campus");
    let store = instance.store();
    store
        .state
        .twins
        .keys()
        .filter(|id| id.starts_with(prefix))
        .count()
}

#[tokio::test]
async fn long_exports_and_imports_stop_when_asked_a_stopped_import_goes_on_and_back_keeps_the_reports()
 {
    // A campus of 20,000 twins: its export takes long enough to stop.
    let options = Options {
        scale: Some(20_000),
        ..Default::default()
    };
    let stack = Stack::start_with(json!({}), options)
        .await
        .expect("stack starts");
    let browser = open_signed_in(&stack, &path(CONTOSO, CAMPUS), ADELE).await;
    TransferPage::expect(&browser).await.unwrap();

    // Export: Stop while reading ends it, and nothing is offered for download.
    click_button(&browser, "Export JSON").await;
    browser
        .wait_for_script(
            "const p = document.querySelector('.transfer-progress'); \
             const m = p && p.textContent.match(/(\\d+) twins/); return m && Number(m[1]) > 0 ? true : null",
            "twins read for the export",
        )
        .await
        .unwrap();
    click_button(&browser, "Stop").await;
    let said = browser
        .wait_for_script(
            "const s = [...document.querySelectorAll('.transfer-status p')].find(p => p.textContent.startsWith('Export stopped')); return s ? s.textContent : null",
            "the export stopped",
        )
        .await
        .unwrap();
    assert!(
        said.as_str().unwrap().contains("nothing was written"),
        "{said}"
    );
    let links = browser
        .eval("return document.querySelectorAll('a[download]').length")
        .await
        .unwrap();
    assert_eq!(links, json!(0), "no partial file to download");

    // Import 600 rooms; Stop part way: the item being sent finishes, nothing more is sent.
    let scratch = tempfile::tempdir().unwrap();
    let twins: Vec<Value> = (0..600)
        .map(|i| {
            json!({"$dtId": format!("stop-room-{i:03}"),
                   "$metadata": {"$model": "dtmi:twinscope:seed:Room;1"},
                   "name": format!("Room {i}")})
        })
        .collect();
    let file = scratch.path().join("rooms.json");
    std::fs::write(
        &file,
        json!({"models": [], "twins": twins, "relationships": []}).to_string(),
    )
    .unwrap();
    let page = TransferPage::expect(&browser).await.unwrap();
    page.choose_file(&file).await.unwrap();
    browser
        .find_by_role("heading", "Plan for rooms.json")
        .await
        .unwrap();
    click_button(&browser, "Import 600 items").await;
    browser
        .wait_for_script(
            "const p = document.querySelector('.transfer-progress'); \
             const m = p && p.textContent.match(/Imported (\\d+) of/); return m && Number(m[1]) >= 20 ? true : null",
            "part of the import sent",
        )
        .await
        .unwrap();
    click_button(&browser, "Stop").await;
    let report = page.report().await.unwrap();
    let numbers: Vec<usize> = report
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(report.contains("Stopped: "), "{report}");
    let (done, not_sent) = (numbers[0], numbers[3]);
    assert!(
        done >= 20 && not_sent > 0 && done + not_sent == 600,
        "{report}"
    );
    assert_eq!(
        (numbers[1], numbers[2]),
        (0, 0),
        "nothing failed or was skipped: {report}"
    );
    // Nothing was sent after the report: the store holds exactly what it says was done.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(twins_named(&stack, "stop-room-"), done, "{report}");

    // Later, the rest: every room is there.
    click_button(&browser, &format!("Go on with the {not_sent} not done")).await;
    browser
        .wait_for_script(
            &format!(
                "const h = [...document.querySelectorAll('h3')].find(h => h.textContent === 'Import report'); \
                 return h && h.parentElement.innerText.includes('{not_sent} done, 0 failed, 0 skipped.') ? true : null"
            ),
            "the rest imported",
        )
        .await
        .unwrap();
    assert_eq!(twins_named(&stack, "stop-room-"), 600);

    // To the Twins screen and Back: the reports are still there, as they were.
    let before = page.report().await.unwrap();
    let twins_tab = browser.find_by_role("link", "Twins").await.unwrap();
    scroll_and_click(&browser, &twins_tab, "the Twins tab").await;
    browser
        .find_by_role("heading", "Query twins")
        .await
        .unwrap();
    browser.client().back().await.unwrap();
    TransferPage::expect(&browser).await.unwrap();
    assert_eq!(
        page.report().await.unwrap(),
        before,
        "the import report after Back"
    );
    let export_said = browser
        .eval("return [...document.querySelectorAll('.transfer-status p')].some(p => p.textContent.startsWith('Export stopped'))")
        .await
        .unwrap();
    assert_eq!(export_said, json!(true), "the export's outcome after Back");
    browser.close().await.unwrap();
}
