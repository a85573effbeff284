//! `bench --dist DIR [--out DIR] [--runs N] [--parts DIR] [--wasm-with-names FILE]`: the
//! browser half of `cargo xtask bench`.
//!
//! Measures the browser figures (`twinscope_e2e::bench`: first load of `/` and the tenant
//! page as served, cold sign-in, opening each lazy screen, query explorer, graph, the Twins
//! workspace as the first screen after sign-in) against
//! `--dist` (the split bundle of `cargo xtask build`) in headless Chromium, the MSAL.js peer page
//! (`twinscope_e2e::peer`) beside them, the auth module's share of the wasm when
//! `--wasm-with-names` is given, merges every part file in `--parts`
//! (`*.json`, the figure contract), and writes `report.json` and `report.md` into `--out`
//! (printing the Markdown). A figure that cannot be measured is listed under "Not measured"
//! and the command then fails after writing the report.
//!
//! `--only GROUP`: only that figure group (as `measuring: GROUP` prints it), no parts.
//!
//! `--wasm-with-names`: a wasm that still has its name section: the linked module `cargo
//! xtask build` leaves before splitting it,
//! `target/release-bundle/wasm32-unknown-unknown/wasm-release/twinscope.wasm`, which `cargo
//! xtask bench` passes.

use std::future::Future;
use std::path::PathBuf;

use twinscope_e2e::Result;
use twinscope_e2e::bench::{self, FirstLoads, Report, Section};
use twinscope_e2e::peer;

struct Args {
    dist: PathBuf,
    out: PathBuf,
    runs: usize,
    parts: Option<PathBuf>,
    wasm_with_names: Option<PathBuf>,
    /// Only the figure group of this name (as `measuring: …` prints it), for working on one.
    only: Option<String>,
}

fn parse_args() -> Result<Args> {
    let mut dist = None;
    let mut out = PathBuf::from("target/bench");
    let mut runs = 7;
    let mut parts = None;
    let mut wasm_with_names = None;
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--dist" => dist = Some(PathBuf::from(value()?)),
            "--out" => out = PathBuf::from(value()?),
            "--runs" => runs = value()?.parse()?,
            "--parts" => parts = Some(PathBuf::from(value()?)),
            "--wasm-with-names" => wasm_with_names = Some(PathBuf::from(value()?)),
            "--only" => only = Some(value()?),
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    if runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(Args {
        dist: dist.ok_or("--dist is required")?,
        out,
        runs,
        parts,
        wasm_with_names,
        only,
    })
}

/// Runs one measurement; a failure goes to the report's "Not measured" list. With `--only`,
/// every other group is skipped (its future never runs) and left out of the report.
async fn measure(
    only: Option<&str>,
    what: &str,
    report: &mut Report,
    figures: impl Future<Output = Result<Section>>,
) -> Option<Section> {
    if only.is_some_and(|only| only != what) {
        return None;
    }
    eprintln!("measuring: {what}");
    match figures.await {
        Ok(section) => {
            report.sections.push(section.clone());
            Some(section)
        }
        Err(e) => {
            report.missing.push((what.to_owned(), e.to_string()));
            None
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let mut report = Report {
        date: bench::date(),
        machine: bench::machine(),
        first_load: FirstLoads::default(),
        sections: Vec::new(),
        missing: Vec::new(),
    };
    let (dist, runs) = (&args.dist, args.runs);
    let only = args.only.as_deref();
    let mut loads = FirstLoads::default();
    measure(
        only,
        "first load",
        &mut report,
        bench::first_load(dist, runs, &mut loads),
    )
    .await;
    report.first_load = loads;
    let sign_in = measure(
        only,
        "cold sign-in",
        &mut report,
        bench::cold_sign_in(dist, runs),
    )
    .await;
    measure(
        only,
        "opening the lazy screens",
        &mut report,
        bench::lazy_screen_opening(dist, runs),
    )
    .await;
    measure(
        only,
        "query explorer",
        &mut report,
        bench::query_explorer(dist, runs),
    )
    .await;
    measure(only, "graph", &mut report, bench::graph(dist, runs)).await;
    measure(
        only,
        "workspace after sign-in",
        &mut report,
        bench::workspace_after_sign_in(dist, runs),
    )
    .await;
    match &args.wasm_with_names {
        Some(wasm) => {
            let share = async { Ok(bench::auth_share(wasm)?) };
            measure(only, "auth share of the wasm", &mut report, share).await;
        }
        None if only.is_some() => {}
        None => report.missing.push((
            "auth share of the wasm".into(),
            "pass --wasm-with-names target/wasm32-unknown-unknown/wasm-release/twinscope.wasm"
                .into(),
        )),
    }
    // Peers: the MSAL.js page (`twinscope_e2e::peer`), beside our cold sign-in and the first
    // load of the tenant page (the page it signs in to).
    let total_gzip = report.first_load.tenant.total().gzip;
    let peer = async {
        let figures = peer::measure(runs).await?;
        let our_sign_in = sign_in
            .as_ref()
            .ok_or("our cold sign-in was not measured")?;
        let stats = |s: peer::Stats| bench::Stats {
            median: s.median,
            min: s.min,
            max: s.max,
            runs: s.runs,
        };
        let numbers = bench::PeerNumbers {
            msal_version: figures.msal_version.clone(),
            payload_gzip: figures.payload.total().gzip as f64,
            requests: stats(figures.requests_after_redirect),
            signed_in_ms: stats(figures.signed_in_ms),
        };
        bench::peers(total_gzip, our_sign_in, &numbers)
    };
    measure(only, "peers (MSAL.js page)", &mut report, peer).await;
    if let Some(dir) = args.parts.as_ref().filter(|_| only.is_none()) {
        match bench::read_parts(dir) {
            Ok(parts) => report.sections.extend(parts),
            Err(e) => report.missing.push(("bench parts".into(), e.to_string())),
        }
    }

    std::fs::create_dir_all(&args.out)?;
    let md = report.markdown();
    std::fs::write(
        args.out.join("report.json"),
        serde_json::to_string_pretty(&report.to_json())?,
    )?;
    std::fs::write(args.out.join("report.md"), &md)?;
    println!("{md}");
    println!("written: {}/report.md and report.json", args.out.display());
    if !report.missing.is_empty() {
        return Err(format!("{} figure group(s) not measured", report.missing.len()).into());
    }
    Ok(())
}
