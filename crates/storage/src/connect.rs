//! Opening the database: the backend comes from the URL scheme, SQLite gets WAL and foreign keys, and migrations
//! run under a lock so that several hub nodes can start at once on one PostgreSQL.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use classcode_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqlxPostgresConnector, SqlxSqliteConnector,
    Statement,
};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StorageError;

/// Key of the PostgreSQL advisory lock taken while migrations run (any constant unique to this application).
const MIGRATION_LOCK_KEY: i64 = 0x636c_6173_7363_6f64; // "classcod"

/// The two database engines the hub runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Backend, ConnectError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(ConnectError::BadUrl(format!(
                "the scheme must be sqlite:// or postgres://, found {:?}",
                scheme
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How SQLite syncs to disk: `Full` makes every acknowledged commit survive a power loss, `Normal` (in WAL mode)
/// survives a process crash but may lose the last commits on power loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    #[default]
    Full,
    Normal,
}

/// Everything needed to open the database.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout: Duration,
    pub sqlite_synchronous: SqliteSync,
    pub sqlite_busy_timeout: Duration,
}

/// Why the database could not be opened; each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database.url is not valid: {0}")]
    BadUrl(String),
    #[error(
        "cannot open the SQLite database {path}: {reason} (check that the data directory exists and is writable)"
    )]
    Sqlite { path: String, reason: String },
    #[error(
        "cannot reach PostgreSQL at {target}: {reason} (check that it is running and that database.url is right)"
    )]
    Postgres { target: String, reason: String },
}

/// Pool figures for `/metrics`.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the hub's database; cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Storage {
    db: DatabaseConnection,
    pub(crate) pool: Pool,
    max_connections: u32,
    /// Where relaxed-durability writes go (see [`Storage::relaxed`]): on SQLite a one-connection pool with
    /// `synchronous=NORMAL`, on PostgreSQL a small pool with `synchronous_commit=off`.
    relaxed: DatabaseConnection,
    relaxed_sqlite_pool: Option<SqlitePool>,
    relaxed_pg_pool: Option<PgPool>,
    /// On SQLite (one machine, one process), LTI login states live in this process's memory: they are short-lived,
    /// single-use and only this process can finish a launch. PostgreSQL keeps them in a table any node can read.
    pub(crate) memory_login_states: Option<crate::lti::MemoryLoginStates>,
    /// The statement query keys this process has seen, by id (see [`crate::statements::QueryKeyCache`]).
    pub(crate) query_keys: crate::statements::QueryKeyCache,
    /// Activity definitions this process has committed or read (see [`crate::statements::ActivityCache`]).
    pub(crate) activities: crate::statements::ActivityCache,
}

/// Whether a database host is this machine (a name or address that only means loopback, or a Unix socket).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.starts_with('/')
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

impl Storage {
    /// Opens the database named by `options.url` (creating a SQLite file if missing) and checks that it answers.
    pub async fn connect(options: &ConnectOptions) -> Result<Storage, ConnectError> {
        match Backend::from_url(&options.url)? {
            Backend::Sqlite => Self::connect_sqlite(options).await,
            Backend::Postgres => Self::connect_postgres(options).await,
        }
    }

    async fn connect_sqlite(options: &ConnectOptions) -> Result<Storage, ConnectError> {
        let connect_options = SqliteConnectOptions::from_str(&options.url)
            .map_err(|err| ConnectError::BadUrl(err.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(options.sqlite_busy_timeout)
            .synchronous(match options.sqlite_synchronous {
                SqliteSync::Full => SqliteSynchronous::Full,
                SqliteSync::Normal => SqliteSynchronous::Normal,
            });
        let path = connect_options.get_filename().display().to_string();
        let relaxed_options = connect_options
            .clone()
            .synchronous(SqliteSynchronous::Normal);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .min_connections(options.min_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect_options)
            .await
            .map_err(|err| ConnectError::Sqlite {
                path: path.clone(),
                reason: err.to_string(),
            })?;
        // One connection: relaxed writes never wait on each other through SQLite's busy handler.
        let relaxed_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(relaxed_options)
            .await
            .map_err(|err| ConnectError::Sqlite {
                path: path.clone(),
                reason: err.to_string(),
            })?;
        Ok(Storage {
            db: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool.clone()),
            pool: Pool::Sqlite(pool),
            max_connections: options.max_connections,
            relaxed: SqlxSqliteConnector::from_sqlx_sqlite_pool(relaxed_pool.clone()),
            relaxed_sqlite_pool: Some(relaxed_pool),
            relaxed_pg_pool: None,
            memory_login_states: Some(crate::lti::MemoryLoginStates::default()),
            query_keys: Default::default(),
            activities: Default::default(),
        })
    }

    async fn connect_postgres(options: &ConnectOptions) -> Result<Storage, ConnectError> {
        let mut connect_options = PgConnectOptions::from_str(&options.url)
            .map_err(|err| ConnectError::BadUrl(err.to_string()))?;
        // A server on this machine gets no TLS unless the URL asks for it: TLS over loopback protects nothing, and
        // sqlx does not set TCP_NODELAY, so under TLS each round trip can wait for a delayed ACK (measured here: a
        // batch of 100 statements took 170 ms of round trips with TLS, 1 ms without; 2 000 against 7 000
        // statements/s). An explicit `sslmode` in the URL always wins.
        if is_loopback(connect_options.get_host()) && !options.url.contains("sslmode=") {
            connect_options = connect_options.ssl_mode(sqlx::postgres::PgSslMode::Disable);
        }
        let target = format!(
            "{}:{}/{}",
            connect_options.get_host(),
            connect_options.get_port(),
            connect_options
                .get_database()
                .unwrap_or("(default database)")
        );
        // A first direct connection reports the real cause (refused, unknown host, bad password) where the pool
        // would only report a time-out.
        let fail = |reason: String| ConnectError::Postgres {
            target: target.clone(),
            reason,
        };
        let probe = tokio::time::timeout(
            options.acquire_timeout,
            PgConnection::connect_with(&connect_options),
        )
        .await
        .map_err(|_| {
            fail(format!(
                "no answer within {} s",
                options.acquire_timeout.as_secs()
            ))
        })?
        .map_err(|err| fail(err.to_string()))?;
        probe.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .min_connections(options.min_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect_options.clone())
            .await
            .map_err(|err| fail(err.to_string()))?;
        // Relaxed writes get connections of their own, with synchronous_commit off for the whole session.
        let relaxed_pool = PgPoolOptions::new()
            .max_connections((options.max_connections / 4).max(2))
            .min_connections(0)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(
                connect_options
                    .clone()
                    .options([("synchronous_commit", "off")]),
            )
            .await
            .map_err(|err| fail(err.to_string()))?;
        let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool.clone());
        Ok(Storage {
            relaxed: SqlxPostgresConnector::from_sqlx_postgres_pool(relaxed_pool.clone()),
            relaxed_pg_pool: Some(relaxed_pool),
            memory_login_states: None,
            db,
            pool: Pool::Postgres(pool),
            max_connections: options.max_connections,
            relaxed_sqlite_pool: None,
            query_keys: Default::default(),
            activities: Default::default(),
        })
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The connection for writes whose commit does not wait for the disk: bookkeeping that nothing acknowledged
    /// depends on until a later, fully synced commit (LTI login states and launches: a statement that could lead to
    /// a grade is always stored after its launch, and syncing the log for it syncs the launch written before).
    /// SQLite: `synchronous=NORMAL` on a connection of its own (so these writes never queue in SQLite's busy
    /// handler); PostgreSQL: `synchronous_commit=off`. Either way a crash of the hub loses nothing committed; a
    /// power cut may lose the last ones. Use single statements (autocommit) on it.
    pub(crate) fn relaxed(&self) -> &DatabaseConnection {
        &self.relaxed
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs every pending migration. On PostgreSQL an advisory lock makes concurrent starts wait for each other.
    pub async fn migrate_up(&self) -> Result<Vec<String>, StorageError> {
        let _lock = self.lock_migrations().await?;
        let pending = self.pending_migrations().await?;
        if pending.is_empty() {
            // Nothing to do; also an older node starting after a newer one migrated, which Migrator::up refuses.
            return Ok(pending);
        }
        Migrator::up(&self.db, None)
            .await
            .context("running migrations")?;
        Ok(pending)
    }

    /// Reverts `steps` migrations, or all of them.
    pub async fn migrate_down(&self, steps: Option<u32>) -> Result<(), StorageError> {
        let _lock = self.lock_migrations().await?;
        Migrator::down(&self.db, steps)
            .await
            .context("reverting migrations")?;
        Ok(())
    }

    /// Names of the migrations this binary knows that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StorageError> {
        // Read the migration table directly: sea-orm-migration's own check fails when the database holds a
        // migration this binary does not know, which is what older nodes see during a rolling upgrade once a newer
        // node has migrated. Migrations only add, so an older node keeps serving.
        let applied: std::collections::HashSet<String> = match self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                "SELECT version FROM seaql_migrations",
            ))
            .await
        {
            Ok(rows) => rows
                .iter()
                .map(|row| row.try_get::<String>("", "version"))
                .collect::<Result<_, _>>()?,
            // No migration table yet: nothing is applied.
            Err(_) if !self.has_migration_table().await? => Default::default(),
            Err(err) => return Err(err.into()),
        };
        Ok(Self::known_migrations()
            .into_iter()
            .filter(|name| !applied.contains(name))
            .collect())
    }

    async fn has_migration_table(&self) -> Result<bool, StorageError> {
        let sql = match self.db.get_database_backend() {
            DbBackend::Postgres => {
                "SELECT 1 AS found FROM information_schema.tables WHERE table_name = 'seaql_migrations' \
                 AND table_schema = current_schema()"
            }
            _ => {
                "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
            }
        };
        Ok(!self
            .db
            .query_all_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await?
            .is_empty())
    }

    /// Names of every migration this binary knows, oldest first.
    pub fn known_migrations() -> Vec<String> {
        Migrator::migrations()
            .iter()
            .map(|migration| migration.name().to_owned())
            .collect()
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.db.ping().await?;
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = match &self.pool {
            Pool::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Pool::Postgres(pool) => (pool.size(), pool.num_idle()),
        };
        PoolStats {
            size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max: self.max_connections,
        }
    }

    /// A description of every table, column and index, in a stable order, to compare schemas.
    pub async fn schema_fingerprint(&self) -> Result<Vec<String>, StorageError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.type || ' ' || m.name || ' ' || COALESCE(m.sql, '') AS line FROM sqlite_master m \
                 WHERE m.name NOT LIKE 'sqlite_%' ORDER BY m.type, m.name"
            }
            Backend::Postgres => {
                "SELECT line FROM ( \
                   SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
                          || ' ' || COALESCE(column_default, '') AS line \
                   FROM information_schema.columns WHERE table_schema = current_schema() \
                   UNION ALL \
                   SELECT 'index ' || tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 ) lines ORDER BY line"
            }
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await?;
        rows.iter()
            .map(|row| {
                row.try_get::<String>("", "line")
                    .map_err(StorageError::from)
            })
            .collect()
    }

    /// Closes every pooled connection (after a graceful shutdown).
    pub async fn close(&self) {
        if let Some(pool) = &self.relaxed_sqlite_pool {
            pool.close().await;
        }
        if let Some(pool) = &self.relaxed_pg_pool {
            pool.close().await;
        }
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    async fn lock_migrations(&self) -> Result<Option<MigrationLock>, StorageError> {
        let Pool::Postgres(pool) = &self.pool else {
            // SQLite serialises writers itself, and the embedded database has a single hub process.
            return Ok(None);
        };
        let mut connection = pool
            .acquire()
            .await
            .context("taking a connection for the migration lock")?
            .detach();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .execute(&mut connection)
            .await
            .context("taking the migration lock")?;
        Ok(Some(MigrationLock { connection }))
    }
}

/// Holds the PostgreSQL session that owns the migration lock; closing that session releases the lock.
struct MigrationLock {
    #[expect(
        dead_code,
        reason = "kept only so that the session, and with it the lock, lives as long as this value"
    )]
    connection: sqlx::PgConnection,
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn only_this_machine_counts_as_loopback() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.0.0.2",
            "::1",
            "[::1]",
            "/var/run/postgresql",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "db.example.org",
            "10.0.0.5",
            "192.168.1.2",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
