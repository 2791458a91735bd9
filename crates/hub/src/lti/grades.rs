//! Grade passback (AGS 2.0) through a persisted outbox: a learner's scored `completed`/`passed`/`failed`
//! statement in a launched registration queues a score; a worker on every node claims due items, posts them
//! with a cached access token, and retries with exponential backoff while the platform is down, so no grade is
//! lost to an outage or a restart.

use std::time::Duration;

use chrono::Utc;
use classcode_lti::ags::{
    LINE_ITEM_CONTAINER_MEDIA_TYPE, LINE_ITEM_MEDIA_TYPE, LineItem, SCOPE_LINE_ITEM, SCOPE_SCORE,
    SCORE_MEDIA_TYPE, Score, scores_url,
};
use classcode_lti::roles::Standing;
use classcode_storage::{NewOutboxItem, OutboxItem, OutboxStatus, TenantId};
use serde_json::{Value, json};
use uuid::Uuid;

use super::read_body;
use crate::Hub;

const GRADED_VERBS: [&str; 3] = [
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
];

/// The points a score is given on in the gradebook.
const SCORE_MAXIMUM: f64 = 100.0;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// What one pass of the outbox worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// A statement that may carry a grade: its id, registration and scaled score.
pub(crate) struct GradeCandidate {
    pub statement_id: Uuid,
    pub registration: Uuid,
    pub scaled: f64,
}

/// Picks the statements that carry a grade; cheap enough for the ingest path (string compares only).
pub(crate) fn grade_candidate(statement_id: Uuid, statement: &Value) -> Option<GradeCandidate> {
    let verb = statement["verb"]["id"].as_str()?;
    if !GRADED_VERBS.contains(&verb) {
        return None;
    }
    let registration = statement["context"]["registration"].as_str()?;
    let scaled = statement["result"]["score"]["scaled"].as_f64()?;
    Some(GradeCandidate {
        statement_id,
        registration: Uuid::parse_str(registration).ok()?,
        scaled,
    })
}

enum Attempt {
    Done,
    Retry(String),
    GiveUp(String),
}

impl Hub {
    /// Queues the scores that stored statements carry. Statements outside an LTI launch, from staff, or from
    /// launches without grade services queue nothing.
    pub(crate) async fn queue_grades(
        &self,
        tenant_id: TenantId,
        candidates: Vec<GradeCandidate>,
    ) -> anyhow::Result<usize> {
        let mut queued = 0;
        for candidate in candidates {
            let Some(launch) = self
                .storage
                .find_latest_launch_for_registration(tenant_id, candidate.registration)
                .await?
            else {
                continue;
            };
            if Standing::parse(&launch.standing) != Some(Standing::Learner) {
                continue;
            }
            let Some(user_id) = launch.subject.clone() else {
                continue;
            };
            let claims: Value = serde_json::from_str(&launch.claims)?;
            let ags = &claims["ags"];
            let may_score = ags["scope"]
                .as_array()
                .is_some_and(|scopes| scopes.iter().any(|scope| scope == SCOPE_SCORE));
            let line_item = ags["lineitem"].as_str();
            let line_items = ags["lineitems"].as_str();
            if !may_score || (line_item.is_none() && line_items.is_none()) {
                continue;
            }
            let score = Score::completed(
                &user_id,
                candidate.scaled,
                SCORE_MAXIMUM,
                Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            );
            let target = match line_item {
                Some(line_item) => scores_url(line_item)?,
                None => line_items.unwrap_or_default().to_owned(),
            };
            let payload = json!({
                "score": score,
                "line_item": line_item,
                "line_items": line_items,
                "resource_link_id": launch.resource_link_id,
                "label": launch.content_id,
            });
            let inserted = self
                .storage
                .insert_outbox_item(NewOutboxItem {
                    tenant_id,
                    platform_id: launch.platform_id,
                    kind: "score".to_owned(),
                    dedupe_key: format!("score:{}:{}", tenant_id, candidate.statement_id),
                    target_url: target,
                    payload: payload.to_string(),
                    created_at: Utc::now(),
                })
                .await?;
            if inserted {
                queued += 1;
                tracing::info!(launch_id = %launch.id, "score queued");
            }
        }
        Ok(queued)
    }

    /// Starts the outbox worker of this node.
    pub(crate) fn spawn_outbox_worker(&self) {
        let hub = self.clone();
        let every = Duration::from_millis(self.lti.settings.outbox_poll_ms.max(50));
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_sweep = tokio::time::Instant::now();
            loop {
                ticker.tick().await;
                if let Err(err) = hub.run_outbox_once().await {
                    tracing::warn!(error = %err, "outbox pass failed");
                }
                // Login states are short-lived: forget the expired ones once a minute.
                if last_sweep.elapsed() >= Duration::from_secs(60) {
                    last_sweep = tokio::time::Instant::now();
                    if let Err(err) = hub
                        .storage
                        .delete_login_states_expired_before(Utc::now())
                        .await
                    {
                        tracing::warn!(error = %err, "sweeping expired login states failed");
                    }
                }
            }
        });
    }

    /// One pass: claims due items and attempts each once.
    pub async fn run_outbox_once(&self) -> anyhow::Result<OutboxReport> {
        let now = Utc::now();
        let lease = chrono::Duration::seconds(self.lti.settings.outbox_lease_secs);
        let items = self
            .storage
            .claim_due_outbox_items(now, now + lease, 20)
            .await?;
        let mut report = OutboxReport::default();
        for item in items {
            let attempts = item.attempts + 1;
            let outcome = match item.kind.as_str() {
                "score" => self.post_score(&item).await,
                other => Attempt::GiveUp(format!("unknown outbox kind {other:?}")),
            };
            let now = Utc::now();
            match outcome {
                Attempt::Done => {
                    report.sent += 1;
                    self.storage
                        .update_outbox_attempt(
                            item.id,
                            OutboxStatus::Done,
                            attempts,
                            now,
                            None,
                            now,
                        )
                        .await?;
                }
                Attempt::Retry(error) if attempts < self.lti.settings.outbox_max_attempts => {
                    report.retried += 1;
                    let base = Duration::from_millis(self.lti.settings.outbox_retry_base_ms);
                    let exponent = u32::try_from(attempts - 1).unwrap_or(0).min(16);
                    let delay = base
                        .saturating_mul(2u32.saturating_pow(exponent))
                        .min(MAX_BACKOFF);
                    let next = now + chrono::Duration::from_std(delay).unwrap_or(lease);
                    tracing::warn!(outbox_id = %item.id, attempts, error = %error, "platform call failed, will retry");
                    self.storage
                        .update_outbox_attempt(
                            item.id,
                            OutboxStatus::Pending,
                            attempts,
                            next,
                            Some(error),
                            now,
                        )
                        .await?;
                }
                Attempt::Retry(error) | Attempt::GiveUp(error) => {
                    report.failed += 1;
                    tracing::error!(outbox_id = %item.id, attempts, error = %error, "platform call given up");
                    self.storage
                        .update_outbox_attempt(
                            item.id,
                            OutboxStatus::Failed,
                            attempts,
                            now,
                            Some(error),
                            now,
                        )
                        .await?;
                }
            }
        }
        Ok(report)
    }

    async fn post_score(&self, item: &OutboxItem) -> Attempt {
        let platform = match self.storage.find_platform(item.platform_id).await {
            Ok(Some(platform)) => platform,
            Ok(None) => return Attempt::GiveUp("the platform registration is gone".to_owned()),
            Err(err) => return Attempt::Retry(err.to_string()),
        };
        let payload: Value = match serde_json::from_str(&item.payload) {
            Ok(payload) => payload,
            Err(err) => return Attempt::GiveUp(format!("unreadable payload: {err}")),
        };
        let needs_line_item = payload["line_item"].is_null();
        let scopes: Vec<&str> = if needs_line_item {
            vec![SCOPE_LINE_ITEM, SCOPE_SCORE]
        } else {
            vec![SCOPE_SCORE]
        };
        let token = match self.platform_access_token(&platform, &scopes).await {
            Ok(token) => token,
            Err(err) => return Attempt::Retry(err.to_string()),
        };
        let target = if needs_line_item {
            match self
                .find_or_create_line_item(&item.target_url, &payload, &token)
                .await
            {
                Ok(line_item) => match scores_url(&line_item) {
                    Ok(url) => url,
                    Err(err) => return Attempt::GiveUp(format!("bad line item URL: {err}")),
                },
                Err(attempt) => return attempt,
            }
        } else {
            item.target_url.clone()
        };
        let response = self
            .lti
            .http
            .post(&target)
            .bearer_auth(&token)
            .header("content-type", SCORE_MEDIA_TYPE)
            .body(payload["score"].to_string())
            .send()
            .await;
        match response {
            Err(err) => Attempt::Retry(err.without_url().to_string()),
            Ok(response) if response.status().is_success() => Attempt::Done,
            Ok(response) => {
                let status = response.status();
                if status == reqwest::StatusCode::UNAUTHORIZED {
                    self.forget_access_token(platform.id, &scopes);
                }
                classify(status)
            }
        }
    }

    /// The line item of a resource link, created when the platform has none (AGS 2.0 §3.2).
    async fn find_or_create_line_item(
        &self,
        line_items_url: &str,
        payload: &Value,
        token: &str,
    ) -> Result<String, Attempt> {
        let resource_link_id = payload["resource_link_id"].as_str().unwrap_or_default();
        let mut url =
            url::Url::parse(line_items_url).map_err(|err| Attempt::GiveUp(err.to_string()))?;
        url.query_pairs_mut()
            .append_pair("resource_link_id", resource_link_id);
        let response = self
            .lti
            .http
            .get(url.as_str())
            .bearer_auth(token)
            .header("accept", LINE_ITEM_CONTAINER_MEDIA_TYPE)
            .send()
            .await
            .map_err(|err| Attempt::Retry(err.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(classify(response.status()));
        }
        let body = read_body(response)
            .await
            .map_err(|err| Attempt::Retry(err.to_string()))?;
        let existing: Vec<LineItem> = serde_json::from_slice(&body).unwrap_or_default();
        if let Some(id) = existing.into_iter().find_map(|line_item| line_item.id) {
            return Ok(id);
        }
        let new_item = LineItem {
            id: None,
            score_maximum: SCORE_MAXIMUM,
            label: payload["label"].as_str().unwrap_or("Class'Code").to_owned(),
            resource_id: payload["label"].as_str().map(str::to_owned),
            resource_link_id: Some(resource_link_id.to_owned()),
            tag: Some("classcode".to_owned()),
        };
        let response = self
            .lti
            .http
            .post(line_items_url)
            .bearer_auth(token)
            .header("content-type", LINE_ITEM_MEDIA_TYPE)
            .body(serde_json::to_string(&new_item).unwrap_or_default())
            .send()
            .await
            .map_err(|err| Attempt::Retry(err.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(classify(response.status()));
        }
        let body = read_body(response)
            .await
            .map_err(|err| Attempt::Retry(err.to_string()))?;
        let created: LineItem = serde_json::from_slice(&body)
            .map_err(|err| Attempt::GiveUp(format!("bad line item answer: {err}")))?;
        created
            .id
            .ok_or_else(|| Attempt::GiveUp("the created line item has no id".to_owned()))
    }
}

/// What an HTTP failure means for the next attempt: the platform's own trouble is retried; a refusal of the
/// content (400, 403, 404, 422: Moodle answers 400 to a score for a teacher) is not.
fn classify(status: reqwest::StatusCode) -> Attempt {
    let message = format!("the platform answered HTTP {}", status.as_u16());
    if status.is_server_error()
        || status == reqwest::StatusCode::UNAUTHORIZED
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
    {
        Attempt::Retry(message)
    } else {
        Attempt::GiveUp(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scored_graded_verbs_in_a_registration_are_candidates() {
        let id = Uuid::now_v7();
        let registration = "0b7e3c1e-5b1a-4a0e-9d6a-0d5f2b1c9e11";
        let graded = json!({
            "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
            "context": {"registration": registration},
            "result": {"score": {"scaled": 0.9}}
        });
        let candidate = grade_candidate(id, &graded).unwrap();
        assert_eq!(candidate.scaled, 0.9);
        assert_eq!(candidate.registration.to_string(), registration);

        let mut no_score = graded.clone();
        no_score["result"] = json!({"completion": true});
        assert!(grade_candidate(id, &no_score).is_none());
        let mut other_verb = graded.clone();
        other_verb["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/experienced");
        assert!(grade_candidate(id, &other_verb).is_none());
        let mut no_registration = graded;
        no_registration["context"] = json!({});
        assert!(grade_candidate(id, &no_registration).is_none());
    }

    #[test]
    fn platform_outages_are_retried_and_refusals_are_not() {
        assert!(matches!(
            classify(reqwest::StatusCode::SERVICE_UNAVAILABLE),
            Attempt::Retry(_)
        ));
        assert!(matches!(
            classify(reqwest::StatusCode::UNAUTHORIZED),
            Attempt::Retry(_)
        ));
        assert!(matches!(
            classify(reqwest::StatusCode::BAD_REQUEST),
            Attempt::GiveUp(_)
        ));
    }
}
