//! The gateway's added latency (issue #5's benchmark acceptance; also issue #8's "1,000
//! concurrent proxied requests without an error"). A minimal axum upstream on a loopback port
//! answers every `GET /adt/{host}/digitaltwins/{id}?api-version=…` like ADT answers a twin GET
//! (a fixed sensor twin, JSON content type, `ETag`), with no token check, so the figure is
//! the gateway's own cost rather than the emulator's RSA verification. The gateway runs in
//! emulator mode in front of it, so the direct and the proxied request carry the same path and
//! reach the same handler. Each run releases 1,000 requests at once (behind a barrier, over
//! connections warmed up by a first burst) straight at the upstream, and 1,000 through the
//! gateway's `/adt` pass-through (which goes first alternates), timing each request from send
//! to its complete body; every answer must be a 200 with the twin, or the bench fails.
//!
//! The target figure, "added latency", is the gateway's own time per proxied request as it
//! reports it in `Server-Timing` (`gw`: everything it does to a request except waiting for
//! the instance), median over the 1,000 concurrent requests of a run. Beside it the bench
//! reports what a client on the same machine sees: the median via the gateway minus the median
//! direct. Client, gateway and upstream share one process and the machine's cores, so at
//! 1,000 concurrent requests that difference is mostly queueing for a core behind the
//! gateway's work for the other requests; the note gives the process CPU time the gateway adds
//! per request (from `/proc/self/task/*/schedstat`), which explains it. A last figure is the
//! difference with one request at a time (no queueing), the hop's cost end to end.
//!
//! The last two figures are memory: 100 clients each announce an 8 MiB `/adt` body, send
//! all of it but the last byte and hold the connection; the gateway's resident set (VmRSS)
//! must not grow by more than 64 MB while they hold (the body budget, 32 MiB by default, is
//! what bounds it: the clients beyond it get a 503 without their bodies being read), and
//! what it grew by must come back once they close. `cargo bench -p twinscope-gateway --bench
//! added_latency -- held-bodies` measures only these.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Barrier, watch};
use twinscope_bench_report::{Figure, Section, Target, median};
use twinscope_gateway::adt::{SERVER_TIMING, TIMING_GATEWAY, TIMING_UPSTREAM};
use twinscope_gateway::{AdtPassThrough, GatewayConfig, Upstream, start};

const SECTION: &str = "Gateway (ADT pass-through)";

const HOST: &str = "bench.api.weu.digitaltwins.azure.net";
const API: &str = "api-version=2023-10-31";
const CONCURRENT: usize = 1000;
const RUNS: usize = 5;
const SEQUENTIAL: usize = 400;
const ADDED_TARGET_MS: f64 = 1.0;
/// One burst must finish well within this, or the bench fails.
const BURST_TIMEOUT: Duration = Duration::from_secs(60);
/// The bearer the client sends (the stub upstream does not check it).
const BEARER: &str = "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.bench.signature";
const TWIN_ETAG: &str = "W/\"6c6f7a2e-0d54-4d1a-9a43-3b1b2c0f1e77\"";
/// Clients holding a body each, and the size each announces.
const HELD: usize = 100;
const HELD_BODY: usize = 8 * 1024 * 1024;
const HELD_RUNS: usize = 3;
const HELD_TARGET_MB: f64 = 64.0;
/// How long the clients may take to send what they send, and the reservations to go.
const HELD_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the bench could not produce its figures.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("held bodies: {0}")]
    Held(String),
    #[error("cannot set up the {what}: {why}")]
    Setup { what: &'static str, why: String },
    #[error("{failed} of {total} {route} requests failed (first: {first}); the figures are void")]
    Failed {
        route: &'static str,
        failed: usize,
        total: usize,
        first: String,
    },
    #[error("a burst of {0} {1} requests did not finish within {BURST_TIMEOUT:?}")]
    Timeout(usize, &'static str),
    #[error("a figure has no samples: {0}")]
    Figure(String),
}

/// The twin every GET answers with, as ADT's wire form.
fn twin_body() -> String {
    json!({
        "$dtId": "site-1-b1-f1-r101-e1-s1",
        "$etag": TWIN_ETAG,
        "name": "Temperature sensor 1",
        "status": "operational",
        "unit": "degreeCelsius",
        "lastValue": 21.4,
        "lastReading": "2026-11-22T01:00:00.0000000Z",
        "tags": { "kind": "temperature", "room": "site-1-b1-f1-r101" },
        "nameplate": {
            "$metadata": {},
            "manufacturer": "Contoso Sensors",
            "model": "CS-1",
            "serialNumber": "CS1-000123"
        },
        "$metadata": {
            "$model": "dtmi:twinscope:seed:Sensor;1",
            "$lastUpdateTime": "2026-11-22T01:00:00.0000000Z",
            "name": { "lastUpdateTime": "2026-11-22T01:00:00.0000000Z" },
            "status": { "lastUpdateTime": "2026-11-22T01:00:00.0000000Z" },
            "unit": { "lastUpdateTime": "2026-11-22T01:00:00.0000000Z" },
            "lastValue": { "lastUpdateTime": "2026-11-22T01:00:00.0000000Z" },
            "lastReading": { "lastUpdateTime": "2026-11-22T01:00:00.0000000Z" },
            "tags": { "lastUpdateTime": "2026-11-22T01:00:00.0000000Z" }
        }
    })
    .to_string()
}

/// The stub upstream: every request gets the twin, as ADT answers a twin GET.
async fn upstream() -> Result<(String, tokio::task::JoinHandle<()>), BenchError> {
    let setup = |why: std::io::Error| BenchError::Setup {
        what: "upstream",
        why: why.to_string(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(setup)?;
    let addr = listener.local_addr().map_err(setup)?;
    let body: Arc<str> = twin_body().into();
    let app = Router::new().fallback(move || {
        let body = Arc::clone(&body);
        async move {
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                    (header::ETAG, TWIN_ETAG),
                ],
                body.to_string(),
            )
                .into_response()
        }
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), task))
}

/// A client whose pool keeps every connection of a burst for the next one.
fn client() -> Result<reqwest::Client, BenchError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(300))
        .build()
        .map_err(|e| BenchError::Setup {
            what: "client",
            why: e.to_string(),
        })
}

/// The gateway's own time (`gw` in its `Server-Timing`), in ms; `None` on direct answers.
fn gateway_time(response: &reqwest::Response) -> Option<f64> {
    let value = response.headers().get(SERVER_TIMING)?.to_str().ok()?;
    value
        .split(',')
        .map(str::trim)
        .find_map(|m| m.strip_prefix(&format!("{TIMING_GATEWAY};dur=")))
        .and_then(|rest| rest.split(';').next())
        .and_then(|d| d.parse().ok())
}

/// One request, timed from send to its complete body, with the gateway's own time if it
/// went through the gateway; an error unless a 200 with the twin.
async fn timed_get(client: &reqwest::Client, url: &str) -> Result<(Duration, Option<f64>), String> {
    let started = Instant::now();
    let response = client
        .get(url)
        .header(header::AUTHORIZATION, BEARER)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let own = gateway_time(&response);
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("GET {url}: reading the body: {e}"))?;
    let elapsed = started.elapsed();
    if status != StatusCode::OK || !body.starts_with(b"{\"$dtId\"") {
        return Err(format!(
            "GET {url}: {status} {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok((elapsed, own))
}

/// Where requests go: straight to the upstream or through the gateway.
#[derive(Debug, Clone)]
struct Route {
    name: &'static str,
    base: String,
    client: reqwest::Client,
}

impl Route {
    fn url(&self, i: usize) -> String {
        format!("{}/adt/{HOST}/digitaltwins/twin-{i}?{API}", self.base)
    }
}

/// Milliseconds.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What one burst measured, in ms: every request's latency, and the gateway's own time for
/// each one that went through it.
#[derive(Debug, Default)]
struct Burst {
    latencies: Vec<f64>,
    own: Vec<f64>,
}

/// `n` requests released at once; any failure fails the burst.
async fn burst(route: &Route, n: usize) -> Result<Burst, BenchError> {
    let barrier = Arc::new(Barrier::new(n + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let barrier = Arc::clone(&barrier);
        let client = route.client.clone();
        let url = route.url(i);
        tasks.spawn(async move {
            barrier.wait().await;
            timed_get(&client, &url).await
        });
    }
    barrier.wait().await;
    let collect = async {
        let mut measured = Burst::default();
        let mut failures = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok((d, own))) => {
                    measured.latencies.push(ms(d));
                    measured.own.extend(own);
                }
                Ok(Err(why)) => failures.push(why),
                Err(e) => failures.push(format!("a request task failed: {e}")),
            }
        }
        (measured, failures)
    };
    let (measured, failures) = tokio::time::timeout(BURST_TIMEOUT, collect)
        .await
        .map_err(|_| BenchError::Timeout(n, route.name))?;
    if let Some(first) = failures.first() {
        return Err(BenchError::Failed {
            route: route.name,
            failed: failures.len(),
            total: n,
            first: first.clone(),
        });
    }
    Ok(measured)
}

/// `n` requests one after another: every latency, in ms.
async fn sequential(route: &Route, n: usize) -> Result<Vec<f64>, BenchError> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let (d, _) = timed_get(&route.client, &route.url(i))
            .await
            .map_err(|first| BenchError::Failed {
                route: route.name,
                failed: 1,
                total: n,
                first,
            })?;
        latencies.push(ms(d));
    }
    Ok(latencies)
}

/// Per-run medians of the direct and proxied bursts and of their difference, and the CPU
/// time the process spent on each kind of burst.
#[derive(Debug, Default)]
struct Runs {
    direct: Vec<f64>,
    via: Vec<f64>,
    added: Vec<f64>,
    /// Per run, the median of the gateway's own time over the proxied requests.
    own: Vec<f64>,
    direct_cpu: Duration,
    via_cpu: Duration,
}

impl Runs {
    /// CPU µs the gateway adds to one request (process CPU per proxied request minus per
    /// direct one): whatever else the machine runs, this times the requests in flight over
    /// the cores is the queueing a burst adds.
    fn added_cpu_micros(&self) -> f64 {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / (RUNS * CONCURRENT) as f64;
        per(self.via_cpu) - per(self.direct_cpu)
    }
}

/// CPU time all of this process's threads have run so far (Linux `/proc`; `None`
/// elsewhere).
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

/// One burst's median latency, the median of the gateway's own times (0 for direct
/// bursts), and the process CPU time it took.
async fn cpu_burst(route: &Route, n: usize) -> Result<((f64, f64), Duration), BenchError> {
    let before = process_cpu();
    let measured = burst(route, n).await?;
    let cpu = match (before, process_cpu()) {
        (Some(b), Some(a)) => a.saturating_sub(b),
        _ => Duration::ZERO,
    };
    Ok(((median(&measured.latencies), median(&measured.own)), cpu))
}

async fn measure(direct: &Route, via: &Route) -> Result<(Runs, Vec<f64>), BenchError> {
    // Warm-up: opens the 1,000 connections of each pool (client→upstream, client→gateway,
    // gateway→upstream) so the measured bursts do not time TCP handshakes.
    burst(direct, CONCURRENT).await?;
    burst(via, CONCURRENT).await?;
    let mut runs = Runs::default();
    for run in 1..=RUNS {
        // Alternate which goes first, so neither always follows the other's aftermath.
        let (((d, _), d_cpu), ((v, own), v_cpu)) = if run % 2 == 1 {
            let d = cpu_burst(direct, CONCURRENT).await?;
            (d, cpu_burst(via, CONCURRENT).await?)
        } else {
            let v = cpu_burst(via, CONCURRENT).await?;
            (cpu_burst(direct, CONCURRENT).await?, v)
        };
        runs.direct_cpu += d_cpu;
        runs.via_cpu += v_cpu;
        println!(
            "  run {run}/{RUNS}: {CONCURRENT} concurrent, median direct {d:.3} ms, via gateway {v:.3} ms, difference {:.3} ms, gateway's own time {own:.3} ms",
            v - d
        );
        runs.own.push(own);
        runs.direct.push(d);
        runs.via.push(v);
        runs.added.push(v - d);
    }
    let mut one_at_a_time = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let d = median(&sequential(direct, SEQUENTIAL).await?);
        let v = median(&sequential(via, SEQUENTIAL).await?);
        println!(
            "  run {run}/{RUNS}: one at a time, median direct {d:.3} ms, via gateway {v:.3} ms, added {:.3} ms",
            v - d
        );
        one_at_a_time.push(v - d);
    }
    println!(
        "  process CPU the gateway adds per request: {:.0} µs",
        runs.added_cpu_micros()
    );
    Ok((runs, one_at_a_time))
}

fn figures(runs: Runs, one_at_a_time: Vec<f64>) -> Result<Section, BenchError> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let added_cpu = runs.added_cpu_micros();
    let setup = format!(
        "{CONCURRENT} GETs released at once over warm keep-alive connections, each timed to its complete body, all 200; the upstream is a minimal in-process axum stub answering like an ADT twin GET (no token check) and the gateway is in emulator mode in front of it; client, gateway and stub share {cores} cores"
    );
    let figures = [
        Figure::from_samples(
            "median latency, 1,000 concurrent GETs, direct",
            "ms",
            &runs.direct,
            None,
            &format!("{setup}; per run, the median over the {CONCURRENT} requests"),
        ),
        Figure::from_samples(
            "median latency, 1,000 concurrent GETs, via gateway",
            "ms",
            &runs.via,
            None,
            &format!(
                "the same burst through the gateway's /adt pass-through; per run, the median over the {CONCURRENT} requests"
            ),
        ),
        Figure::from_samples(
            "gateway added latency, 1,000 concurrent GETs",
            "ms",
            &runs.own,
            Some(Target::AtMost(ADDED_TARGET_MS)),
            &format!(
                "per run, the median over the {CONCURRENT} proxied requests of the time the gateway itself held each one (its `Server-Timing` `{TIMING_GATEWAY}` metric: checking the target, reading the body, building the upstream request, and turning the answer into ours), excluding the wait for the instance (`{TIMING_UPSTREAM}`); what a request spends queued for a core before the gateway's handler runs is not in it (see the next figure)"
            ),
        ),
        Figure::from_samples(
            "client-observed difference, 1,000 concurrent GETs",
            "ms",
            &runs.added,
            None,
            &format!(
                "per run, median via gateway minus median direct, seen by a client on the same machine; the gateway costs the process about {added_cpu:.0} µs of CPU per request, so with {CONCURRENT} in flight on {cores} shared cores the added median is dominated by queueing behind its work for the other requests (about {added_cpu:.0} µs x {CONCURRENT} / {cores} / 2 = {:.0} ms on idle cores), not by the hop itself",
                added_cpu * CONCURRENT as f64 / cores as f64 / 2.0 / 1000.0
            ),
        ),
        Figure::from_samples(
            "client-observed difference, one request at a time",
            "ms",
            &one_at_a_time,
            None,
            &format!(
                "per run, {SEQUENTIAL} sequential GETs direct then {SEQUENTIAL} via the gateway on the same warm connections; median via minus median direct: the hop's own cost without queueing"
            ),
        ),
    ];
    Ok(Section {
        section: SECTION.to_owned(),
        figures: figures
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(BenchError::Figure)?,
    })
}

/// This process's resident set, in bytes (Linux `/proc/self/status`).
fn rss_bytes() -> Result<f64, BenchError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| BenchError::Held(format!("/proc/self/status: {e}")))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb * 1024.0)
        .ok_or_else(|| BenchError::Held("no VmRSS in /proc/self/status".to_owned()))
}

/// Polls `done` every 10 ms until it holds or [`HELD_TIMEOUT`] passes.
async fn wait_until(what: &str, done: impl Fn() -> bool) -> Result<(), BenchError> {
    let deadline = Instant::now() + HELD_TIMEOUT;
    while !done() {
        if Instant::now() > deadline {
            return Err(BenchError::Held(format!("timed out waiting for {what}")));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// One run of [`HELD`] clients holding 8 MiB bodies: the RSS growth in MB while they hold
/// (after every client has sent what it will send) and after they have closed, over the
/// RSS before they connected; and the body bytes the gateway had reserved meanwhile.
async fn held_run(
    gateway: &twinscope_gateway::RunningGateway,
    body: &Arc<Vec<u8>>,
) -> Result<(f64, f64, usize), BenchError> {
    let baseline = rss_bytes()?;
    let (release, released) = watch::channel(false);
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = tokio::task::JoinSet::new();
    let head = format!(
        "PUT /adt/{HOST}/digitaltwins/held?{API} HTTP/1.1\r\nHost: g\r\nAuthorization: {BEARER}\r\nContent-Type: application/json\r\nContent-Length: {HELD_BODY}\r\n\r\n"
    );
    for _ in 0..HELD {
        let (addr, head, body, sent) = (
            gateway.addr(),
            head.clone(),
            Arc::clone(body),
            Arc::clone(&sent),
        );
        let mut released = released.clone();
        clients.spawn(async move {
            let stream = TcpStream::connect(addr).await;
            if let Ok(mut stream) = stream {
                // All but the last byte; a client turned away sees its writes fail.
                let _ = async {
                    stream.write_all(head.as_bytes()).await?;
                    stream.write_all(&body[..HELD_BODY - 1]).await
                }
                .await;
                sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = released.wait_for(|r| *r).await;
                drop(stream);
            }
        });
    }
    wait_until("every client to send its body", || {
        sent.load(std::sync::atomic::Ordering::SeqCst) == HELD
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reserved = gateway.body_bytes_reserved();
    let holding = rss_bytes()?;
    let _ = release.send(true);
    while clients.join_next().await.is_some() {}
    wait_until("the reservations to be released", || {
        gateway.body_bytes_reserved() == 0
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = rss_bytes()?;
    let mb = |bytes: f64| bytes / 1e6;
    Ok((mb(holding - baseline), mb(after - baseline), reserved))
}

/// [`HELD_RUNS`] runs against a gateway with the default limits; the two memory figures.
async fn held_bodies(base: &str, dist: &std::path::Path) -> Result<Vec<Figure>, BenchError> {
    let mut config = GatewayConfig::new(dist);
    config.adt = Some(AdtPassThrough::new(Upstream::Emulator {
        base: base.to_owned(),
    }));
    let budget = config.adt.as_ref().map_or(0, |a| a.body_budget);
    let gateway = start(config).await.map_err(|e| BenchError::Setup {
        what: "gateway",
        why: e.to_string(),
    })?;
    // The clients' shared body exists before any baseline is taken.
    let body = Arc::new(vec![b' '; HELD_BODY]);
    let (mut holding, mut after, mut reserved) = (Vec::new(), Vec::new(), 0);
    for run in 0..HELD_RUNS {
        let (h, a, r) = held_run(&gateway, &body).await?;
        println!(
            "  held bodies run {}: +{h:.1} MB holding, {a:+.1} MB after closing, {r} bytes reserved",
            run + 1
        );
        holding.push(h);
        after.push(a);
        reserved = reserved.max(r);
    }
    gateway.stop().await;
    let setup = format!(
        "{HELD} clients each announce an 8 MiB PUT /adt body, send all of it but the last byte and hold; gateway with default limits (body budget {budget} bytes, at most {reserved} reserved at once in these runs); VmRSS of the whole process (clients, gateway, stub) over its value before the clients connect"
    );
    [
        Figure::from_samples(
            "RSS growth, 100 clients holding 8 MiB bodies",
            "MB",
            &holding,
            Some(Target::AtMost(HELD_TARGET_MB)),
            &format!("{setup}; measured once every client has sent what it will send"),
        ),
        Figure::from_samples(
            "RSS growth left after those clients close",
            "MB",
            &after,
            None,
            &format!("{setup}; measured once every reservation is released; what the allocator keeps for reuse"),
        ),
    ]
    .into_iter()
    .collect::<Result<_, _>>()
    .map_err(BenchError::Figure)
}

async fn run() -> Result<Section, BenchError> {
    println!("gateway added-latency bench");
    let (base, upstream_task) = upstream().await?;
    let dist = tempfile::tempdir().map_err(|e| BenchError::Setup {
        what: "dist directory",
        why: e.to_string(),
    })?;
    let files = [
        ("index.html", "<!DOCTYPE html>"),
        (
            "config.json",
            r#"{"authority":"https://login.microsoftonline.com/organizations"}"#,
        ),
    ];
    for (name, content) in files {
        std::fs::write(dist.path().join(name), content).map_err(|e| BenchError::Setup {
            what: "dist directory",
            why: e.to_string(),
        })?;
    }
    let mut config = GatewayConfig::new(dist.path());
    config.adt = Some(AdtPassThrough::new(Upstream::Emulator {
        base: base.clone(),
    }));
    let gateway = start(config).await.map_err(|e| BenchError::Setup {
        what: "gateway",
        why: e.to_string(),
    })?;
    let direct = Route {
        name: "direct",
        base,
        client: client()?,
    };
    let via = Route {
        name: "via-gateway",
        base: gateway.base_url().to_owned(),
        client: client()?,
    };
    let only_memory = std::env::args().any(|a| a == "held-bodies");
    let mut section = if only_memory {
        Section::new(SECTION)
    } else {
        let (runs, one_at_a_time) = measure(&direct, &via).await?;
        figures(runs, one_at_a_time)?
    };
    gateway.stop().await;
    section
        .figures
        .extend(held_bodies(&direct.base, dist.path()).await?);
    upstream_task.abort();
    Ok(section)
}

fn main() {
    // Cargo passes `--bench` (and maybe a filter); there is nothing to choose here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| BenchError::Setup {
            what: "tokio runtime",
            why: e.to_string(),
        });
    let result = runtime.and_then(|rt| rt.block_on(run()));
    let section = match result {
        Ok(section) => section,
        Err(e) => {
            eprintln!("gateway added-latency bench failed: {e}");
            std::process::exit(1);
        }
    };
    print!("{}", section.table());
    match section.write_env_part() {
        Ok(Some(path)) => println!("wrote {}", path.display()),
        Ok(None) => {}
        Err(e) => {
            eprintln!("gateway added-latency bench failed: {e}");
            std::process::exit(1);
        }
    }
}
