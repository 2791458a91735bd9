//! `/api/admin/certifications`: the certifications, newest first, with the statements that proved each one.

use actix_web::{HttpResponse, get, web};
use classcode_hub::Hub;

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_certifications);
}

#[get("/certifications")]
async fn list_certifications(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let certifications = hub
        .list_certifications()
        .await
        .map_err(|err| ApiError::Unexpected(err.into()))?;
    Ok(HttpResponse::Ok().json(
        certifications
            .iter()
            .map(classcode_hub::certification::view)
            .collect::<Vec<_>>(),
    ))
}
