//! Storing and reading statements: validation of every statement of a batch, attachments and signatures,
//! immutability (same id and content: no-op; other content: conflict), voiding, and paged queries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use classcode_storage::{
    KeyFilter, NewAttachment, NewStatement, StatementBatch, StatementFilter, StorageError,
    StoredStatement,
};
use classcode_xapi::format::{Format, apply_format};
use classcode_xapi::query::{SingleLookup, StatementQuery};
use classcode_xapi::{
    AgentKey, IndexKind, SIGNATURE_USAGE_TYPE, StoreContext, Violations, XapiVersion, compare,
    definition, prepare_statement, signature, validate_statement,
};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};
use uuid::Uuid;

use super::{Access, LrsCaller};
use crate::Hub;

/// An attachment part received with statements.
#[derive(Clone, Debug)]
pub struct IncomingAttachment {
    pub sha2: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub transfer_encoding: Option<String>,
}

/// Why statements were not stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("this credential may not write statements")]
    Forbidden,
    /// A launch token wrote for another learner, or outside its registration.
    #[error("{0}")]
    ForeignLearner(String),
    #[error("{0}")]
    Invalid(Violations),
    #[error("{0}")]
    Conflict(String),
    /// A cmi5 AU's statement breaks the cmi5 rules of its session.
    #[error("{0}")]
    Cmi5(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a statement query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("this credential may not read statements")]
    Forbidden,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for QueryError {
    fn from(err: StorageError) -> Self {
        QueryError::Unexpected(err.into())
    }
}

/// One page of a statement query.
#[derive(Clone, Debug, Default)]
pub struct StatementPage {
    pub statements: Vec<Value>,
    /// The cursor of the next page, if there is one.
    pub more: Option<String>,
    /// `(sha2, content type, content)` of the attachments of these statements, when asked for.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// A single statement found by id.
#[derive(Clone, Debug)]
pub struct FoundStatement {
    pub statement: Value,
    pub stored: DateTime<Utc>,
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

fn invalid(path: impl Into<String>, rule: impl Into<String>) -> StoreError {
    StoreError::Invalid(Violations::single(path, rule))
}

fn sha_hex(content: &[u8], hex_len: usize) -> Option<String> {
    let digest: Vec<u8> = match hex_len {
        64 => Sha256::digest(content).to_vec(),
        96 => Sha384::digest(content).to_vec(),
        128 => Sha512::digest(content).to_vec(),
        _ => return None,
    };
    Some(digest.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Merges two activity definitions given as JSON text (what storage keeps).
pub fn merge_definition_text(current: &str, incoming: &str) -> String {
    match (
        serde_json::from_str::<Value>(current),
        serde_json::from_str::<Value>(incoming),
    ) {
        (Ok(current), Ok(incoming)) => {
            definition::merge_definition(&current, &incoming).to_string()
        }
        _ => incoming.to_owned(),
    }
}

impl Hub {
    /// Stores one statement (`put_id` given, PUT) or a batch (POST); all or nothing. Returns the ids in order.
    #[tracing::instrument(skip_all, fields(tenant_id = %caller.tenant_id))]
    pub async fn store_statements(
        &self,
        caller: &LrsCaller,
        version: XapiVersion,
        body: Value,
        put_id: Option<Uuid>,
        parts: Option<Vec<IncomingAttachment>>,
    ) -> Result<Vec<Uuid>, StoreError> {
        if !caller.may(Access::WriteStatements) {
            return Err(StoreError::Forbidden);
        }
        let batch = match (body, put_id) {
            (Value::Object(map), _) => vec![Value::Object(map)],
            (Value::Array(items), None) => items,
            (Value::Array(_), Some(_)) => {
                return Err(invalid(
                    "statement",
                    "PUT takes one statement, not an array",
                ));
            }
            _ => {
                return Err(invalid(
                    "statement",
                    "must be a statement object or an array of statements",
                ));
            }
        };
        let is_batch = batch.len() > 1;
        let path_of = |index: usize| {
            if is_batch {
                format!("statement[{index}]")
            } else {
                "statement".to_owned()
            }
        };
        let mut batch = batch;
        if let Some(put_id) = put_id {
            let statement = &mut batch[0];
            match statement.get("id").and_then(Value::as_str) {
                Some(id) if Uuid::parse_str(id).ok() != Some(put_id) => {
                    return Err(invalid(
                        "statement.id",
                        "differs from the statementId parameter",
                    ));
                }
                _ => {
                    if let Some(map) = statement.as_object_mut() {
                        map.insert("id".to_owned(), Value::String(put_id.to_string()));
                    }
                }
            }
        }

        let mut violations = Violations::default();
        for (index, statement) in batch.iter().enumerate() {
            if let Err(found) = validate_statement(statement, version) {
                let prefix = path_of(index);
                for mut violation in found.0 {
                    violation.path = violation.path.replacen("statement", &prefix, 1);
                    violations.0.push(violation);
                }
            }
        }
        if !violations.is_empty() {
            return Err(StoreError::Invalid(violations));
        }
        if let Some(restriction) = &caller.restriction {
            for (index, statement) in batch.iter().enumerate() {
                let registration = statement
                    .pointer("/context/registration")
                    .and_then(Value::as_str)
                    .and_then(|text| Uuid::parse_str(text).ok());
                if registration.is_some_and(|registration| registration != restriction.registration)
                {
                    return Err(StoreError::ForeignLearner(format!(
                        "{}.context.registration: a launch token writes only in its own registration",
                        path_of(index)
                    )));
                }
                if AgentKey::of(statement.get("actor").unwrap_or(&Value::Null))
                    != AgentKey::of(&restriction.actor)
                {
                    return Err(StoreError::ForeignLearner(format!(
                        "{}.actor: a launch token writes only for its own learner",
                        path_of(index)
                    )));
                }
            }
        }

        let scores_count = caller
            .restriction
            .as_ref()
            .is_none_or(|restriction| restriction.scores_count);
        if !scores_count {
            for (index, statement) in batch.iter().enumerate() {
                if statement
                    .pointer("/context/extensions")
                    .and_then(Value::as_object)
                    .is_some_and(|extensions| {
                        extensions.contains_key(crate::certification::EXT_SCORED_BY_HUB)
                    })
                {
                    return Err(StoreError::ForeignLearner(format!(
                        "{}.context.extensions: {} is reserved for the hub's own quiz scoring",
                        path_of(index),
                        crate::certification::EXT_SCORED_BY_HUB
                    )));
                }
            }
        }
        let cmi5_session = match caller
            .restriction
            .as_ref()
            .and_then(|restriction| restriction.cmi5_session)
        {
            Some(session_id) => Some((
                self.check_cmi5_batch(caller, session_id, &batch).await?,
                batch.clone(),
            )),
            None => None,
        };

        let mut ids: Vec<Option<Uuid>> = Vec::with_capacity(batch.len());
        let mut seen = HashSet::new();
        for (index, statement) in batch.iter().enumerate() {
            let id = statement
                .get("id")
                .and_then(Value::as_str)
                .and_then(|text| Uuid::parse_str(text).ok());
            if let Some(id) = id
                && !seen.insert(id)
            {
                return Err(invalid(
                    format!("{}.id", path_of(index)),
                    "the same id appears twice in the batch",
                ));
            }
            ids.push(id);
        }

        let attachments = check_attachments(&batch, parts, &path_of)?;

        let known_ids: Vec<Uuid> = ids.iter().flatten().copied().collect();
        let existing: HashMap<Uuid, StoredStatement> = self
            .storage
            .find_statements_by_ids(caller.tenant_id, &known_ids)
            .await
            .map_err(|err| StoreError::Unexpected(err.into()))?
            .into_iter()
            .map(|stored| (stored.statement_id, stored))
            .collect();

        let now = Utc::now();
        let context = StoreContext {
            version,
            now,
            authority: &caller.authority,
        };
        let mut result_ids = Vec::with_capacity(batch.len());
        let mut to_store = Vec::with_capacity(batch.len());
        let mut grade_candidates = Vec::new();
        let content_prefix = format!("{}/content/", self.settings.public_url);
        let mut touched = Vec::new();
        let mut voided = Vec::new();
        for (statement, id) in batch.into_iter().zip(ids) {
            if let Some(id) = id
                && let Some(stored) = existing.get(&id)
            {
                let stored_json: Value =
                    serde_json::from_str(&stored.payload).unwrap_or(Value::Null);
                if compare::is_same_statement(&stored_json, &statement) {
                    result_ids.push(id);
                    continue;
                }
                return Err(StoreError::Conflict(format!(
                    "statement {id} already exists with other content; statements are immutable"
                )));
            }
            let prepared = prepare_statement(statement, &context);
            result_ids.push(prepared.id);
            if let Some(registration) =
                crate::certification::touched_registration(&content_prefix, &prepared.statement)
            {
                touched.push(registration);
            }
            voided.extend(prepared.voids);
            if scores_count
                && let Some(candidate) =
                    crate::lti::grade_candidate(prepared.id, &prepared.statement)
            {
                grade_candidates.push(candidate);
            }
            to_store.push(NewStatement {
                statement_id: prepared.id,
                stored: prepared.stored,
                verb_id: prepared.verb_id,
                registration: prepared.registration,
                voids: prepared.voids,
                targets: prepared.targets,
                has_attachments: prepared.statement.get("attachments").is_some(),
                fresh_id: id.is_none(),
                payload: prepared.statement.to_string(),
                keys: prepared
                    .keys
                    .into_iter()
                    .map(|key| (key.kind.as_code().to_owned(), key.value))
                    .collect(),
                activities: prepared
                    .activities
                    .into_iter()
                    .map(|(id, definition)| (id, definition.map(|d| d.to_string())))
                    .collect(),
            });
        }
        let count = to_store.len();
        let batch = StatementBatch {
            tenant_id: caller.tenant_id,
            statements: to_store,
            attachments,
        };
        match self.statement_writer.write(batch).await {
            Ok(()) => {}
            Err(StorageError::Conflict(_)) => {
                return Err(StoreError::Conflict(
                    "a statement with one of these ids was stored at the same time; send the batch again".to_owned(),
                ));
            }
            Err(err) => return Err(StoreError::Unexpected(err.into())),
        }
        tracing::debug!(count, "statements stored");
        if !grade_candidates.is_empty()
            && let Err(err) = self.queue_grades(caller.tenant_id, grade_candidates).await
        {
            tracing::error!(error = %err, "scores could not be queued for the gradebook");
        }
        if let Some((session, statements)) = cmi5_session
            && let Err(err) = self.after_cmi5_batch(&session, &statements).await
        {
            tracing::error!(error = %err, "cmi5 session not updated after its statements");
        }
        if !touched.is_empty() || !voided.is_empty() {
            self.certify_after_store(caller.tenant_id, touched, voided)
                .await;
        }
        Ok(result_ids)
    }

    /// Every statement of a registration in a tenant (voided ones excluded), oldest first: what the hub reads to
    /// evaluate cmi5 rules and certifications. Bounded at 10 000.
    pub(crate) async fn statements_of_registration(
        &self,
        tenant_id: classcode_storage::TenantId,
        registration: Uuid,
    ) -> anyhow::Result<Vec<Value>> {
        let filter = StatementFilter {
            keys: vec![KeyFilter {
                kind: "registration".to_owned(),
                value: registration.to_string(),
            }],
            ascending: true,
            limit: 10_000,
            ..StatementFilter::default()
        };
        Ok(self
            .storage
            .find_statements(tenant_id, &filter)
            .await?
            .into_iter()
            .filter_map(|stored| serde_json::from_str::<Value>(&stored.payload).ok())
            .collect())
    }

    /// One statement by id (`statementId`: not voided; `voidedStatementId`: voided only).
    pub async fn get_statement(
        &self,
        caller: &LrsCaller,
        version: XapiVersion,
        lookup: SingleLookup,
        format: Format,
        languages: &[String],
        with_attachments: bool,
    ) -> Result<Option<FoundStatement>, QueryError> {
        if !caller.may(Access::ReadStatements) {
            return Err(QueryError::Forbidden);
        }
        let (id, want_voided) = match lookup {
            SingleLookup::Statement(id) => (id, false),
            SingleLookup::Voided(id) => (id, true),
        };
        let found = self
            .storage
            .find_statements_by_ids(caller.tenant_id, &[id])
            .await?;
        let Some(stored) = found.into_iter().next() else {
            return Ok(None);
        };
        if stored.voided != want_voided {
            return Ok(None);
        }
        let mut statement: Value = serde_json::from_str(&stored.payload)
            .map_err(|err| QueryError::Unexpected(err.into()))?;
        if caller.reads_only_its_own() && statement.get("authority") != Some(&caller.authority) {
            return Ok(None);
        }
        let attachments = if with_attachments {
            self.stored_attachments(caller, std::slice::from_ref(&statement))
                .await?
        } else {
            Vec::new()
        };
        apply_format(&mut statement, format, version, languages);
        Ok(Some(FoundStatement {
            statement,
            stored: stored.stored,
            attachments,
        }))
    }

    /// A page of statements matching `query`, newest first unless `ascending`; `cursor` continues a query.
    pub async fn query_statements(
        &self,
        caller: &LrsCaller,
        version: XapiVersion,
        query: &StatementQuery,
        cursor: Option<&str>,
        languages: &[String],
    ) -> Result<StatementPage, QueryError> {
        if !caller.may(Access::ReadStatements) {
            return Err(QueryError::Forbidden);
        }
        let mut keys = Vec::new();
        let mut filter = |kind: IndexKind, value: String| {
            keys.push(KeyFilter {
                kind: kind.as_code().to_owned(),
                value,
            })
        };
        // Registration first: filters are tried in this order as the query's driving key (most selective first).
        if let Some(registration) = query.registration {
            filter(IndexKind::Registration, registration.to_string());
        }
        if let Some(agent) = &query.agent {
            let kind = if query.related_agents {
                IndexKind::RelatedAgent
            } else {
                IndexKind::Agent
            };
            filter(kind, agent.as_str().to_owned());
        }
        if caller.reads_only_its_own()
            && let Some(authority) = AgentKey::of(&caller.authority)
        {
            filter(IndexKind::RelatedAgent, authority.as_str().to_owned());
        }
        if let Some(activity) = &query.activity {
            let kind = if query.related_activities {
                IndexKind::RelatedActivity
            } else {
                IndexKind::Activity
            };
            filter(kind, activity.clone());
        }
        if let Some(verb) = &query.verb {
            filter(IndexKind::Verb, verb.clone());
        }
        let max = self.settings.max_statements_per_page;
        let limit = if query.limit == 0 || query.limit > max {
            max
        } else {
            query.limit
        };
        let (after_seq, max_seq) = match cursor {
            Some(cursor) => parse_cursor(cursor)
                .ok_or_else(|| QueryError::Invalid("the paging cursor is malformed".to_owned()))?,
            None => (
                None,
                self.storage
                    .find_max_statement_seq(caller.tenant_id)
                    .await?,
            ),
        };
        let filter = StatementFilter {
            keys,
            since: query.since,
            until: query.until,
            ascending: query.ascending,
            after_seq,
            max_seq: Some(max_seq),
            limit: u64::from(limit) + 1,
        };
        let mut rows = self
            .storage
            .find_statements(caller.tenant_id, &filter)
            .await?;
        let more = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|last| format!("{}.{}", last.seq, max_seq))
        } else {
            None
        };
        let mut statements = Vec::with_capacity(rows.len());
        for row in rows {
            statements.push(
                serde_json::from_str::<Value>(&row.payload)
                    .map_err(|err| QueryError::Unexpected(err.into()))?,
            );
        }
        let attachments = if query.attachments {
            self.stored_attachments(caller, &statements).await?
        } else {
            Vec::new()
        };
        for statement in &mut statements {
            apply_format(statement, query.format, version, languages);
        }
        Ok(StatementPage {
            statements,
            more,
            attachments,
        })
    }

    async fn stored_attachments(
        &self,
        caller: &LrsCaller,
        statements: &[Value],
    ) -> Result<Vec<(String, String, Vec<u8>)>, QueryError> {
        let mut hashes = Vec::new();
        for statement in statements {
            for attachment in attachments_of(statement) {
                if let Some(sha2) = attachment.get("sha2").and_then(Value::as_str) {
                    let sha2 = sha2.to_ascii_lowercase();
                    if !hashes.contains(&sha2) {
                        hashes.push(sha2);
                    }
                }
            }
        }
        let found = self
            .storage
            .find_attachments(caller.tenant_id, &hashes)
            .await?;
        Ok(found
            .into_iter()
            .map(|a| (a.sha2, a.content_type, a.content))
            .collect())
    }
}

/// The attachment objects of a statement and of its SubStatement.
fn attachments_of(statement: &Value) -> impl Iterator<Item = &Value> {
    [
        statement.get("attachments"),
        statement
            .get("object")
            .and_then(|object| object.get("attachments")),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_array)
    .flatten()
}

fn parse_cursor(cursor: &str) -> Option<(Option<i64>, i64)> {
    let (after, max) = cursor.split_once('.')?;
    Some((Some(after.parse().ok()?), max.parse().ok()?))
}

/// Checks the attachment parts against the statements' attachment metadata, and signatures; returns what to store.
fn check_attachments(
    batch: &[Value],
    parts: Option<Vec<IncomingAttachment>>,
    path_of: &dyn Fn(usize) -> String,
) -> Result<Vec<NewAttachment>, StoreError> {
    let mut declared: HashMap<String, bool> = HashMap::new();
    for statement in batch {
        for attachment in attachments_of(statement) {
            if let Some(sha2) = attachment.get("sha2").and_then(Value::as_str) {
                let needs_part = attachment.get("fileUrl").is_none();
                let entry = declared.entry(sha2.to_ascii_lowercase()).or_insert(false);
                *entry |= needs_part;
            }
        }
    }
    let parts = parts.unwrap_or_default();
    let mut by_hash: HashMap<String, IncomingAttachment> = HashMap::new();
    for part in parts {
        let sha2 = part.sha2.to_ascii_lowercase();
        if let Some(encoding) = &part.transfer_encoding
            && !encoding.eq_ignore_ascii_case("binary")
        {
            return Err(invalid(
                "attachments",
                format!("Content-Transfer-Encoding must be binary, not {encoding}"),
            ));
        }
        if !declared.contains_key(&sha2) {
            return Err(invalid(
                "attachments",
                format!("the part with hash {sha2} matches no attachment of the statements"),
            ));
        }
        if let Some(actual) = sha_hex(&part.content, sha2.len())
            && actual != sha2
        {
            return Err(invalid(
                "attachments",
                format!("the content of part {sha2} does not have that hash"),
            ));
        }
        if by_hash.insert(sha2.clone(), part).is_some() {
            return Err(invalid(
                "attachments",
                format!("two parts carry the hash {sha2}"),
            ));
        }
    }
    for (sha2, needs_part) in &declared {
        if *needs_part && !by_hash.contains_key(sha2) {
            return Err(invalid(
                "attachments",
                format!("no part carries the attachment with sha2 {sha2}"),
            ));
        }
    }
    for (index, statement) in batch.iter().enumerate() {
        for (position, attachment) in statement
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if attachment.get("usageType").and_then(Value::as_str) != Some(SIGNATURE_USAGE_TYPE) {
                continue;
            }
            let path = format!("{}.attachments[{position}]", path_of(index));
            if attachment.get("contentType").and_then(Value::as_str)
                != Some("application/octet-stream")
            {
                return Err(invalid(
                    format!("{path}.contentType"),
                    "a signature's contentType must be application/octet-stream",
                ));
            }
            let sha2 = attachment
                .get("sha2")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let Some(part) = by_hash.get(&sha2) else {
                return Err(invalid(&path, "the signature part is missing"));
            };
            let jws = String::from_utf8_lossy(&part.content);
            signature::check_signature(statement, &jws).map_err(|rule| invalid(&path, rule))?;
            super::x5c::verify_with_x5c(&jws).map_err(|rule| invalid(&path, rule))?;
        }
    }
    Ok(by_hash
        .into_values()
        .map(|part| NewAttachment {
            sha2: part.sha2.to_ascii_lowercase(),
            content_type: part.content_type,
            content: part.content,
        })
        .collect())
}
