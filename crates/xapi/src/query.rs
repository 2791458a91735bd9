//! The parameters of GET /statements (Communication §2.1.3), parsed and checked once at the edge.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::agent::AgentKey;
use crate::format::Format;
use crate::timestamp::parse_timestamp;
use crate::validate::{is_iri, validate_actor_param};
use crate::violation::Violations;

/// A request for one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SingleLookup {
    Statement(Uuid),
    Voided(Uuid),
}

/// A checked statement query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatementQuery {
    pub single: Option<SingleLookup>,
    pub agent: Option<AgentKey>,
    pub verb: Option<String>,
    pub activity: Option<String>,
    pub registration: Option<Uuid>,
    pub related_activities: bool,
    pub related_agents: bool,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// 0 means "as many as the server allows".
    pub limit: u32,
    pub format: Format,
    pub attachments: bool,
    pub ascending: bool,
}

const FILTERS: [&str; 11] = [
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "ascending",
    "format",
];

/// Parses query parameters; `extra` names parameters the caller handles itself (e.g. its paging cursor).
pub fn parse_statement_query(
    params: &[(String, String)],
    extra: &[&str],
) -> Result<StatementQuery, Violations> {
    let mut violations = Violations::default();
    let mut query = StatementQuery::default();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in params {
        if seen.contains(&name.as_str()) {
            violations.push(name, "is given more than once");
            continue;
        }
        seen.push(name);
        match name.as_str() {
            "statementId" | "voidedStatementId" => match Uuid::parse_str(value) {
                Ok(id) if value.len() == 36 => {
                    query.single = Some(if name == "statementId" {
                        SingleLookup::Statement(id)
                    } else {
                        SingleLookup::Voided(id)
                    })
                }
                _ => violations.push(name, "must be a UUID"),
            },
            "agent" => match serde_json::from_str::<Value>(value) {
                Ok(actor) => match validate_actor_param(&actor) {
                    Ok(()) => match AgentKey::of(&actor) {
                        Some(key) => query.agent = Some(key),
                        None => violations
                            .push("agent", "must identify an Agent or an identified Group"),
                    },
                    Err(found) => violations.0.extend(found.0),
                },
                Err(err) => violations.push("agent", format!("must be JSON: {err}")),
            },
            "verb" | "activity" => {
                if !is_iri(value) {
                    violations.push(name, "must be an absolute IRI");
                } else if name == "verb" {
                    query.verb = Some(value.clone());
                } else {
                    query.activity = Some(value.clone());
                }
            }
            "registration" => match Uuid::parse_str(value) {
                Ok(id) if value.len() == 36 => query.registration = Some(id),
                _ => violations.push("registration", "must be a UUID"),
            },
            "related_activities" | "related_agents" | "attachments" | "ascending" => {
                let flag = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        violations.push(name, "must be true or false");
                        continue;
                    }
                };
                match name.as_str() {
                    "related_activities" => query.related_activities = flag,
                    "related_agents" => query.related_agents = flag,
                    "attachments" => query.attachments = flag,
                    _ => query.ascending = flag,
                }
            }
            "since" | "until" => match parse_timestamp(value) {
                Some(instant) => {
                    let instant = instant.with_timezone(&Utc);
                    if name == "since" {
                        query.since = Some(instant);
                    } else {
                        query.until = Some(instant);
                    }
                }
                None => violations.push(name, "must be an ISO 8601 timestamp"),
            },
            "limit" => match value.parse::<u32>() {
                Ok(limit) => query.limit = limit,
                Err(_) => violations.push("limit", "must be a non-negative integer"),
            },
            "format" => match Format::parse(value) {
                Some(format) => query.format = format,
                None => violations.push("format", "must be ids, exact or canonical"),
            },
            other if extra.contains(&other) => {}
            other => violations.push(other, "is not a parameter of this resource"),
        }
    }
    if seen.contains(&"statementId") && seen.contains(&"voidedStatementId") {
        violations.push("statementId", "cannot be combined with voidedStatementId");
    }
    if query.single.is_some() {
        for name in FILTERS.iter().filter(|name| **name != "format") {
            if seen.contains(name) {
                violations.push(
                    *name,
                    "cannot be combined with statementId or voidedStatementId",
                );
            }
        }
    }
    violations.into_result(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn filters_parse_into_a_query() {
        let query = parse_statement_query(
            &params(&[
                ("agent", r#"{"mbox": "mailto:ada@example.org"}"#),
                ("verb", "http://adlnet.gov/expapi/verbs/answered"),
                ("related_activities", "true"),
                ("since", "2026-11-01T00:00:00Z"),
                ("limit", "25"),
                ("format", "ids"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(query.agent.unwrap().as_str(), "mbox:mailto:ada@example.org");
        assert!(query.related_activities && !query.related_agents);
        assert_eq!(query.limit, 25);
        assert_eq!(query.format, Format::Ids);
    }

    #[test]
    fn unknown_malformed_and_conflicting_parameters_are_each_reported() {
        let err = parse_statement_query(
            &params(&[
                ("statementId", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"),
                ("verb", "http://example.org/v"),
                ("limit", "-1"),
                ("colour", "blue"),
                ("agent", r#"{"name": "nobody"}"#),
            ]),
            &[],
        )
        .unwrap_err();
        let paths: Vec<&str> = err.0.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(
            paths,
            ["limit", "colour", "agent", "agent", "verb", "limit"]
        );
    }
}
