//! The one migration set of Class'Code Hub, written with sea-orm-migration so that it runs on SQLite and PostgreSQL.
//!
//! A released migration is never edited: add a new file `mYYYYMMDD_HHMMSS_name.rs` and list it below.

#![forbid(unsafe_code)]

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261129_000001_create_tenants;
mod m20261129_000002_create_lrs;
mod m20261129_000003_create_lti;
mod m20261129_000004_create_content;
mod m20261129_000005_create_cmi5_sessions;
mod m20261129_000006_create_certifications;
mod m20261129_000007_create_badges;
mod m20261129_000008_create_research;
mod m20261129_000009_index_launches_by_link;
mod m20261129_000010_create_daily_stats;
mod m20261129_000011_query_key_dictionary;
mod m20261129_000012_erasures_and_audit;
mod m20261129_000013_admin_console;

/// Every migration of the hub, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_tenants::Migration),
            Box::new(m20261129_000002_create_lrs::Migration),
            Box::new(m20261129_000003_create_lti::Migration),
            Box::new(m20261129_000004_create_content::Migration),
            Box::new(m20261129_000005_create_cmi5_sessions::Migration),
            Box::new(m20261129_000006_create_certifications::Migration),
            Box::new(m20261129_000007_create_badges::Migration),
            Box::new(m20261129_000008_create_research::Migration),
            Box::new(m20261129_000009_index_launches_by_link::Migration),
            Box::new(m20261129_000010_create_daily_stats::Migration),
            Box::new(m20261129_000011_query_key_dictionary::Migration),
            Box::new(m20261129_000012_erasures_and_audit::Migration),
            Box::new(m20261129_000013_admin_console::Migration),
        ]
    }
}
