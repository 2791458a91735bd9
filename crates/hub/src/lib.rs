//! Use cases of Class'Code Hub, free of HTTP: the server and the CLI call these and nothing below them.

#![forbid(unsafe_code)]

pub mod admin;
pub mod badges;
pub mod catalog;
pub mod certification;
pub mod cmi5;
pub mod content;
pub mod dashboard;
mod health;
pub mod learners;
pub mod lrs;
pub mod lti;
pub mod player;
pub mod research;
pub mod stats;
mod tenants;

use std::sync::Arc;

use classcode_storage::Storage;

pub use health::Readiness;
pub use tenants::{CreateTenantError, TenantName};

/// What the use cases need to know about the deployment.
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// The URL the outside world uses to reach the hub, without a trailing slash.
    pub public_url: String,
    /// Largest page of statements a query returns.
    pub max_statements_per_page: u32,
    /// Statement writers (group commit), 0 for the engine's default: one on SQLite, two on PostgreSQL.
    pub statement_writers: usize,
    /// Seals the tool's private keys and signs the hub's session tokens; the same on every node.
    pub master_key: lti::MasterKey,
    /// Timing and retries of the LTI tool.
    pub lti: lti::LtiSettings,
    /// Who issues Open Badges and for how long they hold.
    pub badges: badges::BadgeSettings,
    /// Time between two passes of the admin dashboard's aggregator.
    pub aggregate_every: std::time::Duration,
    /// Where research exports requested over HTTP are written (one folder per study and export).
    pub research_dir: std::path::PathBuf,
    /// Whether this node runs the outbox worker (calls to platforms); the CLI's one-shot commands do not.
    pub run_workers: bool,
    /// Who may sign in to the admin console, and how.
    pub admin: admin::AdminSettings,
}

/// The hub's use cases over one storage handle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Hub {
    storage: Storage,
    settings: Arc<HubSettings>,
    credential_cache: Arc<lrs::CredentialCache>,
    statement_writer: Arc<lrs::StatementWriter>,
    lti: Arc<lti::LtiState>,
    admin: Arc<admin::AdminState>,
}

impl Hub {
    /// Builds the hub; must run inside a Tokio runtime, where it starts the statement writers and, when the
    /// settings ask, the outbox worker.
    pub fn new(storage: Storage, settings: HubSettings) -> anyhow::Result<Hub> {
        let statement_writer = Arc::new(lrs::StatementWriter::start(
            storage.clone(),
            settings.statement_writers,
            lrs::merge_definition_text,
        ));
        let lti = Arc::new(lti::LtiState::new(
            settings.master_key.clone(),
            settings.lti.clone(),
        )?);
        let run_workers = settings.run_workers;
        let hub = Hub {
            storage,
            settings: Arc::new(settings),
            credential_cache: Arc::new(lrs::CredentialCache::default()),
            statement_writer,
            lti,
            admin: Arc::new(admin::AdminState::default()),
        };
        if run_workers {
            hub.spawn_outbox_worker();
            hub.spawn_stats_worker();
        }
        Ok(hub)
    }

    /// The tool's public keys, as a JWKS document.
    pub async fn tool_jwks(&self) -> anyhow::Result<serde_json::Value> {
        self.lti.keys.jwks(&self.storage).await
    }

    /// Replaces the tool's signing key; the old one stays published for the grace time. Returns the new `kid`.
    pub async fn rotate_tool_key(&self) -> anyhow::Result<String> {
        let grace = chrono::Duration::seconds(self.lti.settings.key_grace_secs);
        self.lti.keys.rotate(&self.storage, grace).await
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }
}
