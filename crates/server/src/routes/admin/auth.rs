//! The admin bearer token check, in constant time.

use std::future::{Ready, ready};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::settings::Secret;

/// The configured admin token, shared with the extractor.
#[derive(Clone, Debug)]
pub struct AdminAuth {
    pub token: Secret,
}

/// Proof that the request carries the admin token; take it as a handler argument to require it.
#[derive(Debug)]
pub struct AdminCaller;

impl FromRequest for AdminCaller {
    type Error = ApiError;
    type Future = Ready<Result<AdminCaller, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(check(req))
    }
}

fn check(req: &HttpRequest) -> Result<AdminCaller, ApiError> {
    let Some(auth) = req.app_data::<web::Data<AdminAuth>>() else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "AdminAuth is not registered"
        )));
    };
    if auth.token.is_empty() {
        return Err(ApiError::Forbidden(
            "the admin API is off on this hub (an operator can set admin.api_token)".to_owned(),
        ));
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::Unauthorized("send Authorization: Bearer <admin token>".to_owned())
        })?;
    check_token(auth, presented)
}

/// Whether a presented admin token is the configured one, in constant time (also for the admin pages' form).
pub fn check_token(auth: &AdminAuth, presented: &str) -> Result<AdminCaller, ApiError> {
    if auth.token.is_empty() {
        return Err(ApiError::Forbidden(
            "the admin API is off on this hub (an operator can set admin.api_token)".to_owned(),
        ));
    }
    if bool::from(presented.as_bytes().ct_eq(auth.token.expose().as_bytes())) {
        Ok(AdminCaller)
    } else {
        Err(ApiError::Unauthorized(
            "the admin token is wrong".to_owned(),
        ))
    }
}
