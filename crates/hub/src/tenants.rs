//! Creating and listing tenants.

use chrono::Utc;
use classcode_storage::{NewTenant, StorageError, Tenant};

use crate::Hub;

/// A tenant's short name: 2 to 64 characters, lowercase ASCII letters, digits and inner hyphens
/// (it appears in URLs and on the command line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    pub fn parse(name: &str) -> Result<TenantName, String> {
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(2..=64).contains(&name.len()) {
            Err(format!(
                "a tenant name has 2 to 64 characters, {:?} has {}",
                name,
                name.len()
            ))
        } else if !valid_chars || name.starts_with('-') || name.ends_with('-') {
            Err(format!(
                "a tenant name uses only a-z, 0-9 and inner hyphens, {:?} does not",
                name
            ))
        } else {
            Ok(TenantName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a tenant could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateTenantError {
    #[error("{0}")]
    InvalidName(String),
    #[error("a display name has 1 to 200 characters")]
    InvalidDisplayName,
    #[error("a tenant named {0:?} already exists")]
    NameTaken(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Hub {
    /// Creates a tenant with a unique name.
    #[tracing::instrument(skip_all, fields(tenant_name = %name))]
    pub async fn create_tenant(
        &self,
        name: &str,
        display_name: &str,
    ) -> Result<Tenant, CreateTenantError> {
        let name = TenantName::parse(name).map_err(CreateTenantError::InvalidName)?;
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(CreateTenantError::InvalidDisplayName);
        }
        let new_tenant = NewTenant {
            name: name.as_str().to_owned(),
            display_name: display_name.to_owned(),
            created_at: Utc::now(),
        };
        match self.storage.insert_tenant(new_tenant).await {
            Ok(tenant) => {
                tracing::info!(tenant_id = %tenant.id, "tenant created");
                Ok(tenant)
            }
            Err(StorageError::Conflict(_)) => {
                Err(CreateTenantError::NameTaken(name.as_str().to_owned()))
            }
            Err(err) => Err(CreateTenantError::Unexpected(err.into())),
        }
    }

    /// Every tenant, oldest first.
    pub async fn list_tenants(&self) -> anyhow::Result<Vec<Tenant>> {
        Ok(self.storage.find_tenants().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::TenantName;

    #[test]
    fn tenant_names_accept_lowercase_slugs_only() {
        for good in ["ac-lyon", "m4gistere", "fun-mooc-2"] {
            assert!(TenantName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "Lyon",
            "ac_lyon",
            "-lyon",
            "lyon-",
            "académie",
            &"x".repeat(65),
        ] {
            assert!(TenantName::parse(bad).is_err(), "{bad}");
        }
    }
}
