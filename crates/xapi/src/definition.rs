//! Canonical activity definitions: the LRS merges the definitions it receives, language maps entry by entry
//! (latest wins per language) and every other property as a whole (latest wins).

use serde_json::Value;

const LANGUAGE_MAPS: [&str; 2] = ["name", "description"];

/// Merges `incoming` into `current`.
pub fn merge_definition(current: &Value, incoming: &Value) -> Value {
    let (Some(current_map), Some(incoming_map)) = (current.as_object(), incoming.as_object())
    else {
        return incoming.clone();
    };
    let mut merged = current_map.clone();
    for (key, value) in incoming_map {
        match (LANGUAGE_MAPS.contains(&key.as_str()), merged.get_mut(key)) {
            (true, Some(Value::Object(existing))) if value.is_object() => {
                if let Some(entries) = value.as_object() {
                    for (language, text) in entries {
                        existing.insert(language.clone(), text.clone());
                    }
                }
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(merged)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merge_definition;

    #[test]
    fn language_maps_are_unioned_and_other_properties_replaced() {
        let merged = merge_definition(
            &json!({"name": {"en-GB": "old", "en-US": "us"}, "type": "http://example.org/a", "moreInfo": "http://x.org"}),
            &json!({"name": {"en-GB": "new", "fr-FR": "fr"}, "type": "http://example.org/b"}),
        );
        assert_eq!(
            merged,
            json!({"name": {"en-GB": "new", "en-US": "us", "fr-FR": "fr"}, "type": "http://example.org/b", "moreInfo": "http://x.org"})
        );
    }
}
