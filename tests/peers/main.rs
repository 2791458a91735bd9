//! xAPI client libraries written by others, driven against the real LRS: npm `@xapi/xapi` (xAPI.js) and PyPI
//! `tincan` (TinCanPython). Each script stores, queries with paging, voids and uses State documents, and asserts
//! every answer; this test runs it against a fresh hub and checks its verdict.
//!
//! Needs `npm ci` in `tests/peers/xapi-js` and `pip install -r tests/peers/tincan/requirements.txt` (into the
//! Python named by `CLASSCODE_PEERS_PYTHON`, default `python3`); run with `cargo test --features peers --test peers`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on what it did not expect"
)]

use std::path::Path;

use classcode_test_support::spawn_app;
use tokio::process::Command;

async fn run_peer(program: &str, script: &Path, summary_prefix: &str) {
    let app = spawn_app().await;
    let lrs = app.lrs_client("peers", &["all"]).await;
    let output = Command::new(program)
        .arg(script)
        .env("LRS_ENDPOINT", format!("{}/", lrs.base))
        .env("LRS_KEY", &lrs.key)
        .env("LRS_SECRET", &lrs.secret)
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {program} (is it installed?): {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{program} {} failed:\n{stdout}\n{stderr}",
        script.display()
    );
    let summary = stdout
        .lines()
        .find(|line| line.starts_with(summary_prefix))
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    assert!(
        summary.ends_with(" 0 failed") && !summary.contains(": 0 passed"),
        "{summary}"
    );
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
    let script = peers_dir().join("lti/roundtrip.py");
    let output = Command::new(&python)
        .arg(&script)
        .env("HUB_URL", &app.address)
        .env("ADMIN_TOKEN", classcode_test_support::ADMIN_TOKEN)
        .output()
        .await
        .unwrap_or_else(|err| panic!("cannot run {python} (is it installed?): {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary = stdout
        .lines()
        .find(|line| line.starts_with("lti-platform:"))
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}\n{stderr}"));
    assert!(
        output.status.success()
            && summary.ends_with(" 0 failed")
            && !summary.contains(": 0 passed"),
        "{summary}\n{stdout}\n{stderr}"
    );
}
