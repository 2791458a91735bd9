//! The request middleware: a request id on every request and response, one span and one log line per request
//! (method, route pattern, status, latency; never the client address or query values), and the HTTP metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;
use uuid::Uuid;

use crate::metrics::Metrics;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, in the request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct RequestId(pub Uuid);

/// Reuses a caller's `X-Request-Id` when it is a UUID (so a proxy's id follows the request), else mints one.
fn request_id_of(req: &ServiceRequest) -> Uuid {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::now_v7)
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let request_id = request_id_of(&req);
    req.extensions_mut().insert(RequestId(request_id));
    let method = req.method().to_string();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!(
        "http_request",
        method = %method,
        route = tracing::field::Empty,
        request_id = %request_id,
        status = tracing::field::Empty,
    );
    if let Some(metrics) = &metrics {
        metrics.request_started();
    }
    let outcome = next.call(req).instrument(span.clone()).await;
    let (status, route) = match &outcome {
        Ok(res) => (
            res.status(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned()),
        ),
        Err(err) => (
            err.as_response_error().status_code(),
            "unmatched".to_owned(),
        ),
    };
    let elapsed = started.elapsed();
    span.record("route", route.as_str());
    span.record("status", status.as_u16());
    span.in_scope(|| {
        tracing::info!(latency_ms = elapsed.as_secs_f64() * 1000.0, "request done");
    });
    if let Some(metrics) = &metrics {
        metrics.request_finished(&method, &route, status.as_u16(), elapsed);
    }
    let mut res = outcome?;
    if let Ok(value) = HeaderValue::from_str(&request_id.to_string()) {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(res)
}
