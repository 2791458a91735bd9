//! Use cases of Class'Code Hub, free of HTTP: the server and the CLI call these and nothing below them.

#![forbid(unsafe_code)]

mod health;
mod tenants;

use classcode_storage::Storage;

pub use health::Readiness;
pub use tenants::{CreateTenantError, TenantName};

/// The hub's use cases over one storage handle. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Hub {
    storage: Storage,
}

impl Hub {
    pub fn new(storage: Storage) -> Hub {
        Hub { storage }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }
}
