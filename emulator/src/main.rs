//! `twinscope-emulator [--port N] [--bind ADDR] [--public-url URL] [--directory FILE]
//! [--instances FILE] [--data-dir DIR | --in-memory] [--scale N] [--spa-redirect-uri URI]...`:
//! serves the emulator until Ctrl-C. ADT data is durable by default, in
//! `target/emulator-data` under the current directory.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use twinscope_emulator::{Options, banner, dev_accounts, start};

/// Where ADT instances keep their data unless told otherwise (relative to the current directory).
const DEFAULT_DATA_DIR: &str = "target/emulator-data";

const USAGE: &str = "usage: twinscope-emulator [--port N] [--bind ADDR] [--public-url URL] [--directory FILE] [--instances FILE] [--data-dir DIR | --in-memory] [--scale N] [--spa-redirect-uri URI]...\n\
    \n  --port N                port to listen on (default 8480; 0 picks a free one)\
    \n  --bind ADDR             address to listen on (default 127.0.0.1; the emulator is for this machine only)\
    \n  --public-url URL        URL browsers use to reach it, the token issuer host (default http://localhost:{port})\
    \n  --directory FILE        directory seed to load instead of the built-in emulator/seed/directory.json\
    \n  --instances FILE        subscriptions and ADT instances to load instead of the built-in emulator/seed/instances.json\
    \n  --data-dir DIR          where ADT instances keep their data (default target/emulator-data; seeded on first start only)\
    \n  --in-memory             keep ADT data in memory only (fresh seed every start)\
    \n  --scale N               seed campus instances with about N twins (benchmarks; needs a fresh data dir or --in-memory)\
    \n  --spa-redirect-uri URI  register one more SPA redirect URI on the twinscope app (repeatable)";

fn parse_args() -> Result<Options, String> {
    let mut port: u16 = 8480;
    let mut ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut public_url = None;
    let mut directory = None;
    let mut extra_spa_redirect_uris = Vec::new();
    let mut data_dir = Some(PathBuf::from(DEFAULT_DATA_DIR));
    let mut in_memory = false;
    let mut instances = None;
    let mut scale = None;
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
            "--public-url" => public_url = Some(value("--public-url")?),
            "--directory" => directory = Some(PathBuf::from(value("--directory")?)),
            "--spa-redirect-uri" => extra_spa_redirect_uris.push(value("--spa-redirect-uri")?),
            "--instances" => instances = Some(PathBuf::from(value("--instances")?)),
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--in-memory" => in_memory = true,
            "--scale" => {
                scale = Some(
                    value("--scale")?
                        .parse()
                        .map_err(|e| format!("--scale: {e}"))?,
                )
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Options {
        addr: SocketAddr::new(ip, port),
        // Port 0: the bound address is only known later, so the bound URL is the public one.
        public_url: public_url.or_else(|| (port != 0).then(|| format!("http://localhost:{port}"))),
        directory,
        extra_spa_redirect_uris,
        data_dir: if in_memory { None } else { data_dir },
        instances,
        scale,
        ..Options::default()
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("twinscope-emulator: {message}");
            }
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let addr = options.addr;
    let data_dir = options.data_dir.clone();
    let emulator = match start(options).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("twinscope-emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("{}", banner(emulator.base_url()));
    match &data_dir {
        Some(dir) => eprintln!(
            "ADT data: {} (start with --in-memory to keep nothing)",
            dir.display()
        ),
        None => eprintln!("ADT data: in memory only"),
    }
    if emulator.public_url() != emulator.base_url() {
        eprintln!("Public URL (token issuer host): {}", emulator.public_url());
    }
    eprintln!("\n{}", dev_accounts(&emulator));
    if !addr.ip().is_loopback() {
        eprintln!("WARNING: listening on {addr}, which other machines may reach.");
    }
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("twinscope-emulator: stopping");
    emulator.stop().await;
    std::process::ExitCode::SUCCESS
}
