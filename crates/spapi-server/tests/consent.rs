//! The website authorization workflow over real HTTP, walked as a browser walks it: consent
//! link -> sign-in form -> consent screen -> redirect to the app with a code -> token exchange.
//! Cookies are kept by hand, redirects are not followed, forms are submitted with the fields
//! the pages render.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::Value;
use spapi_server::auth::{CreatedApp, NewApp, NewSeller};
use spapi_server::clock::Clock;
use spapi_server::store::SellerRecord;
use spapi_server::{Server, ServerConfig};
use std::collections::BTreeMap;
use std::time::Duration;

const CALLBACK: &str = "https://app.example.com/callback";
const EMAIL: &str = "owner@acme-tools.example";
const PASSWORD: &str = "correct horse battery";

/// One response, read whole.
#[derive(Debug)]
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location on {} {}", self.status, self.body))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The fields a browser would submit with the form whose action is `action` (its hidden
    /// inputs).
    fn form(&self, action: &str) -> Vec<(String, String)> {
        let start = self
            .body
            .find(&format!(r#"action="{action}""#))
            .unwrap_or_else(|| panic!("no form to {action} in {}", self.body));
        let end = start + self.body[start..].find("</form>").expect("form ends");
        let form = &self.body[start..end];
        let mut out = Vec::new();
        for input in form.split("<input").skip(1) {
            let attr = |name: &str| {
                let key = format!(r#"{name}=""#);
                let at = input.find(&key)? + key.len();
                let len = input[at..].find('"')?;
                Some(unescape(&input[at..at + len]))
            };
            if attr("type").as_deref() == Some("hidden") {
                out.push((attr("name").unwrap(), attr("value").unwrap_or_default()));
            }
        }
        out
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Fields with `name` replaced (or added), or removed when `value` is `None`.
fn with(fields: &[(String, String)], name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name.to_string(), v.to_string()));
    }
    out
}

/// A browser: one cookie jar, no redirects followed.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(server: &Server) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: server.base_url(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header("cookie", self.cookie_header())
        };
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let body = resp.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let url = self.url(path);
        let req = self.http.get(url);
        self.send(req).await
    }

    /// A form POST from this site's pages (same Origin).
    async fn post(&mut self, path: &str, fields: &[(String, String)]) -> Page {
        let origin = self.base.clone();
        self.post_from(path, fields, Some(&origin)).await
    }

    async fn post_from(
        &mut self,
        path: &str,
        fields: &[(String, String)],
        origin: Option<&str>,
    ) -> Page {
        let url = self.url(path);
        let mut req = self.http.post(url).form(fields);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        self.send(req).await
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Opens the consent link and signs in: returns the consent screen.
    async fn sign_in(&mut self, consent_path: &str, email: &str, password: &str) -> Page {
        let form = self.get(consent_path).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(
            form.body.contains(r#"name="password""#),
            "sign-in form: {}",
            form.body
        );
        let mut fields = form.form("/apps/authorize/signin");
        fields.push(("email".into(), email.into()));
        fields.push(("password".into(), password.into()));
        let done = self.post("/apps/authorize/signin", &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let screen = self.get(done.location()).await;
        assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
        screen
    }

    /// Confirms (or cancels) on the consent screen: returns the redirect.
    async fn decide(&mut self, screen: &Page, decision: &str) -> Page {
        let mut fields = screen.form("/apps/authorize/confirm");
        fields.push(("decision".into(), decision.into()));
        self.post("/apps/authorize/confirm", &fields).await
    }
}

struct World {
    server: Server,
    app: CreatedApp,
    seller: SellerRecord,
}

async fn world_with(config: ServerConfig, app: NewApp) -> World {
    let server = Server::start(config).await.unwrap();
    let app = server.auth().create_app(app).await.unwrap();
    let seller = server
        .auth()
        .create_seller(NewSeller {
            name: "Acme Tools LLC".into(),
            email: EMAIL.into(),
            password: PASSWORD.into(),
            region: "NA".into(),
            ..NewSeller::default()
        })
        .await
        .unwrap();
    World {
        server,
        app,
        seller,
    }
}

fn new_app(name: &str) -> NewApp {
    NewApp {
        name: name.into(),
        redirect_uris: vec![CALLBACK.into()],
        roles: vec!["Inventory and Order Tracking".into(), "Pricing".into()],
        ..NewApp::default()
    }
}

async fn world() -> World {
    world_with(ServerConfig::ephemeral(), new_app("Repricer Pro")).await
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn consent_path(app_id: &str, state: &str, redirect_uri: Option<&str>) -> String {
    let mut p = format!(
        "/apps/authorize/consent?application_id={}&state={}",
        enc(app_id),
        enc(state)
    );
    if let Some(r) = redirect_uri {
        p.push_str(&format!("&redirect_uri={}", enc(r)));
    }
    p
}

/// The query of a redirect, decoded; the part before `?` separately.
fn split_redirect(location: &str) -> (String, BTreeMap<String, String>) {
    let (base, query) = location.split_once('?').expect("a query");
    let params = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    (base.to_string(), params)
}

async fn exchange(
    server: &Server,
    app: &CreatedApp,
    code: &str,
    redirect: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", app.app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
    ];
    if let Some(r) = redirect {
        form.push(("redirect_uri", r));
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/auth/o2/token", server.base_url()))
        .timeout(Duration::from_secs(30))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

fn assert_page_headers(p: &Page) {
    assert_eq!(p.header("cache-control"), "no-store", "{p:?}");
    assert_eq!(p.header("x-frame-options"), "DENY");
    assert_eq!(p.header("referrer-policy"), "no-referrer");
    let csp = p.header("content-security-policy");
    for part in [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
}

fn assert_html(p: &Page) {
    assert!(p.header("content-type").starts_with("text/html"), "{p:?}");
    assert!(p.body.contains("spapi") && p.body.contains("Seller Central"));
    assert!(!p.body.contains("<script"), "no script on the pages");
    assert_page_headers(p);
}

#[tokio::test]
async fn full_flow_issues_a_code_that_exchanges_once() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "st-123", Some(CALLBACK));

    let form = b.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_html(&form);
    assert!(form.body.contains("Sign in") && form.body.contains("Repricer Pro"));
    assert!(
        !form
            .form("/apps/authorize/signin")
            .iter()
            .any(|(k, _)| k == "password")
    );

    let mut fields = form.form("/apps/authorize/signin");
    assert!(fields.iter().any(|(k, v)| k == "csrf" && !v.is_empty()));
    fields.push(("email".into(), EMAIL.into()));
    fields.push(("password".into(), PASSWORD.into()));
    let signed = b.post("/apps/authorize/signin", &fields).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_page_headers(&signed);
    assert!(signed.location().starts_with("/apps/authorize/consent?"));
    let cookie = signed
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("spapi_signin="))
        .expect("sign-in cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/apps/authorize"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains(PASSWORD));

    let screen = b.get(signed.location()).await;
    assert_eq!(screen.status, StatusCode::OK);
    assert_html(&screen);
    for text in [
        "Repricer Pro",
        "Acme Tools LLC",
        &w.seller.selling_partner_id,
        "Inventory and Order Tracking",
        "Pricing",
        "Confirm",
        "Cancel",
    ] {
        assert!(
            screen.body.contains(text),
            "consent screen lacks {text}: {}",
            screen.body
        );
    }
    assert!(
        screen
            .header("content-security-policy")
            .contains("form-action 'self' https://app.example.com"),
        "the confirm redirect's origin is allowed"
    );

    let redirect = b.decide(&screen, "confirm").await;
    assert_eq!(redirect.status, StatusCode::FOUND, "{}", redirect.body);
    assert_page_headers(&redirect);
    let (base, q) = split_redirect(redirect.location());
    assert_eq!(base, CALLBACK);
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["selling_partner_id"], w.seller.selling_partner_id);
    let code = q["spapi_oauth_code"].clone();
    assert!(!code.is_empty());
    assert!(!q.contains_key("mws_auth_token"), "not a hybrid app");

    let (status, tokens) = exchange(&w.server, &w.app, &code, Some(CALLBACK)).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("Atza|")
    );
    assert!(
        tokens["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("Atzr|")
    );
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);

    let (status, err) = exchange(&w.server, &w.app, &code, Some(CALLBACK)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err,
        serde_json::json!({"error":"invalid_grant","error_description":"The request has an invalid grant parameter : code"})
    );
}

#[tokio::test]
async fn redirect_keeps_the_registered_query_and_encodes_values() {
    let registered = "https://app.example.com/cb?tenant=42";
    let w = world_with(
        ServerConfig::ephemeral(),
        NewApp {
            redirect_uris: vec![CALLBACK.into(), registered.into()],
            ..new_app("Q")
        },
    )
    .await;
    let mut b = Browser::new(&w.server);
    let state = "a b&c=d/é?#%+";
    let screen = b
        .sign_in(
            &consent_path(&w.app.app.application_id, state, Some(registered)),
            EMAIL,
            PASSWORD,
        )
        .await;
    let redirect = b.decide(&screen, "confirm").await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    let loc = redirect.location();
    assert!(
        loc.starts_with("https://app.example.com/cb?tenant=42&state="),
        "{loc}"
    );
    assert!(
        !loc.contains(' ') && !loc.contains('#') && !loc.contains('é'),
        "{loc}"
    );
    let (_, q) = split_redirect(loc);
    assert_eq!(q["tenant"], "42");
    assert_eq!(q["state"], state);
}

#[tokio::test]
async fn without_redirect_uri_the_first_registered_one_is_used() {
    let w = world_with(
        ServerConfig::ephemeral(),
        NewApp {
            redirect_uris: vec![CALLBACK.into(), "https://other.example.com/cb".into()],
            ..new_app("D")
        },
    )
    .await;
    let mut b = Browser::new(&w.server);
    let screen = b
        .sign_in(
            &consent_path(&w.app.app.application_id, "s", None),
            EMAIL,
            PASSWORD,
        )
        .await;
    let redirect = b.decide(&screen, "confirm").await;
    let (base, q) = split_redirect(redirect.location());
    assert_eq!(base, CALLBACK);
    // The consent link named no redirect URI, so the token request need not either.
    let (status, tokens) = exchange(&w.server, &w.app, &q["spapi_oauth_code"], None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
}

#[tokio::test]
async fn draft_app_needs_version_beta() {
    let w = world_with(
        ServerConfig::ephemeral(),
        NewApp {
            draft: true,
            ..new_app("Draft Tool")
        },
    )
    .await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    let err = b.get(&path).await;
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    assert_html(&err);
    assert!(err.body.contains("MD1000"), "{}", err.body);
    assert!(err.headers.get(LOCATION).is_none());

    let screen = b
        .sign_in(&format!("{path}&version=beta"), EMAIL, PASSWORD)
        .await;
    assert!(screen.body.contains("Draft Tool") && screen.body.contains("version=beta"));

    // The POST is checked again: without version=beta it is MD1000 too.
    let fields = with(&screen.form("/apps/authorize/confirm"), "version", None);
    let fields = with(&fields, "decision", Some("confirm"));
    let again = b.post("/apps/authorize/confirm", &fields).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("MD1000"));

    let redirect = b.decide(&screen, "confirm").await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    let (_, q) = split_redirect(redirect.location());
    let (status, _) = exchange(&w.server, &w.app, &q["spapi_oauth_code"], Some(CALLBACK)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unregistered_redirect_uri_is_md5101_and_never_redirected_to() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let id = &w.app.app.application_id;
    for uri in [
        "https://evil.example.com/callback",
        "https://app.example.com/callback/",
        "https://APP.example.com/callback",
        "http://app.example.com/callback",
    ] {
        let err = b.get(&consent_path(id, "s", Some(uri))).await;
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(err.body.contains("MD5101"), "{uri}: {}", err.body);
        assert!(err.headers.get(LOCATION).is_none());
        assert_html(&err);
    }
    let err = b
        .get(&consent_path(
            id,
            "s",
            Some("https://app.example.com/callback#x"),
        ))
        .await;
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    assert!(err.body.contains("MD5110"), "{}", err.body);

    // An app without redirect URIs cannot be authorized through the website workflow.
    let bare = w
        .server
        .auth()
        .create_app(NewApp {
            redirect_uris: vec![],
            ..new_app("Bare")
        })
        .await
        .unwrap();
    let err = b
        .get(&consent_path(&bare.app.application_id, "s", None))
        .await;
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    assert!(err.body.contains("MD5101"));

    // A tampered POST is checked again.
    let screen = b
        .sign_in(&consent_path(id, "s", Some(CALLBACK)), EMAIL, PASSWORD)
        .await;
    let fields = with(
        &screen.form("/apps/authorize/confirm"),
        "redirect_uri",
        Some("https://evil.example.com/callback"),
    );
    let fields = with(&fields, "decision", Some("confirm"));
    let err = b.post("/apps/authorize/confirm", &fields).await;
    assert_eq!(err.status, StatusCode::BAD_REQUEST);
    assert!(err.body.contains("MD5101"));
    assert!(err.headers.get(LOCATION).is_none());
}

#[tokio::test]
async fn bad_links_are_400_pages() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let id = enc(&w.app.app.application_id);
    let cases = [
        "/apps/authorize/consent".to_string(),
        "/apps/authorize/consent?state=s".to_string(),
        format!("/apps/authorize/consent?application_id={id}"),
        format!("/apps/authorize/consent?application_id={id}&state="),
        format!("/apps/authorize/consent?application_id={id}&state=a&state=b"),
        format!(
            "/apps/authorize/consent?application_id={id}&state={}",
            "x".repeat(3000)
        ),
        "/apps/authorize/consent?application_id=amzn1.sellerapps.app.nope&state=s".to_string(),
        "/apps/authorize/consent?application_id=%FF%FE&state=%00".to_string(),
    ];
    for path in cases {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{path}: {}", p.body);
        assert_html(&p);
    }
    let p = b
        .get("/apps/authorize/consent?application_id=amzn1.sellerapps.app.nope&state=s")
        .await;
    assert!(p.body.contains("App not found"));

    // POSTs with garbage bodies: 400 or 403 pages, never a 500.
    for body in ["", "application_id", "%%%", "csrf=x&decision=confirm"] {
        for path in [
            "/apps/authorize/signin",
            "/apps/authorize/confirm",
            "/apps/authorize/signout",
        ] {
            let resp = b
                .http
                .post(format!("{}{path}", b.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(
                resp.status() == StatusCode::BAD_REQUEST || resp.status() == StatusCode::FORBIDDEN,
                "{path} {body}: {}",
                resp.status()
            );
        }
    }

    // A GET of a form target goes back to the consent page.
    let p = b
        .get(&format!(
            "/apps/authorize/signin?application_id={id}&state=s"
        ))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        p.location(),
        format!("/apps/authorize/consent?application_id={id}&state=s")
    );
}

#[tokio::test]
async fn wrong_credentials_show_the_form_again() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    let form = b.get(&path).await;
    let mut bodies = Vec::new();
    for (email, password) in [(EMAIL, "wrong password"), ("nobody@example.com", PASSWORD)] {
        let mut fields = form.form("/apps/authorize/signin");
        fields.push(("email".into(), email.into()));
        fields.push(("password".into(), password.into()));
        let p = b.post("/apps/authorize/signin", &fields).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);
        assert_html(&p);
        assert!(
            p.body
                .contains("The email address or password is incorrect.")
        );
        assert!(p.body.contains(r#"name="password""#), "the form again");
        assert!(!b.cookies.contains_key("spapi_signin"));
        bodies.push(p.body.replace(email, ""));
    }
    let strip_csrf = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip_csrf(&bodies[0]),
        strip_csrf(&bodies[1]),
        "nothing tells which was wrong"
    );

    // Missing fields: 400, the form again.
    let p = b
        .post(
            "/apps/authorize/signin",
            &form.form("/apps/authorize/signin"),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains(r#"name="password""#));

    // The email is not case-sensitive.
    let screen = b.sign_in(&path, &EMAIL.to_uppercase(), PASSWORD).await;
    assert!(screen.body.contains("Acme Tools LLC"));
}

#[tokio::test]
async fn forms_need_their_csrf_token() {
    let w = world_with(
        ServerConfig {
            clock: Clock::frozen(t0()),
            ..ServerConfig::ephemeral()
        },
        new_app("C"),
    )
    .await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    let form = b.get(&path).await;
    let creds = |fields: Vec<(String, String)>| {
        let mut f = fields;
        f.push(("email".into(), EMAIL.into()));
        f.push(("password".into(), PASSWORD.into()));
        f
    };
    let signin_fields = form.form("/apps/authorize/signin");
    let token = signin_fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .unwrap()
        .1
        .clone();
    let forged = token.replacen("csrf.signin", "csrf.signim", 1);
    for csrf in [
        None,
        Some(""),
        Some("garbage"),
        Some(forged.as_str()),
        Some("csrf.signin.x.9999999999999999.ab.ü"),
    ] {
        let p = b
            .post(
                "/apps/authorize/signin",
                &creds(with(&signin_fields, "csrf", csrf)),
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{csrf:?}: {}", p.body);
        assert_html(&p);
        assert!(!b.cookies.contains_key("spapi_signin"));
    }

    // Login CSRF: a valid token without the browser cookie it is bound to.
    let mut other = Browser::new(&w.server);
    let p = other
        .post("/apps/authorize/signin", &creds(signin_fields.clone()))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    other.cookies.insert("spapi_browser".into(), "A".repeat(32));
    let p = other
        .post("/apps/authorize/signin", &creds(signin_fields.clone()))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    let screen = b.sign_in(&path, EMAIL, PASSWORD).await;
    let confirm = with(
        &screen.form("/apps/authorize/confirm"),
        "decision",
        Some("confirm"),
    );
    // The sign-in token does not confirm.
    let p = b
        .post(
            "/apps/authorize/confirm",
            &with(&confirm, "csrf", Some(&token)),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // The confirm token is bound to the state it was rendered for.
    let p = b
        .post(
            "/apps/authorize/confirm",
            &with(&confirm, "state", Some("other")),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b
        .post("/apps/authorize/confirm", &with(&confirm, "csrf", None))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("Start again"), "a way back: {}", p.body);
    // ... and to the seller: another seller's session cannot use it.
    w.server
        .auth()
        .create_seller(NewSeller {
            name: "Other".into(),
            email: "other@example.com".into(),
            password: PASSWORD.into(),
            region: "EU".into(),
            ..NewSeller::default()
        })
        .await
        .unwrap();
    let mut b2 = Browser {
        cookies: BTreeMap::new(),
        ..Browser::new(&w.server)
    };
    b2.sign_in(&path, "other@example.com", PASSWORD).await;
    b2.cookies
        .insert("spapi_browser".into(), b.cookies["spapi_browser"].clone());
    let p = b2.post("/apps/authorize/confirm", &confirm).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // Tokens expire (30 minutes of the emulator's clock).
    w.server.clock().advance(SignedDuration::from_mins(31));
    let p = b.post("/apps/authorize/confirm", &confirm).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let fresh = b.get(&path).await;
    let p = b.decide(&fresh, "confirm").await;
    assert_eq!(
        p.status,
        StatusCode::FOUND,
        "a fresh page works: {}",
        p.body
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    let screen = b.sign_in(&path, EMAIL, PASSWORD).await;
    let confirm = with(
        &screen.form("/apps/authorize/confirm"),
        "decision",
        Some("confirm"),
    );
    for origin in ["https://evil.example.com", "null", "http://127.0.0.1:1"] {
        let p = b
            .post_from("/apps/authorize/confirm", &confirm, Some(origin))
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{origin}");
        assert_html(&p);
        assert!(p.headers.get(LOCATION).is_none());
    }
    let req = b
        .http
        .post(b.url("/apps/authorize/confirm"))
        .form(&confirm)
        .header("sec-fetch-site", "cross-site");
    let p = b.send(req).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let req = b
        .http
        .post(b.url("/apps/authorize/confirm"))
        .form(&confirm)
        .header("origin", "null")
        .header("sec-fetch-site", "same-site");
    let p = b.send(req).await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "another port of the same host"
    );
    // What Chromium sends from a page with `Referrer-Policy: no-referrer`.
    let req = b
        .http
        .post(b.url("/apps/authorize/confirm"))
        .form(&confirm)
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin");
    let p = b.send(req).await;
    assert_eq!(p.status, StatusCode::FOUND, "{}", p.body);
    // Without Origin (not a browser's cross-site form) the token alone decides.
    let p = b.post_from("/apps/authorize/confirm", &confirm, None).await;
    assert_eq!(p.status, StatusCode::FOUND);
}

#[tokio::test]
async fn hybrid_apps_get_an_mws_auth_token() {
    let w = world_with(
        ServerConfig::ephemeral(),
        NewApp {
            hybrid: true,
            ..new_app("Hybrid")
        },
    )
    .await;
    let mut b = Browser::new(&w.server);
    let screen = b
        .sign_in(
            &consent_path(&w.app.app.application_id, "s", Some(CALLBACK)),
            EMAIL,
            PASSWORD,
        )
        .await;
    let redirect = b.decide(&screen, "confirm").await;
    let (_, q) = split_redirect(redirect.location());
    let mws = q["mws_auth_token"]
        .strip_prefix("amzn.mws.")
        .expect("amzn.mws. prefix");
    assert_eq!(mws.len(), 36, "a uuid: {mws}");
    assert!(!q["spapi_oauth_code"].is_empty());
}

fn t0() -> Timestamp {
    "2025-03-01T12:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn the_code_expires_after_five_minutes() {
    let w = world_with(
        ServerConfig {
            clock: Clock::frozen(t0()),
            ..ServerConfig::ephemeral()
        },
        new_app("E"),
    )
    .await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    let screen = b.sign_in(&path, EMAIL, PASSWORD).await;
    let (_, q) = split_redirect(b.decide(&screen, "confirm").await.location());
    w.server.clock().advance(SignedDuration::from_secs(301));
    let (status, err) = exchange(&w.server, &w.app, &q["spapi_oauth_code"], Some(CALLBACK)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"], "invalid_grant");

    // A code used within its five minutes works.
    let screen = b.get(&path).await;
    let (_, q) = split_redirect(b.decide(&screen, "confirm").await.location());
    w.server.clock().advance(SignedDuration::from_secs(299));
    let (status, _) = exchange(&w.server, &w.app, &q["spapi_oauth_code"], Some(CALLBACK)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_sign_in_lasts_an_hour_of_emulator_time() {
    let w = world_with(
        ServerConfig {
            clock: Clock::frozen(t0()),
            ..ServerConfig::ephemeral()
        },
        new_app("S"),
    )
    .await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    b.sign_in(&path, EMAIL, PASSWORD).await;
    w.server.clock().advance(SignedDuration::from_mins(59));
    let screen = b.get(&path).await;
    assert!(screen.body.contains("Confirm"), "still signed in");
    w.server.clock().advance(SignedDuration::from_mins(2));
    let p = b.get(&path).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(r#"name="password""#),
        "signed out: {}",
        p.body
    );
    // A consent screen rendered while signed in now asks for the sign-in again.
    let p = b.decide(&screen, "confirm").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("Your sign-in has expired") && p.body.contains(r#"name="password""#));
    assert!(p.headers.get(LOCATION).is_none());
}

#[tokio::test]
async fn cancel_returns_access_denied_to_the_app() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let screen = b
        .sign_in(
            &consent_path(&w.app.app.application_id, "st/9", Some(CALLBACK)),
            EMAIL,
            PASSWORD,
        )
        .await;
    let redirect = b.decide(&screen, "cancel").await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    let (base, q) = split_redirect(redirect.location());
    assert_eq!(base, CALLBACK);
    assert_eq!(q["state"], "st/9");
    assert_eq!(q["error"], "access_denied");
    assert!(q.contains_key("error_description"));
    assert!(!q.contains_key("spapi_oauth_code") && !q.contains_key("selling_partner_id"));

    let p = b
        .post(
            "/apps/authorize/confirm",
            &with(
                &screen.form("/apps/authorize/confirm"),
                "decision",
                Some("maybe"),
            ),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn sign_in_as_someone_else() {
    let w = world().await;
    let mut b = Browser::new(&w.server);
    let path = consent_path(&w.app.app.application_id, "s", Some(CALLBACK));
    let screen = b.sign_in(&path, EMAIL, PASSWORD).await;
    assert!(screen.body.contains("Sign in as someone else"));
    let fields = screen.form("/apps/authorize/signout");
    let p = b
        .post(
            "/apps/authorize/signout",
            &with(&fields, "csrf", Some("forged")),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b.post("/apps/authorize/signout", &fields).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("spapi_signin"));
    let p = b.get(p.location()).await;
    assert!(p.body.contains(r#"name="password""#));
}

#[tokio::test]
async fn app_names_and_parameters_are_escaped() {
    let w = world_with(
        ServerConfig::ephemeral(),
        new_app("<script>alert(1)</script>"),
    )
    .await;
    let mut b = Browser::new(&w.server);
    let state = r#""><script>alert(2)</script>"#;
    let path = consent_path(&w.app.app.application_id, state, Some(CALLBACK));
    let form = b.get(&path).await;
    assert!(!form.body.contains("<script"), "{}", form.body);
    assert!(form.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(form.body.contains("&quot;&gt;&lt;script&gt;alert(2)"));
    let screen = b.sign_in(&path, EMAIL, PASSWORD).await;
    assert!(!screen.body.contains("<script"));
    assert!(
        screen
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    // The state survives the round trip through the hidden fields.
    let (_, q) = split_redirect(b.decide(&screen, "confirm").await.location());
    assert_eq!(q["state"], state);

    let err = b.get(&consent_path("<b>x</b>", "s", None)).await;
    assert!(err.body.contains("&lt;b&gt;x&lt;/b&gt;") && !err.body.contains("<b>x"));
}
