//! A learner's rights over their data (GDPR): what the hub holds about them, as one JSON document they can download
//! from the player (art. 15 and 20), and their erasure (art. 17), for admins and the CLI.
//!
//! A learner is named in one tenant by an xAPI agent, or by their LMS account (`sub`) on the tenant's platform.
//! Erasure runs in one storage transaction (`Storage::erase_learner`); research exports the hub keeps that may hold
//! the learner's pseudonymised statements are withdrawn afterwards, and the report names the learner's pseudonym in
//! each study so that copies already handed to a research team can be cleaned too.

use std::collections::BTreeSet;

use anyhow::{Context, anyhow};
use base64::Engine;
use chrono::{SecondsFormat, Utc};
use classcode_storage::{
    KeyFilter, LearnerErasure, NewAuditEntry, Platform, StatementFilter, TenantId,
};
use classcode_xapi::agent::AgentKey;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Hub;
use crate::research::pseudonymise::Pseudonymiser;
use crate::research::{StudyScope, TimestampPolicy, takes_part};

/// Statements read per page when gathering a learner's data.
const PAGE: u64 = 500;

/// How a caller names a learner.
#[derive(Clone, Debug)]
pub enum LearnerRef {
    /// An xAPI agent (JSON with one identifier).
    Agent(Value),
    /// An LMS account: the `sub` of the tenant's platform.
    LmsUser(String),
}

/// A learner found in a tenant, under each name the tables know them by.
#[derive(Clone, Debug)]
pub struct Learner {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub actor: Value,
    agent_key: AgentKey,
    platform: Option<Platform>,
    subject: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LearnerError {
    #[error("no tenant is named {0:?}")]
    UnknownTenant(String),
    #[error(
        "tenant {0:?} has no LTI platform, so its learners are named by an xAPI agent, not an LMS user"
    )]
    NoPlatform(String),
    #[error(
        "the agent must be a JSON object with exactly one identifier (mbox, mbox_sha1sum, openid or account)"
    )]
    BadAgent,
    #[error("this agent is the hub or one of its LRS credentials, not a learner")]
    NotALearner,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<classcode_storage::StorageError> for LearnerError {
    fn from(err: classcode_storage::StorageError) -> Self {
        LearnerError::Unexpected(err.into())
    }
}

impl Hub {
    /// Finds the learner a caller names in a tenant (they need not have any data).
    pub async fn find_learner(
        &self,
        tenant: &str,
        learner: &LearnerRef,
    ) -> Result<Learner, LearnerError> {
        let tenant_row = self
            .storage
            .find_tenants()
            .await?
            .into_iter()
            .find(|candidate| candidate.name == tenant || candidate.id.0.to_string() == tenant)
            .ok_or_else(|| LearnerError::UnknownTenant(tenant.to_owned()))?;
        let platforms: Vec<Platform> = self
            .storage
            .find_platforms()
            .await?
            .into_iter()
            .filter(|platform| platform.tenant_id == tenant_row.id)
            .collect();
        let actor = match learner {
            LearnerRef::Agent(agent) => agent.clone(),
            LearnerRef::LmsUser(subject) => {
                let platform = platforms
                    .first()
                    .ok_or_else(|| LearnerError::NoPlatform(tenant_row.name.clone()))?;
                json!({"objectType": "Agent", "account": {"homePage": platform.issuer, "name": subject}})
            }
        };
        let agent_key = AgentKey::of(&actor).ok_or(LearnerError::BadAgent)?;
        if actor["account"]["homePage"]
            .as_str()
            .is_some_and(|home| home.starts_with(&self.settings.public_url))
        {
            return Err(LearnerError::NotALearner);
        }
        // An account on one of the tenant's platforms is an LMS user there.
        let (platform, subject) = match (
            actor["account"]["homePage"].as_str(),
            actor["account"]["name"].as_str(),
        ) {
            (Some(home), Some(name)) => match platforms.into_iter().find(|p| p.issuer == home) {
                Some(platform) => (Some(platform), Some(name.to_owned())),
                None => (None, None),
            },
            _ => (None, None),
        };
        Ok(Learner {
            tenant_id: tenant_row.id,
            tenant_name: tenant_row.name,
            actor,
            agent_key,
            platform,
            subject,
        })
    }

    /// Everything the hub holds about a learner, as one JSON document.
    pub async fn learner_data(&self, learner: &Learner) -> Result<Value, LearnerError> {
        let mut statements = Vec::new();
        let mut registrations: BTreeSet<Uuid> = BTreeSet::new();
        let mut after_seq = None;
        loop {
            let page = self
                .storage
                .find_statements(
                    learner.tenant_id,
                    &StatementFilter {
                        keys: vec![KeyFilter {
                            kind: "agent".to_owned(),
                            value: learner.agent_key.as_str().to_owned(),
                        }],
                        ascending: true,
                        after_seq,
                        limit: PAGE,
                        ..StatementFilter::default()
                    },
                )
                .await?;
            let Some(last) = page.last() else { break };
            after_seq = Some(last.seq);
            let full = page.len() as u64 == PAGE;
            for stored in page {
                let statement: Value =
                    serde_json::from_str(&stored.payload).context("reading a stored statement")?;
                if let Some(registration) = statement["context"]["registration"]
                    .as_str()
                    .and_then(|text| Uuid::parse_str(text).ok())
                {
                    registrations.insert(registration);
                }
                statements.push(json!({"statement": statement, "voided": stored.voided}));
            }
            if !full {
                break;
            }
        }

        let mut launches = Vec::new();
        if let (Some(platform), Some(subject)) = (&learner.platform, &learner.subject) {
            for launch in self
                .storage
                .find_launches_of(learner.tenant_id, platform.id.0, subject)
                .await?
            {
                registrations.extend(launch.registration);
                let claims: Value = serde_json::from_str(&launch.claims).unwrap_or(Value::Null);
                launches.push(json!({
                    "at": launch.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    "platform": platform.issuer,
                    "context": claims["context"],
                    "resource_link": claims["resource_link"],
                    "roles": claims["roles"],
                    "content_id": launch.content_id,
                    "registration": launch.registration,
                }));
            }
        }

        let documents: Vec<Value> = self
            .storage
            .find_documents_of_agent(learner.tenant_id, learner.agent_key.as_str())
            .await?
            .into_iter()
            .map(|(kind, activity_id, registration, document)| {
                let content = match serde_json::from_slice::<Value>(&document.content) {
                    Ok(parsed) if document.content_type.starts_with("application/json") => parsed,
                    _ => match String::from_utf8(document.content.clone()) {
                        Ok(text) => Value::String(text),
                        Err(_) => json!({"base64": base64::engine::general_purpose::STANDARD
                            .encode(&document.content)}),
                    },
                };
                json!({
                    "kind": kind,
                    "activity_id": (!activity_id.is_empty()).then_some(activity_id),
                    "registration": (!registration.is_empty()).then_some(registration),
                    "id": document.document_id,
                    "content_type": document.content_type,
                    "updated": document.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    "content": content,
                })
            })
            .collect();

        let registrations: Vec<Uuid> = registrations.into_iter().collect();
        let certifications: Vec<Value> = self
            .storage
            .find_certifications_of_registrations(learner.tenant_id, &registrations)
            .await?
            .into_iter()
            .filter(|certification| self.is_learner(learner, &certification.actor))
            .map(|certification| {
                json!({
                    "content_id": certification.content_id,
                    "content_version": certification.content_version,
                    "status": certification.status.as_str(),
                    "score": certification.scaled,
                    "certified_at": certification.certified_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    "revoked_at": certification.revoked_at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
                    "evidence": certification.evidence,
                })
            })
            .collect();

        let urls = self.badge_urls();
        let badges: Vec<Value> = match crate::badges::actor_key(&learner.actor) {
            Some(key) => self
                .storage
                .find_badges_of_actor(learner.tenant_id, &key)
                .await?
                .into_iter()
                .map(|badge| {
                    json!({
                        "id": badge.id,
                        "content_id": badge.content_id,
                        "issued_at": badge.issued_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                        "revoked_at": badge.revoked_at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
                        "ob2_assertion": urls.ob2_assertion(badge.id),
                        "ob3_credential": urls.ob3_credential(badge.id),
                        "credential": serde_json::from_str::<Value>(&badge.ob3_credential).unwrap_or(Value::Null),
                    })
                })
                .collect(),
            None => Vec::new(),
        };

        let research: Vec<Value> = self
            .learner_studies(learner.tenant_id, &learner.actor)
            .await
            .map_err(|err| anyhow!("{err}"))?
            .into_iter()
            .map(|(study, taking_part)| {
                json!({
                    "study": study.name,
                    "team": study.team,
                    "purpose": study.purpose,
                    "taking_part": taking_part,
                })
            })
            .collect();

        Ok(json!({
            "generated_at": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            "hub": self.settings.public_url,
            "tenant": learner.tenant_name,
            "learner": learner.actor,
            "launches": launches,
            "statements": statements,
            "documents": documents,
            "certifications": certifications,
            "badges": badges,
            "research": research,
        }))
    }

    /// The player session's learner's data.
    pub async fn player_learner_data(
        &self,
        session_token: &str,
    ) -> Result<Value, crate::player::PlayerError> {
        let (_, launch) = self.player_launch(session_token).await?;
        let actor = self.launch_actor(&launch).await;
        let tenant = self
            .storage
            .find_tenants()
            .await?
            .into_iter()
            .find(|tenant| tenant.id == launch.tenant_id)
            .ok_or_else(|| anyhow!("the launch's tenant is gone"))?;
        let learner = self
            .find_learner(&tenant.name, &LearnerRef::Agent(actor))
            .await
            .map_err(|err| anyhow!("{err}"))?;
        Ok(self
            .learner_data(&learner)
            .await
            .map_err(|err| anyhow!("{err}"))?)
    }

    /// Erases a learner everywhere and reports what went; `dry_run` only counts. `by` is recorded in the audit log.
    pub async fn erase_learner(
        &self,
        learner: &Learner,
        dry_run: bool,
        by: &str,
    ) -> Result<Value, LearnerError> {
        // Research first, while the learner's consent choices still exist.
        let research = self.research_to_withdraw(learner).await?;
        let badge_key = crate::badges::actor_key(&learner.actor);
        let daily_token = self.learner_token(learner.tenant_id, &learner.agent_key);
        let is_learner = |actor: &str| self.is_learner(learner, actor);
        let counts = self
            .storage
            .erase_learner(&LearnerErasure {
                tenant_id: learner.tenant_id,
                agent_key: learner.agent_key.as_str(),
                badge_key: badge_key.as_deref(),
                lti_account: learner
                    .platform
                    .as_ref()
                    .zip(learner.subject.as_deref())
                    .map(|(platform, subject)| (platform.id.0, subject)),
                daily_token: &daily_token,
                is_learner: &is_learner,
                at: Utc::now(),
                dry_run,
            })
            .await?;
        let mut studies = Vec::new();
        for (study_name, pseudonym, exports) in research {
            let mut withdrawn = Vec::new();
            for (export_id, dir) in exports {
                if !dry_run {
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("removing the export {}", dir.display()))?;
                }
                withdrawn.push(export_id);
            }
            studies.push(json!({
                "study": study_name,
                "pseudonym": pseudonym,
                "exports_withdrawn": withdrawn,
            }));
        }
        let report = json!({
            "dry_run": dry_run,
            "tenant": learner.tenant_name,
            "removed": counts,
            "research": studies,
        });
        if !dry_run {
            // The audit log keeps what was done, never whom it was done to.
            self.audit(
                by,
                "learner.erase",
                &learner.tenant_name,
                json!({"removed": counts}),
            )
            .await?;
        }
        Ok(report)
    }

    /// For each study covering the learner's tenant in which they took part: the study, their pseudonym in it, and
    /// the exports the hub keeps of it (id, folder).
    async fn research_to_withdraw(
        &self,
        learner: &Learner,
    ) -> Result<Vec<(String, String, Vec<(Uuid, std::path::PathBuf)>)>, LearnerError> {
        let consents = self
            .storage
            .find_consents_of(learner.tenant_id, learner.agent_key.as_str())
            .await?;
        let mut found = Vec::new();
        for study in self.storage.find_studies().await? {
            let covers = serde_json::from_str::<StudyScope>(&study.scope)
                .is_ok_and(|scope| scope.tenants.contains(&learner.tenant_name));
            if !covers || !takes_part(&consents, study.id) {
                continue;
            }
            let policy = TimestampPolicy::parse(&study.timestamps).unwrap_or(TimestampPolicy::Day);
            let pseudonymiser = Pseudonymiser::new(&self.study_key(&study)?, policy);
            let Some(pseudonym) = pseudonymiser.pseudonym(&learner.actor) else {
                continue;
            };
            let mut exports = Vec::new();
            for export in self.storage.find_research_exports(study.id).await? {
                let dir = self
                    .settings
                    .research_dir
                    .join(study.id.to_string())
                    .join(export.id.to_string());
                if dir.is_dir() {
                    exports.push((export.id, dir));
                }
            }
            found.push((study.name, pseudonym, exports));
        }
        Ok(found)
    }

    fn is_learner(&self, learner: &Learner, actor: &str) -> bool {
        serde_json::from_str::<Value>(actor)
            .ok()
            .and_then(|actor| AgentKey::of(&actor))
            .is_some_and(|key| key == learner.agent_key)
    }

    /// Records an admin action in the audit log. `details` must hold no secret and no learner identifier.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        details: Value,
    ) -> anyhow::Result<()> {
        self.storage
            .insert_audit(
                &NewAuditEntry {
                    actor: actor.to_owned(),
                    action: action.to_owned(),
                    target: target.to_owned(),
                    details: details.to_string(),
                },
                Utc::now(),
            )
            .await?;
        Ok(())
    }

    /// The audit log, newest first: `limit` entries before the entry `before`.
    pub async fn audit_log(&self, before: Option<i64>, limit: u64) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .storage
            .find_audit(before, limit)
            .await?
            .into_iter()
            .map(|entry| {
                json!({
                    "id": entry.id,
                    "at": entry.at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    "actor": entry.actor,
                    "action": entry.action,
                    "target": entry.target,
                    "details": serde_json::from_str::<Value>(&entry.details).unwrap_or(Value::Null),
                })
            })
            .collect())
    }
}
