//! LRS credentials: a public key, a hash of the secret (never the secret), scopes, and the tenant they bind to.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::lrs_credentials;
use crate::{Storage, StorageError, TenantId};

/// A stored credential, without its secret hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LrsCredential {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub key: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What it takes to store a credential.
#[derive(Clone, Debug)]
pub struct NewLrsCredential {
    pub tenant_id: TenantId,
    pub key: String,
    pub secret_hash: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

fn from_model(model: lrs_credentials::Model) -> (LrsCredential, String) {
    let credential = LrsCredential {
        id: model.id,
        tenant_id: TenantId(model.tenant_id),
        key: model.key,
        name: model.name,
        scopes: model.scopes.split_whitespace().map(str::to_owned).collect(),
        created_at: model.created_at,
        revoked_at: model.revoked_at,
    };
    (credential, model.secret_hash)
}

impl Storage {
    pub async fn insert_lrs_credential(
        &self,
        new: NewLrsCredential,
    ) -> Result<LrsCredential, StorageError> {
        let model = lrs_credentials::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(new.tenant_id.0),
            key: Set(new.key),
            secret_hash: Set(new.secret_hash),
            name: Set(new.name),
            scopes: Set(new.scopes.join(" ")),
            created_at: Set(new.created_at),
            revoked_at: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok(from_model(model).0)
    }

    /// The credential with this key and its secret hash, revoked or not.
    pub async fn find_lrs_credential_by_key(
        &self,
        key: &str,
    ) -> Result<Option<(LrsCredential, String)>, StorageError> {
        let model = lrs_credentials::Entity::find()
            .filter(lrs_credentials::Column::Key.eq(key))
            .one(self.db())
            .await?;
        Ok(model.map(from_model))
    }

    /// Credentials of one tenant, or of every tenant, oldest first.
    pub async fn find_lrs_credentials(
        &self,
        tenant_id: Option<TenantId>,
    ) -> Result<Vec<LrsCredential>, StorageError> {
        let mut query =
            lrs_credentials::Entity::find().order_by_asc(lrs_credentials::Column::CreatedAt);
        if let Some(tenant_id) = tenant_id {
            query = query.filter(lrs_credentials::Column::TenantId.eq(tenant_id.0));
        }
        let models = query.all(self.db()).await?;
        Ok(models
            .into_iter()
            .map(|model| from_model(model).0)
            .collect())
    }

    /// Marks a credential revoked; returns false when no active credential has that key.
    pub async fn update_lrs_credential_revoked(
        &self,
        key: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let result = lrs_credentials::Entity::update_many()
            .col_expr(
                lrs_credentials::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(at),
            )
            .filter(lrs_credentials::Column::Key.eq(key))
            .filter(lrs_credentials::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected > 0)
    }
}
