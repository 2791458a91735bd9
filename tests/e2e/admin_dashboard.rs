//! The admin dashboard: statements, launches and active learners per day, completions and certifications per
//! module, from aggregates an aggregation pass maintains (once per statement, however many passes run); filters by
//! period and tenant; SVG charts; clear errors for a bad period or an unknown tenant.

use chrono::Utc;
use serde_json::{Value, json};

use classcode_test_support::TestApp;
use classcode_test_support::lti::{app_with_platform, certify_learner, platform_tenant};

async fn figures(app: &TestApp, query: &str) -> Value {
    let response = app.admin_get(&format!("/api/admin/dashboard{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_admin_dashboard_counts_each_statement_once_per_day_and_tenant() {
    let app = app_with_platform().await;
    let tenant = platform_tenant(&app).await;
    certify_learner(&app).await;
    // Two statements of another learner, three days ago, straight into the LRS.
    let lrs = app.lrs_client(&tenant, &["all"]).await;
    let three_days_ago = (Utc::now() - chrono::Duration::days(3))
        .format("%Y-%m-%dT10:00:00Z")
        .to_string();
    let day = &three_days_ago[..10];
    lrs.store(&json!([
        {"actor": {"mbox": "mailto:other@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
         "object": {"id": "https://elsewhere.example/a"}, "timestamp": three_days_ago},
        {"actor": {"mbox": "mailto:other@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
         "object": {"id": "https://elsewhere.example/b"}, "timestamp": three_days_ago},
    ]))
    .await;

    // Two passes: the second finds nothing new, so nothing is counted twice.
    let first = app
        .admin_post("/api/admin/dashboard/refresh", &json!({}))
        .await;
    assert_eq!(first.status(), 200);
    let counted = first.json::<Value>().await.unwrap()["statements_counted"]
        .as_u64()
        .unwrap();
    assert!(counted > 2, "{counted}");
    let second: Value = app
        .admin_post("/api/admin/dashboard/refresh", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["statements_counted"], 0);

    let all = figures(&app, "").await;
    assert_eq!(
        all["totals"]["statements"].as_u64().unwrap(),
        counted,
        "{all}"
    );
    assert_eq!(all["totals"]["launches"], 1);
    assert_eq!(
        all["totals"]["active_learners"], 2,
        "the certified learner and the other one"
    );
    assert_eq!(all["totals"]["certifications"], 1);
    assert_eq!(
        all["certifications_by_module"]["fr.classcode.information"],
        1
    );
    assert!(
        all["completions_by_module"]["fr.classcode.information"]
            .as_i64()
            .unwrap()
            > 0,
        "{all}"
    );
    assert_eq!(all["certifications_by_tenant"][&tenant], 1);
    assert_eq!(all["lrs"]["statements_not_yet_aggregated"], 0);
    assert_eq!(
        all["days"].as_array().unwrap().len(),
        30,
        "the last 30 days by default"
    );
    let that_day = all["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["day"] == day)
        .unwrap();
    assert_eq!(that_day["statements"], 2);
    assert_eq!(that_day["active_learners"], 1);

    // One day only, one tenant; an unknown tenant; a bad period.
    let one_day = figures(&app, &format!("?since={day}&until={day}&tenant={tenant}")).await;
    assert_eq!(one_day["totals"]["statements"], 2);
    assert_eq!(one_day["totals"]["launches"], 0);
    assert_eq!(one_day["totals"]["certifications"], 0);
    let unknown = app.admin_get("/api/admin/dashboard?tenant=nowhere").await;
    assert_eq!(unknown.status(), 404);
    let backwards = app
        .admin_get("/api/admin/dashboard?since=2026-02-01&until=2026-01-01")
        .await;
    assert_eq!(backwards.status(), 400);
    assert_eq!(
        backwards.json::<Value>().await.unwrap()["error"],
        "invalid_period"
    );
    let garbled = app.admin_get("/api/admin/dashboard?since=yesterday").await;
    assert_eq!(garbled.status(), 400);

    let chart = app.admin_get("/api/admin/dashboard/statements.svg").await;
    assert_eq!(chart.status(), 200);
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    assert!(chart.text().await.unwrap().contains("<svg"));
    assert_eq!(
        app.admin_get("/api/admin/dashboard/nothing.svg")
            .await
            .status(),
        404
    );
    let anonymous = app
        .client
        .get(app.url("/api/admin/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_admin_dashboard_page_asks_for_the_token_and_draws_the_figures() {
    let app = app_with_platform().await;
    certify_learner(&app).await;
    app.admin_post("/api/admin/dashboard/refresh", &json!({}))
        .await;
    let form = app
        .client
        .get(app.url("/admin/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("name=\"token\""));
    let wrong = app
        .client
        .post(app.url("/admin/dashboard"))
        .form(&[("token", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(!wrong.text().await.unwrap().contains("data-statements"));
    let page = app
        .client
        .post(app.url("/admin/dashboard"))
        .form(&[
            ("token", classcode_test_support::ADMIN_TOKEN),
            ("since", ""),
            ("tenant", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let page = page.text().await.unwrap();
    let statements: u64 = page
        .split("data-statements=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|value| value.parse().ok())
        .unwrap();
    assert!(statements > 0, "{page}");
    assert_eq!(page.matches("<svg").count(), 3, "three charts");
    assert!(
        page.contains("fr.classcode.information"),
        "completions and certifications per module"
    );
    assert!(
        !page.contains(classcode_test_support::ADMIN_TOKEN),
        "the token is never echoed"
    );
    let unknown = app
        .client
        .post(app.url("/admin/dashboard"))
        .form(&[
            ("token", classcode_test_support::ADMIN_TOKEN),
            ("tenant", "nowhere"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
