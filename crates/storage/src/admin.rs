//! The admin console's sign-in records: local administrator accounts, sessions (by the hash of their token) and
//! OpenID Connect sign-ins under way, plus the counts the console's status page shows.
//!
//! Sessions and sign-ins live in the database, not in a node's memory, so that any node behind a load balancer
//! serves a console session another node opened.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{
    admin_accounts, admin_logins, admin_sessions, badges, certifications, lti_outbox,
    lti_platforms, statements, tenants,
};
use crate::{Storage, StorageError};

/// A local administrator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AdminAccount {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    /// An Argon2id PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// Wrong passwords since the last sign-in or lock.
    pub failed_attempts: i32,
    /// Until when sign-ins are refused after too many wrong passwords.
    pub locked_until: Option<DateTime<Utc>>,
}

impl From<admin_accounts::Model> for AdminAccount {
    fn from(model: admin_accounts::Model) -> Self {
        AdminAccount {
            id: model.id,
            username: model.username,
            display_name: model.display_name,
            password_hash: model.password_hash,
            created_at: model.created_at,
            disabled_at: model.disabled_at,
            failed_attempts: model.failed_attempts,
            locked_until: model.locked_until,
        }
    }
}

/// What it takes to create a local administrator; the password is already hashed.
#[derive(Clone, Debug)]
pub struct NewAdminAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A console session. `token_hash` is the hex SHA-256 of the cookie's token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminSession {
    pub token_hash: String,
    /// Who: `oidc:<issuer>#<sub>` or `local:<username>`.
    pub subject: String,
    pub display_name: String,
    /// `oidc` or `local`.
    pub source: String,
    pub roles: Vec<String>,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<admin_sessions::Model> for AdminSession {
    fn from(model: admin_sessions::Model) -> Self {
        AdminSession {
            token_hash: model.token_hash,
            subject: model.subject,
            display_name: model.display_name,
            source: model.source,
            roles: serde_json::from_str(&model.roles).unwrap_or_default(),
            csrf_token: model.csrf_token,
            created_at: model.created_at,
            expires_at: model.expires_at,
        }
    }
}

/// An OpenID Connect sign-in under way. `browser_hash` is the hex SHA-256 of the secret in the starting browser's
/// cookie: the callback must come from that browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminLogin {
    pub state: String,
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<admin_logins::Model> for AdminLogin {
    fn from(model: admin_logins::Model) -> Self {
        AdminLogin {
            state: model.state,
            browser_hash: model.browser_hash,
            nonce: model.nonce,
            pkce_verifier: model.pkce_verifier,
            created_at: model.created_at,
            expires_at: model.expires_at,
        }
    }
}

/// What the console's status page counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatusCounts {
    pub tenants: u64,
    pub platforms: u64,
    /// The last statement sequence number: every statement ever stored, voided or erased ones included (a count of
    /// the table would scan tens of millions of rows).
    pub statements: i64,
    pub certifications: u64,
    pub badges_issued: u64,
    pub badges_revoked: u64,
    pub outbox_pending: u64,
    pub outbox_failed: u64,
    pub outbox_oldest_pending: Option<DateTime<Utc>>,
}

impl Storage {
    /// Creates a local administrator; a taken username is a [`StorageError::Conflict`].
    pub async fn insert_admin_account(
        &self,
        new: NewAdminAccount,
    ) -> Result<AdminAccount, StorageError> {
        let model = admin_accounts::ActiveModel {
            id: Set(Uuid::now_v7()),
            username: Set(new.username),
            display_name: Set(new.display_name),
            password_hash: Set(new.password_hash),
            created_at: Set(new.created_at),
            disabled_at: Set(None),
            failed_attempts: Set(0),
            locked_until: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok(model.into())
    }

    pub async fn find_admin_account(
        &self,
        username: &str,
    ) -> Result<Option<AdminAccount>, StorageError> {
        Ok(admin_accounts::Entity::find()
            .filter(admin_accounts::Column::Username.eq(username))
            .one(self.db())
            .await?
            .map(AdminAccount::from))
    }

    pub async fn find_admin_accounts(&self) -> Result<Vec<AdminAccount>, StorageError> {
        Ok(admin_accounts::Entity::find()
            .order_by_asc(admin_accounts::Column::Username)
            .all(self.db())
            .await?
            .into_iter()
            .map(AdminAccount::from)
            .collect())
    }

    /// Counts a wrong password; the `max_attempts`-th in a row locks the account until `locked_until` and starts
    /// the count again. Two statements, each atomic: concurrent failures are all counted.
    pub async fn update_admin_account_failed(
        &self,
        username: &str,
        max_attempts: i32,
        locked_until: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        admin_accounts::Entity::update_many()
            .col_expr(
                admin_accounts::Column::FailedAttempts,
                Expr::col(admin_accounts::Column::FailedAttempts).add(1),
            )
            .filter(admin_accounts::Column::Username.eq(username))
            .exec(self.db())
            .await?;
        admin_accounts::Entity::update_many()
            .col_expr(admin_accounts::Column::FailedAttempts, Expr::value(0))
            .col_expr(
                admin_accounts::Column::LockedUntil,
                Expr::value(Some(locked_until)),
            )
            .filter(admin_accounts::Column::Username.eq(username))
            .filter(admin_accounts::Column::FailedAttempts.gte(max_attempts))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Forgets wrong passwords and any lock (a sign-in went through, or an operator enabled the account).
    pub async fn update_admin_account_unlocked(&self, username: &str) -> Result<(), StorageError> {
        admin_accounts::Entity::update_many()
            .col_expr(admin_accounts::Column::FailedAttempts, Expr::value(0))
            .col_expr(
                admin_accounts::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(admin_accounts::Column::Username.eq(username))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Disables (`Some(now)`) or enables (`None`) an account; `NotFound` when there is no such username.
    pub async fn update_admin_account_disabled(
        &self,
        username: &str,
        disabled_at: Option<DateTime<Utc>>,
    ) -> Result<(), StorageError> {
        let result = admin_accounts::Entity::update_many()
            .col_expr(admin_accounts::Column::DisabledAt, Expr::value(disabled_at))
            .filter(admin_accounts::Column::Username.eq(username))
            .exec(self.db())
            .await?;
        if result.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    pub async fn update_admin_account_password(
        &self,
        username: &str,
        password_hash: String,
    ) -> Result<(), StorageError> {
        let result = admin_accounts::Entity::update_many()
            .col_expr(
                admin_accounts::Column::PasswordHash,
                Expr::value(password_hash),
            )
            .filter(admin_accounts::Column::Username.eq(username))
            .exec(self.db())
            .await?;
        if result.rows_affected == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    pub async fn insert_admin_session(&self, session: AdminSession) -> Result<(), StorageError> {
        admin_sessions::ActiveModel {
            token_hash: Set(session.token_hash),
            subject: Set(session.subject),
            display_name: Set(session.display_name),
            source: Set(session.source),
            roles: Set(serde_json::to_string(&session.roles).unwrap_or_else(|_| "[]".to_owned())),
            csrf_token: Set(session.csrf_token),
            created_at: Set(session.created_at),
            expires_at: Set(session.expires_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// The session whose token hashes to `token_hash`, if it has not expired at `now`.
    pub async fn find_admin_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AdminSession>, StorageError> {
        Ok(admin_sessions::Entity::find_by_id(token_hash.to_owned())
            .filter(admin_sessions::Column::ExpiresAt.gt(now))
            .one(self.db())
            .await?
            .map(AdminSession::from))
    }

    pub async fn delete_admin_session(&self, token_hash: &str) -> Result<(), StorageError> {
        admin_sessions::Entity::delete_by_id(token_hash.to_owned())
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Ends every session of `subject` (an account disabled or given a new password).
    pub async fn delete_admin_sessions_of(&self, subject: &str) -> Result<u64, StorageError> {
        let result = admin_sessions::Entity::delete_many()
            .filter(admin_sessions::Column::Subject.eq(subject))
            .exec(self.db())
            .await?;
        Ok(result.rows_affected)
    }

    /// Forgets sessions and sign-ins that expired before `before`.
    pub async fn delete_admin_sessions_expired_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StorageError> {
        let sessions = admin_sessions::Entity::delete_many()
            .filter(admin_sessions::Column::ExpiresAt.lt(before))
            .exec(self.relaxed())
            .await?;
        let logins = admin_logins::Entity::delete_many()
            .filter(admin_logins::Column::ExpiresAt.lt(before))
            .exec(self.relaxed())
            .await?;
        Ok(sessions.rows_affected + logins.rows_affected)
    }

    pub async fn insert_admin_login(&self, login: AdminLogin) -> Result<(), StorageError> {
        admin_logins::ActiveModel {
            state: Set(login.state),
            browser_hash: Set(login.browser_hash),
            nonce: Set(login.nonce),
            pkce_verifier: Set(login.pkce_verifier),
            created_at: Set(login.created_at),
            expires_at: Set(login.expires_at),
        }
        .insert(self.relaxed())
        .await?;
        Ok(())
    }

    /// Uses up a sign-in in one statement: only when it exists, was started by this browser and has not expired.
    /// At most one caller, on any node, ever gets it back.
    pub async fn consume_admin_login(
        &self,
        state: &str,
        browser_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<AdminLogin>, StorageError> {
        let mut deleted = admin_logins::Entity::delete_many()
            .filter(admin_logins::Column::State.eq(state))
            .filter(admin_logins::Column::BrowserHash.eq(browser_hash))
            .filter(admin_logins::Column::ExpiresAt.gt(now))
            .exec_with_returning(self.relaxed())
            .await?;
        Ok(deleted.pop().map(AdminLogin::from))
    }

    /// The figures of the console's status page.
    pub async fn find_status_counts(&self) -> Result<StatusCounts, StorageError> {
        let db = self.db();
        let last_seq: Option<i64> = statements::Entity::find()
            .select_only()
            .column_as(statements::Column::Seq.max(), "last")
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten();
        let outbox_oldest_pending: Option<DateTime<Utc>> = lti_outbox::Entity::find()
            .select_only()
            .column_as(lti_outbox::Column::CreatedAt.min(), "oldest")
            .filter(lti_outbox::Column::Status.eq("pending"))
            .into_tuple::<Option<DateTime<Utc>>>()
            .one(db)
            .await?
            .flatten();
        Ok(StatusCounts {
            tenants: tenants::Entity::find().count(db).await?,
            platforms: lti_platforms::Entity::find().count(db).await?,
            statements: last_seq.unwrap_or(0),
            certifications: certifications::Entity::find().count(db).await?,
            badges_issued: badges::Entity::find().count(db).await?,
            badges_revoked: badges::Entity::find()
                .filter(badges::Column::RevokedAt.is_not_null())
                .count(db)
                .await?,
            outbox_pending: lti_outbox::Entity::find()
                .filter(lti_outbox::Column::Status.eq("pending"))
                .count(db)
                .await?,
            outbox_failed: lti_outbox::Entity::find()
                .filter(lti_outbox::Column::Status.eq("failed"))
                .count(db)
                .await?,
            outbox_oldest_pending,
        })
    }
}
