//! `cargo xtask dev`: the local emulator plus `trunk serve`, until Ctrl-C.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::process::{http_get, http_status, port_in_use, run_visible, stop};

/// The emulator's port during development unless `--emulator-port` says otherwise;
/// `public/config.json` names it as the authority, and `trunk serve` proxies `/adt/` to it.
pub const EMULATOR_PORT: u16 = 8480;
pub const DEFAULT_APP_PORT: u16 = 8080;
/// The emulator origin `public/config.json` and `index.html`'s CSP name.
pub const DEFAULT_EMULATOR_ORIGIN: &str = "http://localhost:8480";
/// Set for `trunk serve` when the emulator is elsewhere: the post-build hook then writes this
/// origin into the staged `config.json` and the page's `connect-src`.
pub const EMULATOR_ORIGIN_ENV: &str = "TWINSCOPE_DEV_EMULATOR_ORIGIN";

#[derive(Debug)]
struct Options {
    port: u16,
    emulator_port: u16,
    in_memory: bool,
    setup: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        port: DEFAULT_APP_PORT,
        emulator_port: EMULATOR_PORT,
        in_memory: false,
        setup: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" | "--emulator-port" => {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                let port = value.parse().map_err(|e| format!("{arg} {value}: {e}"))?;
                if arg == "--port" {
                    options.port = port;
                } else {
                    options.emulator_port = port;
                }
            }
            "--in-memory" => options.in_memory = true,
            "--no-setup" => options.setup = false,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (try --port N, --emulator-port N, --in-memory, --no-setup)"
                ));
            }
        }
    }
    Ok(options)
}

/// `port`, or a free loopback port for 0.
fn resolve_port(port: u16) -> Result<u16, String> {
    if port != 0 {
        return Ok(port);
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("target"))
}

/// The running pair; both are stopped when this is dropped.
struct Stack {
    emulator: Child,
    trunk: Child,
}

impl Drop for Stack {
    fn drop(&mut self) {
        stop(&mut self.trunk, "trunk serve");
        stop(&mut self.emulator, "the emulator");
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut options = parse(args)?;
    if options.setup {
        crate::setup::run()?;
    }
    options.port = resolve_port(options.port)?;
    options.emulator_port = resolve_port(options.emulator_port)?;
    if options.port == options.emulator_port {
        return Err(format!(
            "the app and the emulator cannot share port {}",
            options.port
        ));
    }
    for (port, what) in [
        (options.emulator_port, "the emulator"),
        (options.port, "the app"),
    ] {
        if port_in_use(port) {
            return Err(format!(
                "port {port} (for {what}) is already in use; is another `cargo xtask dev` running? Stop it, or pick another app port with --port"
            ));
        }
    }

    let stopping = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopping);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;

    let root = crate::root();
    let mut build = Command::new("cargo");
    build
        .current_dir(&root)
        .args(["build", "--package", "twinscope-emulator"]);
    run_visible(build)?;
    let emulator_bin = target_dir().join("debug").join("twinscope-emulator");
    let mut emulator = Command::new(&emulator_bin);
    emulator.args(["--port", &options.emulator_port.to_string()]);
    if options.in_memory {
        emulator.arg("--in-memory");
    }
    if options.port != DEFAULT_APP_PORT {
        // The app registration lists port 8080; sign-in elsewhere needs the exact URI too.
        for host in ["localhost", "127.0.0.1"] {
            emulator.args([
                "--spa-redirect-uri",
                &format!("http://{host}:{}/", options.port),
            ]);
        }
    }
    let emulator = emulator
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", emulator_bin.display()))?;
    let mut trunk = Command::new("trunk");
    trunk
        .current_dir(&root)
        .args(["serve", "--offline", "--port", &options.port.to_string()]);
    // `/adt/` to the emulator, never following a redirect (a bearer must not follow one).
    trunk.args([
        "--proxy-backend",
        &format!("http://127.0.0.1:{}/adt/", options.emulator_port),
        "--proxy-no-redirect",
    ]);
    if options.emulator_port != EMULATOR_PORT {
        // The post-build hook writes this origin into the staged config.json and CSP.
        trunk.env(
            EMULATOR_ORIGIN_ENV,
            format!("http://localhost:{}", options.emulator_port),
        );
    }
    let trunk = match trunk.spawn() {
        Ok(trunk) => trunk,
        Err(e) => {
            let mut emulator = emulator;
            stop(&mut emulator, "the emulator");
            return Err(format!("cannot start trunk: {e} (run `cargo xtask setup`)"));
        }
    };
    let mut stack = Stack { emulator, trunk };

    let started = Instant::now();
    let mut announced = false;
    let mut last_note = Instant::now();
    while !stopping.load(Ordering::SeqCst) {
        if let Ok(Some(status)) = stack.emulator.try_wait() {
            return Err(format!("the emulator stopped unexpectedly ({status})"));
        }
        if let Ok(Some(status)) = stack.trunk.try_wait() {
            return Err(format!("trunk serve stopped unexpectedly ({status})"));
        }
        if !announced && http_status(options.port, "/") == Some(200) {
            announced = true;
            print_banner(options.port, options.emulator_port);
        } else if !announced && last_note.elapsed() > Duration::from_secs(30) {
            last_note = Instant::now();
            eprintln!(
                "dev: still building the app ({}s)…",
                started.elapsed().as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!("\ndev: stopping trunk and the emulator");
    drop(stack);
    eprintln!("dev: stopped");
    Ok(())
}

fn print_banner(port: u16, emulator_port: u16) {
    let accounts = match http_get(emulator_port, "/dev/accounts") {
        Some((200, list)) => list
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>(),
        _ => "    (the emulator did not list them; see its output above)\n".to_owned(),
    };
    println!(
        "\n  twinscope is running on the local emulator\n\n\
         \x20 open      http://localhost:{port}/\n\
         \x20 emulator  http://localhost:{emulator_port}/  (local stand-in for Entra ID, Resource Manager and Digital Twins)\n\n\
         \x20 test accounts (development passwords, for this emulator only):\n{accounts}\n\
         \x20 Edit src/ or style/ and reload the page after Trunk rebuilds. Ctrl-C stops both servers.\n"
    );
}
