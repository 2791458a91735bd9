//! `/api/admin/content`: import a package (a module or a cmi5 course, zipped) and list the stored versions, with
//! their titles and certification rules.
//! An invalid package answers 422 with every problem and its place; nothing is stored.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use classcode_hub::Hub;
use classcode_hub::content::{ImportError, read_zip};
use serde_json::json;

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(import_package).service(list_content);
}

#[tracing::instrument(skip_all, fields(bytes = body.len()))]
#[post("/content")]
async fn import_package(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let is_zip = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/zip"));
    if !is_zip {
        return Err(ApiError::bad_request(
            "unsupported_content_type",
            "send the package as a zip archive with Content-Type: application/zip",
        ));
    }
    let files =
        read_zip(&body).map_err(|message| ApiError::bad_request("unreadable_package", message))?;
    let source = classcode_hub::content::package_source("upload.zip".to_owned(), files);
    match hub.import_content(vec![source]).await {
        Ok(report) => Ok(HttpResponse::Ok().json(report)),
        Err(ImportError::Invalid(problems)) => {
            Ok(HttpResponse::UnprocessableEntity().json(json!({
                "error": "invalid_package",
                "message": format!("{} problem(s) found; nothing was imported", problems.len()),
                "problems": problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })))
        }
        Err(ImportError::Unreadable(message)) => {
            Err(ApiError::bad_request("unreadable_package", message))
        }
        Err(ImportError::Unexpected(err)) => Err(ApiError::Unexpected(err)),
    }
}

#[get("/content")]
async fn list_content(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    let packages = hub
        .list_content()
        .await
        .map_err(|err| ApiError::Unexpected(err.into()))?;
    Ok(HttpResponse::Ok().json(
        packages
            .iter()
            .map(|package| {
                // The checked manifest gives the title and the certification rule (absent for a cmi5 course, whose
                // AUs' moveOn criteria decide).
                let manifest: serde_json::Value =
                    serde_json::from_str(&package.manifest).unwrap_or_default();
                json!({
                    "content_id": package.content_id,
                    "title": manifest.get("title").cloned().unwrap_or_default(),
                    "certification": manifest.get("certification").cloned().unwrap_or_default(),
                    "version": package.version,
                    "kind": package.kind,
                    "sha256": package.sha256,
                    "imported_at": package.imported_at.to_rfc3339(),
                })
            })
            .collect::<Vec<_>>(),
    ))
}
