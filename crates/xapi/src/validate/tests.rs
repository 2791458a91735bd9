//! Validation tests: a valid statement, then one broken property at a time, each with the path it must name.

use serde_json::{Value, json};

use super::validate_statement;
use crate::version::XapiVersion;

fn valid() -> Value {
    json!({
        "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"fr-FR": "a répondu", "en-US": "answered"}},
        "object": {
            "id": "https://classcode.example/activities/binaire/quiz/q1",
            "definition": {
                "name": {"fr": "Compter en binaire"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["b"],
                "choices": [{"id": "a", "description": {"fr": "12"}}, {"id": "b", "description": {"fr": "13"}}]
            }
        },
        "result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": true, "completion": true, "response": "b", "duration": "PT12.5S"},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "contextActivities": {"parent": {"id": "https://classcode.example/modules/information"}, "grouping": [{"id": "https://lms.example/course/7"}]},
            "language": "fr-FR",
            "platform": "Moodle",
            "extensions": {"https://classcode.example/ext/attempt": 1}
        },
        "timestamp": "2026-11-29T08:00:00.000Z"
    })
}

/// Applies `edit` to a valid statement and returns the violation paths.
fn paths_after(edit: impl FnOnce(&mut Value), version: XapiVersion) -> Vec<String> {
    let mut statement = valid();
    edit(&mut statement);
    match validate_statement(&statement, version) {
        Ok(()) => Vec::new(),
        Err(violations) => violations.0.into_iter().map(|v| v.path).collect(),
    }
}

fn check(edit: impl FnOnce(&mut Value), expected_path: &str) {
    let paths = paths_after(edit, XapiVersion::V1_0);
    assert!(
        paths.iter().any(|p| p == expected_path),
        "expected a violation at {expected_path}, got {paths:?}"
    );
}

#[test]
fn a_complete_statement_is_valid_in_both_versions() {
    assert_eq!(validate_statement(&valid(), XapiVersion::V1_0), Ok(()));
    assert_eq!(validate_statement(&valid(), XapiVersion::V2_0), Ok(()));
}

#[test]
fn each_broken_property_is_named_by_its_path() {
    check(|s| s["id"] = json!("not-a-uuid"), "statement.id");
    check(
        |s| s["id"] = json!("fd41c918b88b4b20a0a5a4c32391aaa0"),
        "statement.id",
    );
    check(|s| s["colour"] = json!("blue"), "statement.colour");
    check(
        |s| s["actor"]["mbox"] = json!("ada@example.org"),
        "statement.actor.mbox",
    );
    check(
        |s| s["actor"]["openid"] = json!("https://openid.example/ada"),
        "statement.actor",
    );
    check(
        |s| s["actor"]["objectType"] = json!("agent"),
        "statement.actor.objectType",
    );
    check(
        |s| s["actor"]["mbox_sha1sum"] = json!("xyz"),
        "statement.actor.mbox_sha1sum",
    );
    check(
        |s| s["actor"] = json!({"account": {"homePage": "https://lms.example"}}),
        "statement.actor.account.name",
    );
    check(
        |s| s["actor"] = json!({"objectType": "Group", "member": []}),
        "statement.actor.member",
    );
    check(
        |s| s["actor"] = json!({"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@x.org"}]}),
        "statement.actor.member[0].objectType",
    );
    check(|s| s["verb"]["id"] = json!("answered"), "statement.verb.id");
    check(
        |s| s["verb"]["display"] = json!({"not a tag!": "x"}),
        "statement.verb.display.not a tag!",
    );
    check(
        |s| s["verb"] = json!({"display": {"en": "x"}}),
        "statement.verb.id",
    );
    check(
        |s| s["object"]["objectType"] = json!("activity"),
        "statement.object.objectType",
    );
    check(
        |s| s["object"]["definition"]["interactionType"] = json!("essay"),
        "statement.object.definition.interactionType",
    );
    check(
        |s| {
            s["object"]["definition"]
                .as_object_mut()
                .unwrap()
                .remove("interactionType");
        },
        "statement.object.definition.choices",
    );
    check(
        |s| s["authority"] = json!({"objectType": "Group", "member": [{"mbox": "mailto:a@x.org"}]}),
        "statement.authority",
    );
    check(
        |s| s["verb"]["display"] = json!({"en-something-AU": "x"}),
        "statement.verb.display.en-something-AU",
    );
    check(
        |s| s["object"]["definition"]["choices"] = json!([{"id": "a"}, {"id": "a"}]),
        "statement.object.definition.choices[1].id",
    );
    check(
        |s| s["object"]["definition"]["moreInfo"] = json!("nowhere"),
        "statement.object.definition.moreInfo",
    );
    check(
        |s| s["result"]["score"]["scaled"] = json!(1.5),
        "statement.result.score.scaled",
    );
    check(
        |s| s["result"]["score"]["raw"] = json!(11),
        "statement.result.score.raw",
    );
    check(
        |s| s["result"]["score"]["min"] = json!(20),
        "statement.result.score.max",
    );
    check(
        |s| s["result"]["success"] = json!("yes"),
        "statement.result.success",
    );
    check(
        |s| s["result"]["duration"] = json!("12 seconds"),
        "statement.result.duration",
    );
    check(
        |s| s["context"]["registration"] = json!("abc"),
        "statement.context.registration",
    );
    check(
        |s| s["context"]["language"] = json!("français!"),
        "statement.context.language",
    );
    check(
        |s| s["context"]["team"] = json!({"mbox": "mailto:t@x.org"}),
        "statement.context.team.objectType",
    );
    check(
        |s| s["context"]["contextActivities"]["sibling"] = json!([]),
        "statement.context.contextActivities.sibling",
    );
    check(
        |s| s["context"]["extensions"] = json!({"attempt": 1}),
        "statement.context.extensions.attempt",
    );
    check(
        |s| s["timestamp"] = json!("yesterday"),
        "statement.timestamp",
    );
    check(|s| s["timestamp"] = json!(null), "statement.timestamp");
    check(|s| s["version"] = json!("0.95"), "statement.version");
    check(
        |s| s["attachments"] = json!([{"usageType": "x"}]),
        "statement.attachments[0].usageType",
    );
}

#[test]
fn revision_and_platform_need_an_activity_object() {
    let paths = paths_after(
        |s| s["object"] = json!({"objectType": "Agent", "mbox": "mailto:bob@example.org"}),
        XapiVersion::V1_0,
    );
    assert_eq!(paths, ["statement.context.platform"]);
}

#[test]
fn a_voiding_statement_must_target_a_statement_ref() {
    let paths = paths_after(
        |s| s["verb"]["id"] = json!(crate::VOIDED_VERB),
        XapiVersion::V1_0,
    );
    assert!(paths.contains(&"statement.object".to_owned()), "{paths:?}");
}

#[test]
fn sub_statements_refuse_ids_and_nesting() {
    let sub = json!({
        "objectType": "SubStatement",
        "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "actor": {"mbox": "mailto:a@b.org"},
        "verb": {"id": "http://example.org/v"},
        "object": {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@b.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/a"}}
    });
    let paths = paths_after(
        move |s| {
            s["object"] = sub;
            s["context"].as_object_mut().unwrap().remove("platform");
        },
        XapiVersion::V1_0,
    );
    assert_eq!(
        paths,
        ["statement.object.id", "statement.object.object.objectType"]
    );
}

#[test]
fn context_agents_exist_only_in_2_0() {
    let edit = |s: &mut Value| {
        s["context"]["contextAgents"] = json!([{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@x.org"}, "relevantTypes": ["https://example.org/tutor"]}]);
    };
    assert_eq!(paths_after(edit, XapiVersion::V2_0), Vec::<String>::new());
    assert_eq!(
        paths_after(edit, XapiVersion::V1_0),
        ["statement.context.contextAgents"]
    );
    let bad = |s: &mut Value| {
        s["context"]["contextGroups"] = json!([{"objectType": "contextGroup", "group": {"mbox": "mailto:t@x.org"}, "relevantTypes": []}]);
    };
    assert_eq!(
        paths_after(bad, XapiVersion::V2_0),
        [
            "statement.context.contextGroups[0].group.objectType",
            "statement.context.contextGroups[0].relevantTypes"
        ]
    );
}

#[test]
fn every_violation_is_reported_not_only_the_first() {
    let paths = paths_after(
        |s| {
            s["id"] = json!(1);
            s["verb"]["id"] = json!("v");
            s["result"]["completion"] = json!("no");
        },
        XapiVersion::V1_0,
    );
    assert_eq!(
        paths,
        [
            "statement.id",
            "statement.verb.id",
            "statement.result.completion"
        ]
    );
}
