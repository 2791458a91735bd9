//! Research on the web: the research API a team uses with its study's credential (`/api/research`: its study,
//! exports made on request, their files), and the learner's consent page in the player (`/player/research`).

mod consent;

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use classcode_hub::Hub;
use classcode_hub::research::{ExportFormat, ResearchError};
use classcode_storage::Study;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/research/study", web::get().to(study))
        .route("/api/research/exports", web::post().to(export))
        .route("/api/research/exports", web::get().to(exports))
        .route("/api/research/exports/{export}/{file}", web::get().to(file))
        .route("/player/research", web::post().to(consent::show))
        .route("/player/research/choice", web::post().to(consent::choose));
}

/// Maps a research error to the API's errors.
pub fn research_error(err: ResearchError) -> ApiError {
    match err {
        ResearchError::Invalid(message) => ApiError::bad_request("invalid_study", message),
        ResearchError::UnknownTenant(_) => ApiError::bad_request("unknown_tenant", err.to_string()),
        ResearchError::UnknownStudy(_) | ResearchError::UnknownExport(_) => {
            ApiError::NotFound(err.to_string())
        }
        ResearchError::DuplicateName(_) => ApiError::Conflict(err.to_string()),
        ResearchError::BadCredentials => ApiError::Unauthorized(err.to_string()),
        ResearchError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

/// The study of the research credential the request carries (HTTP Basic: key and secret).
pub struct ResearchCaller(Study);

impl FromRequest for ResearchCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<ResearchCaller, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let hub = req.app_data::<web::Data<Hub>>().cloned();
        let authorization = req
            .headers()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let unauthorized = || {
                ApiError::Unauthorized(
                    "send HTTP Basic credentials of a research credential (classcode research credentials create)"
                        .to_owned(),
                )
            };
            let hub = hub.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("no hub")))?;
            let encoded = authorization
                .as_deref()
                .and_then(|value| value.strip_prefix("Basic "))
                .ok_or_else(unauthorized)?;
            let decoded = STANDARD
                .decode(encoded.trim())
                .map_err(|_| unauthorized())?;
            let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
            let (key, secret) = text.split_once(':').ok_or_else(unauthorized)?;
            hub.authenticate_research(key, secret)
                .await
                .map(ResearchCaller)
                .map_err(research_error)
        })
    }
}

async fn study(caller: ResearchCaller) -> HttpResponse {
    HttpResponse::Ok().json(classcode_hub::research::study_view(&caller.0))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub format: String,
}

/// Parses an export format, or says which ones there are.
pub fn parse_format(format: &str) -> Result<ExportFormat, ApiError> {
    ExportFormat::parse(format).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_format",
            format!("format {format:?}: use jsonl, csv or parquet"),
        )
    })
}

#[tracing::instrument(skip_all, fields(study = %caller.0.id))]
async fn export(
    caller: ResearchCaller,
    hub: web::Data<Hub>,
    body: web::Json<ExportRequest>,
) -> Result<HttpResponse, ApiError> {
    let format = parse_format(&body.format)?;
    let report = hub
        .export_study(
            &caller.0.id.to_string(),
            format,
            None,
            "research API credential",
            |_| {},
        )
        .await
        .map_err(research_error)?;
    Ok(HttpResponse::Created().json(report.manifest))
}

async fn exports(caller: ResearchCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(hub.list_exports(&caller.0).await.map_err(research_error)?))
}

async fn file(
    caller: ResearchCaller,
    hub: web::Data<Hub>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (export, name) = path.into_inner();
    let path = hub
        .export_file(&caller.0, &export, &name)
        .await
        .map_err(research_error)?;
    let content_type = match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("jsonl") => "application/x-ndjson",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/vnd.apache.parquet",
    };
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|err| ApiError::Unexpected(err.into()))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes))
}
