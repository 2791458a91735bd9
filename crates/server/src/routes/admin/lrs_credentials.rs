//! `/api/admin/tenants/{tenant}/lrs-credentials`: create (the secret is shown once), list and revoke LRS
//! credentials, as `classcode lrs credentials` does.

use actix_web::{HttpResponse, delete, get, post, web};
use classcode_hub::Hub;
use classcode_hub::lrs::CredentialError;
use serde::Deserialize;

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_credential)
        .service(list_credentials)
        .service(revoke_credential);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCredentialRequest {
    #[serde(default)]
    name: String,
    scopes: Vec<String>,
}

fn credential_error(err: CredentialError) -> ApiError {
    match err {
        CredentialError::UnknownTenant(_) | CredentialError::UnknownKey(_) => {
            ApiError::NotFound(err.to_string())
        }
        CredentialError::UnknownScope(_) | CredentialError::NoScope => {
            ApiError::bad_request("invalid_scopes", err.to_string())
        }
        CredentialError::BadCredentials => ApiError::Unauthorized(err.to_string()),
        CredentialError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

#[tracing::instrument(skip_all)]
#[post("/tenants/{tenant}/lrs-credentials")]
async fn create_credential(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    tenant: web::Path<String>,
    body: web::Json<CreateCredentialRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = hub
        .create_lrs_credential(&tenant, &body.name, &body.scopes)
        .await
        .map_err(credential_error)?;
    Ok(HttpResponse::Created().json(created))
}

#[tracing::instrument(skip_all)]
#[get("/tenants/{tenant}/lrs-credentials")]
async fn list_credentials(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let list = hub
        .list_lrs_credentials(Some(&tenant))
        .await
        .map_err(credential_error)?;
    Ok(HttpResponse::Ok().json(list))
}

#[tracing::instrument(skip_all)]
#[delete("/lrs-credentials/{key}")]
async fn revoke_credential(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    hub.revoke_lrs_credential(&key)
        .await
        .map_err(credential_error)?;
    Ok(HttpResponse::NoContent().finish())
}
