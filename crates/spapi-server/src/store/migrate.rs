//! Embedded schema migrations, one list per backend.
//!
//! `sqlx::migrate!` lives behind sqlx's `macros` feature, which this workspace does not enable
//! (it pulls in the compile-time query machinery). Instead each migration file is embedded with
//! `include_str!` and handed to [`Migrator::with_migrations`]: the runtime behavior is the one of
//! `migrate!` (the `_sqlx_migrations` table, checksums that reject an edited applied migration,
//! one transaction per migration, an advisory lock on PostgreSQL so that several instances can
//! start at once).
//!
//! To add a migration: write `migrations/sqlite/NNNN_name.sql` and
//! `migrations/postgres/NNNN_name.sql` with the same logical change and append both to the lists
//! below with the same version. Never edit a migration that has been released.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// One embedded migration: version, description, SQL.
type Embedded = (i64, &'static str, &'static str);

/// SQLite migrations, in version order.
const SQLITE: &[Embedded] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "auth",
        include_str!("../../migrations/sqlite/0002_auth.sql"),
    ),
    (
        3,
        "world",
        include_str!("../../migrations/sqlite/0003_world.sql"),
    ),
    (
        4,
        "traffic",
        include_str!("../../migrations/sqlite/0004_traffic.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../../migrations/sqlite/0005_notifications.sql"),
    ),
    (
        6,
        "regulated",
        include_str!("../../migrations/sqlite/0006_regulated.sql"),
    ),
    (
        7,
        "catalog_listings",
        include_str!("../../migrations/sqlite/0007_catalog_listings.sql"),
    ),
    (
        8,
        "documents_reports_feeds",
        include_str!("../../migrations/sqlite/0008_documents_reports_feeds.sql"),
    ),
    (
        9,
        "notify_aggregation",
        include_str!("../../migrations/sqlite/0009_notify_aggregation.sql"),
    ),
    (
        10,
        "seller_account",
        include_str!("../../migrations/sqlite/0010_seller_account.sql"),
    ),
    (
        11,
        "fba_inventory",
        include_str!("../../migrations/sqlite/0011_fba_inventory.sql"),
    ),
    (
        12,
        "supply_sources",
        include_str!("../../migrations/sqlite/0012_supply_sources.sql"),
    ),
    (
        13,
        "finances",
        include_str!("../../migrations/sqlite/0013_finances.sql"),
    ),
    (
        14,
        "mcf_orders",
        include_str!("../../migrations/sqlite/0014_mcf_orders.sql"),
    ),
    (
        15,
        "inbound",
        include_str!("../../migrations/sqlite/0015_inbound.sql"),
    ),
    (
        16,
        "awd",
        include_str!("../../migrations/sqlite/0016_awd.sql"),
    ),
    (
        17,
        "shipping",
        include_str!("../../migrations/sqlite/0017_shipping.sql"),
    ),
    (
        18,
        "services",
        include_str!("../../migrations/sqlite/0018_services.sql"),
    ),
    (
        19,
        "invoices",
        include_str!("../../migrations/sqlite/0019_invoices.sql"),
    ),
];

/// PostgreSQL migrations, in version order; the same versions as [`SQLITE`].
const POSTGRES: &[Embedded] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "auth",
        include_str!("../../migrations/postgres/0002_auth.sql"),
    ),
    (
        3,
        "world",
        include_str!("../../migrations/postgres/0003_world.sql"),
    ),
    (
        4,
        "traffic",
        include_str!("../../migrations/postgres/0004_traffic.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../../migrations/postgres/0005_notifications.sql"),
    ),
    (
        6,
        "regulated",
        include_str!("../../migrations/postgres/0006_regulated.sql"),
    ),
    (
        7,
        "catalog_listings",
        include_str!("../../migrations/postgres/0007_catalog_listings.sql"),
    ),
    (
        8,
        "documents_reports_feeds",
        include_str!("../../migrations/postgres/0008_documents_reports_feeds.sql"),
    ),
    (
        9,
        "notify_aggregation",
        include_str!("../../migrations/postgres/0009_notify_aggregation.sql"),
    ),
    (
        10,
        "seller_account",
        include_str!("../../migrations/postgres/0010_seller_account.sql"),
    ),
    (
        11,
        "fba_inventory",
        include_str!("../../migrations/postgres/0011_fba_inventory.sql"),
    ),
    (
        12,
        "supply_sources",
        include_str!("../../migrations/postgres/0012_supply_sources.sql"),
    ),
    (
        13,
        "finances",
        include_str!("../../migrations/postgres/0013_finances.sql"),
    ),
    (
        14,
        "mcf_orders",
        include_str!("../../migrations/postgres/0014_mcf_orders.sql"),
    ),
    (
        15,
        "inbound",
        include_str!("../../migrations/postgres/0015_inbound.sql"),
    ),
    (
        16,
        "awd",
        include_str!("../../migrations/postgres/0016_awd.sql"),
    ),
    (
        17,
        "shipping",
        include_str!("../../migrations/postgres/0017_shipping.sql"),
    ),
    (
        18,
        "services",
        include_str!("../../migrations/postgres/0018_services.sql"),
    ),
    (
        19,
        "invoices",
        include_str!("../../migrations/postgres/0019_invoices.sql"),
    ),
];

/// The migrator for `backend`.
pub(super) fn migrator(backend: Backend) -> Migrator {
    let list = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    Migrator::with_migrations(
        list.iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_version_is_the_last_migration() {
        let last = SQLITE.last().map(|m| m.0.to_string());
        assert_eq!(last.as_deref(), Some(super::super::SCHEMA_VERSION));
    }

    #[test]
    fn both_backends_have_the_same_versions() {
        let versions = |list: &[Embedded]| list.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>();
        assert_eq!(versions(SQLITE), versions(POSTGRES));
        let mut sorted = versions(SQLITE);
        sorted.sort();
        sorted.dedup_by_key(|m| m.0);
        assert_eq!(
            sorted,
            versions(SQLITE),
            "versions must be unique and ascending"
        );
    }
}
