//! The module player after an LTI launch: the activities of the launched content (a module, a parcours across
//! modules, or one activity), the learner's progress and where to resume (an xAPI State document), and the xAPI
//! statements the player records — `completed` for pages, videos and sheets, `answered` per quiz question, and
//! `passed`/`failed` with the score for the module's final quiz (which the LTI outbox turns into a grade).
//! Every call is authorised by the player's session token; nothing relies on a cookie.

use std::collections::{BTreeMap, BTreeSet};

use classcode_content::quiz::Answer;
use classcode_content::{Activity, ActivityKind, ModuleManifest, ParcoursManifest, Quiz};
use classcode_storage::ContentPackage;
use classcode_xapi::XapiVersion;
use serde_json::{Value, json};

use crate::Hub;
use crate::catalog::{CatalogItem, ItemKind};
use crate::lrs::{DocumentTarget, LrsCaller, Preconditions, WriteMode};
use crate::lti::{SessionClaims, SessionError, SessionKind};

/// The State document that keeps a learner's progress in a launched content.
const PROGRESS_STATE: &str = "https://classcode.fr/xapi/state/progress";

/// One activity as the player lists it.
#[derive(Clone, Debug)]
pub struct PlayerActivity {
    /// `module-id#activity-id`.
    pub reference: String,
    pub module_id: String,
    pub module_version: String,
    pub module_title: classcode_content::Localized,
    pub activity: Activity,
    pub is_done: bool,
    /// Whether this is the module's certification quiz.
    pub is_final_quiz: bool,
}

/// The launched content with the learner's progress.
#[derive(Clone, Debug)]
pub struct PlayerOverview {
    pub claims: SessionClaims,
    pub item: CatalogItem,
    pub activities: Vec<PlayerActivity>,
    /// Where to resume: the last activity opened, else the first not done.
    pub resume: Option<String>,
    /// The IRI of the LMS course the launch came from, when the platform named one.
    pub course_iri: Option<String>,
}

impl PlayerOverview {
    /// Done activities over all activities, for the progress bar.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.activities
                .iter()
                .filter(|activity| activity.is_done)
                .count(),
            self.activities.len(),
        )
    }

    /// The activity with this reference, and its place in the list.
    pub fn find(&self, reference: &str) -> Option<(usize, &PlayerActivity)> {
        self.activities
            .iter()
            .enumerate()
            .find(|(_, activity)| activity.reference == reference)
    }
}

/// What the player shows for one activity.
#[derive(Clone, Debug)]
pub struct ActivityView {
    pub overview: PlayerOverview,
    pub index: usize,
    /// The Markdown of a page, sheet, project or external activity's instructions, or a video transcript.
    pub markdown: Option<String>,
    /// The quiz of a quiz activity.
    pub quiz: Option<Quiz>,
}

/// The result of a submitted quiz.
#[derive(Clone, Debug)]
pub struct QuizOutcome {
    pub view: ActivityView,
    /// Per question id: whether the answer was right.
    pub correct: BTreeMap<String, bool>,
    pub scaled: f64,
    /// For the final quiz: whether the certification threshold was reached.
    pub passed: Option<bool>,
}

/// Why a player request failed.
#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("this content has no activity {0:?}")]
    UnknownActivity(String),
    #[error("the launched content is no longer in the catalog")]
    MissingContent,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<classcode_storage::StorageError> for PlayerError {
    fn from(err: classcode_storage::StorageError) -> Self {
        PlayerError::Unexpected(err.into())
    }
}

struct LoadedModule {
    package: ContentPackage,
    manifest: ModuleManifest,
    quizzes: BTreeMap<String, Quiz>,
}

fn verb(id: &str, fr: &str, en: &str) -> Value {
    json!({"id": format!("http://adlnet.gov/expapi/verbs/{id}"), "display": {"fr-FR": fr, "en-US": en}})
}

impl Hub {
    /// The IRI of a content or activity in xAPI statements.
    pub fn content_iri(&self, module_id: &str, activity_id: Option<&str>) -> String {
        match activity_id {
            Some(activity) => format!(
                "{}/content/{module_id}/{activity}",
                self.settings.public_url
            ),
            None => format!("{}/content/{module_id}", self.settings.public_url),
        }
    }

    /// The IRI that stands for an LMS course (an LTI context) in statements.
    pub fn course_iri(
        &self,
        platform_id: classcode_storage::PlatformId,
        context_id: &str,
    ) -> String {
        format!(
            "{}/lti/context/{platform_id}/{}",
            self.settings.public_url,
            url::form_urlencoded::byte_serialize(context_id.as_bytes()).collect::<String>()
        )
    }

    /// The newest version of a module among the stored packages, with its manifest and quizzes.
    fn newest_module(
        packages: &[ContentPackage],
        module_id: &str,
    ) -> Result<Option<LoadedModule>, PlayerError> {
        let newest = crate::content::newest(packages, module_id)
            .filter(|package| package.kind == "module")
            .cloned();
        let Some(package) = newest else {
            return Ok(None);
        };
        let manifest: ModuleManifest =
            serde_json::from_str(&package.manifest).map_err(anyhow::Error::from)?;
        let quizzes: BTreeMap<String, Quiz> =
            serde_json::from_str(&package.quizzes).map_err(anyhow::Error::from)?;
        Ok(Some(LoadedModule {
            package,
            manifest,
            quizzes,
        }))
    }

    /// The launched content, its activities and the learner's progress.
    pub async fn player_overview(
        &self,
        session_token: &str,
    ) -> Result<PlayerOverview, PlayerError> {
        let claims = self.verify_session(session_token, SessionKind::Player)?;
        let launch = self
            .storage
            .find_launch(claims.lid)
            .await?
            .ok_or(PlayerError::MissingContent)?;
        let content_id = launch
            .content_id
            .clone()
            .ok_or(PlayerError::MissingContent)?;
        let course_iri = launch
            .context_id
            .as_deref()
            .map(|context| self.course_iri(launch.platform_id, context));
        let catalog = self.current_catalog().await?;
        let item = catalog
            .item(&content_id)
            .cloned()
            .ok_or(PlayerError::MissingContent)?;
        let packages = self.storage.find_content_packages().await?;
        // The activities: every activity of a module, the steps of a parcours, or the one picked à la carte.
        let mut wanted: Vec<(String, Option<Vec<String>>)> = Vec::new();
        match item.kind {
            ItemKind::Module => wanted.push((content_id.clone(), None)),
            ItemKind::Activity => {
                let (module, activity) = content_id
                    .split_once('#')
                    .ok_or(PlayerError::MissingContent)?;
                wanted.push((module.to_owned(), Some(vec![activity.to_owned()])));
            }
            // A cmi5 course has AUs, not activities: the player shows it with `cmi5_overview`.
            ItemKind::Cmi5 => return Err(PlayerError::MissingContent),
            ItemKind::Parcours => {
                let package = crate::content::newest(&packages, &content_id)
                    .ok_or(PlayerError::MissingContent)?;
                let parcours: ParcoursManifest =
                    serde_json::from_str(&package.manifest).map_err(anyhow::Error::from)?;
                for step in parcours.steps {
                    wanted.push((step.module, Some(step.activities)));
                }
            }
        }
        let caller = self.authenticate_launch_token(session_token)?;
        let progress = self.read_progress(&caller, &claims).await?;
        let done: BTreeSet<String> = progress["completed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let mut activities = Vec::new();
        for (module_id, only) in wanted {
            let Some(module) = Self::newest_module(&packages, &module_id)? else {
                continue;
            };
            let final_quiz = module
                .manifest
                .certification
                .as_ref()
                .and_then(|certification| certification.quiz.clone());
            for activity in &module.manifest.activities {
                if only
                    .as_ref()
                    .is_some_and(|only| !only.contains(&activity.id))
                {
                    continue;
                }
                let reference = format!("{module_id}#{}", activity.id);
                activities.push(PlayerActivity {
                    is_done: done.contains(&reference),
                    is_final_quiz: final_quiz.as_deref() == Some(activity.id.as_str()),
                    reference,
                    module_id: module_id.clone(),
                    module_version: module.package.version.clone(),
                    module_title: module.manifest.title.clone(),
                    activity: activity.clone(),
                });
            }
        }
        let resume = progress["last"]
            .as_str()
            .filter(|last| {
                activities
                    .iter()
                    .any(|activity| activity.reference == *last)
            })
            .map(str::to_owned)
            .or_else(|| {
                activities
                    .iter()
                    .find(|activity| !activity.is_done)
                    .map(|activity| activity.reference.clone())
            });
        Ok(PlayerOverview {
            claims,
            item,
            activities,
            resume,
            course_iri,
        })
    }

    /// One activity, with its body; remembers it as the place to resume.
    pub async fn player_activity(
        &self,
        session_token: &str,
        reference: &str,
    ) -> Result<ActivityView, PlayerError> {
        let overview = self.player_overview(session_token).await?;
        let (index, current) = overview
            .find(reference)
            .map(|(index, activity)| (index, activity.clone()))
            .ok_or_else(|| PlayerError::UnknownActivity(reference.to_owned()))?;
        let packages = self.storage.find_content_packages().await?;
        let module = Self::newest_module(&packages, &current.module_id)?
            .ok_or(PlayerError::MissingContent)?;
        let markdown_path = match current.activity.kind {
            ActivityKind::Video => current.activity.transcript.clone(),
            ActivityKind::Quiz => None,
            _ => current.activity.source.clone(),
        };
        let markdown = match markdown_path {
            Some(path) => self
                .storage
                .find_content_file(module.package.id, &path)
                .await?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
            None => None,
        };
        let quiz = module.quizzes.get(&current.activity.id).cloned();
        let caller = self.authenticate_launch_token(session_token)?;
        self.update_progress(&caller, &overview.claims, None, Some(reference))
            .await?;
        Ok(ActivityView {
            overview,
            index,
            markdown,
            quiz,
        })
    }

    /// Records that the learner finished a page, video, sheet or external activity.
    pub async fn player_complete(
        &self,
        session_token: &str,
        reference: &str,
    ) -> Result<ActivityView, PlayerError> {
        let view = self.player_activity(session_token, reference).await?;
        let current = &view.overview.activities[view.index];
        let caller = self.scoring_caller(session_token)?;
        let statement = self.player_statement(
            &view.overview,
            current,
            verb("completed", "a terminé", "completed"),
            json!({"completion": true}),
        );
        self.store_player_statements(&caller, vec![statement])
            .await?;
        self.update_progress(
            &caller,
            &view.overview.claims,
            Some(reference),
            Some(reference),
        )
        .await?;
        self.player_activity(session_token, reference).await
    }

    /// Scores a quiz, records one `answered` statement per question and the quiz's result, and returns the
    /// feedback. The final quiz's result is `passed` or `failed` with the scaled score (a grade for the LMS);
    /// a practice quiz's is `scored`.
    pub async fn player_submit_quiz(
        &self,
        session_token: &str,
        reference: &str,
        answers: &BTreeMap<String, Vec<String>>,
    ) -> Result<QuizOutcome, PlayerError> {
        let view = self.player_activity(session_token, reference).await?;
        let quiz = view
            .quiz
            .clone()
            .ok_or_else(|| PlayerError::UnknownActivity(reference.to_owned()))?;
        let current = view.overview.activities[view.index].clone();
        let packages = self.storage.find_content_packages().await?;
        let module = Self::newest_module(&packages, &current.module_id)?
            .ok_or(PlayerError::MissingContent)?;
        let mut correct = BTreeMap::new();
        let mut points = 0.0;
        let mut statements = Vec::new();
        for question in &quiz.questions {
            let given = answers.get(&question.id).cloned().unwrap_or_default();
            let answer = match question.kind {
                classcode_content::QuestionKind::Numeric => given
                    .first()
                    .and_then(|text| text.trim().replace(',', ".").parse::<f64>().ok())
                    .map_or(Answer::Text(String::new()), Answer::Number),
                classcode_content::QuestionKind::Text => {
                    Answer::Text(given.first().cloned().unwrap_or_default())
                }
                _ => Answer::Choices(given.clone()),
            };
            let is_correct = question.is_correct(&answer);
            if is_correct {
                points += question.points;
            }
            correct.insert(question.id.clone(), is_correct);
            let mut statement = self.player_statement(
                &view.overview,
                &current,
                verb("answered", "a répondu", "answered"),
                json!({"success": is_correct, "response": given.join("[,]")}),
            );
            statement["object"]["id"] = json!(format!(
                "{}/{}",
                self.content_iri(&current.module_id, Some(&current.activity.id)),
                question.id
            ));
            statement["object"]["definition"] = question.interaction_definition();
            statements.push(statement);
        }
        let max = quiz.max_points();
        let scaled = if max > 0.0 {
            (points / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let threshold = module
            .manifest
            .certification
            .as_ref()
            .map(|certification| certification.min_scaled_score);
        let passed = current
            .is_final_quiz
            .then(|| scaled >= threshold.unwrap_or(0.0));
        let result_verb = match passed {
            Some(true) => verb("passed", "a réussi", "passed"),
            Some(false) => verb("failed", "a échoué", "failed"),
            None => verb("scored", "a obtenu", "scored"),
        };
        let mut result_statement = self.player_statement(
            &view.overview,
            &current,
            result_verb,
            json!({
                "completion": true,
                "success": passed.unwrap_or(scaled >= 0.5),
                "score": {"scaled": (scaled * 10_000.0).round() / 10_000.0, "raw": points, "min": 0, "max": max},
            }),
        );
        // The hub scored this itself: the mark that lets it count towards a certification.
        result_statement["context"]["extensions"][crate::certification::EXT_SCORED_BY_HUB] =
            json!(true);
        statements.push(result_statement);
        let caller = self.scoring_caller(session_token)?;
        self.store_player_statements(&caller, statements).await?;
        self.update_progress(
            &caller,
            &view.overview.claims,
            Some(reference),
            Some(reference),
        )
        .await?;
        let view = self.player_activity(session_token, reference).await?;
        Ok(QuizOutcome {
            view,
            correct,
            scaled,
            passed,
        })
    }

    /// The launch token's caller for statements whose scores the hub computed itself (its quizzes): those
    /// scores may become grades, unlike any the browser sends with the same token.
    fn scoring_caller(&self, session_token: &str) -> Result<LrsCaller, SessionError> {
        let mut caller = self.authenticate_launch_token(session_token)?;
        if let Some(restriction) = caller.restriction.as_mut() {
            restriction.scores_count = true;
        }
        Ok(caller)
    }

    /// The xAPI object for one activity of the player.
    pub fn activity_object(&self, current: &PlayerActivity) -> Value {
        let activity_type = match current.activity.kind {
            ActivityKind::Quiz => "http://adlnet.gov/expapi/activities/assessment",
            ActivityKind::Video => "https://w3id.org/xapi/video/activity-type/video",
            _ => "http://adlnet.gov/expapi/activities/lesson",
        };
        let mut name = json!({"fr-FR": current.activity.title.fr});
        if let Some(english) = &current.activity.title.en {
            name["en-US"] = json!(english);
        }
        json!({
            "objectType": "Activity",
            "id": self.content_iri(&current.module_id, Some(&current.activity.id)),
            "definition": {"type": activity_type, "name": name},
        })
    }

    /// The xAPI object for the launched content (a module, a parcours, or one activity à la carte).
    pub fn launched_object(&self, item: &CatalogItem) -> Value {
        let mut name = json!({"fr-FR": item.title.fr});
        if let Some(english) = &item.title.en {
            name["en-US"] = json!(english);
        }
        json!({
            "objectType": "Activity",
            "id": self.content_iri(&item.content_id.replace('#', "/"), None),
            "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": name},
        })
    }

    /// The statement context of the player: the launch's registration; the module as parent; the launched
    /// content and the LMS course as grouping; the content version.
    pub fn player_context(
        &self,
        overview: &PlayerOverview,
        current: Option<&PlayerActivity>,
    ) -> Value {
        let mut grouping = vec![
            json!({"id": self.content_iri(&overview.item.content_id.replace('#', "/"), None)}),
        ];
        if let Some(course) = &overview.course_iri {
            grouping.push(json!({"id": course}));
        }
        let mut context = json!({
            "registration": overview.claims.reg,
            "contextActivities": {"grouping": grouping},
        });
        if let Some(current) = current {
            context["contextActivities"]["parent"] =
                json!([{"id": self.content_iri(&current.module_id, None)}]);
            context["extensions"] = json!({
                "https://classcode.fr/xapi/extensions/content-version": current.module_version,
            });
        }
        context
    }

    fn player_statement(
        &self,
        overview: &PlayerOverview,
        current: &PlayerActivity,
        verb: Value,
        result: Value,
    ) -> Value {
        json!({
            "actor": overview.claims.act,
            "verb": verb,
            "object": self.activity_object(current),
            "result": result,
            "context": self.player_context(overview, Some(current)),
        })
    }

    async fn store_player_statements(
        &self,
        caller: &LrsCaller,
        statements: Vec<Value>,
    ) -> Result<(), PlayerError> {
        self.store_statements(
            caller,
            XapiVersion::V2_0,
            Value::Array(statements),
            None,
            None,
        )
        .await
        .map_err(|err| {
            PlayerError::Unexpected(anyhow::anyhow!("recording the player's statements: {err}"))
        })?;
        Ok(())
    }

    /// Stores a statement the hub itself makes (a launch, a cmi5 `satisfied`), under the hub's own authority.
    /// A failure is logged, not returned: the learner's launch goes on.
    pub(crate) async fn record_hub_statement(
        &self,
        tenant_id: classcode_storage::TenantId,
        statement: Value,
    ) {
        let caller = self.hub_caller(tenant_id);
        if let Err(err) = self
            .store_statements(&caller, XapiVersion::V2_0, statement, None, None)
            .await
        {
            tracing::error!(error = %err, "the hub's own statement was not stored");
        }
    }

    fn progress_target(&self, claims: &SessionClaims) -> DocumentTarget {
        DocumentTarget::State {
            activity_id: format!("{}/lti/launch/progress", self.settings.public_url),
            agent: claims.act.clone(),
            registration: claims.reg,
        }
    }

    async fn read_progress(
        &self,
        caller: &LrsCaller,
        claims: &SessionClaims,
    ) -> Result<Value, PlayerError> {
        let document = self
            .get_document(caller, &self.progress_target(claims), PROGRESS_STATE)
            .await
            .map_err(|err| PlayerError::Unexpected(anyhow::anyhow!("reading progress: {err}")))?;
        Ok(document
            .and_then(|document| serde_json::from_slice(&document.content).ok())
            .unwrap_or_else(|| json!({})))
    }

    async fn update_progress(
        &self,
        caller: &LrsCaller,
        claims: &SessionClaims,
        completed: Option<&str>,
        last: Option<&str>,
    ) -> Result<(), PlayerError> {
        let mut progress = self.read_progress(caller, claims).await?;
        if let Some(reference) = completed {
            let mut done: BTreeSet<String> = progress["completed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            done.insert(reference.to_owned());
            progress["completed"] = json!(done);
        }
        if let Some(reference) = last {
            progress["last"] = json!(reference);
        }
        self.write_document(
            caller,
            XapiVersion::V1_0,
            &self.progress_target(claims),
            PROGRESS_STATE,
            WriteMode::Put,
            "application/json",
            progress.to_string().into_bytes(),
            &Preconditions::default(),
        )
        .await
        .map_err(|err| PlayerError::Unexpected(anyhow::anyhow!("saving progress: {err}")))
    }
}
