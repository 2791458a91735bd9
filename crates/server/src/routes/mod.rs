//! HTTP routes, one module per resource. Each module adds its routes with `configure`.

pub mod admin;
pub mod admin_page;
pub mod badges;
pub mod console;
pub mod dashboard;
pub mod health;
pub mod lti;
pub mod metrics;
pub mod player;
pub mod research;
pub mod xapi;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};

/// An HTML page answer, never cached (pages carry session tokens or per-person figures).
///
/// Each page gets a fresh script nonce: every `<script` tag of the page carries it, and the security-headers
/// middleware names it in the page's Content-Security-Policy, so that no other script runs. Pages write what people
/// typed escaped (`&lt;script`) and JSON inside scripts with `<` escaped, so the only `<script` text is our own.
pub(crate) fn html(status: StatusCode, body: String) -> HttpResponse {
    let nonce = crate::middleware::ScriptNonce::new();
    let body = body.replace("<script", &format!("<script nonce=\"{}\"", nonce.0));
    let mut response = HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body);
    response.extensions_mut().insert(nonce);
    response
}
