//! `/healthz` (the process answers) and `/readyz` (the database answers and its schema is current).

use actix_web::{HttpResponse, get, web};
use classcode_hub::Hub;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

#[tracing::instrument(skip_all)]
#[get("/readyz")]
async fn readyz(hub: web::Data<Hub>) -> HttpResponse {
    let readiness = hub.readiness().await;
    let status = if readiness.is_ready() {
        "ready"
    } else {
        "not_ready"
    };
    let body = json!({ "status": status, "checks": readiness });
    if readiness.is_ready() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
