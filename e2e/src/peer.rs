//! The peer page: `@azure/msal-browser` (from npm) doing the same sign-in against the same
//! emulator, so the benchmark report can put its figures beside twinscope's.
//!
//! **The page** (`e2e/peer/`): `src/main.js` fetches `/config.json` from its own origin (as
//! twinscope does), creates a `PublicClientApplication` (authority
//! `{emulator}/organizations` listed in `knownAuthorities`, so no instance-discovery call to
//! login.microsoftonline.com; redirect URI `{origin}/`; `sessionStorage` cache), awaits
//! `handleRedirectPromise()`, and either offers a "Sign in" button
//! (`loginRedirect({ scopes: ["openid", "profile", "offline_access"] })`) or shows the
//! account's username in `<p id="signed-in">`. [`build`] runs `npm ci` (skipped while
//! `node_modules` matches `package-lock.json`) and `esbuild --bundle --minify --format=esm`
//! into `dist/peer.js` beside a plain `index.html`.
//!
//! **What is measured** by [`measure`]:
//! - *payload*: the bytes of `dist/` (`peer.js` and `index.html`), raw and gzip level 9, by
//!   [`crate::sizes::measure`], the same count as twinscope's bundle. `config.json` is not
//!   counted (nor is twinscope's).
//! - *requests after redirect*: on the document the emulator redirects back to with the
//!   authorization code, `performance.getEntriesByType('navigation').length +
//!   performance.getEntriesByType('resource').length`, read once the username is shown. That is
//!   the document itself, `peer.js`, `config.json` and MSAL's own calls (discovery, token), as
//!   the browser's Resource Timing records them: CORS preflights and requests made by earlier
//!   documents (the sign-in page) are not included. The same expression counts twinscope's.
//! - *signed in*: `performance.now()` on that document when the username is rendered, i.e.
//!   milliseconds from its navigation start (the redirect back) to signed in, code redemption
//!   included.
//!
//! Each run uses a fresh headless Chromium profile, so nothing is cached between runs. MSAL.js
//! refuses a non-https authority, so the emulator sits behind a TLS front (a self-signed
//! certificate for 127.0.0.1, accepted with `--ignore-certificate-errors`) and publishes its
//! `https` origin as issuer; the peer page itself is served over plain http on loopback, like
//! twinscope in its bench. TLS adds handshakes on the emulator's connections only.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use twinscope_emulator::{Options, RunningEmulator};

use crate::pages::EmulatorSignIn;
use crate::sizes::{self, BundleSizes};
use crate::stack::{CLIENT_ID, StaticSite};
use crate::{Browser, Result};

/// The account the peer signs in with (a Contoso member in the seeded directory).
pub const USER: &str = "adele@contoso.onmicrosoft.com";
pub const PASSWORD: &str = "Adele-dev-1";
/// The scopes the peer asks for, as twinscope's sign-in does.
pub const SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// The files of `e2e/peer/` a build needs, relative to it.
const SOURCES: [&str; 4] = [
    "package.json",
    "package-lock.json",
    "index.html",
    "src/main.js",
];
/// Holds the `package-lock.json` that `node_modules` was installed from.
const INSTALL_STAMP: &str = "node_modules/.twinscope-installed-from-lock";
/// The page reads this once signed in, or the error that stopped it.
const OUTCOME_SCRIPT: &str = r#"
if (window.__peerError) return { error: String(window.__peerError) };
if (!window.__peerDone) return null;
const strip = (u) => u.split(/[?#]/)[0];
const navigation = performance.getEntriesByType('navigation');
const resources = performance.getEntriesByType('resource');
return {
  username: document.getElementById('signed-in').textContent,
  signedInMs: window.__peerSignedInMs,
  requests: navigation.length + resources.length,
  urls: navigation.concat(resources).map((e) => strip(e.name)),
};
"#;

/// `e2e/peer/`: the page's sources.
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peer")
}

/// `target/peer/` of the workspace: where [`measure`] builds (`node_modules/`, `dist/`).
pub fn default_work_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/peer")
}

/// Why the peer page could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run `{program}`: {source} (the peer page needs Node.js 20 and npm on PATH)")]
    NoNode {
        program: &'static str,
        source: std::io::Error,
    },
    #[error(
        "`{command}` failed in {} ({status}); the first build downloads packages from the npm registry:\n{output}",
        dir.display()
    )]
    Failed {
        command: String,
        dir: PathBuf,
        status: ExitStatus,
        output: String,
    },
    #[error("{} has no version: {detail}", path.display())]
    NoVersion { path: PathBuf, detail: String },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.to_owned();
    move |source| BuildError::Io {
        action,
        path,
        source,
    }
}

/// A built peer page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerBuild {
    /// `peer.js` and `index.html`, nothing else.
    pub dist: PathBuf,
    /// The installed `@azure/msal-browser` version (from its `package.json`).
    pub msal_version: String,
}

/// Copies the sources into `work`, installs the locked packages unless `node_modules` already
/// matches `package-lock.json` (so it works offline after the first time), and bundles.
pub fn build(work: &Path) -> Result<PeerBuild, BuildError> {
    let source = source_dir();
    for file in SOURCES {
        let to = work.join(file);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io_error("create", parent))?;
        }
        std::fs::copy(source.join(file), &to).map_err(io_error("copy", &source.join(file)))?;
    }
    let lock_path = work.join("package-lock.json");
    let lock = std::fs::read(&lock_path).map_err(io_error("read", &lock_path))?;
    let stamp = work.join(INSTALL_STAMP);
    if std::fs::read(&stamp).ok().as_deref() != Some(lock.as_slice()) {
        run_npm(work, &["ci", "--no-audit", "--no-fund"])?;
        std::fs::write(&stamp, &lock).map_err(io_error("write", &stamp))?;
    }
    let dist = work.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(io_error("remove", &dist))?;
    }
    run_npm(work, &["run", "--silent", "build"])?;
    let index = dist.join("index.html");
    std::fs::copy(work.join("index.html"), &index).map_err(io_error("copy", &index))?;
    Ok(PeerBuild {
        dist,
        msal_version: installed_version(work, "@azure/msal-browser")?,
    })
}

fn run_npm(dir: &Path, args: &[&str]) -> Result<(), BuildError> {
    let output = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|source| BuildError::NoNode {
            program: "npm",
            source,
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(BuildError::Failed {
        command: format!("npm {}", args.join(" ")),
        dir: dir.to_owned(),
        status: output.status,
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

fn installed_version(work: &Path, package: &str) -> Result<String, BuildError> {
    let path = work.join("node_modules").join(package).join("package.json");
    let text = std::fs::read_to_string(&path).map_err(io_error("read", &path))?;
    let manifest: Value = serde_json::from_str(&text).map_err(|e| BuildError::NoVersion {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    manifest["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| BuildError::NoVersion {
            path,
            detail: "no \"version\" string".into(),
        })
}

/// Median, minimum and maximum of several runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

impl Stats {
    /// `None` for no values; the median of an even count is the mean of the middle two.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            runs: n,
        })
    }
}

/// What [`measure`] found (see the module documentation for exactly what each figure is).
#[derive(Debug, Clone, PartialEq)]
pub struct PeerFigures {
    /// The `@azure/msal-browser` version bundled.
    pub msal_version: String,
    /// `peer.js` (in `js`) and `index.html` (in `html`); `wasm` and `css` are zero.
    /// [`BundleSizes::total`] is the whole first load.
    pub payload: BundleSizes,
    /// Navigation plus resource entries of the document returned to after sign-in.
    pub requests_after_redirect: Stats,
    /// Milliseconds from that document's navigation start to the username shown.
    pub signed_in_ms: Stats,
    /// The username the page showed (the last run).
    pub username: String,
    /// The URLs (without query or fragment) those entries name, in order (the last run).
    pub requests_seen: Vec<String>,
}

/// One sign-in as the page saw it.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    username: String,
    requests: f64,
    signed_in_ms: f64,
    urls: Vec<String>,
}

impl Run {
    fn from_outcome(outcome: &Value) -> Result<Self> {
        if let Some(error) = outcome["error"].as_str() {
            return Err(format!("the MSAL peer page failed: {error}").into());
        }
        let number = |name: &str| {
            outcome[name]
                .as_f64()
                .ok_or_else(|| format!("the peer page reported no number {name}: {outcome}"))
        };
        Ok(Self {
            username: outcome["username"].as_str().unwrap_or_default().to_owned(),
            requests: number("requests")?,
            signed_in_ms: number("signedInMs")?,
            urls: outcome["urls"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|u| u.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// Builds the peer page (if needed) in [`default_work_dir`], starts the emulator behind a TLS
/// front and a static server for the page, and signs in `runs` times, each in a fresh browser.
pub async fn measure(runs: usize) -> Result<PeerFigures> {
    if runs == 0 {
        return Err("measure the peer page at least once (runs = 0)".into());
    }
    let work = default_work_dir();
    let built = tokio::task::spawn_blocking(move || build(&work)).await??;
    let payload = sizes::measure(&built.dist)?;
    let rig = Rig::start(&built.dist).await?;
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        all.push(sign_in_once(&rig.site.base_url).await?);
    }
    let Some(last) = all.last().cloned() else {
        return Err("no run finished".into());
    };
    let stats =
        |f: fn(&Run) -> f64| Stats::of(&all.iter().map(f).collect::<Vec<_>>()).ok_or("no runs");
    Ok(PeerFigures {
        msal_version: built.msal_version,
        payload,
        requests_after_redirect: stats(|r| r.requests)?,
        signed_in_ms: stats(|r| r.signed_in_ms)?,
        username: last.username,
        requests_seen: last.urls,
    })
}

async fn sign_in_once(site: &str) -> Result<Run> {
    let browser = Browser::start_with_args(&["--ignore-certificate-errors"]).await?;
    browser.goto(&format!("{site}/")).await?;
    browser
        .find_by_role("button", "Sign in")
        .await?
        .click()
        .await?;
    EmulatorSignIn::expect(&browser)
        .await?
        .sign_in_as(USER, PASSWORD)
        .await?;
    let outcome = browser
        .wait_for_script(
            OUTCOME_SCRIPT,
            "the MSAL peer page to show the signed-in user",
        )
        .await?;
    let run = Run::from_outcome(&outcome)?;
    browser.close().await?;
    if !run.username.eq_ignore_ascii_case(USER) {
        return Err(format!(
            "the peer page shows {:?} signed in, expected {USER}",
            run.username
        )
        .into());
    }
    Ok(run)
}

/// The emulator behind its TLS front, and the peer page on its own loopback origin.
struct Rig {
    site: StaticSite,
    _emulator: RunningEmulator,
    _front: TlsFront,
    _site_dir: tempfile::TempDir,
}

impl Rig {
    async fn start(dist: &Path) -> Result<Self> {
        let tls = TlsListener::bind().await?;
        let authority = format!("{}/organizations", tls.url);
        let site_dir = tempfile::tempdir()?;
        crate::stack::copy_dir_without(dist, site_dir.path(), "config.json")?;
        std::fs::write(
            site_dir.path().join("config.json"),
            peer_config(&authority).to_string(),
        )?;
        let site = StaticSite::serve(site_dir.path()).await?;
        let emulator = twinscope_emulator::start(Options {
            public_url: Some(tls.url.clone()),
            extra_spa_redirect_uris: vec![format!("{}/", site.base_url)],
            ..Options::default()
        })
        .await?;
        let front = tls.forward_to(emulator.addr());
        Ok(Self {
            site,
            _emulator: emulator,
            _front: front,
            _site_dir: site_dir,
        })
    }
}

/// The peer page's `config.json`.
fn peer_config(authority: &str) -> Value {
    json!({ "clientId": CLIENT_ID, "authority": authority })
}

/// A bound loopback port that will terminate TLS (self-signed for 127.0.0.1 and localhost).
struct TlsListener {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    /// `https://127.0.0.1:{port}`.
    url: String,
}

impl TlsListener {
    async fn bind() -> Result<Self> {
        let cert = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])?;
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)?;
        // The emulator speaks HTTP/1.1; the bytes are forwarded unchanged.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("https://{}", listener.local_addr()?);
        Ok(Self {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            url,
        })
    }

    /// Serves: each connection's decrypted bytes go to `upstream` and back.
    fn forward_to(self, upstream: SocketAddr) -> TlsFront {
        let Self {
            listener, acceptor, ..
        } = self;
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let (Ok(mut tls), Ok(mut plain)) = (
                        acceptor.accept(tcp).await,
                        TcpStream::connect(upstream).await,
                    ) else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront { task }
    }
}

/// The forwarding task; stops accepting when dropped.
struct TlsFront {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_the_middle_of_sorted_runs() {
        let check = |values: &[f64], median: f64, min: f64, max: f64| {
            let s = Stats::of(values).unwrap();
            assert_eq!(
                (s.median, s.min, s.max, s.runs),
                (median, min, max, values.len())
            );
        };
        check(&[5.0], 5.0, 5.0, 5.0);
        check(&[9.0, 1.0, 4.0], 4.0, 1.0, 9.0);
        check(&[8.0, 2.0, 4.0, 6.0], 5.0, 2.0, 8.0);
        assert_eq!(Stats::of(&[]), None);
    }

    #[test]
    fn a_page_error_is_reported_not_counted() {
        let error = Run::from_outcome(&json!({ "error": "ClientAuthError: x" })).unwrap_err();
        assert!(error.to_string().contains("ClientAuthError: x"), "{error}");
        let run = Run::from_outcome(&json!({
            "username": USER, "signedInMs": 12.5, "requests": 5, "urls": ["http://a/"]
        }))
        .unwrap();
        assert_eq!((run.requests, run.signed_in_ms), (5.0, 12.5));
        assert_eq!(run.urls, ["http://a/"]);
        assert!(Run::from_outcome(&json!({ "username": USER })).is_err());
    }
}
