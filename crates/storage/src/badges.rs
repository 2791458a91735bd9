//! Awarded Open Badges and the keys that sign them. A badge row holds its documents exactly as issued (signed),
//! so key rotation never changes them; revocation only sets `revoked_at` and the reason.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::entities::{badge_keys, badges};
use crate::{Storage, StorageError, TenantId};

/// One awarded badge.
#[derive(Clone, Debug, PartialEq)]
pub struct Badge {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub certification_id: Uuid,
    pub content_id: String,
    /// The learner's inverse functional identifier as one string (`mbox:…`, `account:home|name`).
    pub actor_key: String,
    pub issued_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub status_list: u32,
    pub status_index: u32,
    /// The key that signed its OB 3.0 documents.
    pub kid: String,
    pub ob2_assertion: String,
    pub ob3_credential: String,
    pub ob3_jwt: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

/// One badge signing key (Ed25519).
#[derive(Clone, Debug, PartialEq)]
pub struct BadgeKey {
    pub kid: String,
    /// The raw public key, base64url.
    pub public_key: String,
    /// The PKCS#8 private key, sealed with the master key (the hub knows how).
    pub private_key_sealed: String,
    pub created_at: DateTime<Utc>,
    /// When a newer key took over signing; the key stays published.
    pub retired_at: Option<DateTime<Utc>>,
}

impl From<badges::Model> for Badge {
    fn from(model: badges::Model) -> Self {
        Badge {
            id: model.id,
            tenant_id: TenantId(model.tenant_id),
            certification_id: model.certification_id,
            content_id: model.content_id,
            actor_key: model.actor_key,
            issued_at: model.issued_at,
            valid_until: model.valid_until,
            status_list: model.status_list.max(0) as u32,
            status_index: model.status_index.max(0) as u32,
            kid: model.kid,
            ob2_assertion: model.ob2_assertion,
            ob3_credential: model.ob3_credential,
            ob3_jwt: model.ob3_jwt,
            revoked_at: model.revoked_at,
            revoked_reason: model.revoked_reason,
        }
    }
}

impl From<badge_keys::Model> for BadgeKey {
    fn from(model: badge_keys::Model) -> Self {
        BadgeKey {
            kid: model.kid,
            public_key: model.public_key,
            private_key_sealed: model.private_key_sealed,
            created_at: model.created_at,
            retired_at: model.retired_at,
        }
    }
}

impl Storage {
    /// Records an awarded badge; durable before it returns. A status entry already taken is a
    /// [`StorageError::Conflict`]: the caller picks another entry and signs again.
    pub async fn insert_badge(&self, badge: &Badge) -> Result<(), StorageError> {
        badges::ActiveModel {
            id: Set(badge.id),
            tenant_id: Set(badge.tenant_id.0),
            certification_id: Set(badge.certification_id),
            content_id: Set(badge.content_id.clone()),
            actor_key: Set(badge.actor_key.clone()),
            issued_at: Set(badge.issued_at),
            valid_until: Set(badge.valid_until),
            status_list: Set(badge.status_list as i32),
            status_index: Set(badge.status_index as i32),
            kid: Set(badge.kid.clone()),
            ob2_assertion: Set(badge.ob2_assertion.clone()),
            ob3_credential: Set(badge.ob3_credential.clone()),
            ob3_jwt: Set(badge.ob3_jwt.clone()),
            revoked_at: Set(badge.revoked_at),
            revoked_reason: Set(badge.revoked_reason.clone()),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// A badge by id, in any tenant (badge ids are public: they are in the badge's URLs).
    pub async fn find_badge(&self, id: Uuid) -> Result<Option<Badge>, StorageError> {
        Ok(badges::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(Badge::from))
    }

    /// The badges awarded for a certification, newest first.
    pub async fn find_badges_of_certification(
        &self,
        tenant_id: TenantId,
        certification_id: Uuid,
    ) -> Result<Vec<Badge>, StorageError> {
        self.find_badges_where(
            Some(tenant_id),
            Some(badges::Column::CertificationId.eq(certification_id)),
        )
        .await
    }

    /// A learner's badges in a tenant, newest first.
    pub async fn find_badges_of_actor(
        &self,
        tenant_id: TenantId,
        actor_key: &str,
    ) -> Result<Vec<Badge>, StorageError> {
        self.find_badges_where(
            Some(tenant_id),
            Some(badges::Column::ActorKey.eq(actor_key)),
        )
        .await
    }

    /// Every badge, newest first (all tenants when `tenant_id` is `None`).
    pub async fn list_badges(
        &self,
        tenant_id: Option<TenantId>,
    ) -> Result<Vec<Badge>, StorageError> {
        self.find_badges_where(tenant_id, None).await
    }

    async fn find_badges_where(
        &self,
        tenant_id: Option<TenantId>,
        condition: Option<sea_orm::sea_query::SimpleExpr>,
    ) -> Result<Vec<Badge>, StorageError> {
        let mut query = badges::Entity::find().order_by_desc(badges::Column::IssuedAt);
        if let Some(tenant_id) = tenant_id {
            query = query.filter(badges::Column::TenantId.eq(tenant_id.0));
        }
        if let Some(condition) = condition {
            query = query.filter(condition);
        }
        Ok(query
            .all(self.db())
            .await?
            .into_iter()
            .map(Badge::from)
            .collect())
    }

    /// How many badges were ever awarded (status entries are never reused).
    pub async fn count_badges(&self) -> Result<u64, StorageError> {
        Ok(badges::Entity::find().count(self.db()).await?)
    }

    /// Whether a status entry is taken.
    pub async fn is_status_entry_taken(&self, list: u32, index: u32) -> Result<bool, StorageError> {
        Ok(badges::Entity::find()
            .filter(badges::Column::StatusList.eq(list as i32))
            .filter(badges::Column::StatusIndex.eq(index as i32))
            .count(self.db())
            .await?
            > 0)
    }

    /// Revokes a badge that stands; returns whether it did (a revoked badge keeps its first reason).
    pub async fn revoke_badge(
        &self,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let result = badges::Entity::update_many()
            .col_expr(badges::Column::RevokedAt, Expr::value(Some(now)))
            .col_expr(
                badges::Column::RevokedReason,
                Expr::value(Some(reason.to_owned())),
            )
            .filter(badges::Column::Id.eq(id))
            .filter(badges::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// The revoked badges of one status list (or of every list): id, status index and reason.
    pub async fn find_revoked_badges(&self, list: Option<u32>) -> Result<Vec<Badge>, StorageError> {
        let mut query = badges::Entity::find()
            .filter(badges::Column::RevokedAt.is_not_null())
            .order_by_asc(badges::Column::RevokedAt);
        if let Some(list) = list {
            query = query.filter(badges::Column::StatusList.eq(list as i32));
        }
        Ok(query
            .all(self.db())
            .await?
            .into_iter()
            .map(Badge::from)
            .collect())
    }

    /// Stores a new badge signing key.
    pub async fn insert_badge_key(&self, key: &BadgeKey) -> Result<(), StorageError> {
        badge_keys::ActiveModel {
            kid: Set(key.kid.clone()),
            public_key: Set(key.public_key.clone()),
            private_key_sealed: Set(key.private_key_sealed.clone()),
            created_at: Set(key.created_at),
            retired_at: Set(key.retired_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// Every badge key, newest first.
    pub async fn find_badge_keys(&self) -> Result<Vec<BadgeKey>, StorageError> {
        Ok(badge_keys::Entity::find()
            .order_by_desc(badge_keys::Column::CreatedAt)
            .order_by_desc(badge_keys::Column::Kid)
            .all(self.db())
            .await?
            .into_iter()
            .map(BadgeKey::from)
            .collect())
    }

    /// Retires every current badge key (they stay published), before a new one is inserted.
    pub async fn retire_badge_keys(&self, now: DateTime<Utc>) -> Result<(), StorageError> {
        badge_keys::Entity::update_many()
            .col_expr(badge_keys::Column::RetiredAt, Expr::value(Some(now)))
            .filter(badge_keys::Column::RetiredAt.is_null())
            .exec(self.db())
            .await?;
        Ok(())
    }
}
