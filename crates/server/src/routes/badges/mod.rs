//! Open Badges on the web: the public documents verifiers fetch (OB 2.0 issuer, badge classes, hosted assertions
//! with 410 once revoked, the revocation list; OB 3.0 issuer and keys, credentials as JSON and VC-JWT, status
//! lists), baked images, each badge's public page and verification page, and the learner's "my badges" page.

mod pages;

use actix_web::http::StatusCode;
use actix_web::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::badges::{BadgeStanding, BadgeView};
use serde_json::{Value, json};
use uuid::Uuid;

use super::lti::pages::error_page;
use crate::routes::html;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ob/v2/issuer", web::get().to(ob2_issuer))
        .route("/ob/v2/revocations", web::get().to(ob2_revocations))
        .route("/ob/v2/badges/{content_id}", web::get().to(ob2_badge_class))
        .route("/ob/v2/assertions/{file}", web::get().to(ob2_assertion))
        .route("/ob/v3/issuer", web::get().to(ob3_issuer))
        .route("/ob/v3/issuer/jwks", web::get().to(ob3_jwks))
        .route("/ob/v3/issuer/keys/{kid}", web::get().to(ob3_key))
        .route("/ob/v3/credentials/{file}", web::get().to(ob3_credential))
        .route("/ob/v3/status/{file}", web::get().to(ob3_status_list))
        .route("/badges/verify/{id}", web::get().to(verify_page))
        .route("/badges/{content_id}/image.png", web::get().to(class_png))
        .route("/badges/{content_id}/image.svg", web::get().to(class_svg))
        .route("/badges/{content_id}", web::get().to(class_page))
        .route("/player/badges", web::post().to(my_badges));
}

/// A public document: JSON-LD, readable from any origin, cached briefly (revocation must show soon).
fn document(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "application/ld+json"))
        .insert_header((ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .body(body.to_string())
}

fn bytes(content_type: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .body(body)
}

fn not_found(what: &str) -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(json!({"error": "not_found", "message": what}))
}

fn unexpected(err: anyhow::Error) -> HttpResponse {
    tracing::error!(error = format!("{err:#}"), "badge request failed");
    HttpResponse::InternalServerError()
        .json(json!({"error": "internal", "message": "the hub could not answer; try again later"}))
}

/// `{id}` or `{id}.{extension}` of a badge file name.
fn badge_file(file: &str) -> Option<(Uuid, &str)> {
    let (id, extension) = file.split_once('.').unwrap_or((file, ""));
    Some((Uuid::parse_str(id).ok()?, extension))
}

async fn ob2_issuer(hub: web::Data<Hub>) -> HttpResponse {
    document(StatusCode::OK, &hub.badge_ob2_issuer())
}

async fn ob2_revocations(hub: web::Data<Hub>) -> HttpResponse {
    match hub.badge_revocation_list().await {
        Ok(list) => document(StatusCode::OK, &list),
        Err(err) => unexpected(err),
    }
}

async fn ob2_badge_class(hub: web::Data<Hub>, content_id: web::Path<String>) -> HttpResponse {
    match hub.badge_class_info(&content_id).await {
        Ok(Some(info)) => document(
            StatusCode::OK,
            &classcode_badges::documents::ob2_badge_class(&hub.badge_urls(), &info),
        ),
        Ok(None) => not_found("no badge for this content (it has no certification rule)"),
        Err(err) => unexpected(err),
    }
}

async fn ob2_assertion(hub: web::Data<Hub>, file: web::Path<String>) -> HttpResponse {
    let Some((id, extension)) = badge_file(&file) else {
        return not_found("no such assertion");
    };
    let view = match hub.badge_view(id).await {
        Ok(Some(view)) => view,
        Ok(None) => return not_found("no such assertion"),
        Err(err) => return unexpected(err),
    };
    // OB 2.0 §Revocation: a hosted assertion that was revoked answers 410 Gone with `revoked: true`.
    if view.standing == BadgeStanding::Revoked {
        let reason = view.badge.revoked_reason.clone().unwrap_or_default();
        return document(
            StatusCode::GONE,
            &classcode_badges::documents::ob2_revoked(&hub.badge_urls(), id, &reason),
        );
    }
    match extension {
        "" | "json" => match serde_json::from_str::<Value>(&view.badge.ob2_assertion) {
            Ok(assertion) => document(StatusCode::OK, &assertion),
            Err(err) => unexpected(err.into()),
        },
        "png" => baked(&hub, &view, false, false),
        "svg" => baked(&hub, &view, false, true),
        _ => not_found("an assertion is served as JSON, .png or .svg"),
    }
}

/// The badge's image with its OB 2.0 assertion or OB 3.0 credential baked in.
fn baked(hub: &Hub, view: &BadgeView, ob3: bool, svg: bool) -> HttpResponse {
    let name = view.credential["name"].as_str().unwrap_or("Badge");
    match hub.baked_image(&view.badge, ob3, svg, name) {
        Ok(image) => bytes(if svg { "image/svg+xml" } else { "image/png" }, image),
        Err(err) => unexpected(err),
    }
}

async fn ob3_issuer(hub: web::Data<Hub>) -> HttpResponse {
    match hub.badge_issuer_document().await {
        Ok(profile) => document(StatusCode::OK, &profile),
        Err(err) => unexpected(err),
    }
}

async fn ob3_jwks(hub: web::Data<Hub>) -> HttpResponse {
    match hub.badge_jwks().await {
        Ok(jwks) => HttpResponse::Ok()
            .insert_header((ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((CACHE_CONTROL, "public, max-age=300"))
            .json(jwks),
        Err(err) => unexpected(err),
    }
}

async fn ob3_key(hub: web::Data<Hub>, kid: web::Path<String>) -> HttpResponse {
    match hub.badge_key_document(&kid).await {
        Ok(Some(key)) => document(StatusCode::OK, &key),
        Ok(None) => not_found("no such key"),
        Err(err) => unexpected(err),
    }
}

async fn ob3_credential(hub: web::Data<Hub>, file: web::Path<String>) -> HttpResponse {
    let Some((id, extension)) = badge_file(&file) else {
        return not_found("no such credential");
    };
    // A revoked credential is still served: verifiers learn its revocation from the status list.
    let view = match hub.badge_view(id).await {
        Ok(Some(view)) => view,
        Ok(None) => return not_found("no such credential"),
        Err(err) => return unexpected(err),
    };
    // Erased with its holder's data: only the revocation (its status list bit) remains.
    if view.badge.ob3_credential.is_empty() {
        return document(
            StatusCode::GONE,
            &json!({
                "error": "erased",
                "message": "this credential was withdrawn when its holder's data was erased; the status list shows it revoked",
            }),
        );
    }
    match extension {
        "" | "json" => document(StatusCode::OK, &view.credential),
        "jwt" => bytes(
            "application/vc+jwt",
            view.badge.ob3_jwt.clone().into_bytes(),
        ),
        "png" => baked(&hub, &view, true, false),
        "svg" => baked(&hub, &view, true, true),
        _ => not_found("a credential is served as JSON, .jwt, .png or .svg"),
    }
}

async fn ob3_status_list(hub: web::Data<Hub>, file: web::Path<String>) -> HttpResponse {
    let (list, extension) = file.split_once('.').unwrap_or((&file, ""));
    let Ok(list) = list.parse::<u32>() else {
        return not_found("no such status list");
    };
    match extension {
        "" | "json" => match hub.badge_status_list(list).await {
            Ok(Some(credential)) => document(StatusCode::OK, &credential),
            Ok(None) => not_found("no such status list"),
            Err(err) => unexpected(err),
        },
        "jwt" => match hub.badge_status_list_jwt(list).await {
            Ok(Some(jwt)) => bytes("application/vc+jwt", jwt.into_bytes()),
            Ok(None) => not_found("no such status list"),
            Err(err) => unexpected(err),
        },
        _ => not_found("a status list is served as JSON or .jwt"),
    }
}

async fn class_png(hub: web::Data<Hub>, content_id: web::Path<String>) -> HttpResponse {
    match hub.badge_class_info(&content_id).await {
        Ok(Some(_)) => bytes("image/png", hub.badge_class_png(&content_id)),
        Ok(None) => not_found("no badge for this content"),
        Err(err) => unexpected(err),
    }
}

async fn class_svg(hub: web::Data<Hub>, content_id: web::Path<String>) -> HttpResponse {
    match hub.badge_class_info(&content_id).await {
        Ok(Some(info)) => bytes("image/svg+xml", hub.badge_class_svg(&info).into_bytes()),
        Ok(None) => not_found("no badge for this content"),
        Err(err) => unexpected(err),
    }
}

async fn class_page(hub: web::Data<Hub>, content_id: web::Path<String>) -> HttpResponse {
    match hub.badge_class_info(&content_id).await {
        Ok(Some(info)) => html(
            StatusCode::OK,
            pages::class_page(&info, &hub.badge_urls(), &hub.settings().badges),
        ),
        Ok(None) => html(
            StatusCode::NOT_FOUND,
            pages::not_found("Aucun badge pour ce contenu.", "No badge for this content."),
        ),
        Err(err) => unexpected(err),
    }
}

async fn verify_page(hub: web::Data<Hub>, id: web::Path<String>) -> HttpResponse {
    let view = match Uuid::parse_str(&id) {
        Ok(id) => hub.badge_view(id).await,
        Err(_) => Ok(None),
    };
    match view {
        Ok(Some(view)) => html(StatusCode::OK, pages::verify_page(&view, &hub.badge_urls())),
        Ok(None) => html(
            StatusCode::NOT_FOUND,
            pages::not_found(
                "Ce badge n'existe pas sur ce hub.",
                "This badge does not exist on this hub.",
            ),
        ),
        Err(err) => unexpected(err),
    }
}

async fn my_badges(hub: web::Data<Hub>, body: web::Bytes) -> HttpResponse {
    let mut session = String::new();
    let mut lang_choice = None;
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "session" => session = value.into_owned(),
            "lang" if value == "fr" || value == "en" => lang_choice = Some(value.into_owned()),
            _ => {}
        }
    }
    match hub.learner_badges(&session).await {
        Ok((lang, badges)) => {
            let lang = lang_choice.as_deref().unwrap_or(lang);
            html(
                StatusCode::OK,
                pages::my_badges(lang, &badges, &hub.badge_urls(), &session),
            )
        }
        Err(classcode_hub::player::PlayerError::Session(_)) => html(
            StatusCode::UNAUTHORIZED,
            error_page(
                lang_choice.as_deref().unwrap_or("fr"),
                "PLAYER_SESSION",
                "the player session expired: launch the activity again from the platform",
                "",
            ),
        ),
        Err(err) => unexpected(anyhow::anyhow!("{err}")),
    }
}
