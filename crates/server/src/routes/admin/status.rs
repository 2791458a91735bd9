//! `/api/admin/status` (what the console's status page and `classcode status` show: version, database, outbox
//! backlog, counts and a summary of the HTTP metrics) and `/api/admin/me` (who the caller is).

use actix_web::{HttpResponse, get, web};
use classcode_hub::Hub;
use serde_json::json;

use super::AdminCaller;
use crate::error::ApiError;
use crate::metrics::Metrics;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(status).service(me);
}

#[get("/status")]
async fn status(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let hub_status = hub.admin_status().await.map_err(ApiError::Unexpected)?;
    let counts = &hub_status.counts;
    let oldest_pending_secs = counts
        .outbox_oldest_pending
        .map(|at| (chrono::Utc::now() - at).num_seconds().max(0));
    let storage = hub.storage();
    let summary = metrics.summary(storage.pool_stats(), storage.backend().as_str());
    Ok(HttpResponse::Ok().json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": metrics.uptime().as_secs(),
        "database": {
            "backend": hub_status.backend,
            "ready": hub_status.ready,
            "pending_migrations": hub_status.pending_migrations,
        },
        "pool": {"size": hub_status.pool_size, "idle": hub_status.pool_idle},
        "outbox": {
            "pending": counts.outbox_pending,
            "failed": counts.outbox_failed,
            "oldest_pending_secs": oldest_pending_secs,
        },
        "counts": {
            "tenants": counts.tenants,
            "platforms": counts.platforms,
            "statements": counts.statements,
            "certifications": counts.certifications,
            "badges_issued": counts.badges_issued,
            "badges_revoked": counts.badges_revoked,
        },
        "metrics": summary
            .into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect::<Vec<_>>(),
    })))
}

#[get("/me")]
async fn me(admin: AdminCaller) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "actor": admin.actor }))
}
