//! A server's life: the world keeps its clock across a restart (SQLite file and PostgreSQL),
//! and the health route says when the world can serve.

mod common;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use spapi_server::{Server, ServerConfig};

/// Calls the control plane of `server` with its admin token; status and JSON.
async fn control(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = common::client()
        .request(method, format!("{}/emulator/v1{path}", server.base_url()))
        .bearer_auth(server.admin_token());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn config(store: &StoreConfig) -> ServerConfig {
    ServerConfig {
        store: store.clone(),
        // What `spapi serve` runs on: the real clock.
        clock: Clock::real(),
        ..ServerConfig::ephemeral()
    }
}

/// What `GET /emulator/v1/clock` says: its time and mode.
async fn clock_of(server: &Server) -> (Timestamp, String) {
    let (status, body) = control(server, reqwest::Method::GET, "/clock", None).await;
    assert_eq!(status, 200, "{body}");
    (
        body["now"].as_str().unwrap().parse().unwrap(),
        body["mode"].as_str().unwrap().to_string(),
    )
}

/// Advances the clock of a server two days through the control plane, restarts on the same
/// store, and expects the new server's clock to be at least two days ahead; then freezes it at
/// an instant, restarts again, and expects that instant and the frozen mode.
async fn the_clock_survives_a_restart(store: StoreConfig) {
    let two_days = SignedDuration::from_hours(48);
    let first = Server::start(config(&store)).await.unwrap();
    let (status, body) = control(
        &first,
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": two_days.as_secs()})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    first.shutdown().await.unwrap();

    let second = Server::start(config(&store)).await.unwrap();
    let (now, mode) = clock_of(&second).await;
    assert_eq!(mode, "running");
    let ahead = now.duration_since(Timestamp::now());
    assert!(
        ahead >= two_days - SignedDuration::from_secs(1),
        "the restarted clock is only {ahead:#} ahead"
    );
    assert!(ahead < two_days + SignedDuration::from_mins(5), "{ahead:#}");

    let at = "2031-02-03T04:05:06.789Z";
    let (status, body) = control(
        &second,
        reqwest::Method::POST,
        "/clock",
        Some(json!({"freeze": true, "set": at})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    second.shutdown().await.unwrap();

    let third = Server::start(config(&store)).await.unwrap();
    let (now, mode) = clock_of(&third).await;
    assert_eq!(mode, "frozen");
    assert_eq!(now, at.parse::<Timestamp>().unwrap());
    // The server reads its own time from the same clock.
    assert_eq!(third.clock().now(), now);
    third.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_clock_survives_a_restart_on_sqlite() {
    let dir = std::env::temp_dir().join(format!(
        "spapi-lifecycle-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    the_clock_survives_a_restart(StoreConfig::SqliteFile(dir.join("spapi.sqlite"))).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_clock_survives_a_restart_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    the_clock_survives_a_restart(StoreConfig::Postgres(url)).await;
}

/// A world whose clock was never changed starts on the clock it is given.
#[tokio::test]
async fn a_world_without_a_kept_clock_uses_the_given_one() {
    let t0: Timestamp = "2025-03-10T08:00:00Z".parse().unwrap();
    let server = Server::start(ServerConfig {
        clock: Clock::frozen(t0),
        ..ServerConfig::ephemeral()
    })
    .await
    .unwrap();
    assert_eq!(clock_of(&server).await, (t0, "frozen".to_string()));
    server.shutdown().await.unwrap();
}

async fn health(server: &Server) -> (u16, Value) {
    // No admin token: a script waiting for the server has none yet.
    let resp = common::client()
        .get(format!("{}/emulator/v1/health", server.base_url()))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn health_is_503_until_the_world_is_ready_then_200() {
    let server = Server::start(ServerConfig {
        defer_ready: true,
        ..ServerConfig::ephemeral()
    })
    .await
    .unwrap();
    assert!(!server.is_ready());
    let (status, body) = health(&server).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, json!({"status": "starting"}));
    // The rest of the control plane still needs the admin token.
    let resp = common::client()
        .get(format!("{}/emulator/v1/clock", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    server.set_ready();
    let (status, body) = health(&server).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let now: Timestamp = body["now"].as_str().unwrap().parse().unwrap();
    assert!(now.duration_since(server.clock().now()).abs() < SignedDuration::from_secs(5));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_server_is_ready_when_started_unless_told_to_wait() {
    let server = Server::start(ServerConfig::ephemeral()).await.unwrap();
    assert!(server.is_ready());
    let (status, body) = health(&server).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    server.shutdown().await.unwrap();
}
