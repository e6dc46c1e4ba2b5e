//! Server-rendered HTML of the consent pages: plain `format!` over values that all pass
//! through [`escape`], one inline stylesheet (`assets/consent.css`), no script, no external
//! resources.

use std::fmt::Write;

/// The stylesheet, inlined into every page (the CSP allows inline styles and nothing else).
const CSS: &str = include_str!("../../../assets/consent.css");

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A page: the header bar, the main column with `body`, the footer.
fn layout(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title} · spapi Seller Central</title>
<style>{CSS}</style>
</head>
<body>
<header class="topbar">
  <div class="topbar-inner">
    <div class="brand"><span class="logo" aria-hidden="true">sp</span><span class="brand-name">spapi</span><span class="brand-sub">Seller Central</span></div>
    <span class="env" title="This is spapi, a local emulator of Amazon's Selling Partner API. It is not Amazon.">Emulator · not Amazon</span>
  </div>
</header>
<main class="main">
{body}
</main>
<footer class="foot">
  <p><strong>spapi</strong> is a local emulator of Amazon's Selling Partner API for developing and testing apps. It is not Amazon and is not affiliated with Amazon. Never enter real Amazon credentials here.</p>
</footer>
</body>
</html>
"#,
        title = escape(title),
    )
}

/// Hidden inputs for `fields`.
fn hidden(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in fields {
        let _ = writeln!(
            out,
            r#"<input type="hidden" name="{}" value="{}">"#,
            escape(name),
            escape(value)
        );
    }
    out
}

/// The initial of a name, for the app's avatar.
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map_or('?', |c| c)
        .to_uppercase()
        .collect()
}

/// What the sign-in page shows.
#[derive(Debug)]
pub(super) struct SignIn<'a> {
    /// The app being authorized.
    pub app_name: &'a str,
    /// The email to prefill (after a failed attempt).
    pub email: &'a str,
    /// An error to show above the form.
    pub error: Option<&'a str>,
    /// A notice to show above the form (not an error).
    pub notice: Option<&'a str>,
    /// Hidden fields: the consent parameters and the CSRF token.
    pub hidden: &'a [(&'a str, &'a str)],
}

/// The sign-in form.
pub(super) fn sign_in(v: &SignIn<'_>) -> String {
    let mut alerts = String::new();
    if let Some(e) = v.error {
        let _ = write!(
            alerts,
            r#"<div class="alert alert-error" role="alert">{}</div>"#,
            escape(e)
        );
    }
    if let Some(n) = v.notice {
        let _ = write!(
            alerts,
            r#"<div class="alert alert-info" role="status">{}</div>"#,
            escape(n)
        );
    }
    let body = format!(
        r#"<section class="card card-narrow">
  <h1>Sign in</h1>
  <p class="lead">to authorize <strong>{app}</strong> with your spapi selling account</p>
  {alerts}
  <form class="form" method="post" action="/apps/authorize/signin" autocomplete="on">
{hidden}    <label class="field">
      <span class="label">Email address</span>
      <input class="input" type="email" name="email" value="{email}" autocomplete="username" required{focus_email}>
    </label>
    <label class="field">
      <span class="label">Password</span>
      <input class="input" type="password" name="password" autocomplete="current-password" required{focus_password}>
    </label>
    <button class="btn btn-primary btn-block" type="submit">Sign in</button>
  </form>
  <p class="hint">Sign in with a seller account created in this emulator (with <code>spapi</code>'s control plane or CLI).</p>
</section>"#,
        app = escape(v.app_name),
        email = escape(v.email),
        hidden = hidden(v.hidden),
        focus_email = if v.email.is_empty() { " autofocus" } else { "" },
        focus_password = if v.email.is_empty() { "" } else { " autofocus" },
    );
    layout("Sign in", &body)
}

/// One role the app asks for.
#[derive(Debug)]
pub(super) struct Role<'a> {
    /// The role's name.
    pub name: &'a str,
    /// What it lets the app do.
    pub description: &'a str,
    /// Whether it gives access to personal (restricted) data.
    pub restricted: bool,
}

/// What the consent screen shows.
#[derive(Debug)]
pub(super) struct Consent<'a> {
    /// The app's name.
    pub app_name: &'a str,
    /// The app's id.
    pub application_id: &'a str,
    /// The signed-in seller's name.
    pub seller_name: &'a str,
    /// The signed-in seller's id.
    pub seller_id: &'a str,
    /// The seller's sign-in email.
    pub seller_email: &'a str,
    /// The roles the app asks for.
    pub roles: &'a [Role<'a>],
    /// Where the seller is sent after the decision (host, for display).
    pub redirect_host: &'a str,
    /// Authorizing a draft app (`version=beta`).
    pub beta: bool,
    /// How long the authorization lasts, in days.
    pub authorization_days: i64,
    /// Hidden fields of the confirm form.
    pub confirm_hidden: &'a [(&'a str, &'a str)],
    /// Hidden fields of the "sign in as someone else" form.
    pub signout_hidden: &'a [(&'a str, &'a str)],
}

/// The consent screen.
pub(super) fn consent(v: &Consent<'_>) -> String {
    let mut roles = String::new();
    for r in v.roles {
        let badge = if r.restricted {
            r#" <span class="badge badge-warn" title="Gives access to buyers' personal information">Restricted data</span>"#
        } else {
            ""
        };
        let _ = write!(
            roles,
            r#"
      <li class="role"><span class="tick" aria-hidden="true"></span><div><div class="role-name">{}{badge}</div><div class="role-desc">{}</div></div></li>"#,
            escape(r.name),
            escape(r.description),
        );
    }
    let beta = if v.beta {
        r#"<div class="alert alert-info" role="status"><strong>Draft app.</strong> You are authorizing a draft version of this app (<code>version=beta</code>). Only do this if you are testing it with its developer.</div>"#
    } else {
        ""
    };
    let body = format!(
        r#"<section class="card">
  <div class="app-head">
    <div class="avatar" aria-hidden="true">{initial}</div>
    <div>
      <h1>Authorize {app}</h1>
      <p class="app-id">App ID <span class="mono">{application_id}</span></p>
      <p class="lead">{app} wants to use the Selling Partner API on behalf of your selling account.</p>
    </div>
  </div>
  {beta}
  <div class="account">
    <div>
      <div class="account-label">Signed in as</div>
      <div class="account-name">{seller}</div>
      <div class="account-meta">{email}</div>
      <div class="account-meta">Seller ID <span class="mono">{seller_id}</span></div>
    </div>
    <form method="post" action="/apps/authorize/signout">
{signout_hidden}      <button class="link" type="submit">Sign in as someone else</button>
    </form>
  </div>
  <h2>This app is asking for these roles</h2>
  <ul class="roles">{roles}
  </ul>
  <p class="fine">By confirming, you let <strong>{app}</strong> call the Selling Partner API for your account with these roles for {days} days, or until you revoke its access. You will then be sent to <strong>{host}</strong>.</p>
  <form class="actions" method="post" action="/apps/authorize/confirm">
{confirm_hidden}    <button class="btn btn-secondary" type="submit" name="decision" value="cancel">Cancel</button>
    <button class="btn btn-primary" type="submit" name="decision" value="confirm">Confirm</button>
  </form>
</section>"#,
        initial = escape(&initial(v.app_name)),
        app = escape(v.app_name),
        application_id = escape(v.application_id),
        seller = escape(v.seller_name),
        email = escape(v.seller_email),
        seller_id = escape(v.seller_id),
        host = escape(v.redirect_host),
        days = v.authorization_days,
        signout_hidden = hidden(v.signout_hidden),
        confirm_hidden = hidden(v.confirm_hidden),
    );
    layout(&format!("Authorize {}", v.app_name), &body)
}

/// What an error page shows.
#[derive(Debug)]
pub(super) struct Error<'a> {
    /// The page title and heading.
    pub title: &'a str,
    /// The error code (`MD5101`), shown prominently.
    pub code: Option<&'a str>,
    /// What happened, for the seller.
    pub message: &'a str,
    /// Details for the app's developer (label, value).
    pub details: &'a [(&'a str, String)],
    /// A link to start again (href, text).
    pub link: Option<(&'a str, &'a str)>,
}

/// An error page.
pub(super) fn error(v: &Error<'_>) -> String {
    let code = v.code.map_or(String::new(), |c| {
        format!(
            r#"<div class="code"><span class="code-label">Error code</span><span class="code-value">{}</span></div>"#,
            escape(c)
        )
    });
    let mut details = String::new();
    if !v.details.is_empty() {
        details.push_str(r#"<div class="details"><h2>For the app's developer</h2><dl>"#);
        for (label, value) in v.details {
            let _ = write!(
                details,
                "<dt>{}</dt><dd>{}</dd>",
                escape(label),
                escape(value)
            );
        }
        details.push_str("</dl></div>");
    }
    let link = v.link.map_or(String::new(), |(href, text)| {
        format!(
            r#"<p class="actions-left"><a class="btn btn-secondary" href="{}">{}</a></p>"#,
            escape(href),
            escape(text)
        )
    });
    let body = format!(
        r#"<section class="card card-error">
  <div class="error-head">
    <div class="error-icon" aria-hidden="true">!</div>
    <div>
      <h1>{title}</h1>
      <p class="lead">{message}</p>
    </div>
  </div>
  {code}
  {details}
  {link}
</section>"#,
        title = escape(v.title),
        message = escape(v.message),
    );
    layout(v.title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#x27;y&#x27;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain text, é ü 日本"), "plain text, é ü 日本");
        assert_eq!(escape(""), "");
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn pages_escape_every_value() {
        let evil = r#""><script>alert(1)</script>"#;
        let roles = [Role {
            name: evil,
            description: evil,
            restricted: true,
        }];
        let hidden = [("state", evil)];
        let pages = [
            sign_in(&SignIn {
                app_name: evil,
                email: evil,
                error: Some(evil),
                notice: Some(evil),
                hidden: &hidden,
            }),
            consent(&Consent {
                app_name: evil,
                application_id: evil,
                seller_name: evil,
                seller_id: evil,
                seller_email: evil,
                roles: &roles,
                redirect_host: evil,
                beta: true,
                authorization_days: 365,
                confirm_hidden: &hidden,
                signout_hidden: &hidden,
            }),
            error(&Error {
                title: evil,
                code: Some(evil),
                message: evil,
                details: &[("x", evil.to_string())],
                link: Some((evil, evil)),
            }),
        ];
        for page in pages {
            assert!(!page.contains("<script"), "{page}");
            assert!(page.contains("&lt;script&gt;"));
        }
    }

    #[test]
    fn initials() {
        assert_eq!(initial("acme tools"), "A");
        assert_eq!(initial("  <ß>"), "SS");
        assert_eq!(initial(""), "?");
    }
}
