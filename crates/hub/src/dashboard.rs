//! The teacher's class dashboard, opened from an instructor's launch of a resource link: every learner of that
//! link (from their launches, and from the platform's roster when it offers one) with their progress per activity,
//! time spent, best final-quiz score and certification; and each quiz question's success rate. It reads the
//! statements of the class's registrations through the registration index, never the whole store.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use classcode_content::{Activity, ModuleManifest, ParcoursManifest};
use classcode_lti::roles;
use classcode_storage::CertificationStatus;
use serde_json::Value;

use crate::Hub;
use crate::lti::{RosterError, SessionError, SessionKind};

/// One activity column of the dashboard.
#[derive(Clone, Debug)]
pub struct DashboardActivity {
    /// `module#activity`.
    pub reference: String,
    pub iri: String,
    pub title: String,
    pub is_quiz: bool,
}

/// One learner's row.
#[derive(Clone, Debug)]
pub struct LearnerRow {
    /// The name the platform's roster gives, if any.
    pub name: Option<String>,
    pub user_id: String,
    pub has_launched: bool,
    /// Per activity (same order as the columns): done or not.
    pub done: Vec<bool>,
    pub seconds_spent: u64,
    /// Best hub-scored result of a quiz, scaled.
    pub best_score: Option<f64>,
    /// `certified`, `revoked` or none.
    pub certification: Option<&'static str>,
    pub last_seen: Option<DateTime<Utc>>,
}

impl LearnerRow {
    pub fn progress(&self) -> f64 {
        if self.done.is_empty() {
            0.0
        } else {
            self.done.iter().filter(|done| **done).count() as f64 / self.done.len() as f64
        }
    }
}

/// How a quiz question went across the class.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionRate {
    /// The question's IRI.
    pub question: String,
    /// The question's text, as the statement defined it.
    pub label: String,
    pub answered: u32,
    pub correct: u32,
}

/// The class dashboard.
#[derive(Clone, Debug)]
pub struct ClassDashboard {
    pub lang: &'static str,
    pub title: String,
    pub activities: Vec<DashboardActivity>,
    pub learners: Vec<LearnerRow>,
    pub questions: Vec<QuestionRate>,
    /// Why the platform's roster is missing, when it is.
    pub roster_note: Option<String>,
}

/// Why the dashboard cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("the class dashboard is for teachers: launch the activity as an instructor")]
    NotStaff,
    #[error("this launch names no course or link, so it has no class")]
    NoClass,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<classcode_storage::StorageError> for DashboardError {
    fn from(err: classcode_storage::StorageError) -> Self {
        DashboardError::Unexpected(err.into())
    }
}

const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";

/// What the statements of one registration say about the dashboard's columns.
fn learner_figures(
    activities: &[DashboardActivity],
    statements: &[Value],
    questions: &mut BTreeMap<String, QuestionRate>,
) -> (Vec<bool>, u64, Option<f64>, Option<DateTime<Utc>>) {
    let index: HashMap<&str, usize> = activities
        .iter()
        .enumerate()
        .map(|(position, activity)| (activity.iri.as_str(), position))
        .collect();
    let mut done = vec![false; activities.len()];
    let mut seconds = 0.0;
    let mut best: Option<f64> = None;
    let mut first: Option<DateTime<Utc>> = None;
    let mut last: Option<DateTime<Utc>> = None;
    for statement in statements {
        let verb = statement["verb"]["id"].as_str().unwrap_or("");
        let object = statement["object"]["id"].as_str().unwrap_or("");
        if let Some(at) = statement["timestamp"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        {
            let at = at.with_timezone(&Utc);
            first = Some(first.map_or(at, |first| first.min(at)));
            last = Some(last.map_or(at, |last| last.max(at)));
        }
        if let Some(duration) = statement["result"]["duration"]
            .as_str()
            .and_then(classcode_xapi::duration::parse_duration)
        {
            seconds += duration;
        }
        if let Some(position) = index.get(object) {
            let is_result = statement["result"].get("score").is_some()
                || statement["result"].get("success").is_some();
            if verb == COMPLETED || (activities[*position].is_quiz && is_result) {
                done[*position] = true;
            }
            if activities[*position].is_quiz
                && statement["context"]["extensions"][crate::certification::EXT_SCORED_BY_HUB]
                    == true
                && let Some(scaled) = statement["result"]["score"]["scaled"].as_f64()
            {
                best = Some(best.map_or(scaled, |best| best.max(scaled)));
            }
        }
        if verb == ANSWERED
            && let Some(success) = statement["result"]["success"].as_bool()
        {
            let label = statement["object"]["definition"]["description"]
                .as_object()
                .or_else(|| statement["object"]["definition"]["name"].as_object())
                .and_then(|names| {
                    names
                        .get("fr-FR")
                        .or_else(|| names.values().next())
                        .and_then(Value::as_str)
                })
                .unwrap_or(object)
                .to_owned();
            let rate = questions
                .entry(object.to_owned())
                .or_insert_with(|| QuestionRate {
                    question: object.to_owned(),
                    label,
                    answered: 0,
                    correct: 0,
                });
            rate.answered += 1;
            rate.correct += u32::from(success);
        }
    }
    // Without reported durations, the span from the first to the last statement stands for the time spent.
    if seconds == 0.0
        && let (Some(first), Some(last)) = (first, last)
    {
        seconds = (last - first).num_seconds().max(0) as f64;
    }
    (done, seconds.round() as u64, best, last)
}

impl Hub {
    fn dashboard_activities(
        &self,
        module: &ModuleManifest,
        only: Option<&[String]>,
        lang: &str,
        into: &mut Vec<DashboardActivity>,
    ) {
        let wanted = |activity: &Activity| only.is_none_or(|only| only.contains(&activity.id));
        for activity in module.activities.iter().filter(|activity| wanted(activity)) {
            into.push(DashboardActivity {
                reference: format!("{}#{}", module.id, activity.id),
                iri: self.content_iri(&module.id, Some(&activity.id)),
                title: activity.title.get(lang).to_owned(),
                is_quiz: activity.kind == classcode_content::ActivityKind::Quiz,
            });
        }
    }

    /// The class dashboard of a teacher's session.
    pub async fn class_dashboard(
        &self,
        session_token: &str,
    ) -> Result<ClassDashboard, DashboardError> {
        let session = self.verify_session(session_token, SessionKind::Player)?;
        if !roles::Standing::parse(&session.std).is_some_and(|standing| standing.is_staff()) {
            return Err(DashboardError::NotStaff);
        }
        let lang = session.lang();
        let launch = self
            .storage
            .find_launch(session.lid)
            .await?
            .ok_or(DashboardError::NoClass)?;
        let (Some(context_id), Some(link_id), Some(content_id)) = (
            launch.context_id.clone(),
            launch.resource_link_id.clone(),
            launch.content_id.clone(),
        ) else {
            return Err(DashboardError::NoClass);
        };

        // The columns: the launched module's activities, a parcours' steps, or one activity.
        let packages = self.storage.find_content_packages().await?;
        let module_of = |id: &str| -> Option<ModuleManifest> {
            crate::content::newest(&packages, id)
                .filter(|package| package.kind == "module")
                .and_then(|package| serde_json::from_str(&package.manifest).ok())
        };
        let mut activities = Vec::new();
        let mut title = content_id.clone();
        if let Some((module_id, activity_id)) = content_id.split_once('#') {
            if let Some(module) = module_of(module_id) {
                self.dashboard_activities(
                    &module,
                    Some(&[activity_id.to_owned()]),
                    lang,
                    &mut activities,
                );
                title = module.title.get(lang).to_owned();
            }
        } else if let Some(module) = module_of(&content_id) {
            self.dashboard_activities(&module, None, lang, &mut activities);
            title = module.title.get(lang).to_owned();
        } else if let Some(package) = crate::content::newest(&packages, &content_id)
            && package.kind == "parcours"
        {
            let parcours: ParcoursManifest =
                serde_json::from_str(&package.manifest).map_err(anyhow::Error::from)?;
            title = parcours.title.get(lang).to_owned();
            for step in &parcours.steps {
                if let Some(module) = module_of(&step.module) {
                    self.dashboard_activities(
                        &module,
                        Some(&step.activities),
                        lang,
                        &mut activities,
                    );
                }
            }
        }

        // The learners: who launched this link, and who the platform's roster names.
        let launches = self
            .storage
            .find_learners_of_link(launch.tenant_id, launch.platform_id, &context_id, &link_id)
            .await?;
        let (roster, roster_note) = match self.roster(session_token).await {
            Ok(members) => (members, None),
            Err(RosterError::NotOffered) => (Vec::new(), Some("not offered".to_owned())),
            Err(err) => (Vec::new(), Some(err.to_string())),
        };
        let mut questions = BTreeMap::new();
        let mut learners = Vec::new();
        for learner in &launches {
            let (Some(subject), Some(registration)) = (&learner.subject, learner.registration)
            else {
                continue;
            };
            let statements = self
                .statements_of_registration(launch.tenant_id, registration)
                .await?;
            let (done, seconds_spent, best_score, last_seen) =
                learner_figures(&activities, &statements, &mut questions);
            let certification = self
                .storage
                .find_certification(launch.tenant_id, registration, &content_id)
                .await?
                .map(|certification| match certification.status {
                    CertificationStatus::Certified => "certified",
                    CertificationStatus::Revoked => "revoked",
                });
            learners.push(LearnerRow {
                name: roster
                    .iter()
                    .find(|member| &member.user_id == subject)
                    .and_then(|member| member.name.clone()),
                user_id: subject.clone(),
                has_launched: true,
                done,
                seconds_spent,
                best_score,
                certification,
                last_seen,
            });
        }
        for member in roster.iter().filter(|member| member.standing == "learner") {
            if !learners.iter().any(|row| row.user_id == member.user_id) {
                learners.push(LearnerRow {
                    name: member.name.clone(),
                    user_id: member.user_id.clone(),
                    has_launched: false,
                    done: vec![false; activities.len()],
                    seconds_spent: 0,
                    best_score: None,
                    certification: None,
                    last_seen: None,
                });
            }
        }
        learners.sort_by(|a, b| {
            a.name
                .as_deref()
                .unwrap_or(&a.user_id)
                .to_lowercase()
                .cmp(&b.name.as_deref().unwrap_or(&b.user_id).to_lowercase())
        });
        tracing::info!(launch = %session.lid, learners = learners.len(), "class dashboard");
        Ok(ClassDashboard {
            lang,
            title,
            activities,
            learners,
            questions: questions.into_values().collect(),
            roster_note,
        })
    }
}

/// The dashboard as CSV: one row per learner, one column per activity (1 done, 0 not).
pub fn dashboard_csv(dashboard: &ClassDashboard) -> String {
    let field = |text: &str| {
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_owned()
        }
    };
    let mut header = vec![
        "name".to_owned(),
        "lms_user_id".to_owned(),
        "progress_percent".to_owned(),
        "minutes_spent".to_owned(),
        "best_quiz_percent".to_owned(),
        "certification".to_owned(),
        "last_seen".to_owned(),
    ];
    header.extend(
        dashboard
            .activities
            .iter()
            .map(|activity| field(&activity.reference)),
    );
    let mut out = header.join(",");
    out.push('\n');
    for row in &dashboard.learners {
        let mut cells = vec![
            field(row.name.as_deref().unwrap_or("")),
            field(&row.user_id),
            format!("{:.0}", row.progress() * 100.0),
            format!("{}", row.seconds_spent / 60),
            row.best_score
                .map(|score| format!("{:.0}", score * 100.0))
                .unwrap_or_default(),
            row.certification.unwrap_or("").to_owned(),
            row.last_seen.map(|at| at.to_rfc3339()).unwrap_or_default(),
        ];
        cells.extend(
            row.done
                .iter()
                .map(|done| if *done { "1" } else { "0" }.to_owned()),
        );
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_learners_statements_give_progress_time_score_and_question_rates() {
        let activities = vec![
            DashboardActivity {
                reference: "m#page".into(),
                iri: "https://h/content/m/page".into(),
                title: "Page".into(),
                is_quiz: false,
            },
            DashboardActivity {
                reference: "m#quiz".into(),
                iri: "https://h/content/m/quiz".into(),
                title: "Quiz".into(),
                is_quiz: true,
            },
        ];
        let statements = vec![
            json!({"verb": {"id": COMPLETED}, "object": {"id": "https://h/content/m/page"}, "timestamp": "2026-11-29T10:00:00Z"}),
            json!({"verb": {"id": ANSWERED}, "object": {"id": "https://h/content/m/quiz/q1", "definition": {"description": {"fr-FR": "Combien ?"}}},
                   "result": {"success": true}, "timestamp": "2026-11-29T10:05:00Z"}),
            json!({"verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}, "object": {"id": "https://h/content/m/quiz"},
                   "result": {"score": {"scaled": 0.8}, "success": true},
                   "context": {"extensions": {crate::certification::EXT_SCORED_BY_HUB: true}}, "timestamp": "2026-11-29T10:10:00Z"}),
        ];
        let mut questions = BTreeMap::new();
        let (done, seconds, best, last) = learner_figures(&activities, &statements, &mut questions);
        assert_eq!(done, vec![true, true]);
        assert_eq!(
            seconds, 600,
            "the span of the statements without reported durations"
        );
        assert_eq!(best, Some(0.8));
        assert!(last.is_some());
        assert_eq!(
            questions["https://h/content/m/quiz/q1"],
            QuestionRate {
                question: "https://h/content/m/quiz/q1".into(),
                label: "Combien ?".into(),
                answered: 1,
                correct: 1
            }
        );
    }
}
