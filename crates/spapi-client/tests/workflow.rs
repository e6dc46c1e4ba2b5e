//! The app's side of the authorization workflow against a running spapi: consent URL -> the
//! seller consents on spapi's pages -> the redirect reaches the app's loopback callback -> code
//! exchange -> calls -> refresh -> the seller revokes -> a clean error saying so.

mod common;

use common::{Browser, PASSWORD, World, http};
use spapi_client::consent::{ConsentRequest, LoopbackReceiver};
use spapi_client::model::tokens_2021_03_01::params::CreateRestrictedDataToken;
use spapi_client::model::tokens_2021_03_01::{
    CreateRestrictedDataTokenRequest, RestrictedResource as ModelResource,
};
use spapi_client::rdt::RestrictedResource;
use spapi_client::token::{Lwa, LwaCredentials};
use spapi_client::{Client, Endpoint, Error};
use std::time::Duration;

fn rdt_params() -> CreateRestrictedDataToken {
    CreateRestrictedDataToken {
        body: CreateRestrictedDataTokenRequest {
            restricted_resources: vec![ModelResource {
                method: "GET".into(),
                path: "/orders/v0/orders/{orderId}/address".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn url_consent_callback_exchange_call_refresh_revoke() {
    // The app's callback: a loopback listener, registered as the app's redirect URI.
    let receiver = LoopbackReceiver::bind(([127, 0, 0, 1], 0).into(), "/callback")
        .await
        .unwrap();
    let redirect_uri = receiver.redirect_uri().unwrap();
    let w = World::start(vec![redirect_uri.clone()]).await;
    let endpoint = Endpoint::custom(w.base());

    // 1. url: the consent link with a fresh random state.
    let consent = ConsentRequest::new(
        &endpoint.consent_url,
        &w.app.app.application_id,
        Some(&redirect_uri),
        false,
    );
    assert_eq!(consent.state.len(), 64);

    // 2. consent: the seller follows the link, signs in and confirms; spapi redirects the browser
    //    to the callback, which checks the state.
    let state = consent.state.clone();
    let callback =
        tokio::spawn(async move { receiver.receive(&state, Duration::from_secs(30)).await });
    let mut browser = Browser::new(&w.base());
    let location = browser.consent(&consent.url, &w.email, PASSWORD).await;
    assert!(location.starts_with(&redirect_uri), "{location}");
    let landing = browser.get(&location).await;
    assert_eq!(landing.status, 200, "{}", landing.body);
    let code = callback.await.unwrap().unwrap();
    assert_eq!(
        code.selling_partner_id.as_deref(),
        Some(w.seller.selling_partner_id.as_str())
    );

    // 3. exchange: the code for the seller's refresh token.
    let creds = LwaCredentials {
        client_id: w.app.app.client_id.clone(),
        client_secret: w.app.client_secret.clone(),
    };
    let lwa = Lwa::new(
        spapi_client::http_client(Some(Duration::from_secs(30))).unwrap(),
        endpoint.lwa_url.clone(),
        creds.clone(),
    );
    let tokens = lwa
        .exchange_code(&code.code, Some(&redirect_uri))
        .await
        .unwrap();
    let refresh_token = tokens.refresh_token.clone().expect("a refresh token");
    assert!(refresh_token.starts_with("Atzr|"));
    // A code is good once.
    let again = lwa.exchange_code(&code.code, Some(&redirect_uri)).await;
    assert!(
        matches!(&again, Err(Error::Lwa { error, .. }) if error == "invalid_grant"),
        "{again:?}"
    );

    // 4. call, as the seller.
    let client = Client::builder(endpoint.clone())
        .credentials(&creds.client_id, &creds.client_secret)
        .refresh_token(&refresh_token)
        .selling_partner_id(&w.seller.selling_partner_id)
        .build()
        .unwrap();
    let rdt = client
        .tokens_2021_03_01()
        .create_restricted_data_token(rdt_params())
        .await
        .unwrap();
    assert!(
        rdt.restricted_data_token
            .as_deref()
            .unwrap_or("")
            .starts_with("Atz.sprdt|")
    );
    let tokens_provider = client.seller_tokens().unwrap().clone();
    assert_eq!(tokens_provider.fetch_count(), 1);
    // The RDT helper caches per list of resources.
    let resource = RestrictedResource {
        method: "GET".into(),
        path: "/orders/v0/orders/902-3159896-1390916/address".into(),
        data_elements: vec![],
    };
    let a = client
        .restricted_data_token(std::slice::from_ref(&resource))
        .await
        .unwrap();
    let b = client.restricted_data_token(&[resource]).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(client.cached_rdt_count(), 1);

    // 5. refresh: a new access token; calls go on with it.
    let before = tokens_provider.current().unwrap().token;
    let after = tokens_provider.refresh().await.unwrap().token;
    assert_ne!(before, after);
    assert_eq!(tokens_provider.fetch_count(), 2);
    client
        .tokens_2021_03_01()
        .create_restricted_data_token(rdt_params())
        .await
        .unwrap();

    // 6. revoke: the seller revokes the app. The next call's access token is refused, the
    //    client asks LWA for a new one once, and LWA's refusal becomes a clean error.
    w.revoke().await;
    let err = client
        .tokens_2021_03_01()
        .create_restricted_data_token(rdt_params())
        .await
        .unwrap_err();
    assert!(err.is_revoked(), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("revoked this app's authorization"),
        "{message}"
    );
    assert_eq!(tokens_provider.fetch_count(), 3);
    // Later calls fail the same way without asking LWA again.
    let err = client
        .tokens_2021_03_01()
        .create_restricted_data_token(rdt_params())
        .await
        .unwrap_err();
    assert!(err.is_revoked());
    assert_eq!(tokens_provider.fetch_count(), 3);
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_callback_with_another_state_is_rejected() {
    let receiver = LoopbackReceiver::bind(([127, 0, 0, 1], 0).into(), "/callback")
        .await
        .unwrap();
    let redirect_uri = receiver.redirect_uri().unwrap();
    let w = World::start(vec![redirect_uri.clone()]).await;
    let ours = ConsentRequest::new(
        &w.base(),
        &w.app.app.application_id,
        Some(&redirect_uri),
        false,
    );
    // An attacker's own consent (another state) completes in the victim's browser...
    let theirs = ConsentRequest::new(
        &w.base(),
        &w.app.app.application_id,
        Some(&redirect_uri),
        false,
    );
    assert_ne!(ours.state, theirs.state);
    let state = ours.state.clone();
    let callback =
        tokio::spawn(async move { receiver.receive(&state, Duration::from_secs(30)).await });
    let mut browser = Browser::new(&w.base());
    let location = browser.consent(&theirs.url, &w.email, PASSWORD).await;
    // ...and its redirect reaches our callback: refused, code not used.
    let landing = browser.get(&location).await;
    assert_eq!(landing.status, 400);
    assert!(landing.body.contains("state mismatch"), "{}", landing.body);
    let result = callback.await.unwrap();
    assert!(matches!(result, Err(Error::StateMismatch)), "{result:?}");
    // A callback without a state at all is refused the same way.
    let receiver = LoopbackReceiver::bind(([127, 0, 0, 1], 0).into(), "/cb")
        .await
        .unwrap();
    let url = format!(
        "{}?spapi_oauth_code=ANx&selling_partner_id=A1",
        receiver.redirect_uri().unwrap()
    );
    let state = ours.state.clone();
    let callback =
        tokio::spawn(async move { receiver.receive(&state, Duration::from_secs(30)).await });
    let resp = http().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert!(matches!(callback.await.unwrap(), Err(Error::StateMismatch)));
}

#[tokio::test]
async fn lwa_errors_are_their_own_variant() {
    let w = World::start(vec!["https://app.example.com/cb".into()]).await;
    let endpoint = Endpoint::custom(w.base());
    let client = Client::builder(endpoint)
        .credentials(&w.app.app.client_id, "not-the-secret")
        .refresh_token("Atzr|whatever")
        .build()
        .unwrap();
    let err = client
        .tokens_2021_03_01()
        .create_restricted_data_token(rdt_params())
        .await
        .unwrap_err();
    match err {
        Error::Lwa {
            status,
            error,
            description,
        } => {
            assert_eq!(status, 401);
            assert_eq!(error, "invalid_client");
            assert_eq!(description, "Client authentication failed");
        }
        other => panic!("{other:?}"),
    }
    // An API error carries status, the error list and the request id.
    let refresh = w
        .server
        .auth()
        .self_authorize(&w.app.app.application_id, &w.seller.selling_partner_id)
        .await
        .unwrap();
    let client = Client::builder(Endpoint::custom(w.base()))
        .credentials(&w.app.app.client_id, &w.app.client_secret)
        .refresh_token(refresh)
        .build()
        .unwrap();
    let mut bad = rdt_params();
    bad.body.restricted_resources[0].path = "/not/an/operation".into();
    let err = client
        .tokens_2021_03_01()
        .create_restricted_data_token(bad)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert_eq!(err.errors()[0].code, "InvalidInput");
    assert!(err.request_id().is_some());
}
