//! The module player's pages: the launched content with progress, one activity (page, video with subtitles and
//! transcript, unplugged sheet, external tool, quiz), marking an activity done and submitting a quiz; and the
//! content files, public like the openly licensed content they belong to. Navigation posts the session token in
//! a form field: no cookie, and no token in a URL.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::player::{ActivityView, PlayerActivity, PlayerError, PlayerOverview};

use super::lti::pages;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/player", web::post().to(overview))
        .route("/player/tracker.js", web::get().to(tracker))
        .route("/player/cmi5", web::post().to(cmi5_launch))
        .route(
            "/player/cmi5/return/{session}/{mac}",
            web::get().to(cmi5_return),
        )
        .route("/cmi5/fetch/{secret}", web::post().to(cmi5_fetch))
        .route("/player/activity", web::post().to(activity))
        .route("/player/complete", web::post().to(complete))
        .route("/player/quiz", web::post().to(quiz))
        .route("/player/my-data", web::post().to(my_data))
        .route(
            "/content/{content_id}/{version}/{path:.*}",
            web::get().to(file),
        );
}

/// The form fields: the session, the activity, and every answer (`q:<question id>`, repeated for several).
struct PlayerForm {
    session: String,
    activity: String,
    /// The language the learner chose in the player (`fr` or `en`), over the launch's.
    lang: Option<String>,
    answers: BTreeMap<String, Vec<String>>,
}

fn read_form(body: &[u8]) -> PlayerForm {
    let mut form = PlayerForm {
        session: String::new(),
        activity: String::new(),
        lang: None,
        answers: BTreeMap::new(),
    };
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "session" => form.session = value.into_owned(),
            "activity" => form.activity = value.into_owned(),
            "lang" if value == "fr" || value == "en" => form.lang = Some(value.into_owned()),
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
    super::html(StatusCode::OK, body)
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

/// The tracker's settings for a page: the LRS (same origin), the launch token, the actor, the launched content,
/// the activity shown (if any) and the statement context.
fn tracking(
    hub: &Hub,
    overview: &PlayerOverview,
    current: Option<&PlayerActivity>,
    session: &str,
) -> String {
    serde_json::json!({
        "endpoint": "/xapi/",
        "auth": format!("Bearer {session}"),
        "lid": overview.claims.lid,
        "actor": overview.claims.act,
        "launched": hub.launched_object(&overview.item),
        "object": current.map(|current| hub.activity_object(current)),
        "kind": current.map(|current| current.activity.kind.as_str()),
        "context": hub.player_context(overview, current),
    })
    .to_string()
}

fn chosen_language(overview: &mut PlayerOverview, form: &PlayerForm) {
    if let Some(lang) = &form.lang {
        overview.claims.lng = lang.clone();
    }
}

fn activity_page(
    hub: &Hub,
    mut view: ActivityView,
    form: &PlayerForm,
    feedback: Option<pages::QuizFeedback<'_>>,
) -> HttpResponse {
    chosen_language(&mut view.overview, form);
    let xapi = tracking(
        hub,
        &view.overview,
        Some(&view.overview.activities[view.index]),
        &form.session,
    );
    html(pages::player_activity(
        hub,
        &view,
        &form.session,
        feedback,
        &xapi,
    ))
}

async fn tracker() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("player_tracker.js"))
}

async fn overview(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    home(&hub, &request, form).await
}

/// The launched content's home: a cmi5 course's AUs, or the activities of a module or parcours.
async fn home(hub: &Hub, request: &HttpRequest, form: PlayerForm) -> HttpResponse {
    match hub.cmi5_overview(&form.session).await {
        Ok(Some(mut course)) => {
            if let Some(lang) = &form.lang {
                course.claims.lng = lang.clone();
            }
            return html(pages::cmi5_overview(&course, &form.session));
        }
        Ok(None) => {}
        Err(err) => return failure(request, err),
    }
    match hub.player_overview(&form.session).await {
        Ok(mut overview) => {
            chosen_language(&mut overview, &form);
            let xapi = tracking(hub, &overview, None, &form.session);
            html(pages::player_overview(&overview, &form.session, &xapi))
        }
        Err(err) => failure(request, err),
    }
}

/// Everything the hub holds about the session's learner, as a JSON file to download (GDPR art. 15 and 20).
async fn my_data(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.player_learner_data(&form.session).await {
        Ok(data) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "application/json; charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"classcode-mes-donnees.json\"",
            ))
            .body(serde_json::to_vec_pretty(&data).unwrap_or_default()),
        Err(err) => failure(&request, err),
    }
}

/// Opens an AU of a cmi5 course: the hub records the launch, then sends the browser to the AU.
async fn cmi5_launch(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.cmi5_launch(&form.session, &form.activity).await {
        Ok(url) => HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, url))
            .insert_header((CACHE_CONTROL, "no-store"))
            .finish(),
        Err(err) => failure(&request, err),
    }
}

/// The AU's `returnURL`: back to the course's AUs with a fresh session.
async fn cmi5_return(
    hub: web::Data<Hub>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (session, mac) = path.into_inner();
    let Ok(session) = uuid::Uuid::parse_str(&session) else {
        return failure(
            &request,
            PlayerError::Session(classcode_hub::lti::SessionError::Invalid),
        );
    };
    match hub.cmi5_return(session, &mac).await {
        Ok(token) => {
            let form = PlayerForm {
                session: token,
                activity: String::new(),
                lang: None,
                answers: BTreeMap::new(),
            };
            home(&hub, &request, form).await
        }
        Err(err) => failure(&request, err),
    }
}

/// cmi5's fetch URL: the AU's token once, then a cmi5 error; JSON with status 200 either way (cmi5 §8.2).
async fn cmi5_fetch(hub: web::Data<Hub>, secret: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(hub.cmi5_fetch(&secret).await)
}

async fn activity(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.player_activity(&form.session, &form.activity).await {
        Ok(view) => activity_page(&hub, view, &form, None),
        Err(err) => failure(&request, err),
    }
}

async fn complete(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub.player_complete(&form.session, &form.activity).await {
        Ok(view) => activity_page(&hub, view, &form, None),
        Err(err) => failure(&request, err),
    }
}

async fn quiz(hub: web::Data<Hub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form = read_form(&body);
    match hub
        .player_submit_quiz(&form.session, &form.activity, &form.answers)
        .await
    {
        Ok(outcome) => activity_page(
            &hub,
            outcome.view,
            &form,
            Some(pages::QuizFeedback {
                correct: &outcome.correct,
                scaled: outcome.scaled,
                passed: outcome.passed,
                answers: &form.answers,
            }),
        ),
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
        // cmi5 AUs are web pages: their HTML, scripts, styles, data and media.
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp3") => "audio/mpeg",
        Some("ogg" | "oga") => "audio/ogg",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
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
