//! The LTI 1.3 tool's HTTP face: OIDC login (GET and POST), the launch (redirect_uri), our JWKS, Dynamic
//! Registration, the deep linking response and the roster. Launch failures are HTML pages with a code, never 5xx
//! for the platform's or the browser's mistakes.

pub(crate) mod pages;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::lti::{
    BrowserBinding, DeepLinkingError, LaunchError, LaunchOutcome, LoginError, LoginRequest,
    RosterError, SessionError,
};
use serde_json::json;

use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::routes::html;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/lti/login")
            .route(web::get().to(login_get))
            .route(web::post().to(login_post)),
    )
    .route("/lti/launch", web::post().to(launch))
    .route("/lti/jwks", web::get().to(jwks))
    .route("/.well-known/jwks.json", web::get().to(jwks))
    .route("/lti/register", web::get().to(register))
    .route(
        "/lti/deep-linking/response",
        web::post().to(deep_linking_response),
    )
    .route("/lti/roster", web::get().to(roster))
    .route("/static/logo.svg", web::get().to(logo));
}

/// The tool's icon, which LMSs show beside its activities (the `logo_uri` of the registration).
const LOGO_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" role=\"img\" aria-label=\"Class'Code Hub\">\
<rect width=\"64\" height=\"64\" rx=\"12\" fill=\"#0b4f9c\"/>\
<path d=\"M22 20 10 32l12 12M42 20l12 12-12 12\" fill=\"none\" stroke=\"#fff\" stroke-width=\"5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>\
<circle cx=\"32\" cy=\"32\" r=\"5\" fill=\"#f5a623\"/></svg>";

async fn logo() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(LOGO_SVG)
}

fn reference(request: &HttpRequest) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.to_string())
        .unwrap_or_default()
}

fn error_page(request: &HttpRequest, status: StatusCode, code: &str, detail: &str) -> HttpResponse {
    tracing::warn!(
        code,
        status = status.as_u16(),
        detail,
        "lti request refused"
    );
    html(
        status,
        pages::error_page("fr", code, detail, &reference(request)),
    )
}

/// The cookie that binds a login to the browser that started it. Over https it must cross sites inside the LMS
/// iframe (`SameSite=None; Secure; Partitioned`, CHIPS); on a plain-http development URL, browsers refuse
/// `SameSite=None` without `Secure`, so it is `Lax` there (LMS and hub on the same host).
fn state_cookie(hub: &Hub, state: &str, value: &str, max_age: i64) -> String {
    let secure = hub.settings().public_url.starts_with("https://");
    let attributes = if secure {
        "; Secure; SameSite=None; Partitioned"
    } else {
        "; SameSite=Lax"
    };
    format!("cc_lti_{state}={value}; Path=/lti/; Max-Age={max_age}; HttpOnly{attributes}")
}

fn cookie_value(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get_all("cookie")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
}

async fn login_get(hub: web::Data<Hub>, request: HttpRequest) -> HttpResponse {
    let params: LoginRequest =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    login(&hub, &request, params).await
}

async fn login_post(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let params: LoginRequest = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    login(&hub, &request, params).await
}

async fn login(hub: &Hub, request: &HttpRequest, params: LoginRequest) -> HttpResponse {
    let login_query = {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("iss", &params.iss),
            ("login_hint", &params.login_hint),
            ("target_link_uri", &params.target_link_uri),
            ("lti_message_hint", &params.lti_message_hint),
            ("client_id", &params.client_id),
            ("lti_deployment_id", &params.lti_deployment_id),
        ] {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        query.finish()
    };
    match hub.lti_login(&params, login_query).await {
        Ok(outcome) => {
            let cookie = state_cookie(hub, &outcome.state, &outcome.browser_secret, 600);
            match &outcome.storage_target {
                Some(target) => html(
                    StatusCode::OK,
                    pages::storage_put_page(
                        target,
                        &outcome.platform_origin,
                        &outcome.state,
                        &outcome.browser_secret,
                        &outcome.redirect_url,
                    ),
                )
                .tap_cookie(cookie),
                None => HttpResponse::Found()
                    .insert_header((LOCATION, outcome.redirect_url))
                    .insert_header((SET_COOKIE, cookie))
                    .insert_header((CACHE_CONTROL, "no-store"))
                    .finish(),
            }
        }
        Err(err) => {
            let status = match err {
                LoginError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
                LoginError::Disabled | LoginError::UnknownDeployment(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            if let LoginError::Unexpected(inner) = &err {
                tracing::error!(error = ?inner, "lti login failed");
            }
            error_page(request, status, err.code(), &err.to_string())
        }
    }
}

/// Adds a `Set-Cookie` header to a built response.
trait TapCookie {
    fn tap_cookie(self, cookie: String) -> HttpResponse;
}

impl TapCookie for HttpResponse {
    fn tap_cookie(mut self, cookie: String) -> HttpResponse {
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&cookie) {
            self.headers_mut().append(SET_COOKIE, value);
        }
        self
    }
}

#[derive(serde::Deserialize)]
struct LaunchForm {
    id_token: Option<String>,
    state: Option<String>,
    storage_value: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn launch(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let Ok(form) = serde_urlencoded::from_bytes::<LaunchForm>(&body) else {
        return error_page(
            &request,
            StatusCode::BAD_REQUEST,
            "LTI_LAUNCH_REQUEST",
            "the launch is not a form post",
        );
    };
    // OIDC §3.1.2.6: the platform answers the authentication request with an error instead of a token.
    if let Some(error) = &form.error {
        let detail = format!(
            "{error}: {}",
            form.error_description.as_deref().unwrap_or("")
        );
        return error_page(
            &request,
            StatusCode::BAD_REQUEST,
            "LTI_PLATFORM_ERROR",
            &detail,
        );
    }
    let state = form.state.clone().unwrap_or_default();
    let binding = cookie_value(&request, &format!("cc_lti_{state}"))
        .or(form.storage_value.clone().filter(|value| !value.is_empty()))
        .map_or(BrowserBinding::Absent, BrowserBinding::Presented);
    let outcome = hub
        .lti_launch(form.id_token.as_deref(), form.state.as_deref(), binding)
        .await;
    let clear_cookie = state_cookie(&hub, &state, "", 0);
    match outcome {
        Ok(LaunchOutcome::Resource(launch)) => {
            let endpoint = format!("{}/xapi/", hub.settings().public_url);
            let roster = format!("{}/lti/roster", hub.settings().public_url);
            html(
                StatusCode::OK,
                pages::resource_page(&launch, &endpoint, &roster),
            )
            .tap_cookie(clear_cookie)
        }
        Ok(LaunchOutcome::DeepLinking(launch)) => {
            let action = format!("{}/lti/deep-linking/response", hub.settings().public_url);
            html(StatusCode::OK, pages::picker_page(&launch, &action)).tap_cookie(clear_cookie)
        }
        Ok(LaunchOutcome::NeedsPlatformStorage {
            state,
            login_query,
            platform_origin,
        }) => {
            let target = url::form_urlencoded::parse(login_query.as_bytes())
                .find(|(name, _)| name == "lti_storage_target")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_else(|| "_parent".to_owned());
            let urls = hub.tool_urls();
            let relaunch = format!("{}?{login_query}", urls.login);
            html(
                StatusCode::OK,
                pages::storage_get_page(
                    &target,
                    &platform_origin,
                    &urls.launch,
                    form.id_token.as_deref().unwrap_or_default(),
                    &state,
                    &relaunch,
                ),
            )
        }
        Ok(LaunchOutcome::NoBrowserState { relaunch_url }) => {
            tracing::info!("lti launch without browser state: offering a new window");
            html(StatusCode::OK, pages::new_window_page(&relaunch_url))
        }
        Err(err) => {
            let status = match &err {
                LaunchError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
                LaunchError::Token(_) | LaunchError::NonceMismatch => StatusCode::UNAUTHORIZED,
                LaunchError::Disabled | LaunchError::UnknownDeployment(_) => StatusCode::FORBIDDEN,
                LaunchError::PlatformKeys(_) => StatusCode::FAILED_DEPENDENCY,
                LaunchError::EmptyCatalog => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::BAD_REQUEST,
            };
            if let LaunchError::Unexpected(inner) = &err {
                tracing::error!(error = ?inner, "lti launch failed");
            }
            error_page(&request, status, err.code(), &err.to_string())
        }
    }
}

async fn jwks(hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    let keys = hub.tool_jwks().await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=300"))
        .json(keys))
}

#[derive(serde::Deserialize)]
struct RegisterQuery {
    invite: Option<String>,
    openid_configuration: Option<String>,
    registration_token: Option<String>,
}

async fn register(
    hub: web::Data<Hub>,
    request: HttpRequest,
    query: web::Query<RegisterQuery>,
) -> HttpResponse {
    if !hub.is_registration_invited(query.invite.as_deref()) {
        return error_page(
            &request,
            StatusCode::FORBIDDEN,
            "LTI_REGISTRATION_INVITE",
            "this registration URL lacks the hub's invitation: paste the URL printed by `classcode lti tool-info`",
        );
    }
    match hub
        .register_dynamically(
            query.openid_configuration.as_deref(),
            query.registration_token.as_deref(),
        )
        .await
    {
        Ok(outcome) => html(
            StatusCode::OK,
            pages::registered_page(
                outcome.product.as_deref(),
                &outcome.tenant_name,
                &outcome.platform.client_id,
                !outcome.platform.deployment_ids.is_empty(),
            ),
        ),
        Err(err) => {
            let status = match &err {
                classcode_hub::lti::RegistrationFailure::Unreachable(_)
                | classcode_hub::lti::RegistrationFailure::Refused { .. } => {
                    StatusCode::FAILED_DEPENDENCY
                }
                classcode_hub::lti::RegistrationFailure::Platform(
                    classcode_hub::lti::PlatformError::Unexpected(inner),
                ) => {
                    tracing::error!(error = ?inner, "dynamic registration failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                classcode_hub::lti::RegistrationFailure::Platform(
                    classcode_hub::lti::PlatformError::AlreadyRegistered { .. },
                ) => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            error_page(&request, status, err.code(), &err.to_string())
        }
    }
}

async fn deep_linking_response(
    hub: web::Data<Hub>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let mut session = None;
    let mut picked = Vec::new();
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "session" => session = Some(value.into_owned()),
            "item" => picked.push(value.into_owned()),
            _ => {}
        }
    }
    let Some(session) = session else {
        return error_page(
            &request,
            StatusCode::BAD_REQUEST,
            "LTI_LAUNCH_REQUEST",
            "the picker form lacks its session",
        );
    };
    match hub.deep_linking_response(&session, &picked).await {
        Ok(form) => {
            let mut response = html(
                StatusCode::OK,
                pages::auto_post_page(
                    &form.return_url,
                    &[("JWT", &form.jwt)],
                    "Retour à la plateforme",
                ),
            );
            // The page posts to the platform's return URL, whatever host the platform put it on.
            if let Ok(target) = url::Url::parse(&form.return_url) {
                response
                    .extensions_mut()
                    .insert(crate::middleware::FormTarget(
                        target.origin().ascii_serialization(),
                    ));
            }
            response
        }
        Err(DeepLinkingError::Unexpected(inner)) => {
            tracing::error!(error = ?inner, "deep linking response failed");
            error_page(
                &request,
                StatusCode::INTERNAL_SERVER_ERROR,
                "LTI_INTERNAL",
                "the response could not be made",
            )
        }
        Err(err @ DeepLinkingError::Session(_)) => error_page(
            &request,
            StatusCode::UNAUTHORIZED,
            "LTI_STATE_UNKNOWN",
            &err.to_string(),
        ),
        Err(err) => error_page(
            &request,
            StatusCode::BAD_REQUEST,
            "LTI_LAUNCH_REQUEST",
            &err.to_string(),
        ),
    }
}

async fn roster(hub: web::Data<Hub>, request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::Unauthorized("send the player's session token as a Bearer token".to_owned())
        })?;
    match hub.roster(token.trim()).await {
        Ok(members) => Ok(HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "no-store"))
            .json(json!({ "members": members }))),
        Err(RosterError::Session(SessionError::Forbidden)) => Err(ApiError::Forbidden(
            "only teachers and administrators of the course see its roster".to_owned(),
        )),
        Err(RosterError::Session(err)) => Err(ApiError::Unauthorized(err.to_string())),
        Err(err @ RosterError::NotOffered) => Err(ApiError::NotFound(err.to_string())),
        Err(err @ RosterError::Platform(_)) => Err(ApiError::ServiceUnavailable(err.to_string())),
        Err(RosterError::Unexpected(inner)) => Err(ApiError::Unexpected(inner)),
    }
}
