//! `/statements`: PUT one, POST a batch, GET one or a query (JSON or multipart with attachments).

use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use chrono::Utc;
use classcode_hub::lrs::{IncomingAttachment, QueryError, StoreError};
use classcode_xapi::format::accept_languages;
use classcode_xapi::multipart::{boundary_of, parse_multipart, write_multipart};
use classcode_xapi::query::parse_statement_query;
use classcode_xapi::timestamp::format_stored;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{XapiContext, XapiRequest};
use crate::error::ApiError;

/// The paging cursor parameter of our `more` links.
const CURSOR_PARAM: &str = "cursor";

pub async fn handle(
    context: &XapiContext<'_>,
    request: XapiRequest,
) -> Result<HttpResponse, ApiError> {
    match request.method {
        Method::GET | Method::HEAD => get(context, &request).await,
        Method::PUT => put(context, request).await,
        Method::POST => post(context, request).await,
        _ => Err(ApiError::MethodNotAllowed(
            "statements take GET, HEAD, PUT and POST".to_owned(),
        )),
    }
}

/// Reads the body as a statement (or batch) and its attachment parts.
fn read_statements(
    request: &XapiRequest,
) -> Result<(Value, Option<Vec<IncomingAttachment>>), ApiError> {
    let content_type = request.content_type();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let parse_json = |bytes: &[u8]| -> Result<Value, ApiError> {
        serde_json::from_slice(bytes).map_err(|err| {
            ApiError::bad_request(
                "invalid_json",
                format!("the statement is not valid JSON: {err}"),
            )
        })
    };
    match essence.as_str() {
        "application/json" => Ok((parse_json(&request.body)?, None)),
        "multipart/mixed" => {
            let bad = |message: String| ApiError::bad_request("invalid_multipart", message);
            let boundary = boundary_of(&content_type).map_err(|err| bad(err.to_string()))?;
            let parts =
                parse_multipart(&request.body, &boundary).map_err(|err| bad(err.to_string()))?;
            let mut parts = parts.into_iter();
            let first = parts
                .next()
                .ok_or_else(|| bad("the body has no part".to_owned()))?;
            let first_type = first
                .header("content-type")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !first_type.starts_with("application/json") {
                return Err(bad(
                    "the first part must be the statements, as application/json".to_owned(),
                ));
            }
            let statements = parse_json(&first.body)?;
            let mut attachments = Vec::new();
            for part in parts {
                let sha2 = part
                    .header("x-experience-api-hash")
                    .ok_or_else(|| {
                        bad(
                            "every attachment part needs an X-Experience-API-Hash header"
                                .to_owned(),
                        )
                    })?
                    .to_owned();
                attachments.push(IncomingAttachment {
                    sha2,
                    content_type: part
                        .header("content-type")
                        .unwrap_or("application/octet-stream")
                        .to_owned(),
                    transfer_encoding: part.header("content-transfer-encoding").map(str::to_owned),
                    content: part.body,
                });
            }
            Ok((statements, Some(attachments)))
        }
        _ => Err(ApiError::bad_request(
            "unsupported_content_type",
            "send statements as application/json, or as multipart/mixed with attachments",
        )),
    }
}

fn store_error(err: StoreError) -> ApiError {
    match err {
        StoreError::Forbidden => ApiError::Forbidden(err.to_string()),
        StoreError::ForeignLearner(message) => ApiError::Forbidden(message),
        StoreError::Invalid(violations) => ApiError::Validation(violations),
        StoreError::Conflict(message) => ApiError::Conflict(message),
        StoreError::Cmi5(message) => ApiError::bad_request("cmi5_rule", message),
        StoreError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

async fn put(context: &XapiContext<'_>, request: XapiRequest) -> Result<HttpResponse, ApiError> {
    let mut statement_id = None;
    for (name, value) in &request.params {
        match name.as_str() {
            "statementId" => {
                statement_id = Some(
                    Uuid::parse_str(value)
                        .ok()
                        .filter(|_| value.len() == 36)
                        .ok_or_else(|| {
                            ApiError::bad_request("invalid_parameter", "statementId must be a UUID")
                        })?,
                )
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_parameter",
                    format!("{other} is not a parameter of PUT statements"),
                ));
            }
        }
    }
    let statement_id = statement_id.ok_or_else(|| {
        ApiError::bad_request("missing_parameter", "PUT statements needs statementId")
    })?;
    let (body, parts) = read_statements(&request)?;
    context
        .hub
        .store_statements(
            &context.caller,
            context.version,
            body,
            Some(statement_id),
            parts,
        )
        .await
        .map_err(store_error)?;
    Ok(HttpResponse::NoContent().finish())
}

async fn post(context: &XapiContext<'_>, request: XapiRequest) -> Result<HttpResponse, ApiError> {
    if let Some((name, _)) = request.params.first() {
        return Err(ApiError::bad_request(
            "invalid_parameter",
            format!("{name} is not a parameter of POST statements"),
        ));
    }
    let (body, parts) = read_statements(&request)?;
    let ids = context
        .hub
        .store_statements(&context.caller, context.version, body, None, parts)
        .await
        .map_err(store_error)?;
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    Ok(HttpResponse::Ok().json(ids))
}

fn query_error(err: QueryError) -> ApiError {
    match err {
        QueryError::Forbidden => ApiError::Forbidden(err.to_string()),
        QueryError::Invalid(message) => ApiError::bad_request("invalid_parameter", message),
        QueryError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

async fn get(context: &XapiContext<'_>, request: &XapiRequest) -> Result<HttpResponse, ApiError> {
    let query =
        parse_statement_query(&request.params, &[CURSOR_PARAM]).map_err(ApiError::Validation)?;
    let languages = accept_languages(request.header("accept-language").unwrap_or_default());
    let consistent_through = format_stored(&Utc::now());
    if let Some(lookup) = query.single {
        let found = context
            .hub
            .get_statement(
                &context.caller,
                context.version,
                lookup,
                query.format,
                &languages,
                query.attachments,
            )
            .await
            .map_err(query_error)?
            .ok_or_else(|| ApiError::NotFound("no statement has that id".to_owned()))?;
        let body =
            serde_json::to_vec(&found.statement).map_err(|err| ApiError::Unexpected(err.into()))?;
        let mut response = respond(body, found.attachments, query.attachments);
        response.headers_mut().insert(
            header::LAST_MODIFIED,
            HeaderValue::from_str(&found.stored.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
                .map_err(|err| ApiError::Unexpected(err.into()))?,
        );
        set_consistent_through(&mut response, &consistent_through);
        return Ok(response);
    }
    let cursor = request.param(CURSOR_PARAM);
    let page = context
        .hub
        .query_statements(&context.caller, context.version, &query, cursor, &languages)
        .await
        .map_err(query_error)?;
    let more = match &page.more {
        Some(next) => {
            let mut serializer = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in request
                .params
                .iter()
                .filter(|(name, _)| name != CURSOR_PARAM)
            {
                serializer.append_pair(name, value);
            }
            serializer.append_pair(CURSOR_PARAM, next);
            format!("{}/statements?{}", context.config.path, serializer.finish())
        }
        None => String::new(),
    };
    let body = serde_json::to_vec(&json!({"statements": page.statements, "more": more}))
        .map_err(|err| ApiError::Unexpected(err.into()))?;
    let mut response = respond(body, page.attachments, query.attachments);
    set_consistent_through(&mut response, &consistent_through);
    Ok(response)
}

fn set_consistent_through(response: &mut HttpResponse, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response
            .headers_mut()
            .insert(super::CONSISTENT_THROUGH_HEADER, value);
    }
}

/// JSON, or multipart/mixed with the attachments when they were asked for.
fn respond(
    json: Vec<u8>,
    attachments: Vec<(String, String, Vec<u8>)>,
    with_attachments: bool,
) -> HttpResponse {
    if !with_attachments {
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(json);
    }
    let boundary = Uuid::new_v4().simple().to_string();
    let body = write_multipart(&boundary, &json, &attachments);
    HttpResponse::Ok()
        .content_type(format!("multipart/mixed; boundary={boundary}"))
        .body(body)
}
