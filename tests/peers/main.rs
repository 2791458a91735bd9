//! Software written by others, driven against the real hub: the xAPI client libraries npm `@xapi/xapi` (xAPI.js)
//! and PyPI `tincan` (TinCanPython), an LTI platform built on PyPI `lti1p3platform`, and headless Chromium with
//! `axe-core` for the player. Each script asserts every answer it gets and prints a summary line; these tests run
//! it against a fresh hub and check its verdict.
//!
//! Needs `npm ci` in `tests/peers/xapi-js` and `tests/peers/browser`, Debian `chromium`, and `pip install -r` the
//! `requirements.txt` of `tests/peers/tincan` and `tests/peers/lti` (into the Python named by
//! `CLASSCODE_PEERS_PYTHON`, default `python3`); run with `cargo test --features peers --test peers`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on what it did not expect"
)]

use std::path::Path;

use classcode_test_support::spawn_app;
use tokio::process::Command;

/// Runs a peer script with `envs` and checks its verdict: it exits 0 and its summary line (starting with
/// `summary_prefix`) reports some checks passed and none failed. The script's output is shown with `--nocapture`.
async fn run_script(program: &str, script: &Path, envs: &[(&str, &str)], summary_prefix: &str) {
    let output = Command::new(program)
        .arg(script)
        .envs(envs.iter().copied())
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {program} (is it installed?): {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    let summary = stdout
        .lines()
        .find(|line| line.starts_with(summary_prefix))
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}\n{stderr}"));
    assert!(
        output.status.success()
            && summary.ends_with(" 0 failed")
            && !summary.contains(": 0 passed"),
        "{program} {}: {summary}\n{stdout}\n{stderr}",
        script.display()
    );
}

/// An xAPI client library's script against a fresh LRS credential.
async fn run_peer(program: &str, script: &Path, summary_prefix: &str) {
    let app = spawn_app().await;
    let lrs = app.lrs_client("peers", &["all"]).await;
    let endpoint = format!("{}/", lrs.base);
    run_script(
        program,
        script,
        &[
            ("LRS_ENDPOINT", &endpoint),
            ("LRS_KEY", &lrs.key),
            ("LRS_SECRET", &lrs.secret),
        ],
        summary_prefix,
    )
    .await;
}

fn peers_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/peers"))
}

#[tokio::test]
async fn xapi_js_stores_pages_voids_and_keeps_state() {
    assert!(
        peers_dir().join("xapi-js/node_modules/@xapi/xapi").exists(),
        "run `npm ci` in tests/peers/xapi-js first"
    );
    run_peer("node", &peers_dir().join("xapi-js/clients.mjs"), "xapi-js:").await;
}

#[tokio::test]
async fn tincan_python_stores_pages_voids_and_keeps_state() {
    let python = std::env::var("CLASSCODE_PEERS_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run_peer(&python, &peers_dir().join("tincan/clients.py"), "tincan:").await;
}

#[tokio::test]
async fn lti_platform_round_trip_with_lti1p3platform() {
    // Fast outbox retries so the platform's two forced 503s are retried within the driver's wait.
    let app = classcode_test_support::spawn_app_with(|settings| {
        settings.lti.outbox_poll_ms = 100;
        settings.lti.outbox_retry_base_ms = 300;
    })
    .await;
    let python = std::env::var("CLASSCODE_PEERS_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run_script(
        &python,
        &peers_dir().join("lti/roundtrip.py"),
        &[
            ("HUB_URL", &app.address),
            ("ADMIN_TOKEN", classcode_test_support::ADMIN_TOKEN),
        ],
        "lti-platform:",
    )
    .await;
}

#[tokio::test]
async fn player_pages_pass_axe_core_in_headless_chromium() {
    assert!(
        peers_dir().join("browser/node_modules/axe-core").exists(),
        "run `npm ci` in tests/peers/browser first"
    );
    let app = classcode_test_support::lti::app_with_platform().await;
    let page = classcode_test_support::lti::launch_learner(&app).await;
    let session = classcode_test_support::lti::attribute(&page, "data-session-token").to_owned();
    run_script(
        "node",
        &peers_dir().join("browser/player.mjs"),
        &[("HUB_URL", &app.address), ("SESSION", &session)],
        "browser:",
    )
    .await;
}

#[tokio::test]
async fn player_tracking_survives_an_offline_period_in_headless_chromium() {
    assert!(
        peers_dir()
            .join("browser/node_modules/playwright-core")
            .exists(),
        "run `npm ci` in tests/peers/browser first"
    );
    // Chromium does the whole launch: the LMS's login initiation, the hub's redirect to the platform, the
    // platform's form post of the id_token, the launch page, then the player.
    use classcode_test_support::lti::{app_with_platform_at, login_url, serve_authorization};
    let authorization = serve_authorization("fr.classcode.information").await;
    let app = app_with_platform_at(&authorization).await;
    run_script(
        "node",
        &peers_dir().join("browser/tracking.mjs"),
        &[("HUB_URL", &app.address), ("LOGIN_URL", &login_url(&app))],
        "tracking:",
    )
    .await;
}

#[tokio::test]
async fn a_cmi5_course_runs_its_aus_in_headless_chromium() {
    use classcode_test_support::lti::{
        CMI5_SAMPLE, app_with_platform, attribute, launch_learner_into, upload_package, zip_folder,
    };
    assert!(
        peers_dir()
            .join("browser/node_modules/playwright-core")
            .exists(),
        "run `npm ci` in tests/peers/browser first"
    );
    let app = app_with_platform().await;
    let (status, report) = upload_package(&app, zip_folder(Path::new(CMI5_SAMPLE), None)).await;
    assert_eq!(status, 200, "{report}");
    let label = report["imported"][0].as_str().unwrap();
    let content_id = label.split_once('@').unwrap().0;
    let page = launch_learner_into(&app, content_id, None).await;
    run_script(
        "node",
        &peers_dir().join("browser/cmi5.mjs"),
        &[
            ("HUB_URL", &app.address),
            ("SESSION", attribute(&page, "data-session-token")),
            ("REGISTRATION", attribute(&page, "data-xapi-registration")),
        ],
        "cmi5-browser:",
    )
    .await;
}

/// A hub with one standing badge and one revoked one (the first, superseded when it was re-issued): the URLs the
/// badge verifiers get.
async fn hub_with_badges() -> (classcode_test_support::TestApp, Vec<(&'static str, String)>) {
    use classcode_test_support::lti::{app_with_platform, certify_learner};
    let app = app_with_platform().await;
    certify_learner(&app).await;
    let listed: Vec<serde_json::Value> = app
        .admin_get("/api/admin/badges")
        .await
        .json()
        .await
        .unwrap();
    let first = listed[0].clone();
    let reissued: serde_json::Value = app
        .admin_post(
            &format!(
                "/api/admin/badges/{}/reissue",
                first["id"].as_str().unwrap()
            ),
            &serde_json::json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let url = |badge: &serde_json::Value, key: &str| badge[key].as_str().unwrap().to_owned();
    let envs = vec![
        ("OB2_ASSERTION_URL", url(&reissued, "ob2_assertion")),
        ("OB2_REVOKED_ASSERTION_URL", url(&first, "ob2_assertion")),
        ("OB2_ISSUER_URL", app.url("/ob/v2/issuer")),
        ("OB3_CREDENTIAL_URL", url(&reissued, "ob3_credential")),
        ("OB3_REVOKED_CREDENTIAL_URL", url(&first, "ob3_credential")),
    ];
    (app, envs)
}

fn venv_python(name: &str, variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
        format!("{home}/.cache/{name}/bin/python")
    })
}

#[tokio::test]
async fn open_badges_2_validator_accepts_the_hosted_assertion_and_not_tampered_or_revoked_ones() {
    let (_app, envs) = hub_with_badges().await;
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_script(
        &venv_python("classcode-ob2-venv", "CLASSCODE_OB2_PYTHON"),
        &peers_dir().join("badges/ob2.py"),
        &envs,
        "ob2:",
    )
    .await;
}

#[tokio::test]
async fn openbadgeslib_verifies_the_credential_as_jwt_and_data_integrity_and_sees_revocation() {
    let (_app, envs) = hub_with_badges().await;
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_script(
        &venv_python("classcode-badges-venv", "CLASSCODE_OB3_PYTHON"),
        &peers_dir().join("badges/ob3.py"),
        &envs,
        "ob3:",
    )
    .await;
}

#[tokio::test]
async fn digitalbazaar_vc_and_the_ob3_schema_accept_the_credential_and_see_revocation() {
    assert!(
        peers_dir()
            .join("badges/node_modules/@digitalbazaar/vc")
            .exists(),
        "run `npm ci` in tests/peers/badges first"
    );
    let (_app, envs) = hub_with_badges().await;
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_script(
        "node",
        &peers_dir().join("badges/ob3.mjs"),
        &envs,
        "ob3-js:",
    )
    .await;
}

#[tokio::test]
async fn badge_and_research_pages_pass_axe_core_in_headless_chromium() {
    assert!(
        peers_dir().join("browser/node_modules/axe-core").exists(),
        "run `npm ci` in tests/peers/browser first"
    );
    let app = classcode_test_support::lti::app_with_platform().await;
    let tenant = classcode_test_support::lti::platform_tenant(&app).await;
    let study = app
        .admin_post(
            "/api/admin/research/studies",
            &serde_json::json!({"name": "usages", "team": "Laboratoire d'éducation", "purpose": "Comprendre les parcours",
                    "legal_basis": "mission d'intérêt public", "scope": {"tenants": [tenant]},
                    "retention_until": "2030-12-31"}),
        )
        .await;
    assert_eq!(study.status(), 201);
    let page = classcode_test_support::lti::certify_learner(&app).await;
    let session = classcode_test_support::lti::attribute(&page, "data-session-token").to_owned();
    run_script(
        "node",
        &peers_dir().join("browser/badges.mjs"),
        &[("HUB_URL", &app.address), ("SESSION", &session)],
        "badges-browser:",
    )
    .await;
}

#[tokio::test]
async fn the_class_dashboard_passes_axe_core_in_headless_chromium() {
    use classcode_test_support::lti::{
        INSTRUCTOR_ROLE, LEARNER_ROLE, app_with_platform, attribute, complete_required_activities,
        launch_as,
    };
    assert!(
        peers_dir().join("browser/node_modules/axe-core").exists(),
        "run `npm ci` in tests/peers/browser first"
    );
    let app = app_with_platform().await;
    for learner in ["u-1", "u-2"] {
        let page = launch_as(
            &app,
            learner,
            serde_json::json!([LEARNER_ROLE]),
            Some("c-1"),
            serde_json::json!({}),
        )
        .await;
        if learner == "u-1" {
            complete_required_activities(&app, attribute(&page, "data-session-token")).await;
        }
    }
    let teacher = launch_as(
        &app,
        "t-1",
        serde_json::json!([INSTRUCTOR_ROLE]),
        Some("c-1"),
        serde_json::json!({}),
    )
    .await;
    run_script(
        "node",
        &peers_dir().join("browser/dashboard.mjs"),
        &[
            ("HUB_URL", &app.address),
            ("SESSION", attribute(&teacher, "data-session-token")),
            ("ADMIN_TOKEN", classcode_test_support::ADMIN_TOKEN),
        ],
        "dashboard-browser:",
    )
    .await;
}

/// Starts the OpenID Connect provider of `tests/peers/oidc` (npm `oidc-provider`) on `port`, for a client whose
/// redirect URI is `redirect_uri`, and waits for its "listening" line. The child dies with the handle.
async fn start_oidc_provider(port: u16, redirect_uri: &str) -> tokio::process::Child {
    use tokio::io::AsyncBufReadExt;
    let mut child = Command::new("node")
        .arg(peers_dir().join("oidc/provider.mjs"))
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENT_ID", "classcode-hub")
        .env("OIDC_CLIENT_SECRET", "hub-secret-for-tests")
        .env("OIDC_REDIRECT_URI", redirect_uri)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs tests/peers/oidc/provider.mjs");
    let stdout = child.stdout.take().expect("the provider's stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the provider starts within 30 s")
        .expect("the provider's output")
        .expect("a line from the provider");
    assert!(line.starts_with("oidc-provider listening on"), "{line}");
    child
}

#[tokio::test]
async fn the_admin_console_signs_in_through_oidc_provider_imports_a_package_and_revokes_a_badge() {
    use classcode_test_support::lti::{
        CMI5_SAMPLE, app_with_platform_configured, certify_learner, zip_folder,
    };
    assert!(
        peers_dir().join("browser/node_modules/axe-core").exists(),
        "run `npm ci` in tests/peers/browser first"
    );
    assert!(
        peers_dir().join("oidc/node_modules/oidc-provider").exists(),
        "run `npm ci` in tests/peers/oidc first"
    );
    // The provider's port is chosen before the hub starts: the hub's settings name its issuer.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let app = app_with_platform_configured("https://lms.example.org/auth", |settings| {
        let oidc = &mut settings.admin.oidc;
        oidc.issuer_url = issuer.clone();
        oidc.client_id = "classcode-hub".to_owned();
        oidc.client_secret = classcode_server::settings::Secret::new("hub-secret-for-tests");
        oidc.scopes = ["openid", "profile", "email", "roles"]
            .map(str::to_owned)
            .to_vec();
        oidc.label = "le fournisseur de test".to_owned();
    })
    .await;
    let _provider = start_oidc_provider(port, &app.url("/admin/oidc/callback")).await;
    certify_learner(&app).await;
    let badges: Vec<serde_json::Value> = app
        .admin_get("/api/admin/badges")
        .await
        .json()
        .await
        .unwrap();
    let badge_id = badges[0]["id"].as_str().unwrap().to_owned();
    let packages = std::env::temp_dir().join(format!("classcode-console-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&packages).unwrap();
    let good = packages.join("compter-en-binaire.zip");
    let bad = packages.join("broken.zip");
    std::fs::write(&good, zip_folder(std::path::Path::new(CMI5_SAMPLE), None)).unwrap();
    std::fs::write(
        &bad,
        zip_folder(
            std::path::Path::new(CMI5_SAMPLE),
            Some(("<courseStructure", "<courseStructur")),
        ),
    )
    .unwrap();

    run_script(
        "node",
        &peers_dir().join("browser/console.mjs"),
        &[
            ("HUB", &app.address),
            ("CONTENT_ZIP", good.to_str().unwrap()),
            ("BAD_ZIP", bad.to_str().unwrap()),
            ("BADGE_ID", &badge_id),
        ],
        "console:",
    )
    .await;
    std::fs::remove_dir_all(&packages).ok();

    let badge: serde_json::Value = app
        .admin_get("/api/admin/badges")
        .await
        .json::<Vec<serde_json::Value>>()
        .await
        .unwrap()
        .into_iter()
        .find(|badge| badge["id"] == badge_id.as_str())
        .unwrap();
    assert!(
        badge["revoked_at"].is_string(),
        "the browser revoked the badge: {badge}"
    );
}
