//! The twinscope development emulator: a local stand-in for the Microsoft identity platform,
//! Azure Resource Manager and the Azure Digital Twins data plane.
//!
//! It is **not** Microsoft's service and must never be exposed: it binds to loopback by
//! default and says so on start. Each resource is a module with its routes as named
//! constants; [`router`] assembles them and [`start`] serves them on a free port.

pub mod adt;
pub mod arm;
pub mod clock;
pub mod identity;
pub mod instances;
pub mod service;

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use adt::Adt;
pub use adt::store::StoreError;
pub use adt::throttle::Throttle;
pub use clock::Clock;
pub use identity::{Directory, DirectoryError, Identity};
pub use instances::{Instances, InstancesError};
pub use service::{AppState, router};

/// Everything a test or `cargo xtask dev` can choose about an emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    pub clock: Clock,
    /// The URL browsers and the SPA use to reach the emulator (e.g. `http://localhost:8480`):
    /// the issuer host and every URL in discovery. `None`: the bound `http://127.0.0.1:{port}`.
    pub public_url: Option<String>,
    /// A directory seed file to load instead of the built-in `emulator/seed/directory.json`.
    pub directory: Option<PathBuf>,
    /// Extra SPA redirect URIs registered on the twinscope app (the directory's first app),
    /// e.g. a test server's `http://127.0.0.1:{port}/`. Matching stays exact.
    pub extra_spa_redirect_uris: Vec<String>,
    /// Where each ADT instance keeps its write-ahead log (`{dir}/{host}.jsonl`); `None` keeps
    /// everything in memory (tests). Instances are seeded only when they have no log yet.
    pub data_dir: Option<PathBuf>,
    /// An instances seed file to load instead of the built-in `emulator/seed/instances.json`.
    pub instances: Option<PathBuf>,
    /// Seeds instances configured with the campus graph with about this many twins instead.
    pub scale: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            clock: Clock::default(),
            public_url: None,
            directory: None,
            extra_spa_redirect_uris: Vec::new(),
            data_dir: None,
            instances: None,
            scale: None,
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source} (is another emulator already running there?)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Instances(#[from] InstancesError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "public URL '{0}' is not valid: give an absolute http(s) URL with no path, query or fragment, e.g. http://localhost:8480"
    )]
    PublicUrl(String),
}

/// `http(s)://host[:port]`, without a trailing slash.
fn normalise_public_url(raw: &str) -> Result<String, StartError> {
    let bad = || StartError::PublicUrl(raw.to_string());
    let url = url::Url::parse(raw).map_err(|_| bad())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !plain {
        return Err(bad());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    base_url: String,
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:{port}`, no trailing slash: where the server listens.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The public URL (issuer host): `Options::public_url`, else [`Self::base_url`].
    pub fn public_url(&self) -> &str {
        &self.state.base_url
    }

    /// The identity platform's test hooks (`rotate_keys`, `revoke_sessions`) and directory.
    pub fn identity(&self) -> &Identity {
        &self.state.identity
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Azure Digital Twins data plane's test hooks (`set_throttle`, `instance`, `twin_count`).
    pub fn adt(&self) -> &Adt {
        &self.state.adt
    }

    /// The shared state, for tests to reach the clock and the identity platform.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    async fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `options.addr` and serves the emulator in the background.
pub async fn start(options: Options) -> Result<RunningEmulator, StartError> {
    let public_url = options
        .public_url
        .as_deref()
        .map(normalise_public_url)
        .transpose()?;
    let directory = match &options.directory {
        Some(path) => Directory::load(path)?,
        None => Directory::default_seed()?,
    };
    let instances = match &options.instances {
        Some(path) => Instances::load(path, &directory)?,
        None => Instances::default_seed(&directory)?,
    };
    let adt = Adt::open(
        instances,
        options.data_dir.as_deref(),
        options.scale,
        &options.clock,
    )?;
    // Key generation is CPU-bound (once per process; see `identity::keys`).
    let keys_ready = tokio::task::spawn_blocking(identity::keys::warm_up);
    let _ = keys_ready.await;
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: options.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: options.addr,
        source,
    })?;
    let base_url = format!("http://{addr}");
    let public_url = public_url.unwrap_or_else(|| base_url.clone());
    let identity = Identity::new(
        directory,
        public_url.clone(),
        options.clock.clone(),
        &options.extra_spa_redirect_uris,
    );
    let state = AppState::new(public_url, options.clock, identity, adt);
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = served.await {
            tracing::error!("emulator stopped with an error: {e}");
        }
    });
    Ok(RunningEmulator {
        base_url,
        addr,
        state,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The development accounts (`GET /dev/accounts`), for the start-up output after [`banner`].
pub fn dev_accounts(emulator: &RunningEmulator) -> String {
    format!(
        "Development accounts (user, password, home tenant, roles):\n{}",
        emulator.identity().directory().accounts_text()
    )
}

/// What the emulator prints when it starts: plainly, that it is not Microsoft's service.
pub fn banner(base_url: &str) -> String {
    format!(
        "twinscope development emulator on {base_url}\n\
         This is a local stand-in for Microsoft Entra ID, Azure Resource Manager and Azure Digital Twins,\n\
         for development and tests only. It is not Microsoft's service; do not expose it beyond this machine."
    )
}
