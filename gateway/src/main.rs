//! `twinscope-gateway --dist DIR [--config-json FILE] [--port N] [--bind ADDR] [--hsts]
//!  [--adt-suffix SUFFIX]... [--adt-upstream http://HOST:PORT | --adt-off]
//!  [--body-budget-bytes N]`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use twinscope_gateway::adt::DEFAULT_ADT_SUFFIX;
use twinscope_gateway::{AdtPassThrough, GatewayConfig, ServerLimits, Upstream, start};

const USAGE: &str = "usage: twinscope-gateway --dist DIR [--config-json FILE] [--port N] [--bind ADDR]\n\
    \x20      [--hsts] [--adt-suffix SUFFIX]... [--adt-upstream URL | --adt-off]\n\
    \x20      [--body-budget-bytes N]\n\
    \n  --dist DIR           the built SPA (Trunk's dist directory)\
    \n  --config-json FILE   serve /config.json from FILE instead of DIR/config.json\
    \n  --port N             port to listen on (default 8080)\
    \n  --bind ADDR          address to listen on (default 127.0.0.1)\
    \n  --adt-suffix SUFFIX  forward /adt/{host}/... only to hosts under SUFFIX (repeatable;\
    \n                       default .digitaltwins.azure.net)\
    \n  --adt-upstream URL   forward to the local emulator at URL (http://127.0.0.1:8480)\
    \n                       instead of https://{host}\
    \n  --adt-off            no pass-through: /adt/... answers 404\
    \n  --body-budget-bytes N  request-body bytes the pass-through holds at once across all\
    \n                       requests (default 33554432 = 32 MiB, at least 8 MiB); when\
    \n                       spent, requests are answered 503 with Retry-After\
    \n  --hsts               send Strict-Transport-Security (max-age=31536000;\
    \n                       includeSubDomains): only when clients reach the gateway over TLS\
    \n\
    \nAlso served: GET /healthz (200 ok), GET /readyz (200 {\"status\":\"ready\"}).\
    \nLogs go to stdout (RUST_LOG, default info): readable lines on a terminal, otherwise one\
    \nflat JSON object per line; one access line per request (target twinscope_gateway::access:\
    \nrequest_id, method, path without query, status, duration_ms, bytes); x-request-id is\
    \nechoed when sane, generated otherwise. Ctrl-C/SIGTERM: stop accepting, finish requests\
    \nin flight (up to 10 s).";

fn parse_args() -> Result<GatewayConfig, String> {
    let mut dist = None;
    let mut config_json = None;
    let mut port: u16 = 8080;
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut suffixes = Vec::new();
    let mut emulator = None;
    let mut adt_off = false;
    let mut hsts = false;
    let mut body_budget = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--dist" => dist = Some(PathBuf::from(value("--dist")?)),
            "--config-json" => config_json = Some(PathBuf::from(value("--config-json")?)),
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--bind" => {
                ip = value("--bind")?
                    .parse()
                    .map_err(|e| format!("--bind: {e}"))?
            }
            "--adt-suffix" => suffixes.push(value("--adt-suffix")?),
            "--adt-upstream" => emulator = Some(value("--adt-upstream")?),
            "--adt-off" => adt_off = true,
            "--hsts" => hsts = true,
            "--body-budget-bytes" => {
                body_budget = Some(
                    value("--body-budget-bytes")?
                        .parse::<usize>()
                        .map_err(|e| format!("--body-budget-bytes: {e}"))?,
                )
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let dist = dist.ok_or("--dist is required")?;
    let mut adt = adt_config(adt_off, suffixes, emulator)?;
    match (&mut adt, body_budget) {
        (Some(adt), Some(budget)) => adt.body_budget = budget,
        (None, Some(_)) => {
            return Err("--body-budget-bytes needs the pass-through (not --adt-off)".into());
        }
        _ => {}
    }
    Ok(GatewayConfig {
        dist,
        config_json,
        addr: SocketAddr::new(ip, port),
        adt,
        limits: ServerLimits::default(),
        hsts,
    })
}

/// On by default (https to the real hosts); `--adt-off` contradicts the other ADT options.
fn adt_config(
    off: bool,
    suffixes: Vec<String>,
    emulator: Option<String>,
) -> Result<Option<AdtPassThrough>, String> {
    if off {
        if !suffixes.is_empty() || emulator.is_some() {
            return Err("--adt-off cannot be combined with --adt-suffix or --adt-upstream".into());
        }
        return Ok(None);
    }
    let upstream = match emulator {
        Some(base) => Upstream::Emulator {
            base: base.trim_end_matches('/').to_owned(),
        },
        None => Upstream::https(),
    };
    let mut adt = AdtPassThrough::new(upstream);
    adt.allowed_suffixes = if suffixes.is_empty() {
        vec![DEFAULT_ADT_SUFFIX.to_owned()]
    } else {
        suffixes
    };
    Ok(Some(adt))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        // A person watching: readable lines.
        tracing_subscriber::fmt().with_env_filter(filter).init();
    } else {
        // A log collector: one flat JSON object per line.
        twinscope_gateway::json_log_format()
            .with_env_filter(filter)
            .init();
    }
    let config = match parse_args() {
        Ok(c) => c,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("twinscope-gateway: {message}");
            }
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let adt_summary = match &config.adt {
        None => "ADT pass-through off".to_owned(),
        Some(adt) => {
            let target = match &adt.upstream {
                Upstream::Emulator { base } => format!("{base}/adt/{{host}}/…"),
                Upstream::Https { .. } => "https://{host}/…".to_owned(),
            };
            format!(
                "/adt/{{host}}/… → {target} for hosts under {}; request bodies held at once: at most {} bytes",
                adt.allowed_suffixes.join(", "),
                adt.body_budget
            )
        }
    };
    // Watched before the gateway says it serves: a stop sent as soon as it does must find the
    // handlers in place (until then SIGTERM's default action ends the process at once).
    let stop = StopSignals::watch();
    let gateway = match start(config).await {
        Ok(g) => g,
        Err(e) => {
            eprintln!("twinscope-gateway: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("twinscope-gateway serving on {}", gateway.base_url());
    eprintln!("twinscope-gateway: {adt_summary}");
    stop.requested().await;
    eprintln!("twinscope-gateway: stopping; finishing the requests in flight");
    gateway.stop().await;
    std::process::ExitCode::SUCCESS
}

/// Ctrl-C (SIGINT), or SIGTERM (what container runtimes and service managers send).
enum StopSignals {
    Both {
        interrupt: tokio::signal::unix::Signal,
        terminate: tokio::signal::unix::Signal,
    },
    /// The handlers could not be installed; Ctrl-C is watched the plain way.
    CtrlC,
}

impl StopSignals {
    /// Installs the handlers now (a `tokio::signal` future installs its own only when
    /// first polled).
    fn watch() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(interrupt), Ok(terminate)) => Self::Both {
                interrupt,
                terminate,
            },
            (Err(e), _) | (_, Err(e)) => {
                eprintln!(
                    "twinscope-gateway: cannot watch for SIGTERM ({e}); Ctrl-C still stops it"
                );
                Self::CtrlC
            }
        }
    }

    async fn requested(self) {
        match self {
            Self::Both {
                mut interrupt,
                mut terminate,
            } => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            Self::CtrlC => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}
