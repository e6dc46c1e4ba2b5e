//! A browser on spapi's consent pages (shared by the client's and the CLI's tests).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

/// A browser on the consent pages: a cookie jar, redirects not followed, forms submitted with
/// the hidden fields the pages render.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The hidden fields of the form posting to `action`.
    pub fn form(&self, action: &str) -> Vec<(String, String)> {
        let start = self
            .body
            .find(&format!(r#"action="{action}""#))
            .unwrap_or_else(|| panic!("no form to {action} in {}", self.body));
        let end = start + self.body[start..].find("</form>").expect("form ends");
        let mut out = Vec::new();
        for input in self.body[start..end].split("<input").skip(1) {
            let attr = |name: &str| {
                let key = format!(r#"{name}=""#);
                let at = input.find(&key)? + key.len();
                let len = input[at..].find('"')?;
                Some(
                    input[at..at + len]
                        .replace("&quot;", "\"")
                        .replace("&#x27;", "'")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&"),
                )
            };
            if attr("type").as_deref() == Some("hidden") {
                out.push((attr("name").unwrap(), attr("value").unwrap_or_default()));
            }
        }
        out
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Browser {
            http: spapi_client::http_client(Some(Duration::from_secs(30))).unwrap(),
            base: base.trim_end_matches('/').to_string(),
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req.header("cookie", c.join("; "))
        };
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        for c in resp.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Page {
            status,
            location,
            body: resp.text().await.unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        let req = self.http.get(self.url(url));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(String, String)]) -> Page {
        let req = self
            .http
            .post(self.url(path))
            .header("origin", self.base.clone())
            .form(fields);
        self.send(req).await
    }

    /// Follows a consent URL, signs in, confirms; returns the redirect to the app (its
    /// `Location`).
    pub async fn consent(&mut self, consent_url: &str, email: &str, password: &str) -> String {
        let form = self.get(consent_url).await;
        assert_eq!(form.status, 200, "{}", form.body);
        let mut fields = form.form("/apps/authorize/signin");
        fields.push(("email".into(), email.into()));
        fields.push(("password".into(), password.into()));
        let signed_in = self.post("/apps/authorize/signin", &fields).await;
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        let screen = self.get(signed_in.location.as_deref().unwrap()).await;
        assert_eq!(screen.status, 200, "{}", screen.body);
        let mut fields = screen.form("/apps/authorize/confirm");
        fields.push(("decision".into(), "confirm".into()));
        let done = self.post("/apps/authorize/confirm", &fields).await;
        assert_eq!(done.status, 302, "{}", done.body);
        done.location.expect("redirect to the app")
    }
}
