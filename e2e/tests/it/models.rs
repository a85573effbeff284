//! The models page in Chromium against the emulator: a valid model is uploaded, an invalid
//! upload is refused before anything is sent with each problem shown against its model, and
//! a reader finds no upload or create controls.

use std::path::Path;

use serde_json::{Value, json};
use twinscope_e2e::Browser;
use twinscope_e2e::pages::{EmulatorSignIn, ModelsPage, wait_for_text};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack, screenshot_dir};

/// Twins.Admin and Data Owner on the campus: may manage models.
const ADMIN: (&str, &str) = ("alex@contoso.onmicrosoft.com", "Alex-dev-1");
const READER: (&str, &str) = ("megan@contoso.onmicrosoft.com", "Megan-dev-1");

async fn models_page_as((upn, password): (&str, &str)) -> (Stack, Browser) {
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    browser
        .goto(&stack.url(&format!("/t/{CONTOSO}/i/{CAMPUS}/models")))
        .await
        .unwrap();
    EmulatorSignIn::expect(&browser)
        .await
        .unwrap()
        .sign_in_as(upn, password)
        .await
        .unwrap();
    (stack, browser)
}

fn server_has_model(stack: &Stack, id: &str) -> bool {
    let instance = stack.emulator.adt().instance(CAMPUS);
    let store = instance.expect("campus instance").store();
    store.state.models.contains_key(id)
}

fn write(dir: &Path, name: &str, value: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

fn interface(id: &str, extra: Value) -> Value {
    let mut model = json!({"@id": id, "@type": "Interface", "@context": "dtmi:dtdl:context;3"});
    if let (Some(m), Some(e)) = (model.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    model
}

#[tokio::test]
async fn a_valid_model_uploads_and_an_invalid_one_is_refused_with_each_error_by_model() {
    let (stack, browser) = models_page_as(ADMIN).await;
    let page = ModelsPage::expect(&browser).await.unwrap();
    let files = tempfile::tempdir().unwrap();

    // A valid model that extends a seeded one.
    let pump_id = "dtmi:e2e:Pump;1";
    let pump = interface(
        pump_id,
        json!({"displayName": "Pump", "extends": "dtmi:twinscope:seed:Equipment;1",
               "contents": [{"@type": "Property", "name": "flowRate", "schema": "double", "writable": true}]}),
    );
    assert!(!server_has_model(&stack, pump_id));
    page.choose_files(&[&write(files.path(), "pump.json", &pump)])
        .await
        .unwrap();
    wait_for_text(&browser, "1 model is valid and ready to upload.")
        .await
        .unwrap();
    page.upload().await.unwrap();
    wait_for_text(&browser, "Uploaded 1 model.").await.unwrap();
    assert!(server_has_model(&stack, pump_id), "the model is stored");
    assert!(page.model_ids().await.unwrap().iter().any(|m| m == pump_id));

    // Two bad models in one file and a clash with the model just uploaded in another.
    let bad_schema = "dtmi:e2e:BadSchema;1";
    let bad_name = "dtmi:e2e:BadName;1";
    let broken = json!([
        interface(
            bad_schema,
            json!({"contents": [{"@type": "Property", "name": "speed", "schema": "flaot"}]})
        ),
        interface(
            bad_name,
            json!({"contents": [{"@type": "Property", "name": "not a name", "schema": "string"}]})
        ),
    ]);
    let again = interface(pump_id, json!({"displayName": "Pump again"}));
    page.choose_files(&[
        &write(files.path(), "broken.json", &broken),
        &write(files.path(), "again.json", &again),
    ])
    .await
    .unwrap();
    let problems = page.problems().await.unwrap();
    for (model, file) in [
        (bad_schema, "broken.json"),
        (bad_name, "broken.json"),
        (pump_id, "again.json"),
    ] {
        let shown = problems
            .iter()
            .find(|p| p.model == model)
            .unwrap_or_else(|| panic!("no problem against {model}: {problems:#?}"));
        assert!(
            shown.text.starts_with(&format!("{file}: {model}")),
            "the problem names its file and model: {shown:?}"
        );
    }
    assert!(
        problems
            .iter()
            .any(|p| p.model == bad_schema && p.path.starts_with("/contents/0")),
        "{problems:#?}"
    );
    page.main
        .find(fantoccini::Locator::Css(".models-upload"))
        .await
        .unwrap();
    browser
        .screenshot(&screenshot_dir().join("models.png"))
        .await
        .unwrap();
    let upload_offered = browser
        .eval("return [...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Upload')")
        .await
        .unwrap();
    assert_eq!(upload_offered, false, "nothing invalid can be sent");
    assert!(!server_has_model(&stack, bad_schema));
    assert!(!server_has_model(&stack, bad_name));
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_reader_finds_no_upload_or_create_controls_on_the_models_page() {
    let (stack, browser) = models_page_as(READER).await;
    let page = ModelsPage::expect(&browser).await.unwrap();
    let ids = page.model_ids().await.unwrap();
    assert!(
        ids.iter().any(|m| m == "dtmi:twinscope:seed:Room;1"),
        "{ids:?}"
    );
    let write_controls = browser
        .eval("return [...document.querySelectorAll('main button, main input[type=file]')].map(b => b.textContent.trim() || b.type).filter(t => /Create|Upload|Delete|Decommission|file/.test(t))")
        .await
        .unwrap();
    assert_eq!(write_controls, json!([]));
    let _ = stack;
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_models_list_that_cannot_load_shows_its_reason_and_no_empty_cards() {
    // Adele has no data-plane role on the lab: the list is refused (403, empty body).
    const LAB: &str = "contoso-lab.api.weu.digitaltwins.azure.net";
    let stack = Stack::start(json!({})).await.expect("stack starts");
    let browser = Browser::start().await.expect("Chromium starts");
    browser
        .goto(&stack.url(&format!("/t/{CONTOSO}/i/{LAB}/models")))
        .await
        .unwrap();
    EmulatorSignIn::expect(&browser)
        .await
        .unwrap()
        .sign_in_as("adele@contoso.onmicrosoft.com", "Adele-dev-1")
        .await
        .unwrap();
    wait_for_text(
        &browser,
        &format!("you need the 'Azure Digital Twins Data Reader' role (or 'Azure Digital Twins Data Owner') on {LAB}"),
    )
    .await
    .unwrap();
    let shown = browser
        .eval("return [document.getElementById('models-list-title'), document.getElementById('models-relationships-title')].filter(Boolean).length + ' ' + document.body.innerText.includes('No model declares')")
        .await
        .unwrap();
    assert_eq!(
        shown, "0 false",
        "no model counts or empty cards under the error"
    );
    browser
        .screenshot(&screenshot_dir().join("models-error.png"))
        .await
        .unwrap();
    browser.close().await.unwrap();
}
