//! A learner's rights over their data: they download everything the hub holds about them from the player; an admin
//! counts, then erases, a learner everywhere (statements, documents, launches, certifications, badges revoked with
//! only the revocation kept), and the audit log records it without naming them. Another learner is untouched, and
//! the erased learner can start again.

use serde_json::{Value, json};

use classcode_test_support::TestApp;
use classcode_test_support::lti::{
    ISSUER, LEARNER_ROLE, app_with_platform, attribute, certify_learner, launch_as, platform_tenant,
};

async fn my_data(app: &TestApp, session: &str) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(app.url("/player/my-data"))
        .form(&[("session", session)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, disposition, body)
}

async fn erase(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app.admin_post("/api/admin/learners/erase", body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn account(subject: &str) -> String {
    json!({"account": {"homePage": ISSUER, "name": subject}}).to_string()
}

#[tokio::test]
async fn a_learner_downloads_their_data_and_an_admin_erases_them_everywhere() {
    let app = app_with_platform().await;
    let page = certify_learner(&app).await;
    let session = attribute(&page, "data-session-token").to_owned();
    // Another learner of the same platform, whose data must stay.
    launch_as(&app, "u-2", json!([LEARNER_ROLE]), None, json!({})).await;
    let tenant = platform_tenant(&app).await;
    let lrs = app.lrs_client(&tenant, &["all"]).await;
    let statements_of = |subject: &'static str| {
        let lrs = &lrs;
        async move {
            let found = lrs
                .get_json(&format!(
                    "/statements?agent={}&limit=500",
                    urlencoding(&account(subject))
                ))
                .await;
            found["statements"].as_array().unwrap().len()
        }
    };
    let before_u1 = statements_of("u-1").await;
    let before_u2 = statements_of("u-2").await;
    assert!(before_u1 > 5 && before_u2 >= 1, "{before_u1} {before_u2}");

    // The learner's download: a JSON file with their statements, documents, launch, certification and badge.
    let (status, disposition, data) = my_data(&app, &session).await;
    assert_eq!(status, 200, "{data}");
    assert!(disposition.unwrap().starts_with("attachment;"));
    assert_eq!(data["learner"]["account"]["name"], "u-1");
    assert_eq!(data["statements"].as_array().unwrap().len(), before_u1);
    assert!(
        data["statements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["statement"]["actor"]["account"]["name"] == "u-1"),
        "only their own statements"
    );
    assert_eq!(data["launches"].as_array().unwrap().len(), 1);
    assert!(
        !data["documents"].as_array().unwrap().is_empty(),
        "the player's resume state"
    );
    assert_eq!(data["certifications"].as_array().unwrap().len(), 1);
    let badges = data["badges"].as_array().unwrap();
    assert_eq!(badges.len(), 1);
    let credential_url = badges[0]["ob3_credential"].as_str().unwrap().to_owned();
    let assertion_url = badges[0]["ob2_assertion"].as_str().unwrap().to_owned();
    let credential: Value = app
        .client
        .get(&credential_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(credential, badges[0]["credential"]);

    // A dry run counts and changes nothing.
    let learner = json!({"tenant": tenant, "user": "u-1", "dry_run": true});
    let (status, counted) = erase(&app, &learner).await;
    assert_eq!(status, 200, "{counted}");
    assert_eq!(counted["dry_run"], true);
    assert_eq!(counted["removed"]["statements"], before_u1);
    assert_eq!(statements_of("u-1").await, before_u1);

    let (status, report) = erase(&app, &json!({"tenant": tenant, "user": "u-1"})).await;
    assert_eq!(status, 200, "{report}");
    let removed = &report["removed"];
    assert_eq!(removed["statements"], before_u1);
    assert_eq!(removed["launches"], 1);
    assert_eq!(removed["certifications"], 1);
    assert_eq!(removed["badges_revoked"], 1);
    assert!(removed["documents"].as_u64().unwrap() >= 1);
    assert_eq!(statements_of("u-1").await, 0);
    assert_eq!(
        statements_of("u-2").await,
        before_u2,
        "another learner keeps everything"
    );

    // The badge: revoked, its documents gone; the status list still says revoked.
    let response = app.client.get(&credential_url).send().await.unwrap();
    assert_eq!(response.status(), 410);
    assert_eq!(response.json::<Value>().await.unwrap()["error"], "erased");
    let response = app.client.get(&assertion_url).send().await.unwrap();
    assert_eq!(response.status(), 410);
    let status_url = credential["credentialStatus"]["statusListCredential"]
        .as_str()
        .unwrap();
    let list: Value = app
        .client
        .get(status_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bits = classcode_badges::status_list::decode(
        list["credentialSubject"]["encodedList"].as_str().unwrap(),
    )
    .unwrap();
    let index: usize = credential["credentialStatus"]["statusListIndex"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(classcode_badges::status_list::is_set(&bits, index).unwrap());
    let listed: Vec<Value> = app
        .admin_get("/api/admin/badges")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["standing"], "revoked");

    // The audit log says what was done, never to whom.
    let audit: Value = app
        .admin_get("/api/admin/audit")
        .await
        .json()
        .await
        .unwrap();
    let entries = audit.as_array().unwrap();
    let erasure = entries
        .iter()
        .find(|entry| entry["action"] == "learner.erase")
        .expect("the erasure is in the audit log");
    assert_eq!(erasure["target"], tenant.as_str());
    assert_eq!(erasure["details"]["removed"]["statements"], before_u1);
    assert!(
        entries
            .iter()
            .any(|entry| entry["action"] == "POST /api/admin/learners/erase"),
        "{audit}"
    );
    assert!(!audit.to_string().contains("u-1"), "{audit}");

    // Erasing again finds nothing; the learner can come back and is found again.
    let (_, again) = erase(&app, &json!({"tenant": tenant, "user": "u-1"})).await;
    assert_eq!(again["removed"]["statements"], 0);
    let page = launch_as(&app, "u-1", json!([LEARNER_ROLE]), None, json!({})).await;
    assert!(page.contains("data-session-token"));
    assert!(
        statements_of("u-1").await >= 1,
        "the returning learner's launch is recorded and found"
    );
}

#[tokio::test]
async fn erasure_requests_that_name_no_learner_are_refused_with_a_reason() {
    let app = app_with_platform().await;
    let tenant = platform_tenant(&app).await;
    for (body, status, code) in [
        (
            json!({"tenant": "nowhere", "user": "u-1"}),
            404,
            "not_found",
        ),
        (
            json!({"tenant": tenant, "user": "u-1", "agent": {"mbox": "mailto:a@example.org"}}),
            400,
            "invalid_learner",
        ),
        (json!({"tenant": tenant}), 400, "invalid_learner"),
        (
            json!({"tenant": tenant, "agent": {"name": "no identifier"}}),
            400,
            "invalid_learner",
        ),
        (
            json!({"tenant": tenant, "agent": {"account": {"homePage": app.address, "name": "hub"}}}),
            400,
            "invalid_learner",
        ),
    ] {
        let (got, answer) = erase(&app, &body).await;
        assert_eq!(got, status, "{body} → {answer}");
        assert_eq!(answer["error"], code, "{answer}");
        assert!(!answer["message"].as_str().unwrap().is_empty());
    }
    // Without the admin token: no erasure.
    let response = app
        .client
        .post(app.url("/api/admin/learners/erase"))
        .json(&json!({"tenant": tenant, "user": "u-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
