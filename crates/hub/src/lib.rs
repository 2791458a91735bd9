//! Use cases of Class'Code Hub, free of HTTP: the server and the CLI call these and nothing below them.

#![forbid(unsafe_code)]

mod health;
pub mod lrs;
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
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            public_url: "http://127.0.0.1:8080".to_owned(),
            max_statements_per_page: 500,
        }
    }
}

/// The hub's use cases over one storage handle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Hub {
    storage: Storage,
    settings: Arc<HubSettings>,
    credential_cache: Arc<lrs::CredentialCache>,
    statement_writer: Arc<lrs::StatementWriter>,
}

impl Hub {
    /// Builds the hub; must run inside a Tokio runtime, where it starts the statement writers.
    pub fn new(storage: Storage, settings: HubSettings) -> Hub {
        let statement_writer = Arc::new(lrs::StatementWriter::start(
            storage.clone(),
            lrs::merge_definition_text,
        ));
        Hub {
            storage,
            settings: Arc::new(settings),
            credential_cache: Arc::new(lrs::CredentialCache::default()),
            statement_writer,
        }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn settings(&self) -> &HubSettings {
        &self.settings
    }
}
