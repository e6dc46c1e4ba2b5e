//! Starting and stopping the emulator: store, SP-API surface, listener.

use crate::auth::Auth;
use crate::clock::Clock;
use crate::generated::Apis;
use crate::http::control::{ControlPlane, Readiness};
use crate::http::router::Router;
use crate::http::throttle::ThrottleMode;
use crate::http::traffic::Traffic;
use crate::http::{self, HttpConfig, SpApi};
use crate::market::documents::Documents;
use crate::store::{Store, StoreConfig};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
    /// How usage plans are enforced (`real` as at Amazon, `off`, `scaled:N`); the control
    /// plane can change it at run time.
    pub throttle: ThrottleMode,
    /// Amazon-sandbox compatibility: a second port answering the static sandbox cases.
    pub sandbox: Option<SandboxConfig>,
    /// An SQS endpoint (`http://host:port`) that SQS destinations are also delivered to.
    pub sqs_endpoint: Option<String>,
    /// An EventBridge endpoint (AWS JSON 1.1): EventBridge destinations also get their
    /// notifications there, as partner events (`PutPartnerEvents`).
    pub eventbridge_endpoint: Option<String>,
    /// When set, `GET /emulator/v1/health` answers 503 `starting` until [`Server::set_ready`]
    /// (what `spapi serve` does while it builds the demo world); otherwise the server is ready
    /// when [`Server::start`] returns.
    pub defer_ready: bool,
    /// The base URL (`http://host:port`) clients reach this server at, when it is not the
    /// listening address: the load balancer in front of several instances. Links spapi hands
    /// out (document and image URLs, schema links) start with it.
    pub public_url: Option<String>,
}

/// The sandbox port.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// A checkout of Amazon's `selling-partner-api-models` (the directory holding `models/`).
    pub models_dir: PathBuf,
    /// Address of the sandbox port (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
}

impl ServerConfig {
    /// A server on a free loopback port with an in-memory store: what tests use.
    ///
    /// Usage plans are `off` here (`spapi serve` and [`ThrottleMode::default`] are `real`):
    /// suites that walk every operation, or that run on a frozen clock where buckets never
    /// refill, would otherwise meet 429s that have nothing to do with what they test. A test of
    /// throttling sets `throttle: ThrottleMode::Real`.
    pub fn ephemeral() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            store: StoreConfig::SqliteMemory,
            http: HttpConfig::default(),
            clock: Clock::real(),
            admin_token: None,
            throttle: ThrottleMode::Off,
            sandbox: None,
            sqs_endpoint: None,
            eventbridge_endpoint: None,
            defer_ready: false,
            public_url: None,
        }
    }
}

/// The implementations of every API that spapi serves. Operations that no implementation
/// answers yet keep the generated default (501 `NotImplemented`).
pub fn apis(auth: &Auth, router: &Arc<Router>, docs: &Documents) -> Apis {
    apis_at(auth, router, docs, &crate::config::default_public_base())
}

/// [`apis`] for a server reachable at `public_base` (`http://host:port`: the links spapi hands
/// out, such as product type schema documents, start with it).
pub fn apis_at(auth: &Auth, router: &Arc<Router>, docs: &Documents, public_base: &str) -> Apis {
    use crate::apis::{
        feeds::Feeds, orders::Orders, reports::Reports, sales::Sales, sellers::Sellers,
        tokens::Tokens, uploads::Uploads,
    };
    use crate::market::{orders::OrderBook, sellers::SellerAccounts};
    let store = auth.store().clone();
    let clock = auth.clock().clone();
    Apis {
        reports_2021_06_30: Arc::new(Reports::new(store.clone(), clock.clone(), docs.clone())),
        feeds_2021_06_30: Arc::new(Feeds::new(store.clone(), clock.clone(), docs.clone())),
        uploads_2020_11_01: Arc::new(Uploads::new(store.clone(), clock.clone(), docs.clone())),
        catalog_items_2022_04_01: Arc::new(crate::apis::catalog_items::CatalogItems::new(
            crate::market::catalog::CatalogService::new(store.clone(), public_base.to_string()),
        )),
        catalog_items_v0: Arc::new(crate::apis::catalog_v0::CatalogV0::new(
            crate::market::catalog::CatalogService::new(store.clone(), public_base.to_string()),
        )),
        definitions_product_types_2020_09_01: Arc::new(crate::apis::definitions::Definitions::new(
            public_base.to_string(),
        )),
        listings_items_2021_08_01: Arc::new(crate::apis::listings::Listings::new(
            crate::market::listings::ListingsService::new(
                store.clone(),
                clock.clone(),
                public_base.to_string(),
            ),
        )),
        listings_restrictions_2021_08_01: Arc::new(crate::apis::restrictions::Restrictions::new(
            crate::market::restrictions::RestrictionsService::new(store.clone()),
        )),
        notifications_v1: Arc::new(crate::apis::notifications::Notifications::new(
            crate::market::notifications::Notifications::new(store.clone(), clock.clone()),
        )),
        orders_v0: Arc::new(Orders::new(OrderBook::new(store.clone()), clock.clone())),
        product_fees_v0: Arc::new(crate::apis::product_fees::ProductFees::new(
            crate::market::fees::FeeService::new(store.clone(), clock.clone()),
        )),
        product_pricing_v0: Arc::new(crate::apis::pricing_v0::PricingV0::new(
            crate::market::pricing::PricingService::new(store.clone(), clock.clone()),
        )),
        product_pricing_2022_05_01: Arc::new(crate::apis::pricing_2022::Pricing2022::new(
            crate::market::pricing::PricingService::new(store.clone(), clock.clone()),
        )),
        finances_2024_06_19: Arc::new(crate::apis::finances_2024::Finances2024::new(
            crate::market::finances::FinanceService::new(store.clone(), clock.clone()),
        )),
        finances_v0: Arc::new(crate::apis::finances_v0::FinancesV0::new(
            crate::market::finances::FinanceService::new(store.clone(), clock.clone()),
        )),
        fba_inventory_v1: Arc::new(crate::apis::fba_inventory::FbaInventory::new(
            crate::market::fba::Inventory::new(store.clone(), clock.clone()),
        )),
        supply_sources_2020_07_01: Arc::new(crate::apis::supply_sources::SupplySources::new(
            crate::market::supply::SupplySources::new(store.clone(), clock.clone()),
        )),
        services_v1: Arc::new(crate::apis::services::Services::new(
            crate::market::services::Services::new(store.clone(), clock.clone(), docs.clone()),
        )),
        fulfillment_outbound_2020_07_01: Arc::new(crate::apis::mcf::Mcf::new(
            crate::market::mcf::Fulfillment::new(store.clone(), clock.clone()),
        )),
        awd_2024_05_09: Arc::new(crate::apis::awd::Awd::new(crate::market::awd::Awd::new(
            store.clone(),
            clock.clone(),
            docs.clone(),
        ))),
        merchant_fulfillment_v0: Arc::new(
            crate::apis::merchant_fulfillment::MerchantFulfillment::new(
                crate::market::shipping::mfn::MerchantFulfillment::new(
                    store.clone(),
                    clock.clone(),
                ),
            ),
        ),
        shipping_v1: Arc::new(crate::apis::shipping_v1::ShippingV1::new(
            crate::market::shipping::v1::ShippingV1::new(store.clone(), clock.clone()),
        )),
        shipping_v2: Arc::new(crate::apis::shipping_v2::ShippingV2::new(
            crate::market::shipping::v2::ShippingV2::new(store.clone(), clock.clone()),
        )),
        fulfillment_inbound_2024_03_20: Arc::new(
            crate::apis::fulfillment_inbound::FulfillmentInbound::new(
                crate::market::inbound::Inbound::new(store.clone(), clock.clone(), docs.clone()),
            ),
        ),
        fba_inbound_v1: Arc::new(crate::apis::inbound_eligibility::InboundEligibility::new(
            crate::market::inbound::eligibility::Eligibility::new(store.clone()),
        )),
        invoices_2024_06_19: Arc::new(crate::apis::invoices::Invoices::new(
            crate::market::invoices::InvoicesService::new(
                store.clone(),
                clock.clone(),
                docs.clone(),
            ),
            crate::market::invoices::government::GovernmentInvoices::new(
                store.clone(),
                clock.clone(),
                docs.clone(),
            ),
        )),
        shipment_invoicing_v0: Arc::new(crate::apis::shipment_invoicing::ShipmentInvoicing::new(
            crate::market::invoices::shipments::ShipmentInvoicing::new(
                store.clone(),
                clock.clone(),
            ),
        )),
        sales_v1: Arc::new(Sales::new(OrderBook::new(store.clone()), clock)),
        sellers_v1: Arc::new(Sellers::new(SellerAccounts::new(store))),
        tokens_2021_03_01: Arc::new(Tokens::new(auth.clone(), router.clone())),
        ..Apis::default()
    }
}

/// The implementations `serve` runs with, over a throwaway in-memory world: what the coverage
/// table is read from.
pub async fn coverage_apis() -> anyhow::Result<Apis> {
    let store = Store::open_sqlite_in_memory().await?;
    let auth = Auth::new(store.clone(), Clock::real()).await?;
    let docs = Documents::new(store, Clock::real()).await?;
    Ok(apis(&auth, &Arc::new(Router::new()), &docs))
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    store: Store,
    clock: Clock,
    auth: Auth,
    admin_token: String,
    job_task: JoinHandle<()>,
    notify_task: JoinHandle<()>,
    /// Follows the settings of the instances sharing the world (see [`follow_fleet`]).
    clock_task: JoinHandle<()>,
    fleet: Arc<crate::fleet::Fleet>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    traffic: Arc<Traffic>,
    sandbox: Option<SandboxListener>,
    readiness: Readiness,
}

/// The running sandbox port.
struct SandboxListener {
    addr: SocketAddr,
    stats: crate::sandbox::SandboxStats,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Serves `app` on `listener` until `rx` fires.
fn spawn_serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    rx: oneshot::Receiver<()>,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    })
}

/// On a shared store, follows the world's settings version (see [`crate::fleet`]): when
/// another instance changed the clock or the usage plans, adopts them, and reports the version
/// taken (and a heartbeat). Nothing to follow on SQLite (one instance).
fn follow_fleet(
    fleet: Arc<crate::fleet::Fleet>,
    clock: Clock,
    traffic: Arc<Traffic>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        if !fleet.shared() {
            return;
        }
        let store = traffic.store().clone();
        let mut last_report = std::time::Instant::now() - crate::fleet::HEARTBEAT_EVERY;
        loop {
            match store.settings_version().await {
                Ok(v)
                    if v != fleet.seen()
                        || last_report.elapsed() >= crate::fleet::HEARTBEAT_EVERY =>
                {
                    if v != fleet.seen() {
                        if let Err(e) = crate::clock::refresh(&store, &clock).await {
                            tracing::debug!(error = %e, "reading the world's clock");
                        }
                        traffic.refresh().await;
                    }
                    if let Err(e) = fleet.report(v).await {
                        tracing::debug!(error = %e, "reporting to the fleet");
                    }
                    last_report = std::time::Instant::now();
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(error = %e, "reading the settings version"),
            }
            tokio::time::sleep(crate::fleet::POLL_EVERY).await;
        }
    })
}

impl Server {
    /// Opens the store, binds the listener and starts serving in the background.
    ///
    /// A world that kept a clock (see [`crate::clock::apply`]) resumes it: `config.clock` is
    /// put where the store says it was.
    pub async fn start(config: ServerConfig) -> anyhow::Result<Server> {
        let store = Store::open(config.store.clone())
            .await
            .with_context(|| format!("opening the store at {}", config.store))?;
        let clock = config.clock.clone();
        // Before anything reads the time: jobs, tokens and rows written from now on follow
        // the world's clock, not the one it would restart at.
        crate::clock::load(&store, &clock)
            .await
            .context("reading the world's clock")?;
        // Rows the store stamps itself (created_at) follow the emulator's clock.
        let store = store.with_time_source({
            let clock = clock.clone();
            move || clock.now_us()
        });
        let auth = Auth::new(store.clone(), clock.clone()).await?;
        let router = Arc::new(Router::new());
        let docs = Documents::new(store.clone(), clock.clone()).await?;
        // Bound before the APIs are made, so that the links they hand out name the port.
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        let addr = listener.local_addr()?;
        // URLs name a reachable address: loopback when listening on every interface.
        let url_addr = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        let public = config
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{url_addr}"));
        let apis = apis_at(&auth, &router, &docs, &public);
        // Instances sharing a PostgreSQL world share its clock and usage-plan settings.
        let fleet = crate::fleet::Fleet::new(
            store.clone(),
            matches!(store.backend(), crate::store::Backend::Postgres),
        );
        let traffic = Traffic::start(
            store.clone(),
            clock.clone(),
            config.throttle,
            Some(fleet.clone()),
        );
        // Adopt the fleet's settings before serving (usage plans set through another instance).
        traffic.refresh().await;
        let clock_task = follow_fleet(fleet.clone(), clock.clone(), traffic.clone());
        let sp = SpApi::new(router, apis, auth.clone(), config.http.clone())
            .with_traffic(traffic.clone());
        // The sandbox port: the same world and traffic stages, answering static cases.
        let sandbox_sp = match &config.sandbox {
            Some(sc) => {
                let dir = sc.models_dir.clone();
                let sandbox =
                    tokio::task::spawn_blocking(move || crate::sandbox::Sandbox::load(&dir))
                        .await??;
                Some((sp.sibling().with_sandbox(Arc::new(sandbox)), sc.addr))
            }
            None => None,
        };
        let sp = Arc::new(sp);
        let admin_token = config
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("spapi-admin-{}", crate::auth::secret::random_token(32)));
        let jobs = crate::jobs::Runner::new(store.clone(), clock.clone()).with_public_base(&public);
        let job_task = jobs.clone().spawn(std::time::Duration::from_millis(250));
        let notify_task =
            crate::notify::Notifier::new(store.clone(), clock.clone(), config.sqs_endpoint.clone())
                .with_eventbridge(config.eventbridge_endpoint.clone())
                .spawn(std::time::Duration::from_millis(100));
        // Document URLs (feed uploads, report downloads) are served on the same port, outside
        // the SP-API pipeline, as S3 serves Amazon's; so are product type schema documents.
        let readiness = Readiness::starting();
        let control = ControlPlane::new(auth.clone(), jobs, &admin_token)
            .with_readiness(readiness.clone())
            .with_fleet(fleet.clone());
        let app = http::app(sp, control)
            .merge(crate::http::documents::routes(docs.clone()))
            .merge(crate::http::images::routes(store.clone()))
            .merge(crate::apis::definitions::routes());
        docs.set_base_url(public.clone());
        let sandbox = match sandbox_sp {
            Some((sb, sandbox_addr)) => {
                let stats = sb.sandbox_stats().unwrap_or_default();
                let listener = tokio::net::TcpListener::bind(sandbox_addr)
                    .await
                    .with_context(|| format!("binding the sandbox port {sandbox_addr}"))?;
                let (tx, rx) = oneshot::channel::<()>();
                Some(SandboxListener {
                    addr: listener.local_addr()?,
                    stats,
                    shutdown: Some(tx),
                    task: spawn_serve(listener, http::sandbox_app(Arc::new(sb)), rx),
                })
            }
            None => None,
        };
        if !config.defer_ready {
            readiness.set_ready();
        }
        let (tx, rx) = oneshot::channel::<()>();
        let task = spawn_serve(listener, app, rx);
        Ok(Server {
            addr,
            store,
            clock,
            auth,
            admin_token,
            job_task,
            notify_task,
            clock_task,
            fleet,
            shutdown: Some(tx),
            task,
            traffic,
            sandbox,
            readiness,
        })
    }

    /// Marks the world ready to serve: `GET /emulator/v1/health` answers 200 from now on.
    /// Only needed with [`ServerConfig::defer_ready`].
    pub fn set_ready(&self) {
        self.readiness.set_ready();
    }

    /// Whether `GET /emulator/v1/health` answers 200.
    pub fn is_ready(&self) -> bool {
        self.readiness.is_ready()
    }

    /// The sandbox port's address, when `ServerConfig::sandbox` was given.
    pub fn sandbox_addr(&self) -> Option<SocketAddr> {
        self.sandbox.as_ref().map(|s| s.addr)
    }

    /// `http://ADDR` of the sandbox port.
    pub fn sandbox_url(&self) -> Option<String> {
        self.sandbox_addr().map(|a| format!("http://{a}"))
    }

    /// What the sandbox port loaded from Amazon's models.
    pub fn sandbox_stats(&self) -> Option<crate::sandbox::SandboxStats> {
        self.sandbox.as_ref().map(|s| s.stats)
    }

    /// The usage plans, fault rules and request log.
    pub fn traffic(&self) -> &Arc<Traffic> {
        &self.traffic
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
        self.job_task.abort();
        self.notify_task.abort();
        self.clock_task.abort();
        if let Some(sb) = &mut self.sandbox {
            if let Some(tx) = sb.shutdown.take() {
                let _ = tx.send(());
            }
            (&mut sb.task).await??;
        }
        (&mut self.task).await??;
        self.fleet.leave().await;
        // The request log is written in the background: finish it before the store closes.
        self.traffic.close().await;
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

impl Drop for Server {
    fn drop(&mut self) {
        // The job loop must not outlive the server (tests drop servers without shutdown).
        self.job_task.abort();
        self.notify_task.abort();
        self.clock_task.abort();
    }
}
