//! `/api/admin/badges`: the awarded badges (newest first), revoking one with a reason, re-issuing one, and
//! rotating the badge signing key, as `classcode badges` does.

use actix_web::{HttpResponse, get, post, web};
use classcode_hub::Hub;
use classcode_hub::badges::BadgeError;
use serde::Deserialize;
use uuid::Uuid;

use super::AdminCaller;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_badges)
        .service(revoke_badge)
        .service(reissue_badge)
        .service(rotate_key);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    reason: String,
}

fn badge_error(err: BadgeError) -> ApiError {
    match err {
        BadgeError::NotFound(_) => ApiError::NotFound(err.to_string()),
        BadgeError::AlreadyRevoked(_) | BadgeError::CertificationRevoked(_) => {
            ApiError::Conflict(err.to_string())
        }
        BadgeError::BadReason => ApiError::bad_request("invalid_reason", err.to_string()),
        BadgeError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

fn badge_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| {
        ApiError::bad_request(
            "invalid_badge_id",
            format!("{id:?} is not a badge id (a UUID)"),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BadgeQuery {
    content_id: Option<String>,
    standing: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
}

#[tracing::instrument(skip_all)]
#[get("/badges")]
async fn list_badges(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    query: web::Query<BadgeQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if let Some(standing) = &query.standing
        && !matches!(standing.as_str(), "active" | "expired" | "revoked")
    {
        return Err(ApiError::bad_request(
            "invalid_standing",
            "standing is active, expired or revoked",
        ));
    }
    let limit = query.limit.unwrap_or(1000);
    if limit == 0 || limit > 10_000 {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be between 1 and 10000",
        ));
    }
    let urls = hub.badge_urls();
    let badges = hub
        .search_badges(&classcode_hub::badges::BadgeSearch {
            content_id: query.content_id.filter(|value| !value.is_empty()),
            standing: query.standing,
            text: query.q.filter(|value| !value.trim().is_empty()),
            limit,
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        badges
            .iter()
            .map(|view| view.summary(&urls))
            .collect::<Vec<_>>(),
    ))
}

#[tracing::instrument(skip_all, fields(badge = %id))]
#[post("/badges/{id}/revoke")]
async fn revoke_badge(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    id: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    let view = hub
        .revoke_badge(badge_id(&id)?, &body.reason)
        .await
        .map_err(badge_error)?;
    Ok(HttpResponse::Ok().json(view.summary(&hub.badge_urls())))
}

#[tracing::instrument(skip_all, fields(badge = %id))]
#[post("/badges/{id}/reissue")]
async fn reissue_badge(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = hub
        .reissue_badge(badge_id(&id)?)
        .await
        .map_err(badge_error)?;
    Ok(HttpResponse::Created().json(view.summary(&hub.badge_urls())))
}

#[tracing::instrument(skip_all)]
#[post("/badges/keys/rotate")]
async fn rotate_key(_admin: AdminCaller, hub: web::Data<Hub>) -> Result<HttpResponse, ApiError> {
    let kid = hub.rotate_badge_key().await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "kid": kid })))
}
