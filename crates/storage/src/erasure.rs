//! A learner's erasure (GDPR art. 17) in one transaction: their statements and what only they referenced, their
//! documents, launches, pending grades, certifications and consents are deleted; their badges are revoked and
//! emptied, keeping only the revocation record that the status lists need; their days in the dashboard's aggregates
//! are re-keyed so that counts stand and nothing leads back to them. Also what a learner may download of their own
//! data (art. 15 and 20), and the audit log of admin actions.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{
    attachments, audit_log, badges, certifications, cmi5_sessions, daily_learners, documents,
    learner_erasures, lti_launches, lti_outbox, query_keys, research_consents,
    statement_query_keys, statements,
};
use crate::statements::QUERY_KEYS_GENERATION;
use crate::{Storage, StorageError, TenantId};

/// Ids per `IN (…)` list.
const IDS_PER_QUERY: usize = 500;

/// The query key kinds that name an agent (see `classcode_xapi::prepare::IndexKind`).
const AGENT_KINDS: [&str; 2] = ["agent", "agent_rel"];

/// Who to erase, in each of the forms the tables know them by.
pub struct LearnerErasure<'a> {
    pub tenant_id: TenantId,
    /// The xAPI agent key (`account:<homePage> <name>`, `mbox:…`): statements, documents, consents.
    pub agent_key: &'a str,
    /// The same learner as badges key them (`account:<homePage>|<name>`).
    pub badge_key: Option<&'a str>,
    /// The LMS account: the platform and the `sub` of its id_tokens.
    pub lti_account: Option<(Uuid, &'a str)>,
    /// The learner's keyed hash in the dashboard's daily learners.
    pub daily_token: &'a str,
    /// Whether a certification's stored actor (JSON) is this learner.
    pub is_learner: &'a (dyn Fn(&str) -> bool + Sync),
    pub at: DateTime<Utc>,
    /// Count what would go, then roll back.
    pub dry_run: bool,
}

/// What an erasure removed (or, dry, would remove).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ErasureCounts {
    pub statements: u64,
    pub attachments: u64,
    pub documents: u64,
    pub launches: u64,
    pub cmi5_sessions: u64,
    pub grades: u64,
    pub certifications: u64,
    pub badges_revoked: u64,
    pub consents: u64,
    pub dashboard_days: u64,
}

/// An admin action to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    /// Who: `admin-token`, `cli:<user>`, an admin's login.
    pub actor: String,
    /// What, as a dotted verb: `lrs.credential.create`, `learner.erase`.
    pub action: String,
    /// On what: a name or an id.
    pub target: String,
    /// JSON; never a secret or a learner's identifier.
    pub details: String,
}

/// A recorded admin action.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

impl Storage {
    /// Erases a learner (see the module's documentation). Every node's query key cache is invalidated through the
    /// `query_keys` generation, bumped first so that concurrent statement writers are ordered around the erasure.
    pub async fn erase_learner(
        &self,
        who: &LearnerErasure<'_>,
    ) -> Result<ErasureCounts, StorageError> {
        let txn = self
            .db()
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        let backend = txn.get_database_backend();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "UPDATE cache_generations SET generation = generation + 1 WHERE name = $1"
                }
                _ => "UPDATE cache_generations SET generation = generation + 1 WHERE name = ?",
            },
            [sea_orm::Value::from(QUERY_KEYS_GENERATION)],
        ))
        .await?;
        let tenant = who.tenant_id.0;
        let mut counts = ErasureCounts::default();
        let mut registrations: BTreeSet<Uuid> = BTreeSet::new();

        // Statements: every one whose query keys name the learner (as actor, object, in context, or inherited from a
        // statement of theirs that it targets).
        let key_ids: Vec<i64> = query_keys::Entity::find()
            .select_only()
            .column(query_keys::Column::Id)
            .filter(query_keys::Column::TenantId.eq(tenant))
            .filter(query_keys::Column::Kind.is_in(AGENT_KINDS))
            .filter(query_keys::Column::Value.eq(who.agent_key))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut seqs: BTreeSet<i64> = BTreeSet::new();
        for chunk in key_ids.chunks(IDS_PER_QUERY) {
            let found: Vec<i64> = statement_query_keys::Entity::find()
                .select_only()
                .column(statement_query_keys::Column::Seq)
                .filter(statement_query_keys::Column::KeyId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&txn)
                .await?;
            seqs.extend(found);
        }
        let seqs: Vec<i64> = seqs.into_iter().collect();
        let mut hashes: BTreeSet<String> = BTreeSet::new();
        for chunk in seqs.chunks(IDS_PER_QUERY) {
            let rows: Vec<(Option<Uuid>, bool)> = statements::Entity::find()
                .select_only()
                .column(statements::Column::Registration)
                .column(statements::Column::HasAttachments)
                .filter(statements::Column::TenantId.eq(tenant))
                .filter(statements::Column::Seq.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&txn)
                .await?;
            let mut with_attachments = false;
            for (registration, has_attachments) in rows {
                registrations.extend(registration);
                with_attachments |= has_attachments;
            }
            if with_attachments {
                let payloads: Vec<String> = statements::Entity::find()
                    .select_only()
                    .column(statements::Column::Payload)
                    .filter(statements::Column::TenantId.eq(tenant))
                    .filter(statements::Column::Seq.is_in(chunk.iter().copied()))
                    .filter(statements::Column::HasAttachments.eq(true))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                hashes.extend(
                    payloads
                        .iter()
                        .flat_map(|payload| attachment_hashes(payload)),
                );
            }
            // Their query key rows go with them (ON DELETE CASCADE).
            let deleted = statements::Entity::delete_many()
                .filter(statements::Column::TenantId.eq(tenant))
                .filter(statements::Column::Seq.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
            counts.statements += deleted.rows_affected;
        }
        if !key_ids.is_empty() {
            query_keys::Entity::delete_many()
                .filter(query_keys::Column::Id.is_in(key_ids))
                .exec(&txn)
                .await?;
        }
        // An attachment is shared by content hash: it goes when no remaining statement names it.
        for hash in hashes {
            let still_used = statements::Entity::find()
                .select_only()
                .column(statements::Column::Seq)
                .filter(statements::Column::TenantId.eq(tenant))
                .filter(statements::Column::HasAttachments.eq(true))
                .filter(statements::Column::Payload.contains(&hash))
                .limit(1)
                .into_tuple::<i64>()
                .one(&txn)
                .await?
                .is_some();
            if !still_used {
                counts.attachments += attachments::Entity::delete_many()
                    .filter(attachments::Column::TenantId.eq(tenant))
                    .filter(attachments::Column::Sha2.eq(hash))
                    .exec(&txn)
                    .await?
                    .rows_affected;
            }
        }

        counts.documents = documents::Entity::delete_many()
            .filter(documents::Column::TenantId.eq(tenant))
            .filter(documents::Column::AgentKey.eq(who.agent_key))
            .exec(&txn)
            .await?
            .rows_affected;

        if let Some((platform, subject)) = who.lti_account {
            let launches: Vec<(Uuid, Option<Uuid>)> = lti_launches::Entity::find()
                .select_only()
                .column(lti_launches::Column::Id)
                .column(lti_launches::Column::Registration)
                .filter(lti_launches::Column::TenantId.eq(tenant))
                .filter(lti_launches::Column::PlatformId.eq(platform))
                .filter(lti_launches::Column::Subject.eq(subject))
                .into_tuple()
                .all(&txn)
                .await?;
            let launch_ids: Vec<Uuid> = launches.iter().map(|(id, _)| *id).collect();
            registrations.extend(
                launches
                    .iter()
                    .filter_map(|(_, registration)| *registration),
            );
            for chunk in launch_ids.chunks(IDS_PER_QUERY) {
                counts.cmi5_sessions += cmi5_sessions::Entity::delete_many()
                    .filter(cmi5_sessions::Column::TenantId.eq(tenant))
                    .filter(cmi5_sessions::Column::LaunchId.is_in(chunk.iter().copied()))
                    .exec(&txn)
                    .await?
                    .rows_affected;
                counts.launches += lti_launches::Entity::delete_many()
                    .filter(lti_launches::Column::Id.is_in(chunk.iter().copied()))
                    .exec(&txn)
                    .await?
                    .rows_affected;
            }
            // Grades for the learner, sent or not: the payload is an AGS score naming them by `userId`.
            let outbox: Vec<(Uuid, String)> = lti_outbox::Entity::find()
                .select_only()
                .column(lti_outbox::Column::Id)
                .column(lti_outbox::Column::Payload)
                .filter(lti_outbox::Column::TenantId.eq(tenant))
                .filter(lti_outbox::Column::PlatformId.eq(platform))
                .filter(lti_outbox::Column::Payload.contains(subject))
                .into_tuple()
                .all(&txn)
                .await?;
            let grade_ids: Vec<Uuid> = outbox
                .into_iter()
                .filter(|(_, payload)| {
                    serde_json::from_str::<serde_json::Value>(payload)
                        .is_ok_and(|score| score["userId"].as_str() == Some(subject))
                })
                .map(|(id, _)| id)
                .collect();
            for chunk in grade_ids.chunks(IDS_PER_QUERY) {
                counts.grades += lti_outbox::Entity::delete_many()
                    .filter(lti_outbox::Column::Id.is_in(chunk.iter().copied()))
                    .exec(&txn)
                    .await?
                    .rows_affected;
            }
        }

        let registrations: Vec<Uuid> = registrations.into_iter().collect();
        let mut certification_ids: Vec<Uuid> = Vec::new();
        for chunk in registrations.chunks(IDS_PER_QUERY) {
            let found: Vec<(Uuid, String)> = certifications::Entity::find()
                .select_only()
                .column(certifications::Column::Id)
                .column(certifications::Column::Actor)
                .filter(certifications::Column::TenantId.eq(tenant))
                .filter(certifications::Column::Registration.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&txn)
                .await?;
            certification_ids.extend(
                found
                    .into_iter()
                    .filter(|(_, actor)| (who.is_learner)(actor))
                    .map(|(id, _)| id),
            );
        }
        for chunk in certification_ids.chunks(IDS_PER_QUERY) {
            counts.certifications += certifications::Entity::delete_many()
                .filter(certifications::Column::Id.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?
                .rows_affected;
        }

        // Badges: revoked (the status list entry stays set), their documents and recipient gone.
        let mut badge_filter = badges::Column::CertificationId.is_in(certification_ids.clone());
        if let Some(badge_key) = who.badge_key {
            badge_filter = badge_filter.or(badges::Column::ActorKey.eq(badge_key));
        }
        let badge_rows: Vec<(Uuid, Option<DateTime<Utc>>)> = badges::Entity::find()
            .select_only()
            .column(badges::Column::Id)
            .column(badges::Column::RevokedAt)
            .filter(badges::Column::TenantId.eq(tenant))
            .filter(badge_filter)
            .into_tuple()
            .all(&txn)
            .await?;
        for (id, revoked_at) in badge_rows {
            let mut update = badges::ActiveModel {
                id: sea_orm::ActiveValue::Unchanged(id),
                actor_key: Set(format!("erased:{id}")),
                ob2_assertion: Set(String::new()),
                ob3_credential: Set(String::new()),
                ob3_jwt: Set(String::new()),
                ..Default::default()
            };
            if revoked_at.is_none() {
                update.revoked_at = Set(Some(who.at));
                update.revoked_reason = Set(Some(ERASED_REASON.to_owned()));
            }
            badges::Entity::update(update).exec(&txn).await?;
            counts.badges_revoked += 1;
        }

        counts.consents = research_consents::Entity::delete_many()
            .filter(research_consents::Column::TenantId.eq(tenant))
            .filter(research_consents::Column::ActorKey.eq(who.agent_key))
            .exec(&txn)
            .await?
            .rows_affected;

        // The days the learner was active stay counted, under a random token that leads nowhere.
        let days: Vec<String> = daily_learners::Entity::find()
            .select_only()
            .column(daily_learners::Column::Day)
            .filter(daily_learners::Column::TenantId.eq(tenant))
            .filter(daily_learners::Column::Learner.eq(who.daily_token))
            .into_tuple()
            .all(&txn)
            .await?;
        if !days.is_empty() {
            daily_learners::Entity::delete_many()
                .filter(daily_learners::Column::TenantId.eq(tenant))
                .filter(daily_learners::Column::Learner.eq(who.daily_token))
                .exec(&txn)
                .await?;
            let rows = days.into_iter().map(|day| daily_learners::ActiveModel {
                tenant_id: Set(tenant),
                day: Set(day),
                learner: Set(Uuid::new_v4().simple().to_string()),
            });
            counts.dashboard_days = daily_learners::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }

        if who.dry_run {
            txn.rollback().await?;
            return Ok(counts);
        }
        learner_erasures::Entity::insert(learner_erasures::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            tenant_id: Set(tenant),
            erased_at: Set(who.at),
            report: Set(
                serde_json::to_string(&counts).map_err(|err| StorageError::Other(err.into()))?
            ),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        self.query_keys.clear();
        Ok(counts)
    }

    /// A learner's launches from one platform, oldest first.
    pub async fn find_launches_of(
        &self,
        tenant_id: TenantId,
        platform: Uuid,
        subject: &str,
    ) -> Result<Vec<crate::Launch>, StorageError> {
        Ok(lti_launches::Entity::find()
            .filter(lti_launches::Column::TenantId.eq(tenant_id.0))
            .filter(lti_launches::Column::PlatformId.eq(platform))
            .filter(lti_launches::Column::Subject.eq(subject))
            .order_by_asc(lti_launches::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A learner's State and Agent Profile documents: `(kind, activity id, registration, document)`.
    pub async fn find_documents_of_agent(
        &self,
        tenant_id: TenantId,
        agent_key: &str,
    ) -> Result<Vec<(String, String, String, crate::Document)>, StorageError> {
        Ok(documents::Entity::find()
            .filter(documents::Column::TenantId.eq(tenant_id.0))
            .filter(documents::Column::AgentKey.eq(agent_key))
            .order_by_asc(documents::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|model| {
                (
                    model.kind,
                    model.activity_id,
                    model.registration,
                    crate::Document {
                        document_id: model.document_id,
                        content_type: model.content_type,
                        content: model.content,
                        etag: model.etag,
                        updated_at: model.updated_at,
                    },
                )
            })
            .collect())
    }

    /// The certifications of these registrations.
    pub async fn find_certifications_of_registrations(
        &self,
        tenant_id: TenantId,
        registrations: &[Uuid],
    ) -> Result<Vec<crate::Certification>, StorageError> {
        let mut found = Vec::new();
        for chunk in registrations.chunks(IDS_PER_QUERY) {
            found.extend(
                certifications::Entity::find()
                    .filter(certifications::Column::TenantId.eq(tenant_id.0))
                    .filter(certifications::Column::Registration.is_in(chunk.iter().copied()))
                    .all(self.db())
                    .await?
                    .into_iter()
                    .map(crate::Certification::from),
            );
        }
        Ok(found)
    }

    /// Records an admin action.
    pub async fn insert_audit(
        &self,
        entry: &NewAuditEntry,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        audit_log::Entity::insert(audit_log::ActiveModel {
            id: sea_orm::ActiveValue::NotSet,
            at: Set(at),
            actor: Set(truncate(&entry.actor, 200)),
            action: Set(truncate(&entry.action, 64)),
            target: Set(entry.target.clone()),
            details: Set(entry.details.clone()),
        })
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// The audit log, newest first, `limit` entries older than `before` (an entry id) when given.
    pub async fn find_audit(
        &self,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let mut select = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
        if let Some(before) = before {
            select = select.filter(audit_log::Column::Id.lt(before));
        }
        Ok(select
            .limit(limit)
            .all(self.db())
            .await?
            .into_iter()
            .map(|model| AuditEntry {
                id: model.id,
                at: model.at,
                actor: model.actor,
                action: model.action,
                target: model.target,
                details: model.details,
            })
            .collect())
    }
}

/// The revocation reason of a badge revoked by its holder's erasure.
pub const ERASED_REASON: &str = "erased";

/// The `sha2` of every attachment a stored statement declares.
fn attachment_hashes(payload: &str) -> Vec<String> {
    let Ok(statement) = serde_json::from_str::<serde_json::Value>(payload) else {
        return Vec::new();
    };
    statement["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|attachment| attachment["sha2"].as_str().map(str::to_owned))
        .collect()
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
