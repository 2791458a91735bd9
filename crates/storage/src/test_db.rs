//! A fresh database per test: a temp SQLite file by default, a new PostgreSQL database when
//! `CLASSCODE_TEST_PG_URL` is set. Dropped at the end unless `CLASSCODE_TEST_KEEP_DB` is set.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use uuid::Uuid;

use crate::{Backend, ConnectOptions, SqliteSync};

/// The variable that switches the tests to PostgreSQL, e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const PG_URL_VAR: &str = "CLASSCODE_TEST_PG_URL";

/// A database that exists for the duration of one test.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    /// Where the SQLite file lives; also handy as a data directory for the test.
    pub dir: PathBuf,
    postgres: Option<(PgConnectOptions, String)>,
}

impl TestDatabase {
    /// Creates an empty database on the backend chosen by the environment.
    pub async fn create() -> anyhow::Result<TestDatabase> {
        let admin_url = std::env::var(PG_URL_VAR).ok().filter(|url| !url.is_empty());
        Self::create_on(admin_url.as_deref()).await
    }

    /// Creates an empty database: a new PostgreSQL database through `admin_url`, or a SQLite file when `None`.
    pub async fn create_on(admin_url: Option<&str>) -> anyhow::Result<TestDatabase> {
        let id = Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("classcode-test-{id}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        match admin_url {
            Some(admin_url) => {
                let admin = PgConnectOptions::from_str(admin_url)
                    .with_context(|| format!("parsing {PG_URL_VAR}"))?;
                let name = format!("classcode_test_{id}");
                let mut connection = PgConnection::connect_with(&admin)
                    .await
                    .with_context(|| format!("connecting to {PG_URL_VAR}={admin_url}"))?;
                // The name is ours: a fixed prefix and a UUID in hex, so it needs no escaping.
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut connection)
                    .await
                    .context("creating the test database")?;
                connection.close().await.ok();
                let url = replace_database(admin_url, &name)?;
                Ok(TestDatabase {
                    url,
                    backend: Backend::Postgres,
                    dir,
                    postgres: Some((admin, name)),
                })
            }
            _ => Ok(TestDatabase {
                url: format!("sqlite://{}", dir.join("classcode.db").display()),
                backend: Backend::Sqlite,
                dir,
                postgres: None,
            }),
        }
    }

    /// Connection options suited to tests: small pools, quick time-outs.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            url: self.url.clone(),
            max_connections: 5,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            sqlite_synchronous: SqliteSync::Normal,
            sqlite_busy_timeout: Duration::from_secs(10),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::env::var_os("CLASSCODE_TEST_KEEP_DB").is_some() {
            return;
        }
        std::fs::remove_dir_all(&self.dir).ok();
        if let Some((admin, name)) = self.postgres.take() {
            // Drop runs inside or outside a runtime; a thread of its own with its own runtime works in both cases.
            let dropper = std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    if let Ok(mut connection) = PgConnection::connect_with(&admin).await {
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut connection)
                            .await
                            .ok();
                        connection.close().await.ok();
                    }
                });
            });
            dropper.join().ok();
        }
    }
}

fn replace_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(admin_url).with_context(|| format!("parsing {PG_URL_VAR}"))?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}
