//! Issue #13, "done when" 3: models written the way the DTDL specifications' own examples
//! write them (every example batch of `shared/reference/dtdl/*.md`, read exactly as the
//! crate's tests read them) upload through the models page, end to end in Chromium against
//! the emulator, and twins of them are created in the create-twin form and edited in the
//! twin editor, acting as a person: keys typed one at a time, only what is on screen clicked.
//!
//! The examples reuse ids (`dtmi:com:example:Thermostat;1` is defined a dozen ways), so the
//! batches are grouped into uploads whose ids do not collide, and the instance's models and
//! twins are deleted between uploads (a delete job's effect, written to the emulator's store).
//! Per batch: every model shows on the page; a twin of every Interface with properties (own
//! or inherited) is created and opened in the editor, or of one Interface with other contents
//! (an Interface of Telemetry, Commands, Relationships or Components only, such as the MQTT
//! extension's vehicle, has no property to edit: its twin is created and opened, nothing
//! typed); each writable primitive property gets a value typed key by key and saved, checked in
//! the store; a property with a unit shows it beside the field; a read-only one is disabled.
//! Batches whose Interfaces have no contents at all (the examples of `displayName` forms, the
//! stubs standing for what an example references) are uploaded and listed only: a twin of an
//! empty Interface has nothing to show or edit.
//!
//! The MQTT extension's examples are valid DTDL but not DTDL that Azure Digital Twins takes
//! (`docs/dtdl-service-settings.md`): they are chosen on the page too, which refuses them
//! before anything is sent, saying why; none of them can make a twin.
//!
//! A crate that refused valid JSON-LD forms (`"@type": ["Property", "Temperature"]`, one
//! object where a set is allowed, language maps) fails here twice: the page refuses the
//! upload ("Nothing was sent: …", reported with the batch's name), and the test's own reading
//! of the batch (the crate, as the SPA uses it) panics.

#[path = "../../../crates/dtdl/tests/it/spec_batches.rs"]
mod spec_batches;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dtdl::{Interface, ModelSet, Schema};
use fantoccini::Locator;
use fantoccini::elements::Element;
use serde_json::{Value, json};
use spec_batches::{MQTT_SPEC, SPEC_FILES, batches};
use twinscope_e2e::Browser;
use twinscope_e2e::pages::{ModelsPage, TwinDetail};
use twinscope_e2e::person::{
    DESKTOP, scroll_and_click, scroll_to, set_viewport, sign_in_by_typing, type_text,
};
use twinscope_e2e::stack::{CAMPUS, CONTOSO, Stack};
use twinscope_emulator::adt::store::Record;

/// Twins.Admin and Data Owner on the campus: uploads models and creates twins.
const ADMIN: (&str, &str) = ("alex@contoso.onmicrosoft.com", "Alex-dev-1");

/// One example batch: where it comes from and its documents.
struct Batch {
    name: String,
    docs: Vec<Value>,
}

impl Batch {
    fn ids(&self) -> BTreeSet<String> {
        self.docs
            .iter()
            .filter_map(|d| d.get("@id")?.as_str().map(str::to_owned))
            .collect()
    }

    /// The file the person chooses: `DTDL.v3.md block 12` → `DTDL.v3-block-12.json`.
    fn file_name(&self) -> String {
        format!(
            "{}.json",
            self.name.replace(".md block ", "-block-").replace(' ', "-")
        )
    }
}

/// Every example batch of every specification file, in file order.
fn all_batches() -> Vec<Batch> {
    SPEC_FILES
        .iter()
        .flat_map(|(file, context)| batches(file, context))
        .map(|(name, docs)| Batch { name, docs })
        .collect()
}

/// Uploads of batches whose ids do not collide, each batch in the first upload it fits.
fn uploads(all: Vec<Batch>) -> Vec<Vec<Batch>> {
    let mut groups: Vec<(BTreeSet<String>, Vec<Batch>)> = Vec::new();
    for batch in all {
        let ids = batch.ids();
        match groups.iter_mut().find(|(taken, _)| taken.is_disjoint(&ids)) {
            Some((taken, group)) => {
                taken.extend(ids);
                group.push(batch);
            }
            None => groups.push((ids, vec![batch])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// The Interfaces of `batch` to make twins of, as the crate (the SPA's reader) resolves them:
/// every one with properties; else the first with any contents; else none.
fn to_instantiate(batch: &Batch) -> (ModelSet, Vec<String>) {
    let mut set = ModelSet::new();
    if let Err(e) = set.add_models(&batch.docs) {
        panic!("{}: the crate refuses the example:\n{e}", batch.name);
    }
    let interfaces: Vec<&Interface> = batch
        .docs
        .iter()
        .filter_map(|d| set.interface(d.get("@id")?.as_str()?))
        .collect();
    let with_properties: Vec<String> = interfaces
        .iter()
        .filter(|i| !i.properties.is_empty())
        .map(|i| i.id.to_string())
        .collect();
    let chosen = if with_properties.is_empty() {
        interfaces
            .iter()
            .find(|i| {
                !(i.telemetry.is_empty()
                    && i.commands.is_empty()
                    && i.relationships.is_empty()
                    && i.components.is_empty())
            })
            .map(|i| vec![i.id.to_string()])
            .unwrap_or_default()
    } else {
        with_properties
    };
    (set, chosen)
}

/// Names of the Properties a document declares itself, read from the JSON as written (a
/// set of contents or one object; `@type` a term or a list holding `Property`): the crate's
/// resolved Interface must offer each of them.
fn declared_properties(doc: &Value) -> Vec<String> {
    let contents = match doc.get("contents") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    contents
        .into_iter()
        .filter(|c| match c.get("@type") {
            Some(Value::String(t)) => t == "Property",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "Property"),
            _ => false,
        })
        .filter_map(|c| c.get("name")?.as_str().map(str::to_owned))
        .collect()
}

/// Deletes every model, twin and relationship of the campus (as a delete job does).
fn wipe(stack: &Stack) {
    stack
        .campus()
        .store()
        .commit(vec![Record::DeleteAll])
        .expect("the store takes the delete");
}

fn stored_models(stack: &Stack) -> BTreeSet<String> {
    stack
        .campus()
        .store()
        .state
        .models
        .keys()
        .cloned()
        .collect()
}

/// Waits until the models page shows its list (any count, none included).
async fn expect_models_page(browser: &Browser) {
    browser
        .wait_for_script(
            "const h = document.getElementById('models-list-title'); return !!h && /^[0-9]+ models?$/.test(h.textContent)",
            "the models page's list",
        )
        .await
        .unwrap();
}

/// Opens the models page through the instance's navigation, as a person does.
async fn open_models(browser: &Browser) {
    let link = browser.find_by_role("link", "Models").await.unwrap();
    scroll_and_click(browser, &link, "the Models link").await;
    expect_models_page(browser).await;
}

/// A value typed for each writable primitive schema, and what the twin then holds.
fn typed_value(schema: &Schema, date_order: &str) -> Option<(String, Value)> {
    Some(match schema {
        Schema::String => ("Lobby 3".to_owned(), json!("Lobby 3")),
        Schema::Double | Schema::Float => ("21.5".to_owned(), json!(21.5)),
        Schema::Integer | Schema::Long => ("42".to_owned(), json!(42)),
        Schema::Duration => ("PT15M".to_owned(), json!("PT15M")),
        // A date field takes its parts in the browser's order (month, day, year in en-US).
        Schema::Date => (
            date_order
                .chars()
                .map(|c| match c {
                    'm' => "05",
                    'd' => "01",
                    _ => "2024",
                })
                .collect(),
            json!("2024-05-01"),
        ),
        _ => return None,
    })
}

/// The element of a property's control (`prop-{name}`), once the editor has read the model.
async fn control(browser: &Browser, name: &str) -> Element {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match browser
            .client()
            .find(Locator::Id(&format!("prop-{name}")))
            .await
        {
            Ok(found) => return found,
            Err(e) if Instant::now() > deadline => panic!("no control for {name}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// What was checked in the editor.
#[derive(Debug, Default)]
struct Checked {
    /// Values typed (or ticked) and found in the store after Save.
    saved: usize,
    /// Units found beside their fields.
    units: usize,
    /// Read-only properties found disabled.
    read_only: usize,
}

/// Creates a twin of `model` in the create-twin form, opens it in the editor, types a value
/// into each writable primitive property, saves, and checks the store.
async fn create_and_edit(
    stack: &Stack,
    browser: &Browser,
    set: &ModelSet,
    model: &str,
    twin_id: &str,
    date_order: &str,
    checked: &mut Checked,
) {
    let interface = set.interface(model).expect("resolved");
    let create = browser
        .client()
        .find(Locator::XPath(&format!(
            "//li[contains(concat(' ', @class, ' '), ' models-list__item ')][code = '{model}']//button[starts-with(@aria-label, 'Create twin of ')]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no \"Create twin…\" for {model}: {e}"));
    scroll_and_click(browser, &create, "Create twin…").await;
    let id_field = browser.find_by_role("textbox", "Twin id").await.unwrap();
    scroll_and_click(browser, &id_field, "Twin id").await;
    type_text(&id_field, twin_id).await.unwrap();
    let submit = browser.find_by_role("button", "Create twin").await.unwrap();
    scroll_and_click(browser, &submit, "Create twin").await;

    let page = TwinDetail::expect(browser, twin_id)
        .await
        .unwrap_or_else(|e| panic!("twin {twin_id} of {model} did not open: {e}"));
    let created = stack.stored_twin(twin_id).expect("the twin is stored");
    assert_eq!(created["$metadata"]["$model"], model);

    let mut expected = serde_json::Map::new();
    for property in &interface.properties {
        if matches!(
            property.schema,
            Schema::Object { .. } | Schema::Map { .. } | Schema::Array { .. }
        ) {
            // Edited through their own controls (fields, entries, items), not typed here.
            continue;
        }
        let field = control(browser, &property.name).await;
        if let Some(unit) = &property.unit {
            // The unit beside the field, the quantity under it.
            let shown = browser
                .client()
                .execute(
                    "const p = arguments[0].closest('.property'); return [p.querySelector('.property__unit')?.textContent || '', p.querySelector('.property__about')?.textContent || '']",
                    vec![serde_json::to_value(&field).unwrap()],
                )
                .await
                .unwrap();
            assert!(
                !shown[0].as_str().unwrap_or_default().is_empty()
                    && shown[1]
                        .as_str()
                        .unwrap_or_default()
                        .contains(unit.as_str()),
                "{model} {}: the unit {unit} is not shown beside the field: {shown}",
                property.name
            );
            checked.units += 1;
        }
        if !property.writable {
            assert!(
                !field.is_enabled().await.unwrap(),
                "{model} {}: read-only but editable",
                property.name
            );
            checked.read_only += 1;
            continue;
        }
        if property.schema == Schema::Boolean {
            scroll_and_click(browser, &field, &property.name).await;
            expected.insert(property.name.clone(), json!(true));
            continue;
        }
        let Some((keys, value)) = typed_value(&property.schema, date_order) else {
            continue;
        };
        scroll_and_click(browser, &field, &property.name).await;
        type_text(&field, &keys).await.unwrap();
        expected.insert(property.name.clone(), value);
    }
    if expected.is_empty() {
        return;
    }
    let save = page.save_button().await.unwrap();
    scroll_and_click(browser, &save, "Save changes").await;
    page.expect_saved()
        .await
        .unwrap_or_else(|e| panic!("{model}: the edit of {twin_id} was not saved: {e}"));
    let stored = stack.stored_twin(twin_id).expect("the twin is stored");
    for (name, value) in &expected {
        assert_eq!(&stored[name], value, "{model} {twin_id}.{name}: {stored}");
    }
    checked.saved += expected.len();
}

#[tokio::test]
async fn the_dtdl_specification_examples_upload_and_their_twins_are_created_and_edited() {
    let started = Instant::now();
    let all = all_batches();
    let batch_count = all.len();
    assert!(
        batch_count >= 50,
        "only {batch_count} example batches found"
    );
    let groups = uploads(all);

    let stack = Stack::start(json!({})).await.expect("stack starts");
    wipe(&stack);
    let browser = Browser::start().await.expect("Chromium starts");
    set_viewport(&browser, DESKTOP).await.unwrap();
    browser
        .goto(&stack.url(&format!("/t/{CONTOSO}/i/{CAMPUS}/models")))
        .await
        .unwrap();
    sign_in_by_typing(&browser, ADMIN.0, ADMIN.1).await.unwrap();
    expect_models_page(&browser).await;
    // The order in which a date field takes its parts here ("mdy" in en-US).
    let date_order = browser
        .eval("return new Intl.DateTimeFormat().formatToParts(new Date(2024, 4, 1)).filter(p => ['month', 'day', 'year'].includes(p.type)).map(p => p.type[0]).join('')")
        .await
        .unwrap();
    let date_order = date_order.as_str().unwrap_or("mdy").to_owned();

    let files = tempfile::tempdir().unwrap();
    let (mut twins, mut uploaded) = (0, 0);
    let mut checked = Checked::default();
    let mut listed_only = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        if g > 0 {
            wipe(&stack);
            open_models(&browser).await;
        }
        let page = ModelsPage {
            browser: &browser,
            main: browser.find_by_role("main", "Models").await.unwrap(),
        };
        let paths: Vec<PathBuf> = group
            .iter()
            .map(|batch| {
                let path = files.path().join(batch.file_name());
                std::fs::write(&path, serde_json::to_string_pretty(&batch.docs).unwrap()).unwrap();
                path
            })
            .collect();
        let names: Vec<&str> = group.iter().map(|b| b.name.as_str()).collect();
        let ids: BTreeSet<String> = group.iter().flat_map(Batch::ids).collect();
        let input = page
            .main
            .find(Locator::Css("input[type=file]"))
            .await
            .unwrap();
        scroll_to(&browser, &input).await.unwrap();
        page.choose_files(&paths.iter().map(PathBuf::as_path).collect::<Vec<_>>())
            .await
            .unwrap();
        let verdict = browser
            .wait_for_script(
                "const ready = [...document.querySelectorAll('main p')].find(p => / models? (is|are) valid and ready to upload\\.$/.test(p.textContent)); \
                 if (ready) return 'ready'; \
                 const refused = [...document.querySelectorAll('[role=alert]')].find(a => a.textContent.startsWith('Nothing was sent')); \
                 return refused ? refused.innerText : null",
                "the upload check",
            )
            .await
            .unwrap();
        assert_eq!(
            verdict.as_str(),
            Some("ready"),
            "the models page refused the examples {names:?}"
        );
        let upload = browser.find_by_role("button", "Upload").await.unwrap();
        scroll_and_click(&browser, &upload, "Upload").await;
        let deadline = Instant::now() + Duration::from_secs(30);
        while stored_models(&stack) != ids {
            assert!(
                Instant::now() < deadline,
                "{names:?}: stored {:?}, uploaded {ids:?}",
                stored_models(&stack)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        uploaded += ids.len();
        // Every model of the upload is listed.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let shown: BTreeSet<String> = page.model_ids().await.unwrap().into_iter().collect();
            if shown == ids {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{names:?}: the page lists {shown:?}, not {ids:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        for batch in group {
            let (set, chosen) = to_instantiate(batch);
            for doc in &batch.docs {
                let Some(id) = doc.get("@id").and_then(Value::as_str) else {
                    continue;
                };
                let offered: Vec<&str> = set
                    .interface(id)
                    .map(|i| i.properties.iter().map(|p| p.name.as_str()).collect())
                    .unwrap_or_default();
                for name in declared_properties(doc) {
                    assert!(
                        offered.contains(&name.as_str()),
                        "{}: {id} declares {name}, the crate offers {offered:?}",
                        batch.name
                    );
                }
            }
            if chosen.is_empty() {
                listed_only.push(batch.name.clone());
            }
            for model in chosen {
                if !browser
                    .eval("return location.pathname.endsWith('/models')")
                    .await
                    .unwrap()
                    .as_bool()
                    .unwrap_or(false)
                {
                    open_models(&browser).await;
                }
                twins += 1;
                let twin_id = format!("spec-{twins}");
                create_and_edit(
                    &stack,
                    &browser,
                    &set,
                    &model,
                    &twin_id,
                    &date_order,
                    &mut checked,
                )
                .await;
            }
        }
    }
    // The MQTT extension's examples: refused on the page, with the reason, nothing sent.
    let (mqtt_file, mqtt_context) = MQTT_SPEC;
    let mqtt = batches(mqtt_file, mqtt_context);
    assert!(!mqtt.is_empty(), "no MQTT examples found");
    wipe(&stack);
    open_models(&browser).await;
    for (name, docs) in &mqtt {
        let batch = Batch {
            name: name.clone(),
            docs: docs.clone(),
        };
        let path = files.path().join(batch.file_name());
        std::fs::write(&path, serde_json::to_string_pretty(&batch.docs).unwrap()).unwrap();
        let page = ModelsPage {
            browser: &browser,
            main: browser.find_by_role("main", "Models").await.unwrap(),
        };
        page.choose_files(&[path.as_path()]).await.unwrap();
        // The problems of this file (the list of the one before goes when it is chosen).
        let script = format!(
            "const a = [...document.querySelectorAll('[role=alert]')].find(a => a.textContent.startsWith('Nothing was sent')); \
             const items = a ? [...a.querySelectorAll('li')].map(li => li.textContent) : []; \
             return items.some(t => t.startsWith({})) ? items : null",
            json!(batch.file_name())
        );
        let problems = browser
            .wait_for_script(&script, &format!("the problems of {name}"))
            .await
            .unwrap();
        assert!(
            problems
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|p| p.contains("does not support the MQTT extension")),
            "{name}: {problems:#}"
        );
        assert!(stored_models(&stack).is_empty(), "{name}: nothing is sent");
    }

    // Every batch went through, and most of them made a twin.
    assert!(twins >= 45, "only {twins} twins were created");
    assert!(checked.saved >= 10, "only {checked:?} were typed and saved");
    assert!(checked.units >= 2, "only {checked:?}: units beside fields");
    assert!(checked.read_only >= 2, "only {checked:?}: read-only fields");
    eprintln!(
        "{batch_count} example batches in {} uploads ({uploaded} models), {twins} twins created and opened, \
         {checked:?}, listed only (no contents): {listed_only:?}; {} MQTT batches refused; {:.1} s",
        groups.len(),
        mqtt.len(),
        started.elapsed().as_secs_f64()
    );
    browser.close().await.unwrap();
}
