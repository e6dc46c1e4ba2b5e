//! `spapi`: runs the SP-API emulator and drives its control plane.

mod control;

use anyhow::Context;
use clap::{Parser, Subcommand};
use spapi_server::demo::{self, DemoCredentials};
use spapi_server::http::HttpConfig;
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
    /// Sellers and their authorizations (control plane).
    Sellers(control::Target<control::SellersCommand>),
    /// The emulator's clock (control plane).
    Clock(control::Target<control::ClockCommand>),
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
    }
}

fn read_credentials(path: &Path) -> Option<DemoCredentials> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_credentials(path: &Path, creds: &DemoCredentials) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(creds)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // It holds secrets: readable by the owner only.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
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
        read_credentials(&creds_path)
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
    };
    let server = Server::start(config).await?;
    let url = server.base_url();
    println!("spapi is serving the Selling Partner API at {url}");
    println!("  store: {store}");
    let world_is_empty = server.store().list_apps().await?.is_empty();
    if !args.no_demo && world_is_empty {
        let creds = demo::create(server.auth(), &url, server.admin_token()).await?;
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
    println!(
        "\nControl plane: {url}/emulator/v1 (Authorization: Bearer {})",
        server.admin_token()
    );
    println!("Consent page:  {url}/apps/authorize/consent?application_id=...&state=...");
    println!("Coverage:      spapi operations");
    println!("Press Ctrl-C to stop.");
    server.run_until_signal().await
}
