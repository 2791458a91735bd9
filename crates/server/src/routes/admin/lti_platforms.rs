//! `/api/admin/lti/…`: platform registrations (add, list, disable, enable, add a deployment), the tool's URLs and
//! a platform's outbox, as `classcode lti` does; the tool's signing keys (listed and rotated, as `classcode keys`).

use actix_web::{HttpResponse, get, post, web};
use classcode_hub::Hub;
use classcode_hub::lti::{ManualRegistration, PlatformError};
use serde::Deserialize;

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(add_platform)
        .service(list_platforms)
        .service(set_enabled)
        .service(add_deployment)
        .service(tool_info)
        .service(tool_keys)
        .service(rotate_tool_key);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddPlatformRequest {
    #[serde(default)]
    tenant: Option<String>,
    issuer: String,
    client_id: String,
    auth_url: String,
    token_url: String,
    jwks_url: String,
    #[serde(default)]
    deployment_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnabledRequest {
    enabled: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentRequest {
    deployment_id: String,
}

fn platform_error(err: PlatformError) -> ApiError {
    match err {
        PlatformError::BadUrl { .. } | PlatformError::Empty(_) => {
            ApiError::bad_request("invalid_registration", err.to_string())
        }
        PlatformError::UnknownTenant(_) | PlatformError::UnknownPlatform(_) => {
            ApiError::NotFound(err.to_string())
        }
        PlatformError::AlreadyRegistered { .. } => ApiError::Conflict(err.to_string()),
        PlatformError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

#[tracing::instrument(skip_all)]
#[post("/lti/platforms")]
async fn add_platform(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    body: web::Json<AddPlatformRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let platform = hub
        .register_platform(ManualRegistration {
            tenant: body.tenant,
            issuer: body.issuer,
            client_id: body.client_id,
            auth_url: body.auth_url,
            token_url: body.token_url,
            jwks_url: body.jwks_url,
            deployment_ids: body.deployment_ids,
        })
        .await
        .map_err(platform_error)?;
    Ok(HttpResponse::Created().json(platform))
}

#[tracing::instrument(skip_all)]
#[get("/lti/platforms")]
async fn list_platforms(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let platforms = hub.list_platforms().await.map_err(platform_error)?;
    Ok(HttpResponse::Ok().json(platforms))
}

#[tracing::instrument(skip_all)]
#[post("/lti/platforms/{id}/enabled")]
async fn set_enabled(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    id: web::Path<String>,
    body: web::Json<EnabledRequest>,
) -> Result<HttpResponse, ApiError> {
    hub.set_platform_enabled(&id, body.enabled)
        .await
        .map_err(platform_error)?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(skip_all)]
#[post("/lti/platforms/{id}/deployments")]
async fn add_deployment(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    id: web::Path<String>,
    body: web::Json<DeploymentRequest>,
) -> Result<HttpResponse, ApiError> {
    hub.add_deployment(&id, &body.deployment_id)
        .await
        .map_err(platform_error)?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(skip_all)]
#[get("/lti/tool")]
async fn tool_info(_admin: AdminCaller, hub: web::Data<Hub>) -> HttpResponse {
    HttpResponse::Ok().json(hub.tool_urls())
}

/// The tool's public keys (its JWKS): the current key and the replaced ones still published.
#[get("/lti/keys")]
async fn tool_keys(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(hub.tool_jwks().await.map_err(ApiError::Unexpected)?))
}

#[tracing::instrument(skip_all)]
#[post("/lti/keys/rotate")]
async fn rotate_tool_key(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let kid = hub.rotate_tool_key().await.map_err(ApiError::Unexpected)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "kid": kid })))
}
