//! The demo world's credentials: one app and two sellers (NA and EU) that have authorized it,
//! so that any client can call at once.

use crate::auth::{Auth, AuthError, NewApp, NewSeller, ROLES};
use crate::market::world::{self, WorldSpec};
use crate::store::SellerRecord;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

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
    /// Reads a credentials file; `None` when it is missing or not credentials.
    pub fn read(path: &Path) -> Option<DemoCredentials> {
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes the credentials file atomically: a temporary file in the same directory, readable
    /// by the owner only (it holds secrets), renamed over `path`. A reader sees the old file or
    /// the new one, never a part.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| CREDENTIALS_FILE.to_string());
        let tmp = dir.join(format!(
            ".{name}.{}-{}.tmp",
            std::process::id(),
            crate::auth::secret::random_token(8)
        ));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let written = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DemoCredentials {
        DemoCredentials {
            endpoint: "http://127.0.0.1:1".into(),
            lwa_endpoint: "http://127.0.0.1:1/auth/o2/token".into(),
            admin_token: "admin".into(),
            application_id: "app".into(),
            client_id: "id".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![],
            sellers: vec![],
        }
    }

    #[test]
    fn the_credentials_file_is_replaced_whole_and_private() {
        let dir = std::env::temp_dir().join(format!(
            "spapi-demo-write-{}-{}",
            std::process::id(),
            crate::auth::secret::random_token(6)
        ));
        let path = dir.join(CREDENTIALS_FILE);
        let mut creds = sample();
        creds.write(&path).unwrap();
        assert_eq!(DemoCredentials::read(&path), Some(creds.clone()));
        creds.endpoint = "http://127.0.0.1:2".into();
        creds.write(&path).unwrap();
        assert_eq!(DemoCredentials::read(&path), Some(creds));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "owner only: {mode:o}");
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [CREDENTIALS_FILE], "no temporary file is left");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
