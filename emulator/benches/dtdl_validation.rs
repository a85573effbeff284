//! DTDL validation of the benches' shared model set (`twinscope_bench_report::dtdl_models`:
//! 1,000 DTDL v3 Interfaces, ten contents each, `extends` chains ten deep), two figures of the
//! "dtdl" part. (a) Natively in the `twinscope-dtdl` crate (release): a fresh
//! `ModelSet::new()` takes the set in its four batches of 250 (the crate, like the service,
//! takes at most 250 models per call); each sample is the time for all four, after one
//! warm-up run. (b) In the emulator, over HTTP: the same four batches are sent one after the
//! other as `POST /adt/{instance}/models?api-version=2023-10-31` with a real bearer token,
//! each run on an instance of its own (empty, so every run uploads the same thing), and each
//! sample is the time from sending the first batch to having read the fourth 201. Every
//! answer must be a 201 listing the batch's models and every native run must accept all
//! 1,000, or the bench fails. Figures are medians with min/max, printed as a table with the
//! machine and date and, when `TWINSCOPE_BENCH_JSON` is set, written there as the part file.
//! The browser's figure for the same set is `tests/it/bench_dtdl.rs` (part "dtdl-browser").

#[path = "../tests/it/common.rs"]
mod common;

#[path = "../tests/it/adt_common.rs"]
mod adt_common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use twinscope_bench_report::dtdl_models::{self, CHAIN_DEPTH, INTERFACES, MAX_BATCH};
use twinscope_bench_report::{Figure, Section};
use twinscope_emulator::{Options, start};

const SECTION: &str = "DTDL: validating 1,000 interfaces (native crate, emulator)";
const NATIVE_RUNS: usize = 9;
const EMULATOR_RUNS: usize = 7;

/// Why the bench could not produce its figures.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("the emulator did not start: {0}")]
    Start(#[from] twinscope_emulator::StartError),
    #[error("the tokio runtime could not be built: {0}")]
    Runtime(std::io::Error),
    #[error("the instances seed could not be written: {0}")]
    Seed(std::io::Error),
    #[error("the crate refused the bench's model set: {0}")]
    Refused(String),
    #[error("an upload failed: {0}")]
    Upload(String),
    #[error("a figure has no samples: {0}")]
    Figure(String),
}

/// One run of (a): a fresh set takes every batch; the time for all of them.
fn native_run(batches: &[Vec<Value>]) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let mut set = dtdl::ModelSet::new();
    let mut accepted = 0;
    for batch in batches {
        accepted += set
            .add_models(batch)
            .map_err(|e| BenchError::Refused(e.to_string()))?
            .len();
    }
    let elapsed = started.elapsed();
    if accepted != INTERFACES {
        return Err(BenchError::Refused(format!(
            "{accepted} of {INTERFACES} interfaces accepted"
        )));
    }
    Ok(elapsed)
}

/// Figure (a).
fn native(batches: &[Vec<Value>]) -> Result<Figure, BenchError> {
    native_run(batches)?;
    let mut samples = Vec::with_capacity(NATIVE_RUNS);
    for run in 1..=NATIVE_RUNS {
        let ms = native_run(batches)?.as_secs_f64() * 1000.0;
        println!("  native run {run}/{NATIVE_RUNS}: {ms:.1} ms");
        samples.push(ms);
    }
    Figure::from_samples(
        "1,000 interfaces validated, native crate (release)",
        "ms",
        &samples,
        None,
        &format!(
            "a fresh dtdl::ModelSet::new() takes the set in {} batches of at most {MAX_BATCH} (add_models: parse, resolve extends chains {CHAIN_DEPTH} deep, check); one thread, after one warm-up run; every run accepts all {INTERFACES}",
            batches.len()
        ),
    )
    .map_err(BenchError::Figure)
}

fn host(run: usize) -> String {
    format!("dtdl-bench-{run}.api.weu.digitaltwins.azure.net")
}

/// An instances seed with `count` empty Contoso instances, Alex their Data Owner.
fn instances_seed(count: usize) -> Value {
    let instances: Vec<Value> = (0..count)
        .map(|run| {
            json!({
                "name": format!("dtdl-bench-{run}"),
                "resource_group": "rg-bench",
                "location": "westeurope",
                "host_name": host(run),
                "roles": { adt_common::ALEX.0: "Azure Digital Twins Data Owner" },
                "seed": "empty",
            })
        })
        .collect();
    json!({ "tenants": [{ "tenant": "contoso", "subscriptions": [{
        "id": "3d0c4b7a-9e21-4f6b-8a35-7c1d2e3f4a5b",
        "display_name": "DTDL bench",
        "readers": ["*"],
        "instances": instances,
    }]}]})
}

/// One run of (b) on its own instance: the time from the first request to the last 201 read.
async fn upload_run(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    run: usize,
    bodies: &[String],
    batches: &[Vec<Value>],
) -> Result<Duration, BenchError> {
    let url = format!("{base}/adt/{}/models?{}", host(run), adt_common::API);
    let started = Instant::now();
    let mut replies = Vec::with_capacity(bodies.len());
    for body in bodies {
        let response = client
            .post(&url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .map_err(|e| BenchError::Upload(format!("POST {url}: {e}")))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| BenchError::Upload(format!("reading the answer: {e}")))?;
        replies.push((status, bytes));
    }
    let elapsed = started.elapsed();
    for ((status, bytes), batch) in replies.iter().zip(batches) {
        let created: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        let listed = created.as_array().map_or(0, Vec::len);
        if status.as_u16() != 201 || listed != batch.len() {
            return Err(BenchError::Upload(format!(
                "{status} listing {listed} of {} models: {}",
                batch.len(),
                String::from_utf8_lossy(bytes)
            )));
        }
    }
    Ok(elapsed)
}

/// Figure (b).
async fn emulator(batches: &[Vec<Value>]) -> Result<Figure, BenchError> {
    let seed = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dtdl-bench-instances-{}.json", std::process::id()));
    std::fs::write(&seed, instances_seed(EMULATOR_RUNS + 1).to_string())
        .map_err(BenchError::Seed)?;
    let started = start(Options {
        instances: Some(seed.clone()),
        ..Options::default()
    })
    .await;
    std::fs::remove_file(&seed).ok();
    let emulator = started?;
    let token = adt_common::adt_token(&emulator, common::CONTOSO, adt_common::ALEX).await;
    let client = reqwest::Client::new();
    let base = emulator.base_url().to_owned();
    let bodies: Vec<String> = batches
        .iter()
        .map(|b| Value::Array(b.clone()).to_string())
        .collect();
    let bytes: usize = bodies.iter().map(String::len).sum();
    upload_run(&client, &base, &token, 0, &bodies, batches).await?;
    let mut samples = Vec::with_capacity(EMULATOR_RUNS);
    for run in 1..=EMULATOR_RUNS {
        let ms = upload_run(&client, &base, &token, run, &bodies, batches)
            .await?
            .as_secs_f64()
            * 1000.0;
        println!("  emulator run {run}/{EMULATOR_RUNS}: {ms:.1} ms");
        samples.push(ms);
    }
    emulator.stop().await;
    Figure::from_samples(
        "1,000 interfaces uploaded, emulator POST /models over HTTP",
        "ms",
        &samples,
        None,
        &format!(
            "{} POST /models of at most {MAX_BATCH} models ({:.0} KiB of JSON in all) sent one after the other with a real bearer to an empty instance per run, in process on loopback, timed from the first request to the last 201 read, after one warm-up run; the emulator validates with the same crate and stores each batch",
            batches.len(),
            bytes as f64 / 1024.0
        ),
    )
    .map_err(BenchError::Figure)
}

async fn run() -> Result<Section, BenchError> {
    println!("DTDL validation bench");
    let batches = dtdl_models::batches();
    let mut section = Section::new(SECTION);
    section.figures.push(native(&batches)?);
    section.figures.push(emulator(&batches).await?);
    Ok(section)
}

fn main() {
    // Cargo passes `--bench` (and maybe a filter); there is nothing to choose here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(BenchError::Runtime);
    let result = runtime.and_then(|rt| rt.block_on(run()));
    let section = match result {
        Ok(section) => section,
        Err(e) => {
            eprintln!("DTDL validation bench failed: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "machine: {}\ndate: {}",
        twinscope_bench_report::machine(),
        twinscope_bench_report::date()
    );
    print!("{}", section.table());
    match section.write_env_part() {
        Ok(Some(path)) => println!("wrote {}", path.display()),
        Ok(None) => {}
        Err(e) => {
            eprintln!("DTDL validation bench failed: {e}");
            std::process::exit(1);
        }
    }
}
