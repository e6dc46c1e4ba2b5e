//! Real SP-API clients against spapi: the pytest suite in `tests/python` drives a spapi started
//! here with Amazon's official Python SDK (`amzn-sp-api`) and with `python-amazon-sp-api`,
//! each unchanged but for its endpoint.
//!
//! This test starts spapi in-process on a free loopback port, creates an app, a seller, its
//! authorization and its world through the control plane, and runs
//! `.venv/bin/python -m pytest tests/python -q` with the endpoint and credentials in
//! `SPAPI_TEST_*` variables, once on the in-memory SQLite store and once on PostgreSQL. The venv
//! at the repository root comes from `.ci/python.sh` (or `.ci/run`); without it the tests skip
//! with that hint, except under `CI`, where they fail.

mod support;

use spapi_server::store::StoreConfig;
use spapi_server::{Server, ServerConfig};
use std::path::Path;
use support::{postgres_database, prepare_suite, psql, python_or_skip, repo_root, run_suite_with};

/// The SQLite store in memory, as `ServerConfig::ephemeral()` has it.
#[tokio::test]
async fn python_clients_drive_spapi_unchanged() {
    let root = repo_root();
    let Some(python) = python_or_skip(&root) else {
        return;
    };
    run_suite(&root, &python, ServerConfig::ephemeral()).await;
}

/// A fresh PostgreSQL database (created with `psql`); skipped when PostgreSQL or `psql` is
/// not there, except under `CI`.
#[tokio::test]
async fn python_clients_drive_spapi_on_postgres() {
    let root = repo_root();
    let Some(python) = python_or_skip(&root) else {
        return;
    };
    let Some((admin, name, url)) = postgres_database() else {
        return;
    };
    let config = ServerConfig {
        store: StoreConfig::Postgres(url),
        ..ServerConfig::ephemeral()
    };
    run_suite(&root, &python, config).await;
    psql(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .ok();
}

/// Starts spapi with `config`, builds the test seller's world through the control plane and
/// runs the Python suite against it.
async fn run_suite(root: &Path, python: &Path, config: ServerConfig) {
    let server = Server::start(config).await.unwrap();
    let env = prepare_suite(&server.base_url(), server.admin_token()).await;
    run_suite_with(root, python, env).await;
    server.shutdown().await.unwrap();
}
