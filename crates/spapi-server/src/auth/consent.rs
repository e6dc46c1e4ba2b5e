//! The website authorization workflow's pages: what a seller's browser sees between an app's
//! "Authorize" link and the app's redirect URI.
//!
//! 1. `GET /apps/authorize/consent?application_id=..&state=..[&redirect_uri=..][&version=beta]`
//!    checks the parameters first (unknown app; MD1000 for a draft app without `version=beta`;
//!    MD5110 for a redirect URI with a fragment; MD5101 for a redirect URI that is not
//!    registered: error pages with HTTP 400, never a redirect), then shows the sign-in form,
//!    or the consent screen when the browser carries a valid sign-in cookie.
//! 2. `POST /apps/authorize/signin` (email, password): sets the sign-in cookie and sends the
//!    browser back to 1 (303); wrong credentials show the form again (401).
//! 3. `POST /apps/authorize/confirm` (`decision=confirm|cancel`): confirm issues a single-use
//!    authorization code and redirects (302) to the redirect URI with `state`,
//!    `selling_partner_id`, `spapi_oauth_code` and, for hybrid apps, `mws_auth_token`; cancel
//!    redirects with `state` and `error=access_denied` (see [`confirm`]).
//! 4. `POST /apps/authorize/signout`: forgets the sign-in ("sign in as someone else").
//!
//! Every POST re-validates the parameters and is checked against cross-site requests: its
//! `csrf` field must be a token this server signed for that form, bound to the browser (a
//! random `spapi_browser` cookie, which also defeats login CSRF) and, for the consent forms,
//! to the signed-in seller and the consent parameters; a request whose `Origin` is not this
//! host, or that the browser labels `Sec-Fetch-Site: cross-site`, is refused. Tokens and the
//! sign-in cookie are HMACs under [`Auth::page_key`] and expire by the emulator's clock.

mod html;

pub use html::escape;

use super::secret::{self, hash_token, random_token};
use super::{AUTHORIZATION_TTL, Auth};
use crate::store::{AppRecord, SellerRecord};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::SignedDuration;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};

/// Where the pages live; also the path of their cookies.
const BASE: &str = "/apps/authorize";
/// The sign-in cookie: `signin.<selling_partner_id>.<expiry µs>`, signed.
const SIGNIN_COOKIE: &str = "spapi_signin";
/// A random id of the browser that CSRF tokens are bound to.
const BROWSER_COOKIE: &str = "spapi_browser";
/// How long a sign-in lasts (emulator time).
const SIGNIN_TTL: SignedDuration = SignedDuration::from_secs(3600);
/// How long a rendered form can be submitted (emulator time).
const FORM_TTL: SignedDuration = SignedDuration::from_secs(1800);
/// Longest accepted consent parameter.
const MAX_PARAM_LEN: usize = 2048;
/// Largest accepted form body.
const MAX_BODY: usize = 64 * 1024;
/// Length of the browser id.
const BROWSER_ID_LEN: usize = 32;

/// Everything but RFC 3986's unreserved characters is percent-encoded in redirect query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// What must be encoded for a URI to be a valid header value.
const HEADER_UNSAFE: &AsciiSet = &CONTROLS.add(b' ');

/// The consent page routes (state `()`), mounted at the root.
pub fn routes(auth: Auth) -> Router {
    Router::new()
        .route(&format!("{BASE}/consent"), get(consent_page))
        .route(
            &format!("{BASE}/signin"),
            get(back_to_consent).post(sign_in),
        )
        .route(
            &format!("{BASE}/confirm"),
            get(back_to_consent).post(confirm),
        )
        .route(
            &format!("{BASE}/signout"),
            get(back_to_consent).post(sign_out),
        )
        .route_layer(axum::middleware::map_response(security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(auth)
}

/// Headers on every response of these routes, redirects and errors included.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Also keeps the consent URL (and the code in the redirect) out of Referer headers.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp_base()),
        );
    }
    resp
}

/// The content security policy of the pages: inline styles, forms to this origin, nothing else.
const fn csp_base() -> &'static str {
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// ---------------------------------------------------------------------------------------------
// Parameters

/// Request fields (query or form) in order; a field given twice is refused where it matters.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(raw: &[u8]) -> Self {
        Fields(
            form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The one value of `name` (empty values count as absent).
    fn one(&self, name: &'static str) -> Result<Option<&str>, Failure> {
        let mut found = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = found.next();
        if found.next().is_some() {
            return Err(Failure::BadParam(name, "is given more than once"));
        }
        match first {
            Some(v) if v.len() > MAX_PARAM_LEN => Err(Failure::BadParam(name, "is too long")),
            Some(v) if !v.is_empty() => Ok(Some(v)),
            _ => Ok(None),
        }
    }
}

/// The consent parameters, carried from page to page.
#[derive(Debug, Clone)]
struct Params {
    application_id: String,
    state: String,
    /// As the app gave it; `None` means the app's first registered redirect URI.
    redirect_uri: Option<String>,
    /// `version=beta`: authorize the draft version.
    beta: bool,
}

impl Params {
    fn from_fields(f: &Fields) -> Result<Params, Failure> {
        let application_id = f
            .one("application_id")?
            .ok_or(Failure::MissingParam("application_id"))?;
        let state = f.one("state")?.ok_or(Failure::MissingParam("state"))?;
        let redirect_uri = f.one("redirect_uri")?.map(String::from);
        let beta = f
            .one("version")?
            .is_some_and(|v| v.eq_ignore_ascii_case("beta"));
        Ok(Params {
            application_id: application_id.into(),
            state: state.into(),
            redirect_uri,
            beta,
        })
    }

    /// Name/value pairs of the parameters, as hidden fields or a query carry them.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![
            ("application_id", self.application_id.as_str()),
            ("state", &self.state),
        ];
        if let Some(r) = &self.redirect_uri {
            out.push(("redirect_uri", r));
        }
        if self.beta {
            out.push(("version", "beta"));
        }
        out
    }

    /// `GET /apps/authorize/consent?...` with these parameters.
    fn consent_url(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            q.append_pair(k, v);
        }
        format!("{BASE}/consent?{}", q.finish())
    }
}

/// Parameters checked against the app.
struct Resolved {
    params: Params,
    app: AppRecord,
    /// Where to send the seller: the given redirect URI, or the app's first one.
    redirect_uri: String,
}

async fn resolve(auth: &Auth, fields: &Fields) -> Result<Resolved, Failure> {
    let params = Params::from_fields(fields)?;
    let app = auth
        .store()
        .get_app(&params.application_id)
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
        .ok_or_else(|| Failure::AppNotFound(params.application_id.clone()))?;
    if app.draft && !params.beta {
        return Err(Failure::Draft(Box::new(app)));
    }
    let redirect_uri = match &params.redirect_uri {
        Some(given) if given.contains('#') => {
            return Err(Failure::RedirectFragment {
                app: Box::new(app),
                given: given.clone(),
            });
        }
        Some(given) if app.redirect_uris.iter().any(|r| r == given) => given.clone(),
        Some(given) => {
            return Err(Failure::RedirectNotRegistered {
                given: Some(given.clone()),
                app: Box::new(app),
            });
        }
        None => match app.redirect_uris.first() {
            // A registered URI with a fragment is as unusable as a given one.
            Some(first) if first.contains('#') => {
                return Err(Failure::RedirectFragment {
                    given: first.clone(),
                    app: Box::new(app),
                });
            }
            Some(first) => first.clone(),
            None => {
                return Err(Failure::RedirectNotRegistered {
                    given: None,
                    app: Box::new(app),
                });
            }
        },
    };
    Ok(Resolved {
        params,
        app,
        redirect_uri,
    })
}

// ---------------------------------------------------------------------------------------------
// Failures

/// Why a request cannot go on; each renders as an error page.
enum Failure {
    MissingParam(&'static str),
    BadParam(&'static str, &'static str),
    AppNotFound(String),
    /// MD1000.
    Draft(Box<AppRecord>),
    /// MD5110.
    RedirectFragment {
        app: Box<AppRecord>,
        given: String,
    },
    /// MD5101.
    RedirectNotRegistered {
        app: Box<AppRecord>,
        given: Option<String>,
    },
    /// 403: not sent by this site's form, or the form expired. The URL restarts the flow.
    Forbidden {
        reason: &'static str,
        restart: Option<String>,
    },
    /// 500: the store failed.
    Internal(String),
}

/// An error page's content.
struct Shown {
    status: StatusCode,
    title: &'static str,
    code: Option<&'static str>,
    message: &'static str,
    details: Vec<(&'static str, String)>,
    restart: Option<String>,
}

impl Shown {
    fn new(status: StatusCode, title: &'static str, message: &'static str) -> Self {
        Shown {
            status,
            title,
            code: None,
            message,
            details: Vec::new(),
            restart: None,
        }
    }

    fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    fn detail(mut self, label: &'static str, value: impl Into<String>) -> Self {
        self.details.push((label, value.into()));
        self
    }
}

/// What the seller reads when the app's link is wrong.
const MISCONFIGURED: &str = "The app that sent you here is not set up correctly. Go back to the app and contact its developer.";

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let bad = StatusCode::BAD_REQUEST;
        let app_line = |app: &AppRecord| format!("{} ({})", app.name, app.application_id);
        let shown = match self {
            Failure::MissingParam(name) => Shown::new(
                bad,
                "This authorization link is incomplete",
                "The link you followed is missing information the authorization needs. Go back to the app and start again.",
            )
            .detail("Missing parameter", name),
            Failure::BadParam(name, why) => Shown::new(
                bad,
                "This authorization link is not valid",
                "The link you followed is not a valid authorization request. Go back to the app and start again.",
            )
            .detail("Parameter", format!("{name} {why}")),
            Failure::AppNotFound(id) => Shown::new(
                bad,
                "App not found",
                "We couldn't find the app you are trying to authorize. It may have been removed, or the link may be wrong.",
            )
            .detail("application_id", id),
            Failure::Draft(app) => Shown::new(bad, "This app can't be authorized yet", MISCONFIGURED)
                .code("MD1000")
                .detail("App", app_line(&app))
                .detail(
                    "Cause",
                    "The app is in draft state. Add version=beta to the authorization URL to authorize a draft app.",
                ),
            Failure::RedirectFragment { app, given } => Shown::new(bad, "This app can't be authorized", MISCONFIGURED)
                .code("MD5110")
                .detail("App", app_line(&app))
                .detail("redirect_uri", given)
                .detail("Cause", "A redirect URI must not contain a fragment (#)."),
            Failure::RedirectNotRegistered { app, given } => {
                let registered = if app.redirect_uris.is_empty() {
                    "(none)".to_string()
                } else {
                    app.redirect_uris.join(" ")
                };
                Shown::new(bad, "This app can't be authorized", MISCONFIGURED)
                    .code("MD5101")
                    .detail("App", app_line(&app))
                    .detail("redirect_uri", given.unwrap_or_else(|| "(not given)".into()))
                    .detail("Registered", registered)
                    .detail(
                        "Cause",
                        "The redirect URI must exactly match one of the app's registered redirect URIs.",
                    )
            }
            Failure::Forbidden { reason, restart } => Shown {
                restart,
                ..Shown::new(StatusCode::FORBIDDEN, "We couldn't verify this request", reason)
            },
            Failure::Internal(e) => {
                tracing::error!(error = %e, "consent page failure");
                Shown::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "spapi could not complete this request. Try again in a moment.",
                )
            }
        };
        let page = html::error(&html::Error {
            title: shown.title,
            code: shown.code,
            message: shown.message,
            details: &shown.details,
            link: shown.restart.as_deref().map(|href| (href, "Start again")),
        });
        html_response(shown.status, page)
    }
}

fn forbidden(reason: &'static str, restart: Option<&Params>) -> Failure {
    Failure::Forbidden {
        reason,
        restart: restart.map(Params::consent_url),
    }
}

const CROSS_SITE: &str = "This form was not submitted from this site. If you were authorizing an app, go back to it and start again.";
const EXPIRED_FORM: &str =
    "This page has expired or was not sent by spapi Seller Central. Start the authorization again.";
const NO_COOKIES: &str = "Your browser did not send back the cookie spapi Seller Central set. Allow cookies for this site and start the authorization again.";

// ---------------------------------------------------------------------------------------------
// Responses, cookies

fn html_response(status: StatusCode, page: String) -> Response {
    let mut resp = (status, page).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let location = utf8_percent_encode(location, HEADER_UNSAFE).to_string();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut resp = status.into_response();
            resp.headers_mut().insert(header::LOCATION, v);
            resp
        }
        Err(_) => Failure::BadParam("redirect_uri", "is not a valid URI").into_response(),
    }
}

fn add_cookies(resp: &mut Response, cookies: &[String]) {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

/// Whether the request came over https (behind a TLS-terminating proxy): cookies get `Secure`.
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path={BASE}; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if is_https(headers) {
        c.push_str("; Secure");
    }
    c
}

/// Every value of cookie `name` the request carries.
fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"'))
        })
}

/// The browser's id, if it sent one.
fn browser_id(headers: &HeaderMap) -> Option<String> {
    cookies(headers, BROWSER_COOKIE)
        .find(|v| {
            v.len() == BROWSER_ID_LEN
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(String::from)
}

/// The browser's id, and the cookie to set when it is new.
fn ensure_browser_id(headers: &HeaderMap) -> (String, Option<String>) {
    match browser_id(headers) {
        Some(id) => (id, None),
        None => {
            let id = random_token(BROWSER_ID_LEN);
            let cookie = set_cookie(headers, BROWSER_COOKIE, &id, None);
            (id, Some(cookie))
        }
    }
}

/// The payload of a value signed with the page key. Signatures are hex, so a value with
/// anything but ASCII is refused before it reaches [`secret::verify`].
fn verify_signed<'a>(auth: &Auth, value: &'a str) -> Option<&'a str> {
    if !value.is_ascii() {
        return None;
    }
    secret::verify(auth.page_key(), value)
}

/// The seller whose valid sign-in cookie the request carries.
async fn signed_in(auth: &Auth, headers: &HeaderMap) -> Result<Option<SellerRecord>, Failure> {
    let now = auth.clock().now_us();
    for value in cookies(headers, SIGNIN_COOKIE) {
        let Some(payload) = verify_signed(auth, value) else {
            continue;
        };
        let mut parts = payload.split('.');
        let (Some("signin"), Some(id), Some(exp), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if exp.parse::<i64>().map_or(true, |exp| exp <= now) {
            continue;
        }
        let seller = auth
            .store()
            .get_seller(id)
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?;
        if seller.is_some() {
            return Ok(seller);
        }
    }
    Ok(None)
}

fn sign_in_cookie(auth: &Auth, headers: &HeaderMap, seller: &SellerRecord) -> String {
    let now = auth.clock().now();
    let exp = now.checked_add(SIGNIN_TTL).unwrap_or(now).as_microsecond();
    let value = secret::sign(
        auth.page_key(),
        &format!("signin.{}.{exp}", seller.selling_partner_id),
    );
    set_cookie(headers, SIGNIN_COOKIE, &value, Some(SIGNIN_TTL.as_secs()))
}

// ---------------------------------------------------------------------------------------------
// CSRF

/// What a form token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    SignIn,
    Confirm,
    SignOut,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "signin",
            Purpose::Confirm => "confirm",
            Purpose::SignOut => "signout",
        }
    }
}

/// What a token is bound to: the browser, and for the consent forms the seller and the
/// parameters. Length-prefixed, so that no two bindings encode alike.
fn binding(browser: &str, seller: Option<&SellerRecord>, params: Option<&Params>) -> String {
    let mut parts: Vec<&str> = vec![browser];
    if let Some(s) = seller {
        parts.push(&s.selling_partner_id);
    }
    if let Some(p) = params {
        parts.push(&p.application_id);
        parts.push(&p.state);
        parts.push(p.redirect_uri.as_deref().unwrap_or(""));
        parts.push(if p.beta { "beta" } else { "" });
    }
    parts
        .iter()
        .map(|p| format!("{}:{p}", p.len()))
        .collect::<Vec<_>>()
        .join(",")
}

/// `csrf.<purpose>.<nonce>.<expiry µs>.<sha256 of the binding>`, signed.
fn csrf_token(auth: &Auth, purpose: Purpose, binding: &str) -> String {
    let now = auth.clock().now();
    let exp = now.checked_add(FORM_TTL).unwrap_or(now).as_microsecond();
    let payload = format!(
        "csrf.{}.{}.{exp}.{}",
        purpose.as_str(),
        random_token(16),
        hash_token(binding)
    );
    secret::sign(auth.page_key(), &payload)
}

fn check_csrf(
    auth: &Auth,
    fields: &Fields,
    purpose: Purpose,
    binding: &str,
    params: &Params,
) -> Result<(), Failure> {
    let expired = || forbidden(EXPIRED_FORM, Some(params));
    let token = fields
        .one("csrf")
        .map_err(|_| expired())?
        .ok_or_else(expired)?;
    let payload = verify_signed(auth, token).ok_or_else(expired)?;
    let parts: Vec<&str> = payload.split('.').collect();
    let [kind, p, _nonce, exp, bound] = parts.as_slice() else {
        return Err(expired());
    };
    let fresh = exp
        .parse::<i64>()
        .is_ok_and(|exp| exp > auth.clock().now_us());
    if *kind != "csrf" || *p != purpose.as_str() || !fresh || *bound != hash_token(binding) {
        return Err(expired());
    }
    Ok(())
}

/// Refuses requests that a browser says come from another site: `Sec-Fetch-Site: cross-site`,
/// or an `Origin` that is not this host.
///
/// The pages send `Referrer-Policy: no-referrer`, under which browsers serialize the origin of
/// their own form posts as `Origin: null`; such a request passes only when the browser also
/// says `Sec-Fetch-Site: same-origin` (a header pages cannot set).
fn check_origin(headers: &HeaderMap, uri: &Uri, params: Option<&Params>) -> Result<(), Failure> {
    let refuse = || forbidden(CROSS_SITE, params);
    let site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    if site.as_deref() == Some("cross-site") {
        return Err(refuse());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| refuse())?.trim();
    if origin == "null" {
        return if site.as_deref() == Some("same-origin") {
            Ok(())
        } else {
            Err(refuse())
        };
    }
    let lower = origin.to_ascii_lowercase();
    let authority = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(refuse)?
        .trim_end_matches('/');
    let hosts = [
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        headers
            .get("x-forwarded-host")
            .and_then(|v| v.to_str().ok()),
        uri.authority().map(|a| a.as_str()),
    ];
    if hosts
        .into_iter()
        .flatten()
        .any(|h| h.trim().eq_ignore_ascii_case(authority))
    {
        Ok(())
    } else {
        Err(refuse())
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The sign-in form, with a fresh token bound to the browser.
fn sign_in_page(
    auth: &Auth,
    status: StatusCode,
    r: &Resolved,
    browser: &str,
    email: &str,
    error: Option<&str>,
    notice: Option<&str>,
) -> Response {
    let token = csrf_token(auth, Purpose::SignIn, &binding(browser, None, None));
    let mut hidden = r.params.pairs();
    hidden.push(("csrf", &token));
    let page = html::sign_in(&html::SignIn {
        app_name: &r.app.name,
        email,
        error,
        notice,
        hidden: &hidden,
    });
    html_response(status, page)
}

/// The consent screen for a signed-in seller.
fn consent_screen(auth: &Auth, r: &Resolved, browser: &str, seller: &SellerRecord) -> Response {
    let confirm_token = csrf_token(
        auth,
        Purpose::Confirm,
        &binding(browser, Some(seller), Some(&r.params)),
    );
    let signout_token = csrf_token(
        auth,
        Purpose::SignOut,
        &binding(browser, Some(seller), None),
    );
    let mut confirm_hidden = r.params.pairs();
    confirm_hidden.push(("csrf", &confirm_token));
    let mut signout_hidden = r.params.pairs();
    signout_hidden.push(("csrf", &signout_token));
    let roles: Vec<html::Role<'_>> = r
        .app
        .roles
        .iter()
        .map(|name| {
            let (description, restricted) = role_description(name);
            html::Role {
                name,
                description,
                restricted,
            }
        })
        .collect();
    let origin = uri_origin(&r.redirect_uri);
    let host = origin
        .as_deref()
        .and_then(|o| o.split_once("://").map(|(_, h)| h.to_string()))
        .unwrap_or_else(|| r.redirect_uri.clone());
    let page = html::consent(&html::Consent {
        app_name: &r.app.name,
        application_id: &r.app.application_id,
        seller_name: &seller.name,
        seller_id: &seller.selling_partner_id,
        seller_email: &seller.email,
        roles: &roles,
        redirect_host: &host,
        beta: r.params.beta,
        authorization_days: AUTHORIZATION_TTL.as_hours() / 24,
        confirm_hidden: &confirm_hidden,
        signout_hidden: &signout_hidden,
    });
    let mut resp = html_response(StatusCode::OK, page);
    // Chromium checks `form-action` on the redirects that follow a form submission too: the
    // confirm form's 302 goes to the app, so its origin is allowed here.
    if let Some(origin) = origin {
        let csp = csp_base().replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            resp.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    resp
}

/// What a role lets an app do, and whether it reaches personal data.
fn role_description(role: &str) -> (&'static str, bool) {
    match role {
        "Product Listing" => (
            "Create and manage your listings, catalog items and product data.",
            false,
        ),
        "Pricing" => ("Read and set prices, offers and fees.", false),
        "Amazon Fulfillment" => (
            "Send inventory to Amazon and manage fulfillment by Amazon shipments.",
            false,
        ),
        "Buyer Communication" => ("Send messages to buyers about their orders.", false),
        "Buyer Solicitation" => ("Ask buyers for product reviews and seller feedback.", false),
        "Selling Partner Insights" => ("View your account information and performance.", false),
        "Finance and Accounting" => (
            "View financial events, settlements and financial reports.",
            false,
        ),
        "Inventory and Order Tracking" => {
            ("View your orders, inventory and shipment status.", false)
        }
        "Amazon Warehousing and Distribution" => (
            "Manage inventory you store with Amazon Warehousing and Distribution.",
            false,
        ),
        "Brand Analytics" => ("View Brand Analytics reports for your brands.", false),
        "Direct-to-Consumer Shipping" => (
            "Buy shipping labels and see buyers' shipping addresses.",
            true,
        ),
        "Tax Invoicing" => ("See buyers' tax information to issue tax invoices.", true),
        "Tax Remittance" => (
            "See tax information of orders to collect and remit taxes.",
            true,
        ),
        "Professional Services" => (
            "See buyers' information to provide professional services they ordered.",
            true,
        ),
        _ => ("", false),
    }
}

/// `scheme://host[:port]` of an absolute http(s) URI, lower-cased, if it is a plain one (safe
/// to put in a CSP).
fn uri_origin(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.to_ascii_lowercase();
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    ok.then(|| format!("{scheme}://{host}"))
}

/// `uri` with `pairs` added to its query, values percent-encoded.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = uri.to_string();
    let sep = match out.find('?') {
        None => "?",
        Some(_) if out.ends_with('?') || out.ends_with('&') => "",
        Some(_) => "&",
    };
    out.push_str(sep);
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QUERY_VALUE),
                utf8_percent_encode(v, QUERY_VALUE)
            )
        })
        .collect();
    out.push_str(&query.join("&"));
    out
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// `GET /apps/authorize/consent`.
async fn consent_page(
    State(auth): State<Auth>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let fields = Fields::parse(query.unwrap_or_default().as_bytes());
    let r = match resolve(&auth, &fields).await {
        Ok(r) => r,
        Err(f) => return f.into_response(),
    };
    let (browser, new_cookie) = ensure_browser_id(&headers);
    let mut resp = match signed_in(&auth, &headers).await {
        Ok(Some(seller)) => consent_screen(&auth, &r, &browser, &seller),
        Ok(None) => sign_in_page(&auth, StatusCode::OK, &r, &browser, "", None, None),
        Err(f) => return f.into_response(),
    };
    add_cookies(&mut resp, new_cookie.as_slice());
    resp
}

/// `GET` of a form's target (a bookmark, a reload): back to the consent page.
async fn back_to_consent(RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    redirect(StatusCode::SEE_OTHER, &format!("{BASE}/consent?{query}"))
}

/// What every POST starts with: same-site, parameters valid, browser known, token right.
async fn check_post(
    auth: &Auth,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Result<(Fields, Resolved, String), Failure> {
    check_origin(headers, uri, None)?;
    let fields = Fields::parse(body);
    let r = resolve(auth, &fields).await?;
    let browser = browser_id(headers).ok_or_else(|| forbidden(NO_COOKIES, Some(&r.params)))?;
    Ok((fields, r, browser))
}

/// `POST /apps/authorize/signin`.
async fn sign_in(State(auth): State<Auth>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let (fields, r, browser) = match check_post(&auth, &headers, &uri, &body).await {
        Ok(x) => x,
        Err(f) => return f.into_response(),
    };
    if let Err(f) = check_csrf(
        &auth,
        &fields,
        Purpose::SignIn,
        &binding(&browser, None, None),
        &r.params,
    ) {
        return f.into_response();
    }
    let email = fields
        .one("email")
        .ok()
        .flatten()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    let password = fields.one("password").ok().flatten().unwrap_or("");
    if email.is_empty() || password.is_empty() {
        let msg = "Enter your email address and password.";
        return sign_in_page(
            &auth,
            StatusCode::BAD_REQUEST,
            &r,
            &browser,
            &email,
            Some(msg),
            None,
        );
    }
    match auth.sign_in(&email, password).await {
        Ok(Some(seller)) => {
            tracing::info!(selling_partner_id = %seller.selling_partner_id, "seller signed in to the consent page");
            let mut resp = redirect(StatusCode::SEE_OTHER, &r.params.consent_url());
            add_cookies(&mut resp, &[sign_in_cookie(&auth, &headers, &seller)]);
            resp
        }
        Ok(None) => {
            // Which of the two was wrong is not said.
            let msg = "The email address or password is incorrect.";
            sign_in_page(
                &auth,
                StatusCode::UNAUTHORIZED,
                &r,
                &browser,
                &email,
                Some(msg),
                None,
            )
        }
        Err(e) => Failure::Internal(e.to_string()).into_response(),
    }
}

/// `POST /apps/authorize/confirm`.
///
/// Cancel: the seller is sent back to the app as OAuth 2.0 does for a refused authorization
/// (RFC 6749 §4.1.2.1), a 302 to the redirect URI with `state`, `error=access_denied` and an
/// `error_description`. Amazon itself leaves the seller in Seller Central; an app developer
/// testing against the emulator gets a callback they can handle (and test) instead of a
/// seller stranded on a page the app never hears about.
async fn confirm(State(auth): State<Auth>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let (fields, r, browser) = match check_post(&auth, &headers, &uri, &body).await {
        Ok(x) => x,
        Err(f) => return f.into_response(),
    };
    let seller = match signed_in(&auth, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            let notice = "Your sign-in has expired. Sign in again to continue.";
            return sign_in_page(
                &auth,
                StatusCode::UNAUTHORIZED,
                &r,
                &browser,
                "",
                None,
                Some(notice),
            );
        }
        Err(f) => return f.into_response(),
    };
    let bound = binding(&browser, Some(&seller), Some(&r.params));
    if let Err(f) = check_csrf(&auth, &fields, Purpose::Confirm, &bound, &r.params) {
        return f.into_response();
    }
    let state = r.params.state.as_str();
    match fields.one("decision") {
        Ok(Some("confirm")) => {}
        Ok(Some("cancel")) => {
            tracing::info!(application_id = %r.app.application_id, selling_partner_id = %seller.selling_partner_id, "seller cancelled the authorization");
            let to = with_query(
                &r.redirect_uri,
                &[
                    ("state", state),
                    ("error", "access_denied"),
                    (
                        "error_description",
                        "The selling partner cancelled the authorization.",
                    ),
                ],
            );
            return redirect(StatusCode::FOUND, &to);
        }
        _ => return Failure::BadParam("decision", "must be confirm or cancel").into_response(),
    }
    // The code is bound to the redirect URI only when the app named one, as OAuth 2.0 has it
    // (RFC 6749 §4.1.3): the token request must then repeat it.
    let code = match auth
        .issue_code(&r.app, &seller, r.params.redirect_uri.as_deref())
        .await
    {
        Ok(c) => c,
        Err(e) => return Failure::Internal(e.to_string()).into_response(),
    };
    tracing::info!(application_id = %r.app.application_id, selling_partner_id = %seller.selling_partner_id, "seller authorized an app; code issued");
    let mws;
    let mut pairs = vec![
        ("state", state),
        ("selling_partner_id", seller.selling_partner_id.as_str()),
        ("spapi_oauth_code", code.as_str()),
    ];
    if r.app.hybrid {
        mws = format!("amzn.mws.{}", uuid::Uuid::new_v4());
        pairs.push(("mws_auth_token", &mws));
    }
    redirect(StatusCode::FOUND, &with_query(&r.redirect_uri, &pairs))
}

/// `POST /apps/authorize/signout`: forget the sign-in, back to the consent page (the sign-in
/// form).
async fn sign_out(State(auth): State<Auth>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let (fields, r, browser) = match check_post(&auth, &headers, &uri, &body).await {
        Ok(x) => x,
        Err(f) => return f.into_response(),
    };
    let seller = match signed_in(&auth, &headers).await {
        Ok(s) => s,
        Err(f) => return f.into_response(),
    };
    if let Some(seller) = &seller {
        let bound = binding(&browser, Some(seller), None);
        if let Err(f) = check_csrf(&auth, &fields, Purpose::SignOut, &bound, &r.params) {
            return f.into_response();
        }
    }
    let mut resp = redirect(StatusCode::SEE_OTHER, &r.params.consent_url());
    add_cookies(
        &mut resp,
        &[set_cookie(&headers, SIGNIN_COOKIE, "", Some(0))],
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_appended_with_the_right_separator() {
        let p = [("state", "a b&c=d/é"), ("code", "ANx-_.~")];
        assert_eq!(
            with_query("https://a.example/cb", &p),
            "https://a.example/cb?state=a%20b%26c%3Dd%2F%C3%A9&code=ANx-_.~"
        );
        assert_eq!(
            with_query("https://a.example/cb?t=1", &p[1..]),
            "https://a.example/cb?t=1&code=ANx-_.~"
        );
        assert_eq!(
            with_query("https://a.example/cb?", &p[1..]),
            "https://a.example/cb?code=ANx-_.~"
        );
        assert_eq!(
            with_query("https://a.example/cb?t=1&", &p[1..]),
            "https://a.example/cb?t=1&code=ANx-_.~"
        );
    }

    #[test]
    fn origins_of_redirect_uris() {
        assert_eq!(
            uri_origin("https://App.Example.com/cb?x=1").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            uri_origin("http://127.0.0.1:8080/cb").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            uri_origin("http://user@[::1]:9/cb").as_deref(),
            Some("http://[::1]:9")
        );
        assert_eq!(
            uri_origin("https://a.example;script-src *").as_deref(),
            None
        );
        assert_eq!(uri_origin("ftp://a.example/").as_deref(), None);
    }

    #[test]
    fn bindings_do_not_collide() {
        let p = |state: &str, redirect: Option<&str>| Params {
            application_id: "app".into(),
            state: state.into(),
            redirect_uri: redirect.map(String::from),
            beta: false,
        };
        assert_ne!(
            binding("b", None, Some(&p("x,1:y", None))),
            binding("b", None, Some(&p("x", Some("y"))))
        );
        assert_ne!(
            binding("b", None, None),
            binding("b", None, Some(&p("", None)))
        );
    }

    #[test]
    fn cookies_are_read_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; spapi_browser=x"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("spapi_browser=\"y\""),
        );
        assert_eq!(cookies(&h, "spapi_browser").collect::<Vec<_>>(), ["x", "y"]);
        assert_eq!(cookies(&h, "a").collect::<Vec<_>>(), ["1"]);
    }

    #[test]
    fn origin_check() {
        let uri: Uri = "/apps/authorize/confirm".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8910"));
        assert!(
            check_origin(&h, &uri, None).is_ok(),
            "no Origin: not a browser's cross-site form"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8910"),
        );
        assert!(check_origin(&h, &uri, None).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:9999"),
        );
        assert!(check_origin(&h, &uri, None).is_err());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(check_origin(&h, &uri, None).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(check_origin(&h, &uri, None).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(
            check_origin(&h, &uri, None).is_ok(),
            "a no-referrer page's own form"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(
            check_origin(&h, &uri, None).is_err(),
            "a real Origin must match"
        );
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(check_origin(&h, &uri, None).is_err());
    }
}
