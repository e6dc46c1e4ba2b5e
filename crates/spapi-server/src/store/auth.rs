//! Apps, sellers, authorizations, authorization codes and access tokens.
//!
//! Only hashes of secrets are stored (see the `0002_auth` migration); the callers hash.

use serde_json::Value;

use super::{Conn, Store, StoreError, on_conn};

/// A developer application registered with spapi.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRecord {
    /// `amzn1.sellerapps.app.<uuid>`
    pub application_id: String,
    /// Display name (shown on the consent page).
    pub name: String,
    /// LWA client id, `amzn1.application-oa2-client.<hex>`.
    pub client_id: String,
    /// SHA-256 hex of the client secret.
    pub client_secret_hash: String,
    /// Registered OAuth redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Roles the app asks for.
    pub roles: Vec<String>,
    /// A draft app can only be authorized with `version=beta`.
    pub draft: bool,
    /// A hybrid app also gets an `mws_auth_token` at consent.
    pub hybrid: bool,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
}

/// A selling partner.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerRecord {
    /// Selling partner id (`A2EXAMPLE7Q9XZ`).
    pub selling_partner_id: String,
    /// Display name.
    pub name: String,
    /// Sign-in email (unique).
    pub email: String,
    /// argon2 PHC string of the password.
    pub password_hash: String,
    /// `NA`, `EU` or `FE`.
    pub region: String,
    /// Marketplaces the seller participates in.
    pub marketplace_ids: Vec<String>,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
}

/// A seller's authorization of an app (what a refresh token stands for).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRecord {
    /// Row id.
    pub id: i64,
    /// The app.
    pub application_id: String,
    /// The seller.
    pub selling_partner_id: String,
    /// Roles granted.
    pub roles: Vec<String>,
    /// When granted, epoch µs.
    pub created_at_us: i64,
    /// When it lapses (365 days after), epoch µs.
    pub expires_at_us: i64,
    /// When the seller revoked it, if they did.
    pub revoked_at_us: Option<i64>,
}

/// An authorization code issued by the consent flow.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthCodeRecord {
    /// The app.
    pub application_id: String,
    /// The seller who consented.
    pub selling_partner_id: String,
    /// Roles granted.
    pub roles: Vec<String>,
    /// The redirect URI the code was sent to (must be repeated at the exchange).
    pub redirect_uri: Option<String>,
    /// Expiry, epoch µs.
    pub expires_at_us: i64,
}

/// Kind of an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `Atza|` for a seller authorization (refresh_token or authorization_code grant).
    Seller,
    /// `Atza|` from client_credentials, carrying a scope.
    Grantless,
    /// `Atz.sprdt|` Restricted Data Token.
    Rdt,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Seller => "seller",
            TokenKind::Grantless => "grantless",
            TokenKind::Rdt => "rdt",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "seller" => Ok(TokenKind::Seller),
            "grantless" => Ok(TokenKind::Grantless),
            "rdt" => Ok(TokenKind::Rdt),
            other => Err(StoreError::Corrupt(format!("unknown token kind {other:?}"))),
        }
    }
}

/// A new access token to store.
#[derive(Debug, Clone)]
pub struct NewAccessToken<'a> {
    /// SHA-256 hex of the token.
    pub token_hash: &'a str,
    /// Its kind.
    pub kind: TokenKind,
    /// The app it was issued to.
    pub application_id: &'a str,
    /// The authorization it acts under (seller and RDT tokens).
    pub authorization_id: Option<i64>,
    /// The LWA scope (grantless tokens).
    pub scope: Option<&'a str>,
    /// The resources an RDT covers.
    pub restricted: Option<&'a Value>,
    /// Issue time, epoch µs.
    pub created_at_us: i64,
    /// Expiry, epoch µs.
    pub expires_at_us: i64,
}

/// An access token with everything a request needs to know about its caller, read in one query.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenGrant {
    /// Its kind.
    pub kind: TokenKind,
    /// The calling app.
    pub application_id: String,
    /// The LWA scope (grantless).
    pub scope: Option<String>,
    /// The resources an RDT covers.
    pub restricted: Option<Value>,
    /// Token expiry, epoch µs.
    pub expires_at_us: i64,
    /// The authorization behind a seller token or RDT.
    pub authorization: Option<AuthorizationRecord>,
    /// The seller's marketplaces.
    pub marketplace_ids: Vec<String>,
    /// The seller's region.
    pub region: Option<String>,
}

fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn parse_list(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad JSON list: {e}")))
}

type AppRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
);
const APP_COLUMNS: &str = "application_id, name, client_id, client_secret_hash, redirect_uris, \
                           roles, draft, hybrid, created_at";

fn app_from(r: AppRow) -> Result<AppRecord, StoreError> {
    Ok(AppRecord {
        application_id: r.0,
        name: r.1,
        client_id: r.2,
        client_secret_hash: r.3,
        redirect_uris: parse_list(&r.4)?,
        roles: parse_list(&r.5)?,
        draft: r.6 != 0,
        hybrid: r.7 != 0,
        created_at_us: r.8,
    })
}

type SellerRow = (String, String, String, String, String, String, i64);
const SELLER_COLUMNS: &str =
    "selling_partner_id, name, email, password_hash, region, marketplace_ids, created_at";

fn seller_from(r: SellerRow) -> Result<SellerRecord, StoreError> {
    Ok(SellerRecord {
        selling_partner_id: r.0,
        name: r.1,
        email: r.2,
        password_hash: r.3,
        region: r.4,
        marketplace_ids: parse_list(&r.5)?,
        created_at_us: r.6,
    })
}

type AuthorizationRow = (i64, String, String, String, i64, i64, Option<i64>);
const AUTHORIZATION_COLUMNS: &str =
    "id, application_id, selling_partner_id, roles, created_at, expires_at, revoked_at";

fn authorization_from(r: AuthorizationRow) -> Result<AuthorizationRecord, StoreError> {
    Ok(AuthorizationRecord {
        id: r.0,
        application_id: r.1,
        selling_partner_id: r.2,
        roles: parse_list(&r.3)?,
        created_at_us: r.4,
        expires_at_us: r.5,
        revoked_at_us: r.6,
    })
}

impl Store {
    /// Registers an app. A duplicate application or client id is `Conflict`.
    pub async fn insert_app(&self, app: &AppRecord) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let conn: Conn<'_> = pc.conn();
        let sql =
            format!("INSERT INTO apps ({APP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        on_conn!(conn, |c| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&app.application_id)
                .bind(&app.name)
                .bind(&app.client_id)
                .bind(&app.client_secret_hash)
                .bind(json_list(&app.redirect_uris))
                .bind(json_list(&app.roles))
                .bind(i64::from(app.draft))
                .bind(i64::from(app.hybrid))
                .bind(app.created_at_us)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    async fn app_where(&self, column: &str, value: &str) -> Result<Option<AppRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let sql = format!("SELECT {APP_COLUMNS} FROM apps WHERE {column} = $1");
        let row: Option<AppRow> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(value)
                .fetch_optional(c)
                .await?
        });
        row.map(app_from).transpose()
    }

    /// The app with this application id.
    pub async fn get_app(&self, application_id: &str) -> Result<Option<AppRecord>, StoreError> {
        self.app_where("application_id", application_id).await
    }

    /// The app with this LWA client id.
    pub async fn get_app_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<AppRecord>, StoreError> {
        self.app_where("client_id", client_id).await
    }

    /// Every app, oldest first.
    pub async fn list_apps(&self) -> Result<Vec<AppRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let sql = format!("SELECT {APP_COLUMNS} FROM apps ORDER BY created_at, application_id");
        let rows: Vec<AppRow> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(app_from).collect()
    }

    /// Replaces an app's client secret hash (rotation).
    pub async fn set_app_secret(
        &self,
        application_id: &str,
        secret_hash: &str,
    ) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let n = on_conn!(pc.conn(), |c| {
            sqlx::query("UPDATE apps SET client_secret_hash = $2 WHERE application_id = $1")
                .bind(application_id)
                .bind(secret_hash)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("app {application_id}")));
        }
        Ok(())
    }

    /// Registers a seller. A duplicate id or email is `Conflict`.
    pub async fn insert_seller(&self, seller: &SellerRecord) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let sql =
            format!("INSERT INTO sellers ({SELLER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        on_conn!(pc.conn(), |c| {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&seller.selling_partner_id)
                .bind(&seller.name)
                .bind(&seller.email)
                .bind(&seller.password_hash)
                .bind(&seller.region)
                .bind(json_list(&seller.marketplace_ids))
                .bind(seller.created_at_us)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    async fn seller_where(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<SellerRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let sql = format!("SELECT {SELLER_COLUMNS} FROM sellers WHERE {column} = $1");
        let row: Option<SellerRow> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(value)
                .fetch_optional(c)
                .await?
        });
        row.map(seller_from).transpose()
    }

    /// The seller with this selling partner id.
    pub async fn get_seller(
        &self,
        selling_partner_id: &str,
    ) -> Result<Option<SellerRecord>, StoreError> {
        self.seller_where("selling_partner_id", selling_partner_id)
            .await
    }

    /// The seller who signs in with this email (emails are stored lower-case).
    pub async fn get_seller_by_email(
        &self,
        email: &str,
    ) -> Result<Option<SellerRecord>, StoreError> {
        self.seller_where("email", &email.trim().to_lowercase())
            .await
    }

    /// Every seller, oldest first.
    pub async fn list_sellers(&self) -> Result<Vec<SellerRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let sql =
            format!("SELECT {SELLER_COLUMNS} FROM sellers ORDER BY created_at, selling_partner_id");
        let rows: Vec<SellerRow> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(seller_from).collect()
    }

    /// The seller with this selling partner id and its account document (the Sellers API's
    /// `Account` without its participations); the document is `None` while none was set.
    pub async fn get_seller_account(
        &self,
        selling_partner_id: &str,
    ) -> Result<Option<(SellerRecord, Option<Value>)>, StoreError> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<String>,
        );
        let mut pc = self.acquire().await?;
        let sql =
            format!("SELECT {SELLER_COLUMNS}, account FROM sellers WHERE selling_partner_id = $1");
        let row: Option<Row> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(selling_partner_id)
                .fetch_optional(c)
                .await?
        });
        let Some(r) = row else {
            return Ok(None);
        };
        let account = match &r.7 {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| {
                StoreError::Corrupt(format!("bad account of seller {selling_partner_id}: {e}"))
            })?),
            None => None,
        };
        let seller = seller_from((r.0, r.1, r.2, r.3, r.4, r.5, r.6))?;
        Ok(Some((seller, account)))
    }

    /// Stores a seller's account document. An unknown seller is `NotFound`.
    pub async fn set_seller_account(
        &self,
        selling_partner_id: &str,
        account: &Value,
    ) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let n = on_conn!(pc.conn(), |c| {
            sqlx::query("UPDATE sellers SET account = $2 WHERE selling_partner_id = $1")
                .bind(selling_partner_id)
                .bind(account.to_string())
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("seller {selling_partner_id}")));
        }
        Ok(())
    }

    /// Records an authorization; returns its id.
    pub async fn insert_authorization(
        &self,
        application_id: &str,
        selling_partner_id: &str,
        roles: &[String],
        refresh_token_hash: &str,
        created_at_us: i64,
        expires_at_us: i64,
    ) -> Result<i64, StoreError> {
        let mut pc = self.acquire().await?;
        Ok(on_conn!(pc.conn(), |c| {
            sqlx::query_scalar(
                "INSERT INTO authorizations (application_id, selling_partner_id, roles, \
                 refresh_token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 RETURNING id",
            )
            .bind(application_id)
            .bind(selling_partner_id)
            .bind(json_list(roles))
            .bind(refresh_token_hash)
            .bind(created_at_us)
            .bind(expires_at_us)
            .fetch_one(c)
            .await?
        }))
    }

    /// The authorization a refresh token (by hash) stands for.
    pub async fn authorization_by_refresh_token(
        &self,
        refresh_token_hash: &str,
    ) -> Result<Option<AuthorizationRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM authorizations WHERE refresh_token_hash = $1"
        );
        let row: Option<AuthorizationRow> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(refresh_token_hash)
                .fetch_optional(c)
                .await?
        });
        row.map(authorization_from).transpose()
    }

    /// A seller's authorizations (all apps), newest first.
    pub async fn authorizations_of_seller(
        &self,
        selling_partner_id: &str,
    ) -> Result<Vec<AuthorizationRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let sql = format!(
            "SELECT {AUTHORIZATION_COLUMNS} FROM authorizations WHERE selling_partner_id = $1 \
             ORDER BY id DESC"
        );
        let rows: Vec<AuthorizationRow> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(selling_partner_id)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(authorization_from).collect()
    }

    /// Revokes every live authorization of `application_id` by `selling_partner_id`; returns how
    /// many. Access tokens issued under them are refused from then on (they are checked against
    /// their authorization on every call).
    pub async fn revoke_authorizations(
        &self,
        application_id: &str,
        selling_partner_id: &str,
        at_us: i64,
    ) -> Result<u64, StoreError> {
        let mut pc = self.acquire().await?;
        Ok(on_conn!(pc.conn(), |c| {
            sqlx::query(
                "UPDATE authorizations SET revoked_at = $3 WHERE application_id = $1 \
                 AND selling_partner_id = $2 AND revoked_at IS NULL",
            )
            .bind(application_id)
            .bind(selling_partner_id)
            .bind(at_us)
            .execute(c)
            .await?
            .rows_affected()
        }))
    }

    /// Stores an authorization code.
    pub async fn insert_auth_code(
        &self,
        code_hash: &str,
        code: &AuthCodeRecord,
    ) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        on_conn!(pc.conn(), |c| {
            sqlx::query(
                "INSERT INTO auth_codes (code_hash, application_id, selling_partner_id, roles, \
                 redirect_uri, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(code_hash)
            .bind(&code.application_id)
            .bind(&code.selling_partner_id)
            .bind(json_list(&code.roles))
            .bind(code.redirect_uri.as_deref())
            .bind(code.expires_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Marks an unused code used and returns it; `None` when it is unknown or already used.
    /// Atomic: of two concurrent exchanges of one code, one wins.
    pub async fn take_auth_code(
        &self,
        code_hash: &str,
        at_us: i64,
    ) -> Result<Option<AuthCodeRecord>, StoreError> {
        let mut pc = self.acquire().await?;
        let row: Option<(String, String, String, Option<String>, i64)> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(
                "UPDATE auth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL \
                 RETURNING application_id, selling_partner_id, roles, redirect_uri, expires_at",
            )
            .bind(code_hash)
            .bind(at_us)
            .fetch_optional(c)
            .await?
        });
        row.map(|r| {
            Ok(AuthCodeRecord {
                application_id: r.0,
                selling_partner_id: r.1,
                roles: parse_list(&r.2)?,
                redirect_uri: r.3,
                expires_at_us: r.4,
            })
        })
        .transpose()
    }

    /// Stores an access token (by hash).
    pub async fn insert_access_token(&self, t: &NewAccessToken<'_>) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let restricted = t.restricted.map(Value::to_string);
        on_conn!(pc.conn(), |c| {
            sqlx::query(
                "INSERT INTO access_tokens (token_hash, kind, application_id, authorization_id, \
                 scope, restricted, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(t.token_hash)
            .bind(t.kind.as_str())
            .bind(t.application_id)
            .bind(t.authorization_id)
            .bind(t.scope)
            .bind(restricted.as_deref())
            .bind(t.created_at_us)
            .bind(t.expires_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Looks up an access token (by hash) with its authorization and seller: the one query of
    /// the token check on every SP-API call (a primary-key lookup and two joins on keys).
    pub async fn token_grant(&self, token_hash: &str) -> Result<Option<TokenGrant>, StoreError> {
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let mut pc = self.acquire().await?;
        let row: Option<Row> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(
                "SELECT t.kind, t.application_id, t.scope, t.restricted, t.expires_at, \
                 a.id, a.selling_partner_id, a.roles, a.created_at, a.expires_at, a.revoked_at, \
                 s.marketplace_ids, s.region \
                 FROM access_tokens t \
                 LEFT JOIN authorizations a ON a.id = t.authorization_id \
                 LEFT JOIN sellers s ON s.selling_partner_id = a.selling_partner_id \
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(c)
            .await?
        });
        let Some(r) = row else { return Ok(None) };
        let authorization = match (r.5, r.6, r.7, r.8, r.9) {
            (Some(id), Some(sp), Some(roles), Some(created), Some(expires)) => {
                Some(AuthorizationRecord {
                    id,
                    application_id: r.1.clone(),
                    selling_partner_id: sp,
                    roles: parse_list(&roles)?,
                    created_at_us: created,
                    expires_at_us: expires,
                    revoked_at_us: r.10,
                })
            }
            _ => None,
        };
        let restricted = match r.3 {
            Some(s) => Some(
                serde_json::from_str(&s)
                    .map_err(|e| StoreError::Corrupt(format!("bad RDT resources: {e}")))?,
            ),
            None => None,
        };
        Ok(Some(TokenGrant {
            kind: TokenKind::parse(&r.0)?,
            application_id: r.1,
            scope: r.2,
            restricted,
            expires_at_us: r.4,
            authorization,
            marketplace_ids: r
                .11
                .as_deref()
                .map(parse_list)
                .transpose()?
                .unwrap_or_default(),
            region: r.12,
        }))
    }

    /// Deletes access tokens that expired before `before_us`; returns how many.
    pub async fn purge_expired_tokens(&self, before_us: i64) -> Result<u64, StoreError> {
        let mut pc = self.acquire().await?;
        Ok(on_conn!(pc.conn(), |c| {
            sqlx::query("DELETE FROM access_tokens WHERE expires_at < $1")
                .bind(before_us)
                .execute(c)
                .await?
                .rows_affected()
        }))
    }
}
