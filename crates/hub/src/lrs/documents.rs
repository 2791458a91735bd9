//! The document resources (State, Activity Profile, Agent Profile) with their concurrency rules, and the
//! Activities and Agents resources.

use chrono::{DateTime, Utc};
use classcode_storage::{
    Document, DocumentKind, DocumentScope, KeyFilter, StatementFilter, StorageError,
};
use classcode_xapi::document::{etag, etag_matches, is_json_object, merge_json};
use classcode_xapi::{AgentKey, IndexKind, XapiVersion, validate_agent_param};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Access, LrsCaller};
use crate::Hub;

/// Which document set a request addresses.
#[derive(Clone, Debug)]
pub enum DocumentTarget {
    State {
        activity_id: String,
        agent: Value,
        registration: Option<Uuid>,
    },
    ActivityProfile {
        activity_id: String,
    },
    AgentProfile {
        agent: Value,
    },
}

/// `If-Match` and `If-None-Match` as sent.
#[derive(Clone, Debug, Default)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

/// PUT replaces a document; POST merges JSON objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    Put,
    Post,
}

/// A stored document as the HTTP layer returns it.
#[derive(Clone, Debug)]
pub struct StoredDocument {
    pub content_type: String,
    pub content: Vec<u8>,
    pub etag: String,
    pub updated_at: DateTime<Utc>,
}

/// Why a document request failed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("this credential may not use this resource")]
    Forbidden,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for DocumentError {
    fn from(err: StorageError) -> Self {
        DocumentError::Unexpected(err.into())
    }
}

fn is_json_type(content_type: &str) -> bool {
    content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("application/json")
}

impl Hub {
    fn scope_of(
        &self,
        caller: &LrsCaller,
        target: &DocumentTarget,
        writing: bool,
    ) -> Result<DocumentScope, DocumentError> {
        let agent_key = |agent: &Value| -> Result<String, DocumentError> {
            validate_agent_param(agent)
                .map_err(|violations| DocumentError::Invalid(violations.to_string()))?;
            AgentKey::of(agent)
                .map(|key| key.as_str().to_owned())
                .ok_or_else(|| {
                    DocumentError::Invalid("agent must have exactly one identifier".to_owned())
                })
        };
        let access = match (target, writing) {
            (DocumentTarget::State { .. }, _) => Access::State,
            (DocumentTarget::AgentProfile { .. }, false) if caller.restriction.is_some() => {
                Access::State
            }
            (_, true) => Access::WriteProfile,
            (_, false) => Access::ReadProfile,
        };
        if !caller.may(access) {
            return Err(DocumentError::Forbidden);
        }
        // A launch token reaches its own learner's State in its own registration, and nothing else.
        // It may also read its learner's Agent Profile (cmi5 learner preferences).
        if let Some(restriction) = &caller.restriction {
            let allowed = match target {
                DocumentTarget::State {
                    agent,
                    registration,
                    ..
                } => {
                    AgentKey::of(agent) == AgentKey::of(&restriction.actor)
                        && registration
                            .is_none_or(|registration| registration == restriction.registration)
                }
                DocumentTarget::AgentProfile { agent } => {
                    !writing && AgentKey::of(agent) == AgentKey::of(&restriction.actor)
                }
                DocumentTarget::ActivityProfile { .. } => false,
            };
            if !allowed {
                return Err(DocumentError::Forbidden);
            }
        }
        Ok(match target {
            DocumentTarget::State {
                activity_id,
                agent,
                registration,
            } => DocumentScope {
                tenant_id: caller.tenant_id,
                kind: DocumentKind::State,
                activity_id: activity_id.clone(),
                agent_key: agent_key(agent)?,
                registration: registration.map(|r| r.to_string()).unwrap_or_default(),
            },
            DocumentTarget::ActivityProfile { activity_id } => DocumentScope {
                tenant_id: caller.tenant_id,
                kind: DocumentKind::ActivityProfile,
                activity_id: activity_id.clone(),
                agent_key: String::new(),
                registration: String::new(),
            },
            DocumentTarget::AgentProfile { agent } => DocumentScope {
                tenant_id: caller.tenant_id,
                kind: DocumentKind::AgentProfile,
                activity_id: String::new(),
                agent_key: agent_key(agent)?,
                registration: String::new(),
            },
        })
    }

    pub async fn get_document(
        &self,
        caller: &LrsCaller,
        target: &DocumentTarget,
        document_id: &str,
    ) -> Result<Option<StoredDocument>, DocumentError> {
        let scope = self.scope_of(caller, target, false)?;
        Ok(self
            .storage
            .find_document(&scope, document_id)
            .await?
            .map(|document| StoredDocument {
                content_type: document.content_type,
                content: document.content,
                etag: document.etag,
                updated_at: document.updated_at,
            }))
    }

    pub async fn list_document_ids(
        &self,
        caller: &LrsCaller,
        target: &DocumentTarget,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<String>, DocumentError> {
        let scope = self.scope_of(caller, target, false)?;
        Ok(self.storage.find_document_ids(&scope, since).await?)
    }

    /// PUT or POST a document, with the concurrency rules of xAPI Communication §1.3 as each version has them.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is one part of the HTTP request"
    )]
    pub async fn write_document(
        &self,
        caller: &LrsCaller,
        version: XapiVersion,
        target: &DocumentTarget,
        document_id: &str,
        mode: WriteMode,
        content_type: &str,
        content: Vec<u8>,
        preconditions: &Preconditions,
    ) -> Result<(), DocumentError> {
        let scope = self.scope_of(caller, target, true)?;
        refuse_launch_data_write(caller, document_id)?;
        if mode == WriteMode::Post && is_json_type(content_type) && !is_json_object(&content) {
            return Err(DocumentError::Invalid(
                "the body is declared as JSON but is not a JSON object".to_owned(),
            ));
        }
        let current = self.storage.find_document(&scope, document_id).await?;
        check_preconditions(current.as_ref(), preconditions)?;
        let has_precondition =
            preconditions.if_match.is_some() || preconditions.if_none_match.is_some();
        let is_state = matches!(target, DocumentTarget::State { .. });
        if mode == WriteMode::Put && !has_precondition {
            match (&current, version) {
                (Some(_), _) if version.is_2_0() || !is_state => {
                    return Err(DocumentError::Conflict(
                        "the document exists: send If-Match with its ETag to replace it, or POST to merge".to_owned(),
                    ));
                }
                (None, XapiVersion::V1_0) if !is_state => {
                    return Err(DocumentError::Invalid(
                        "PUT of a profile needs If-Match or If-None-Match (xAPI 1.0.3 concurrency)"
                            .to_owned(),
                    ));
                }
                _ => {}
            }
        }
        let (content_type, content) = match (mode, current) {
            (WriteMode::Post, Some(current)) => {
                if !is_json_type(&current.content_type) || !is_json_type(content_type) {
                    return Err(DocumentError::Invalid(
                        "POST merges JSON documents only; the stored or the sent document is not JSON".to_owned(),
                    ));
                }
                let merged = merge_json(&current.content, &content)
                    .map_err(|err| DocumentError::Invalid(err.to_string()))?;
                ("application/json".to_owned(), merged)
            }
            _ => (content_type.to_owned(), content),
        };
        let document = Document {
            document_id: document_id.to_owned(),
            etag: etag(&content),
            content_type,
            content,
            updated_at: Utc::now(),
        };
        self.storage.upsert_document(&scope, document).await?;
        Ok(())
    }

    /// Deletes one document, or (State only, `document_id` absent) every document of the scope.
    pub async fn delete_document(
        &self,
        caller: &LrsCaller,
        target: &DocumentTarget,
        document_id: Option<&str>,
        preconditions: &Preconditions,
    ) -> Result<(), DocumentError> {
        let scope = self.scope_of(caller, target, true)?;
        // Deleting every document of the scope would delete LMS.LaunchData too.
        refuse_launch_data_write(caller, document_id.unwrap_or(crate::cmi5::LAUNCH_DATA))?;
        if let Some(document_id) = document_id {
            let current = self.storage.find_document(&scope, document_id).await?;
            check_preconditions(current.as_ref(), preconditions)?;
        }
        self.storage.delete_documents(&scope, document_id).await?;
        Ok(())
    }

    /// The Activity object the LRS holds for an id (a bare one when it never saw that activity).
    pub async fn get_activity(
        &self,
        caller: &LrsCaller,
        activity_id: &str,
    ) -> Result<Value, DocumentError> {
        if !caller.may(Access::ReadDefinitions) && !caller.may(Access::ReadStatements) {
            return Err(DocumentError::Forbidden);
        }
        let mut activity = Map::new();
        activity.insert("objectType".to_owned(), json!("Activity"));
        activity.insert("id".to_owned(), json!(activity_id));
        if let Some(text) = self
            .storage
            .find_activity_definition(caller.tenant_id, activity_id)
            .await?
            && let Ok(definition) = serde_json::from_str::<Value>(&text)
            && definition.as_object().is_some_and(|map| !map.is_empty())
        {
            activity.insert("definition".to_owned(), definition);
        }
        Ok(Value::Object(activity))
    }

    /// The Person object for an agent: its identifier and the names statements gave it.
    pub async fn get_person(
        &self,
        caller: &LrsCaller,
        agent: &Value,
    ) -> Result<Value, DocumentError> {
        if !caller.may(Access::ReadDefinitions) && !caller.may(Access::ReadStatements) {
            return Err(DocumentError::Forbidden);
        }
        validate_agent_param(agent)
            .map_err(|violations| DocumentError::Invalid(violations.to_string()))?;
        let key = AgentKey::of(agent).ok_or_else(|| {
            DocumentError::Invalid("agent must have exactly one identifier".to_owned())
        })?;
        let filter = StatementFilter {
            keys: vec![KeyFilter {
                kind: IndexKind::RelatedAgent.as_code().to_owned(),
                value: key.as_str().to_owned(),
            }],
            limit: 100,
            ..StatementFilter::default()
        };
        let mut names: Vec<String> = Vec::new();
        if let Some(name) = agent.get("name").and_then(Value::as_str) {
            names.push(name.to_owned());
        }
        for row in self
            .storage
            .find_statements(caller.tenant_id, &filter)
            .await?
        {
            if let Ok(statement) = serde_json::from_str::<Value>(&row.payload) {
                collect_names(&statement, &key, &mut names);
            }
        }
        let mut person = Map::new();
        person.insert("objectType".to_owned(), json!("Person"));
        if !names.is_empty() {
            person.insert("name".to_owned(), json!(names));
        }
        if let Some(map) = agent.as_object() {
            for (ifi, value) in AgentKey::ifi_only(map) {
                person.insert(ifi, Value::Array(vec![value]));
            }
        }
        Ok(Value::Object(person))
    }
}

fn check_preconditions(
    current: Option<&Document>,
    preconditions: &Preconditions,
) -> Result<(), DocumentError> {
    if let Some(if_match) = &preconditions.if_match {
        match current {
            Some(document) if etag_matches(if_match, &document.etag) => {}
            _ => {
                return Err(DocumentError::PreconditionFailed(
                    "If-Match does not match the document's current ETag".to_owned(),
                ));
            }
        }
    }
    if let Some(if_none_match) = &preconditions.if_none_match
        && let Some(document) = current
        && etag_matches(if_none_match, &document.etag)
    {
        return Err(DocumentError::PreconditionFailed(
            "If-None-Match: the document already exists".to_owned(),
        ));
    }
    Ok(())
}

fn collect_names(value: &Value, key: &AgentKey, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if AgentKey::of_map(map).as_ref() == Some(key)
                && let Some(name) = map.get("name").and_then(Value::as_str)
                && !names.iter().any(|known| known == name)
            {
                names.push(name.to_owned());
            }
            for child in map.values() {
                collect_names(child, key, names);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_names(item, key, names)),
        _ => {}
    }
}

/// `LMS.LaunchData` is the hub's word to a cmi5 AU: a launch token may read it, never change it (cmi5 §10).
fn refuse_launch_data_write(caller: &LrsCaller, document_id: &str) -> Result<(), DocumentError> {
    if caller.restriction.is_some() && document_id == crate::cmi5::LAUNCH_DATA {
        return Err(DocumentError::Forbidden);
    }
    Ok(())
}
