//! Statement comparison: is a statement sent again with a known id the same statement (no-op) or another one
//! (409 Conflict)? Properties the LRS sets (`stored`, `authority`, `version`) are left out, timestamps compare as
//! instants, and `contextActivities` compare in their array form.

use serde_json::{Map, Value};

use crate::prepare::normalise_context_activities;
use crate::timestamp::parse_timestamp;

/// Whether `incoming` (as sent) describes the same statement as `stored` (as the LRS keeps it).
pub fn is_same_statement(stored: &Value, incoming: &Value) -> bool {
    let incoming_has_timestamp = incoming.get("timestamp").is_some_and(|t| !t.is_null());
    comparable(stored, incoming_has_timestamp) == comparable(incoming, incoming_has_timestamp)
}

fn comparable(statement: &Value, keep_timestamp: bool) -> Value {
    let mut copy = statement.clone();
    if let Some(map) = copy.as_object_mut() {
        for key in ["stored", "authority", "version", "id"] {
            map.remove(key);
        }
        if keep_timestamp {
            normalise_timestamp(map);
        } else {
            map.remove("timestamp");
        }
        normalise_context_activities(map.get_mut("context"));
        if let Some(Value::Object(object)) = map.get_mut("object") {
            normalise_timestamp(object);
            normalise_context_activities(object.get_mut("context"));
        }
    }
    copy
}

/// Timestamps compare as instants at the millisecond, the precision the LRS stores (a client that re-sends a
/// statement with microseconds must not get a conflict).
fn normalise_timestamp(map: &mut Map<String, Value>) {
    if let Some(instant) = map
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
    {
        map.insert(
            "timestamp".to_owned(),
            Value::String(instant.timestamp_millis().to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::is_same_statement;

    #[test]
    fn lrs_set_properties_and_timestamp_offsets_do_not_make_a_difference() {
        let sent = json!({"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "actor": {"mbox": "mailto:a@b.org"},
            "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"},
            "context": {"contextActivities": {"parent": {"id": "http://example.org/p"}}},
            "timestamp": "2026-11-29T10:00:00+01:00"});
        let mut stored = sent.clone();
        stored["stored"] = json!("2026-11-29T09:05:00.000Z");
        stored["authority"] = json!({"mbox": "mailto:lrs@hub.example"});
        stored["version"] = json!("1.0.0");
        stored["timestamp"] = json!("2026-11-29T09:00:00Z");
        stored["context"]["contextActivities"]["parent"] = json!([{"id": "http://example.org/p"}]);
        assert!(is_same_statement(&stored, &sent));
    }

    #[test]
    fn a_resent_statement_with_microseconds_is_the_same_statement() {
        let sent = json!({"actor": {"mbox": "mailto:a@b.org"}, "verb": {"id": "http://example.org/v"},
            "object": {"id": "http://example.org/a"}, "timestamp": "2026-11-29T10:00:00.123456+01:00"});
        let mut stored = sent.clone();
        stored["timestamp"] = json!("2026-11-29T09:00:00.123Z");
        assert!(is_same_statement(&stored, &sent));
        stored["timestamp"] = json!("2026-11-29T09:00:00.124Z");
        assert!(!is_same_statement(&stored, &sent));
    }

    #[test]
    fn another_verb_or_result_is_another_statement() {
        let sent = json!({"actor": {"mbox": "mailto:a@b.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}});
        let mut other = sent.clone();
        other["verb"]["id"] = json!("http://example.org/w");
        assert!(!is_same_statement(&other, &sent));
        let mut with_result = sent.clone();
        with_result["result"] = json!({"success": true});
        assert!(!is_same_statement(&with_result, &sent));
    }
}
