//! Output formats of GET /statements (Communication §2.1.3): `exact` (as stored), `ids` (only what identifies
//! agents, groups, activities and, in 2.0, verbs) and `canonical` (one language per language map).

use serde_json::{Map, Value};

use crate::agent::AgentKey;
use crate::version::XapiVersion;

/// The `format` parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Exact,
    Ids,
    Canonical,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "exact" => Some(Format::Exact),
            "ids" => Some(Format::Ids),
            "canonical" => Some(Format::Canonical),
            _ => None,
        }
    }
}

/// Applies `format` to a stored statement; `languages` is the client's Accept-Language preference, best first.
pub fn apply_format(
    statement: &mut Value,
    format: Format,
    version: XapiVersion,
    languages: &[String],
) {
    match format {
        Format::Exact => {}
        Format::Ids => ids_statement(statement, version),
        Format::Canonical => canonical(statement, languages),
    }
}

fn ids_statement(statement: &mut Value, version: XapiVersion) {
    let Some(map) = statement.as_object_mut() else {
        return;
    };
    for key in ["actor", "authority"] {
        if let Some(actor) = map.get_mut(key) {
            ids_actor(actor);
        }
    }
    if version.is_2_0()
        && let Some(Value::Object(verb)) = map.get_mut("verb")
    {
        verb.retain(|key, _| key == "id");
    }
    if let Some(object) = map.get_mut("object") {
        match object.get("objectType").and_then(Value::as_str) {
            None | Some("Activity") => ids_activity(object),
            Some("Agent" | "Group") => ids_actor(object),
            Some("SubStatement") => ids_statement(object, version),
            _ => {}
        }
    }
    if let Some(Value::Object(context)) = map.get_mut("context") {
        for key in ["instructor", "team"] {
            if let Some(actor) = context.get_mut(key) {
                ids_actor(actor);
            }
        }
        if let Some(Value::Object(lists)) = context.get_mut("contextActivities") {
            for list in lists.values_mut() {
                for activity in list.as_array_mut().into_iter().flatten() {
                    ids_activity(activity);
                }
            }
        }
        for (list, member) in [("contextAgents", "agent"), ("contextGroups", "group")] {
            for entry in context
                .get_mut(list)
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(actor) = entry.get_mut(member) {
                    ids_actor(actor);
                }
            }
        }
    }
}

fn ids_actor(actor: &mut Value) {
    let Some(map) = actor.as_object_mut() else {
        return;
    };
    let identified = AgentKey::of_map(map).is_some();
    let mut kept: Map<String, Value> = AgentKey::ifi_only(map);
    if let Some(object_type) = map.get("objectType") {
        kept.insert("objectType".to_owned(), object_type.clone());
    }
    if !identified && let Some(Value::Array(members)) = map.get_mut("member") {
        for member in members.iter_mut() {
            ids_actor(member);
        }
        kept.insert("member".to_owned(), Value::Array(members.clone()));
    }
    *map = kept;
}

/// In the `ids` format an Activity is only `{"id": …}`.
fn ids_activity(activity: &mut Value) {
    if let Some(map) = activity.as_object_mut() {
        map.retain(|key, _| key == "id");
    }
}

/// Reduces every language map to the best entry for `languages`.
fn canonical(value: &mut Value, languages: &[String]) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "display" | "name" | "description")
                    && child.is_object()
                    && is_language_map(child)
                {
                    pick_language(child, languages);
                } else if key != "extensions" {
                    canonical(child, languages);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| canonical(item, languages)),
        _ => {}
    }
}

fn is_language_map(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.values().all(Value::is_string))
}

fn pick_language(map_value: &mut Value, languages: &[String]) {
    let Some(map) = map_value.as_object() else {
        return;
    };
    let chosen = languages
        .iter()
        .find_map(|wanted| {
            map.keys()
                .find(|tag| tag.eq_ignore_ascii_case(wanted))
                .or_else(|| {
                    map.keys()
                        .find(|tag| primary(tag).eq_ignore_ascii_case(primary(wanted)))
                })
        })
        .or_else(|| map.keys().next())
        .cloned();
    if let Some(tag) = chosen {
        let text = map[&tag].clone();
        let mut single = Map::new();
        single.insert(tag, text);
        *map_value = Value::Object(single);
    }
}

fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// Reads an Accept-Language header into tags, best first (q-values respected).
pub fn accept_languages(header: &str) -> Vec<String> {
    let mut weighted: Vec<(f32, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(index, part)| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            Some((quality, index, tag.to_owned()))
        })
        .collect();
    weighted.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
    });
    weighted.into_iter().map(|(_, _, tag)| tag).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn statement() -> Value {
        json!({
            "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"},
            "verb": {"id": "http://example.org/v", "display": {"en-US": "did", "fr-FR": "a fait"}},
            "object": {"id": "http://example.org/a", "definition": {"name": {"en-US": "Binary", "fr-FR": "Binaire"}}},
            "context": {"instructor": {"objectType": "Group", "member": [{"name": "Bob", "mbox": "mailto:bob@example.org"}]}}
        })
    }

    #[test]
    fn ids_keeps_only_identifiers() {
        let mut ids = statement();
        apply_format(&mut ids, Format::Ids, XapiVersion::V2_0, &[]);
        assert_eq!(
            ids["actor"],
            json!({"objectType": "Agent", "mbox": "mailto:ada@example.org"})
        );
        assert_eq!(ids["verb"], json!({"id": "http://example.org/v"}));
        assert_eq!(ids["object"], json!({"id": "http://example.org/a"}));
        assert_eq!(
            ids["context"]["instructor"],
            json!({"objectType": "Group", "member": [{"mbox": "mailto:bob@example.org"}]})
        );
        let mut ids_1_0 = statement();
        apply_format(&mut ids_1_0, Format::Ids, XapiVersion::V1_0, &[]);
        assert_eq!(
            ids_1_0["verb"]["display"]["fr-FR"], "a fait",
            "1.0.3 keeps verbs whole"
        );
    }

    #[test]
    fn canonical_keeps_the_preferred_language() {
        let mut canonical = statement();
        apply_format(
            &mut canonical,
            Format::Canonical,
            XapiVersion::V1_0,
            &accept_languages("fr;q=0.9, de;q=0.1"),
        );
        assert_eq!(canonical["verb"]["display"], json!({"fr-FR": "a fait"}));
        assert_eq!(
            canonical["object"]["definition"]["name"],
            json!({"fr-FR": "Binaire"})
        );
    }

    #[test]
    fn accept_language_is_ordered_by_quality() {
        assert_eq!(
            accept_languages("en;q=0.5, fr-FR, de;q=0.8, *"),
            ["fr-FR", "de", "en"]
        );
    }
}
