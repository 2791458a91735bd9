//! The admin HTTP API under `/api/admin`, guarded by the `admin.api_token` bearer token; every change it makes is
//! recorded in the audit log (`middleware::audit_admin`).

mod auth;
mod badges;
mod certifications;
mod content;
pub(crate) mod dashboard;
mod learners;
mod lrs_credentials;
mod lti_platforms;
mod research;
mod tenants;

use actix_web::middleware::from_fn;
use actix_web::web;

pub use auth::{AdminAuth, AdminCaller, check_token};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/admin")
            .wrap(from_fn(crate::middleware::audit_admin))
            .configure(tenants::configure)
            .configure(content::configure)
            .configure(certifications::configure)
            .configure(dashboard::configure)
            .configure(badges::configure)
            .configure(lrs_credentials::configure)
            .configure(lti_platforms::configure)
            .configure(research::configure)
            .configure(learners::configure),
    );
}
