//! Dev-only helpers: spawn the real application on `127.0.0.1:0` against a fresh database per test.
//!
//! The backend is SQLite unless `CLASSCODE_TEST_PG_URL` is set. Logs stay hidden unless `TEST_LOG=1`.

#![forbid(unsafe_code)]
#![allow(
    clippy::expect_used,
    reason = "test helpers fail the test loudly, which is what a test wants"
)]
#![allow(
    clippy::field_reassign_with_default,
    reason = "tests read better as the defaults plus a list of changes"
)]

pub mod lti;

use actix_web::dev::ServerHandle;
use anyhow::Context;
use classcode_server::settings::{LogFormat, LogSettings, Secret};
use classcode_server::{Application, Settings, telemetry};
pub use classcode_storage::Backend;
use classcode_storage::test_db::TestDatabase;
use serde_json::Value;

/// The admin token every test app is configured with.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A running application and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub address: String,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub database: TestDatabase,
    handle: ServerHandle,
}

/// Spawns the application with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the application after `configure` has adjusted the settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    try_spawn_app_with(configure)
        .await
        .expect("the test application starts")
}

async fn try_spawn_app_with(configure: impl FnOnce(&mut Settings)) -> anyhow::Result<TestApp> {
    init_test_logging();
    let database = TestDatabase::create().await?;
    let mut settings = test_settings(&database);
    configure(&mut settings);
    let application = Application::build(settings).await?;
    let address = format!("http://{}", application.address());
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")?;
    Ok(TestApp {
        address,
        client,
        backend: database.backend,
        database,
        handle,
    })
}

/// Settings for a test application on `database`: port 0, two workers, small pool, an admin token.
pub fn test_settings(database: &TestDatabase) -> Settings {
    let mut settings = Settings::default();
    settings.data_dir = database.dir.join("data");
    settings.server.bind = "127.0.0.1:0".parse().expect("valid address");
    settings.server.workers = 2;
    settings.server.shutdown_timeout_secs = 5;
    settings.database.url = classcode_server::settings::DatabaseUrl::new(database.url.clone());
    settings.database.max_connections = 5;
    settings.database.min_connections = 0;
    settings.database.sqlite_synchronous = classcode_storage::SqliteSync::Normal;
    settings.admin.api_token = Secret::new(ADMIN_TOKEN);
    // Tests run aggregation passes themselves (`POST /api/admin/dashboard/refresh`), never in the background.
    settings.dashboard.aggregate_every_secs = 86_400;
    // Tests send bursts from one address; the rate limits have tests of their own that turn them on.
    settings.limits.per_address_per_sec = 0.0;
    settings.limits.per_credential_per_sec = 0.0;
    settings
}

fn init_test_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        telemetry::init(&LogSettings {
            format: LogFormat::Text,
            level: "debug".to_owned(),
        });
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET is sent")
    }

    /// POSTs JSON to an admin endpoint with the admin token.
    pub async fn admin_post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .json(body)
            .send()
            .await
            .expect("POST is sent")
    }

    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("GET is sent")
    }

    /// Creates a tenant through the admin API and returns its JSON.
    pub async fn create_tenant(&self, name: &str) -> Value {
        let response = self
            .admin_post(
                "/api/admin/tenants",
                &serde_json::json!({ "name": name, "display_name": format!("Tenant {name}") }),
            )
            .await;
        assert_eq!(response.status(), 201, "creating tenant {name}");
        response.json().await.expect("tenant JSON")
    }

    /// Creates a tenant and an LRS credential with these scopes on it.
    pub async fn lrs_client(&self, tenant: &str, scopes: &[&str]) -> LrsClient {
        if !self.tenant_exists(tenant).await {
            self.create_tenant(tenant).await;
        }
        let response = self
            .admin_post(
                &format!("/api/admin/tenants/{tenant}/lrs-credentials"),
                &serde_json::json!({ "name": "e2e", "scopes": scopes }),
            )
            .await;
        assert_eq!(response.status(), 201, "creating an LRS credential");
        let created: Value = response.json().await.expect("credential JSON");
        LrsClient {
            base: self.url("/xapi"),
            client: self.client.clone(),
            key: created["key"].as_str().expect("key").to_owned(),
            secret: created["secret"].as_str().expect("secret").to_owned(),
            version: "2.0.0".to_owned(),
        }
    }

    async fn tenant_exists(&self, tenant: &str) -> bool {
        let listed: Value = self
            .admin_get("/api/admin/tenants")
            .await
            .json()
            .await
            .expect("tenants JSON");
        listed
            .as_array()
            .is_some_and(|tenants| tenants.iter().any(|t| t["name"] == tenant))
    }

    /// A handle to stop the server, e.g. from another task.
    pub fn stop_handle(&self) -> ServerHandle {
        self.handle.clone()
    }

    /// Stops the server gracefully and waits until it has stopped.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// An xAPI client of the embedded LRS with its credentials and version.
#[derive(Clone)]
pub struct LrsClient {
    pub base: String,
    pub client: reqwest::Client,
    pub key: String,
    pub secret: String,
    pub version: String,
}

impl LrsClient {
    /// The same credentials speaking another xAPI version.
    pub fn with_version(&self, version: &str) -> LrsClient {
        LrsClient {
            version: version.to_owned(),
            ..self.clone()
        }
    }

    /// A request to `path` (relative to `/xapi`) with credentials and version header.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
            .basic_auth(&self.key, Some(&self.secret))
            .header("X-Experience-API-Version", &self.version)
    }

    pub async fn post_statements(&self, body: &Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, "/statements")
            .json(body)
            .send()
            .await
            .expect("POST statements is sent")
    }

    /// Stores statements and returns their ids, failing the test on any other answer than 200.
    pub async fn store(&self, body: &Value) -> Vec<String> {
        let response = self.post_statements(body).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, 200, "storing statements: {text}");
        serde_json::from_str(&text).expect("ids JSON")
    }

    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path_and_query)
            .send()
            .await
            .expect("GET is sent")
    }

    /// GETs JSON, failing the test on any other answer than 200.
    pub async fn get_json(&self, path_and_query: &str) -> Value {
        let response = self.get(path_and_query).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, 200, "GET {path_and_query}: {text}");
        serde_json::from_str(&text).expect("JSON body")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; the returned future only waits for completion.
        drop(self.handle.stop(false));
    }
}
