//! Property tests: parse and serialise round trips, and parsers that never panic, over generated input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a property fails loudly on what it did not expect"
)]

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use classcode_xapi::multipart::{parse_multipart, write_multipart};
use classcode_xapi::timestamp::{parse_timestamp, to_utc_string};
use classcode_xapi::{StoreContext, XapiVersion, prepare_statement, validate_statement};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A boundary as RFC 2046 allows it (no trailing space), 1 to 70 characters.
fn boundary() -> impl Strategy<Value = String> {
    "[A-Za-z0-9'()+_,./:=?-]{1,70}"
}

fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // Years 1 to 9999, whole milliseconds, offsets of whole minutes within ±18 h.
    (
        -62_135_596_800_000i64..253_402_300_799_000i64,
        -(18 * 60)..=(18 * 60),
    )
        .prop_map(|(millis, offset_minutes)| {
            let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
            Utc.timestamp_millis_opt(millis)
                .unwrap()
                .with_timezone(&offset)
        })
}

/// An arbitrary JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|x| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("mailto:a@example.org"),
            Just("http://adlnet.gov/expapi/verbs/completed"),
            Just("Agent"),
            Just("Activity"),
            Just("StatementRef"),
            Just("SubStatement"),
            Just("2026-11-29T10:00:00Z"),
            Just("PT1M30S"),
            Just("fr-FR"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("actor".to_owned()),
            Just("verb".to_owned()),
            Just("object".to_owned()),
            Just("id".to_owned()),
            Just("objectType".to_owned()),
            Just("mbox".to_owned()),
            Just("account".to_owned()),
            Just("result".to_owned()),
            Just("score".to_owned()),
            Just("context".to_owned()),
            Just("definition".to_owned()),
            Just("display".to_owned()),
            Just("member".to_owned()),
            Just("attachments".to_owned()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A valid statement: an identified actor, a verb, an activity, optionally a scored result, a registration and a
/// timestamp.
fn valid_statement() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            "[a-z]{1,10}".prop_map(|name| json!({"mbox": format!("mailto:{name}@example.org")})),
            ("[a-z0-9-]{1,12}").prop_map(
                |name| json!({"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": name}})
            ),
        ],
        "[a-z]{1,12}",
        "[a-z0-9/-]{1,30}",
        proptest::option::of(-1.0f64..=1.0),
        proptest::option::of(any::<u128>()),
        proptest::option::of(instant()),
    )
        .prop_map(|(actor, verb, activity, scaled, registration, timestamp)| {
            let mut statement = json!({
                "actor": actor,
                "verb": {"id": format!("https://hub.example.org/verbs/{verb}"), "display": {"fr-FR": verb}},
                "object": {"id": format!("https://hub.example.org/content/{activity}")},
            });
            if let Some(scaled) = scaled {
                statement["result"] = json!({"score": {"scaled": scaled}, "completion": true});
            }
            if let Some(registration) = registration {
                statement["context"] =
                    json!({"registration": uuid::Uuid::from_u128(registration).to_string()});
            }
            if let Some(timestamp) = timestamp {
                statement["timestamp"] = json!(timestamp.to_rfc3339());
            }
            statement
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn multipart_bodies_read_back_as_written(
        boundary in boundary(),
        json_part in prop::collection::vec(any::<u8>(), 0..200),
        attachments in prop::collection::vec(
            ("[0-9a-f]{64}", "[a-z]{1,8}/[a-z0-9.+-]{1,12}", prop::collection::vec(any::<u8>(), 0..300)),
            0..4,
        ),
    ) {
        let delimiter = format!("\r\n--{boundary}");
        let contains = |bytes: &[u8]| bytes.windows(delimiter.len()).any(|w| w == delimiter.as_bytes());
        let mut with_json = vec![b'\r', b'\n'];
        with_json.extend_from_slice(&json_part);
        prop_assume!(!contains(&with_json) && attachments.iter().all(|(_, _, body)| {
            let mut with = vec![b'\r', b'\n'];
            with.extend_from_slice(body);
            with.extend_from_slice(b"\r\n");
            !contains(&with)
        }));
        let body = write_multipart(&boundary, &json_part, &attachments);
        let parts = parse_multipart(&body, &boundary).unwrap();
        prop_assert_eq!(parts.len(), attachments.len() + 1);
        prop_assert_eq!(&parts[0].body, &json_part);
        prop_assert_eq!(parts[0].header("content-type"), Some("application/json"));
        for (part, (sha2, content_type, content)) in parts[1..].iter().zip(&attachments) {
            prop_assert_eq!(&part.body, content);
            prop_assert_eq!(part.header("x-experience-api-hash"), Some(sha2.as_str()));
            prop_assert_eq!(part.header("content-type"), Some(content_type.as_str()));
        }
    }

    #[test]
    fn the_multipart_parser_answers_any_bytes_without_panicking(
        boundary in boundary(),
        body in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let _ = parse_multipart(&body, &boundary);
        // Also bodies that start like a real one.
        let mut framed = format!("--{boundary}\r\n").into_bytes();
        framed.extend_from_slice(&body);
        let _ = parse_multipart(&framed, &boundary);
    }

    #[test]
    fn timestamps_read_back_as_the_same_instant(instant in instant()) {
        let written = instant.to_rfc3339();
        let read = parse_timestamp(&written).unwrap();
        prop_assert_eq!(read, instant);
        let normalised = to_utc_string(&read);
        prop_assert!(normalised.ends_with('Z'));
        prop_assert_eq!(parse_timestamp(&normalised).unwrap(), instant);
    }

    #[test]
    fn the_validator_answers_any_json_without_panicking(value in any_json()) {
        for version in [XapiVersion::V1_0, XapiVersion::V2_0] {
            let _ = validate_statement(&value, version);
        }
    }

    #[test]
    fn a_stored_statement_serialises_and_validates_again(statement in valid_statement()) {
        let authority = json!({"objectType": "Agent", "account": {"homePage": "https://hub.example.org", "name": "hub"}});
        for version in [XapiVersion::V1_0, XapiVersion::V2_0] {
            validate_statement(&statement, version).unwrap();
            let context = StoreContext { version, now: Utc::now(), authority: &authority };
            let prepared = prepare_statement(statement.clone(), &context);
            let text = serde_json::to_string(&prepared.statement).unwrap();
            let read: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&read, &prepared.statement);
            prop_assert!(validate_statement(&read, version).is_ok(), "{}", read);
            // Preparing what was stored changes nothing but `stored`: ids and timestamps are kept.
            let again = prepare_statement(read.clone(), &context);
            prop_assert_eq!(again.id, prepared.id);
            prop_assert_eq!(&again.statement["timestamp"], &prepared.statement["timestamp"]);
            prop_assert_eq!(again.keys, prepared.keys);
        }
    }
}
