//! Signed statements (Data §2.6): the signature attachment holds a JWS compact serialisation whose payload is the
//! statement as signed. The LRS checks the structure, the algorithm, and that the payload is this statement.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::compare::is_same_statement;
use crate::duration::parse_duration;

/// RS256, RS384 and RS512 are what xAPI allows.
const ALLOWED_ALGORITHMS: [&str; 3] = ["RS256", "RS384", "RS512"];

/// Checks a JWS against the statement it signs; returns what is wrong.
pub fn check_signature(statement: &Value, jws: &str) -> Result<(), String> {
    let mut pieces = jws.trim().split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(
            "the signature is not a JWS compact serialisation (three base64url parts)".to_owned(),
        );
    };
    let decode = |piece: &str, what: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(piece.trim_end_matches('='))
            .map_err(|_| format!("the JWS {what} is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| format!("the JWS {what} is not JSON"))
    };
    let header = decode(header, "header")?;
    let algorithm = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !ALLOWED_ALGORITHMS.contains(&algorithm) {
        return Err(format!(
            "the JWS algorithm must be RS256, RS384 or RS512, not {algorithm:?}"
        ));
    }
    let payload = decode(payload, "payload")?;
    if is_same_statement(
        &without_signed_extras(statement),
        &without_signed_extras(&payload),
    ) {
        Ok(())
    } else {
        Err("the JWS payload is not the statement it is attached to".to_owned())
    }
}

/// Leaves out what signing does not cover (`attachments`) and rounds durations to 0.01 s, the precision xAPI 2.0
/// asks LRSs to keep.
fn without_signed_extras(statement: &Value) -> Value {
    let mut copy = statement.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("attachments");
        if let Some(duration) = map
            .get_mut("result")
            .and_then(|result| result.get_mut("duration"))
            && let Some(seconds) = duration.as_str().and_then(parse_duration)
        {
            *duration = Value::from((seconds * 100.0).floor() as i64);
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn jws(header: &Value, payload: &Value) -> String {
        let encode = |value: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap());
        format!("{}.{}.c2lnbmF0dXJl", encode(header), encode(payload))
    }

    fn statement() -> Value {
        json!({"id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "actor": {"mbox": "mailto:a@b.org"},
               "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"},
               "result": {"duration": "P1DT12H36M0.1237S"}})
    }

    #[test]
    fn a_matching_rs256_signature_is_accepted_even_with_a_shorter_duration() {
        let mut signed = statement();
        signed["result"]["duration"] = json!("P1DT12H36M0.12S");
        let mut sent = statement();
        sent["attachments"] =
            json!([{"usageType": "http://adlnet.gov/expapi/attachments/signature"}]);
        assert_eq!(
            check_signature(&sent, &jws(&json!({"alg": "RS256"}), &signed)),
            Ok(())
        );
    }

    #[test]
    fn hmac_garbage_and_mismatched_payloads_are_refused() {
        assert!(
            check_signature(&statement(), &jws(&json!({"alg": "HS256"}), &statement())).is_err()
        );
        assert!(check_signature(&statement(), "not.a.jws.at-all").is_err());
        let mut other = statement();
        other["verb"]["id"] = json!("http://example.org/w");
        assert!(check_signature(&statement(), &jws(&json!({"alg": "RS256"}), &other)).is_err());
        let broken_payload = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(b"{\"alg\":\"RS256\"}"),
            URL_SAFE_NO_PAD.encode(b"{'id':1}")
        );
        assert!(check_signature(&statement(), &broken_payload).is_err());
    }
}
