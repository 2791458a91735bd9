//! Research: declared studies, learners' consent choices, the export log and research credentials.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::{
    research_consents, research_credentials, research_exports, research_studies,
};
use crate::{Storage, StorageError, TenantId};

/// A declared study. `scope` is JSON the hub reads (tenants, modules, verbs, dates).
#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    pub id: Uuid,
    pub name: String,
    pub team: String,
    pub purpose: String,
    pub legal_basis: String,
    pub scope: String,
    /// `exact`, `day` or `relative`.
    pub timestamps: String,
    pub k_anonymity: u32,
    pub retention_until: DateTime<Utc>,
    /// The study's secret key, sealed with the master key.
    pub key_sealed: String,
    pub created_at: DateTime<Utc>,
}

/// A learner's choice about one study, or about every study when `study_id` is nil.
#[derive(Clone, Debug, PartialEq)]
pub struct Consent {
    pub tenant_id: TenantId,
    pub actor_key: String,
    pub study_id: Uuid,
    /// `in` or `out`.
    pub choice: String,
    /// `learner` (their own choice) or `platform` (the default a launch set).
    pub source: String,
    pub chosen_at: DateTime<Utc>,
}

/// One logged export.
#[derive(Clone, Debug, PartialEq)]
pub struct ResearchExport {
    pub id: Uuid,
    pub study_id: Uuid,
    pub requested_by: String,
    pub format: String,
    /// The manifest (JSON).
    pub manifest: String,
    pub created_at: DateTime<Utc>,
}

/// A research team's credential for one study.
#[derive(Clone, Debug, PartialEq)]
pub struct ResearchCredential {
    pub key: String,
    pub secret_hash: String,
    pub study_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<research_studies::Model> for Study {
    fn from(model: research_studies::Model) -> Self {
        Study {
            id: model.id,
            name: model.name,
            team: model.team,
            purpose: model.purpose,
            legal_basis: model.legal_basis,
            scope: model.scope,
            timestamps: model.timestamps,
            k_anonymity: model.k_anonymity.max(1) as u32,
            retention_until: model.retention_until,
            key_sealed: model.key_sealed,
            created_at: model.created_at,
        }
    }
}

impl From<research_consents::Model> for Consent {
    fn from(model: research_consents::Model) -> Self {
        Consent {
            tenant_id: TenantId(model.tenant_id),
            actor_key: model.actor_key,
            study_id: model.study_id,
            choice: model.choice,
            source: model.source,
            chosen_at: model.chosen_at,
        }
    }
}

impl From<research_exports::Model> for ResearchExport {
    fn from(model: research_exports::Model) -> Self {
        ResearchExport {
            id: model.id,
            study_id: model.study_id,
            requested_by: model.requested_by,
            format: model.format,
            manifest: model.manifest,
            created_at: model.created_at,
        }
    }
}

impl Storage {
    /// Declares a study; a name already taken is a [`StorageError::Conflict`].
    pub async fn insert_study(&self, study: &Study) -> Result<(), StorageError> {
        research_studies::ActiveModel {
            id: Set(study.id),
            name: Set(study.name.clone()),
            team: Set(study.team.clone()),
            purpose: Set(study.purpose.clone()),
            legal_basis: Set(study.legal_basis.clone()),
            scope: Set(study.scope.clone()),
            timestamps: Set(study.timestamps.clone()),
            k_anonymity: Set(study.k_anonymity as i32),
            retention_until: Set(study.retention_until),
            key_sealed: Set(study.key_sealed.clone()),
            created_at: Set(study.created_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// Every study, oldest first.
    pub async fn find_studies(&self) -> Result<Vec<Study>, StorageError> {
        Ok(research_studies::Entity::find()
            .order_by_asc(research_studies::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(Study::from)
            .collect())
    }

    /// A study by its name or its id.
    pub async fn find_study(&self, name_or_id: &str) -> Result<Option<Study>, StorageError> {
        let query = match Uuid::parse_str(name_or_id) {
            Ok(id) => research_studies::Entity::find_by_id(id),
            Err(_) => research_studies::Entity::find()
                .filter(research_studies::Column::Name.eq(name_or_id)),
        };
        Ok(query.one(self.db()).await?.map(Study::from))
    }

    /// Records a consent choice, replacing the earlier one for the same learner and study. A platform default
    /// never replaces a learner's own choice.
    pub async fn upsert_consent(&self, consent: &Consent) -> Result<(), StorageError> {
        let model = research_consents::ActiveModel {
            tenant_id: Set(consent.tenant_id.0),
            actor_key: Set(consent.actor_key.clone()),
            study_id: Set(consent.study_id),
            choice: Set(consent.choice.clone()),
            source: Set(consent.source.clone()),
            chosen_at: Set(consent.chosen_at),
        };
        let columns = [
            research_consents::Column::TenantId,
            research_consents::Column::ActorKey,
            research_consents::Column::StudyId,
        ];
        let insert = research_consents::Entity::insert(model);
        if consent.source == "learner" {
            insert
                .on_conflict(
                    OnConflict::columns(columns)
                        .update_columns([
                            research_consents::Column::Choice,
                            research_consents::Column::Source,
                            research_consents::Column::ChosenAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(self.db())
                .await?;
        } else {
            insert
                .on_conflict_do_nothing_on(columns)
                .exec_without_returning(self.db())
                .await?;
        }
        Ok(())
    }

    /// A learner's choices in a tenant (per study, and the nil id for every study).
    pub async fn find_consents_of(
        &self,
        tenant_id: TenantId,
        actor_key: &str,
    ) -> Result<Vec<Consent>, StorageError> {
        Ok(research_consents::Entity::find()
            .filter(research_consents::Column::TenantId.eq(tenant_id.0))
            .filter(research_consents::Column::ActorKey.eq(actor_key))
            .all(self.db())
            .await?
            .into_iter()
            .map(Consent::from)
            .collect())
    }

    /// Every choice in a tenant about a study or about every study: what an export reads once.
    pub async fn find_consents_for_study(
        &self,
        tenant_id: TenantId,
        study_id: Uuid,
    ) -> Result<Vec<Consent>, StorageError> {
        Ok(research_consents::Entity::find()
            .filter(research_consents::Column::TenantId.eq(tenant_id.0))
            .filter(research_consents::Column::StudyId.is_in([study_id, Uuid::nil()]))
            .all(self.db())
            .await?
            .into_iter()
            .map(Consent::from)
            .collect())
    }

    /// Logs an export.
    pub async fn insert_research_export(
        &self,
        export: &ResearchExport,
    ) -> Result<(), StorageError> {
        research_exports::ActiveModel {
            id: Set(export.id),
            study_id: Set(export.study_id),
            requested_by: Set(export.requested_by.clone()),
            format: Set(export.format.clone()),
            manifest: Set(export.manifest.clone()),
            created_at: Set(export.created_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// A study's exports, newest first.
    pub async fn find_research_exports(
        &self,
        study_id: Uuid,
    ) -> Result<Vec<ResearchExport>, StorageError> {
        Ok(research_exports::Entity::find()
            .filter(research_exports::Column::StudyId.eq(study_id))
            .order_by_desc(research_exports::Column::CreatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(ResearchExport::from)
            .collect())
    }

    /// Stores a research credential (its secret's hash only).
    pub async fn insert_research_credential(
        &self,
        credential: &ResearchCredential,
    ) -> Result<(), StorageError> {
        research_credentials::ActiveModel {
            key: Set(credential.key.clone()),
            secret_hash: Set(credential.secret_hash.clone()),
            study_id: Set(credential.study_id),
            created_at: Set(credential.created_at),
            revoked_at: Set(credential.revoked_at),
        }
        .insert(self.db())
        .await?;
        Ok(())
    }

    /// An active research credential by key.
    pub async fn find_research_credential(
        &self,
        key: &str,
    ) -> Result<Option<ResearchCredential>, StorageError> {
        Ok(research_credentials::Entity::find_by_id(key.to_owned())
            .filter(research_credentials::Column::RevokedAt.is_null())
            .one(self.db())
            .await?
            .map(|model| ResearchCredential {
                key: model.key,
                secret_hash: model.secret_hash,
                study_id: model.study_id,
                created_at: model.created_at,
                revoked_at: model.revoked_at,
            }))
    }

    /// Revokes a research credential; returns whether one was active.
    pub async fn revoke_research_credential(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let result = research_credentials::Entity::update_many()
            .col_expr(
                research_credentials::Column::RevokedAt,
                Expr::value(Some(now)),
            )
            .filter(research_credentials::Column::Key.eq(key))
            .filter(research_credentials::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected > 0)
    }
}
