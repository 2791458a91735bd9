//! Who may use the LRS: versions, credentials, scopes, revocation and tenant isolation.

use classcode_test_support::spawn_app;
use serde_json::{Value, json};

fn statement() -> Value {
    json!({
        "actor": {"mbox": "mailto:ada@ecole.example"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "https://classcode.example/activities/binaire"}
    })
}

#[tokio::test]
async fn about_answers_without_credentials_and_lists_both_versions() {
    let app = spawn_app().await;

    let about: Value = app.get("/xapi/about").await.json().await.unwrap();

    assert_eq!(about["version"], json!(["1.0.3", "2.0.0"]));
}

#[tokio::test]
async fn a_missing_or_unknown_version_header_is_a_400() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["all"]).await;

    let missing = app
        .client
        .get(app.url("/xapi/statements"))
        .basic_auth(&lrs.key, Some(&lrs.secret))
        .send()
        .await
        .unwrap();
    let unknown = lrs.with_version("0.95").get("/statements").await;
    let old_content = lrs.with_version("1.0.2").get("/statements").await;

    assert_eq!(missing.status(), 400);
    assert_eq!(missing.headers()["x-experience-api-version"], "2.0.0");
    assert_eq!(unknown.status(), 400);
    assert_eq!(
        old_content.status(),
        200,
        "content authored with Rustici tools sends 1.0.2"
    );
    assert_eq!(old_content.headers()["x-experience-api-version"], "1.0.3");
}

#[tokio::test]
async fn wrong_or_revoked_credentials_are_401s() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["all"]).await;
    let mut wrong = lrs.clone();
    wrong.secret = "not-the-secret".to_owned();
    assert_eq!(lrs.get("/statements").await.status(), 200);

    let wrong_answer = wrong.get("/statements").await;
    let revoke = app
        .client
        .delete(app.url(&format!("/api/admin/lrs-credentials/{}", lrs.key)))
        .bearer_auth(classcode_test_support::ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let after_revoke = lrs.get("/statements").await;

    assert_eq!(wrong_answer.status(), 401);
    assert_eq!(revoke.status(), 204);
    assert_eq!(after_revoke.status(), 401);
}

#[tokio::test]
async fn scopes_limit_what_a_credential_may_do() {
    let app = spawn_app().await;
    let reader = app.lrs_client("ac-lyon", &["statements/read"]).await;
    let writer = app.lrs_client("ac-lyon", &["statements/write"]).await;

    assert_eq!(reader.post_statements(&statement()).await.status(), 403);
    assert_eq!(writer.post_statements(&statement()).await.status(), 200);
    assert_eq!(writer.get("/statements").await.status(), 403);
    assert_eq!(
        reader.get_json("/statements").await["statements"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_credential_never_sees_another_tenants_statements() {
    let app = spawn_app().await;
    let lyon = app.lrs_client("ac-lyon", &["all"]).await;
    let nice = app.lrs_client("ac-nice", &["all"]).await;
    let id = lyon.store(&statement()).await.remove(0);

    assert_eq!(
        nice.get(&format!("/statements?statementId={id}"))
            .await
            .status(),
        404
    );
    assert_eq!(nice.get_json("/statements").await["statements"], json!([]));
    assert_eq!(
        lyon.get_json("/statements").await["statements"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_1_0_3_alternate_syntax_works_and_2_0_refuses_it() {
    let app = spawn_app().await;
    let lrs = app.lrs_client("ac-lyon", &["all"]).await;
    let id = uuid::Uuid::new_v4().to_string();
    let form = |version: &str| {
        let content = statement().to_string();
        format!(
            "statementId={id}&content={}&X-Experience-API-Version={version}",
            content
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        )
    };
    let send = |body: String| {
        app.client
            .post(app.url("/xapi/statements?method=PUT"))
            .basic_auth(&lrs.key, Some(&lrs.secret))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    let refused = send(form("2.0.0")).await.unwrap();
    let accepted = send(form("1.0.3")).await.unwrap();

    assert_eq!(refused.status(), 400);
    assert_eq!(accepted.status(), 204);
    assert_eq!(
        lrs.get_json(&format!("/statements?statementId={id}")).await["id"],
        id
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_json_413_with_the_version_header() {
    let app =
        classcode_test_support::spawn_app_with(|settings| settings.server.max_body_bytes = 4096)
            .await;
    let lrs = app.lrs_client("ac-lyon", &["all"]).await;
    let batch: Vec<Value> = (0..40).map(|_| statement()).collect();

    let response = lrs.post_statements(&Value::Array(batch)).await;

    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["x-experience-api-version"], "2.0.0");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
}
