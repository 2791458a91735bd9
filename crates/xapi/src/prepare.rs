//! Preparing a valid statement for storage: the LRS sets `id`, `stored`, `timestamp`, `authority` and `version`,
//! normalises `contextActivities` to arrays (and, in 2.0, timestamps to UTC), and extracts the keys queries use.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::VOIDED_VERB;
use crate::agent::AgentKey;
use crate::timestamp::{format_stored, parse_timestamp, to_utc_string};
use crate::version::XapiVersion;

/// What a query key stands for. `Related*` kinds are searched with `related_agents` / `related_activities`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexKind {
    /// The actor, or the object when it is an Agent or Group.
    Agent,
    /// Every agent of the statement: the `Agent` keys plus authority, instructor, team, context agents and groups,
    /// group members and the agents of a SubStatement (what `related_agents=true` searches).
    RelatedAgent,
    Verb,
    /// The object when it is an Activity.
    Activity,
    /// Every activity of the statement: the `Activity` key plus context activities and the activities of a
    /// SubStatement (what `related_activities=true` searches).
    RelatedActivity,
    Registration,
}

impl IndexKind {
    pub fn as_code(self) -> &'static str {
        match self {
            IndexKind::Agent => "agent",
            IndexKind::RelatedAgent => "agent_rel",
            IndexKind::Verb => "verb",
            IndexKind::Activity => "activity",
            IndexKind::RelatedActivity => "activity_rel",
            IndexKind::Registration => "registration",
        }
    }

    pub fn from_code(code: &str) -> Option<IndexKind> {
        [
            IndexKind::Agent,
            IndexKind::RelatedAgent,
            IndexKind::Verb,
            IndexKind::Activity,
            IndexKind::RelatedActivity,
            IndexKind::Registration,
        ]
        .into_iter()
        .find(|kind| kind.as_code() == code)
    }
}

/// One searchable key of a statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexKey {
    pub kind: IndexKind,
    pub value: String,
}

/// A statement ready to store.
#[derive(Clone, Debug)]
pub struct PreparedStatement {
    pub id: Uuid,
    /// The statement as the LRS will return it in the `exact` format.
    pub statement: Value,
    pub stored: DateTime<Utc>,
    pub verb_id: String,
    pub registration: Option<Uuid>,
    /// The statement this one voids, when its verb is `voided`.
    pub voids: Option<Uuid>,
    /// The statement this one targets through a StatementRef object (voiding or not); queries match it through
    /// its target, even a voided one (Communication §2.1.3, "Filter Conditions for StatementRefs").
    pub targets: Option<Uuid>,
    /// Every searchable key, without duplicates.
    pub keys: Vec<IndexKey>,
    /// Activities with their definitions, to maintain the Activities resource.
    pub activities: Vec<(String, Option<Value>)>,
    /// Agents (not groups) seen as actors anywhere in the statement, for the Agents resource.
    pub agents: Vec<(AgentKey, Value)>,
    /// The SHA-2 hashes of attachments that must arrive as parts (those without `fileUrl`).
    pub attachment_hashes: Vec<String>,
}

/// Who is storing: the authority the LRS writes into statements, and the version of the request.
#[derive(Clone, Debug)]
pub struct StoreContext<'a> {
    pub version: XapiVersion,
    pub now: DateTime<Utc>,
    pub authority: &'a Value,
}

/// Completes and indexes a statement that `validate_statement` accepted.
pub fn prepare_statement(mut statement: Value, context: &StoreContext<'_>) -> PreparedStatement {
    let stored = context.now;
    let stored_text = format_stored(&stored);
    let id = statement
        .get("id")
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok())
        .unwrap_or_else(Uuid::new_v4);
    let map = match statement.as_object_mut() {
        Some(map) => map,
        None => unreachable_object(&mut statement),
    };
    map.insert("id".to_owned(), Value::String(id.to_string()));
    match map
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
    {
        // Timestamps are returned in UTC with milliseconds (2.0 normalises them; 1.0.3 clients compare instants).
        Some(instant) => {
            map.insert(
                "timestamp".to_owned(),
                Value::String(to_utc_string(&instant)),
            );
        }
        None => {
            map.insert("timestamp".to_owned(), Value::String(stored_text.clone()));
        }
    }
    map.insert("stored".to_owned(), Value::String(stored_text));
    map.insert("authority".to_owned(), context.authority.clone());
    if !map.contains_key("version") {
        map.insert(
            "version".to_owned(),
            Value::String(context.version.statement_version().to_owned()),
        );
    }
    normalise_context_activities(map.get_mut("context"));
    if let Some(Value::Object(object)) = map.get_mut("object")
        && object.get("objectType").and_then(Value::as_str) == Some("SubStatement")
    {
        normalise_context_activities(object.get_mut("context"));
        if let Some(instant) = object
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
        {
            object.insert(
                "timestamp".to_owned(),
                Value::String(to_utc_string(&instant)),
            );
        }
    }

    let mut extractor = Extractor::default();
    extractor.statement(map, false);
    let verb_id = map
        .get("verb")
        .and_then(|verb| verb.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let object_ref = map
        .get("object")
        .filter(|object| object.get("objectType").and_then(Value::as_str) == Some("StatementRef"))
        .and_then(|object| object.get("id"))
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok());
    let voids = if verb_id == VOIDED_VERB {
        object_ref
    } else {
        None
    };
    let registration = map
        .get("context")
        .and_then(|context| context.get("registration"))
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok());
    if let Some(authority) = map.get("authority") {
        extractor.actor(authority, IndexKind::RelatedAgent);
    }
    // Related kinds are supersets of the direct ones, so that every query filter reads one ordered key range.
    let mut keys = extractor.keys;
    let supersets: Vec<IndexKey> = keys
        .iter()
        .filter_map(|key| match key.kind {
            IndexKind::Agent => Some(IndexKey {
                kind: IndexKind::RelatedAgent,
                value: key.value.clone(),
            }),
            IndexKind::Activity => Some(IndexKey {
                kind: IndexKind::RelatedActivity,
                value: key.value.clone(),
            }),
            _ => None,
        })
        .collect();
    keys.extend(supersets);
    keys.sort();
    keys.dedup();
    PreparedStatement {
        id,
        stored,
        verb_id,
        registration,
        voids,
        targets: object_ref,
        keys,
        activities: extractor.activities,
        agents: extractor.agents,
        attachment_hashes: extractor.attachment_hashes,
        statement,
    }
}

/// Validation has already proven the statement is an object; this keeps the function total without a panic.
fn unreachable_object(statement: &mut Value) -> &mut Map<String, Value> {
    *statement = Value::Object(Map::new());
    match statement {
        Value::Object(map) => map,
        _ => unreachable!("just assigned an object"),
    }
}

/// xAPI requires the LRS to return every `contextActivities` value as an array (Data §2.4.6.2).
pub(crate) fn normalise_context_activities(context: Option<&mut Value>) {
    let Some(Value::Object(activities)) = context.and_then(|c| c.get_mut("contextActivities"))
    else {
        return;
    };
    for value in activities.values_mut() {
        if value.is_object() {
            *value = Value::Array(vec![value.take()]);
        }
    }
}

#[derive(Default)]
struct Extractor {
    keys: Vec<IndexKey>,
    activities: Vec<(String, Option<Value>)>,
    agents: Vec<(AgentKey, Value)>,
    attachment_hashes: Vec<String>,
}

impl Extractor {
    fn key(&mut self, kind: IndexKind, value: impl Into<String>) {
        self.keys.push(IndexKey {
            kind,
            value: value.into(),
        });
    }

    fn statement(&mut self, map: &Map<String, Value>, sub_statement: bool) {
        let (agent_kind, activity_kind) = if sub_statement {
            (IndexKind::RelatedAgent, IndexKind::RelatedActivity)
        } else {
            (IndexKind::Agent, IndexKind::Activity)
        };
        if let Some(actor) = map.get("actor") {
            self.actor(actor, agent_kind);
        }
        if !sub_statement
            && let Some(verb) = map
                .get("verb")
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str)
        {
            self.key(IndexKind::Verb, verb);
        }
        if let Some(Value::Object(object)) = map.get("object") {
            match object.get("objectType").and_then(Value::as_str) {
                None | Some("Activity") => self.activity(object, activity_kind),
                Some("Agent" | "Group") => self.actor(&Value::Object(object.clone()), agent_kind),
                Some("SubStatement") => self.statement(object, true),
                _ => {}
            }
        }
        if let Some(Value::Object(context)) = map.get("context") {
            if !sub_statement
                && let Some(registration) = context.get("registration").and_then(Value::as_str)
            {
                self.key(IndexKind::Registration, registration.to_ascii_lowercase());
            }
            for key in ["instructor", "team"] {
                if let Some(actor) = context.get(key) {
                    self.actor(actor, IndexKind::RelatedAgent);
                }
            }
            if let Some(Value::Object(lists)) = context.get("contextActivities") {
                for list in lists.values() {
                    for activity in list.as_array().into_iter().flatten() {
                        if let Some(activity) = activity.as_object() {
                            self.activity(activity, IndexKind::RelatedActivity);
                        }
                    }
                }
            }
            for (list, member) in [("contextAgents", "agent"), ("contextGroups", "group")] {
                for entry in context
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(actor) = entry.get(member) {
                        self.actor(actor, IndexKind::RelatedAgent);
                    }
                }
            }
        }
        for attachment in map
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if attachment.get("fileUrl").is_none()
                && let Some(sha2) = attachment.get("sha2").and_then(Value::as_str)
            {
                self.attachment_hashes.push(sha2.to_ascii_lowercase());
            }
        }
    }

    fn actor(&mut self, actor: &Value, kind: IndexKind) {
        if let Some(key) = AgentKey::of(actor) {
            if actor.get("objectType").and_then(Value::as_str) != Some("Group") {
                self.agents.push((key.clone(), actor.clone()));
            }
            self.key(kind, key.as_str());
        }
        // Members of a group are related to the statement, whatever the group's role.
        for member in actor
            .get("member")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(key) = AgentKey::of(member) {
                self.agents.push((key.clone(), member.clone()));
                self.key(IndexKind::RelatedAgent, key.as_str());
            }
        }
    }

    fn activity(&mut self, activity: &Map<String, Value>, kind: IndexKind) {
        if let Some(id) = activity.get("id").and_then(Value::as_str) {
            self.key(kind, id);
            self.activities
                .push((id.to_owned(), activity.get("definition").cloned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn context(authority: &Value, version: XapiVersion) -> StoreContext<'_> {
        StoreContext {
            version,
            now: Utc
                .with_ymd_and_hms(2026, 11, 29, 9, 0, 0)
                .single()
                .unwrap(),
            authority,
        }
    }

    #[test]
    fn the_lrs_fills_in_id_stored_timestamp_authority_and_version() {
        let authority = json!({"objectType": "Agent", "account": {"homePage": "https://hub.example", "name": "key1"}});
        let prepared = prepare_statement(
            json!({"actor": {"mbox": "mailto:a@b.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}}),
            &context(&authority, XapiVersion::V1_0),
        );
        let statement = &prepared.statement;
        assert_eq!(statement["id"], prepared.id.to_string());
        assert_eq!(statement["stored"], "2026-11-29T09:00:00.000Z");
        assert_eq!(statement["timestamp"], "2026-11-29T09:00:00.000Z");
        assert_eq!(statement["authority"], authority);
        assert_eq!(statement["version"], "1.0.0");
    }

    #[test]
    fn keys_cover_actor_verb_object_context_and_sub_statements() {
        let authority = json!({"objectType": "Agent", "mbox": "mailto:lrs@hub.example"});
        let prepared = prepare_statement(
            json!({
                "actor": {"objectType": "Group", "mbox": "mailto:team@x.org", "member": [{"mbox": "mailto:m@x.org"}]},
                "verb": {"id": "http://example.org/v"},
                "object": {"objectType": "SubStatement", "actor": {"mbox": "mailto:s@x.org"}, "verb": {"id": "http://example.org/w"},
                           "object": {"id": "http://example.org/inner"}},
                "context": {"registration": "EC531277-B57B-4C15-8D91-D292C5B2B8F7", "instructor": {"mbox": "mailto:i@x.org"},
                            "contextActivities": {"parent": {"id": "http://example.org/parent"}}},
                "timestamp": "2026-11-29T10:00:00+01:00"
            }),
            &context(&authority, XapiVersion::V2_0),
        );
        let keys: Vec<(&str, &str)> = prepared
            .keys
            .iter()
            .map(|k| (k.kind.as_code(), k.value.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("agent", "mbox:mailto:team@x.org"),
                ("agent_rel", "mbox:mailto:i@x.org"),
                ("agent_rel", "mbox:mailto:lrs@hub.example"),
                ("agent_rel", "mbox:mailto:m@x.org"),
                ("agent_rel", "mbox:mailto:s@x.org"),
                ("agent_rel", "mbox:mailto:team@x.org"),
                ("verb", "http://example.org/v"),
                ("activity_rel", "http://example.org/inner"),
                ("activity_rel", "http://example.org/parent"),
                ("registration", "ec531277-b57b-4c15-8d91-d292c5b2b8f7"),
            ]
        );
        assert_eq!(
            prepared.statement["context"]["contextActivities"]["parent"],
            json!([{"id": "http://example.org/parent"}])
        );
        assert_eq!(
            prepared.statement["timestamp"], "2026-11-29T09:00:00.000Z",
            "2.0 stores timestamps in UTC"
        );
    }

    #[test]
    fn voiding_and_referencing_statements_name_their_target() {
        let authority = json!({"mbox": "mailto:lrs@hub.example"});
        let target = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0";
        let base = |verb: &str| json!({"actor": {"mbox": "mailto:a@b.org"}, "verb": {"id": verb}, "object": {"objectType": "StatementRef", "id": target}});
        let voiding = prepare_statement(base(VOIDED_VERB), &context(&authority, XapiVersion::V1_0));
        let referencing = prepare_statement(
            base("http://example.org/commented"),
            &context(&authority, XapiVersion::V1_0),
        );
        assert_eq!(
            voiding.voids.map(|id| id.to_string()).as_deref(),
            Some(target)
        );
        assert_eq!(voiding.targets, voiding.voids);
        assert_eq!(referencing.voids, None);
        assert_eq!(
            referencing.targets.map(|id| id.to_string()).as_deref(),
            Some(target)
        );
    }
}
