//! Document resources (State, Activity Profile, Agent Profile): ETags, preconditions and JSON merging.

use serde_json::Value;
use sha1::{Digest, Sha1};

/// The ETag of a document: the quoted SHA-1 of its content.
pub fn etag(content: &[u8]) -> String {
    let digest = Sha1::digest(content);
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether an `If-Match` / `If-None-Match` value names `current` (a list, `*`, weak or strong forms).
pub fn etag_matches(header: &str, current: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*"
            || candidate.trim_start_matches("W/") == current
            || format!("\"{candidate}\"") == current
    })
}

/// Why two documents cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error(
        "the stored document is not a JSON object, so it cannot be merged; use PUT to replace it"
    )]
    StoredNotObject,
    #[error("the request body is not a JSON object, so it cannot be merged")]
    IncomingNotObject,
}

/// POST on a document merges the top-level properties of two JSON objects, the incoming ones winning.
pub fn merge_json(stored: &[u8], incoming: &[u8]) -> Result<Vec<u8>, MergeError> {
    let Ok(Value::Object(mut stored)) = serde_json::from_slice::<Value>(stored) else {
        return Err(MergeError::StoredNotObject);
    };
    let Ok(Value::Object(incoming)) = serde_json::from_slice::<Value>(incoming) else {
        return Err(MergeError::IncomingNotObject);
    };
    for (key, value) in incoming {
        stored.insert(key, value);
    }
    Ok(serde_json::to_vec(&Value::Object(stored)).unwrap_or_default())
}

/// Whether a body is a JSON object (what a POST merge needs).
pub fn is_json_object(content: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<Value>(content),
        Ok(Value::Object(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_sha1_and_match_lists_and_stars() {
        let tag = etag(b"{}");
        assert_eq!(tag, "\"bf21a9e8fbc5a3846fb05b4fa0859e0917b2202f\"");
        assert!(etag_matches(&tag, &tag));
        assert!(etag_matches("*", &tag));
        assert!(etag_matches(&format!("\"other\", {tag}"), &tag));
        assert!(!etag_matches("\"other\"", &tag));
    }

    #[test]
    fn merging_keeps_old_keys_and_overwrites_with_new_ones() {
        let merged = merge_json(br#"{"a": 1, "b": 2}"#, br#"{"b": 3, "c": 4}"#).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&merged).unwrap(),
            serde_json::json!({"a": 1, "b": 3, "c": 4})
        );
        assert_eq!(merge_json(b"[1]", b"{}"), Err(MergeError::StoredNotObject));
        assert_eq!(
            merge_json(b"{}", b"text"),
            Err(MergeError::IncomingNotObject)
        );
    }
}
