//! The whole app-side authorization workflow against spapi (or Amazon): consent URL, loopback
//! callback, code exchange, a call, and a clean message when the seller revokes.
//!
//! ```sh
//! spapi serve &        # prints the demo app's credentials
//! SPAPI_ENDPOINT=http://127.0.0.1:8910 LWA_CLIENT_ID=... LWA_CLIENT_SECRET=... \
//!   SPAPI_APPLICATION_ID=amzn1.sellerapps.app... \
//!   cargo run -p spapi-client --example consent_workflow
//! ```
//!
//! The redirect URI `http://localhost:8080/callback` must be registered for the app (the demo
//! app has it). Open the printed URL, sign in as a demo seller, confirm.

use spapi_client::consent::{ConsentRequest, LoopbackReceiver};
use spapi_client::model::sellers_v1::params::GetMarketplaceParticipations;
use spapi_client::token::{Lwa, LwaCredentials};
use spapi_client::{Client, Endpoint, Error};
use std::time::Duration;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let endpoint = Endpoint::custom(env("SPAPI_ENDPOINT"));
    let creds = LwaCredentials {
        client_id: env("LWA_CLIENT_ID"),
        client_secret: env("LWA_CLIENT_SECRET"),
    };
    // 1. The consent URL, with a random state the app remembers.
    let receiver = LoopbackReceiver::bind(([127, 0, 0, 1], 8080).into(), "/callback").await?;
    let redirect_uri = "http://localhost:8080/callback";
    let consent = ConsentRequest::new(
        &endpoint.consent_url,
        &env("SPAPI_APPLICATION_ID"),
        Some(redirect_uri),
        false,
    );
    println!("Open this URL and authorize the app:\n  {}", consent.url);
    // 2. The redirect: the state is checked before anything else.
    let code = receiver
        .receive(&consent.state, Duration::from_secs(300))
        .await?;
    // 3. The code for the seller's refresh token (store it encrypted: it is the seller's key).
    let lwa = Lwa::new(
        spapi_client::http_client(Some(Duration::from_secs(30)))?,
        endpoint.lwa_url.clone(),
        creds.clone(),
    );
    let tokens = lwa.exchange_code(&code.code, Some(redirect_uri)).await?;
    let refresh_token = tokens
        .refresh_token
        .clone()
        .expect("LWA returns a refresh token");
    // 4. Calls: the client refreshes the access token on its own.
    let client = Client::builder(endpoint)
        .credentials(creds.client_id, creds.client_secret)
        .refresh_token(refresh_token)
        .selling_partner_id(code.selling_partner_id.clone().unwrap_or_default())
        .build()?;
    // Seed the cache with the access token the exchange returned: no refresh needed yet.
    client.seller_tokens().unwrap().seed(tokens.access());
    match client
        .sellers_v1()
        .get_marketplace_participations(GetMarketplaceParticipations::default())
        .await
    {
        Ok(p) => println!("{p:?}"),
        // 5. A seller who revoked the app: ask them to authorize it again.
        Err(e) if e.is_revoked() => println!("The seller revoked access: {e}"),
        Err(e) => return Err(e),
    }
    Ok(())
}
