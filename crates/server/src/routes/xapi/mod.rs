//! The xAPI resources under `lrs.path` (default `/xapi`). Every resource goes through `dispatch`, which applies
//! the rules common to all of them in the order the conformance suite expects: `/about` needs nothing; then the
//! version header (400), the credentials (401), and the resource itself. xAPI 1.0.3's alternate request syntax
//! (a POST carrying method, headers and body in a form) is unfolded into the same `XapiRequest` first.

mod alternate;
mod documents;
mod statements;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use classcode_hub::Hub;
use classcode_hub::lrs::LrsCaller;
use classcode_xapi::XapiVersion;
use serde_json::json;

use crate::error::ApiError;

pub const VERSION_HEADER: HeaderName = HeaderName::from_static("x-experience-api-version");
pub const CONSISTENT_THROUGH_HEADER: HeaderName =
    HeaderName::from_static("x-experience-api-consistent-through");

/// The resources, relative to `lrs.path`.
const RESOURCES: [&str; 7] = [
    "/statements",
    "/activities/state",
    "/activities/profile",
    "/activities",
    "/agents/profile",
    "/agents",
    "/about",
];

/// LRS settings the handlers need.
#[derive(Clone, Debug)]
pub struct LrsConfig {
    pub path: String,
    pub default_version: XapiVersion,
    pub max_body_bytes: usize,
}

pub fn configure(cfg: &mut web::ServiceConfig, path: &str) {
    let mut scope = web::scope(path);
    for resource in RESOURCES {
        scope = scope.service(web::resource(resource).to(dispatch));
    }
    cfg.service(scope);
}

/// One xAPI request, whether it came as plain HTTP or in the alternate syntax.
pub struct XapiRequest {
    pub method: Method,
    pub resource: String,
    pub params: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: web::Bytes,
}

impl XapiRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default().to_owned()
    }
}

/// What every resource handler gets.
pub struct XapiContext<'a> {
    pub hub: &'a Hub,
    pub config: &'a LrsConfig,
    pub caller: LrsCaller,
    pub version: XapiVersion,
}

async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    hub: web::Data<Hub>,
    config: web::Data<LrsConfig>,
) -> HttpResponse {
    let body = match payload.to_bytes_limited(config.max_body_bytes).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(err)) => Err(ApiError::bad_request(
            "invalid_body",
            format!("the body could not be read: {err}"),
        )),
        Err(_) => Err(ApiError::PayloadTooLarge(format!(
            "the body is larger than the {} bytes this LRS accepts (server.max_body_bytes)",
            config.max_body_bytes
        ))),
    };
    let resource = req
        .match_pattern()
        .and_then(|pattern| pattern.strip_prefix(&config.path).map(str::to_owned))
        .unwrap_or_default();
    let params: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    let is_statements = resource == "/statements";
    let mut version = req
        .headers()
        .get(&VERSION_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| XapiVersion::parse(value).ok());
    let outcome = match body {
        Ok(body) => {
            let request = XapiRequest {
                method: req.method().clone(),
                resource,
                params,
                headers: req.headers().clone(),
                body,
            };
            handle(&hub, &config, request, &mut version).await
        }
        Err(err) => Err(err),
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(err) => actix_web::ResponseError::error_response(&err),
    };
    let version = version.unwrap_or(config.default_version);
    let headers = response.headers_mut();
    headers.insert(
        VERSION_HEADER,
        HeaderValue::from_static(version.header_value()),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through",
        ),
    );
    if is_statements && !headers.contains_key(&CONSISTENT_THROUGH_HEADER) {
        // Writes are committed before they are acknowledged, so every statement stored is visible now.
        if let Ok(value) = HeaderValue::from_str(&classcode_xapi::timestamp::format_stored(
            &chrono::Utc::now(),
        )) {
            headers.insert(CONSISTENT_THROUGH_HEADER, value);
        }
    }
    response
}

async fn handle(
    hub: &Hub,
    config: &LrsConfig,
    mut request: XapiRequest,
    version_out: &mut Option<XapiVersion>,
) -> Result<HttpResponse, ApiError> {
    if request.method == Method::OPTIONS {
        return Ok(preflight());
    }
    if request.resource == "/about" {
        *version_out = request
            .header("x-experience-api-version")
            .and_then(|v| XapiVersion::parse(v).ok());
        return about(&request);
    }
    if request.param("method").is_some() {
        request = alternate::unfold(request, version_out)?;
    }
    let version = match request.header("x-experience-api-version") {
        Some(value) => XapiVersion::parse(value)
            .map_err(|err| ApiError::bad_request("unsupported_version", err.to_string()))?,
        None => {
            return Err(ApiError::bad_request(
                "missing_version",
                "send the X-Experience-API-Version header (1.0.3 or 2.0.0)",
            ));
        }
    };
    *version_out = Some(version);
    let caller = authenticate(hub, &request).await?;
    let context = XapiContext {
        hub,
        config,
        caller,
        version,
    };
    match request.resource.as_str() {
        "/statements" => statements::handle(&context, request).await,
        "/activities/state" | "/activities/profile" | "/agents/profile" => {
            documents::handle(&context, request).await
        }
        "/activities" => documents::activities(&context, request).await,
        "/agents" => documents::agents(&context, request).await,
        _ => Err(ApiError::NotFound("no such xAPI resource".to_owned())),
    }
}

async fn authenticate(hub: &Hub, request: &XapiRequest) -> Result<LrsCaller, ApiError> {
    let unauthorized = || {
        ApiError::Unauthorized(
            "send HTTP Basic credentials of an LRS client (key and secret)".to_owned(),
        )
    };
    let authorization = request.header("authorization").ok_or_else(unauthorized)?;
    // A launch token (the player's session after an LTI launch) comes as `Bearer`, or as `Basic` with the token
    // itself, as cmi5 content sends what the launch gave it.
    let launch_token = authorization.strip_prefix("Bearer ").or_else(|| {
        authorization
            .strip_prefix("Basic ")
            .filter(|rest| rest.matches('.').count() == 2)
    });
    if let Some(token) = launch_token {
        return hub.authenticate_launch_token(token.trim()).map_err(|_| {
            ApiError::Unauthorized(
                "the launch token is invalid or expired: launch the activity again".to_owned(),
            )
        });
    }
    let encoded = authorization
        .strip_prefix("Basic ")
        .ok_or_else(unauthorized)?;
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (key, secret) = text.split_once(':').ok_or_else(unauthorized)?;
    hub.authenticate_lrs(key, secret)
        .await
        .map_err(|err| match err {
            classcode_hub::lrs::CredentialError::Unexpected(inner) => ApiError::Unexpected(inner),
            _ => ApiError::Unauthorized(
                "the LRS key or secret is wrong, or the credential was revoked".to_owned(),
            ),
        })
}

fn about(request: &XapiRequest) -> Result<HttpResponse, ApiError> {
    if request.method != Method::GET && request.method != Method::HEAD {
        return Err(ApiError::MethodNotAllowed(
            "the About resource answers GET only".to_owned(),
        ));
    }
    let versions: Vec<&str> = XapiVersion::ALL
        .iter()
        .map(|version| version.header_value())
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "version": versions,
        "extensions": {"https://classcode.fr/xapi/extensions/lrs": {"name": "Class'Code Hub", "version": env!("CARGO_PKG_VERSION")}}
    })))
}

fn preflight() -> HttpResponse {
    HttpResponse::build(StatusCode::NO_CONTENT)
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_METHODS,
            "GET, HEAD, PUT, POST, DELETE, OPTIONS",
        ))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
        .finish()
}
