//! Certification from statements: a module's or a parcours' `[certification]` rule evaluated over a learner's
//! registration, when statements arrive, when a proving statement is voided, and on `classcode certify recompute`.
//! The result records the rule version, the score and the ids of the statements that proved it; a certification
//! whose proof no longer holds is revoked. Certifying records an `earned` statement and, for a parcours, a grade.
//!
//! Completion is self-reported (a learner marks a page done), but scores are not: only quiz results the hub scored
//! itself count, and they carry [`EXT_SCORED_BY_HUB`], which the LRS refuses from any other caller.

use std::collections::BTreeMap;

use chrono::Utc;
use classcode_content::{ActivityKind, ModuleManifest, ParcoursManifest};
use classcode_storage::{Certification, CertificationStatus, TenantId};
use classcode_xapi::XapiVersion;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Hub;
use crate::lti::GradeCandidate;

/// Marks a quiz result the hub scored itself (`true`); reserved to the hub's own scoring.
pub const EXT_SCORED_BY_HUB: &str = "https://classcode.fr/xapi/extensions/scored-by-hub";
const VERB_EARNED: &str = "http://id.tincanapi.com/verb/earned";
/// Verbs that can make progress towards a certification.
const PROGRESS_VERBS: [&str; 4] = [
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://adlnet.gov/expapi/verbs/scored",
];

/// What a rule concluded over a registration's statements.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Certified {
        scaled: f64,
        evidence: Vec<Uuid>,
    },
    /// Not (or no longer) certified: what is missing, in words.
    NotYet(Vec<String>),
}

/// What the statements say about one activity: the first statement that shows it done, and the best hub-scored
/// quiz result with its statement.
#[derive(Clone, Debug, Default)]
struct ActivityRecord {
    done: Option<Uuid>,
    best: Option<(f64, Uuid)>,
}

fn is_hub_scored(statement: &Value) -> bool {
    statement["context"]["extensions"][EXT_SCORED_BY_HUB] == true
}

/// The record of each activity IRI in these statements.
fn records(statements: &[Value]) -> BTreeMap<String, ActivityRecord> {
    let mut records: BTreeMap<String, ActivityRecord> = BTreeMap::new();
    for statement in statements {
        let (Some(object), Some(verb), Some(id)) = (
            statement["object"]["id"].as_str(),
            statement["verb"]["id"].as_str(),
            statement["id"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok()),
        ) else {
            continue;
        };
        let record = records.entry(object.to_owned()).or_default();
        let quiz_result = verb != PROGRESS_VERBS[0] && PROGRESS_VERBS.contains(&verb);
        if quiz_result && !is_hub_scored(statement) {
            continue;
        }
        if PROGRESS_VERBS.contains(&verb) && record.done.is_none() {
            record.done = Some(id);
        }
        if quiz_result
            && let Some(scaled) = statement["result"]["score"]["scaled"].as_f64()
            && record.best.is_none_or(|(best, _)| scaled > best)
        {
            record.best = Some((scaled, id));
        }
    }
    records
}

/// A module's rule: every required activity done, and the certification quiz's best hub-scored result at or above
/// the threshold. The score is that result.
pub fn evaluate_module(
    manifest: &ModuleManifest,
    iri: impl Fn(&str) -> String,
    statements: &[Value],
) -> Option<Verdict> {
    let rule = manifest.certification.as_ref()?;
    let records = records(statements);
    let mut missing = Vec::new();
    let mut evidence = Vec::new();
    for activity in manifest
        .activities
        .iter()
        .filter(|activity| activity.required)
    {
        if rule.quiz.as_deref() == Some(activity.id.as_str()) {
            // Proved below, by its best result.
            continue;
        }
        match records
            .get(&iri(&activity.id))
            .and_then(|record| record.done)
        {
            Some(id) => evidence.push(id),
            None => missing.push(format!("activity {} not done", activity.id)),
        }
    }
    let mut scaled = 1.0;
    if let Some(quiz) = &rule.quiz {
        match records.get(&iri(quiz)).and_then(|record| record.best) {
            Some((best, id)) if best >= rule.min_scaled_score => {
                scaled = best;
                evidence.push(id);
            }
            Some((best, _)) => missing.push(format!(
                "quiz {quiz}: best score {best} under {}",
                rule.min_scaled_score
            )),
            None => missing.push(format!("quiz {quiz} not scored")),
        }
    }
    evidence.sort();
    evidence.dedup();
    Some(if missing.is_empty() {
        Verdict::Certified { scaled, evidence }
    } else {
        Verdict::NotYet(missing)
    })
}

/// A parcours' rule: every activity of every step done, and each quiz among them scored at or above the threshold
/// (best hub-scored result). The score is the mean of those quizzes' best results.
pub fn evaluate_parcours(
    parcours: &ParcoursManifest,
    kind_of: impl Fn(&str, &str) -> Option<ActivityKind>,
    iri: impl Fn(&str, &str) -> String,
    statements: &[Value],
) -> Option<Verdict> {
    let rule = parcours.certification.as_ref()?;
    let records = records(statements);
    let mut missing = Vec::new();
    let mut evidence = Vec::new();
    let mut scores = Vec::new();
    for step in &parcours.steps {
        for activity in &step.activities {
            let record = records.get(&iri(&step.module, activity));
            let is_quiz = kind_of(&step.module, activity) == Some(ActivityKind::Quiz);
            match record.and_then(|record| record.done) {
                // A quiz is proved below, by its best result.
                Some(_) if is_quiz => {}
                Some(id) => evidence.push(id),
                None => missing.push(format!("activity {}#{activity} not done", step.module)),
            }
            if is_quiz {
                match record.and_then(|record| record.best) {
                    Some((best, id)) if best >= rule.min_scaled_score => {
                        scores.push(best);
                        evidence.push(id);
                    }
                    Some((best, _)) => missing.push(format!(
                        "quiz {}#{activity}: best score {best} under {}",
                        step.module, rule.min_scaled_score
                    )),
                    None => missing.push(format!("quiz {}#{activity} not scored", step.module)),
                }
            }
        }
    }
    evidence.sort();
    evidence.dedup();
    let scaled = if scores.is_empty() {
        1.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    };
    Some(if missing.is_empty() {
        Verdict::Certified { scaled, evidence }
    } else {
        Verdict::NotYet(missing)
    })
}

/// A certification as the admin API and the CLI show it (JSON).
pub fn view(certification: &Certification) -> Value {
    json!({
        "id": certification.id,
        "tenant_id": certification.tenant_id,
        "registration": certification.registration,
        "content_id": certification.content_id,
        "content_version": certification.content_version,
        "rule_version": certification.rule_version,
        "actor": serde_json::from_str::<Value>(&certification.actor).unwrap_or_default(),
        "status": certification.status.as_str(),
        "scaled": certification.scaled,
        "evidence": certification.evidence,
        "certified_at": certification.certified_at.to_rfc3339(),
        "revoked_at": certification.revoked_at.map(|at| at.to_rfc3339()),
        "revoked_reason": certification.revoked_reason,
    })
}

/// The registrations a batch of stored statements may have moved: those of statements about the hub's content
/// with a progress verb. Cheap enough for the ingest path (string compares only).
pub(crate) fn touched_registration(content_prefix: &str, statement: &Value) -> Option<Uuid> {
    let verb = statement["verb"]["id"].as_str()?;
    if !PROGRESS_VERBS.contains(&verb)
        || !statement["object"]["id"]
            .as_str()?
            .starts_with(content_prefix)
    {
        return None;
    }
    Uuid::parse_str(statement["context"]["registration"].as_str()?).ok()
}

impl Hub {
    /// Evaluates the certification rule of the content a learner's registration launched, and records what changed:
    /// a new (or restored) certification with its `earned` statement and, for a parcours, its grade; or the
    /// revocation of one whose proof no longer holds. Returns the certification as it now stands.
    pub async fn certify_registration(
        &self,
        tenant_id: TenantId,
        registration: Uuid,
    ) -> anyhow::Result<Option<Certification>> {
        let Some(launch) = self
            .storage
            .find_latest_launch_for_registration(tenant_id, registration)
            .await?
        else {
            return Ok(None);
        };
        let Some(content_id) = launch.content_id.clone().filter(|id| !id.contains('#')) else {
            return Ok(None);
        };
        if launch.standing != "learner" {
            return Ok(None);
        }
        let packages = self.storage.find_content_packages().await?;
        let Some(package) = crate::content::newest(&packages, &content_id).cloned() else {
            return Ok(None);
        };
        let statements = self
            .statements_of_registration(tenant_id, registration)
            .await?;
        let (verdict, rule_version) = match package.kind.as_str() {
            "module" => {
                let manifest: ModuleManifest = serde_json::from_str(&package.manifest)?;
                let verdict = evaluate_module(
                    &manifest,
                    |activity| self.content_iri(&manifest.id, Some(activity)),
                    &statements,
                );
                (
                    verdict,
                    manifest.certification.map(|rule| rule.rule_version),
                )
            }
            "parcours" => {
                let parcours: ParcoursManifest = serde_json::from_str(&package.manifest)?;
                let modules: BTreeMap<String, ModuleManifest> = parcours
                    .steps
                    .iter()
                    .filter_map(|step| crate::content::newest(&packages, &step.module))
                    .filter_map(|package| {
                        serde_json::from_str::<ModuleManifest>(&package.manifest).ok()
                    })
                    .map(|manifest| (manifest.id.clone(), manifest))
                    .collect();
                let verdict = evaluate_parcours(
                    &parcours,
                    |module, activity| {
                        modules
                            .get(module)?
                            .activities
                            .iter()
                            .find(|candidate| candidate.id == activity)
                            .map(|candidate| candidate.kind)
                    },
                    |module, activity| self.content_iri(module, Some(activity)),
                    &statements,
                );
                (
                    verdict,
                    parcours.certification.map(|rule| rule.rule_version),
                )
            }
            _ => (None, None),
        };
        let (Some(verdict), Some(rule_version)) = (verdict, rule_version) else {
            return Ok(None);
        };
        let current = self
            .storage
            .find_certification(tenant_id, registration, &content_id)
            .await?;
        let now = Utc::now();
        match verdict {
            Verdict::Certified { scaled, evidence } => {
                if let Some(current) = &current
                    && current.status == CertificationStatus::Certified
                {
                    // Idempotent, and the catch-up when a badge could not be awarded the first time.
                    if let Err(err) = self.award_badge(current).await {
                        tracing::error!(error = %err, certification = %current.id, "badge not awarded");
                    }
                    return Ok(Some(current.clone()));
                }
                let actor = self.launch_actor(&launch).await;
                let certification = Certification {
                    id: current
                        .as_ref()
                        .map_or_else(Uuid::now_v7, |current| current.id),
                    tenant_id,
                    registration,
                    content_id: content_id.clone(),
                    content_version: package.version.clone(),
                    rule_version: rule_version as i32,
                    actor: actor.to_string(),
                    status: CertificationStatus::Certified,
                    scaled,
                    evidence,
                    certified_at: now,
                    revoked_at: None,
                    revoked_reason: None,
                };
                self.storage.save_certification(&certification).await?;
                tracing::info!(%registration, content_id, "certified");
                // A badge that cannot be awarded now is awarded on the next evaluation or `certify recompute`.
                if let Err(err) = self.award_badge(&certification).await {
                    tracing::error!(error = %err, certification = %certification.id, "badge not awarded");
                }
                let earned_id = Uuid::new_v4();
                let earned = json!({
                    "id": earned_id,
                    "actor": actor,
                    "verb": {"id": VERB_EARNED, "display": {"fr-FR": "a obtenu", "en-US": "earned"}},
                    "object": {
                        "objectType": "Activity",
                        "id": format!("{}/badges/{content_id}", self.settings.public_url),
                        "definition": {"type": "https://w3id.org/xapi/tla/activity-types/badge"},
                    },
                    "result": {"success": true, "completion": true, "score": {"scaled": (scaled * 10_000.0).round() / 10_000.0}},
                    "context": {
                        "registration": registration,
                        "extensions": {
                            "https://classcode.fr/xapi/extensions/certification": certification.id,
                            "https://classcode.fr/xapi/extensions/rule-version": rule_version,
                            "https://classcode.fr/xapi/extensions/content-version": package.version,
                        },
                    },
                });
                // Boxed: storing statements is what called this.
                Box::pin(self.store_statements(
                    &self.hub_caller(tenant_id),
                    XapiVersion::V2_0,
                    earned,
                    None,
                    None,
                ))
                .await
                .map_err(|err| anyhow::anyhow!("recording earned: {err}"))?;
                if package.kind == "parcours" {
                    // A module's grade is its certification quiz's score, already sent; a parcours' is this one.
                    self.queue_grades(
                        tenant_id,
                        vec![GradeCandidate {
                            statement_id: earned_id,
                            registration,
                            scaled,
                        }],
                    )
                    .await?;
                }
                Ok(Some(certification))
            }
            Verdict::NotYet(missing) => match current {
                Some(current) if current.status == CertificationStatus::Certified => {
                    let reason = format!("the rule no longer holds: {}", missing.join("; "));
                    self.storage
                        .revoke_certification(current.id, &reason, now)
                        .await?;
                    self.revoke_badges_of(&current, &reason).await?;
                    tracing::info!(%registration, content_id, %reason, "certification revoked");
                    Ok(self
                        .storage
                        .find_certification(tenant_id, registration, &content_id)
                        .await?)
                }
                other => Ok(other),
            },
        }
    }

    /// After statements are stored: evaluates the registrations they moved, and those whose proof a voiding
    /// statement took away. Errors are logged: the statements are stored and `certify recompute` can catch up.
    pub(crate) async fn certify_after_store(
        &self,
        tenant_id: TenantId,
        registrations: Vec<Uuid>,
        voided: Vec<Uuid>,
    ) {
        let mut registrations = registrations;
        match self
            .storage
            .find_certifications_proved_by(tenant_id, &voided)
            .await
        {
            Ok(found) => registrations.extend(
                found
                    .into_iter()
                    .map(|certification| certification.registration),
            ),
            Err(err) => {
                tracing::error!(error = %err, "certifications proved by voided statements not found")
            }
        }
        registrations.sort();
        registrations.dedup();
        for registration in registrations {
            if let Err(err) = Box::pin(self.certify_registration(tenant_id, registration)).await {
                tracing::error!(error = %err, %registration, "certification not evaluated");
            }
        }
    }

    /// Every certification, newest first.
    pub async fn list_certifications(
        &self,
    ) -> Result<Vec<Certification>, classcode_storage::StorageError> {
        self.storage.list_certifications(None).await
    }

    /// `classcode certify recompute`: every learner registration evaluated again; `progress` is told each step.
    pub async fn recompute_certifications(
        &self,
        mut progress: impl FnMut(usize, usize),
    ) -> anyhow::Result<(usize, usize)> {
        let registrations = self.storage.find_learner_registrations().await?;
        let total = registrations.len();
        let mut certified = 0;
        for (index, (tenant_id, registration)) in registrations.into_iter().enumerate() {
            if let Some(certification) = self.certify_registration(tenant_id, registration).await?
                && certification.status == CertificationStatus::Certified
            {
                certified += 1;
            }
            progress(index + 1, total);
        }
        Ok((total, certified))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{ImportSource, demo_sources};

    fn information() -> ModuleManifest {
        demo_sources()
            .into_iter()
            .find_map(|source| match source {
                ImportSource::Module { files, .. } => classcode_content::check_module(&files)
                    .ok()
                    .map(|package| package.manifest)
                    .filter(|manifest| manifest.id == "fr.classcode.information"),
                _ => None,
            })
            .unwrap()
    }

    fn iri(activity: &str) -> String {
        format!("https://hub/content/fr.classcode.information/{activity}")
    }

    fn statement(verb: &str, activity: &str, scaled: Option<f64>, hub: bool) -> Value {
        let mut statement = json!({
            "id": Uuid::new_v4(),
            "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}")},
            "object": {"id": iri(activity)},
            "context": {"extensions": {}},
        });
        if let Some(scaled) = scaled {
            statement["result"] = json!({"score": {"scaled": scaled}});
        }
        if hub {
            statement["context"]["extensions"][EXT_SCORED_BY_HUB] = json!(true);
        }
        statement
    }

    fn all_required_done(manifest: &ModuleManifest) -> Vec<Value> {
        manifest
            .activities
            .iter()
            .filter(|activity| activity.required && activity.kind != ActivityKind::Quiz)
            .map(|activity| statement("completed", &activity.id, None, false))
            .collect()
    }

    #[test]
    fn a_module_is_certified_by_its_required_activities_and_a_hub_scored_final_quiz() {
        let manifest = information();
        let mut statements = all_required_done(&manifest);
        let verdict = evaluate_module(&manifest, iri, &statements).unwrap();
        assert!(
            matches!(&verdict, Verdict::NotYet(missing) if missing.iter().any(|m| m.contains("quiz-final"))),
            "{verdict:?}"
        );
        // A score the browser claimed (no hub mark) does not count.
        statements.push(statement("passed", "quiz-final", Some(1.0), false));
        assert!(matches!(
            evaluate_module(&manifest, iri, &statements),
            Some(Verdict::NotYet(_))
        ));
        statements.push(statement("failed", "quiz-final", Some(0.5), true));
        let Some(Verdict::NotYet(missing)) = evaluate_module(&manifest, iri, &statements) else {
            panic!("a failed quiz does not certify");
        };
        assert!(
            missing.iter().any(|m| m.contains("under 0.7")),
            "{missing:?}"
        );
        let passed = statement("passed", "quiz-final", Some(0.8), true);
        let passed_id = Uuid::parse_str(passed["id"].as_str().unwrap()).unwrap();
        statements.push(passed);
        let Some(Verdict::Certified { scaled, evidence }) =
            evaluate_module(&manifest, iri, &statements)
        else {
            panic!("all done and passed");
        };
        assert_eq!(scaled, 0.8);
        assert!(evidence.contains(&passed_id));
        let required = manifest
            .activities
            .iter()
            .filter(|activity| activity.required)
            .count();
        assert_eq!(evidence.len(), required, "one proof per required activity");
        // Take one page away (as voiding does): no longer certified.
        statements.remove(0);
        assert!(matches!(
            evaluate_module(&manifest, iri, &statements),
            Some(Verdict::NotYet(_))
        ));
    }

    #[test]
    fn a_parcours_is_certified_by_every_step_and_its_quizzes_mean_score() {
        let mut parcours = None;
        let mut kinds: BTreeMap<(String, String), ActivityKind> = BTreeMap::new();
        for source in demo_sources() {
            match source {
                ImportSource::Module { files, .. } => {
                    let manifest = classcode_content::check_module(&files).unwrap().manifest;
                    for activity in &manifest.activities {
                        kinds.insert((manifest.id.clone(), activity.id.clone()), activity.kind);
                    }
                }
                ImportSource::Parcours { origin, bytes } => {
                    parcours = Some(classcode_content::check_parcours(&origin, &bytes).unwrap());
                }
                ImportSource::Cmi5 { .. } => {}
            }
        }
        let parcours = parcours.unwrap();
        let threshold = parcours.certification.as_ref().unwrap().min_scaled_score;
        let kind_of = |module: &str, activity: &str| {
            kinds
                .get(&(module.to_owned(), activity.to_owned()))
                .copied()
        };
        let iri = |module: &str, activity: &str| format!("https://hub/content/{module}/{activity}");
        let mut statements = Vec::new();
        let mut quizzes = 0;
        for step in &parcours.steps {
            for activity in &step.activities {
                let mut done = if kind_of(&step.module, activity) == Some(ActivityKind::Quiz) {
                    quizzes += 1;
                    let scaled = if quizzes == 1 { 1.0 } else { threshold };
                    statement("scored", activity, Some(scaled), true)
                } else {
                    statement("completed", activity, None, false)
                };
                done["object"]["id"] = json!(iri(&step.module, activity));
                statements.push(done);
            }
        }
        let Some(Verdict::Certified { scaled, evidence }) =
            evaluate_parcours(&parcours, kind_of, iri, &statements)
        else {
            panic!("every step done");
        };
        let expected = (1.0 + threshold * f64::from(quizzes - 1)) / f64::from(quizzes);
        assert!((scaled - expected).abs() < 1e-9, "{scaled} vs {expected}");
        assert_eq!(evidence.len(), statements.len());
        statements.pop();
        assert!(matches!(
            evaluate_parcours(&parcours, kind_of, iri, &statements),
            Some(Verdict::NotYet(_))
        ));
    }

    #[test]
    fn only_progress_on_the_hubs_content_touches_a_registration() {
        let registration = Uuid::new_v4();
        let mut on_content = statement("completed", "tout-est-nombre", None, false);
        on_content["context"]["registration"] = json!(registration);
        assert_eq!(
            touched_registration("https://hub/content/", &on_content),
            Some(registration)
        );
        assert_eq!(
            touched_registration("https://other/content/", &on_content),
            None
        );
        on_content["verb"]["id"] = json!("http://adlnet.gov/expapi/verbs/experienced");
        assert_eq!(
            touched_registration("https://hub/content/", &on_content),
            None
        );
    }
}
