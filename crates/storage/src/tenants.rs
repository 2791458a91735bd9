//! Tenants: isolated stores. Every LRS credential, platform registration and statement belongs to exactly one.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::tenants;
use crate::{Storage, StorageError};

/// The id of a tenant, minted by us as a UUIDv7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct TenantId(pub Uuid);

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored tenant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// What it takes to create a tenant; the name has already been validated by the caller.
#[derive(Clone, Debug)]
pub struct NewTenant {
    pub name: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<tenants::Model> for Tenant {
    fn from(model: tenants::Model) -> Self {
        Tenant {
            id: TenantId(model.id),
            name: model.name,
            display_name: model.display_name,
            created_at: model.created_at,
            disabled_at: model.disabled_at,
        }
    }
}

impl Storage {
    /// Inserts a tenant; a taken name is a [`StorageError::Conflict`].
    pub async fn insert_tenant(&self, new_tenant: NewTenant) -> Result<Tenant, StorageError> {
        let model = tenants::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new_tenant.name),
            display_name: Set(new_tenant.display_name),
            created_at: Set(new_tenant.created_at),
            disabled_at: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok(model.into())
    }

    /// All tenants, oldest first.
    pub async fn find_tenants(&self) -> Result<Vec<Tenant>, StorageError> {
        let models = tenants::Entity::find()
            .order_by_asc(tenants::Column::CreatedAt)
            .order_by_asc(tenants::Column::Id)
            .all(self.db())
            .await?;
        Ok(models.into_iter().map(Tenant::from).collect())
    }

    /// The tenant with this name, if any.
    pub async fn find_tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StorageError> {
        let model = tenants::Entity::find()
            .filter(tenants::Column::Name.eq(name))
            .one(self.db())
            .await?;
        Ok(model.map(Tenant::from))
    }
}
