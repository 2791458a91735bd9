//! `/healthz`, `/readyz`, `/metrics`, request ids, JSON errors and graceful stop.

use std::time::Duration;

use classcode_test_support::{ADMIN_TOKEN, Backend, TestApp, spawn_app, spawn_app_with};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let app = spawn_app().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn readyz_reports_the_database_ready_and_its_backend() {
    let app = spawn_app().await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    let expected_backend = match app.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["checks"]["backend"], expected_backend);
    assert_eq!(body["checks"]["pending_migrations"], serde_json::json!([]));
}

#[tokio::test]
async fn readyz_is_unavailable_while_migrations_are_pending() {
    let app = spawn_app_with(|settings| settings.database.migrate_on_start = false).await;

    let response = app.get("/readyz").await;

    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    let pending = body["checks"]["pending_migrations"].as_array().unwrap();
    assert!(!pending.is_empty(), "{body}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_show_the_pool() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/healthz").await;
    }
    app.get("/no/such/page").await;

    let response = app.get("/metrics").await;

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "Prometheus text format"
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{text}"
    );
    assert!(text.contains(r#"status="404""#), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("db_pool_max_connections{"), "{text}");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_caller_id_is_kept() {
    let app = spawn_app().await;

    let minted = app.get("/healthz").await;
    let caller_id = Uuid::now_v7().to_string();
    let kept = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", &caller_id)
        .send()
        .await
        .unwrap();

    let minted_id = minted.headers()["x-request-id"].to_str().unwrap();
    assert!(Uuid::parse_str(minted_id).is_ok(), "{minted_id}");
    assert_eq!(kept.headers()["x-request-id"].to_str().unwrap(), caller_id);
}

#[tokio::test]
async fn an_unknown_path_is_a_json_404() {
    let app = spawn_app().await;

    let response = app.get("/nothing-here").await;

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().contains("/nothing-here"));
}

#[tokio::test]
async fn a_graceful_stop_lets_a_request_in_progress_complete() {
    let app = spawn_app().await;
    let body_start = br#"{"name": "lyon", "#;
    let body_end = br#""display_name": "Lyon"}"#;
    let head = format!(
        "POST /api/admin/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body_start.len() + body_end.len()
    );
    let mut connection = TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap();
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(body_start).await.unwrap();
    // The request in progress plus the /metrics request that observes it.
    wait_until_in_flight(&app, 2).await;

    let handle = app.stop_handle();
    let stopping = tokio::spawn(async move { handle.stop(true).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !stopping.is_finished(),
        "the stop must wait for the request in progress"
    );
    connection.write_all(body_end).await.unwrap();
    let mut response = String::new();
    connection.read_to_string(&mut response).await.unwrap();

    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains(r#""name":"lyon""#), "{response}");
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .unwrap()
        .unwrap();
}

async fn wait_until_in_flight(app: &TestApp, at_least: u32) {
    for _ in 0..200 {
        let text = app.get("/metrics").await.text().await.unwrap();
        let in_flight = text
            .lines()
            .find_map(|line| line.strip_prefix("http_requests_in_flight "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        if in_flight >= f64::from(at_least) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the slow request never reached the server");
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|part| part.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
        .trim()
}

#[tokio::test]
async fn pages_carry_a_script_nonce_policy_framed_only_by_registered_platforms() {
    use classcode_test_support::lti::{
        app_with_platform_at, attribute, claims, launch, login, sign,
    };
    let app = app_with_platform_at("https://auth.lms.example.org/login").await;
    let login = login(&app).await;
    let (status, page) = launch(
        &app,
        &sign(&claims(&login.nonce)),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let session = attribute(&page, "data-session-token").to_owned();
    let response = app
        .client
        .post(app.url("/player"))
        .form(&[("session", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&response, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert_eq!(
        header(&response, "strict-transport-security"),
        "",
        "plain HTTP gets no HSTS"
    );
    let policy = header(&response, "content-security-policy");
    let body = response.text().await.unwrap();

    // Every script of the page carries the nonce the policy names, and it changes with each page.
    let script_src = directive(&policy, "script-src");
    let nonce = script_src
        .split_whitespace()
        .find_map(|source| source.strip_prefix("'nonce-"))
        .and_then(|source| source.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {policy}"));
    assert!(nonce.len() >= 32, "{nonce}");
    let scripts = body.matches("<script").count();
    assert!(scripts > 0, "the overview has scripts: {body}");
    assert_eq!(
        body.matches(&format!("<script nonce=\"{nonce}\"")).count(),
        scripts,
        "{body}"
    );
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    assert_eq!(directive(&policy, "object-src"), "'none'");
    assert_eq!(directive(&policy, "base-uri"), "'none'");

    // The LMS that registered (its issuer and login origins) may frame the player and receive its forms; no one else.
    let ancestors = directive(&policy, "frame-ancestors");
    let mut expected = vec![
        "'self'",
        "https://auth.lms.example.org",
        "https://lms.example.org",
    ];
    expected.sort_unstable();
    let mut listed: Vec<&str> = ancestors.split_whitespace().collect();
    listed.sort_unstable();
    assert_eq!(listed, expected, "{policy}");
    assert!(
        directive(&policy, "form-action").contains("https://lms.example.org"),
        "{policy}"
    );

    let again = app
        .client
        .post(app.url("/player"))
        .form(&[("session", session.as_str())])
        .send()
        .await
        .unwrap();
    assert_ne!(
        header(&again, "content-security-policy"),
        policy,
        "a fresh nonce per page"
    );

    // The admin page is never framed; JSON answers get the common headers but no page policy.
    let admin = app.get("/admin/dashboard").await;
    assert_eq!(
        directive(
            &header(&admin, "content-security-policy"),
            "frame-ancestors"
        ),
        "'none'"
    );
    let json = app.get("/healthz").await;
    assert_eq!(header(&json, "x-content-type-options"), "nosniff");
    assert_eq!(header(&json, "content-security-policy"), "");
}

#[tokio::test]
async fn a_hub_behind_https_asks_browsers_to_keep_to_it_and_configured_origins_may_frame_it() {
    let app = spawn_app_with(|settings| {
        settings.server.public_url = Some("https://hub.example.org".parse().unwrap());
        settings.security.frame_ancestors = vec!["https://*.instructure.com".to_owned()];
    })
    .await;
    let response = app.get("/healthz").await;
    assert_eq!(
        header(&response, "strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    // A public page (a badge's page): the configured origin may frame it.
    let page = app.get("/badges/fr.classcode.information").await;
    assert_eq!(page.status(), 200);
    let policy = header(&page, "content-security-policy");
    assert_eq!(
        directive(&policy, "frame-ancestors"),
        "'self' https://*.instructure.com"
    );
}

#[tokio::test]
async fn a_credential_or_an_address_over_its_rate_gets_429_with_retry_after_and_the_probes_never_do()
 {
    let app = classcode_test_support::spawn_app_with(|settings| {
        // One request back every 100 s: nothing refills while the test runs.
        settings.limits.per_credential_per_sec = 0.01;
        settings.limits.per_credential_burst = 6;
        settings.limits.per_address_per_sec = 0.01;
        settings.limits.per_address_burst = 14;
    })
    .await;
    // The set-up: five admin requests (the admin token is a credential too), from the one test address.
    app.create_tenant("lyon").await;
    let first = app.lrs_client("lyon", &["all"]).await;
    let second = app.lrs_client("lyon", &["all"]).await;
    // Six requests at once pass with one credential; the seventh is refused, with a reason and a delay.
    for _ in 0..6 {
        assert_eq!(first.get("/statements?limit=1").await.status(), 200);
    }
    let refused = first.get("/statements?limit=1").await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=100).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("credential"));
    // Another credential has its own allowance, until the address runs out of its own.
    assert_eq!(second.get("/statements?limit=1").await.status(), 200);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.get("/xapi/about").await.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let over: serde_json::Value = app.get("/xapi/about").await.json().await.unwrap();
    assert!(
        over["message"].as_str().unwrap().contains("address"),
        "{over}"
    );
    // Probes and metrics are never limited.
    for _ in 0..20 {
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/metrics").await.status(), 200);
    }
}
