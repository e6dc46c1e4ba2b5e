//! `spapi`: runs the SP-API emulator and prints what it serves.

use anyhow::Context;
use clap::{Parser, Subcommand};
use spapi_server::http::HttpConfig;
use spapi_server::store::StoreConfig;
use spapi_server::{DEFAULT_PORT, Server, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Runs the emulator: every SP-API operation in scope on one port.
    Serve(ServeArgs),
    /// Prints the coverage table: every operation and whether spapi implements it.
    Operations {
        /// Markdown (the format of docs/coverage.md) instead of aligned columns.
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SPAPI_ADDR", default_value_t = SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)))]
    addr: SocketAddr,
    /// Directory for the SQLite database and generated files.
    #[arg(long, env = "SPAPI_DATA_DIR", default_value = "spapi-data")]
    data_dir: PathBuf,
    /// Keep the world in memory only (nothing is written to disk).
    #[arg(long, conflicts_with = "database_url")]
    in_memory: bool,
    /// PostgreSQL URL (`postgres://user@host/db`) for a world shared by several instances.
    #[arg(long, env = "SPAPI_DATABASE_URL")]
    database_url: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = HttpConfig::default().body_limit)]
    body_limit: usize,
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
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Operations { markdown } => {
            // The implementations `serve` runs with, over a throwaway store.
            let store = spapi_server::store::Store::open_sqlite_in_memory().await?;
            let apis = spapi_server::server::apis(&store);
            let out = if markdown {
                spapi_server::coverage::markdown(&apis)
            } else {
                spapi_server::coverage::text(&apis)
            };
            print!("{out}");
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = if let Some(url) = &args.database_url {
        url.parse::<StoreConfig>().context("--database-url")?
    } else if args.in_memory {
        StoreConfig::SqliteMemory
    } else {
        StoreConfig::SqliteFile(args.data_dir.join("spapi.sqlite"))
    };
    let config = ServerConfig {
        addr: args.addr,
        store: store.clone(),
        http: HttpConfig {
            body_limit: args.body_limit,
        },
        clock: spapi_server::clock::Clock::real(),
    };
    let server = Server::start(config).await?;
    let url = server.base_url();
    println!("spapi is serving the Selling Partner API at {url}");
    println!("  store:    {store}");
    println!("  endpoint: point your SP-API client's endpoint (every region) at {url}");
    println!(
        "  try:      curl -i '{url}/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2024-01-01T00:00:00Z'"
    );
    println!("  coverage: spapi operations");
    println!("Press Ctrl-C to stop.");
    server.run_until_signal().await
}
