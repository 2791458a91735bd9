//! `/metrics` in the Prometheus text format.

use actix_web::{HttpResponse, get, web};
use classcode_hub::Hub;

use crate::metrics::Metrics;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(metrics);
}

#[get("/metrics")]
async fn metrics(metrics: web::Data<Metrics>, hub: web::Data<Hub>) -> HttpResponse {
    let storage = hub.storage();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(storage.pool_stats(), storage.backend().as_str()))
}
