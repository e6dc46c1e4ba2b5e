//! Login with Amazon and seller authorization: developer apps, sellers, authorizations,
//! authorization codes, access tokens, grantless tokens and Restricted Data Tokens.
//!
//! Secrets never rest in clear: client secrets, refresh tokens, codes and access tokens are
//! stored as SHA-256 (they are long random strings), seller passwords with argon2.

pub mod caller;
pub mod consent;
pub mod error;
pub mod lwa;
pub mod personal_data;
pub mod rdt;
pub mod secret;

pub use caller::{Caller, DataAccess};

use crate::clock::Clock;
use crate::store::{
    AppRecord, AuthCodeRecord, NewAccessToken, SellerRecord, Store, StoreError, TokenKind,
};
use jiff::SignedDuration;
use secret::{hash_token, random_token};

/// Lifetime of access tokens and Restricted Data Tokens.
pub const ACCESS_TOKEN_TTL: SignedDuration = SignedDuration::from_secs(3600);
/// Lifetime of an authorization code (`spapi_oauth_code`).
pub const AUTH_CODE_TTL: SignedDuration = SignedDuration::from_secs(300);
/// Lifetime of a seller's authorization of an app.
pub const AUTHORIZATION_TTL: SignedDuration = SignedDuration::from_hours(365 * 24);

/// LWA scope of grantless Notifications operations.
pub const SCOPE_NOTIFICATIONS: &str = "sellingpartnerapi::notifications";
/// LWA scope for client secret rotation.
pub const SCOPE_ROTATION: &str = "sellingpartnerapi::client_credential:rotation";

/// Every role an authorization can carry.
pub const ROLES: &[&str] = &[
    "Product Listing",
    "Pricing",
    "Amazon Fulfillment",
    "Buyer Communication",
    "Buyer Solicitation",
    "Selling Partner Insights",
    "Finance and Accounting",
    "Inventory and Order Tracking",
    "Amazon Warehousing and Distribution",
    "Brand Analytics",
    "Direct-to-Consumer Shipping",
    "Tax Invoicing",
    "Tax Remittance",
    "Professional Services",
];

/// Marketplaces of each region (`NA`, `EU`, `FE`).
pub const REGIONS: &[(&str, &[&str])] = &[
    (
        "NA",
        &[
            "ATVPDKIKX0DER",
            "A2EUQ1WTGCTBG2",
            "A1AM78C64UM0Y8",
            "A2Q3Y263D00KWC",
        ],
    ),
    (
        "EU",
        &[
            "A1F83G8C2ARO7P",
            "A1PA6795UKMFR9",
            "A13V1IB3VIYZZH",
            "APJ6JRA9NG5V4",
            "A1RKKUPIHCS9HS",
            "A1805IZSGTT6HS",
            "A2NODRKZP88ZB9",
            "A1C3SOZRARQ6R3",
            "AMEN7PMS3EDWL",
            "A28R8C7NBKEWEA",
            "A33AVAJ2PDY3EV",
            "A2VIGQ35RCS4UG",
            "A17E79C6D8DWNP",
            "ARBP9OOSHTCHU",
            "A21TJRUUN4KGV",
            "AE08WJ6YKNBMC",
        ],
    ),
    (
        "FE",
        &["A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS"],
    ),
];

/// The marketplaces of a region, if it is one.
pub fn region_marketplaces(region: &str) -> Option<&'static [&'static str]> {
    REGIONS
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(region))
        .map(|(_, m)| *m)
}

/// Why an auth operation (outside the token endpoint and SP-API calls) failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The input is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// A referenced app, seller or authorization does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Already exists (email, id).
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new developer app.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewApp {
    /// Display name.
    pub name: String,
    /// OAuth redirect URIs (https, or http on loopback for local development).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Roles the app asks for; empty: every non-restricted role.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Draft apps can be authorized only with `version=beta`.
    #[serde(default)]
    pub draft: bool,
    /// Hybrid (SP-API + MWS) app.
    #[serde(default)]
    pub hybrid: bool,
}

/// A created app with its client secret, which is shown this once.
#[derive(Debug, Clone)]
pub struct CreatedApp {
    /// The stored app.
    pub app: AppRecord,
    /// The client secret in clear.
    pub client_secret: String,
}

/// A new seller.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewSeller {
    /// Selling partner id; generated when absent.
    #[serde(default)]
    pub selling_partner_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Sign-in email.
    pub email: String,
    /// Sign-in password (at least 8 characters).
    pub password: String,
    /// `NA`, `EU` or `FE`.
    pub region: String,
    /// Marketplaces; default: every marketplace of the region.
    #[serde(default)]
    pub marketplace_ids: Vec<String>,
}

/// The authentication service.
#[derive(Clone)]
pub struct Auth {
    store: Store,
    clock: Clock,
    /// Key for CSRF tokens and sign-in cookies of the consent pages, kept in the store so that
    /// several instances agree.
    page_key: std::sync::Arc<Vec<u8>>,
    /// Grants of recently checked access tokens.
    grants: std::sync::Arc<caller::GrantCache>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").finish_non_exhaustive()
    }
}

const PAGE_KEY_META: &str = "auth.page_key";

impl Auth {
    /// The service over `store`, reading time from `clock`.
    pub async fn new(store: Store, clock: Clock) -> Result<Self, AuthError> {
        let key = match store.get_meta(PAGE_KEY_META).await? {
            Some(k) => k,
            None => {
                let k = random_token(64);
                store.set_meta(PAGE_KEY_META, &k).await?;
                // Another instance may have written its own first: use what the store holds.
                store.get_meta(PAGE_KEY_META).await?.unwrap_or(k)
            }
        };
        Ok(Auth {
            store,
            clock,
            page_key: std::sync::Arc::new(key.into_bytes()),
            grants: Default::default(),
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The key that signs the consent pages' CSRF tokens and sign-in cookies.
    pub fn page_key(&self) -> &[u8] {
        &self.page_key
    }

    fn now_us(&self) -> i64 {
        self.clock.now_us()
    }

    /// Registers a developer app; the secret is returned once.
    pub async fn create_app(&self, new: NewApp) -> Result<CreatedApp, AuthError> {
        let name = new.name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(AuthError::Invalid(
                "name must have 1 to 100 characters".into(),
            ));
        }
        for uri in &new.redirect_uris {
            secret::check_redirect_uri(uri).map_err(AuthError::Invalid)?;
        }
        let roles = if new.roles.is_empty() {
            ROLES.iter().take(10).map(|r| r.to_string()).collect()
        } else {
            for r in &new.roles {
                if !ROLES.contains(&r.as_str()) {
                    return Err(AuthError::Invalid(format!(
                        "unknown role {r:?}; roles are: {}",
                        ROLES.join(", ")
                    )));
                }
            }
            new.roles.clone()
        };
        let client_secret = secret::client_secret();
        let app = AppRecord {
            application_id: format!("amzn1.sellerapps.app.{}", uuid::Uuid::new_v4()),
            name: name.to_string(),
            client_id: format!("amzn1.application-oa2-client.{}", secret::random_hex(32)),
            client_secret_hash: hash_token(&client_secret),
            redirect_uris: new.redirect_uris,
            roles,
            draft: new.draft,
            hybrid: new.hybrid,
            created_at_us: self.now_us(),
        };
        self.store.insert_app(&app).await?;
        Ok(CreatedApp { app, client_secret })
    }

    /// Registers a seller (password hashed with argon2).
    pub async fn create_seller(&self, new: NewSeller) -> Result<SellerRecord, AuthError> {
        let region = new.region.trim().to_uppercase();
        let Some(region_ids) = region_marketplaces(&region) else {
            return Err(AuthError::Invalid("region must be NA, EU or FE".into()));
        };
        let marketplace_ids: Vec<String> = if new.marketplace_ids.is_empty() {
            region_ids.iter().map(|m| m.to_string()).collect()
        } else {
            for m in &new.marketplace_ids {
                if !region_ids.contains(&m.as_str()) {
                    return Err(AuthError::Invalid(format!(
                        "marketplace {m} is not in region {region}"
                    )));
                }
            }
            new.marketplace_ids.clone()
        };
        let email = new.email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(AuthError::Invalid("email must be an email address".into()));
        }
        if new.password.chars().count() < 8 {
            return Err(AuthError::Invalid(
                "password must have at least 8 characters".into(),
            ));
        }
        let id = match &new.selling_partner_id {
            Some(id) => {
                let ok = (10..=20).contains(&id.len())
                    && id.starts_with('A')
                    && id
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                if !ok {
                    return Err(AuthError::Invalid(
                        "selling_partner_id must be A followed by 9 to 19 upper-case letters or digits"
                            .into(),
                    ));
                }
                id.clone()
            }
            None => secret::selling_partner_id(),
        };
        if self.store.get_seller_by_email(&email).await?.is_some() {
            return Err(AuthError::Conflict(format!(
                "a seller signs in with {email} already"
            )));
        }
        if self.store.get_seller(&id).await?.is_some() {
            return Err(AuthError::Conflict(format!("seller {id} exists already")));
        }
        let password_hash = secret::hash_password(new.password)
            .await
            .map_err(AuthError::Invalid)?;
        let seller = SellerRecord {
            selling_partner_id: id,
            name: if new.name.trim().is_empty() {
                email.clone()
            } else {
                new.name.trim().into()
            },
            email,
            password_hash,
            region,
            marketplace_ids,
            created_at_us: self.now_us(),
        };
        self.store
            .insert_seller(&seller)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => AuthError::Conflict(m),
                other => other.into(),
            })?;
        Ok(seller)
    }

    /// Checks a seller's sign-in.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<SellerRecord>, AuthError> {
        let Some(seller) = self.store.get_seller_by_email(email).await? else {
            // Spend the same time as a real check, so that timing does not reveal emails.
            let _ = secret::verify_password(password.to_string(), secret::dummy_hash()).await;
            return Ok(None);
        };
        let ok = secret::verify_password(password.to_string(), seller.password_hash.clone()).await;
        Ok(ok.then_some(seller))
    }

    /// Records an authorization of `app` by `seller` with `roles` and returns its refresh
    /// token (`Atzr|...`).
    pub async fn authorize(
        &self,
        application_id: &str,
        selling_partner_id: &str,
        roles: &[String],
    ) -> Result<String, AuthError> {
        // A new authorization may change the roles behind tokens already checked.
        self.grants.clear();
        Ok(self
            .authorize_with_id(application_id, selling_partner_id, roles)
            .await?
            .0)
    }

    /// [`Auth::authorize`], also returning the authorization's id.
    pub(crate) async fn authorize_with_id(
        &self,
        application_id: &str,
        selling_partner_id: &str,
        roles: &[String],
    ) -> Result<(String, i64), AuthError> {
        let refresh = random_token_with("Atzr|IwEB", 300);
        let now = self.clock.now();
        let expires = now.checked_add(AUTHORIZATION_TTL).unwrap_or(now);
        let id = self
            .store
            .insert_authorization(
                application_id,
                selling_partner_id,
                roles,
                &hash_token(&refresh),
                now.as_microsecond(),
                expires.as_microsecond(),
            )
            .await?;
        Ok((refresh, id))
    }

    /// Self-authorization, as for a private app: the seller authorizes the app directly and
    /// gets a refresh token with every role the app asks for.
    pub async fn self_authorize(
        &self,
        application_id: &str,
        selling_partner_id: &str,
    ) -> Result<String, AuthError> {
        let app = self
            .store
            .get_app(application_id)
            .await?
            .ok_or_else(|| AuthError::NotFound(format!("app {application_id}")))?;
        if self.store.get_seller(selling_partner_id).await?.is_none() {
            return Err(AuthError::NotFound(format!("seller {selling_partner_id}")));
        }
        self.authorize(&app.application_id, selling_partner_id, &app.roles)
            .await
    }

    /// The seller revokes the app: refresh tokens stop working and access tokens already
    /// issued are refused. Returns how many authorizations were revoked.
    pub async fn revoke(
        &self,
        application_id: &str,
        selling_partner_id: &str,
    ) -> Result<u64, AuthError> {
        let n = self
            .store
            .revoke_authorizations(application_id, selling_partner_id, self.now_us())
            .await?;
        // Revoked tokens are refused from the next call on.
        self.grants.clear();
        Ok(n)
    }

    /// Issues a single-use authorization code for a consent the seller confirmed.
    pub async fn issue_code(
        &self,
        app: &AppRecord,
        seller: &SellerRecord,
        redirect_uri: Option<&str>,
    ) -> Result<String, AuthError> {
        let code = random_token_with("AN", 20);
        let now = self.clock.now();
        let expires = now.checked_add(AUTH_CODE_TTL).unwrap_or(now);
        let record = AuthCodeRecord {
            application_id: app.application_id.clone(),
            selling_partner_id: seller.selling_partner_id.clone(),
            roles: app.roles.clone(),
            redirect_uri: redirect_uri.map(String::from),
            expires_at_us: expires.as_microsecond(),
        };
        self.store
            .insert_auth_code(&hash_token(&code), &record)
            .await?;
        Ok(code)
    }

    /// Issues and stores an access token of `kind`; returns it in clear.
    pub(crate) async fn issue_access_token(
        &self,
        kind: TokenKind,
        application_id: &str,
        authorization_id: Option<i64>,
        scope: Option<&str>,
        restricted: Option<&serde_json::Value>,
    ) -> Result<String, StoreError> {
        let token = match kind {
            TokenKind::Rdt => random_token_with("Atz.sprdt|IwEB", 300),
            _ => random_token_with("Atza|IwEB", 300),
        };
        let now = self.clock.now();
        let expires = now.checked_add(ACCESS_TOKEN_TTL).unwrap_or(now);
        self.store
            .insert_access_token(&NewAccessToken {
                token_hash: &hash_token(&token),
                kind,
                application_id,
                authorization_id,
                scope,
                restricted,
                created_at_us: now.as_microsecond(),
                expires_at_us: expires.as_microsecond(),
            })
            .await?;
        Ok(token)
    }
}

fn random_token_with(prefix: &str, len: usize) -> String {
    format!("{prefix}{}", random_token(len))
}
