//! Backups of the embedded SQLite database: a consistent copy taken while the hub serves (`VACUUM INTO` reads one
//! snapshot, and WAL lets writers go on meanwhile), and the checks a copy must pass before it is restored.
//! PostgreSQL has its own tools (`pg_dump`, base backups with WAL archiving): see docs/operations.md.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

use crate::connect::Pool;
use crate::{Storage, StorageError};

/// What a checked backup file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    /// Migrations applied in the copy, oldest first.
    pub migrations: Vec<String>,
    pub tenants: i64,
    pub statements: i64,
}

impl Storage {
    /// The database file, on SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool.connect_options().get_filename().to_path_buf()),
            Pool::Postgres(_) => None,
        }
    }

    /// Writes a consistent copy of the whole SQLite database into `destination`, which must not exist. The copy is
    /// compacted and has no WAL of its own: one self-contained file.
    pub async fn backup_sqlite_into(&self, destination: &Path) -> Result<(), StorageError> {
        if self.sqlite_path().is_none() {
            return Err(StorageError::Other(anyhow::anyhow!(
                "`classcode backup` copies the embedded SQLite database; for PostgreSQL use pg_dump (docs/operations.md)"
            )));
        }
        if destination.exists() {
            return Err(StorageError::Other(anyhow::anyhow!(
                "{} already exists; choose a new file name",
                destination.display()
            )));
        }
        let target = destination
            .to_str()
            .context("the backup path must be valid UTF-8")?;
        self.db()
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [target.into()],
            ))
            .await?;
        Ok(())
    }
}

/// Opens a backup file read-only and checks it: SQLite's `quick_check`, and the migrations and rows it holds.
pub async fn check_sqlite_backup(path: &Path) -> Result<BackupSummary, StorageError> {
    if !path.is_file() {
        return Err(StorageError::Other(anyhow::anyhow!(
            "{} is not a file",
            path.display()
        )));
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .context("reading the backup path")?
        .read_only(true)
        .immutable(true);
    let mut connection = options
        .connect()
        .await
        .with_context(|| format!("opening {} as a SQLite database", path.display()))?;
    let check: String = sqlx::query("PRAGMA quick_check")
        .fetch_one(&mut connection)
        .await
        .with_context(|| format!("{} is not a readable SQLite database", path.display()))?
        .try_get(0)
        .context("reading quick_check")?;
    if check != "ok" {
        return Err(StorageError::Other(anyhow::anyhow!(
            "{} is damaged: SQLite's quick_check says {check}",
            path.display()
        )));
    }
    let migrations: Vec<String> =
        sqlx::query("SELECT version FROM seaql_migrations ORDER BY version")
            .fetch_all(&mut connection)
            .await
            .with_context(|| {
                format!(
                    "{} is not a Class'Code Hub database (no migrations)",
                    path.display()
                )
            })?
            .iter()
            .map(|row| row.try_get::<String, _>(0))
            .collect::<Result<_, _>>()
            .context("reading the migrations")?;
    let mut counts = [0_i64; 2];
    for (count, (table, sql)) in counts.iter_mut().zip([
        ("tenants", "SELECT COUNT(*) FROM tenants"),
        ("statements", "SELECT COUNT(*) FROM statements"),
    ]) {
        *count = sqlx::query(sql)
            .fetch_one(&mut connection)
            .await
            .and_then(|row| row.try_get(0))
            .with_context(|| format!("counting the {table} of {}", path.display()))?;
    }
    let [tenants, statements] = counts;
    connection.close().await.ok();
    Ok(BackupSummary {
        migrations,
        tenants,
        statements,
    })
}
