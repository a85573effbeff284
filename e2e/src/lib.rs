//! Headless Chromium over WebDriver, for the end-to-end tests and `cargo xtask bench`.
//!
//! Each [`Browser`] starts its own `chromedriver` on a free loopback port with a fresh
//! profile, so tests run in parallel and share nothing. Pages are found the way people
//! find them: by ARIA role and accessible name (computed by Chromium, not guessed).

pub mod a11y;
pub mod bench;
pub mod deploy;
pub mod pages;
pub mod peer;
pub mod person;
pub mod problems;
pub mod raw_http;
pub mod sizes;
pub mod stack;
pub mod transfer_page;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};

/// How long a page may take to show what a test waits for (wasm compile included).
pub const WAIT: Duration = Duration::from_secs(30);

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The release build to test, from `TWINSCOPE_DIST` (set by `cargo xtask test`).
pub fn release_dist() -> PathBuf {
    match std::env::var_os("TWINSCOPE_DIST") {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "TWINSCOPE_DIST is not set: the end-to-end tests run against a release build; \
             run them with `cargo xtask test`, or build the split bundle with `cargo xtask build` \
             and set TWINSCOPE_DIST to its dist directory (target/release-bundle/dist)"
        ),
    }
}

/// A free loopback port (bound by the server afterwards).
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// A `chromedriver` process; killed when dropped.
#[derive(Debug)]
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Result<Self> {
        let binary = env_or("CHROMEDRIVER", "/usr/bin/chromedriver");
        let mut last_error = None;
        for _ in 0..5 {
            let port = free_port()?;
            let child = Command::new(&binary)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot run {binary}: {e} (run `cargo xtask setup`)"))?;
            let driver = Self {
                child,
                url: format!("http://127.0.0.1:{port}"),
            };
            match driver.wait_ready().await {
                Ok(()) => return Ok(driver),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| "chromedriver did not start".into()))
    }

    async fn wait_ready(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr = self.url.trim_start_matches("http://").to_owned();
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("chromedriver did not listen on {addr}").into())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One headless Chromium session with a fresh profile.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    profile: tempfile::TempDir,
    _driver: Driver,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        Self::start_with_args(&[]).await
    }

    /// Like [`Browser::start`], with extra Chromium switches (e.g. for a bench page served
    /// over a self-signed certificate: `--ignore-certificate-errors`).
    pub async fn start_with_args(extra: &[&str]) -> Result<Self> {
        let driver = Driver::start().await?;
        let profile = tempfile::tempdir()?;
        let chromium = env_or("CHROME_BIN", "/usr/bin/chromium");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await?;
        Ok(Self {
            client,
            profile,
            _driver: driver,
        })
    }

    /// The session's fresh profile directory (on every Chromium process's command line).
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        Ok(self.client.goto(url).await?)
    }

    /// One Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute`.
    pub async fn cdp(&self, cmd: &'static str, params: Value) -> Result<Value> {
        Ok(self.client.issue_cmd(Cdp { cmd, params }).await?)
    }

    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, Vec::new()).await?)
    }

    /// Waits until `script` returns something other than `null`/`false`, and returns it.
    pub async fn wait_for_script(&self, script: &str, what: &str) -> Result<Value> {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.eval(script).await?;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out after {WAIT:?} waiting for {what}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element with this ARIA role whose accessible name is `name`, waiting for it to
    /// appear. Role and name come from Chromium's accessibility tree.
    pub async fn find_by_role(&self, role: &str, name: &str) -> Result<Element> {
        let selector = candidates_for_role(role);
        let deadline = Instant::now() + WAIT;
        loop {
            let mut seen = Vec::new();
            for element in self.client.find_all(Locator::Css(selector)).await? {
                let (computed_role, label) = match (
                    self.computed(&element, "computedrole").await,
                    self.computed(&element, "computedlabel").await,
                ) {
                    (Ok(r), Ok(l)) => (r, l),
                    // The element went away while we looked: the page is still changing.
                    _ => continue,
                };
                if computed_role == role && label == name {
                    return Ok(element);
                }
                seen.push(format!("{computed_role} {label:?}"));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no {role} named {name:?} after {WAIT:?}; found: [{}]",
                    seen.join(", ")
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn computed(&self, element: &Element, what: &'static str) -> Result<String> {
        let value = self
            .client
            .issue_cmd(ComputedProperty {
                element: element.element_id().to_string(),
                what,
            })
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.client.screenshot().await?)?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        Ok(self.client.clone().close().await?)
    }
}

/// A test that panics drops its `Browser` without `close`: chromedriver is killed, but the
/// Chromium it started is not its to take along and kept spinning (seen as renderers at 20 %
/// CPU each, slowing every later test and bench). So every process started with this
/// session's profile directory goes too.
impl Drop for Browser {
    fn drop(&mut self) {
        kill_processes_naming(&self.profile.path().display().to_string());
    }
}

/// Sends SIGKILL to every process whose command line contains `needle` (Linux `/proc`).
fn kill_processes_naming(needle: &str) {
    let pids = processes_naming(needle);
    if !pids.is_empty() {
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(pids.iter().map(u32::to_string))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The processes (other than this one) whose command line contains `needle`.
pub fn processes_naming(needle: &str) -> Vec<u32> {
    let own = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != own)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmd| String::from_utf8_lossy(&cmd).contains(needle))
        })
        .collect()
}

fn candidates_for_role(role: &str) -> &'static str {
    match role {
        "main" => "main, [role=main]",
        "heading" => "h1, h2, h3, h4, h5, h6, [role=heading]",
        "button" => "button, [role=button], input[type=button], input[type=submit]",
        "link" => "a[href], [role=link]",
        "alert" => "[role=alert]",
        "navigation" => "nav, [role=navigation]",
        "listitem" => "li, [role=listitem]",
        "textbox" => "input, textarea, [role=textbox]",
        "status" => "[role=status]",
        // An input with a `list` (datalist) is a combobox in Chromium's tree.
        "combobox" => "select, input[list], [role=combobox]",
        "checkbox" => "input[type=checkbox], [role=checkbox]",
        "grid" => "table, [role=grid]",
        "row" => "tr, [role=row]",
        "dialog" | "alertdialog" => "dialog, [role=dialog], [role=alertdialog]",
        "complementary" => "aside, [role=complementary]",
        _ => "*",
    }
}

/// chromedriver's pass-through to the Chrome DevTools Protocol.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// WebDriver's "Get Computed Role" / "Get Computed Label".
#[derive(Debug)]
struct ComputedProperty {
    element: String,
    what: &'static str,
}

impl WebDriverCompatibleCommand for ComputedProperty {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!(
            "session/{session}/element/{}/{}",
            self.element, self.what
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::GET, None)
    }
}
