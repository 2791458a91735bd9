//! The admin API: bearer token, tenants, JSON errors for bad input.

use classcode_test_support::{ADMIN_TOKEN, spawn_app, spawn_app_with};
use serde_json::{Value, json};

#[tokio::test]
async fn tenants_created_through_the_api_are_listed() {
    let app = spawn_app().await;

    let created = app.create_tenant("ac-lyon").await;
    app.create_tenant("ac-nice").await;
    let listed: Value = app
        .admin_get("/api/admin/tenants")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(created["name"], "ac-lyon");
    assert_eq!(created["display_name"], "Tenant ac-lyon");
    assert_eq!(created["disabled"], false);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ac-lyon", "ac-nice"]);
}

#[tokio::test]
async fn a_taken_tenant_name_is_a_409() {
    let app = spawn_app().await;
    app.create_tenant("ac-lyon").await;

    let response = app
        .admin_post(
            "/api/admin/tenants",
            &json!({ "name": "ac-lyon", "display_name": "Encore" }),
        )
        .await;

    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "conflict");
    assert!(body["message"].as_str().unwrap().contains("ac-lyon"));
}

#[tokio::test]
async fn an_invalid_tenant_name_is_a_400_that_says_why() {
    let app = spawn_app().await;

    let response = app
        .admin_post(
            "/api/admin/tenants",
            &json!({ "name": "Académie", "display_name": "X" }),
        )
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_name");
    assert!(body["message"].as_str().unwrap().contains("a-z"), "{body}");
}

#[tokio::test]
async fn malformed_json_and_unknown_fields_are_400s() {
    let app = spawn_app().await;

    let malformed = app
        .client
        .post(app.url("/api/admin/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let unknown_field = app
        .admin_post(
            "/api/admin/tenants",
            &json!({ "name": "lyon", "display_name": "Lyon", "colour": "blue" }),
        )
        .await;

    for response in [malformed, unknown_field] {
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_json", "{body}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = spawn_app_with(|settings| settings.server.max_body_bytes = 2048).await;
    let long_name = "x".repeat(4096);

    let response = app
        .admin_post(
            "/api/admin/tenants",
            &json!({ "name": "lyon", "display_name": long_name }),
        )
        .await;

    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");
}

#[tokio::test]
async fn the_admin_api_wants_the_right_bearer_token() {
    let app = spawn_app().await;

    let missing = app.get("/api/admin/tenants").await;
    let wrong = app
        .client
        .get(app.url("/api/admin/tenants"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();

    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn the_admin_api_is_off_without_a_configured_token() {
    let app = spawn_app_with(|settings| settings.admin.api_token = Default::default()).await;

    let response = app
        .client
        .get(app.url("/api/admin/tenants"))
        .bearer_auth("")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("admin.api_token")
    );
}
