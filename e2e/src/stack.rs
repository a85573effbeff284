//! The whole system for one test: the emulator (identity, ARM, ADT) in process, and the
//! release build behind our gateway, whose `/adt` path forwards to the emulator. The app's
//! origin is registered as a SPA redirect URI, exactly as a deployment registers its own.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use twinscope_emulator::adt::Instance;
use twinscope_emulator::{Options, RunningEmulator};
use twinscope_gateway::adt::{AdtPassThrough, Upstream};
use twinscope_gateway::{GatewayConfig, RunningGateway};

use crate::{Result, release_dist};

pub const CLIENT_ID: &str = "8f2b6a51-4c3d-4e7f-9a1b-2c5d7e9f0a13";
pub const CONTOSO: &str = "9e16b21b-807b-43e3-95d5-439af2c3b46b";
pub const FABRIKAM: &str = "9cfa42f1-3911-49e1-a538-13453e29a36b";
pub const NORTHWIND: &str = "78a7b6ec-07a9-4ba3-bb89-a447861cace4";
/// Contoso's seeded campus instance (the emulator's built-in seed).
pub const CAMPUS: &str = "contoso-campus.api.weu.digitaltwins.azure.net";

/// A running emulator and gateway.
pub struct Stack {
    pub emulator: RunningEmulator,
    pub gateway: RunningGateway,
    _scratch: tempfile::TempDir,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("app", &self.gateway.base_url())
            .field("emulator", &self.emulator.base_url())
            .finish()
    }
}

fn free_addr() -> Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

impl Stack {
    /// Starts both; `config` fields are merged over the generated `config.json`.
    pub async fn start(config: Value) -> Result<Self> {
        Self::start_with(config, Options::default()).await
    }

    /// The app's address must be known before the emulator starts (it is a registered
    /// redirect URI), so it is picked free first and bound by the gateway afterwards; if
    /// another process took the port in between, everything starts again on a new one.
    /// A stack whose access tokens are issued near their end (4 minutes), so the app renews
    /// one before every request, as an hour after signing in: a session the identity platform
    /// ended shows at the next request.
    pub async fn start_renewing_before_every_request() -> Result<Self> {
        let stack = Self::start(json!({})).await?;
        stack
            .emulator
            .identity()
            .set_access_token_lifetime(Some(240));
        Ok(stack)
    }

    pub async fn start_with(config: Value, options: Options) -> Result<Self> {
        const ATTEMPTS: usize = 3;
        let mut attempt = 1;
        loop {
            match Self::start_once(&config, options.clone()).await {
                Err(e) if attempt < ATTEMPTS && port_taken(e.as_ref()) => {
                    eprintln!("the app's port was taken before the gateway bound it ({e}); again");
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn start_once(config: &Value, mut options: Options) -> Result<Self> {
        let app_addr = free_addr()?;
        let app_origin = format!("http://{app_addr}");
        options
            .extra_spa_redirect_uris
            .push(format!("{app_origin}/"));
        let emulator = twinscope_emulator::start(options).await?;
        let mut merged = json!({
            "clientId": CLIENT_ID,
            "authority": format!("{}/organizations", emulator.base_url()),
            "armEndpoint": emulator.base_url(),
        });
        if let (Some(target), Some(extra)) = (merged.as_object_mut(), config.as_object()) {
            for (k, v) in extra {
                target.insert(k.clone(), v.clone());
            }
        }
        let scratch = tempfile::tempdir()?;
        let config_path = scratch.path().join("config.json");
        std::fs::write(&config_path, merged.to_string())?;
        let mut gateway_config = GatewayConfig::new(release_dist());
        gateway_config.addr = app_addr;
        gateway_config.config_json = Some(config_path);
        gateway_config.adt = Some(AdtPassThrough::new(Upstream::Emulator {
            base: emulator.base_url().to_owned(),
        }));
        let gateway = twinscope_gateway::start(gateway_config).await?;
        Ok(Self {
            emulator,
            gateway,
            _scratch: scratch,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base_url())
    }

    /// The campus instance inside the emulator (its store is the truth the UI must reach).
    pub fn campus(&self) -> &Instance {
        self.emulator
            .adt()
            .instance(CAMPUS)
            .expect("the campus instance is seeded")
    }

    /// Twin `id` of the campus as the emulator stores it now.
    pub fn stored_twin(&self, id: &str) -> Option<Value> {
        self.campus().store().state.twins.get(id).cloned()
    }

    /// The campus's first seeded relationship called `name`: (source, relationship id,
    /// target).
    pub fn seeded_relationship(&self, name: &str) -> (String, String, String) {
        let store = self.campus().store();
        let ((source, id), rel) = store
            .state
            .relationships
            .iter()
            .find(|(_, r)| r["$relationshipName"] == name)
            .unwrap_or_else(|| panic!("a seeded {name} relationship"));
        (
            source.clone(),
            id.clone(),
            rel["$targetId"].as_str().unwrap().to_owned(),
        )
    }

    /// Relationship `id` of `source` in the campus as the emulator stores it now.
    pub fn stored_relationship(&self, source: &str, id: &str) -> Option<Value> {
        self.campus()
            .store()
            .state
            .relationships
            .get(&(source.to_owned(), id.to_owned()))
            .cloned()
    }
}

/// Whether `error` is the gateway failing to bind a port someone else took.
fn port_taken(error: &(dyn std::error::Error + 'static)) -> bool {
    match error.downcast_ref::<twinscope_gateway::StartError>() {
        Some(twinscope_gateway::StartError::Bind { source, .. }) => {
            source.kind() == std::io::ErrorKind::AddrInUse
        }
        _ => false,
    }
}

/// A plain static server for a dist directory (SPA fallback, no policy computed from the
/// config): for tests of what the app does with a config.json the gateway would refuse.
pub struct StaticSite {
    pub base_url: String,
    _task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for StaticSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base_url)
    }
}

impl StaticSite {
    pub async fn serve(dist: &Path) -> Result<Self> {
        use axum::http::{StatusCode, Uri};
        use axum::response::{Html, IntoResponse};
        use tower_http::services::ServeDir;
        let index = std::fs::read_to_string(dist.join("index.html"))?;
        // Like the gateway: a missing file (a name with an extension) is a 404; any other
        // path is an app route and gets index.html.
        let fallback = move |uri: Uri| {
            let index = index.clone();
            async move {
                let last = uri.path().rsplit('/').next().unwrap_or_default();
                if last.contains('.') {
                    StatusCode::NOT_FOUND.into_response()
                } else {
                    Html(index).into_response()
                }
            }
        };
        let service = ServeDir::new(dist).fallback(
            axum::handler::HandlerWithoutStateExt::into_service(fallback),
        );
        let app = axum::Router::new().fallback_service(service);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            base_url,
            _task: task,
        })
    }
}

/// A copy of `from` without the entries whose names start with `skip`.
pub fn copy_dir_without(from: &Path, to: &Path, skip: &str) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_str().is_some_and(|n| n.starts_with(skip)) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir_without(&entry.path(), &to.join(&name), skip)?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Where tests put screenshots for the README.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// `cargo xtask dev` as a developer runs it (the emulator binary and `trunk serve` with a
/// debug build), on free ports and with an in-memory emulator. Stopped (Ctrl-C, as a person
/// stops it) when dropped.
pub struct DevStack {
    pub app_port: u16,
    pub emulator_port: u16,
    child: std::process::Child,
    log: PathBuf,
}

impl std::fmt::Debug for DevStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevStack")
            .field("app_port", &self.app_port)
            .field("emulator_port", &self.emulator_port)
            .finish()
    }
}

impl DevStack {
    /// How long the first `trunk serve` build may take on a cold target directory.
    pub const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20 * 60);

    /// Starts `cargo xtask dev --no-setup --in-memory --port P --emulator-port Q` on two free
    /// ports and waits until the app, its `config.json` and the emulator answer.
    pub async fn start() -> Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("the e2e crate has no parent directory")?
            .to_owned();
        let app_port = crate::free_port()?;
        let emulator_port = loop {
            let port = crate::free_port()?;
            if port != app_port {
                break port;
            }
        };
        let log = std::env::temp_dir().join(format!("twinscope-dev-stack-{app_port}.log"));
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let child = std::process::Command::new(cargo)
            .current_dir(&root)
            .args(["run", "--quiet", "--package", "xtask", "--", "dev"])
            .args(["--no-setup", "--in-memory"])
            .args(["--port", &app_port.to_string()])
            .args(["--emulator-port", &emulator_port.to_string()])
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()?;
        let mut stack = Self {
            app_port,
            emulator_port,
            child,
            log,
        };
        stack.wait_ready().await?;
        Ok(stack)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.app_port)
    }

    pub fn emulator_origin(&self) -> String {
        format!("http://localhost:{}", self.emulator_port)
    }

    /// What `cargo xtask dev` printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let deadline = std::time::Instant::now() + Self::READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(
                    format!("`cargo xtask dev` exited early ({status}):\n{}", self.log()).into(),
                );
            }
            let app = http_status(self.app_port, "/").await;
            let config = http_status(self.app_port, "/config.json").await;
            let emulator = http_status(self.emulator_port, "/dev/accounts").await;
            if (app, config, emulator) == (Some(200), Some(200), Some(200)) {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "the dev stack did not serve http://localhost:{}/ within {:?}:\n{}",
                    self.app_port,
                    Self::READY_TIMEOUT,
                    self.log()
                )
                .into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }
}

impl Drop for DevStack {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        // Ctrl-C, as a person stops it: `xtask dev` then stops trunk and the emulator.
        let _ = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::time::Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status of `GET path` on a loopback port, if anything answers within 5 s.
async fn http_status(port: u16, path: &str) -> Option<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let answer = crate::raw_http::raw_request(addr, "GET", path, &[]);
    match tokio::time::timeout(std::time::Duration::from_secs(5), answer).await {
        Ok(Ok(response)) => Some(response.status),
        _ => None,
    }
}
