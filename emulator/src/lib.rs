//! The twinscope development emulator: a local stand-in for the Microsoft identity platform,
//! Azure Resource Manager and the Azure Digital Twins data plane.
//!
//! It is **not** Microsoft's service and must never be exposed: it binds to loopback by
//! default and says so on start. Each resource is a module with its routes as named
//! constants; [`router`] assembles them and [`start`] serves them on a free port.

pub mod clock;
pub mod service;

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use service::{AppState, router};

/// Everything a test or `cargo xtask dev` can choose about an emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    pub clock: Clock,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            clock: Clock::default(),
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
    /// `http://127.0.0.1:{port}`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state, for tests to reach the clock and, later, the directory.
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
    let state = AppState::new(base_url.clone(), options.clock);
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

/// What the emulator prints when it starts: plainly, that it is not Microsoft's service.
pub fn banner(base_url: &str) -> String {
    format!(
        "twinscope development emulator on {base_url}\n\
         This is a local stand-in for Microsoft Entra ID, Azure Resource Manager and Azure Digital Twins,\n\
         for development and tests only. It is not Microsoft's service; do not expose it beyond this machine."
    )
}
