//! The admin HTTP API under `/api/admin`, for scripts (the `admin.api_token` bearer token) and the admin console
//! (a session cookie with its CSRF token); every change it makes is recorded in the audit log, with who made it
//! (`middleware::audit_admin`).

mod admins;
mod auth;
mod badges;
mod certifications;
mod content;
pub(crate) mod dashboard;
mod learners;
mod lrs_credentials;
mod lti_platforms;
mod research;
mod status;
mod tenants;

use actix_web::middleware::from_fn;
use actix_web::web;

pub use auth::{AdminActor, AdminAuth, AdminCaller, check_token};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/admin")
            .wrap(from_fn(crate::middleware::audit_admin))
            .configure(admins::configure)
            .configure(tenants::configure)
            .configure(content::configure)
            .configure(certifications::configure)
            .configure(dashboard::configure)
            .configure(badges::configure)
            .configure(lrs_credentials::configure)
            .configure(lti_platforms::configure)
            .configure(research::configure)
            .configure(learners::configure)
            .configure(status::configure),
    );
}
