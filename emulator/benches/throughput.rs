//! Emulator throughput (issue #5's benchmark acceptance), two figures of the Azure Digital
//! Twins data plane served in process on a loopback port. (a) Twin GETs per second: 64
//! concurrent clients, each with its own keep-alive connection and a real bearer token from
//! the emulator's identity platform (the seeded Data Owner Adele), loop
//! `GET /adt/{campus}/digitaltwins/{id}?api-version=2023-10-31` over the campus seed's twins
//! for a fixed window; the figure is completed requests over the window's wall time, one
//! sample per window after a warm-up window. Every answer must be a 200 with a body: any
//! other status or transport error fails the bench. (b) A filtered query over 100,000 twins:
//! an in-memory emulator seeded with `scale: 100_000` answers
//! `POST /adt/{campus}/query` with CO2-style sensor readings over 1,000
//! (`IS_OF_MODEL(Sensor) AND T.lastValue > 1000`); each sample is the time from sending the
//! request to having read the complete first page, after one warm-up query. Figures are the
//! median of the samples with min/max, printed as a table and, when `TWINSCOPE_BENCH_JSON`
//! is set, written there as the "emulator" part (see the benchmark figure contract). The notes
//! also give the process CPU time per GET and per query (`/proc/self/task/*/schedstat`), which
//! does not depend on what else the machine runs.

#[path = "../tests/it/common.rs"]
mod common;

#[path = "../tests/it/adt_common.rs"]
mod adt_common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use twinscope_bench_report::{Figure, Section, Target, median};
use twinscope_emulator::{Options, RunningEmulator, start};

const SECTION: &str = "Emulator (ADT data plane)";

const CLIENTS: usize = 64;
const GET_RUNS: usize = 5;
const GET_WINDOW: Duration = Duration::from_secs(3);
const GET_WARM_UP: Duration = Duration::from_secs(1);
const GET_TARGET_PER_SECOND: f64 = 5_000.0;

const QUERY_TWINS: u32 = 100_000;
const QUERY_RUNS: usize = 7;
const QUERY_TARGET_MS: f64 = 200.0;
/// Sensors reading over 1,000 (in practice CO2 sensors, 400–1,200 ppm in the seed).
const SENSOR_QUERY: &str = "SELECT * FROM DIGITALTWINS T WHERE IS_OF_MODEL('dtmi:twinscope:seed:Sensor;1') AND T.lastValue > 1000";
/// Every seeded twin's id (one page is plenty to spread GETs over).
const IDS_QUERY: &str = "SELECT T.$dtId FROM DIGITALTWINS T";

/// Why the bench could not produce its figures.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("the emulator did not start: {0}")]
    Start(#[from] twinscope_emulator::StartError),
    #[error("the tokio runtime could not be built: {0}")]
    Runtime(std::io::Error),
    #[error("{errors} of {total} twin GETs failed (first: {first}); the throughput figure is void")]
    FailedGets {
        errors: u64,
        total: u64,
        first: String,
    },
    #[error("the query failed: {0}")]
    Query(String),
    #[error("a figure has no samples: {0}")]
    Figure(String),
}

/// CPU time all of this process's threads have run so far (Linux `/proc`; `None`
/// elsewhere). Differences of it are what a request costs whatever else the machine runs.
fn process_cpu() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread may exit between the listing and the read: it is skipped.
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// CPU time spent since `before` (zero if unknown).
fn cpu_since(before: Option<Duration>) -> Duration {
    match (before, process_cpu()) {
        (Some(b), Some(now)) => now.saturating_sub(b),
        _ => Duration::ZERO,
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// What one client saw in one window.
#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn fail(&mut self, why: String) {
        self.errors += 1;
        self.first_error.get_or_insert(why);
    }

    fn add(&mut self, other: Tally) {
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// One client's loop until `deadline`: GETs over `urls` from `first`, each checked for 200.
async fn get_loop(
    client: reqwest::Client,
    urls: Arc<Vec<String>>,
    token: Arc<str>,
    first: usize,
    deadline: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut i = first;
    while Instant::now() < deadline {
        let url = &urls[i % urls.len()];
        i += 1;
        let sent = client.get(url).bearer_auth(&token).send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                tally.fail(format!("GET {url}: {e}"));
                continue;
            }
        };
        let status = response.status();
        match response.bytes().await {
            Ok(body) if status == reqwest::StatusCode::OK && !body.is_empty() => tally.ok += 1,
            Ok(body) => tally.fail(format!(
                "GET {url}: {status} {}",
                String::from_utf8_lossy(&body)
            )),
            Err(e) => tally.fail(format!("GET {url}: reading the body: {e}")),
        }
    }
    tally
}

/// One window of `CLIENTS` concurrent loops: (requests per second, tally).
async fn get_window(
    clients: &[reqwest::Client],
    urls: &Arc<Vec<String>>,
    token: &Arc<str>,
    window: Duration,
) -> (f64, Tally) {
    let started = Instant::now();
    let deadline = started + window;
    let mut tasks = tokio::task::JoinSet::new();
    for (n, client) in clients.iter().enumerate() {
        let first = n * urls.len() / clients.len();
        tasks.spawn(get_loop(
            client.clone(),
            Arc::clone(urls),
            Arc::clone(token),
            first,
            deadline,
        ));
    }
    let mut tally = Tally::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(t) => tally.add(t),
            Err(e) => tally.fail(format!("a client task failed: {e}")),
        }
    }
    let rate = tally.ok as f64 / started.elapsed().as_secs_f64();
    (rate, tally)
}

/// A client that keeps one connection to the emulator alive between requests.
fn keep_alive_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .expect("a plain-http reqwest client builds")
}

/// POSTs `body` to the instance's query endpoint: (time until the whole page was read, the
/// page, its query-charge). Anything but a 200 with a JSON page is an error.
async fn timed_query(
    client: &reqwest::Client,
    adt: &adt_common::AdtClient,
    token: &str,
    body: &Value,
) -> Result<(Duration, Value, String), BenchError> {
    let url = adt.url("/query");
    let payload = body.to_string();
    let started = Instant::now();
    let response = client
        .post(&url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(payload)
        .send()
        .await
        .map_err(|e| BenchError::Query(format!("POST {url}: {e}")))?;
    let status = response.status();
    let charge = response
        .headers()
        .get("query-charge")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| BenchError::Query(format!("reading the page: {e}")))?;
    let elapsed = started.elapsed();
    if status != reqwest::StatusCode::OK {
        return Err(BenchError::Query(format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
        )));
    }
    let page: Value = serde_json::from_slice(&bytes)
        .map_err(|e| BenchError::Query(format!("the page is not JSON: {e}")))?;
    Ok((elapsed, page, charge))
}

/// The ids of the campus seed's twins (first page of `IDS_QUERY`), as GET URLs.
async fn twin_urls(adt: &adt_common::AdtClient, token: &str) -> Result<Vec<String>, BenchError> {
    let client = reqwest::Client::new();
    let (_, page, _) = timed_query(&client, adt, token, &json!({ "query": IDS_QUERY })).await?;
    let urls: Vec<String> = page["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row["$dtId"].as_str())
        .map(|id| {
            let id = percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC);
            adt.url(&format!("/digitaltwins/{id}"))
        })
        .collect();
    if urls.is_empty() {
        return Err(BenchError::Query(format!("no twins in {page}")));
    }
    Ok(urls)
}

async fn campus(emulator: &RunningEmulator) -> (adt_common::AdtClient, String) {
    let token = adt_common::adt_token(emulator, common::CONTOSO, adt_common::ADELE).await;
    let adt = adt_common::AdtClient::new(emulator, adt_common::CAMPUS, Some(token.clone()));
    (adt, token)
}

/// Figure (a): twin GETs per second with `CLIENTS` concurrent keep-alive clients.
async fn get_throughput() -> Result<Figure, BenchError> {
    let emulator = start(Options::default()).await?;
    let (adt, token) = campus(&emulator).await;
    let urls = Arc::new(twin_urls(&adt, &token).await?);
    let token: Arc<str> = token.into();
    let clients: Vec<reqwest::Client> = (0..CLIENTS).map(|_| keep_alive_client()).collect();
    let mut total = Tally::default();
    let (_, warm) = get_window(&clients, &urls, &token, GET_WARM_UP).await;
    total.add(warm);
    let mut samples = Vec::with_capacity(GET_RUNS);
    let cpu_before = process_cpu();
    let ok_before = total.ok;
    for run in 1..=GET_RUNS {
        let (rate, tally) = get_window(&clients, &urls, &token, GET_WINDOW).await;
        println!(
            "  GET run {run}/{GET_RUNS}: {rate:.0} req/s ({} ok, {} errors)",
            tally.ok, tally.errors
        );
        samples.push(rate);
        total.add(tally);
    }
    let cpu = cpu_since(cpu_before);
    let cpu_per_get = cpu.as_secs_f64() * 1e6 / (total.ok - ok_before).max(1) as f64;
    let idle_rate = cores() as f64 * 1e6 / cpu_per_get.max(f64::MIN_POSITIVE);
    println!(
        "  CPU per GET (client + emulator): {cpu_per_get:.0} µs, i.e. about {idle_rate:.0} req/s on {} otherwise idle cores",
        cores()
    );
    if total.errors > 0 {
        return Err(BenchError::FailedGets {
            errors: total.errors,
            total: total.ok + total.errors,
            first: total.first_error.unwrap_or_default(),
        });
    }
    emulator.stop().await;
    Figure::from_samples(
        "twin GETs per second, 64 concurrent clients",
        "req/s",
        &samples,
        Some(Target::AtLeast(GET_TARGET_PER_SECOND)),
        &format!(
            "{CLIENTS} keep-alive clients in process loop GET /digitaltwins/{{id}} over the campus seed's {} twins with a real bearer for {}s per run after a {}s warm-up; {} requests, all 200; client and emulator share this machine's {} cores, and the process used {cpu_per_get:.0} µs of CPU per GET (about {idle_rate:.0} req/s if it had the cores to itself)",
            urls.len(),
            GET_WINDOW.as_secs(),
            GET_WARM_UP.as_secs(),
            total.ok,
            cores(),
        ),
    )
    .map_err(BenchError::Figure)
}

/// Figure (b): the first page of a filtered query over `QUERY_TWINS` twins.
async fn filtered_query() -> Result<Figure, BenchError> {
    let seeding = Instant::now();
    let emulator = start(Options {
        scale: Some(QUERY_TWINS),
        ..Options::default()
    })
    .await?;
    let seeded_in = seeding.elapsed();
    let twins = emulator
        .adt()
        .twin_count(adt_common::CAMPUS)
        .unwrap_or_default();
    println!("  seeded {twins} twins in {seeded_in:.1?}");
    let (adt, token) = campus(&emulator).await;
    let client = reqwest::Client::new();
    let body = json!({ "query": SENSOR_QUERY });
    let (_, warm, _) = timed_query(&client, &adt, &token, &body).await?;
    let mut samples = Vec::with_capacity(QUERY_RUNS);
    let mut rows = 0;
    let mut charge = String::new();
    let mut more = false;
    let mut cpu_ms = Vec::with_capacity(QUERY_RUNS);
    for run in 1..=QUERY_RUNS {
        let cpu_before = process_cpu();
        let (elapsed, page, c) = timed_query(&client, &adt, &token, &body).await?;
        let cpu = cpu_since(cpu_before).as_secs_f64() * 1000.0;
        cpu_ms.push(cpu);
        if page != warm {
            return Err(BenchError::Query(
                "the same query gave a different first page".into(),
            ));
        }
        rows = page["value"].as_array().map_or(0, Vec::len);
        more = page["continuationToken"].is_string();
        charge = c;
        let ms = elapsed.as_secs_f64() * 1000.0;
        println!(
            "  query run {run}/{QUERY_RUNS}: {ms:.1} ms ({cpu:.1} ms CPU), {rows} rows, charge {charge}"
        );
        samples.push(ms);
    }
    if rows == 0 {
        return Err(BenchError::Query(format!("no rows for {SENSOR_QUERY}")));
    }
    emulator.stop().await;
    Figure::from_samples(
        "filtered query over 100,000 twins, first page",
        "ms",
        &samples,
        Some(Target::AtMost(QUERY_TARGET_MS)),
        &format!(
            "POST /query `{SENSOR_QUERY}` on an in-memory emulator seeded with {twins} twins, timed from sending to the complete first page ({rows} rows{}, query-charge {charge}) after one warm-up query; the process used a median {:.0} ms of CPU per query (client + emulator)",
            if more {
                ", continuation token set"
            } else {
                ", last page"
            },
            median(&cpu_ms),
        ),
    )
    .map_err(BenchError::Figure)
}

async fn run() -> Result<Section, BenchError> {
    println!("emulator throughput bench");
    let mut section = Section::new(SECTION);
    section.figures.push(get_throughput().await?);
    section.figures.push(filtered_query().await?);
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
            eprintln!("emulator throughput bench failed: {e}");
            std::process::exit(1);
        }
    };
    print!("{}", section.table());
    match section.write_env_part() {
        Ok(Some(path)) => println!("wrote {}", path.display()),
        Ok(None) => {}
        Err(e) => {
            eprintln!("emulator throughput bench failed: {e}");
            std::process::exit(1);
        }
    }
}
