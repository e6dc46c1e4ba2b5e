//! The demo world's credentials: one app and two sellers (NA and EU) that have authorized it,
//! so that any client can call at once.

use crate::auth::{Auth, AuthError, NewApp, NewSeller, ROLES};
use crate::market::world::{self, WorldSpec};
use crate::store::SellerRecord;
use serde::{Deserialize, Serialize};

/// Name of the credentials file in the data directory.
pub const CREDENTIALS_FILE: &str = "demo-credentials.json";

/// One demo seller.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DemoSeller {
    /// Selling partner id.
    pub selling_partner_id: String,
    /// Display name.
    pub name: String,
    /// Region (`NA`, `EU`).
    pub region: String,
    /// Marketplaces.
    pub marketplace_ids: Vec<String>,
    /// Refresh token of the demo app's authorization.
    pub refresh_token: String,
    /// Sign-in email for the consent pages.
    pub email: String,
    /// Sign-in password for the consent pages.
    pub password: String,
}

/// What `demo-credentials.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DemoCredentials {
    /// SP-API endpoint (every region).
    pub endpoint: String,
    /// LWA token endpoint.
    pub lwa_endpoint: String,
    /// Control plane admin token.
    pub admin_token: String,
    /// The demo app's application id.
    pub application_id: String,
    /// LWA client id.
    pub client_id: String,
    /// LWA client secret.
    pub client_secret: String,
    /// The app's registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// The sellers.
    pub sellers: Vec<DemoSeller>,
}

/// Creates the demo app and sellers and authorizes the app for both.
///
/// Each seller gets a world (catalog, listings, 90 days of orders) from `spec`; seller ids and
/// the worlds derive from `spec.seed`, so the same seed gives the same world.
pub async fn create(
    auth: &Auth,
    endpoint: &str,
    admin_token: &str,
    spec: &WorldSpec,
) -> Result<DemoCredentials, AuthError> {
    let redirect_uris = vec![
        "http://localhost:8080/callback".to_string(),
        "https://app.example.com/callback".to_string(),
    ];
    let app = auth
        .create_app(NewApp {
            name: "spapi Demo App".into(),
            redirect_uris: redirect_uris.clone(),
            // Every role, restricted ones included, so that every operation and the RDT flow
            // can be tried at once.
            roles: ROLES.iter().map(|r| r.to_string()).collect(),
            draft: false,
            hybrid: false,
        })
        .await?;
    // Sellers are registered one after the other (listings show them in that order); their
    // worlds are independent and made at once, which is most of the cold start.
    let app_id = &app.app.application_id;
    let na = demo_seller(
        auth,
        app_id,
        spec,
        (
            "NA",
            "Demo Seller US",
            "seller-na@demo.spapi.local",
            "demo-na-password",
        ),
    )
    .await?;
    let eu = demo_seller(
        auth,
        app_id,
        spec,
        (
            "EU",
            "Demo Seller EU",
            "seller-eu@demo.spapi.local",
            "demo-eu-password",
        ),
    )
    .await?;
    let now = auth.clock().now();
    tokio::try_join!(
        world::generate(auth.store(), &na.1, spec, now),
        world::generate(auth.store(), &eu.1, spec, now),
    )?;
    let sellers = vec![na.0, eu.0];
    Ok(DemoCredentials {
        endpoint: endpoint.to_string(),
        lwa_endpoint: format!("{endpoint}/auth/o2/token"),
        admin_token: admin_token.to_string(),
        application_id: app.app.application_id,
        client_id: app.app.client_id,
        client_secret: app.client_secret,
        redirect_uris,
        sellers,
    })
}

/// One demo seller (region, name, email, password), created and authorized for the app; its
/// record for the world.
async fn demo_seller(
    auth: &Auth,
    application_id: &str,
    spec: &WorldSpec,
    (region, name, email, password): (&str, &str, &str, &str),
) -> Result<(DemoSeller, SellerRecord), AuthError> {
    let seller = auth
        .create_seller(NewSeller {
            selling_partner_id: Some(world::selling_partner_id(spec.seed, email)),
            name: name.into(),
            email: email.into(),
            password: password.into(),
            region: region.into(),
            marketplace_ids: Vec::new(),
        })
        .await?;
    let refresh_token = auth
        .self_authorize(application_id, &seller.selling_partner_id)
        .await?;
    let demo = DemoSeller {
        selling_partner_id: seller.selling_partner_id.clone(),
        name: seller.name.clone(),
        region: seller.region.clone(),
        marketplace_ids: seller.marketplace_ids.clone(),
        refresh_token,
        email: email.into(),
        password: password.into(),
    };
    Ok((demo, seller))
}

impl DemoCredentials {
    /// How to call, for the terminal.
    pub fn instructions(&self) -> String {
        let mut s = format!(
            "SP-API endpoint (all regions): {}\n\
             LWA token endpoint:            {}\n\
             client_id:     {}\n\
             client_secret: {}\n",
            self.endpoint, self.lwa_endpoint, self.client_id, self.client_secret
        );
        for seller in &self.sellers {
            s.push_str(&format!(
                "seller {} ({}, {}): refresh_token {}\n",
                seller.selling_partner_id,
                seller.region,
                seller.marketplace_ids.join(","),
                seller.refresh_token
            ));
        }
        if let Some(first) = self.sellers.first() {
            s.push_str(&format!(
                "\nGet an access token:\n  curl -s {} -d grant_type=refresh_token \
                 -d refresh_token='{}' -d client_id={} -d client_secret={}\n\
                 Call SP-API with it:\n  curl -s -H 'x-amz-access-token: Atza|...' \
                 '{}/sellers/v1/marketplaceParticipations'\n",
                self.lwa_endpoint,
                first.refresh_token,
                self.client_id,
                self.client_secret,
                self.endpoint
            ));
        }
        s
    }
}
