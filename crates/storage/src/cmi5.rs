//! cmi5 launch sessions: written when the hub launches an AU, the fetch secret claimed once, the end of the
//! session noted. Any node can serve the fetch URL or the AU's statements of a session another node started.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::cmi5_sessions;
use crate::{Storage, StorageError, TenantId};

/// One AU launch.
#[derive(Clone, Debug, PartialEq)]
pub struct Cmi5Session {
    /// The cmi5 session id (the `sessionid` context extension).
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub launch_id: Uuid,
    pub registration: Uuid,
    pub content_id: String,
    pub version: String,
    pub au_id: String,
    /// `Normal`, `Browse` or `Review`.
    pub launch_mode: String,
    pub mastery_score: Option<f64>,
    /// SHA-256 (hex) of the fetch URL's secret.
    pub fetch_hash: String,
    pub fetched_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<cmi5_sessions::Model> for Cmi5Session {
    fn from(model: cmi5_sessions::Model) -> Self {
        Cmi5Session {
            id: model.id,
            tenant_id: TenantId(model.tenant_id),
            launch_id: model.launch_id,
            registration: model.registration,
            content_id: model.content_id,
            version: model.version,
            au_id: model.au_id,
            launch_mode: model.launch_mode,
            mastery_score: model.mastery_score,
            fetch_hash: model.fetch_hash,
            fetched_at: model.fetched_at,
            terminated_at: model.terminated_at,
            created_at: model.created_at,
        }
    }
}

impl Storage {
    /// Records an AU launch (durably: the AU is about to be opened with it).
    pub async fn insert_cmi5_session(&self, session: Cmi5Session) -> Result<(), StorageError> {
        cmi5_sessions::ActiveModel {
            id: Set(session.id),
            tenant_id: Set(session.tenant_id.0),
            launch_id: Set(session.launch_id),
            registration: Set(session.registration),
            content_id: Set(session.content_id),
            version: Set(session.version),
            au_id: Set(session.au_id),
            launch_mode: Set(session.launch_mode),
            mastery_score: Set(session.mastery_score),
            fetch_hash: Set(session.fetch_hash),
            fetched_at: Set(session.fetched_at),
            terminated_at: Set(session.terminated_at),
            created_at: Set(session.created_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// Claims the fetch secret of a session started after `not_before`: the first call gets the session, every
    /// later one gets `None` (one atomic update, so two nodes cannot both hand out the token).
    pub async fn claim_cmi5_fetch(
        &self,
        fetch_hash: &str,
        now: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Cmi5Session>, StorageError> {
        let mut updated = cmi5_sessions::Entity::update_many()
            .col_expr(cmi5_sessions::Column::FetchedAt, Expr::value(Some(now)))
            .filter(cmi5_sessions::Column::FetchHash.eq(fetch_hash))
            .filter(cmi5_sessions::Column::FetchedAt.is_null())
            .filter(cmi5_sessions::Column::CreatedAt.gt(not_before))
            .exec_with_returning(self.db())
            .await?;
        Ok(updated.pop().map(Cmi5Session::from))
    }

    /// The session whose fetch secret hashes to this, claimed or not.
    pub async fn find_cmi5_session_by_fetch(
        &self,
        fetch_hash: &str,
    ) -> Result<Option<Cmi5Session>, StorageError> {
        Ok(cmi5_sessions::Entity::find()
            .filter(cmi5_sessions::Column::FetchHash.eq(fetch_hash))
            .one(self.db())
            .await?
            .map(Cmi5Session::from))
    }

    /// One session by id, within a tenant.
    pub async fn find_cmi5_session(
        &self,
        tenant_id: TenantId,
        id: Uuid,
    ) -> Result<Option<Cmi5Session>, StorageError> {
        Ok(cmi5_sessions::Entity::find_by_id(id)
            .filter(cmi5_sessions::Column::TenantId.eq(tenant_id.0))
            .one(self.db())
            .await?
            .map(Cmi5Session::from))
    }

    /// One session by id, whatever its tenant (for the learner's return URL, checked by its MAC first).
    pub async fn find_cmi5_session_any_tenant(
        &self,
        id: Uuid,
    ) -> Result<Option<Cmi5Session>, StorageError> {
        Ok(cmi5_sessions::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(Cmi5Session::from))
    }

    /// The sessions of a registration that no `terminated` (or abandonment) ended yet, oldest first.
    pub async fn find_open_cmi5_sessions(
        &self,
        tenant_id: TenantId,
        registration: Uuid,
    ) -> Result<Vec<Cmi5Session>, StorageError> {
        Ok(cmi5_sessions::Entity::find()
            .filter(cmi5_sessions::Column::TenantId.eq(tenant_id.0))
            .filter(cmi5_sessions::Column::Registration.eq(registration))
            .filter(cmi5_sessions::Column::TerminatedAt.is_null())
            .order_by_asc(cmi5_sessions::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(Cmi5Session::from)
            .collect())
    }

    /// Notes that the AU ended the session (its `terminated` statement was stored).
    pub async fn terminate_cmi5_session(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        cmi5_sessions::Entity::update_many()
            .col_expr(cmi5_sessions::Column::TerminatedAt, Expr::value(Some(now)))
            .filter(cmi5_sessions::Column::Id.eq(id))
            .filter(cmi5_sessions::Column::TerminatedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(())
    }
}
