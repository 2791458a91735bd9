//! `/api/admin/certifications`: the certifications, newest first, with the statements that proved each one.

use actix_web::{HttpResponse, get, web};
use classcode_hub::Hub;
use serde_json::json;

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
            .map(|certification| {
                json!({
                    "id": certification.id,
                    "tenant_id": certification.tenant_id,
                    "registration": certification.registration,
                    "content_id": certification.content_id,
                    "content_version": certification.content_version,
                    "rule_version": certification.rule_version,
                    "actor": serde_json::from_str::<serde_json::Value>(&certification.actor).unwrap_or_default(),
                    "status": certification.status.as_str(),
                    "scaled": certification.scaled,
                    "evidence": certification.evidence,
                    "certified_at": certification.certified_at.to_rfc3339(),
                    "revoked_at": certification.revoked_at.map(|at| at.to_rfc3339()),
                    "revoked_reason": certification.revoked_reason,
                })
            })
            .collect::<Vec<_>>(),
    ))
}
