//! LRS credentials: created with a random key and secret (the secret is shown once and stored as a SHA-256 hash),
//! listed, revoked, and checked on every request through a short-lived cache.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use chrono::Utc;
use classcode_storage::{LrsCredential, NewLrsCredential, StorageError};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{LrsCaller, Scope};
use crate::Hub;

/// How long a checked credential is trusted without asking the database again; a revocation on another node takes
/// effect within this time, on this node at once.
const CACHE_TTL: Duration = Duration::from_secs(30);

/// A credential just created, with the only copy of its secret.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CreatedCredential {
    #[serde(flatten)]
    pub credential: LrsCredential,
    pub secret: String,
}

/// Why a credential operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no tenant is named {0:?}; list them with `classcode tenant list`")]
    UnknownTenant(String),
    #[error(
        "unknown scope {0:?}; scopes are statements/write, statements/read, statements/read/mine, all/read, all, state, define, profile"
    )]
    UnknownScope(String),
    #[error("give at least one scope")]
    NoScope,
    #[error("no active credential has the key {0:?}")]
    UnknownKey(String),
    #[error("the key or secret is wrong, or the credential was revoked")]
    BadCredentials,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for CredentialError {
    fn from(err: StorageError) -> Self {
        CredentialError::Unexpected(err.into())
    }
}

/// Credentials checked recently, by key.
#[derive(Debug, Default)]
pub struct CredentialCache {
    entries: RwLock<HashMap<String, (String, LrsCaller, Instant)>>,
}

pub(crate) fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl Hub {
    /// Creates a credential for a tenant; the secret is in the result and nowhere else.
    #[tracing::instrument(skip_all, fields(tenant_name = %tenant_name))]
    pub async fn create_lrs_credential(
        &self,
        tenant_name: &str,
        name: &str,
        scopes: &[String],
    ) -> Result<CreatedCredential, CredentialError> {
        let tenant = self
            .storage
            .find_tenant_by_name(tenant_name)
            .await?
            .ok_or_else(|| CredentialError::UnknownTenant(tenant_name.to_owned()))?;
        if scopes.is_empty() {
            return Err(CredentialError::NoScope);
        }
        let mut parsed = Vec::new();
        for scope in scopes {
            let scope =
                Scope::parse(scope).ok_or_else(|| CredentialError::UnknownScope(scope.clone()))?;
            if !parsed.contains(&scope) {
                parsed.push(scope);
            }
        }
        // 122 random bits in the key, 244 in the secret (UUIDv4 draws from the OS generator).
        let key = format!("cc{}", &Uuid::new_v4().simple().to_string()[..22]);
        let secret = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        let credential = self
            .storage
            .insert_lrs_credential(NewLrsCredential {
                tenant_id: tenant.id,
                key,
                secret_hash: hash_secret(&secret),
                name: if name.trim().is_empty() {
                    "LRS client".to_owned()
                } else {
                    name.trim().to_owned()
                },
                scopes: parsed
                    .iter()
                    .map(|scope| scope.as_str().to_owned())
                    .collect(),
                created_at: Utc::now(),
            })
            .await?;
        tracing::info!(tenant_id = %tenant.id, credential_id = %credential.id, "LRS credential created");
        Ok(CreatedCredential { credential, secret })
    }

    pub async fn list_lrs_credentials(
        &self,
        tenant_name: Option<&str>,
    ) -> Result<Vec<LrsCredential>, CredentialError> {
        let tenant_id = match tenant_name {
            Some(name) => Some(
                self.storage
                    .find_tenant_by_name(name)
                    .await?
                    .ok_or_else(|| CredentialError::UnknownTenant(name.to_owned()))?
                    .id,
            ),
            None => None,
        };
        Ok(self.storage.find_lrs_credentials(tenant_id).await?)
    }

    /// Revokes a credential; it stops working at once on this node and within 30 s on the others.
    pub async fn revoke_lrs_credential(&self, key: &str) -> Result<(), CredentialError> {
        if !self
            .storage
            .update_lrs_credential_revoked(key, Utc::now())
            .await?
        {
            return Err(CredentialError::UnknownKey(key.to_owned()));
        }
        if let Ok(mut entries) = self.credential_cache.entries.write() {
            entries.remove(key);
        }
        Ok(())
    }

    /// Checks HTTP Basic credentials and returns who is calling.
    pub async fn authenticate_lrs(
        &self,
        key: &str,
        secret: &str,
    ) -> Result<LrsCaller, CredentialError> {
        let presented = hash_secret(secret);
        if let Ok(entries) = self.credential_cache.entries.read()
            && let Some((hash, caller, checked)) = entries.get(key)
            && checked.elapsed() < CACHE_TTL
        {
            return if bool::from(hash.as_bytes().ct_eq(presented.as_bytes())) {
                Ok(caller.clone())
            } else {
                Err(CredentialError::BadCredentials)
            };
        }
        let Some((credential, hash)) = self.storage.find_lrs_credential_by_key(key).await? else {
            return Err(CredentialError::BadCredentials);
        };
        if credential.revoked_at.is_some()
            || !bool::from(hash.as_bytes().ct_eq(presented.as_bytes()))
        {
            return Err(CredentialError::BadCredentials);
        }
        let caller = LrsCaller {
            tenant_id: credential.tenant_id,
            credential_key: credential.key.clone(),
            scopes: credential
                .scopes
                .iter()
                .filter_map(|scope| Scope::parse(scope))
                .collect(),
            authority: json!({
                "objectType": "Agent",
                "name": credential.name,
                "account": {"homePage": format!("{}/xapi/credentials", self.settings.public_url), "name": credential.key},
            }),
            restriction: None,
        };
        if let Ok(mut entries) = self.credential_cache.entries.write() {
            entries.insert(key.to_owned(), (hash, caller.clone(), Instant::now()));
        }
        Ok(caller)
    }
}
