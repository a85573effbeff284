//! `twinscope-gateway --dist DIR [--config-json FILE] [--port N] [--bind ADDR]
//!  [--adt-suffix SUFFIX]... [--adt-upstream http://HOST:PORT | --adt-off]`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use twinscope_gateway::adt::DEFAULT_ADT_SUFFIX;
use twinscope_gateway::{AdtPassThrough, GatewayConfig, ServerLimits, Upstream, start};

const USAGE: &str = "usage: twinscope-gateway --dist DIR [--config-json FILE] [--port N] [--bind ADDR]\n\
    \x20      [--adt-suffix SUFFIX]... [--adt-upstream URL | --adt-off]\n\
    \n  --dist DIR           the built SPA (Trunk's dist directory)\
    \n  --config-json FILE   serve /config.json from FILE instead of DIR/config.json\
    \n  --port N             port to listen on (default 8080)\
    \n  --bind ADDR          address to listen on (default 127.0.0.1)\
    \n  --adt-suffix SUFFIX  forward /adt/{host}/... only to hosts under SUFFIX (repeatable;\
    \n                       default .digitaltwins.azure.net)\
    \n  --adt-upstream URL   forward to the local emulator at URL (http://127.0.0.1:8480)\
    \n                       instead of https://{host}\
    \n  --adt-off            no pass-through: /adt/... answers 404";

fn parse_args() -> Result<GatewayConfig, String> {
    let mut dist = None;
    let mut config_json = None;
    let mut port: u16 = 8080;
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut suffixes = Vec::new();
    let mut emulator = None;
    let mut adt_off = false;
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
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let dist = dist.ok_or("--dist is required")?;
    let adt = adt_config(adt_off, suffixes, emulator)?;
    Ok(GatewayConfig {
        dist,
        config_json,
        addr: SocketAddr::new(ip, port),
        adt,
        limits: ServerLimits::default(),
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
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
                "/adt/{{host}}/… → {target} for hosts under {}",
                adt.allowed_suffixes.join(", ")
            )
        }
    };
    let gateway = match start(config).await {
        Ok(g) => g,
        Err(e) => {
            eprintln!("twinscope-gateway: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("twinscope-gateway serving on {}", gateway.base_url());
    eprintln!("twinscope-gateway: {adt_summary}");
    let _ = tokio::signal::ctrl_c().await;
    gateway.stop().await;
    std::process::ExitCode::SUCCESS
}
