//! `spapi`: runs the SP-API emulator and drives its control plane.

mod auth_cmd;
mod call;
mod control;
mod notify_cmd;
mod profile;
mod traffic;

use anyhow::Context;
use clap::{Parser, Subcommand};
use spapi_server::demo::{self, DemoCredentials};
use spapi_server::http::HttpConfig;
use spapi_server::http::throttle::ThrottleMode;
use spapi_server::server::SandboxConfig;
use spapi_server::store::StoreConfig;
use spapi_server::{DEFAULT_PORT, Server, ServerConfig};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "spapi",
    version,
    about = "A local Amazon Selling Partner API with a simulated seller world"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the emulator: every SP-API operation in scope, LWA and the consent pages on one port.
    Serve(ServeArgs),
    /// Prints the coverage table: every operation and whether spapi implements it.
    Operations {
        /// Markdown (the format of docs/coverage.md) instead of aligned columns.
        #[arg(long)]
        markdown: bool,
    },
    /// Developer apps (control plane).
    Apps(control::Target<control::AppsCommand>),
    /// Sellers, their authorizations and accounts (control plane).
    Sellers(control::Target<control::SellersCommand>),
    /// The emulator's clock (control plane).
    Clock(control::Target<control::ClockCommand>),
    /// FBA inbound plans: show one, fail an operation, move a shipment, lose units (control plane).
    Inbound(control::Target<control::InboundCommand>),
    /// The seller world: generate, place and cancel orders, buyer simulator (control plane).
    World(control::Target<control::WorldCommand>),
    /// The app side of the authorization workflow: consent URL, callback, code exchange,
    /// refresh, status, logout; credentials in an encrypted profile.
    Auth(auth_cmd::AuthArgs),
    /// Calls any SP-API operation by operationId; JSON out.
    Call(call::CallArgs),
    /// Orders of the profile's seller.
    Orders(call::OrdersArgs),
    /// Reports: request, wait, download, decompress.
    Reports(call::ReportsArgs),
    /// Usage plans: the throttle mode, the plans, per-seller overrides (control plane).
    Limits(control::Target<traffic::LimitsCommand>),
    /// Fault injection: errors, latency, dropped connections, LWA faults (control plane).
    Faults(control::Target<traffic::FaultsCommand>),
    /// The request log (control plane).
    Requests(control::Target<traffic::RequestsCommand>),
    /// Delivered notifications and dead letters (control plane).
    Notifications(control::Target<notify_cmd::NotificationsCommand>),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SPAPI_ADDR", default_value_t = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))]
    addr: SocketAddr,
    /// Directory for the SQLite database and the demo credentials.
    #[arg(long, env = "SPAPI_DATA_DIR", default_value = "spapi-data")]
    data_dir: PathBuf,
    /// Keep the world in memory only (the demo credentials file is still written).
    #[arg(long, conflicts_with = "database_url")]
    in_memory: bool,
    /// PostgreSQL URL (`postgres://user@host/db`) for a world shared by several instances.
    #[arg(long, env = "SPAPI_DATABASE_URL")]
    database_url: Option<String>,
    /// Admin token of the control plane; default: the one in the demo credentials, or a new one.
    #[arg(long, env = "SPAPI_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Start with an empty world: no demo app and sellers.
    #[arg(long)]
    no_demo: bool,
    /// Seed of the demo world (the same seed gives the same world).
    #[arg(long, env = "SPAPI_SEED", default_value_t = 42)]
    seed: u64,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = HttpConfig::default().body_limit)]
    body_limit: usize,
    /// Usage plans: `real` (as at Amazon), `off`, or `scaled:N` (every rate times N).
    #[arg(long, env = "SPAPI_THROTTLE", default_value = "real")]
    throttle: ThrottleMode,
    /// A checkout of Amazon's selling-partner-api-models: also serve Amazon's static sandbox
    /// on a second port.
    #[arg(long, env = "SPAPI_SANDBOX_MODELS")]
    sandbox_models: Option<PathBuf>,
    /// Address of the sandbox port; default: the port after --addr's.
    #[arg(long, env = "SPAPI_SANDBOX_ADDR", requires = "sandbox_models")]
    sandbox_addr: Option<SocketAddr>,
    /// An SQS endpoint (`http://127.0.0.1:4566`): SQS destinations also get their
    /// notifications there (AWS JSON protocol, queue URL `<endpoint>/<account>/<queue>`).
    #[arg(long, env = "SPAPI_SQS_ENDPOINT")]
    sqs_endpoint: Option<String>,
    /// An EventBridge endpoint (`http://127.0.0.1:4566`): EventBridge destinations also get
    /// their notifications there, as partner events (AWS JSON protocol, `PutPartnerEvents`).
    #[arg(long, env = "SPAPI_EVENTBRIDGE_ENDPOINT")]
    eventbridge_endpoint: Option<String>,
    /// The URL clients reach this instance at when it is not the listening address (the load
    /// balancer in front of several instances): links spapi hands out start with it.
    #[arg(long, env = "SPAPI_PUBLIC_URL")]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPAPI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // With the `amazon` feature every reqwest client needs rustls' provider installed first.
    spapi_client::install_crypto_provider();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Operations { markdown } => {
            let apis = spapi_server::server::coverage_apis().await?;
            let out = if markdown {
                spapi_server::coverage::markdown(&apis)
            } else {
                spapi_server::coverage::text(&apis)
            };
            print!("{out}");
            Ok(())
        }
        Command::Apps(t) => control::apps(t).await,
        Command::Sellers(t) => control::sellers(t).await,
        Command::Clock(t) => control::clock(t).await,
        Command::Inbound(t) => control::inbound(t).await,
        Command::World(t) => control::world(t).await,
        Command::Auth(a) => auth_cmd::run(a).await,
        Command::Call(a) => call::call(a).await,
        Command::Orders(a) => call::orders(a).await,
        Command::Reports(a) => call::reports(a).await,
        Command::Limits(t) => traffic::limits(t).await,
        Command::Faults(t) => traffic::faults(t).await,
        Command::Requests(t) => traffic::requests(t).await,
        Command::Notifications(t) => notify_cmd::run(t).await,
    }
}

fn write_credentials(path: &Path, creds: &DemoCredentials) -> anyhow::Result<()> {
    creds
        .write(path)
        .with_context(|| format!("writing {}", path.display()))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = if let Some(url) = &args.database_url {
        url.parse::<StoreConfig>().context("--database-url")?
    } else if args.in_memory {
        StoreConfig::SqliteMemory
    } else {
        StoreConfig::SqliteFile(args.data_dir.join("spapi.sqlite"))
    };
    let creds_path = args.data_dir.join(demo::CREDENTIALS_FILE);
    // An in-memory world starts empty, so credentials from an earlier run mean nothing.
    let previous = if args.in_memory {
        None
    } else {
        DemoCredentials::read(&creds_path)
    };
    let admin_token = args
        .admin_token
        .clone()
        .or_else(|| previous.as_ref().map(|c| c.admin_token.clone()));
    let config = ServerConfig {
        addr: args.addr,
        store: store.clone(),
        http: HttpConfig {
            body_limit: args.body_limit,
        },
        clock: spapi_server::clock::Clock::real(),
        admin_token,
        throttle: args.throttle,
        sandbox: args.sandbox_models.as_ref().map(|dir| SandboxConfig {
            models_dir: dir.clone(),
            // The port after the main one (or a free one when the main one is picked freely).
            addr: args.sandbox_addr.unwrap_or_else(|| {
                let mut a = args.addr;
                if a.port() != 0 {
                    a.set_port(a.port().saturating_add(1));
                }
                a
            }),
        }),
        sqs_endpoint: args.sqs_endpoint.clone(),
        eventbridge_endpoint: args.eventbridge_endpoint.clone(),
        // Ready once the demo world and its credentials file exist (see set_ready below).
        defer_ready: true,
        public_url: args.public_url.clone(),
    };
    let server = Server::start(config).await?;
    let url = args
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| server.base_url());
    println!("spapi is serving the Selling Partner API at {url}");
    println!("  store: {store}");
    println!("  usage plans: {}", args.throttle);
    if let (Some(sandbox), Some(stats)) = (server.sandbox_url(), server.sandbox_stats()) {
        println!(
            "  sandbox: {sandbox} ({} static cases of {} operations from {}; {} operations served dynamically)",
            stats.cases,
            stats.static_operations,
            args.sandbox_models
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            stats.dynamic_operations,
        );
    }
    let world_is_empty = server.store().list_apps().await?.is_empty();
    if !args.no_demo && world_is_empty {
        let spec = spapi_server::market::world::WorldSpec {
            seed: args.seed,
            ..Default::default()
        };
        let creds = demo::create(server.auth(), &url, server.admin_token(), &spec).await?;
        write_credentials(&creds_path, &creds)?;
        println!(
            "  demo world created; credentials in {}\n",
            creds_path.display()
        );
        print!("{}", creds.instructions());
    } else if let Some(mut creds) = previous {
        creds.endpoint = url.clone();
        creds.lwa_endpoint = format!("{url}/auth/o2/token");
        write_credentials(&creds_path, &creds)?;
        println!(
            "  existing world; credentials in {}\n",
            creds_path.display()
        );
        print!("{}", creds.instructions());
    }
    // Only now: a script that waits for the health route may read the credentials file.
    server.set_ready();
    println!(
        "\nControl plane: {url}/emulator/v1 (Authorization: Bearer {})",
        server.admin_token()
    );
    println!("Health:        {url}/emulator/v1/health (200 once ready)");
    println!("Consent page:  {url}/apps/authorize/consent?application_id=...&state=...");
    println!("Coverage:      spapi operations");
    println!("Press Ctrl-C to stop.");
    server.run_until_signal().await
}
