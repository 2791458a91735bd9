//! `/api/admin/tenants`: create and list tenants.

use actix_web::{HttpResponse, get, post, web};
use classcode_hub::{CreateTenantError, Hub};
use classcode_storage::Tenant;
use serde::{Deserialize, Serialize};

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_tenant).service(list_tenants);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTenantRequest {
    name: String,
    display_name: String,
}

#[derive(Serialize)]
struct TenantResponse {
    id: String,
    name: String,
    display_name: String,
    created_at: String,
    disabled: bool,
}

impl From<Tenant> for TenantResponse {
    fn from(tenant: Tenant) -> Self {
        TenantResponse {
            id: tenant.id.to_string(),
            name: tenant.name,
            display_name: tenant.display_name,
            created_at: tenant.created_at.to_rfc3339(),
            disabled: tenant.disabled_at.is_some(),
        }
    }
}

#[tracing::instrument(skip_all)]
#[post("/tenants")]
async fn create_tenant(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    body: web::Json<CreateTenantRequest>,
) -> Result<HttpResponse, ApiError> {
    let tenant = hub
        .create_tenant(&body.name, &body.display_name)
        .await
        .map_err(|err| match err {
            CreateTenantError::InvalidName(_) => {
                ApiError::bad_request("invalid_name", err.to_string())
            }
            CreateTenantError::InvalidDisplayName => {
                ApiError::bad_request("invalid_display_name", err.to_string())
            }
            CreateTenantError::NameTaken(_) => ApiError::Conflict(err.to_string()),
            CreateTenantError::Unexpected(inner) => ApiError::Unexpected(inner),
        })?;
    Ok(HttpResponse::Created().json(TenantResponse::from(tenant)))
}

#[tracing::instrument(skip_all)]
#[get("/tenants")]
async fn list_tenants(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    let tenants = hub.list_tenants().await?;
    let body: Vec<TenantResponse> = tenants.into_iter().map(TenantResponse::from).collect();
    Ok(HttpResponse::Ok().json(body))
}
