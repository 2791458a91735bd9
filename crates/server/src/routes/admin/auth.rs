//! Who may call the admin API: a script with the admin bearer token (compared in constant time), or a console
//! session (its cookie, and on every change the session's CSRF token in `X-CSRF-Token`).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use classcode_hub::Hub;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::routes::console::SESSION_COOKIE;
use crate::settings::Secret;

/// The configured admin token, shared with the extractor.
#[derive(Clone, Debug)]
pub struct AdminAuth {
    pub token: Secret,
}

/// Who is acting through the admin API, as the audit log names them: `admin-token`, `local:<username>` or
/// `oidc:<subject>`. Also left in the request's extensions for the audit middleware.
#[derive(Clone, Debug)]
pub struct AdminActor(pub String);

/// Proof that the request may use the admin API; take it as a handler argument to require it.
#[derive(Debug)]
pub struct AdminCaller {
    pub actor: String,
}

impl FromRequest for AdminCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<AdminCaller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = check(&req).await?;
            req.extensions_mut()
                .insert(AdminActor(caller.actor.clone()));
            Ok(caller)
        })
    }
}

async fn check(req: &HttpRequest) -> Result<AdminCaller, ApiError> {
    let Some(auth) = req.app_data::<web::Data<AdminAuth>>() else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "AdminAuth is not registered"
        )));
    };
    if req.headers().get(header::AUTHORIZATION).is_none()
        && let Some(session) = req.cookie(SESSION_COOKIE)
    {
        return check_session(req, session.value()).await;
    }
    if auth.token.is_empty() {
        return Err(ApiError::Forbidden(
            "the admin API takes a console session here (sign in at /admin); an operator can also set \
             admin.api_token for scripts"
                .to_owned(),
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

async fn check_session(req: &HttpRequest, token: &str) -> Result<AdminCaller, ApiError> {
    let Some(hub) = req.app_data::<web::Data<Hub>>() else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "Hub is not registered"
        )));
    };
    let session = hub
        .admin_session(token)
        .await
        .map_err(ApiError::Unexpected)?
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "the console session has ended: sign in again at /admin/login".to_owned(),
            )
        })?;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let presented = req
            .headers()
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if !bool::from(presented.as_bytes().ct_eq(session.csrf_token.as_bytes())) {
            return Err(ApiError::Forbidden(
                "a change through a console session needs the session's CSRF token in X-CSRF-Token"
                    .to_owned(),
            ));
        }
    }
    Ok(AdminCaller {
        actor: session.subject,
    })
}

/// Whether a presented admin token is the configured one, in constant time (also for the admin pages' form).
pub fn check_token(auth: &AdminAuth, presented: &str) -> Result<AdminCaller, ApiError> {
    if auth.token.is_empty() {
        return Err(ApiError::Forbidden(
            "the admin API is off on this hub (an operator can set admin.api_token)".to_owned(),
        ));
    }
    if bool::from(presented.as_bytes().ct_eq(auth.token.expose().as_bytes())) {
        Ok(AdminCaller {
            actor: "admin-token".to_owned(),
        })
    } else {
        Err(ApiError::Unauthorized(
            "the admin token is wrong".to_owned(),
        ))
    }
}
