//! The document resources (`/activities/state`, `/activities/profile`, `/agents/profile`) and the Activities and
//! Agents resources.

use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use classcode_hub::lrs::{DocumentError, DocumentTarget, Preconditions, WriteMode};
use classcode_xapi::timestamp::parse_timestamp;
use classcode_xapi::validate::is_iri;
use serde_json::Value;
use uuid::Uuid;

use super::{XapiContext, XapiRequest};
use crate::error::ApiError;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_parameter", message)
}

fn document_error(err: DocumentError) -> ApiError {
    match err {
        DocumentError::Forbidden => ApiError::Forbidden(err.to_string()),
        DocumentError::Invalid(message) => bad(message),
        DocumentError::PreconditionFailed(message) => ApiError::PreconditionFailed(message),
        DocumentError::Conflict(message) => ApiError::Conflict(message),
        DocumentError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

/// Checks that only `allowed` parameters are present, each at most once.
fn check_params(request: &XapiRequest, allowed: &[&str]) -> Result<(), ApiError> {
    let mut seen = Vec::new();
    for (name, _) in &request.params {
        if !allowed.contains(&name.as_str()) {
            return Err(bad(format!("{name} is not a parameter of this resource")));
        }
        if seen.contains(&name) {
            return Err(bad(format!("{name} is given more than once")));
        }
        seen.push(name);
    }
    Ok(())
}

fn required<'r>(request: &'r XapiRequest, name: &str) -> Result<&'r str, ApiError> {
    request
        .param(name)
        .ok_or_else(|| bad(format!("{name} is required")))
}

fn activity_id(request: &XapiRequest) -> Result<String, ApiError> {
    let id = required(request, "activityId")?;
    is_iri(id)
        .then(|| id.to_owned())
        .ok_or_else(|| bad("activityId must be an absolute IRI"))
}

fn agent(request: &XapiRequest) -> Result<Value, ApiError> {
    let text = required(request, "agent")?;
    let agent: Value =
        serde_json::from_str(text).map_err(|_| bad("agent must be a JSON Agent object"))?;
    if !agent.is_object() {
        return Err(bad("agent must be a JSON Agent object"));
    }
    Ok(agent)
}

pub async fn handle(
    context: &XapiContext<'_>,
    request: XapiRequest,
) -> Result<HttpResponse, ApiError> {
    let (target, id_param) = match request.resource.as_str() {
        "/activities/state" => {
            check_params(
                &request,
                &["activityId", "agent", "registration", "stateId", "since"],
            )?;
            let registration = match request.param("registration") {
                Some(text) => Some(
                    Uuid::parse_str(text)
                        .ok()
                        .filter(|_| text.len() == 36)
                        .ok_or_else(|| bad("registration must be a UUID"))?,
                ),
                None => None,
            };
            (
                DocumentTarget::State {
                    activity_id: activity_id(&request)?,
                    agent: agent(&request)?,
                    registration,
                },
                "stateId",
            )
        }
        "/activities/profile" => {
            check_params(&request, &["activityId", "profileId", "since"])?;
            (
                DocumentTarget::ActivityProfile {
                    activity_id: activity_id(&request)?,
                },
                "profileId",
            )
        }
        _ => {
            check_params(&request, &["agent", "profileId", "since"])?;
            (
                DocumentTarget::AgentProfile {
                    agent: agent(&request)?,
                },
                "profileId",
            )
        }
    };
    let document_id = request.param(id_param).map(str::to_owned);
    let since = match request.param("since") {
        Some(text) => Some(
            parse_timestamp(text)
                .ok_or_else(|| bad("since must be an ISO 8601 timestamp"))?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    if since.is_some()
        && (document_id.is_some() || !matches!(request.method, Method::GET | Method::HEAD))
    {
        return Err(bad("since only applies to GET of a list of ids"));
    }
    let preconditions = Preconditions {
        if_match: request.header("if-match").map(str::to_owned),
        if_none_match: request.header("if-none-match").map(str::to_owned),
    };
    let hub = context.hub;
    let caller = &context.caller;
    match request.method {
        Method::GET | Method::HEAD => match document_id {
            Some(document_id) => {
                let document = hub
                    .get_document(caller, &target, &document_id)
                    .await
                    .map_err(document_error)?
                    .ok_or_else(|| {
                        ApiError::NotFound(format!("no document {document_id:?} here"))
                    })?;
                let last_modified = document
                    .updated_at
                    .format("%a, %d %b %Y %H:%M:%S GMT")
                    .to_string();
                let mut response = HttpResponse::Ok();
                response
                    .insert_header((header::ETAG, document.etag))
                    .insert_header((header::LAST_MODIFIED, last_modified));
                if let Ok(content_type) = HeaderValue::from_str(&document.content_type)
                    && !document.content_type.is_empty()
                {
                    response.insert_header((header::CONTENT_TYPE, content_type));
                }
                Ok(response.body(document.content))
            }
            None => {
                let ids = hub
                    .list_document_ids(caller, &target, since)
                    .await
                    .map_err(document_error)?;
                Ok(HttpResponse::Ok().json(ids))
            }
        },
        Method::PUT | Method::POST => {
            let document_id = document_id.ok_or_else(|| bad(format!("{id_param} is required")))?;
            let mode = if request.method == Method::PUT {
                WriteMode::Put
            } else {
                WriteMode::Post
            };
            let content_type = request.content_type();
            let content_type = if content_type.is_empty() {
                "application/octet-stream".to_owned()
            } else {
                content_type
            };
            hub.write_document(
                caller,
                context.version,
                &target,
                &document_id,
                mode,
                &content_type,
                request.body.to_vec(),
                &preconditions,
            )
            .await
            .map_err(document_error)?;
            Ok(HttpResponse::NoContent().finish())
        }
        Method::DELETE => {
            if document_id.is_none() && !matches!(target, DocumentTarget::State { .. }) {
                return Err(bad(format!("{id_param} is required")));
            }
            hub.delete_document(caller, &target, document_id.as_deref(), &preconditions)
                .await
                .map_err(document_error)?;
            Ok(HttpResponse::NoContent().finish())
        }
        _ => Err(ApiError::MethodNotAllowed(
            "documents take GET, HEAD, PUT, POST and DELETE".to_owned(),
        )),
    }
}

pub async fn activities(
    context: &XapiContext<'_>,
    request: XapiRequest,
) -> Result<HttpResponse, ApiError> {
    if !matches!(request.method, Method::GET | Method::HEAD) {
        return Err(ApiError::MethodNotAllowed(
            "the Activities resource answers GET".to_owned(),
        ));
    }
    check_params(&request, &["activityId"])?;
    let activity = context
        .hub
        .get_activity(&context.caller, &activity_id(&request)?)
        .await
        .map_err(document_error)?;
    Ok(HttpResponse::Ok().json(activity))
}

pub async fn agents(
    context: &XapiContext<'_>,
    request: XapiRequest,
) -> Result<HttpResponse, ApiError> {
    if !matches!(request.method, Method::GET | Method::HEAD) {
        return Err(ApiError::MethodNotAllowed(
            "the Agents resource answers GET".to_owned(),
        ));
    }
    check_params(&request, &["agent"])?;
    let person = context
        .hub
        .get_person(&context.caller, &agent(&request)?)
        .await
        .map_err(document_error)?;
    Ok(HttpResponse::Ok().json(person))
}
