//! `twinscope-gateway --dist DIR [--config-json FILE] [--port N] [--bind ADDR]`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use twinscope_gateway::{GatewayConfig, start};

const USAGE: &str = "usage: twinscope-gateway --dist DIR [--config-json FILE] [--port N] [--bind ADDR]\n\
    \n  --dist DIR          the built SPA (Trunk's dist directory)\
    \n  --config-json FILE  serve /config.json from FILE instead of DIR/config.json\
    \n  --port N            port to listen on (default 8080)\
    \n  --bind ADDR         address to listen on (default 127.0.0.1)";

fn parse_args() -> Result<GatewayConfig, String> {
    let mut dist = None;
    let mut config_json = None;
    let mut port: u16 = 8080;
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
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
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let dist = dist.ok_or("--dist is required")?;
    Ok(GatewayConfig {
        dist,
        config_json,
        addr: SocketAddr::new(ip, port),
    })
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
    let gateway = match start(config).await {
        Ok(g) => g,
        Err(e) => {
            eprintln!("twinscope-gateway: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("twinscope-gateway serving on {}", gateway.base_url());
    let _ = tokio::signal::ctrl_c().await;
    gateway.stop().await;
    std::process::ExitCode::SUCCESS
}
