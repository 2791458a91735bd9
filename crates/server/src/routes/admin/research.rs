//! `/api/admin/research`: declare and list studies, make a research credential for a study, export a study and list
//! its exports (as `classcode research` does).

use actix_web::{HttpResponse, get, post, web};
use classcode_hub::Hub;
use classcode_hub::research::NewStudy;

use super::AdminCaller;
use crate::error::ApiError;
use crate::routes::research::{ExportRequest, parse_format, research_error};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_study)
        .service(list_studies)
        .service(create_credential)
        .service(export_study)
        .service(list_exports);
}

#[get("/research/studies/{study}/exports")]
async fn list_exports(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    study: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        hub.list_study_exports(&study)
            .await
            .map_err(research_error)?,
    ))
}

#[tracing::instrument(skip_all)]
#[post("/research/studies")]
async fn create_study(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    body: web::Json<NewStudy>,
) -> Result<HttpResponse, ApiError> {
    let study = hub
        .create_study(body.into_inner())
        .await
        .map_err(research_error)?;
    Ok(HttpResponse::Created().json(study))
}

#[get("/research/studies")]
async fn list_studies(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(hub.list_studies().await.map_err(research_error)?))
}

#[tracing::instrument(skip_all)]
#[post("/research/studies/{study}/credentials")]
async fn create_credential(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    study: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let created = hub
        .create_research_credential(&study)
        .await
        .map_err(research_error)?;
    Ok(HttpResponse::Created().json(created))
}

#[tracing::instrument(skip_all)]
#[post("/research/studies/{study}/exports")]
async fn export_study(
    admin: AdminCaller,
    hub: web::Data<Hub>,
    study: web::Path<String>,
    body: web::Json<ExportRequest>,
) -> Result<HttpResponse, ApiError> {
    let format = parse_format(&body.format)?;
    let report = hub
        .export_study(&study, format, None, &admin.actor, |_| {})
        .await
        .map_err(research_error)?;
    Ok(HttpResponse::Created().json(report.manifest))
}
