//! `Application`: opens the database, applies migrations, binds the listener and assembles the actix-web app.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::error::JsonPayloadError;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use classcode_hub::Hub;
use classcode_storage::Storage;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::middleware::{PagePolicy, observe, security_headers};
use crate::rate_limit::{Limit, Limiter, RateLimits, rate_limit};
use crate::routes;
use crate::routes::admin::AdminAuth;
use crate::routes::xapi::LrsConfig;
use crate::settings::Settings;
use classcode_xapi::XapiVersion;

/// A built application: the database is open and migrated and the listener is bound, so it accepts connections.
pub struct Application {
    address: SocketAddr,
    server: Server,
    storage: Storage,
}

impl Application {
    /// Opens the database, applies migrations (unless told not to) and binds `server.bind`.
    /// Every failure here is one message that names what to fix.
    pub async fn build(mut settings: Settings) -> anyhow::Result<Application> {
        settings.ensure_data_dir()?;
        let storage = Storage::connect(&settings.connect_options()).await?;
        if settings.database.migrate_on_start {
            let applied = storage
                .migrate_up()
                .await
                .context("applying database migrations")?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied migrations");
            }
        }
        let listener = TcpListener::bind(settings.server.bind).with_context(|| {
            format!(
                "cannot listen on {} (choose another address with --bind or server.bind)",
                settings.server.bind
            )
        })?;
        let address = listener.local_addr().context("reading the bound address")?;
        // Without a configured public URL, the hub names itself by the address it really bound (port 0 included).
        settings.server.bind = address;
        let hub = Hub::new(storage.clone(), settings.hub_settings(true)?)
            .context("starting the use cases")?;
        // The demo needs the content tables: with migrations pending (not applied at start), it waits for the next
        // start after `classcode migrate`.
        let migrations_current = storage
            .pending_migrations()
            .await
            .map(|pending| pending.is_empty())
            .unwrap_or(false);
        if settings.content.load_demo
            && migrations_current
            && let Some(report) = hub
                .import_demo_if_empty()
                .await
                .map_err(|err| anyhow::anyhow!("importing the demo catalog: {err}"))?
        {
            tracing::info!(
                packages = report.imported.len(),
                "imported the demo catalog"
            );
        }
        let server = build_server(listener, &settings, hub)?;
        tracing::info!(
            address = %address,
            backend = storage.backend().as_str(),
            version = env!("CARGO_PKG_VERSION"),
            "listening"
        );
        Ok(Application {
            address,
            server,
            storage,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A handle to stop the server from elsewhere (tests; SIGTERM is handled by the server itself).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT or a stop through the handle, lets accepted requests complete (within
    /// `server.shutdown_timeout_secs`), then closes the database pool.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.storage.close().await;
        tracing::info!("stopped");
        result
    }
}

fn build_server(listener: TcpListener, settings: &Settings, hub: Hub) -> anyhow::Result<Server> {
    let hub = web::Data::new(hub);
    let metrics = web::Data::new(Metrics::new().context("setting up metrics")?);
    let admin_auth = web::Data::new(AdminAuth {
        token: settings.admin.api_token.clone(),
    });
    let max_body_bytes = settings.server.max_body_bytes;
    let lrs_config = web::Data::new(LrsConfig {
        path: settings.lrs.path.clone(),
        default_version: XapiVersion::parse(&settings.lrs.default_version)
            .unwrap_or(XapiVersion::V2_0),
        max_body_bytes,
    });
    let lrs_path = settings.lrs.path.clone();
    let page_policy = web::Data::new(PagePolicy {
        https: settings.effective_public_url().starts_with("https://"),
        frame_ancestors: settings.security.frame_ancestors.clone(),
    });
    let limits = web::Data::new(RateLimits {
        per_address: Limiter::new(Limit {
            per_sec: settings.limits.per_address_per_sec,
            burst: settings.limits.per_address_burst,
        }),
        per_credential: Limiter::new(Limit {
            per_sec: settings.limits.per_credential_per_sec,
            burst: settings.limits.per_credential_burst,
        }),
        trust_forwarded_for: settings.limits.trust_forwarded_for,
    });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(hub.clone())
            .app_data(metrics.clone())
            .app_data(admin_auth.clone())
            .app_data(lrs_config.clone())
            .app_data(json_config(max_body_bytes))
            .app_data(web::PayloadConfig::new(max_body_bytes))
            .app_data(page_policy.clone())
            .app_data(limits.clone())
            .wrap(from_fn(rate_limit))
            .wrap(from_fn(security_headers))
            .wrap(from_fn(observe))
            .configure(routes::health::configure)
            .configure(routes::metrics::configure)
            .configure(routes::admin::configure)
            .configure(routes::lti::configure)
            .configure(routes::badges::configure)
            .configure(routes::research::configure)
            .configure(routes::dashboard::configure)
            .configure(routes::admin_page::configure)
            .configure(routes::console::configure)
            .configure(routes::player::configure)
            .configure(|cfg| routes::xapi::configure(cfg, &lrs_path))
            .default_service(web::to(not_found))
    })
    .shutdown_timeout(settings.server.shutdown_timeout_secs)
    .client_request_timeout(Duration::from_secs(30));
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    Ok(server
        .listen(listener)
        .context("starting the HTTP server")?
        .run())
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::PayloadTooLarge(
            format!("the body is larger than the {limit} bytes this hub accepts"),
        ),
        JsonPayloadError::ContentType => ApiError::bad_request(
            "unsupported_content_type",
            "send the body as Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(inner) => {
            ApiError::bad_request("invalid_json", inner.to_string())
        }
        other => ApiError::bad_request("invalid_body", other.to_string()),
    }
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "nothing at {} {}",
        req.method(),
        req.path()
    )))
}
