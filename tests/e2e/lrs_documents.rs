//! The LRS document resources over HTTP: State and profiles with ETags, preconditions, merging and listing.

use classcode_test_support::spawn_app;
use serde_json::{Value, json};

const AGENT: &str = "%7B%22mbox%22%3A%22mailto%3Aada%40ecole.example%22%7D";
const ACTIVITY: &str = "https%3A%2F%2Fclasscode.example%2Factivities%2Fbinaire";

#[tokio::test]
async fn state_is_stored_merged_listed_and_deleted() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["state"]).await;
    let base = format!("/activities/state?activityId={ACTIVITY}&agent={AGENT}");
    let put = lrs
        .request(reqwest::Method::PUT, &format!("{base}&stateId=resume"))
        .json(&json!({"page": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);

    let merged = lrs
        .request(reqwest::Method::POST, &format!("{base}&stateId=resume"))
        .json(&json!({"answers": {"q1": "b"}}))
        .send()
        .await
        .unwrap();
    let fetched = lrs.get(&format!("{base}&stateId=resume")).await;

    assert_eq!(merged.status(), 204);
    assert_eq!(fetched.status(), 200);
    let etag = fetched.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag.len(), 42, "a quoted SHA-1: {etag}");
    assert_eq!(
        fetched.json::<Value>().await.unwrap(),
        json!({"page": 3, "answers": {"q1": "b"}})
    );
    assert_eq!(lrs.get_json(&base).await, json!(["resume"]));
    let deleted = lrs
        .request(reqwest::Method::DELETE, &base)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(lrs.get_json(&base).await, json!([]));
}

#[tokio::test]
async fn preconditions_guard_documents_against_lost_updates() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["all"]).await;
    let url = format!("/activities/profile?activityId={ACTIVITY}&profileId=settings");
    let create = lrs
        .request(reqwest::Method::PUT, &url)
        .header("If-None-Match", "*")
        .json(&json!({"level": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), 204);
    let etag = lrs.get(&url).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    let blind_put = lrs
        .request(reqwest::Method::PUT, &url)
        .json(&json!({"level": 2}))
        .send()
        .await
        .unwrap();
    let stale_put = lrs
        .request(reqwest::Method::PUT, &url)
        .header("If-Match", "\"0000000000000000000000000000000000000000\"")
        .json(&json!({"level": 2}))
        .send()
        .await
        .unwrap();
    let good_put = lrs
        .request(reqwest::Method::PUT, &url)
        .header("If-Match", &etag)
        .json(&json!({"level": 3}))
        .send()
        .await
        .unwrap();

    assert_eq!(blind_put.status(), 409);
    assert_eq!(stale_put.status(), 412);
    assert_eq!(good_put.status(), 204);
    assert_eq!(lrs.get_json(&url).await, json!({"level": 3}));
}

#[tokio::test]
async fn merging_into_a_document_that_is_not_json_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["state"]).await;
    let url = format!("/activities/state?activityId={ACTIVITY}&agent={AGENT}&stateId=notes");
    lrs.request(reqwest::Method::PUT, &url)
        .header("Content-Type", "text/plain")
        .body("texte libre")
        .send()
        .await
        .unwrap();

    let merge = lrs
        .request(reqwest::Method::POST, &url)
        .json(&json!({"a": 1}))
        .send()
        .await
        .unwrap();

    assert_eq!(merge.status(), 400);
    assert_eq!(lrs.get(&url).await.text().await.unwrap(), "texte libre");
}

#[tokio::test]
async fn activities_and_agents_describe_what_statements_said() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["all"]).await;
    lrs.store(&json!({
        "actor": {"name": "Ada Lovelace", "mbox": "mailto:ada@ecole.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://classcode.example/activities/binaire", "definition": {"name": {"fr-FR": "Binaire"}}}
    }))
    .await;

    let activity = lrs
        .get_json(&format!("/activities?activityId={ACTIVITY}"))
        .await;
    let person = lrs.get_json(&format!("/agents?agent={AGENT}")).await;

    assert_eq!(
        activity,
        json!({"objectType": "Activity", "id": "https://classcode.example/activities/binaire", "definition": {"name": {"fr-FR": "Binaire"}}})
    );
    assert_eq!(
        person,
        json!({"objectType": "Person", "name": ["Ada Lovelace"], "mbox": ["mailto:ada@ecole.example"]})
    );
}
