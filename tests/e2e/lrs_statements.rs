//! The LRS statement resource over HTTP: storing, immutability, validation errors, voiding, queries and paging,
//! formats and attachments.

use classcode_test_support::{LrsClient, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

fn statement(learner: &str, verb: &str, activity: &str) -> Value {
    json!({
        "actor": {"objectType": "Agent", "name": learner, "mbox": format!("mailto:{learner}@ecole.example")},
        "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}"), "display": {"fr-FR": verb, "en-US": verb}},
        "object": {"id": format!("https://classcode.example/activities/{activity}"),
                   "definition": {"name": {"fr-FR": "Compter en binaire", "en-US": "Counting in binary"}}}
    })
}

async fn client() -> (classcode_test_support::TestApp, LrsClient) {
    let app = spawn_app().await;
    let client = app.lrs_client("ac-lyon", &["all"]).await;
    (app, client)
}

#[tokio::test]
async fn a_posted_statement_comes_back_with_what_the_lrs_sets() {
    let (_app, lrs) = client().await;
    let mut sent = statement("ada", "experienced", "binaire");
    sent["context"] = json!({"contextActivities": {"parent": {"id": "https://classcode.example/modules/information"}}});

    let ids = lrs.store(&sent).await;
    let response = lrs
        .get(&format!("/statements?statementId={}", ids[0]))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-experience-api-version"], "2.0.0");
    assert!(
        response
            .headers()
            .contains_key("x-experience-api-consistent-through")
    );
    assert!(response.headers().contains_key("last-modified"));
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["id"], ids[0]);
    assert_eq!(stored["actor"], sent["actor"]);
    assert_eq!(stored["version"], "2.0.0");
    assert_eq!(stored["authority"]["account"]["name"], lrs.key);
    assert_eq!(stored["timestamp"], stored["stored"]);
    assert_eq!(
        stored["context"]["contextActivities"]["parent"],
        json!([{"id": "https://classcode.example/modules/information"}]),
        "context activities always come back as arrays"
    );
}

#[tokio::test]
async fn an_invalid_statement_is_a_400_naming_each_field_and_rule() {
    let (_app, lrs) = client().await;
    let mut bad = statement("ada", "answered", "q1");
    bad["actor"]["mbox"] = json!("ada@ecole.example");
    bad["result"] = json!({"score": {"scaled": 2}});

    let response = lrs.post_statements(&bad).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    let paths: Vec<&str> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["statement.actor.mbox", "statement.result.score.scaled"]
    );
    assert!(
        body["violations"][0]["rule"]
            .as_str()
            .unwrap()
            .contains("mailto:")
    );
}

#[tokio::test]
async fn a_batch_with_one_bad_statement_stores_nothing() {
    let (_app, lrs) = client().await;
    let good_id = Uuid::new_v4().to_string();
    let mut good = statement("ada", "experienced", "binaire");
    good["id"] = json!(good_id);
    let mut bad = statement("bob", "experienced", "binaire");
    bad["verb"]["id"] = json!("not an iri");

    let response = lrs.post_statements(&json!([good, bad])).await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["violations"][0]["path"], "statement[1].verb.id");
    assert_eq!(
        lrs.get(&format!("/statements?statementId={good_id}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_same_id_is_a_no_op_with_the_same_content_and_a_409_with_other_content() {
    let (_app, lrs) = client().await;
    let id = Uuid::new_v4().to_string();
    let mut sent = statement("ada", "experienced", "binaire");
    sent["id"] = json!(id);
    lrs.store(&sent).await;

    let again = lrs.post_statements(&sent).await;
    let mut changed = sent.clone();
    changed["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/passed");
    let conflict = lrs.post_statements(&changed).await;

    assert_eq!(again.status(), 200);
    assert_eq!(conflict.status(), 409);
    let listed = lrs.get_json("/statements").await;
    assert_eq!(
        listed["statements"].as_array().unwrap().len(),
        1,
        "no duplicate, no overwrite"
    );
    assert_eq!(
        listed["statements"][0]["verb"]["id"],
        "http://adlnet.gov/expapi/verbs/experienced"
    );
}

#[tokio::test]
async fn put_stores_under_the_given_id_and_refuses_a_missing_id() {
    let (_app, lrs) = client().await;
    let id = Uuid::new_v4().to_string();

    let stored = lrs
        .request(
            reqwest::Method::PUT,
            &format!("/statements?statementId={id}"),
        )
        .json(&statement("ada", "experienced", "binaire"))
        .send()
        .await
        .unwrap();
    let without_id = lrs
        .request(reqwest::Method::PUT, "/statements")
        .json(&statement("ada", "experienced", "binaire"))
        .send()
        .await
        .unwrap();

    assert_eq!(stored.status(), 204);
    assert_eq!(without_id.status(), 400);
    assert_eq!(
        lrs.get_json(&format!("/statements?statementId={id}")).await["id"],
        id
    );
}

#[tokio::test]
async fn voided_statements_leave_queries_but_stay_reachable_as_voided() {
    let (_app, lrs) = client().await;
    let target = lrs
        .store(&statement("ada", "passed", "quiz"))
        .await
        .remove(0);
    let voiding = json!({
        "actor": {"mbox": "mailto:formateur@ecole.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
        "object": {"objectType": "StatementRef", "id": target}
    });
    let voiding_id = lrs.store(&voiding).await.remove(0);

    assert_eq!(
        lrs.get(&format!("/statements?statementId={target}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        lrs.get_json(&format!("/statements?voidedStatementId={target}"))
            .await["id"],
        target
    );
    let listed = lrs.get_json("/statements").await;
    let ids: Vec<&str> = listed["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [voiding_id.as_str()]);
}

#[tokio::test]
async fn a_statement_targeting_another_matches_the_filters_of_its_target() {
    let (_app, lrs) = client().await;
    let target = lrs
        .store(&statement("ada", "answered", "q1"))
        .await
        .remove(0);
    let comment = json!({
        "actor": {"mbox": "mailto:formateur@ecole.example"},
        "verb": {"id": "http://example.org/verbs/commented"},
        "object": {"objectType": "StatementRef", "id": target}
    });
    let comment_id = lrs.store(&comment).await.remove(0);

    let by_verb = lrs
        .get_json("/statements?verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fanswered")
        .await;

    let ids: Vec<&str> = by_verb["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [comment_id.as_str(), target.as_str()]);
}

#[tokio::test]
async fn filters_select_by_agent_verb_activity_registration_and_related_activities() {
    let (_app, lrs) = client().await;
    let registration = Uuid::new_v4().to_string();
    let mut in_module = statement("ada", "completed", "robot-game");
    in_module["context"] = json!({
        "registration": registration,
        "contextActivities": {"parent": [{"id": "https://classcode.example/modules/robotique"}]}
    });
    let ada = lrs.store(&in_module).await.remove(0);
    lrs.store(&statement("bob", "completed", "robot-game"))
        .await;
    lrs.store(&statement("ada", "experienced", "video")).await;

    let count = |body: Value| body["statements"].as_array().unwrap().len();
    let agent = urlencode(r#"{"mbox": "mailto:ada@ecole.example"}"#);
    assert_eq!(
        count(lrs.get_json(&format!("/statements?agent={agent}")).await),
        2
    );
    let completed = urlencode("http://adlnet.gov/expapi/verbs/completed");
    assert_eq!(
        count(
            lrs.get_json(&format!("/statements?verb={completed}&agent={agent}"))
                .await
        ),
        1
    );
    let module = urlencode("https://classcode.example/modules/robotique");
    assert_eq!(
        count(
            lrs.get_json(&format!("/statements?activity={module}"))
                .await
        ),
        0
    );
    let related = lrs
        .get_json(&format!(
            "/statements?activity={module}&related_activities=true"
        ))
        .await;
    assert_eq!(related["statements"][0]["id"], ada);
    assert_eq!(
        count(
            lrs.get_json(&format!("/statements?registration={registration}"))
                .await
        ),
        1
    );
}

#[tokio::test]
async fn more_links_page_through_every_statement_once_in_both_orders() {
    let (_app, lrs) = client().await;
    let batch: Vec<Value> = (0..7)
        .map(|i| statement(&format!("learner{i}"), "experienced", "page"))
        .collect();
    let stored = lrs.store(&Value::Array(batch)).await;

    for ascending in [false, true] {
        let mut seen = Vec::new();
        let mut next = format!("/statements?limit=3&ascending={ascending}");
        loop {
            let page = lrs.get_json(&next).await;
            seen.extend(
                page["statements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["id"].as_str().unwrap().to_owned()),
            );
            let more = page["more"].as_str().unwrap();
            if more.is_empty() {
                break;
            }
            next = more.strip_prefix("/xapi").unwrap().to_owned();
        }
        if !ascending {
            seen.reverse();
        }
        assert_eq!(seen, stored, "ascending={ascending}");
    }
}

#[tokio::test]
async fn unknown_or_conflicting_query_parameters_are_400s_with_consistent_through() {
    let (_app, lrs) = client().await;
    for query in [
        "LIMIT=1",
        "statementId=not-a-uuid",
        &format!("statementId={}&verb=http://x.org/v", Uuid::new_v4()),
    ] {
        let response = lrs.get(&format!("/statements?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        assert!(
            response
                .headers()
                .contains_key("x-experience-api-consistent-through"),
            "{query}"
        );
    }
}

#[tokio::test]
async fn ids_and_canonical_formats_reduce_what_comes_back() {
    let (_app, lrs) = client().await;
    let id = lrs
        .store(&statement("ada", "experienced", "binaire"))
        .await
        .remove(0);

    let ids = lrs
        .get_json(&format!("/statements?statementId={id}&format=ids"))
        .await;
    let canonical = lrs
        .request(
            reqwest::Method::GET,
            &format!("/statements?statementId={id}&format=canonical"),
        )
        .header("Accept-Language", "fr-FR")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();

    assert_eq!(
        ids["actor"],
        json!({"objectType": "Agent", "mbox": "mailto:ada@ecole.example"})
    );
    assert_eq!(
        ids["object"],
        json!({"id": "https://classcode.example/activities/binaire"})
    );
    assert_eq!(
        canonical["verb"]["display"],
        json!({"fr-FR": "experienced"})
    );
    assert_eq!(
        canonical["object"]["definition"]["name"],
        json!({"fr-FR": "Compter en binaire"})
    );
}

#[tokio::test]
async fn attachments_travel_in_multipart_and_their_hash_is_checked() {
    let (_app, lrs) = client().await;
    let content = "Fiche débranchée : le jeu du robot";
    let sha2 = sha256_hex(content.as_bytes());
    let mut sent = statement("ada", "completed", "robot-game");
    sent["attachments"] = json!([{
        "usageType": "https://classcode.example/attachments/sheet",
        "display": {"fr-FR": "Fiche"}, "contentType": "text/plain", "length": content.len(), "sha2": sha2
    }]);
    let boundary = "classcodeboundary";
    let body = |part_hash: &str| {
        format!(
            "--{boundary}\r\nContent-Type: application/json\r\n\r\n{sent}\r\n--{boundary}\r\nContent-Type: text/plain\r\n\
             Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {part_hash}\r\n\r\n{content}\r\n--{boundary}--\r\n"
        )
    };
    let post = |text: String| {
        lrs.request(reqwest::Method::POST, "/statements")
            .header(
                "Content-Type",
                format!("multipart/mixed; boundary={boundary}"),
            )
            .body(text)
            .send()
    };

    let wrong_hash = post(body(&sha256_hex(b"something else"))).await.unwrap();
    let accepted = post(body(&sha2)).await.unwrap();
    let ids: Vec<String> = accepted.json().await.unwrap();
    let fetched = lrs
        .get(&format!(
            "/statements?statementId={}&attachments=true",
            ids[0]
        ))
        .await;

    assert_eq!(wrong_hash.status(), 400);
    let content_type = fetched.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("multipart/mixed; boundary="),
        "{content_type}"
    );
    let text = fetched.text().await.unwrap();
    assert!(text.contains(content), "{text}");
    assert_eq!(
        text.matches(&sha2).count(),
        2,
        "the hash is in the JSON and in the part header"
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn concurrent_batches_that_redefine_the_same_activities_all_succeed() {
    // Each batch names the same activities in a different order, with a definition in a language of its own, so
    // every batch changes every definition: writers that locked them in batch order deadlocked on PostgreSQL.
    let (_app, lrs) = client().await;
    let activities: Vec<String> = (0..12).map(|index| format!("shared-{index}")).collect();
    let posts = (0..8).map(|client| {
        let lrs = lrs.clone();
        let mut order = activities.clone();
        order.rotate_left(client * 3 % activities.len());
        if client % 2 == 1 {
            order.reverse();
        }
        async move {
            let mut answers = Vec::new();
            for round in 0..3 {
                let batch: Vec<Value> = order
                    .iter()
                    .map(|activity| {
                        let mut statement =
                            statement(&format!("learner-{client}"), "experienced", activity);
                        statement["object"]["definition"] =
                            json!({"name": {format!("x-c{client}r{round}"): "nom"}});
                        statement
                    })
                    .collect();
                answers.push(
                    lrs.post_statements(&Value::Array(batch))
                        .await
                        .status()
                        .as_u16(),
                );
            }
            answers
        }
    });
    let answers: Vec<u16> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(answers.iter().all(|status| *status == 200), "{answers:?}");
    let definition = lrs
        .get_json(&format!(
            "/activities?activityId={}",
            urlencode(&format!(
                "https://classcode.example/activities/{}",
                activities[0]
            ))
        ))
        .await;
    assert_eq!(
        definition["definition"]["name"].as_object().unwrap().len(),
        24,
        "every language of every batch merged: {definition}"
    );
}
