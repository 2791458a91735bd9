//! Pseudonymisation of xAPI statements for a study, without I/O: every agent becomes an account named by
//! HMAC-SHA256(study key, canonical identifier) — stable within a study, unlinkable across studies —; names,
//! e-mails, `mbox_sha1sum`, `openid`, LMS account names, `authority` and attachments go; statement ids and
//! registrations are replaced by keyed UUIDs (references stay consistent); free text is scrubbed of e-mails, phone
//! numbers, IP addresses and the names the statement carried; timestamps are kept, cut to the day, or made
//! relative to the learner's first event.

use aws_lc_rs::hmac;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use classcode_xapi::AgentKey;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The account home page of pseudonymous agents.
pub const PSEUDONYM_HOME: &str = "https://classcode.fr/research/pseudonym";

/// What happens to timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampPolicy {
    Exact,
    /// Cut to the day (00:00:00Z).
    Day,
    /// Offset from the learner's first event, written as a time after 1970-01-01T00:00:00Z.
    Relative,
}

impl TimestampPolicy {
    pub fn parse(text: &str) -> Option<TimestampPolicy> {
        match text {
            "exact" => Some(TimestampPolicy::Exact),
            "day" => Some(TimestampPolicy::Day),
            "relative" => Some(TimestampPolicy::Relative),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimestampPolicy::Exact => "exact",
            TimestampPolicy::Day => "day",
            TimestampPolicy::Relative => "relative",
        }
    }
}

/// A study's pseudonymiser.
pub struct Pseudonymiser {
    key: hmac::Key,
    timestamps: TimestampPolicy,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(key redacted)")
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Pseudonymiser {
    pub fn new(study_key: &[u8], timestamps: TimestampPolicy) -> Pseudonymiser {
        Pseudonymiser {
            key: hmac::Key::new(hmac::HMAC_SHA256, study_key),
            timestamps,
        }
    }

    fn mac(&self, purpose: &str, value: &str) -> [u8; 32] {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(purpose.as_bytes());
        context.update(&[0]);
        context.update(value.as_bytes());
        let tag = context.sign();
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// The learner's pseudonym: hex HMAC-SHA256 of the canonical identifier, `None` for an agent without one.
    pub fn pseudonym(&self, agent: &Value) -> Option<String> {
        let key = AgentKey::of(agent)?;
        Some(
            self.mac("agent", key.as_str())
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect(),
        )
    }

    /// A keyed UUID standing for an id of the input (statement id, registration).
    fn uuid(&self, purpose: &str, id: &str) -> String {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&self.mac(purpose, id)[..16]);
        // A version-8 (custom) UUID: valid everywhere a UUID is expected.
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Uuid::from_bytes(bytes).to_string()
    }

    fn agent(&self, agent: &Value, names: &mut Vec<String>) -> Value {
        collect_name(agent, names);
        let is_group = agent["objectType"] == "Group";
        let mut out = Map::new();
        out.insert(
            "objectType".to_owned(),
            json!(if is_group { "Group" } else { "Agent" }),
        );
        if let Some(pseudonym) = self.pseudonym(agent) {
            out.insert(
                "account".to_owned(),
                json!({"homePage": PSEUDONYM_HOME, "name": pseudonym}),
            );
        }
        if let Some(members) = agent["member"].as_array() {
            out.insert(
                "member".to_owned(),
                Value::Array(
                    members
                        .iter()
                        .map(|member| self.agent(member, names))
                        .collect(),
                ),
            );
        }
        Value::Object(out)
    }

    /// Pseudonymises one statement. `first_event` is the learner's first timestamp in the export (for the
    /// relative policy). Returns the statement and the names it carried (to scrub from other text if wanted).
    pub fn statement(&self, statement: &Value, first_event: Option<DateTime<Utc>>) -> Value {
        let mut names = Vec::new();
        // Names first: free text is scrubbed of every name the statement carried.
        collect_names(statement, &mut names);
        let mut out = self.statement_body(statement, first_event, &mut names);
        if let Some(id) = statement["id"].as_str() {
            out["id"] = json!(self.uuid("statement", id));
        }
        for key in ["stored", "timestamp"] {
            if let Some(at) = statement[key]
                .as_str()
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            {
                out[key] = json!(self.time(at.with_timezone(&Utc), first_event));
            }
        }
        if let Some(version) = statement.get("version") {
            out["version"] = version.clone();
        }
        out
    }

    fn time(&self, at: DateTime<Utc>, first_event: Option<DateTime<Utc>>) -> String {
        match self.timestamps {
            TimestampPolicy::Exact => timestamp(at),
            TimestampPolicy::Day => timestamp(
                at.date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map_or(at, |midnight| midnight.and_utc()),
            ),
            TimestampPolicy::Relative => {
                let offset = first_event.map_or(Duration::zero(), |first| at - first);
                timestamp(DateTime::<Utc>::UNIX_EPOCH + offset.max(Duration::zero()))
            }
        }
    }

    /// actor, verb, object, result, context: what a statement and a SubStatement share.
    fn statement_body(
        &self,
        statement: &Value,
        first_event: Option<DateTime<Utc>>,
        names: &mut Vec<String>,
    ) -> Value {
        let mut out = Map::new();
        out.insert("actor".to_owned(), self.agent(&statement["actor"], names));
        out.insert("verb".to_owned(), statement["verb"].clone());
        let object = &statement["object"];
        let object = match object["objectType"].as_str() {
            Some("Agent" | "Group") => self.agent(object, names),
            Some("StatementRef") => json!({
                "objectType": "StatementRef",
                "id": self.uuid("statement", object["id"].as_str().unwrap_or_default()),
            }),
            Some("SubStatement") => {
                let mut sub = self.statement_body(object, first_event, names);
                sub["objectType"] = json!("SubStatement");
                if let Some(at) = object["timestamp"]
                    .as_str()
                    .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                {
                    sub["timestamp"] = json!(self.time(at.with_timezone(&Utc), first_event));
                }
                sub
            }
            _ => object.clone(),
        };
        out.insert("object".to_owned(), object);
        if let Some(result) = statement.get("result") {
            let mut result = result.clone();
            if let Some(response) = result["response"].as_str() {
                result["response"] = json!(scrub(response, names));
            }
            if let Some(extensions) = result.get_mut("extensions") {
                scrub_strings(extensions, names);
            }
            out.insert("result".to_owned(), result);
        }
        if let Some(context) = statement.get("context") {
            out.insert("context".to_owned(), self.context(context, names));
        }
        Value::Object(out)
    }

    fn context(&self, context: &Value, names: &mut Vec<String>) -> Value {
        let mut out = context.clone();
        if let Some(registration) = context["registration"].as_str() {
            out["registration"] = json!(self.uuid("registration", registration));
        }
        for key in ["instructor", "team"] {
            if let Some(agent) = context.get(key) {
                out[key] = self.agent(agent, names);
            }
        }
        if let Some(agents) = context["contextAgents"].as_array() {
            out["contextAgents"] = agents
                .iter()
                .map(|entry| {
                    let mut entry = entry.clone();
                    entry["agent"] = self.agent(&entry["agent"], names);
                    entry
                })
                .collect();
        }
        if let Some(groups) = context["contextGroups"].as_array() {
            out["contextGroups"] = groups
                .iter()
                .map(|entry| {
                    let mut entry = entry.clone();
                    entry["group"] = self.agent(&entry["group"], names);
                    entry
                })
                .collect();
        }
        if let Some(reference) = context["statement"]["id"].as_str() {
            out["statement"] =
                json!({"objectType": "StatementRef", "id": self.uuid("statement", reference)});
        }
        if let Some(extensions) = out.get_mut("extensions") {
            scrub_strings(extensions, names);
        }
        out
    }
}

fn collect_name(agent: &Value, names: &mut Vec<String>) {
    if let Some(name) = agent["name"].as_str() {
        let name = name.trim();
        if name.chars().count() >= 2 && !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    for value in [&agent["account"]["name"], &agent["mbox"], &agent["openid"]] {
        if let Some(text) = value.as_str() {
            let text = text.trim_start_matches("mailto:");
            if text.chars().count() >= 3 && !names.iter().any(|known| known == text) {
                names.push(text.to_owned());
            }
        }
    }
}

/// Every identifier an agent anywhere in the statement carries: these never appear in free text of the output.
fn collect_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("mbox")
                || map.contains_key("account")
                || map.contains_key("openid")
                || map.contains_key("mbox_sha1sum")
                || map.get("objectType").and_then(Value::as_str) == Some("Group")
            {
                collect_name(value, names);
            }
            for child in map.values() {
                collect_names(child, names);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_names(item, names)),
        _ => {}
    }
}

fn scrub_strings(value: &mut Value, names: &[String]) {
    match value {
        Value::String(text) => *text = scrub(text, names),
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_strings(item, names)),
        Value::Object(map) => map.values_mut().for_each(|item| scrub_strings(item, names)),
        _ => {}
    }
}

/// Free text with e-mail addresses, phone numbers, IPv4 addresses and the given names replaced by `[email]`,
/// `[phone]`, `[ip]` and `[name]`.
pub fn scrub(text: &str, names: &[String]) -> String {
    let mut out = text.to_owned();
    for name in names {
        out = replace_ignoring_case(&out, name, "[name]");
    }
    let words: Vec<String> = out
        .split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            // Punctuation around a word is not part of it (an address never ends with a full stop).
            let core = trimmed.trim_matches(|c: char| {
                matches!(
                    c,
                    ',' | ';'
                        | ':'
                        | '('
                        | ')'
                        | '<'
                        | '>'
                        | '"'
                        | '\''
                        | '.'
                        | '!'
                        | '?'
                        | '['
                        | ']'
                )
            });
            if is_email(core) {
                word.replacen(core, "[email]", 1)
            } else if is_ipv4(core) {
                word.replacen(core, "[ip]", 1)
            } else {
                word.to_owned()
            }
        })
        .collect();
    scrub_phones(&words.concat())
}

fn replace_ignoring_case(text: &str, needle: &str, with: &str) -> String {
    let lower_text = text.to_lowercase();
    let lower_needle = needle.to_lowercase();
    if lower_needle.is_empty() || lower_text.len() != text.len() {
        return text.replace(needle, with);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = lower_text[rest..].find(&lower_needle) {
        let start = rest + found;
        out.push_str(&text[rest..start]);
        out.push_str(with);
        rest = start + lower_needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

fn is_email(word: &str) -> bool {
    match word.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'))
        }
        None => false,
    }
}

fn is_ipv4(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|part| {
            !part.is_empty() && part.len() <= 3 && part.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Runs of 8 or more digits, allowing spaces, dots, dashes, parentheses and a leading `+` between them.
fn scrub_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_ascii_digit()
            || (c == '+' && chars.get(index + 1).is_some_and(char::is_ascii_digit))
        {
            let mut end = index;
            let mut digits = 0;
            let mut last_digit = index;
            while end < chars.len()
                && (chars[end].is_ascii_digit()
                    || matches!(chars[end], ' ' | '.' | '-' | '(' | ')' | '+'))
            {
                if chars[end].is_ascii_digit() {
                    digits += 1;
                    last_digit = end;
                }
                end += 1;
            }
            if digits >= 8 {
                out.push_str("[phone]");
                index = last_digit + 1;
                continue;
            }
            out.extend(&chars[index..=last_digit]);
            index = last_digit + 1;
            continue;
        }
        out.push(c);
        index += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Value {
        json!({
            "id": "0b7b1d2e-6a86-4a3e-9d8e-7c7a1f1d3e01",
            "actor": {"objectType": "Agent", "name": "Camille Martin", "account": {"homePage": "https://lms.example", "name": "u-4242"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"id": "https://hub.example/content/m/q1", "objectType": "Activity"},
            "result": {"response": "Écrivez-moi à camille.martin@example.org ou au 06 12 34 56 78, Camille Martin (10.0.0.12).",
                       "extensions": {"https://x.example/ip": "192.168.1.7"}},
            "context": {"registration": "6f1c2f7e-0a0b-4c5d-8e9f-112233445566",
                        "instructor": {"mbox": "mailto:prof@example.org", "name": "Prof Dupont"},
                        "extensions": {"https://x.example/note": "voir prof@example.org"}},
            "timestamp": "2026-11-29T10:15:30.250Z",
            "stored": "2026-11-29T10:15:31Z",
            "authority": {"objectType": "Agent", "account": {"homePage": "https://hub.example", "name": "hub"}},
            "version": "2.0.0"
        })
    }

    #[test]
    fn no_identifier_of_the_input_is_left_and_pseudonyms_are_stable_within_a_study() {
        let study = Pseudonymiser::new(b"study one key", TimestampPolicy::Exact);
        let out = study.statement(&statement(), None);
        let text = out.to_string();
        for raw in [
            "Camille",
            "Martin",
            "u-4242",
            "camille.martin@example.org",
            "06 12 34 56 78",
            "10.0.0.12",
            "192.168.1.7",
            "prof@example.org",
            "Dupont",
            "0b7b1d2e-6a86",
            "6f1c2f7e-0a0b",
            "lms.example",
            "authority",
        ] {
            assert!(!text.contains(raw), "{raw} left in {text}");
        }
        assert_eq!(out["actor"]["account"]["homePage"], PSEUDONYM_HOME);
        assert_eq!(out["timestamp"], "2026-11-29T10:15:30.250Z");
        assert!(
            out["result"]["response"]
                .as_str()
                .unwrap()
                .contains("[email]")
        );
        assert!(
            out["result"]["response"]
                .as_str()
                .unwrap()
                .contains("[phone]")
        );
        assert!(
            out["result"]["response"]
                .as_str()
                .unwrap()
                .contains("[name]")
        );
        // Stable within the study, unlinkable across studies.
        assert_eq!(study.statement(&statement(), None), out);
        let other = Pseudonymiser::new(b"study two key", TimestampPolicy::Exact)
            .statement(&statement(), None);
        assert_ne!(other["actor"], out["actor"]);
        assert_ne!(
            other["context"]["registration"],
            out["context"]["registration"]
        );
        assert!(Uuid::parse_str(out["id"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn timestamps_are_cut_to_the_day_or_made_relative() {
        let day = Pseudonymiser::new(b"k", TimestampPolicy::Day).statement(&statement(), None);
        assert_eq!(day["timestamp"], "2026-11-29T00:00:00.000Z");
        let first = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let relative = Pseudonymiser::new(b"k", TimestampPolicy::Relative)
            .statement(&statement(), Some(first));
        assert_eq!(relative["timestamp"], "1970-01-01T00:15:30.250Z");
    }

    #[test]
    fn scrubbing_keeps_ordinary_text_and_numbers() {
        assert_eq!(
            scrub("Réponse B, 42 élèves en 2026.", &[]),
            "Réponse B, 42 élèves en 2026."
        );
        assert_eq!(scrub("+33 6 12 34 56 78", &[]), "[phone]");
        assert_eq!(scrub("mail: a.b@c.fr;", &[]), "mail: [email];");
        assert_eq!(
            scrub("bonjour ALICE", &["Alice".to_owned()]),
            "bonjour [name]"
        );
    }
}
