//! LTI tool storage: signing keys, platform registrations and deployments, single-use login states, launches and
//! the outbox of calls to platforms. Everything a second node needs to finish what the first one started.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{
    lti_deployments, lti_launches, lti_login_states, lti_outbox, lti_platforms, tool_keys,
};
use crate::{Storage, StorageError, TenantId};

/// The id of a platform registration, minted by us as a UUIDv7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PlatformId(pub Uuid);

impl std::fmt::Display for PlatformId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A platform registration: one (issuer, client_id) pair, bound to a tenant, with its deployments.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Platform {
    pub id: PlatformId,
    pub tenant_id: TenantId,
    pub issuer: String,
    pub client_id: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub product: Option<String>,
    pub deployment_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// What it takes to register a platform; URLs have been checked by the caller.
#[derive(Clone, Debug)]
pub struct NewPlatform {
    pub tenant_id: TenantId,
    pub issuer: String,
    pub client_id: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub product: Option<String>,
    pub deployment_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// One of the tool's signing keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolKey {
    pub id: Uuid,
    pub kid: String,
    pub alg: String,
    /// The public JWK, as JSON.
    pub public_jwk: String,
    /// The private key, sealed with the master key (the hub knows how).
    pub private_key_sealed: String,
    pub created_at: DateTime<Utc>,
    /// When a newer key replaced this one for signing.
    pub rotated_at: Option<DateTime<Utc>>,
    /// When it leaves the JWKS: after every token it signed has expired.
    pub unpublish_at: Option<DateTime<Utc>>,
}

/// An OIDC login in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginState {
    pub state: String,
    pub platform_id: PlatformId,
    pub nonce: String,
    /// The value the browser must show back (cookie or platform storage) to finish this login.
    pub browser_secret: String,
    /// The login request's query string, to start the login again in a new window.
    pub login_query: String,
    pub uses_platform_storage: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Login states kept in memory (SQLite deployments), by state.
#[derive(Clone, Debug, Default)]
pub(crate) struct MemoryLoginStates(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, LoginState>>>,
);

impl MemoryLoginStates {
    fn with<T>(
        &self,
        work: impl FnOnce(&mut std::collections::HashMap<String, LoginState>) -> T,
    ) -> Result<T, StorageError> {
        let mut states = self
            .0
            .lock()
            .map_err(|_| StorageError::Other(anyhow::anyhow!("the login state map is poisoned")))?;
        Ok(work(&mut states))
    }
}

/// A launch the hub accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub platform_id: PlatformId,
    pub deployment_id: String,
    pub message_type: String,
    pub subject: Option<String>,
    pub standing: String,
    pub context_id: Option<String>,
    pub resource_link_id: Option<String>,
    pub content_id: Option<String>,
    pub registration: Option<Uuid>,
    /// The verified claims the hub keeps (JSON).
    pub claims: String,
    pub created_at: DateTime<Utc>,
}

/// A call to a platform waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub platform_id: PlatformId,
    pub kind: String,
    pub dedupe_key: String,
    pub target_url: String,
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
}

/// Where an outbox item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Pending,
    Done,
    /// Given up after the last attempt; kept for an admin to see and retry.
    Failed,
}

impl OutboxStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A call to queue.
#[derive(Clone, Debug)]
pub struct NewOutboxItem {
    pub tenant_id: TenantId,
    pub platform_id: PlatformId,
    pub kind: String,
    /// Queuing the same key twice keeps the first (a re-sent statement posts no second score).
    pub dedupe_key: String,
    pub target_url: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

fn platform_from(model: lti_platforms::Model, deployment_ids: Vec<String>) -> Platform {
    Platform {
        id: PlatformId(model.id),
        tenant_id: TenantId(model.tenant_id),
        issuer: model.issuer,
        client_id: model.client_id,
        auth_url: model.auth_url,
        token_url: model.token_url,
        jwks_url: model.jwks_url,
        product: model.product,
        deployment_ids,
        created_at: model.created_at,
        disabled_at: model.disabled_at,
    }
}

impl From<tool_keys::Model> for ToolKey {
    fn from(model: tool_keys::Model) -> Self {
        ToolKey {
            id: model.id,
            kid: model.kid,
            alg: model.alg,
            public_jwk: model.public_jwk,
            private_key_sealed: model.private_key_sealed,
            created_at: model.created_at,
            rotated_at: model.rotated_at,
            unpublish_at: model.unpublish_at,
        }
    }
}

impl From<lti_login_states::Model> for LoginState {
    fn from(model: lti_login_states::Model) -> Self {
        LoginState {
            state: model.state,
            platform_id: PlatformId(model.platform_id),
            nonce: model.nonce,
            browser_secret: model.browser_secret,
            login_query: model.login_query,
            uses_platform_storage: model.uses_platform_storage,
            created_at: model.created_at,
            expires_at: model.expires_at,
            used_at: model.used_at,
        }
    }
}

impl From<lti_launches::Model> for Launch {
    fn from(model: lti_launches::Model) -> Self {
        Launch {
            id: model.id,
            tenant_id: TenantId(model.tenant_id),
            platform_id: PlatformId(model.platform_id),
            deployment_id: model.deployment_id,
            message_type: model.message_type,
            subject: model.subject,
            standing: model.standing,
            context_id: model.context_id,
            resource_link_id: model.resource_link_id,
            content_id: model.content_id,
            registration: model.registration,
            claims: model.claims,
            created_at: model.created_at,
        }
    }
}

impl From<lti_outbox::Model> for OutboxItem {
    fn from(model: lti_outbox::Model) -> Self {
        OutboxItem {
            id: model.id,
            tenant_id: TenantId(model.tenant_id),
            platform_id: PlatformId(model.platform_id),
            kind: model.kind,
            dedupe_key: model.dedupe_key,
            target_url: model.target_url,
            payload: model.payload,
            status: OutboxStatus::parse(&model.status),
            attempts: model.attempts,
            next_attempt_at: model.next_attempt_at,
            last_error: model.last_error,
            created_at: model.created_at,
            done_at: model.done_at,
        }
    }
}

impl Storage {
    /// Registers a platform with its deployments in one transaction; a taken (issuer, client_id) is a
    /// [`StorageError::Conflict`].
    pub async fn insert_platform(&self, new: NewPlatform) -> Result<Platform, StorageError> {
        let txn = self.db().begin().await?;
        let model = lti_platforms::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(new.tenant_id.0),
            issuer: Set(new.issuer),
            client_id: Set(new.client_id),
            auth_url: Set(new.auth_url),
            token_url: Set(new.token_url),
            jwks_url: Set(new.jwks_url),
            product: Set(new.product),
            created_at: Set(new.created_at),
            disabled_at: Set(None),
        }
        .insert(&txn)
        .await?;
        let mut deployment_ids = new.deployment_ids;
        deployment_ids.sort();
        deployment_ids.dedup();
        for deployment_id in &deployment_ids {
            lti_deployments::ActiveModel {
                platform_id: Set(model.id),
                deployment_id: Set(deployment_id.clone()),
                created_at: Set(new.created_at),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(platform_from(model, deployment_ids))
    }

    /// Adds a deployment to a registration; adding one it has is a no-op.
    pub async fn insert_deployment(
        &self,
        platform_id: PlatformId,
        deployment_id: &str,
        created_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        lti_deployments::Entity::insert(lti_deployments::ActiveModel {
            platform_id: Set(platform_id.0),
            deployment_id: Set(deployment_id.to_owned()),
            created_at: Set(created_at),
        })
        .on_conflict_do_nothing_on([
            lti_deployments::Column::PlatformId,
            lti_deployments::Column::DeploymentId,
        ])
        .exec(self.db())
        .await?;
        Ok(())
    }

    /// Every registration, oldest first.
    pub async fn find_platforms(&self) -> Result<Vec<Platform>, StorageError> {
        let models = lti_platforms::Entity::find()
            .order_by_asc(lti_platforms::Column::CreatedAt)
            .order_by_asc(lti_platforms::Column::Id)
            .all(self.db())
            .await?;
        // Every deployment in one query, not one per registration.
        let mut deployments: std::collections::HashMap<Uuid, Vec<String>> =
            std::collections::HashMap::new();
        for row in lti_deployments::Entity::find()
            .order_by_asc(lti_deployments::Column::DeploymentId)
            .all(self.db())
            .await?
        {
            deployments
                .entry(row.platform_id)
                .or_default()
                .push(row.deployment_id);
        }
        Ok(models
            .into_iter()
            .map(|model| {
                let ids = deployments.remove(&model.id).unwrap_or_default();
                platform_from(model, ids)
            })
            .collect())
    }

    /// One registration by id.
    pub async fn find_platform(&self, id: PlatformId) -> Result<Option<Platform>, StorageError> {
        let Some(model) = lti_platforms::Entity::find_by_id(id.0)
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let deployments = self.find_deployment_ids(id).await?;
        Ok(Some(platform_from(model, deployments)))
    }

    async fn find_deployment_ids(&self, id: PlatformId) -> Result<Vec<String>, StorageError> {
        let rows = lti_deployments::Entity::find()
            .filter(lti_deployments::Column::PlatformId.eq(id.0))
            .order_by_asc(lti_deployments::Column::DeploymentId)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|row| row.deployment_id).collect())
    }

    /// Disables (or, with `None`, enables again) a registration; launches from a disabled one are refused.
    pub async fn update_platform_disabled(
        &self,
        id: PlatformId,
        disabled_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        let result = lti_platforms::Entity::update_many()
            .col_expr(lti_platforms::Column::DisabledAt, Expr::value(disabled_at))
            .filter(lti_platforms::Column::Id.eq(id.0))
            .exec(self.db())
            .await?;
        if result.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    /// Stores a new signing key.
    pub async fn insert_tool_key(&self, key: ToolKey) -> Result<(), StorageError> {
        tool_keys::ActiveModel {
            id: Set(key.id),
            kid: Set(key.kid),
            alg: Set(key.alg),
            public_jwk: Set(key.public_jwk),
            private_key_sealed: Set(key.private_key_sealed),
            created_at: Set(key.created_at),
            rotated_at: Set(key.rotated_at),
            unpublish_at: Set(key.unpublish_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// Every stored key, newest first.
    pub async fn find_tool_keys(&self) -> Result<Vec<ToolKey>, StorageError> {
        let models = tool_keys::Entity::find()
            .order_by_desc(tool_keys::Column::CreatedAt)
            .order_by_desc(tool_keys::Column::Id)
            .all(self.db())
            .await?;
        Ok(models.into_iter().map(ToolKey::from).collect())
    }

    /// Marks every current key as replaced, to leave the JWKS at `unpublish_at`.
    pub async fn update_tool_keys_rotated(
        &self,
        rotated_at: DateTime<Utc>,
        unpublish_at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        tool_keys::Entity::update_many()
            .col_expr(tool_keys::Column::RotatedAt, Expr::value(rotated_at))
            .col_expr(tool_keys::Column::UnpublishAt, Expr::value(unpublish_at))
            .filter(tool_keys::Column::RotatedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Removes keys no longer published.
    pub async fn delete_tool_keys_unpublished_before(
        &self,
        now: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let result = tool_keys::Entity::delete_many()
            .filter(tool_keys::Column::UnpublishAt.lte(now))
            .exec(self.db())
            .await?;
        Ok(result.rows_affected)
    }

    /// Stores a login state (in memory on SQLite; a relaxed write on PostgreSQL, see `Storage::relaxed`).
    pub async fn insert_login_state(&self, state: LoginState) -> Result<(), StorageError> {
        if let Some(memory) = &self.memory_login_states {
            return memory.with(|states| {
                states.insert(state.state.clone(), state);
            });
        }
        lti_login_states::ActiveModel {
            state: Set(state.state),
            platform_id: Set(state.platform_id.0),
            nonce: Set(state.nonce),
            browser_secret: Set(state.browser_secret),
            login_query: Set(state.login_query),
            uses_platform_storage: Set(state.uses_platform_storage),
            created_at: Set(state.created_at),
            expires_at: Set(state.expires_at),
            used_at: Set(None),
        }
        .insert(self.relaxed())
        .await?;
        Ok(())
    }

    /// A login state, without using it up (to offer a new-window relaunch).
    pub async fn find_login_state(&self, state: &str) -> Result<Option<LoginState>, StorageError> {
        if let Some(memory) = &self.memory_login_states {
            return memory.with(|states| states.get(state).cloned());
        }
        Ok(lti_login_states::Entity::find_by_id(state.to_owned())
            .one(self.db())
            .await?
            .map(LoginState::from))
    }

    /// Uses up a login state in one statement, if it exists, is unused, has not expired and the browser showed
    /// its secret: at most one caller, on any node, ever gets it back. `None` means one of those failed; read the
    /// state with [`Storage::find_login_state`] to tell which. A relaxed write.
    pub async fn consume_login_state(
        &self,
        state: &str,
        browser_secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LoginState>, StorageError> {
        if let Some(memory) = &self.memory_login_states {
            return memory.with(|states| {
                let found = states.get_mut(state)?;
                if found.used_at.is_some()
                    || found.expires_at <= now
                    || !bool::from(subtle::ConstantTimeEq::ct_eq(
                        found.browser_secret.as_bytes(),
                        browser_secret.as_bytes(),
                    ))
                {
                    return None;
                }
                found.used_at = Some(now);
                Some(found.clone())
            });
        }
        let mut updated = lti_login_states::Entity::update_many()
            .col_expr(lti_login_states::Column::UsedAt, Expr::value(Some(now)))
            .filter(lti_login_states::Column::State.eq(state))
            .filter(lti_login_states::Column::BrowserSecret.eq(browser_secret))
            .filter(lti_login_states::Column::UsedAt.is_null())
            .filter(lti_login_states::Column::ExpiresAt.gt(now))
            .exec_with_returning(self.relaxed())
            .await?;
        Ok(updated.pop().map(LoginState::from))
    }

    /// Forgets login states that expired before `before`.
    pub async fn delete_login_states_expired_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        if let Some(memory) = &self.memory_login_states {
            return memory.with(|states| {
                let count = states.len();
                states.retain(|_, state| state.expires_at >= before);
                (count - states.len()) as u64
            });
        }
        let result = lti_login_states::Entity::delete_many()
            .filter(lti_login_states::Column::ExpiresAt.lt(before))
            .exec(self.relaxed())
            .await?;
        Ok(result.rows_affected)
    }

    /// Records an accepted launch (a relaxed write: see `Storage::relaxed`).
    pub async fn insert_launch(&self, launch: Launch) -> Result<(), StorageError> {
        lti_launches::ActiveModel {
            id: Set(launch.id),
            tenant_id: Set(launch.tenant_id.0),
            platform_id: Set(launch.platform_id.0),
            deployment_id: Set(launch.deployment_id),
            message_type: Set(launch.message_type),
            subject: Set(launch.subject),
            standing: Set(launch.standing),
            context_id: Set(launch.context_id),
            resource_link_id: Set(launch.resource_link_id),
            content_id: Set(launch.content_id),
            registration: Set(launch.registration),
            claims: Set(launch.claims),
            created_at: Set(launch.created_at),
        }
        .insert(self.relaxed())
        .await?;
        Ok(())
    }

    /// One launch by its reference.
    pub async fn find_launch(&self, id: Uuid) -> Result<Option<Launch>, StorageError> {
        Ok(lti_launches::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(Launch::from))
    }

    /// The learners who launched one resource link of a course: their LMS subject and xAPI registration, one row
    /// each (their newest launch).
    pub async fn find_learners_of_link(
        &self,
        tenant_id: TenantId,
        platform_id: PlatformId,
        context_id: &str,
        resource_link_id: &str,
    ) -> Result<Vec<Launch>, StorageError> {
        let launches = lti_launches::Entity::find()
            .filter(lti_launches::Column::TenantId.eq(tenant_id.0))
            .filter(lti_launches::Column::PlatformId.eq(platform_id.0))
            .filter(lti_launches::Column::ContextId.eq(context_id))
            .filter(lti_launches::Column::ResourceLinkId.eq(resource_link_id))
            .filter(lti_launches::Column::Standing.eq("learner"))
            .order_by_desc(lti_launches::Column::CreatedAt)
            .all(self.db())
            .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(launches
            .into_iter()
            .map(Launch::from)
            .filter(|launch| {
                launch
                    .subject
                    .as_ref()
                    .is_some_and(|subject| seen.insert(subject.clone()))
            })
            .collect())
    }

    /// The newest launch of a tenant that started this xAPI registration.
    pub async fn find_latest_launch_for_registration(
        &self,
        tenant_id: TenantId,
        registration: Uuid,
    ) -> Result<Option<Launch>, StorageError> {
        Ok(lti_launches::Entity::find()
            .filter(lti_launches::Column::TenantId.eq(tenant_id.0))
            .filter(lti_launches::Column::Registration.eq(registration))
            .order_by_desc(lti_launches::Column::CreatedAt)
            .one(self.db())
            .await?
            .map(Launch::from))
    }

    /// Queues a call; returns `false` when an item with the same dedupe key was queued before.
    pub async fn insert_outbox_item(&self, item: NewOutboxItem) -> Result<bool, StorageError> {
        let result = lti_outbox::Entity::insert(lti_outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(item.tenant_id.0),
            platform_id: Set(item.platform_id.0),
            kind: Set(item.kind),
            dedupe_key: Set(item.dedupe_key),
            target_url: Set(item.target_url),
            payload: Set(item.payload),
            status: Set(OutboxStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(item.created_at),
            last_error: Set(None),
            created_at: Set(item.created_at),
            done_at: Set(None),
        })
        .on_conflict_do_nothing_on([lti_outbox::Column::DedupeKey])
        .exec(self.db())
        .await?;
        Ok(matches!(result, sea_orm::TryInsertResult::Inserted(_)))
    }

    /// Claims up to `limit` due items for `lease`: another node polling meanwhile skips them. An item whose
    /// worker died becomes due again when the lease ends.
    pub async fn claim_due_outbox_items(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<OutboxItem>, StorageError> {
        let due = lti_outbox::Entity::find()
            .filter(lti_outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
            .filter(lti_outbox::Column::NextAttemptAt.lte(now))
            .order_by_asc(lti_outbox::Column::NextAttemptAt)
            .limit(limit)
            .all(self.db())
            .await?;
        let mut claimed = Vec::with_capacity(due.len());
        for model in due {
            let result = lti_outbox::Entity::update_many()
                .col_expr(lti_outbox::Column::NextAttemptAt, Expr::value(lease_until))
                .filter(lti_outbox::Column::Id.eq(model.id))
                .filter(lti_outbox::Column::NextAttemptAt.eq(model.next_attempt_at))
                .filter(lti_outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
                .exec(self.db())
                .await?;
            if result.rows_affected == 1 {
                claimed.push(OutboxItem::from(model));
            }
        }
        Ok(claimed)
    }

    /// Records the outcome of one attempt: done, to retry at `next_attempt_at`, or given up.
    pub async fn update_outbox_attempt(
        &self,
        id: Uuid,
        status: OutboxStatus,
        attempts: i32,
        next_attempt_at: DateTime<Utc>,
        last_error: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let done_at = (status == OutboxStatus::Done).then_some(now);
        lti_outbox::Entity::update_many()
            .col_expr(lti_outbox::Column::Status, Expr::value(status.as_str()))
            .col_expr(lti_outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(
                lti_outbox::Column::NextAttemptAt,
                Expr::value(next_attempt_at),
            )
            .col_expr(lti_outbox::Column::LastError, Expr::value(last_error))
            .col_expr(lti_outbox::Column::DoneAt, Expr::value(done_at))
            .filter(lti_outbox::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The outbox items of one registration, newest first.
    pub async fn find_outbox_items(
        &self,
        platform_id: PlatformId,
    ) -> Result<Vec<OutboxItem>, StorageError> {
        Ok(lti_outbox::Entity::find()
            .filter(lti_outbox::Column::PlatformId.eq(platform_id.0))
            .order_by_desc(lti_outbox::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(OutboxItem::from)
            .collect())
    }
}
