//! `spapi auth`: the app's side of the authorization workflow, with credentials kept in a
//! profile (see [`crate::profile`]).

use crate::profile::{PendingConsent, Profile, Profiles, default_dir, now_secs};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use spapi_client::consent::{ConsentRequest, LoopbackReceiver, Redirect};
use spapi_client::token::{Lwa, LwaCredentials, TokenResponse};
use spapi_client::{Client, Endpoint, Region};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// How long a consent URL's state is accepted (LWA codes live 5 minutes; a seller may take
/// longer to sign in).
const PENDING_TTL_SECS: u64 = 3600;

/// Which profile, and where profiles are kept.
#[derive(Args, Debug, Clone)]
pub struct ProfileArgs {
    /// Profile name.
    #[arg(long, env = "SPAPI_PROFILE", default_value = "default", global = true)]
    pub profile: String,
    /// Directory of `profiles.json` and its key (default: `$XDG_CONFIG_HOME/spapi` or
    /// `~/.config/spapi`).
    #[arg(long, env = "SPAPI_CONFIG_DIR", global = true)]
    pub config_dir: Option<PathBuf>,
}

impl ProfileArgs {
    pub fn dir(&self) -> PathBuf {
        self.config_dir.clone().unwrap_or_else(default_dir)
    }
}

/// `spapi auth ...`
#[derive(Args, Debug)]
pub struct AuthArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(subcommand)]
    pub command: AuthCommand,
}

/// The steps of the authorization workflow.
#[derive(Subcommand, Debug)]
pub enum AuthCommand {
    /// Creates or updates a profile: where to call and the app's LWA credentials.
    Init(InitArgs),
    /// Prints the consent URL to send the seller to, with a new random state (remembered for
    /// the callback check).
    Url {
        /// Redirect URI (one the app registered; default: the profile's).
        #[arg(long)]
        redirect_uri: Option<String>,
        /// Authorize the draft version of the app (`version=beta`).
        #[arg(long)]
        beta: bool,
    },
    /// Listens on the profile's loopback redirect URI for the seller's redirect, checks its
    /// state, exchanges the code and stores the refresh token.
    Callback {
        /// Address to listen on (default: host and port of the redirect URI).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Seconds to wait for the redirect.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Exchanges a code: give the whole redirect URL (its state is checked), or `--code`.
    Exchange {
        /// The URL the seller's browser was redirected to.
        redirect_url: Option<String>,
        /// The `spapi_oauth_code` alone (no state check: only for codes from a trusted source).
        #[arg(long, conflicts_with = "redirect_url")]
        code: Option<String>,
        /// The seller's id, with `--code`.
        #[arg(long, requires = "code")]
        selling_partner_id: Option<String>,
    },
    /// Gets a new access token now (checks that the authorization still works).
    Refresh {
        /// Print the access token (it is a bearer secret for an hour).
        #[arg(long)]
        print_token: bool,
    },
    /// Shows the profile (secrets redacted); `--check` also asks LWA whether it still works.
    Status {
        /// Refresh an access token to see whether the authorization still works.
        #[arg(long)]
        check: bool,
    },
    /// Forgets the seller's refresh token (`--all`: the whole profile).
    Logout {
        /// Remove the profile, app credentials included.
        #[arg(long)]
        all: bool,
    },
}

/// `spapi auth init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// A custom server (spapi): `http://127.0.0.1:8910`.
    #[arg(long, conflicts_with = "region")]
    pub endpoint: Option<String>,
    /// Amazon: `NA`, `EU` or `FE`.
    #[arg(long)]
    pub region: Option<Region>,
    /// Amazon's sandbox of the region.
    #[arg(long, requires = "region")]
    pub sandbox: bool,
    /// LWA token URL (default: the endpoint's).
    #[arg(long)]
    pub lwa_url: Option<String>,
    /// Seller Central base URL of the consent page (default: the endpoint's or region's).
    #[arg(long)]
    pub consent_url: Option<String>,
    /// The app's application id (`amzn1.sellerapps.app....`).
    #[arg(long)]
    pub application_id: Option<String>,
    /// LWA client id.
    #[arg(long)]
    pub client_id: Option<String>,
    /// LWA client secret (better from the environment than on the command line).
    #[arg(long, env = "SPAPI_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The redirect URI registered for the app (a loopback `http://127.0.0.1:PORT/callback`
    /// for `spapi auth callback`).
    #[arg(long)]
    pub redirect_uri: Option<String>,
    /// A refresh token obtained elsewhere (self-authorization of a private app).
    #[arg(long, env = "SPAPI_REFRESH_TOKEN", hide_env_values = true)]
    pub refresh_token: Option<String>,
    /// The seller's id, with `--refresh-token`.
    #[arg(long)]
    pub selling_partner_id: Option<String>,
    /// Take the endpoint and the demo app from `spapi serve`'s demo credentials file.
    #[arg(long)]
    pub from_demo: Option<PathBuf>,
    /// With `--from-demo`: also take this demo seller's refresh token (`NA`, `EU` or an id).
    #[arg(long, requires = "from_demo")]
    pub demo_seller: Option<String>,
}

/// Runs `spapi auth`.
pub async fn run(args: AuthArgs) -> anyhow::Result<()> {
    let name = args.profile.profile.clone();
    let mut profiles = Profiles::open(&args.profile.dir())?;
    match args.command {
        AuthCommand::Init(init) => init_profile(&mut profiles, &name, init),
        AuthCommand::Url { redirect_uri, beta } => {
            let p = profiles.get(&name)?.clone();
            let app = p.application_id.clone().context(
                "the profile has no application id: `spapi auth init --application-id ...`",
            )?;
            let redirect = redirect_uri.or(p.redirect_uri.clone());
            let consent = ConsentRequest::new(&p.consent_url, &app, redirect.as_deref(), beta);
            profiles.get_mut(&name)?.pending = Some(PendingConsent {
                state: consent.state,
                redirect_uri: redirect,
                created_at: now_secs(),
            });
            profiles.save()?;
            println!("{}", consent.url);
            eprintln!(
                "Send the seller to this URL. Then run `spapi auth callback` (loopback redirect URI) or `spapi auth exchange '<redirect URL>'`."
            );
            Ok(())
        }
        AuthCommand::Callback { listen, timeout } => {
            let p = profiles.get(&name)?.clone();
            let pending = pending(&p)?;
            let redirect = pending
                .redirect_uri
                .clone()
                .or(p.redirect_uri.clone())
                .context("no redirect URI: give one to `spapi auth init --redirect-uri`")?;
            let (addr, path) = loopback_target(&redirect, listen)?;
            let receiver = LoopbackReceiver::bind(addr, &path)
                .await
                .with_context(|| format!("listening on {addr}"))?;
            eprintln!(
                "Listening on http://{}{path} for the seller's redirect (up to {timeout} s)...",
                receiver.local_addr()?
            );
            let code = receiver
                .receive(&pending.state, Duration::from_secs(timeout))
                .await
                .map_err(|e| match e {
                    spapi_client::Error::StateMismatch => anyhow::anyhow!(
                        "refused the redirect: its state is not the one `spapi auth url` sent (a forged or stale authorization response)"
                    ),
                    other => other.into(),
                })?;
            let tokens = exchange(&profiles, &name, &p, &code.code, Some(&redirect)).await?;
            store_authorization(&mut profiles, &name, &tokens, code.selling_partner_id)?;
            Ok(())
        }
        AuthCommand::Exchange {
            redirect_url,
            code,
            selling_partner_id,
        } => {
            let p = profiles.get(&name)?.clone();
            let (code, seller, redirect) = match (redirect_url, code) {
                (Some(url), _) => {
                    let pending = pending(&p)?;
                    let verified = Redirect::parse(&url).verify(&pending.state).map_err(|e| match e {
                        spapi_client::Error::StateMismatch => anyhow::anyhow!(
                            "refused the redirect: its state is not the one `spapi auth url` sent"
                        ),
                        other => other.into(),
                    })?;
                    (
                        verified.code,
                        verified.selling_partner_id,
                        pending.redirect_uri.clone().or(p.redirect_uri.clone()),
                    )
                }
                (None, Some(code)) => (
                    code,
                    selling_partner_id,
                    p.pending
                        .as_ref()
                        .and_then(|x| x.redirect_uri.clone())
                        .or(p.redirect_uri.clone()),
                ),
                (None, None) => bail!("give the redirect URL, or --code"),
            };
            let tokens = exchange(&profiles, &name, &p, &code, redirect.as_deref()).await?;
            store_authorization(&mut profiles, &name, &tokens, seller)
        }
        AuthCommand::Refresh { print_token } => {
            let client = client_from(&profiles, &name, 0)?;
            let provider = client.seller_tokens().context(
                "the profile has no refresh token: run `spapi auth url` and `spapi auth callback`",
            )?;
            let t = provider.refresh().await.map_err(revoked_hint)?;
            let mut out = json!({"profile": name, "expires_in": t.remaining().as_secs()});
            if print_token {
                out["access_token"] = json!(t.token);
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        AuthCommand::Status { check } => {
            let p = profiles.get(&name)?;
            let mut out = json!({
                "profile": name,
                "profiles": profiles.names(),
                "file": profiles.path(),
                "endpoint": p.endpoint,
                "lwa_url": p.lwa_url,
                "consent_url": p.consent_url,
                "application_id": p.application_id,
                "client_id": p.client_id,
                "client_secret": p.client_secret.as_ref().map(|_| "stored (encrypted)"),
                "redirect_uri": p.redirect_uri,
                "selling_partner_id": p.selling_partner_id,
                "refresh_token": if p.refresh_token.is_some() { "stored (encrypted)" } else { "none" },
                "authorized_at": p.authorized_at,
                "consent_pending": p.pending.is_some(),
            });
            if check {
                let client = client_from(&profiles, &name, 0)?;
                let verdict = match client.seller_tokens() {
                    None => "no refresh token".to_string(),
                    Some(t) => match t.refresh().await {
                        Ok(_) => "ok".to_string(),
                        Err(e) if e.is_revoked() => format!("revoked: {e}"),
                        Err(e) => format!("error: {e}"),
                    },
                };
                out["authorization"] = json!(verdict);
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        AuthCommand::Logout { all } => {
            if all {
                if !profiles.remove(&name) {
                    bail!("no profile {name:?}");
                }
            } else {
                let p = profiles.get_mut(&name)?;
                p.refresh_token = None;
                p.selling_partner_id = None;
                p.authorized_at = None;
                p.pending = None;
            }
            profiles.save()?;
            eprintln!(
                "{}",
                if all {
                    format!("Removed profile {name}.")
                } else {
                    format!("Forgot the refresh token of profile {name}.")
                }
            );
            Ok(())
        }
    }
}

/// Adds advice to a revocation.
pub fn revoked_hint(e: spapi_client::Error) -> anyhow::Error {
    if e.is_revoked() {
        anyhow::anyhow!(
            "{e}\nThe seller revoked access: run `spapi auth url` and have the seller authorize the app again."
        )
    } else {
        e.into()
    }
}

fn pending(p: &Profile) -> anyhow::Result<&PendingConsent> {
    let pending = p
        .pending
        .as_ref()
        .context("no consent in progress: run `spapi auth url` first")?;
    if now_secs().saturating_sub(pending.created_at) > PENDING_TTL_SECS {
        bail!("the consent URL is older than an hour: run `spapi auth url` again");
    }
    Ok(pending)
}

/// Address and path a loopback redirect URI points to.
fn loopback_target(
    redirect_uri: &str,
    listen: Option<SocketAddr>,
) -> anyhow::Result<(SocketAddr, String)> {
    let rest = redirect_uri.strip_prefix("http://").with_context(|| {
        format!("`spapi auth callback` listens on an http loopback redirect URI, not {redirect_uri}; use `spapi auth exchange '<redirect URL>'` instead")
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].split('?').next().unwrap_or("/")),
        None => (rest, "/"),
    };
    let addr = match listen {
        Some(a) => a,
        None => {
            let with_port = if authority.contains(':') && !authority.ends_with(']') {
                authority.to_string()
            } else {
                format!("{authority}:80")
            };
            with_port
                .to_socket_addrs()
                .with_context(|| format!("resolving {authority}"))?
                .find(|a| a.ip().is_loopback())
                .with_context(|| format!("{authority} is not a loopback address"))?
        }
    };
    Ok((addr, path.to_string()))
}

fn init_profile(profiles: &mut Profiles, name: &str, a: InitArgs) -> anyhow::Result<()> {
    let mut p = profiles.get(name).cloned().unwrap_or_default();
    let mut refresh = a.refresh_token.clone();
    let mut seller = a.selling_partner_id.clone();
    let mut secret = a.client_secret.clone();
    if let Some(file) = &a.from_demo {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let demo: spapi_server::demo::DemoCredentials = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a demo credentials file", file.display()))?;
        let e = Endpoint::custom(&demo.endpoint);
        p.endpoint = e.base_url;
        p.lwa_url = demo.lwa_endpoint.clone();
        p.consent_url = e.consent_url;
        p.application_id = Some(demo.application_id.clone());
        p.client_id = demo.client_id.clone();
        secret = secret.or(Some(demo.client_secret.clone()));
        if p.redirect_uri.is_none() {
            p.redirect_uri = demo.redirect_uris.first().cloned();
        }
        if let Some(which) = &a.demo_seller {
            let s = demo
                .sellers
                .iter()
                .find(|s| s.region.eq_ignore_ascii_case(which) || s.selling_partner_id == *which)
                .with_context(|| format!("no demo seller {which}"))?;
            refresh = refresh.or(Some(s.refresh_token.clone()));
            seller = seller.or(Some(s.selling_partner_id.clone()));
        }
    }
    let endpoint = match (&a.endpoint, a.region) {
        (Some(url), _) => Some(Endpoint::custom(url)),
        (None, Some(r)) if a.sandbox => Some(Endpoint::sandbox(r)),
        (None, Some(r)) => Some(Endpoint::production(r)),
        (None, None) => None,
    };
    if let Some(e) = endpoint {
        p.endpoint = e.base_url;
        p.lwa_url = e.lwa_url;
        p.consent_url = e.consent_url;
    }
    if p.endpoint.is_empty() {
        bail!("give --endpoint (spapi) or --region (Amazon), or --from-demo");
    }
    if let Some(u) = a.lwa_url {
        p.lwa_url = u;
    }
    if let Some(u) = a.consent_url {
        p.consent_url = u.trim_end_matches('/').to_string();
    }
    if let Some(v) = a.application_id {
        p.application_id = Some(v);
    }
    if let Some(v) = a.client_id {
        p.client_id = v;
    }
    if p.client_id.is_empty() {
        bail!("give --client-id");
    }
    if let Some(v) = a.redirect_uri {
        p.redirect_uri = Some(v);
    }
    if let Some(s) = secret {
        p.client_secret = Some(profiles.seal(name, "client_secret", &s)?);
    }
    if p.client_secret.is_none() {
        bail!("give the client secret (--client-secret or SPAPI_CLIENT_SECRET)");
    }
    if let Some(r) = refresh {
        p.refresh_token = Some(profiles.seal(name, "refresh_token", &r)?);
        p.authorized_at = Some(now_secs());
    }
    if let Some(s) = seller {
        p.selling_partner_id = Some(s);
    }
    profiles.put(name, p);
    profiles.save()?;
    eprintln!("Saved profile {name} in {}.", profiles.path().display());
    Ok(())
}

fn credentials(profiles: &Profiles, name: &str, p: &Profile) -> anyhow::Result<LwaCredentials> {
    let sealed = p
        .client_secret
        .as_deref()
        .context("the profile has no client secret")?;
    Ok(LwaCredentials {
        client_id: p.client_id.clone(),
        client_secret: profiles.open_sealed(name, "client_secret", sealed)?,
    })
}

fn endpoint(p: &Profile) -> Endpoint {
    Endpoint {
        base_url: p.endpoint.clone(),
        lwa_url: p.lwa_url.clone(),
        consent_url: p.consent_url.clone(),
    }
}

async fn exchange(
    profiles: &Profiles,
    name: &str,
    p: &Profile,
    code: &str,
    redirect_uri: Option<&str>,
) -> anyhow::Result<TokenResponse> {
    let creds = credentials(profiles, name, p)?;
    let e = endpoint(p);
    if !e.is_loopback_or_https() {
        bail!(
            "refusing to send the client secret over plain http to {}",
            e.lwa_url
        );
    }
    let lwa = Lwa::new(
        spapi_client::http_client(Some(Duration::from_secs(60)))?,
        e.lwa_url,
        creds,
    );
    Ok(lwa.exchange_code(code, redirect_uri).await?)
}

fn store_authorization(
    profiles: &mut Profiles,
    name: &str,
    tokens: &TokenResponse,
    seller: Option<String>,
) -> anyhow::Result<()> {
    let refresh = tokens
        .refresh_token
        .as_deref()
        .context("LWA returned no refresh token")?;
    let sealed = profiles.seal(name, "refresh_token", refresh)?;
    let p = profiles.get_mut(name)?;
    p.refresh_token = Some(sealed);
    p.selling_partner_id = seller.clone().or(p.selling_partner_id.take());
    p.authorized_at = Some(now_secs());
    p.pending = None;
    profiles.save()?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "profile": name,
            "selling_partner_id": seller,
            "refresh_token": "stored (encrypted)",
        }))?
    );
    eprintln!(
        "Authorized; the refresh token is stored encrypted in {}.",
        profiles.path().display()
    );
    Ok(())
}

/// A client for profile `name`. `retries`: override of the retry count (`0`: keep the
/// default).
pub fn client_from(profiles: &Profiles, name: &str, retries: usize) -> anyhow::Result<Client> {
    let p = profiles.get(name)?;
    let creds = credentials(profiles, name, p)?;
    let mut b = Client::builder(endpoint(p)).credentials(creds.client_id, creds.client_secret);
    if let Some(sealed) = &p.refresh_token {
        b = b.refresh_token(profiles.open_sealed(name, "refresh_token", sealed)?);
    }
    if let Some(s) = &p.selling_partner_id {
        b = b.selling_partner_id(s);
    }
    if retries > 0 {
        b = b.retry(spapi_client::retry::RetryPolicy {
            max_retries: retries,
            ..Default::default()
        });
    }
    Ok(b.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets() {
        let (a, p) = loopback_target("http://127.0.0.1:8080/callback", None).unwrap();
        assert_eq!(a.to_string(), "127.0.0.1:8080");
        assert_eq!(p, "/callback");
        let (a, _) = loopback_target("http://localhost:9/cb?x=1", None).unwrap();
        assert!(a.ip().is_loopback());
        assert!(loopback_target("https://app.example.com/cb", None).is_err());
    }
}
