//! Statement validation as strict as xAPI's MUSTs (Data §2, 1.0.3 and 2.0), on raw JSON so that every unknown
//! property, wrong type and `null` is caught and reported with its path.

use std::collections::HashSet;

use iri_string::types::IriStr;
use serde_json::{Map, Value};

use crate::VOIDED_VERB;
use crate::agent::IFI_PROPERTIES;
use crate::duration::parse_duration;
use crate::timestamp::parse_timestamp;
use crate::version::XapiVersion;
use crate::violation::Violations;

const INTERACTION_TYPES: [&str; 10] = [
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
];

/// The lists of interaction components of an activity definition (Data §2.4.4.1.1).
const COMPONENT_LISTS: [&str; 5] = ["choices", "scale", "source", "target", "steps"];

/// Checks a statement sent to the LRS; every violation is reported.
pub fn validate_statement(statement: &Value, version: XapiVersion) -> Result<(), Violations> {
    let mut validator = Validator {
        version,
        violations: Violations::default(),
    };
    validator.statement(statement, "statement");
    validator.violations.into_result(())
}

/// Checks the `agent` parameter of the document resources: one Agent with exactly one IFI.
pub fn validate_agent_param(agent: &Value) -> Result<(), Violations> {
    let mut validator = Validator {
        version: XapiVersion::V2_0,
        violations: Violations::default(),
    };
    match agent.as_object() {
        Some(map) => match map.get("objectType") {
            None => validator.agent(map, "agent"),
            Some(Value::String(kind)) if kind == "Agent" => validator.agent(map, "agent"),
            Some(_) => validator
                .violations
                .push("agent.objectType", "must be \"Agent\""),
        },
        None => validator.violations.push("agent", "must be a JSON object"),
    }
    validator.violations.into_result(())
}

/// Checks an actor given as a query parameter (`agent` of GET /statements): an Agent or an identified Group.
pub fn validate_actor_param(actor: &Value) -> Result<(), Violations> {
    let mut validator = Validator {
        version: XapiVersion::V2_0,
        violations: Violations::default(),
    };
    validator.actor(actor, "agent");
    validator.violations.into_result(())
}

struct Validator {
    version: XapiVersion,
    violations: Violations,
}

fn join(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

/// Whether `text` is an absolute IRI (RFC 3987), as xAPI identifiers must be.
pub fn is_iri(text: &str) -> bool {
    IriStr::new(text).is_ok()
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(index, c)| match index {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// RFC 5646 well-formedness (the grammar, not the registry: `tlh` and `ase` are fine, `en-something-AU` is not).
fn is_language_tag(text: &str) -> bool {
    language_tags::LanguageTag::parse(text).is_ok()
}

impl Validator {
    fn push(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.violations.push(path, rule);
    }

    /// Returns the object, or records that `path` must be one.
    fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            _ => {
                self.push(path, "must be a JSON object");
                None
            }
        }
    }

    fn only_keys(&mut self, map: &Map<String, Value>, allowed: &[&str], path: &str) {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                self.push(join(path, key), "is not a property allowed here");
            }
        }
    }

    fn required<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'v Value> {
        let value = map.get(key);
        if value.is_none() {
            self.push(join(path, key), "is required");
        }
        value
    }

    fn string<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v str> {
        match value {
            Value::String(text) => Some(text),
            _ => {
                self.push(path, "must be a string");
                None
            }
        }
    }

    fn iri(&mut self, value: &Value, path: &str) {
        if let Some(text) = self.string(value, path)
            && !is_iri(text)
        {
            self.push(path, "must be an absolute IRI");
        }
    }

    fn uuid(&mut self, value: &Value, path: &str) {
        if let Some(text) = self.string(value, path)
            && !is_uuid(text)
        {
            self.push(path, "must be a UUID in 8-4-4-4-12 hexadecimal form");
        }
    }

    fn boolean(&mut self, value: &Value, path: &str) {
        if !value.is_boolean() {
            self.push(path, "must be true or false");
        }
    }

    fn number(&mut self, value: &Value, path: &str) -> Option<f64> {
        match value.as_f64() {
            Some(number) if value.is_number() => Some(number),
            _ => {
                self.push(path, "must be a number");
                None
            }
        }
    }

    fn timestamp(&mut self, value: &Value, path: &str) {
        if let Some(text) = self.string(value, path)
            && parse_timestamp(text).is_none()
        {
            self.push(
                path,
                "must be an ISO 8601 date-time with a time zone, e.g. 2026-11-29T08:00:00.000Z",
            );
        }
    }

    fn language_map(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        for (tag, text) in map {
            let entry = join(path, tag);
            if !is_language_tag(tag) {
                self.push(&entry, "is not a valid RFC 5646 language tag");
            }
            if !text.is_string() {
                self.push(&entry, "must be a string");
            }
        }
    }

    fn extensions(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        for key in map.keys() {
            if !is_iri(key) {
                self.push(join(path, key), "an extension key must be an absolute IRI");
            }
        }
    }

    fn statement(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.only_keys(
            map,
            &[
                "id",
                "actor",
                "verb",
                "object",
                "result",
                "context",
                "timestamp",
                "stored",
                "authority",
                "version",
                "attachments",
            ],
            path,
        );
        if let Some(id) = map.get("id") {
            self.uuid(id, &join(path, "id"));
        }
        if let Some(actor) = self.required(map, "actor", path) {
            self.actor(actor, &join(path, "actor"));
        }
        let verb_id = self
            .required(map, "verb", path)
            .and_then(|verb| self.verb(verb, &join(path, "verb")));
        let object_kind = self
            .required(map, "object", path)
            .map(|object| self.statement_object(object, &join(path, "object"), false));
        if verb_id.as_deref() == Some(VOIDED_VERB)
            && object_kind.is_some_and(|kind| kind != ObjectKind::StatementRef)
        {
            self.push(
                join(path, "object"),
                "a voiding statement's object must be a StatementRef",
            );
        }
        self.result_context_timestamp_attachments(map, path, object_kind);
        if let Some(stored) = map.get("stored") {
            self.timestamp(stored, &join(path, "stored"));
        }
        if let Some(authority) = map.get("authority") {
            self.authority(authority, &join(path, "authority"));
        }
        if let Some(version) = map.get("version") {
            self.statement_version(version, &join(path, "version"));
        }
    }

    fn statement_version(&mut self, value: &Value, path: &str) {
        let Some(text) = self.string(value, path) else {
            return;
        };
        let allowed_majors: &[&str] = match self.version {
            XapiVersion::V1_0 => &["1.0"],
            XapiVersion::V2_0 => &["1.0", "2.0"],
        };
        let ok = allowed_majors.iter().any(|major| {
            text.strip_prefix(major).is_some_and(|rest| {
                rest.is_empty()
                    || (rest.len() > 1
                        && rest.starts_with('.')
                        && rest[1..].bytes().all(|b| b.is_ascii_digit()))
            })
        });
        if !ok {
            let expected = if self.version.is_2_0() {
                "1.0.x or 2.0.x"
            } else {
                "1.0.x"
            };
            self.push(path, format!("must be a version {expected}"));
        }
    }

    /// An authority is an Agent, or an anonymous Group of exactly two Agents (an OAuth consumer and a user).
    fn authority(&mut self, value: &Value, path: &str) {
        self.actor(value, path);
        if let Some(map) = value.as_object()
            && map.get("objectType").and_then(Value::as_str) == Some("Group")
        {
            let identified = IFI_PROPERTIES.iter().any(|name| map.contains_key(*name));
            let members = map
                .get("member")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if identified || members != 2 {
                self.push(
                    path,
                    "an authority Group must be anonymous with exactly two members",
                );
            }
        }
    }

    /// An Agent or a Group (actor, instructor).
    fn actor(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        match map.get("objectType") {
            None => self.agent(map, path),
            Some(Value::String(kind)) if kind == "Agent" => self.agent(map, path),
            Some(Value::String(kind)) if kind == "Group" => self.group(map, path),
            Some(_) => self.push(join(path, "objectType"), "must be \"Agent\" or \"Group\""),
        }
    }

    fn agent(&mut self, map: &Map<String, Value>, path: &str) {
        let count = self.actor_common(map, path, &[]);
        if count != 1 {
            self.push(path, format!("an Agent must have exactly one of mbox, mbox_sha1sum, openid, account (found {count})"));
        }
    }

    /// What Agents and Groups share: their allowed keys (plus `extra`), `name`, and the IFIs, whose count it returns.
    fn actor_common(&mut self, map: &Map<String, Value>, path: &str, extra: &[&str]) -> usize {
        let mut allowed = vec!["objectType", "name"];
        allowed.extend(IFI_PROPERTIES);
        allowed.extend(extra);
        self.only_keys(map, &allowed, path);
        if let Some(name) = map.get("name") {
            self.string(name, &join(path, "name"));
        }
        self.ifis(map, path)
    }

    fn group(&mut self, map: &Map<String, Value>, path: &str) {
        let count = self.actor_common(map, path, &["member"]);
        if count > 1 {
            self.push(
                path,
                format!(
                    "a Group has at most one of mbox, mbox_sha1sum, openid, account (found {count})"
                ),
            );
        }
        match map.get("member") {
            Some(Value::Array(members)) => {
                if count == 0 && members.is_empty() {
                    self.push(
                        join(path, "member"),
                        "an anonymous Group must list its members",
                    );
                }
                for (index, member) in members.iter().enumerate() {
                    let member_path = format!("{path}.member[{index}]");
                    let Some(member_map) = self.object(member, &member_path) else {
                        continue;
                    };
                    match member_map.get("objectType") {
                        None => self.agent(member_map, &member_path),
                        Some(Value::String(kind)) if kind == "Agent" => {
                            self.agent(member_map, &member_path)
                        }
                        Some(_) => self.push(
                            join(&member_path, "objectType"),
                            "a Group's members must be Agents",
                        ),
                    }
                }
            }
            Some(_) => self.push(join(path, "member"), "must be an array of Agents"),
            None if count == 0 => self.push(
                join(path, "member"),
                "an anonymous Group must list its members",
            ),
            None => {}
        }
    }

    /// Validates each IFI present and returns how many there are.
    fn ifis(&mut self, map: &Map<String, Value>, path: &str) -> usize {
        let mut count = 0;
        for name in IFI_PROPERTIES {
            let Some(value) = map.get(name) else { continue };
            count += 1;
            let ifi_path = join(path, name);
            match name {
                "mbox" => {
                    if let Some(text) = self.string(value, &ifi_path) {
                        let address = text.strip_prefix("mailto:");
                        let valid = address.is_some_and(|address| {
                            address.split_once('@').is_some_and(|(local, domain)| {
                                !local.is_empty()
                                    && !domain.is_empty()
                                    && !address.contains(char::is_whitespace)
                            })
                        });
                        if !valid {
                            self.push(
                                &ifi_path,
                                "must be a mailto: IRI, e.g. mailto:ada@example.org",
                            );
                        }
                    }
                }
                "mbox_sha1sum" => {
                    if let Some(text) = self.string(value, &ifi_path)
                        && !(text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()))
                    {
                        self.push(
                            &ifi_path,
                            "must be the 40 hexadecimal digits of a SHA-1 hash",
                        );
                    }
                }
                "openid" => self.iri(value, &ifi_path),
                _ => {
                    let Some(account) = self.object(value, &ifi_path) else {
                        continue;
                    };
                    self.only_keys(account, &["homePage", "name"], &ifi_path);
                    if let Some(home_page) = self.required(account, "homePage", &ifi_path) {
                        self.iri(home_page, &join(&ifi_path, "homePage"));
                    }
                    if let Some(name) = self.required(account, "name", &ifi_path) {
                        self.string(name, &join(&ifi_path, "name"));
                    }
                }
            }
        }
        count
    }

    /// Returns the verb id when it is a string.
    fn verb(&mut self, value: &Value, path: &str) -> Option<String> {
        let map = self.object(value, path)?;
        self.only_keys(map, &["id", "display"], path);
        if let Some(display) = map.get("display") {
            self.language_map(display, &join(path, "display"));
        }
        let id = self.required(map, "id", path)?;
        self.iri(id, &join(path, "id"));
        id.as_str().map(str::to_owned)
    }

    fn statement_object(
        &mut self,
        value: &Value,
        path: &str,
        in_sub_statement: bool,
    ) -> ObjectKind {
        let Some(map) = self.object(value, path) else {
            return ObjectKind::Invalid;
        };
        match map.get("objectType") {
            None => {
                self.activity(map, path);
                ObjectKind::Activity
            }
            Some(Value::String(kind)) => match kind.as_str() {
                "Activity" => {
                    self.activity(map, path);
                    ObjectKind::Activity
                }
                "Agent" => {
                    self.agent(map, path);
                    ObjectKind::Agent
                }
                "Group" => {
                    self.group(map, path);
                    ObjectKind::Agent
                }
                "StatementRef" => {
                    self.statement_ref(map, path);
                    ObjectKind::StatementRef
                }
                "SubStatement" if !in_sub_statement => {
                    self.sub_statement(map, path);
                    ObjectKind::SubStatement
                }
                "SubStatement" => {
                    self.push(
                        join(path, "objectType"),
                        "a SubStatement must not contain another SubStatement",
                    );
                    ObjectKind::Invalid
                }
                _ => {
                    self.push(
                        join(path, "objectType"),
                        "must be Activity, Agent, Group, StatementRef or SubStatement",
                    );
                    ObjectKind::Invalid
                }
            },
            Some(_) => {
                self.push(join(path, "objectType"), "must be a string");
                ObjectKind::Invalid
            }
        }
    }

    fn statement_ref(&mut self, map: &Map<String, Value>, path: &str) {
        self.only_keys(map, &["objectType", "id"], path);
        match map.get("objectType") {
            Some(Value::String(kind)) if kind == "StatementRef" => {}
            _ => self.push(join(path, "objectType"), "must be \"StatementRef\""),
        }
        if let Some(id) = self.required(map, "id", path) {
            self.uuid(id, &join(path, "id"));
        }
    }

    fn sub_statement(&mut self, map: &Map<String, Value>, path: &str) {
        for forbidden in ["id", "stored", "version", "authority"] {
            if map.contains_key(forbidden) {
                self.push(
                    join(path, forbidden),
                    "a SubStatement must not have this property",
                );
            }
        }
        let allowed = [
            "objectType",
            "actor",
            "verb",
            "object",
            "result",
            "context",
            "timestamp",
            "attachments",
        ];
        for key in map.keys() {
            if !allowed.contains(&key.as_str())
                && !["id", "stored", "version", "authority"].contains(&key.as_str())
            {
                self.push(join(path, key), "is not a property allowed here");
            }
        }
        if let Some(actor) = self.required(map, "actor", path) {
            self.actor(actor, &join(path, "actor"));
        }
        if let Some(verb) = self.required(map, "verb", path) {
            self.verb(verb, &join(path, "verb"));
        }
        let kind = self
            .required(map, "object", path)
            .map(|object| self.statement_object(object, &join(path, "object"), true));
        self.result_context_timestamp_attachments(map, path, kind);
    }

    /// The properties a statement and a SubStatement share after their object.
    fn result_context_timestamp_attachments(
        &mut self,
        map: &Map<String, Value>,
        path: &str,
        object_kind: Option<ObjectKind>,
    ) {
        if let Some(result) = map.get("result") {
            self.result(result, &join(path, "result"));
        }
        if let Some(context) = map.get("context") {
            self.context(
                context,
                &join(path, "context"),
                object_kind.unwrap_or(ObjectKind::Activity),
            );
        }
        if let Some(timestamp) = map.get("timestamp") {
            self.timestamp(timestamp, &join(path, "timestamp"));
        }
        if let Some(attachments) = map.get("attachments") {
            self.attachments(attachments, &join(path, "attachments"));
        }
    }

    fn activity(&mut self, map: &Map<String, Value>, path: &str) {
        self.only_keys(map, &["objectType", "id", "definition"], path);
        if let Some(id) = self.required(map, "id", path) {
            self.iri(id, &join(path, "id"));
        }
        if let Some(definition) = map.get("definition") {
            self.activity_definition(definition, &join(path, "definition"));
        }
    }

    fn activity_value(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        match map.get("objectType") {
            None => self.activity(map, path),
            Some(Value::String(kind)) if kind == "Activity" => self.activity(map, path),
            Some(_) => self.push(join(path, "objectType"), "must be \"Activity\""),
        }
    }

    fn activity_definition(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.only_keys(
            map,
            &[
                "name",
                "description",
                "type",
                "moreInfo",
                "extensions",
                "interactionType",
                "correctResponsesPattern",
                "choices",
                "scale",
                "source",
                "target",
                "steps",
            ],
            path,
        );
        for key in ["name", "description"] {
            if let Some(map_value) = map.get(key) {
                self.language_map(map_value, &join(path, key));
            }
        }
        for key in ["type", "moreInfo"] {
            if let Some(iri) = map.get(key) {
                self.iri(iri, &join(path, key));
            }
        }
        if let Some(extensions) = map.get("extensions") {
            self.extensions(extensions, &join(path, "extensions"));
        }
        let interaction_type = match map.get("interactionType") {
            Some(value) => {
                let text = self.string(value, &join(path, "interactionType"));
                if let Some(text) = text
                    && !INTERACTION_TYPES.contains(&text)
                {
                    self.push(
                        join(path, "interactionType"),
                        format!("must be one of {}", INTERACTION_TYPES.join(", ")),
                    );
                }
                text
            }
            None => None,
        };
        if let Some(pattern) = map.get("correctResponsesPattern") {
            let pattern_path = join(path, "correctResponsesPattern");
            if map.get("interactionType").is_none() {
                self.push(&pattern_path, "needs an interactionType");
            }
            match pattern {
                Value::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        if !item.is_string() {
                            self.push(format!("{pattern_path}[{index}]"), "must be a string");
                        }
                    }
                }
                _ => self.push(&pattern_path, "must be an array of strings"),
            }
        }
        for list in COMPONENT_LISTS {
            let Some(components) = map.get(list) else {
                continue;
            };
            let list_path = join(path, list);
            // The spec pairs lists with interaction types (choices with choice or sequencing, …) without a MUST;
            // an interaction type is required, the pairing is not enforced.
            if interaction_type.is_none() {
                self.push(&list_path, "needs an interactionType");
            }
            self.interaction_components(components, &list_path);
        }
    }

    fn interaction_components(&mut self, value: &Value, path: &str) {
        let Value::Array(items) = value else {
            self.push(path, "must be an array of interaction components");
            return;
        };
        let mut seen = HashSet::new();
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let Some(map) = self.object(item, &item_path) else {
                continue;
            };
            self.only_keys(map, &["id", "description"], &item_path);
            if let Some(id) = self.required(map, "id", &item_path)
                && let Some(text) = self.string(id, &join(&item_path, "id"))
                && !seen.insert(text.to_owned())
            {
                self.push(
                    join(&item_path, "id"),
                    "interaction component ids must be distinct",
                );
            }
            if let Some(description) = map.get("description") {
                self.language_map(description, &join(&item_path, "description"));
            }
        }
    }

    fn result(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.only_keys(
            map,
            &[
                "score",
                "success",
                "completion",
                "response",
                "duration",
                "extensions",
            ],
            path,
        );
        if let Some(score) = map.get("score") {
            self.score(score, &join(path, "score"));
        }
        for key in ["success", "completion"] {
            if let Some(flag) = map.get(key) {
                self.boolean(flag, &join(path, key));
            }
        }
        if let Some(response) = map.get("response") {
            self.string(response, &join(path, "response"));
        }
        if let Some(duration) = map.get("duration")
            && let Some(text) = self.string(duration, &join(path, "duration"))
            && parse_duration(text).is_none()
        {
            self.push(
                join(path, "duration"),
                "must be an ISO 8601 duration, e.g. PT1H30M or PT4.5S",
            );
        }
        if let Some(extensions) = map.get("extensions") {
            self.extensions(extensions, &join(path, "extensions"));
        }
    }

    fn score(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.only_keys(map, &["scaled", "raw", "min", "max"], path);
        let read = |key: &str, this: &mut Self| {
            map.get(key).and_then(|v| this.number(v, &join(path, key)))
        };
        let scaled = read("scaled", self);
        let raw = read("raw", self);
        let min = read("min", self);
        let max = read("max", self);
        if let Some(scaled) = scaled
            && !(-1.0..=1.0).contains(&scaled)
        {
            self.push(join(path, "scaled"), "must be between -1 and 1");
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.push(join(path, "max"), "must not be less than min");
        }
        if let (Some(raw), Some(min)) = (raw, min)
            && raw < min
        {
            self.push(join(path, "raw"), "must not be less than min");
        }
        if let (Some(raw), Some(max)) = (raw, max)
            && raw > max
        {
            self.push(join(path, "raw"), "must not be greater than max");
        }
    }

    fn context(&mut self, value: &Value, path: &str, object_kind: ObjectKind) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        let mut allowed = vec![
            "registration",
            "instructor",
            "team",
            "contextActivities",
            "revision",
            "platform",
            "language",
            "statement",
            "extensions",
        ];
        if self.version.is_2_0() {
            allowed.extend(["contextAgents", "contextGroups"]);
        }
        self.only_keys(map, &allowed, path);
        if let Some(registration) = map.get("registration") {
            self.uuid(registration, &join(path, "registration"));
        }
        if let Some(instructor) = map.get("instructor") {
            self.actor(instructor, &join(path, "instructor"));
        }
        if let Some(team) = map.get("team") {
            let team_path = join(path, "team");
            if let Some(team_map) = self.object(team, &team_path) {
                match team_map.get("objectType") {
                    Some(Value::String(kind)) if kind == "Group" => {
                        self.group(team_map, &team_path)
                    }
                    _ => self.push(join(&team_path, "objectType"), "a team must be a Group"),
                }
            }
        }
        if let Some(activities) = map.get("contextActivities") {
            self.context_activities(activities, &join(path, "contextActivities"));
        }
        for key in ["revision", "platform"] {
            if let Some(text) = map.get(key) {
                self.string(text, &join(path, key));
                if object_kind != ObjectKind::Activity {
                    self.push(
                        join(path, key),
                        "is only allowed when the statement's object is an Activity",
                    );
                }
            }
        }
        if let Some(language) = map.get("language")
            && let Some(text) = self.string(language, &join(path, "language"))
            && !is_language_tag(text)
        {
            self.push(join(path, "language"), "must be an RFC 5646 language tag");
        }
        if let Some(statement) = map.get("statement")
            && let Some(statement_map) = self.object(statement, &join(path, "statement"))
        {
            self.statement_ref(statement_map, &join(path, "statement"));
        }
        if let Some(extensions) = map.get("extensions") {
            self.extensions(extensions, &join(path, "extensions"));
        }
        if let Some(agents) = map.get("contextAgents") {
            self.context_members(
                agents,
                &join(path, "contextAgents"),
                "contextAgent",
                "agent",
            );
        }
        if let Some(groups) = map.get("contextGroups") {
            self.context_members(
                groups,
                &join(path, "contextGroups"),
                "contextGroup",
                "group",
            );
        }
    }

    fn context_activities(&mut self, value: &Value, path: &str) {
        let Some(map) = self.object(value, path) else {
            return;
        };
        self.only_keys(map, &["parent", "grouping", "category", "other"], path);
        for (key, activities) in map {
            let list_path = join(path, key);
            match activities {
                Value::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        self.activity_value(item, &format!("{list_path}[{index}]"));
                    }
                }
                Value::Object(_) => self.activity_value(activities, &list_path),
                _ => self.push(&list_path, "must be an Activity or an array of Activities"),
            }
        }
    }

    /// xAPI 2.0 `contextAgents` / `contextGroups` (Data §2.4.6.2).
    fn context_members(&mut self, value: &Value, path: &str, object_type: &str, member_key: &str) {
        let Value::Array(items) = value else {
            self.push(path, "must be an array");
            return;
        };
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let Some(map) = self.object(item, &item_path) else {
                continue;
            };
            self.only_keys(
                map,
                &["objectType", member_key, "relevantTypes"],
                &item_path,
            );
            match map.get("objectType") {
                Some(Value::String(kind)) if kind == object_type => {}
                _ => self.push(
                    join(&item_path, "objectType"),
                    format!("must be \"{object_type}\""),
                ),
            }
            if let Some(member) = self.required(map, member_key, &item_path) {
                let member_path = join(&item_path, member_key);
                if let Some(member_map) = self.object(member, &member_path) {
                    if member_key == "agent" {
                        match member_map.get("objectType") {
                            None => self.agent(member_map, &member_path),
                            Some(Value::String(kind)) if kind == "Agent" => {
                                self.agent(member_map, &member_path)
                            }
                            Some(_) => {
                                self.push(join(&member_path, "objectType"), "must be \"Agent\"")
                            }
                        }
                    } else {
                        match member_map.get("objectType") {
                            Some(Value::String(kind)) if kind == "Group" => {
                                self.group(member_map, &member_path)
                            }
                            _ => self.push(join(&member_path, "objectType"), "must be \"Group\""),
                        }
                    }
                }
            }
            if let Some(types) = map.get("relevantTypes") {
                let types_path = join(&item_path, "relevantTypes");
                match types {
                    Value::Array(list) if !list.is_empty() => {
                        for (type_index, relevant) in list.iter().enumerate() {
                            self.iri(relevant, &format!("{types_path}[{type_index}]"));
                        }
                    }
                    _ => self.push(&types_path, "must be a non-empty array of IRIs"),
                }
            }
        }
    }

    fn attachments(&mut self, value: &Value, path: &str) {
        let Value::Array(items) = value else {
            self.push(path, "must be an array of attachments");
            return;
        };
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            let Some(map) = self.object(item, &item_path) else {
                continue;
            };
            self.only_keys(
                map,
                &[
                    "usageType",
                    "display",
                    "description",
                    "contentType",
                    "length",
                    "sha2",
                    "fileUrl",
                ],
                &item_path,
            );
            if let Some(usage_type) = self.required(map, "usageType", &item_path) {
                self.iri(usage_type, &join(&item_path, "usageType"));
            }
            if let Some(display) = self.required(map, "display", &item_path) {
                self.language_map(display, &join(&item_path, "display"));
            }
            if let Some(description) = map.get("description") {
                self.language_map(description, &join(&item_path, "description"));
            }
            if let Some(content_type) = self.required(map, "contentType", &item_path)
                && let Some(text) = self.string(content_type, &join(&item_path, "contentType"))
                && !is_media_type(text)
            {
                self.push(
                    join(&item_path, "contentType"),
                    "must be an Internet media type, e.g. image/png",
                );
            }
            if let Some(length) = self.required(map, "length", &item_path)
                && length.as_u64().is_none()
            {
                self.push(join(&item_path, "length"), "must be a non-negative integer");
            }
            if let Some(sha2) = self.required(map, "sha2", &item_path)
                && let Some(text) = self.string(sha2, &join(&item_path, "sha2"))
                && !(text.len() >= 56 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                self.push(
                    join(&item_path, "sha2"),
                    "must be a SHA-2 hash in hexadecimal",
                );
            }
            if let Some(file_url) = map.get("fileUrl") {
                self.iri(file_url, &join(&item_path, "fileUrl"));
            }
        }
    }
}

/// What a statement's object is, for the rules that depend on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjectKind {
    Activity,
    Agent,
    StatementRef,
    SubStatement,
    Invalid,
}

fn is_media_type(text: &str) -> bool {
    let essence = text.split(';').next().unwrap_or_default().trim();
    let token = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    essence
        .split_once('/')
        .is_some_and(|(kind, subtype)| token(kind) && token(subtype))
}

#[cfg(test)]
mod tests;
