//! `bench --dist DIR --out DIR [--runs N]`: the browser half of `cargo xtask bench`.
//!
//! Reports the first-load payload of a release build and the time from navigation start to
//! the app shell being mounted in headless Chromium (median and spread over cold runs, each
//! in a fresh browser profile), with a description of the machine. Writes `report.json` and
//! `report.md` into the output directory and prints the Markdown.

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use twinscope_e2e::pages::LandingPage;
use twinscope_e2e::sizes::{self, Size};
use twinscope_e2e::{Browser, Result};
use twinscope_gateway::{GatewayConfig, start};

struct Args {
    dist: PathBuf,
    out: PathBuf,
    runs: usize,
}

fn parse_args() -> Result<Args> {
    let mut dist = None;
    let mut out = PathBuf::from("target/bench");
    let mut runs = 7;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--dist" => dist = Some(PathBuf::from(value()?)),
            "--out" => out = PathBuf::from(value()?),
            "--runs" => runs = value()?.parse()?,
            other => return Err(format!("unknown argument `{other}`").into()),
        }
    }
    Ok(Args {
        dist: dist.ok_or("--dist is required")?,
        out,
        runs,
    })
}

/// Median and spread of a sample.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
    runs: usize,
}

fn stats(mut samples: Vec<f64>) -> Stats {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    };
    Stats {
        median,
        min: samples[0],
        max: samples[n - 1],
        runs: n,
    }
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn machine() -> serde_json::Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map(|kb| (kb / 1024.0 / 1024.0 * 10.0).round() / 10.0);
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_gib": memory_gib,
        "os": command_line("uname", &["-srm"]),
        "rustc": command_line("rustc", &["--version"]),
        "chromium": command_line(&std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into()), &["--version"]),
    })
}

fn size_json(s: Size) -> serde_json::Value {
    json!({ "raw": s.raw, "gzip": s.gzip })
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

async fn mount_times(args: &Args) -> Result<Stats> {
    let gateway = start(GatewayConfig::new(&args.dist)).await?;
    let mut samples = Vec::new();
    for _ in 0..args.runs {
        let browser = Browser::start().await?;
        let landing = LandingPage::open(&browser, gateway.base_url()).await?;
        samples.push(landing.shell_mounted_ms().await?);
        browser.close().await?;
    }
    gateway.stop().await;
    Ok(stats(samples))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    let sizes = sizes::measure(&args.dist)?;
    let mount = mount_times(&args).await?;
    let machine = machine();
    let date = command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);

    let report = json!({
        "date": date,
        "machine": machine,
        "bundle": {
            "wasm": size_json(sizes.wasm),
            "js": size_json(sizes.js),
            "css": size_json(sizes.css),
            "html": size_json(sizes.html),
            "total": size_json(sizes.total()),
        },
        "shell_mounted_ms": { "median": mount.median, "min": mount.min, "max": mount.max, "runs": mount.runs },
    });

    let mut md = String::new();
    md.push_str(&format!("# twinscope benchmark report\n\n{date}\n\n"));
    md.push_str("## Machine\n\n");
    for (key, value) in machine.as_object().into_iter().flatten() {
        md.push_str(&format!(
            "- {key}: {}\n",
            value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string())
        ));
    }
    md.push_str(
        "\n## First-load payload (release build)\n\n| file kind | raw | gzip |\n|---|---:|---:|\n",
    );
    for (name, s) in [
        ("wasm", sizes.wasm),
        ("js", sizes.js),
        ("css", sizes.css),
        ("html", sizes.html),
        ("**total**", sizes.total()),
    ] {
        md.push_str(&format!("| {name} | {} | {} |\n", kib(s.raw), kib(s.gzip)));
    }
    md.push_str(&format!(
        "\n## Navigation start → app shell mounted\n\nmedian {:.1} ms (min {:.1}, max {:.1}) over {} cold loads, each in a fresh headless Chromium profile, served by twinscope-gateway on loopback.\n",
        mount.median, mount.min, mount.max, mount.runs
    ));

    std::fs::create_dir_all(&args.out)?;
    std::fs::write(
        args.out.join("report.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    std::fs::write(args.out.join("report.md"), &md)?;
    println!("{md}");
    println!("written: {}/report.md and report.json", args.out.display());
    Ok(())
}
