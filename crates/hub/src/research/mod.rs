//! Research: studies declared by an admin (team, purpose, legal basis, scope, retention, k, timestamp policy, and
//! a secret key of their own), learners' consent (opt-out in the player; a platform can make opting out the
//! default), research credentials that see one study, and pseudonymised exports (`export.rs`).

mod export;
pub mod pseudonymise;
mod writers;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, NaiveDate, Utc};
use classcode_storage::{Consent, ResearchCredential, StorageError, Study, TenantId};
use classcode_xapi::AgentKey;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

pub use export::{ExportFormat, ExportProgress, ExportReport};
pub use pseudonymise::TimestampPolicy;

use crate::Hub;

/// What a study covers. Empty lists mean every module or every verb; tenants are always named.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyScope {
    pub tenants: Vec<String>,
    #[serde(default)]
    pub modules: Vec<String>,
    #[serde(default)]
    pub verbs: Vec<String>,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

/// What an admin declares.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStudy {
    pub name: String,
    pub team: String,
    pub purpose: String,
    pub legal_basis: String,
    pub scope: StudyScope,
    /// The last day the exported data may be kept.
    pub retention_until: NaiveDate,
    /// Smallest group of learners a released combination of quasi-identifiers may describe.
    #[serde(default = "default_k")]
    pub k_anonymity: u32,
    /// `exact`, `day` or `relative`.
    #[serde(default = "default_timestamps")]
    pub timestamps: String,
}

fn default_k() -> u32 {
    5
}

fn default_timestamps() -> String {
    "day".to_owned()
}

/// Why a research request failed.
#[derive(Debug, thiserror::Error)]
pub enum ResearchError {
    #[error("{0}")]
    Invalid(String),
    #[error("no study {0:?}")]
    UnknownStudy(String),
    #[error("a study named {0:?} exists already")]
    DuplicateName(String),
    #[error("no tenant {0:?}: create it first or fix the study's scope")]
    UnknownTenant(String),
    #[error("the key or secret is wrong, or the credential was revoked")]
    BadCredentials,
    #[error("no export {0} in this study")]
    UnknownExport(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for ResearchError {
    fn from(err: StorageError) -> Self {
        ResearchError::Unexpected(err.into())
    }
}

/// A research credential, with its secret (shown once).
#[derive(Clone, Debug, Serialize)]
pub struct CreatedResearchCredential {
    pub key: String,
    pub secret: String,
    pub study: String,
}

/// A study as the API, the CLI and the player show it: never its key.
pub fn study_view(study: &Study) -> Value {
    let scope: Value = serde_json::from_str(&study.scope).unwrap_or_default();
    json!({
        "id": study.id,
        "name": study.name,
        "team": study.team,
        "purpose": study.purpose,
        "legal_basis": study.legal_basis,
        "scope": scope,
        "timestamps": study.timestamps,
        "k_anonymity": study.k_anonymity,
        "retention_until": study.retention_until.date_naive().to_string(),
        "created_at": study.created_at.to_rfc3339(),
    })
}

fn sealing_label(study: Uuid) -> String {
    format!("research-study-key/{study}")
}

/// The consent choice that decides for one study: the learner's choice about it, else their (or their
/// platform's) choice about every study; no choice at all means they take part.
pub fn takes_part(consents: &[Consent], study: Uuid) -> bool {
    let about = |id: Uuid| consents.iter().find(|consent| consent.study_id == id);
    about(study)
        .or_else(|| about(Uuid::nil()))
        .is_none_or(|consent| consent.choice != "out")
}

impl Hub {
    /// Declares a study and makes its secret key (sealed with the master key, never shown).
    pub async fn create_study(&self, new: NewStudy) -> Result<Value, ResearchError> {
        let name = new.name.trim();
        if name.is_empty() || name.len() > 100 || name.contains(char::is_whitespace) {
            return Err(ResearchError::Invalid(
                "name: 1 to 100 characters without spaces (it names the study in commands)"
                    .to_owned(),
            ));
        }
        for (field, value) in [
            ("team", &new.team),
            ("purpose", &new.purpose),
            ("legal_basis", &new.legal_basis),
        ] {
            if value.trim().is_empty() {
                return Err(ResearchError::Invalid(format!("{field} is required")));
            }
        }
        if new.scope.tenants.is_empty() {
            return Err(ResearchError::Invalid(
                "scope.tenants: name at least one tenant".to_owned(),
            ));
        }
        for tenant in &new.scope.tenants {
            if self.storage.find_tenant_by_name(tenant).await?.is_none() {
                return Err(ResearchError::UnknownTenant(tenant.clone()));
            }
        }
        if !(2..=1000).contains(&new.k_anonymity) {
            return Err(ResearchError::Invalid(
                "k_anonymity: between 2 and 1000".to_owned(),
            ));
        }
        let Some(policy) = TimestampPolicy::parse(&new.timestamps) else {
            return Err(ResearchError::Invalid(
                "timestamps: exact, day or relative".to_owned(),
            ));
        };
        let now = Utc::now();
        let retention_until = new
            .retention_until
            .and_hms_opt(23, 59, 59)
            .map(|end| end.and_utc())
            .ok_or_else(|| ResearchError::Invalid("retention_until".to_owned()))?;
        if retention_until <= now {
            return Err(ResearchError::Invalid(
                "retention_until must be in the future".to_owned(),
            ));
        }
        let id = Uuid::now_v7();
        let mut key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut key).map_err(|_| anyhow!("no randomness available"))?;
        let study = Study {
            id,
            name: name.to_owned(),
            team: new.team.trim().to_owned(),
            purpose: new.purpose.trim().to_owned(),
            legal_basis: new.legal_basis.trim().to_owned(),
            scope: serde_json::to_string(&new.scope).map_err(anyhow::Error::from)?,
            timestamps: policy.as_str().to_owned(),
            k_anonymity: new.k_anonymity,
            retention_until,
            key_sealed: self.settings.master_key.seal(&sealing_label(id), &key)?,
            created_at: now,
        };
        match self.storage.insert_study(&study).await {
            Ok(()) => {}
            Err(StorageError::Conflict(_)) => {
                return Err(ResearchError::DuplicateName(name.to_owned()));
            }
            Err(err) => return Err(err.into()),
        }
        tracing::info!(study = %id, "study declared");
        Ok(study_view(&study))
    }

    pub async fn list_studies(&self) -> Result<Vec<Value>, ResearchError> {
        Ok(self
            .storage
            .find_studies()
            .await?
            .iter()
            .map(study_view)
            .collect())
    }

    pub(crate) async fn study(&self, name_or_id: &str) -> Result<Study, ResearchError> {
        self.storage
            .find_study(name_or_id)
            .await?
            .ok_or_else(|| ResearchError::UnknownStudy(name_or_id.to_owned()))
    }

    pub(crate) fn study_key(&self, study: &Study) -> anyhow::Result<Vec<u8>> {
        self.settings
            .master_key
            .open(&sealing_label(study.id), &study.key_sealed)
            .context("opening the study key (is the master key the one that sealed it?)")
    }

    /// Makes a credential for a research team: it exports its study and reads its exports, nothing else.
    pub async fn create_research_credential(
        &self,
        study: &str,
    ) -> Result<CreatedResearchCredential, ResearchError> {
        let study = self.study(study).await?;
        let key = format!("rs{}", &Uuid::new_v4().simple().to_string()[..22]);
        let secret = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        self.storage
            .insert_research_credential(&ResearchCredential {
                key: key.clone(),
                secret_hash: crate::lrs::hash_secret(&secret),
                study_id: study.id,
                created_at: Utc::now(),
                revoked_at: None,
            })
            .await?;
        tracing::info!(study = %study.id, "research credential created");
        Ok(CreatedResearchCredential {
            key,
            secret,
            study: study.name,
        })
    }

    /// The study a research credential may see.
    pub async fn authenticate_research(
        &self,
        key: &str,
        secret: &str,
    ) -> Result<Study, ResearchError> {
        let credential = self
            .storage
            .find_research_credential(key)
            .await?
            .ok_or(ResearchError::BadCredentials)?;
        let expected = crate::lrs::hash_secret(secret);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            credential.secret_hash.as_bytes(),
        )) {
            return Err(ResearchError::BadCredentials);
        }
        self.storage
            .find_study(&credential.study_id.to_string())
            .await?
            .ok_or(ResearchError::BadCredentials)
    }

    /// The studies that cover a player session's learner, with whether they take part.
    pub async fn learner_studies(
        &self,
        tenant_id: TenantId,
        actor: &Value,
    ) -> Result<Vec<(Study, bool)>, ResearchError> {
        let Some(tenant) = self
            .storage
            .find_tenants()
            .await?
            .into_iter()
            .find(|tenant| tenant.id == tenant_id)
        else {
            return Ok(Vec::new());
        };
        let consents = match AgentKey::of(actor) {
            Some(key) => {
                self.storage
                    .find_consents_of(tenant_id, key.as_str())
                    .await?
            }
            None => Vec::new(),
        };
        let now = Utc::now();
        Ok(self
            .storage
            .find_studies()
            .await?
            .into_iter()
            .filter(|study| study.retention_until > now)
            .filter(|study| {
                serde_json::from_str::<StudyScope>(&study.scope)
                    .is_ok_and(|scope| scope.tenants.contains(&tenant.name))
            })
            .map(|study| {
                let taking_part = takes_part(&consents, study.id);
                (study, taking_part)
            })
            .collect())
    }

    /// The studies a player session's learner may take part in, with their current choice; and the language.
    pub async fn player_studies(
        &self,
        session_token: &str,
    ) -> Result<(&'static str, Vec<(Study, bool)>), crate::player::PlayerError> {
        let (lang, launch) = self.player_launch(session_token).await?;
        let actor = self.launch_actor(&launch).await;
        let studies = self
            .learner_studies(launch.tenant_id, &actor)
            .await
            .map_err(|err| crate::player::PlayerError::Unexpected(anyhow!("{err}")))?;
        Ok((lang, studies))
    }

    /// A player session's learner says whether they take part in a study.
    pub async fn player_research_choice(
        &self,
        session_token: &str,
        study: Uuid,
        taking_part: bool,
    ) -> Result<(), crate::player::PlayerError> {
        let (_, launch) = self.player_launch(session_token).await?;
        let actor = self.launch_actor(&launch).await;
        self.record_consent(launch.tenant_id, &actor, study, taking_part, "learner")
            .await
            .map_err(|err| crate::player::PlayerError::Unexpected(anyhow!("{err}")))
    }

    pub(crate) async fn player_launch(
        &self,
        session_token: &str,
    ) -> Result<(&'static str, classcode_storage::Launch), crate::player::PlayerError> {
        let claims = self.verify_session(session_token, crate::lti::SessionKind::Player)?;
        let launch = self
            .storage
            .find_launch(claims.lid)
            .await?
            .ok_or(crate::player::PlayerError::MissingContent)?;
        Ok((claims.lang(), launch))
    }

    /// Records a learner's choice about a study (`study` nil: about every study).
    pub async fn record_consent(
        &self,
        tenant_id: TenantId,
        actor: &Value,
        study: Uuid,
        takes_part: bool,
        source: &str,
    ) -> Result<(), ResearchError> {
        let key = AgentKey::of(actor)
            .ok_or_else(|| ResearchError::Invalid("the learner has no identifier".to_owned()))?;
        self.storage
            .upsert_consent(&Consent {
                tenant_id,
                actor_key: key.as_str().to_owned(),
                study_id: study,
                choice: if takes_part { "in" } else { "out" }.to_owned(),
                source: source.to_owned(),
                chosen_at: Utc::now(),
            })
            .await?;
        tracing::info!(%tenant_id, %study, takes_part, source, "research consent recorded");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(study: Uuid, choice: &str) -> Consent {
        Consent {
            tenant_id: TenantId(Uuid::nil()),
            actor_key: "mbox:mailto:a@b.fr".to_owned(),
            study_id: study,
            choice: choice.to_owned(),
            source: "learner".to_owned(),
            chosen_at: Utc::now(),
        }
    }

    #[test]
    fn a_choice_about_the_study_wins_over_a_choice_about_every_study() {
        let study = Uuid::from_u128(1);
        assert!(takes_part(&[], study));
        assert!(!takes_part(&[consent(Uuid::nil(), "out")], study));
        assert!(takes_part(
            &[consent(Uuid::nil(), "out"), consent(study, "in")],
            study
        ));
        assert!(!takes_part(&[consent(study, "out")], study));
        assert!(takes_part(&[consent(Uuid::from_u128(2), "out")], study));
    }
}
