//! `/api/admin/admins`: the console's local administrators (list, create, disable or enable), as `classcode admin`
//! does. A password travels in the request body only, which the audit log never records.

use actix_web::{HttpResponse, get, post, web};
use classcode_hub::Hub;
use classcode_hub::admin::AdminAccountError;
use serde::Deserialize;

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_admins)
        .service(create_admin)
        .service(set_disabled);
}

fn account_error(err: AdminAccountError) -> ApiError {
    match err {
        AdminAccountError::Invalid(message) => ApiError::bad_request("invalid_admin", message),
        AdminAccountError::Taken(_) => ApiError::Conflict(err.to_string()),
        AdminAccountError::NotFound(_) => ApiError::NotFound(err.to_string()),
        AdminAccountError::Unexpected(err) => ApiError::Unexpected(err),
    }
}

#[get("/admins")]
async fn list_admins(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(hub.list_admins().await.map_err(ApiError::Unexpected)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateAdminRequest {
    username: String,
    #[serde(default)]
    display_name: String,
    password: String,
}

#[tracing::instrument(skip_all)]
#[post("/admins")]
async fn create_admin(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    body: web::Json<CreateAdminRequest>,
) -> Result<HttpResponse, ApiError> {
    let account = hub
        .create_admin(&body.username, &body.display_name, &body.password)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Created().json(account))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DisabledRequest {
    disabled: bool,
}

#[tracing::instrument(skip_all)]
#[post("/admins/{username}/disabled")]
async fn set_disabled(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    username: web::Path<String>,
    body: web::Json<DisabledRequest>,
) -> Result<HttpResponse, ApiError> {
    hub.set_admin_disabled(&username, body.disabled)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::NoContent().finish())
}
