//! Certifications: what certified a learner's registration for a module or a parcours (the rule version, the
//! score, the proving statements), written once and revoked when its proof no longer holds.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{certifications, lti_launches};
use crate::{Storage, StorageError, TenantId};

/// One certification.
#[derive(Clone, Debug, PartialEq)]
pub struct Certification {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub registration: Uuid,
    pub content_id: String,
    pub content_version: String,
    pub rule_version: i32,
    /// The learner's xAPI agent (JSON).
    pub actor: String,
    pub status: CertificationStatus,
    pub scaled: f64,
    /// The ids of the statements that proved it.
    pub evidence: Vec<Uuid>,
    pub certified_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

/// Whether a certification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificationStatus {
    Certified,
    Revoked,
}

impl CertificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificationStatus::Certified => "certified",
            CertificationStatus::Revoked => "revoked",
        }
    }
}

impl From<certifications::Model> for Certification {
    fn from(model: certifications::Model) -> Self {
        Certification {
            id: model.id,
            tenant_id: TenantId(model.tenant_id),
            registration: model.registration,
            content_id: model.content_id,
            content_version: model.content_version,
            rule_version: model.rule_version,
            actor: model.actor,
            status: if model.status == "revoked" {
                CertificationStatus::Revoked
            } else {
                CertificationStatus::Certified
            },
            scaled: model.scaled,
            evidence: serde_json::from_str(&model.evidence).unwrap_or_default(),
            certified_at: model.certified_at,
            revoked_at: model.revoked_at,
            revoked_reason: model.revoked_reason,
        }
    }
}

impl Storage {
    /// The certification of a registration for a content, standing or revoked.
    pub async fn find_certification(
        &self,
        tenant_id: TenantId,
        registration: Uuid,
        content_id: &str,
    ) -> Result<Option<Certification>, StorageError> {
        Ok(certifications::Entity::find()
            .filter(certifications::Column::TenantId.eq(tenant_id.0))
            .filter(certifications::Column::Registration.eq(registration))
            .filter(certifications::Column::ContentId.eq(content_id))
            .one(self.db())
            .await?
            .map(Certification::from))
    }

    /// A certification by id.
    pub async fn find_certification_by_id(
        &self,
        id: Uuid,
    ) -> Result<Option<Certification>, StorageError> {
        Ok(certifications::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(Certification::from))
    }

    /// Records a certification, or certifies again one that was revoked (same row: one per registration and
    /// content). Durable before it returns.
    pub async fn save_certification(
        &self,
        certification: &Certification,
    ) -> Result<(), StorageError> {
        let evidence = serde_json::to_string(&certification.evidence)
            .map_err(|err| StorageError::Other(err.into()))?;
        let model = certifications::ActiveModel {
            id: Set(certification.id),
            tenant_id: Set(certification.tenant_id.0),
            registration: Set(certification.registration),
            content_id: Set(certification.content_id.clone()),
            content_version: Set(certification.content_version.clone()),
            rule_version: Set(certification.rule_version),
            actor: Set(certification.actor.clone()),
            status: Set(certification.status.as_str().to_owned()),
            scaled: Set(certification.scaled),
            evidence: Set(evidence),
            certified_at: Set(certification.certified_at),
            revoked_at: Set(certification.revoked_at),
            revoked_reason: Set(certification.revoked_reason.clone()),
        };
        let exists = certifications::Entity::find_by_id(certification.id)
            .one(self.db())
            .await?
            .is_some();
        if exists {
            model.update(self.db()).await?;
        } else {
            model.insert(self.db()).await?;
        }
        Ok(())
    }

    /// Revokes a standing certification, with the reason.
    pub async fn revoke_certification(
        &self,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        certifications::Entity::update_many()
            .col_expr(certifications::Column::Status, Expr::value("revoked"))
            .col_expr(certifications::Column::RevokedAt, Expr::value(Some(now)))
            .col_expr(
                certifications::Column::RevokedReason,
                Expr::value(Some(reason.to_owned())),
            )
            .filter(certifications::Column::Id.eq(id))
            .filter(certifications::Column::Status.eq("certified"))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Standing certifications of a tenant that one of these statements helped prove.
    pub async fn find_certifications_proved_by(
        &self,
        tenant_id: TenantId,
        statement_ids: &[Uuid],
    ) -> Result<Vec<Certification>, StorageError> {
        if statement_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: Vec<Certification> = Vec::new();
        for statement_id in statement_ids {
            let rows = certifications::Entity::find()
                .filter(certifications::Column::TenantId.eq(tenant_id.0))
                .filter(certifications::Column::Status.eq("certified"))
                .filter(certifications::Column::Evidence.contains(statement_id.to_string()))
                .all(self.db())
                .await?;
            for row in rows {
                if !found.iter().any(|known| known.id == row.id) {
                    found.push(row.into());
                }
            }
        }
        Ok(found)
    }

    /// Every certification, newest first (all tenants when `tenant_id` is `None`).
    pub async fn list_certifications(
        &self,
        tenant_id: Option<TenantId>,
    ) -> Result<Vec<Certification>, StorageError> {
        let mut query =
            certifications::Entity::find().order_by_desc(certifications::Column::CertifiedAt);
        if let Some(tenant_id) = tenant_id {
            query = query.filter(certifications::Column::TenantId.eq(tenant_id.0));
        }
        Ok(query
            .all(self.db())
            .await?
            .into_iter()
            .map(Certification::from)
            .collect())
    }

    /// Every (tenant, registration) a learner's resource launch started: what `certify recompute` walks.
    pub async fn find_learner_registrations(&self) -> Result<Vec<(TenantId, Uuid)>, StorageError> {
        let rows: Vec<(Uuid, Option<Uuid>)> = lti_launches::Entity::find()
            .select_only()
            .column(lti_launches::Column::TenantId)
            .column(lti_launches::Column::Registration)
            .filter(lti_launches::Column::Standing.eq("learner"))
            .filter(lti_launches::Column::Registration.is_not_null())
            .distinct()
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(tenant, registration)| {
                registration.map(|registration| (TenantId(tenant), registration))
            })
            .collect())
    }
}
