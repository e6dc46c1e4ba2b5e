//! Starting and stopping the emulator: store, SP-API surface, listener.

use crate::auth::Auth;
use crate::clock::Clock;
use crate::generated::Apis;
use crate::http::control::ControlPlane;
use crate::http::router::Router;
use crate::http::{self, HttpConfig, SpApi};
use crate::store::{Store, StoreConfig};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The port `spapi serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8910;

/// Everything needed to start a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// Where the world is stored.
    pub store: StoreConfig,
    /// HTTP settings.
    pub http: HttpConfig,
    /// The emulator's clock (real time unless a test or the control plane says otherwise).
    pub clock: Clock,
    /// The control plane's admin token; generated when absent.
    pub admin_token: Option<String>,
}

impl ServerConfig {
    /// A server on a free loopback port with an in-memory store: what tests use.
    pub fn ephemeral() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            store: StoreConfig::SqliteMemory,
            http: HttpConfig::default(),
            clock: Clock::real(),
            admin_token: None,
        }
    }
}

/// The implementations of every API that spapi serves. Operations that no implementation
/// answers yet keep the generated default (501 `NotImplemented`).
pub fn apis(auth: &Auth, router: &Arc<Router>) -> Apis {
    Apis {
        tokens_2021_03_01: Arc::new(crate::apis::tokens::Tokens::new(
            auth.clone(),
            router.clone(),
        )),
        ..Apis::default()
    }
}

/// The implementations `serve` runs with, over a throwaway in-memory world: what the coverage
/// table is read from.
pub async fn coverage_apis() -> anyhow::Result<Apis> {
    let store = Store::open_sqlite_in_memory().await?;
    let auth = Auth::new(store, Clock::real()).await?;
    Ok(apis(&auth, &Arc::new(Router::new())))
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    store: Store,
    clock: Clock,
    auth: Auth,
    admin_token: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the store, binds the listener and starts serving in the background.
    pub async fn start(config: ServerConfig) -> anyhow::Result<Server> {
        let store = Store::open(config.store.clone())
            .await
            .with_context(|| format!("opening the store at {}", config.store))?;
        // Rows the store stamps itself (created_at) follow the emulator's clock.
        let clock = config.clock.clone();
        let store = store.with_time_source({
            let clock = clock.clone();
            move || clock.now_us()
        });
        let auth = Auth::new(store.clone(), clock.clone()).await?;
        let router = Arc::new(Router::new());
        let apis = apis(&auth, &router);
        let sp = Arc::new(SpApi::new(router, apis, auth.clone(), config.http.clone()));
        let admin_token = config
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("spapi-admin-{}", crate::auth::secret::random_token(32)));
        let app = http::app(sp, ControlPlane::new(auth.clone(), &admin_token));
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(Server {
            addr,
            store,
            clock,
            auth,
            admin_token,
            shutdown: Some(tx),
            task,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`: the SP-API endpoint to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The emulator's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The control plane's admin token.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The authentication service (apps, sellers, tokens).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The store of the world.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops accepting, lets in-flight requests finish, closes the store.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        self.store.close().await;
        Ok(())
    }

    /// Serves until the process receives Ctrl-C (or SIGTERM), then shuts down.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        self.shutdown().await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
