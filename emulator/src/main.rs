//! `twinscope-emulator [--port N] [--bind ADDR]`: serves the emulator until Ctrl-C.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use twinscope_emulator::{Options, banner, start};

const USAGE: &str = "usage: twinscope-emulator [--port N] [--bind ADDR]\n\
    \n  --port N     port to listen on (default 8480; 0 picks a free one)\
    \n  --bind ADDR  address to listen on (default 127.0.0.1; the emulator is for this machine only)";

fn parse_args() -> Result<SocketAddr, String> {
    let mut port: u16 = 8480;
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
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
    Ok(SocketAddr::new(ip, port))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let addr = match parse_args() {
        Ok(addr) => addr,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("twinscope-emulator: {message}");
            }
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let emulator = match start(Options {
        addr,
        ..Options::default()
    })
    .await
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("twinscope-emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("{}", banner(emulator.base_url()));
    if !addr.ip().is_loopback() {
        eprintln!("WARNING: listening on {addr}, which other machines may reach.");
    }
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("twinscope-emulator: stopping");
    emulator.stop().await;
    std::process::ExitCode::SUCCESS
}
