//! `/api/admin/learners`: a learner's data (`/data`) and their erasure (`/erase`, with `dry_run` to count first),
//! as `classcode learner export|erase` do; and `/api/admin/audit`, the log of admin actions.

use actix_web::{HttpResponse, get, post, web};
use classcode_hub::Hub;
use classcode_hub::learners::{Learner, LearnerError, LearnerRef};
use serde::Deserialize;
use serde_json::Value;

use super::AdminCaller;
use crate::error::ApiError;

/// Audit entries per page, by default and at most.
const AUDIT_PAGE: u64 = 100;
const AUDIT_PAGE_MAX: u64 = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(learner_data)
        .service(erase_learner)
        .service(audit_log);
}

/// Names a learner: `tenant` and either `agent` (xAPI) or `user` (the LMS's `sub`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnerRequest {
    tenant: String,
    #[serde(default)]
    agent: Option<Value>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

fn learner_error(err: LearnerError) -> ApiError {
    match err {
        LearnerError::UnknownTenant(_) => ApiError::NotFound(err.to_string()),
        LearnerError::NoPlatform(_) | LearnerError::BadAgent | LearnerError::NotALearner => {
            ApiError::bad_request("invalid_learner", err.to_string())
        }
        LearnerError::Unexpected(inner) => ApiError::Unexpected(inner),
    }
}

async fn find(hub: &Hub, request: &LearnerRequest) -> Result<Learner, ApiError> {
    let learner = match (&request.agent, &request.user) {
        (Some(agent), None) => LearnerRef::Agent(agent.clone()),
        (None, Some(user)) if !user.is_empty() => LearnerRef::LmsUser(user.clone()),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_learner",
                "name the learner by `agent` (an xAPI agent) or by `user` (their LMS user id), not both",
            ));
        }
    };
    hub.find_learner(&request.tenant, &learner)
        .await
        .map_err(learner_error)
}

#[tracing::instrument(skip_all)]
#[post("/learners/data")]
async fn learner_data(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    body: web::Json<LearnerRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.dry_run {
        return Err(ApiError::bad_request(
            "invalid_request",
            "dry_run only applies to /learners/erase",
        ));
    }
    let learner = find(&hub, &body).await?;
    let data = hub.learner_data(&learner).await.map_err(learner_error)?;
    Ok(HttpResponse::Ok().json(data))
}

#[tracing::instrument(skip_all)]
#[post("/learners/erase")]
async fn erase_learner(
    admin: AdminCaller,
    hub: web::Data<Hub>,
    body: web::Json<LearnerRequest>,
) -> Result<HttpResponse, ApiError> {
    let learner = find(&hub, &body).await?;
    let report = hub
        .erase_learner(&learner, body.dry_run, &admin.actor)
        .await
        .map_err(learner_error)?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    before: Option<i64>,
    limit: Option<u64>,
}

#[tracing::instrument(skip_all)]
#[get("/audit")]
async fn audit_log(
    _admin: AdminCaller,
    hub: web::Data<Hub>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(AUDIT_PAGE);
    if limit == 0 || limit > AUDIT_PAGE_MAX {
        return Err(ApiError::bad_request(
            "invalid_limit",
            format!("limit must be between 1 and {AUDIT_PAGE_MAX}"),
        ));
    }
    Ok(HttpResponse::Ok().json(hub.audit_log(query.before, limit).await?))
}
