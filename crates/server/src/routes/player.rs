//! The module player's pages: the launched content with progress, one activity (page, video with subtitles and
//! transcript, unplugged sheet, external tool, quiz), marking an activity done and submitting a quiz; and the
//! content files, public like the openly licensed content they belong to. Navigation posts the session token in
//! a form field: no cookie, and no token in a URL.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::player::PlayerError;

use super::lti::pages;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/player", web::post().to(overview))
        .route("/player/activity", web::post().to(activity))
        .route("/player/complete", web::post().to(complete))
        .route("/player/quiz", web::post().to(quiz))
        .route(
            "/content/{content_id}/{version}/{path:.*}",
            web::get().to(file),
        );
}

/// The form fields: the session, the activity, and every answer (`q:<question id>`, repeated for several).
struct PlayerForm {
    session: String,
    activity: String,
    answers: BTreeMap<String, Vec<String>>,
}

fn read_form(body: &[u8]) -> PlayerForm {
    let mut form = PlayerForm {
        session: String::new(),
        activity: String::new(),
        answers: BTreeMap::new(),
    };
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "session" => form.session = value.into_owned(),
            "activity" => form.activity = value.into_owned(),
            other => {
                if let Some(question) = other.strip_prefix("q:") {
                    form.answers
                        .entry(question.to_owned())
                        .or_default()
                        .push(value.into_owned());
                }
            }
        }
    }
    form
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body)
}

fn failure(request: &HttpRequest, err: PlayerError) -> HttpResponse {
    let (status, code) = match &err {
        PlayerError::Session(_) => (StatusCode::UNAUTHORIZED, "PLAYER_SESSION"),
        PlayerError::UnknownActivity(_) => (StatusCode::NOT_FOUND, "PLAYER_ACTIVITY"),
        PlayerError::MissingContent => (StatusCode::NOT_FOUND, "PLAYER_CONTENT"),
        PlayerError::Unexpected(inner) => {
            tracing::error!(error = ?inner, "player request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "PLAYER_INTERNAL")
        }
    };
    let reference = request
        .extensions()
        .get::<crate::middleware::RequestId>()
        .map(|id| id.0.to_string())
        .unwrap_or_default();
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(pages::error_page("fr", code, &err.to_string(), &reference))
}

use actix_web::HttpMessage as _;

async fn overview(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.player_overview(&form.session).await {
        Ok(overview) => html(pages::player_overview(&overview, &form.session)),
        Err(err) => failure(&request, err),
    }
}

async fn activity(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.player_activity(&form.session, &form.activity).await {
        Ok(view) => html(pages::player_activity(&hub, &view, &form.session, None)),
        Err(err) => failure(&request, err),
    }
}

async fn complete(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.player_complete(&form.session, &form.activity).await {
        Ok(view) => html(pages::player_activity(&hub, &view, &form.session, None)),
        Err(err) => failure(&request, err),
    }
}

async fn quiz(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub
        .player_submit_quiz(&form.session, &form.activity, &form.answers)
        .await
    {
        Ok(outcome) => html(pages::player_activity(
            &hub,
            &outcome.view,
            &form.session,
            Some(pages::QuizFeedback {
                correct: &outcome.correct,
                scaled: outcome.scaled,
                passed: outcome.passed,
                answers: &form.answers,
            }),
        )),
        Err(err) => failure(&request, err),
    }
}

fn media_type(path: &str) -> &'static str {
    match path
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("webm") => "video/webm",
        Some("mp4") => "video/mp4",
        Some("vtt") => "text/vtt; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        Some("toml") | Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn file(hub: web::Data<Hub>, path: web::Path<(String, String, String)>) -> HttpResponse {
    let (content_id, version, file_path) = path.into_inner();
    match hub.content_file(&content_id, &version, &file_path).await {
        Ok(Some(bytes)) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, media_type(&file_path)))
            // A version's files never change: a new content is a new version.
            .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header(("x-content-type-options", "nosniff"))
            .body(bytes),
        Ok(None) => HttpResponse::NotFound()
            .json(serde_json::json!({"error": "not_found", "message": "no such content file"})),
        Err(err) => {
            tracing::error!(error = ?err, "content file failed");
            HttpResponse::InternalServerError().json(
                serde_json::json!({"error": "internal", "message": "the file could not be read"}),
            )
        }
    }
}
