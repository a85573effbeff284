//! The official DTDL conformance suite (`shared/reference/dtdl-conformance/{v2,v3}`) through
//! the emulator's data plane: every case is uploaded with `POST /models` over HTTP to an ADT
//! instance of its own (one emulator holds one empty instance per case, so no case sees
//! another's models), and the answer is compared with what `twinscope-dtdl` says of the same
//! input with the service's settings (`ModelSet::new()`, i.e. `DisallowUndefinedExtensions`,
//! whatever option the case names: the emulator is the service, and the service has one
//! setting).
//!
//! Per case: never a 5xx; 201 exactly when the crate accepts, listing the upload's top-level
//! Interfaces (each one the crate accepted; inline definitions are not models of their own);
//! otherwise 400 `DTDLParserError` with one `details` entry per problem the crate
//! found, in order, each carrying the crate's message, the model's id and the JSON pointer.
//! The test prints a summary: cases, accepted, refused, and how often the service's answer
//! agrees with the suite's `valid` (for the `DisallowUndefinedExtensions` cases, where the
//! suite describes the service's setting); each disagreement must be a documented rule of the
//! service on top of the language (an Interface defined inline, the MQTT extension).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use reqwest::Method;
use serde_json::{Value, json};
use twinscope_emulator::{Options, start};

use crate::adt_common::{ALEX, API, AdtClient, Reply, adt_token};
use crate::common::CONTOSO;

/// Uploads in flight at once (the emulator serialises per instance, and each case has its own).
const IN_FLIGHT: usize = 8;

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/dtdl-conformance")
}

/// One case of the suite.
#[derive(Debug)]
struct Case {
    /// `v3/Requirement-Foo#2`.
    key: String,
    version: &'static str,
    valid: bool,
    /// The case names `DisallowUndefinedExtensions` (the service's setting).
    disallow: bool,
    input: Value,
}

fn load_suite() -> Vec<Case> {
    let mut cases = Vec::new();
    for version in ["v2", "v3"] {
        let dir = suite_dir().join(version);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("the DTDL conformance suite at {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&file).unwrap();
            let parsed: Vec<Value> = serde_json::from_str(text.trim_start_matches('\u{feff}'))
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for (index, case) in parsed.into_iter().enumerate() {
                let key = format!("{version}/{name}#{index}");
                let options: Vec<&str> = case["options"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let disallow = match options.as_slice() {
                    ["DisallowUndefinedExtensions"] => true,
                    ["AllowUndefinedExtensions"] => false,
                    other => panic!("{key}: options this test does not know: {other:?}"),
                };
                let valid = case["valid"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("{key}: `valid` is not a boolean"));
                let input = case["input"].clone();
                assert!(input.is_array(), "{key}: `input` is not an array");
                cases.push(Case {
                    key,
                    version,
                    valid,
                    disallow,
                    input,
                });
            }
        }
    }
    cases
}

fn host(index: usize) -> String {
    format!("dtdl-{index}.api.weu.digitaltwins.azure.net")
}

/// An instances seed with `count` empty Contoso instances, Alex their Data Owner.
fn instances_seed(count: usize) -> Value {
    let instances: Vec<Value> = (0..count)
        .map(|i| {
            json!({
                "name": format!("dtdl-{i}"),
                "resource_group": "rg-dtdl-conformance",
                "location": "westeurope",
                "host_name": host(i),
                "roles": { ALEX.0: "Azure Digital Twins Data Owner" },
                "seed": "empty",
            })
        })
        .collect();
    json!({ "tenants": [{ "tenant": "contoso", "subscriptions": [{
        "id": "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
        "display_name": "DTDL conformance",
        "readers": ["*"],
        "instances": instances,
    }]}]})
}

/// What the crate says of an input, with the service's settings.
fn crate_verdict(input: &Value) -> Result<Vec<dtdl::Dtmi>, dtdl::ModelBatchError> {
    let docs = input.as_array().map(Vec::as_slice).unwrap_or_default();
    dtdl::ModelSet::new().add_models(docs)
}

/// The `@id`s of the upload's top-level Interfaces (a document may itself be an array of
/// them): the models a 201 lists. Interfaces defined inline are in the crate's answer too.
fn top_level_ids(input: &Value) -> Vec<&str> {
    input
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|doc| match doc {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .filter_map(|doc| doc["@id"].as_str())
        .collect()
}

/// `Ok(accepted)` when the emulator's answer matches the crate's verdict, else why not.
fn compare(
    input: &Value,
    reply: &Reply,
    verdict: &Result<Vec<dtdl::Dtmi>, dtdl::ModelBatchError>,
) -> Result<bool, String> {
    let status = reply.status.as_u16();
    if status >= 500 {
        return Err(format!("{status} {}", reply.text));
    }
    match verdict {
        Ok(ids) => {
            if status != 201 {
                return Err(format!(
                    "the crate accepts; the emulator answered {status} {}",
                    reply.text
                ));
            }
            let created: Vec<&str> = reply
                .json
                .as_array()
                .map(|a| a.iter().filter_map(|m| m["id"].as_str()).collect())
                .unwrap_or_default();
            let accepted: Vec<&str> = ids.iter().map(dtdl::Dtmi::as_str).collect();
            let uploaded = top_level_ids(input);
            if created != uploaded || created.iter().any(|id| !accepted.contains(id)) {
                return Err(format!(
                    "201 lists {created:?}; the upload's interfaces are {uploaded:?}, the crate accepted {accepted:?}"
                ));
            }
            Ok(true)
        }
        Err(batch) => {
            let first = batch.errors.first().map_or("", |e| e.message.as_str());
            if status != 400 || reply.json["error"]["code"] != "DTDLParserError" {
                return Err(format!(
                    "the crate refuses ({first}); the emulator answered {status} {}",
                    reply.text
                ));
            }
            let details = reply.json["error"]["details"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            if details.len() != batch.errors.len() {
                return Err(format!(
                    "the crate found {} problems, the 400 lists {} details: {}",
                    batch.errors.len(),
                    details.len(),
                    reply.text
                ));
            }
            for (detail, error) in details.iter().zip(&batch.errors) {
                let message = detail["message"].as_str().unwrap_or_default();
                let complete = detail["code"] == "DTDLParserError"
                    && message.contains(&error.message)
                    && error
                        .model_id
                        .as_deref()
                        .is_none_or(|id| message.contains(id))
                    && message.contains(&error.path);
                if !complete {
                    return Err(format!(
                        "detail {detail} does not carry the crate's problem (model {:?}, path {:?}, message {:?})",
                        error.model_id, error.path, error.message
                    ));
                }
            }
            Ok(false)
        }
    }
}

/// What happened to one case.
#[derive(Debug)]
struct Outcome {
    index: usize,
    accepted: bool,
    mismatch: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_suite_case_gets_the_crates_verdict_over_http_on_a_fresh_instance() {
    let started = Instant::now();
    let cases = Arc::new(load_suite());
    assert!(
        cases.iter().any(|c| c.version == "v2") && cases.iter().any(|c| c.version == "v3"),
        "the suite has v2 and v3 cases"
    );
    let seed = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "dtdl-conformance-instances-{}.json",
        std::process::id()
    ));
    std::fs::write(&seed, instances_seed(cases.len()).to_string()).unwrap();
    let emulator = start(Options {
        instances: Some(seed.clone()),
        ..Options::default()
    })
    .await
    .expect("the emulator starts with one instance per case");
    std::fs::remove_file(&seed).ok();
    let token = adt_token(&emulator, CONTOSO, ALEX).await;
    let client = Arc::new(AdtClient::new(&emulator, &host(0), Some(token)));
    let base = emulator.base_url().to_owned();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT {
        let (cases, client, next, base) = (
            Arc::clone(&cases),
            Arc::clone(&client),
            Arc::clone(&next),
            base.clone(),
        );
        workers.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(index) else {
                    return outcomes;
                };
                let url = format!("{base}/adt/{}/models?{API}", host(index));
                let reply = client
                    .send_url(Method::POST, &url, Some(&case.input), &[])
                    .await;
                let verdict = crate_verdict(&case.input);
                let (accepted, mismatch) = match compare(&case.input, &reply, &verdict) {
                    Ok(accepted) => (accepted, None),
                    Err(why) => (reply.status.as_u16() == 201, Some(why)),
                };
                outcomes.push(Outcome {
                    index,
                    accepted,
                    mismatch,
                });
            }
        });
    }
    let mut outcomes = Vec::with_capacity(cases.len());
    while let Some(done) = workers.join_next().await {
        outcomes.extend(done.expect("a worker finished"));
    }
    outcomes.sort_by_key(|o| o.index);
    assert_eq!(outcomes.len(), cases.len(), "every case was uploaded once");

    // (version, setting) → (cases, accepted, agreeing with the suite's `valid`).
    let mut tally: BTreeMap<(&str, &str), (usize, usize, usize)> = BTreeMap::new();
    for o in &outcomes {
        let case = &cases[o.index];
        let setting = if case.disallow { "Disallow" } else { "Allow" };
        let entry = tally.entry((case.version, setting)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(o.accepted);
        entry.2 += usize::from(o.accepted == case.valid);
    }
    let accepted = outcomes.iter().filter(|o| o.accepted).count();
    println!(
        "DTDL conformance suite through POST /models: {} cases, {accepted} accepted (201), {} refused, in {:.1?}",
        cases.len(),
        cases.len() - accepted,
        started.elapsed()
    );
    for ((version, setting), (n, ok, agree)) in &tally {
        let note = if *setting == "Disallow" {
            "agree with the suite's `valid`"
        } else {
            "agree with the suite's `valid` for AllowUndefinedExtensions (the service refuses undefined extensions, so some cannot)"
        };
        println!(
            "  {version} {setting}UndefinedExtensions: {n} cases, {ok} accepted; {agree} of {n} ({:.2}%) {note}",
            100.0 * *agree as f64 / (*n).max(1) as f64
        );
    }
    // Where the service's answer differs from the suite's (`DisallowUndefinedExtensions`
    // cases), the reason is a documented rule of Azure Digital Twins on top of the language
    // (docs/dtdl-service-settings.md): the suite's valid input is accepted by the language
    // alone, and every problem the service names is such a rule. Never the other way round.
    let mut by_service_rule = 0;
    for o in &outcomes {
        let case = &cases[o.index];
        if !case.disallow || o.accepted == case.valid {
            continue;
        }
        assert!(
            case.valid && !o.accepted,
            "{}: the emulator accepts what the suite says is invalid",
            case.key
        );
        let docs = case.input.as_array().map(Vec::as_slice).unwrap_or_default();
        let language = dtdl::ParseOptions {
            service: dtdl::Service::LanguageOnly,
            ..dtdl::ParseOptions::default()
        };
        assert!(
            dtdl::ModelSet::with_options(language)
                .add_models(docs)
                .is_ok(),
            "{}: the language alone refuses a valid case",
            case.key
        );
        let refused = crate_verdict(&case.input).expect_err("the service refuses");
        assert!(
            refused
                .errors
                .iter()
                .all(|e| e.message.contains("Azure Digital Twins")),
            "{}: refused for a reason that is not a service rule: {refused}",
            case.key
        );
        by_service_rule += 1;
    }
    println!(
        "  {by_service_rule} valid DTDL cases are refused by Azure Digital Twins' own rules (Interfaces defined inline, the MQTT extension), each checked"
    );
    // Isolation: an instance holds exactly the models of its own case.
    for o in outcomes.iter().filter(|o| o.accepted).take(5) {
        let url = format!("{base}/adt/{}/models?{API}", host(o.index));
        let listed = client.send_url(Method::GET, &url, None, &[]).await;
        let ids: Vec<&str> = listed.ok(200)["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["id"].as_str())
            .collect();
        let mut expected = top_level_ids(&cases[o.index].input);
        expected.sort_unstable();
        let mut ids = ids;
        ids.sort_unstable();
        assert_eq!(
            ids, expected,
            "{}: the instance's models",
            cases[o.index].key
        );
    }
    let mismatches: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.mismatch
                .as_ref()
                .map(|why| format!("{}: {why}", cases[o.index].key))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} cases: the emulator's answer is not the crate's verdict; first ones:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The DTDL benches' model set (`twinscope_bench_report::dtdl_models`) stays valid as the
/// parser changes: the crate accepts it batch by batch, and the emulator takes the same
/// batches with 201s listing every model, after which the deepest Interface has inherited its
/// whole chain.
#[tokio::test]
async fn the_bench_model_set_is_accepted_by_the_crate_and_uploads_in_batches_of_250() {
    use twinscope_bench_report::dtdl_models::{self, CHAIN_DEPTH, CHAINS, INTERFACES, MAX_BATCH};

    let batches = dtdl_models::batches();
    let mut set = dtdl::ModelSet::new();
    let mut accepted = 0;
    for batch in &batches {
        assert!(batch.len() <= MAX_BATCH);
        let ids = set
            .add_models(batch)
            .unwrap_or_else(|e| panic!("the crate refuses the bench set: {e}"));
        accepted += ids.len();
    }
    assert_eq!(accepted, INTERFACES);
    let deepest = dtdl_models::id(CHAINS - 1, CHAIN_DEPTH - 1);
    assert!(set.is_of_model(&deepest, &dtdl_models::id(CHAINS - 1, 0), false));

    let emulator = crate::common::emulator().await;
    let token = adt_token(&emulator, CONTOSO, ALEX).await;
    let client = AdtClient::new(&emulator, crate::adt_common::LAB, Some(token));
    for batch in &batches {
        let reply = client.post("/models", &Value::Array(batch.clone())).await;
        let created = reply.ok(201).as_array().unwrap();
        let expected: Vec<&Value> = batch.iter().map(|m| &m["@id"]).collect();
        let listed: Vec<&Value> = created.iter().map(|m| &m["id"]).collect();
        assert_eq!(listed, expected);
    }
    let dependencies = client
        .get(&format!("/models?dependenciesFor={deepest}"))
        .await;
    let listed = dependencies.ok(200)["value"].as_array().unwrap().len();
    assert!(listed >= CHAIN_DEPTH, "{}", dependencies.text);
}
