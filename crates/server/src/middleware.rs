//! The request middleware: a request id on every request and response, one span and one log line per request
//! (method, route pattern, status, latency; never the client address or query values), the HTTP metrics, and the
//! security headers of every answer.

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

/// The nonce of a page's scripts (see `routes::html`), kept in the response's extensions.
#[derive(Clone, Debug)]
pub struct ScriptNonce(pub String);

impl ScriptNonce {
    pub fn new() -> ScriptNonce {
        ScriptNonce(Uuid::new_v4().simple().to_string())
    }
}

impl Default for ScriptNonce {
    fn default() -> Self {
        ScriptNonce::new()
    }
}

/// The origin a page's form posts to outside the hub (the deep linking answer), in the response's extensions.
#[derive(Clone, Debug)]
pub struct FormTarget(pub String);

/// What the security headers depend on: whether the hub is reached over HTTPS (then browsers are told to keep to
/// it), and the origins configured to frame its pages besides the registered platforms.
#[derive(Clone, Debug)]
pub struct PagePolicy {
    pub https: bool,
    pub frame_ancestors: Vec<String>,
}

/// Security headers on every answer: no MIME sniffing, a referrer policy, HSTS behind HTTPS; and on the hub's own
/// HTML pages a Content-Security-Policy: scripts only from the hub or with the page's nonce, no plugins, no `<base>`,
/// forms posted only to the hub, a registered platform or the page's own form target (deep linking answers), and
/// framing only by the registered platforms and configured origins (LMS pages embed the player), never for the
/// admin pages.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    use actix_web::http::header::{
        CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    };
    let hub = req.app_data::<web::Data<classcode_hub::Hub>>().cloned();
    let settings = req.app_data::<web::Data<PagePolicy>>().cloned();
    let admin_page = req.path().starts_with("/admin");
    let mut res = next.call(req).await?;
    let nonce = res.response().extensions().get::<ScriptNonce>().cloned();
    let form_target = res.response().extensions().get::<FormTarget>().cloned();
    let policy = match nonce {
        Some(nonce) => {
            let platforms = match &hub {
                Some(hub) => hub.platform_origins().await,
                None => Vec::new(),
            };
            let mut ancestors = vec!["'self'".to_owned()];
            if admin_page {
                ancestors = vec!["'none'".to_owned()];
            } else {
                ancestors.extend(platforms.iter().cloned());
                if let Some(settings) = &settings {
                    ancestors.extend(settings.frame_ancestors.iter().cloned());
                }
            }
            let mut form_action = vec!["'self'".to_owned()];
            form_action.extend(platforms);
            form_action.extend(form_target.map(|target| target.0));
            Some(format!(
                "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data: https:; media-src 'self' https:; frame-src 'self' https:; \
                 connect-src 'self'; object-src 'none'; base-uri 'none'; form-action {form_action}; \
                 frame-ancestors {ancestors}",
                nonce = nonce.0,
                form_action = form_action.join(" "),
                ancestors = ancestors.join(" "),
            ))
        }
        None => None,
    };
    let headers = res.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if settings.is_some_and(|settings| settings.https) {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if let Some(policy) = policy
        && let Ok(value) = HeaderValue::from_str(&policy)
    {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    Ok(res)
}

/// The audit log of the admin API: every request that changes something (not GET or HEAD) and succeeded is recorded
/// with its route pattern and path parameters, never its body (which may carry secrets or a learner's identifier).
/// A failure to record is logged and does not undo what was done.
pub async fn audit_admin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let changes = !matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    let hub = req.app_data::<web::Data<classcode_hub::Hub>>().cloned();
    let res = next.call(req).await?;
    if changes
        && res.status().is_success()
        && let Some(hub) = hub
    {
        let request = res.request();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| request.path().to_owned());
        let params: serde_json::Map<String, serde_json::Value> = request
            .match_info()
            .iter()
            .map(|(name, value)| (name.to_owned(), serde_json::Value::from(value)))
            .collect();
        let target = params
            .values()
            .filter_map(|value| value.as_str())
            .collect::<Vec<_>>()
            .join("/");
        let details = serde_json::json!({"status": res.status().as_u16(), "params": params});
        let action = format!("{} {route}", request.method());
        let actor = request
            .extensions()
            .get::<crate::routes::admin::AdminActor>()
            .map_or_else(|| "admin-token".to_owned(), |actor| actor.0.clone());
        if let Err(err) = hub.audit(&actor, &action, &target, details).await {
            tracing::error!(error = %err, action, "could not record an admin action in the audit log");
        }
    }
    Ok(res)
}
