//! cmi5 course packages in the player: the course's AUs with what the learner achieved, the launch of an AU the
//! way cmi5 says (the `launched` statement and `LMS.LaunchData` first, then the AU's URL with `endpoint`, `fetch`,
//! `actor`, `registration` and `activityId`), the single-use fetch URL that hands the AU its token, the rules the
//! LRS applies to the cmi5 statements an AU sends, and `moveOn`: `satisfied` for blocks and the course.
//!
//! The cmi5 registration is the LTI launch's registration, so an AU's `passed` score becomes the LMS grade.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use classcode_content::cmi5::{AssignableUnit, Cmi5Course};
use classcode_storage::{Cmi5Session, ContentPackage, TenantId};
use classcode_xapi::XapiVersion;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Hub;
use crate::catalog::CatalogItem;
use crate::lrs::{DocumentTarget, LrsCaller, Preconditions, StoreError, WriteMode};
use crate::lti::{SessionClaims, SessionKind};
use crate::player::PlayerError;

/// The State document that tells an AU how it was launched.
pub const LAUNCH_DATA: &str = "LMS.LaunchData";
pub const CATEGORY_CMI5: &str = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
pub const CATEGORY_MOVEON: &str = "https://w3id.org/xapi/cmi5/context/categories/moveon";
pub const EXT_SESSION: &str = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
const EXT: &str = "https://w3id.org/xapi/cmi5/context/extensions/";
const VERB_LAUNCHED: &str = "http://adlnet.gov/expapi/verbs/launched";
const VERB_INITIALIZED: &str = "http://adlnet.gov/expapi/verbs/initialized";
const VERB_COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const VERB_PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
const VERB_FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
const VERB_TERMINATED: &str = "http://adlnet.gov/expapi/verbs/terminated";
const VERB_SATISFIED: &str = "https://w3id.org/xapi/adl/verbs/satisfied";
const VERB_ABANDONED: &str = "https://w3id.org/xapi/adl/verbs/abandoned";
const VERB_WAIVED: &str = "https://w3id.org/xapi/adl/verbs/waived";

/// How long a fetch URL can be claimed after the launch.
const FETCH_WINDOW_MINUTES: i64 = 15;
/// How long the return URL of an AU brings the learner back to the course.
const RETURN_WINDOW_HOURS: i64 = 12;

/// What the learner achieved in one AU, in the launch's registration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitProgress {
    pub completed: bool,
    pub passed: bool,
    pub failed: bool,
    /// The best scaled score of its `passed`/`failed` statements.
    pub score: Option<f64>,
}

/// A launched cmi5 course with the learner's progress.
#[derive(Clone, Debug)]
pub struct Cmi5Overview {
    pub claims: SessionClaims,
    pub item: CatalogItem,
    pub course: Cmi5Course,
    pub version: String,
    /// Per AU (in course order): its progress and whether its `moveOn` is met.
    pub units: Vec<(AssignableUnit, UnitProgress, bool)>,
    pub course_satisfied: bool,
    /// The IRI of the LMS course the launch came from, when the platform named one.
    pub course_iri: Option<String>,
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn sha_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn has_category(statement: &Value, category: &str) -> bool {
    statement["context"]["contextActivities"]["category"]
        .as_array()
        .is_some_and(|list| list.iter().any(|activity| activity["id"] == category))
}

fn verb(id: &str, fr: &str, en: &str) -> Value {
    json!({"id": id, "display": {"fr-FR": fr, "en-US": en}})
}

/// The cmi5 rules for one statement an AU sends in `session` (cmi5 §9): the context template, the result each
/// verb needs, the mastery score, the launch mode. `history` holds the registration's earlier cmi5 statements
/// for this AU; rules across statements (once per registration, once per session) are checked against it.
fn check_statement(
    statement: &Value,
    session: &Cmi5Session,
    activity_id: &str,
    history: &[Value],
) -> Result<(), String> {
    if statement["context"]["extensions"][EXT_SESSION] != session.id.to_string() {
        return Err(format!(
            "context.extensions[{EXT_SESSION}] must be this session's id {} (copy LMS.LaunchData's contextTemplate)",
            session.id
        ));
    }
    if statement["context"]["registration"] != session.registration.to_string() {
        return Err("context.registration must be the launch's registration".to_owned());
    }
    let verb = statement["verb"]["id"].as_str().unwrap_or_default();
    let defined = has_category(statement, CATEGORY_CMI5);
    if !defined {
        // A cmi5 allowed statement: any verb inside the session, not the LMS's own verbs.
        if [VERB_LAUNCHED, VERB_SATISFIED, VERB_ABANDONED, VERB_WAIVED].contains(&verb) {
            return Err(format!("{verb} is the LMS's to record, not the AU's"));
        }
        return Ok(());
    }
    if statement["object"]["id"] != activity_id {
        return Err(format!(
            "object.id of a cmi5 defined statement must be the launch's activityId {activity_id}"
        ));
    }
    let result = &statement["result"];
    let moveon = has_category(statement, CATEGORY_MOVEON);
    let in_session = |wanted: &str| {
        history.iter().any(|earlier| {
            earlier["verb"]["id"] == wanted
                && earlier["context"]["extensions"][EXT_SESSION] == session.id.to_string()
        })
    };
    let in_registration = |wanted: &str| {
        history
            .iter()
            .any(|earlier| earlier["verb"]["id"] == wanted)
    };
    let needs_duration = || {
        if result["duration"].is_string() {
            Ok(())
        } else {
            Err(format!("a cmi5 {verb} statement needs result.duration"))
        }
    };
    if session.launch_mode != "Normal" && ![VERB_INITIALIZED, VERB_TERMINATED].contains(&verb) {
        return Err(format!(
            "in {} launch mode an AU sends only initialized and terminated",
            session.launch_mode
        ));
    }
    if verb != VERB_INITIALIZED && !in_session(VERB_INITIALIZED) {
        return Err("the session's first cmi5 statement must be initialized".to_owned());
    }
    let has_score = !result["score"].is_null();
    match verb {
        VERB_INITIALIZED => {
            if in_session(VERB_INITIALIZED) {
                return Err("this session is already initialized".to_owned());
            }
        }
        VERB_COMPLETED => {
            if result["completion"] != true || !moveon || has_score {
                return Err(
                    "completed needs result.completion true, the moveon category and no score"
                        .to_owned(),
                );
            }
            needs_duration()?;
            if in_registration(VERB_COMPLETED) {
                return Err("this AU is already completed in this registration".to_owned());
            }
        }
        VERB_PASSED | VERB_FAILED => {
            let passed = verb == VERB_PASSED;
            if result["success"] != passed || !moveon {
                return Err(format!(
                    "{} needs result.success {passed} and the moveon category",
                    if passed { "passed" } else { "failed" }
                ));
            }
            needs_duration()?;
            if let (Some(mastery), Some(scaled)) =
                (session.mastery_score, result["score"]["scaled"].as_f64())
            {
                if passed && scaled < mastery {
                    return Err(format!(
                        "passed with a scaled score {scaled} under the mastery score {mastery}"
                    ));
                }
                if !passed && scaled >= mastery {
                    return Err(format!(
                        "failed with a scaled score {scaled} at or over the mastery score {mastery}"
                    ));
                }
            }
            if in_registration(VERB_PASSED) {
                return Err("this AU is already passed in this registration".to_owned());
            }
            if in_session(VERB_PASSED) || in_session(VERB_FAILED) {
                return Err("a session records one passed or failed".to_owned());
            }
        }
        VERB_TERMINATED => needs_duration()?,
        VERB_LAUNCHED | VERB_SATISFIED | VERB_ABANDONED | VERB_WAIVED => {
            return Err(format!("{verb} is the LMS's to record, not the AU's"));
        }
        other => {
            return Err(format!(
                "{other} is not a cmi5 defined verb: send it without the cmi5 category"
            ));
        }
    }
    if !moveon || [VERB_COMPLETED, VERB_PASSED, VERB_FAILED].contains(&verb) {
        Ok(())
    } else {
        Err("the moveon category belongs to completed, passed and failed only".to_owned())
    }
}

impl Hub {
    /// The activity id the hub gives an AU (cmi5 §8.1.5: not the publisher's id; the same for every launch).
    pub fn cmi5_activity_id(&self, content_id: &str, unit_id: &str) -> String {
        format!(
            "{}/cmi5/{content_id}/au/{}",
            self.settings.public_url,
            short_hash(unit_id)
        )
    }

    fn cmi5_block_iri(&self, content_id: &str, block_id: &str) -> String {
        format!(
            "{}/cmi5/{content_id}/block/{}",
            self.settings.public_url,
            short_hash(block_id)
        )
    }

    fn cmi5_course_iri(&self, content_id: &str) -> String {
        format!("{}/cmi5/{content_id}", self.settings.public_url)
    }

    fn return_mac(&self, session_id: Uuid) -> String {
        let secret = self.lti.keys.master().session_secret();
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret);
        aws_lc_rs::hmac::sign(&key, format!("cmi5-return|{session_id}").as_bytes())
            .as_ref()
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn newest_course(
        packages: &[ContentPackage],
        content_id: &str,
    ) -> Result<Option<(ContentPackage, Cmi5Course)>, PlayerError> {
        let Some(package) =
            crate::content::newest(packages, content_id).filter(|package| package.kind == "cmi5")
        else {
            return Ok(None);
        };
        let course: Cmi5Course =
            serde_json::from_str(&package.manifest).map_err(anyhow::Error::from)?;
        Ok(Some((package.clone(), course)))
    }

    /// The cmi5 statements of a registration (voided ones excluded), oldest first.
    async fn registration_statements(
        &self,
        tenant_id: TenantId,
        registration: Uuid,
    ) -> anyhow::Result<Vec<Value>> {
        Ok(self
            .statements_of_registration(tenant_id, registration)
            .await?
            .into_iter()
            .filter(|statement| has_category(statement, CATEGORY_CMI5))
            .collect())
    }

    fn progress_of(statements: &[Value], activity_id: &str) -> UnitProgress {
        let mut progress = UnitProgress::default();
        for statement in statements
            .iter()
            .filter(|statement| statement["object"]["id"] == activity_id)
        {
            match statement["verb"]["id"].as_str().unwrap_or_default() {
                VERB_COMPLETED => progress.completed = true,
                VERB_PASSED => progress.passed = true,
                VERB_FAILED => progress.failed = true,
                VERB_WAIVED => {
                    progress.completed = true;
                    progress.passed = true;
                }
                _ => continue,
            }
            if let Some(scaled) = statement["result"]["score"]["scaled"].as_f64() {
                progress.score = Some(progress.score.map_or(scaled, |best: f64| best.max(scaled)));
            }
        }
        progress
    }

    /// The launched cmi5 course with the learner's progress; `None` when the launch is not a cmi5 course.
    pub async fn cmi5_overview(
        &self,
        session_token: &str,
    ) -> Result<Option<Cmi5Overview>, PlayerError> {
        let claims = self.verify_session(session_token, SessionKind::Player)?;
        let launch = self
            .storage
            .find_launch(claims.lid)
            .await?
            .ok_or(PlayerError::MissingContent)?;
        let content_id = launch.content_id.ok_or(PlayerError::MissingContent)?;
        let course_iri = launch
            .context_id
            .as_deref()
            .map(|context| self.course_iri(launch.platform_id, context));
        if !content_id.starts_with("cmi5.") {
            return Ok(None);
        }
        let catalog = self.current_catalog().await?;
        let item = catalog
            .item(&content_id)
            .cloned()
            .ok_or(PlayerError::MissingContent)?;
        let packages = self.storage.find_content_packages().await?;
        let (package, course) =
            Self::newest_course(&packages, &content_id)?.ok_or(PlayerError::MissingContent)?;
        let registration = claims.reg.ok_or(PlayerError::MissingContent)?;
        let statements = self
            .registration_statements(claims.tid, registration)
            .await?;
        let units: Vec<_> = course
            .units
            .iter()
            .map(|unit| {
                let progress =
                    Self::progress_of(&statements, &self.cmi5_activity_id(&content_id, &unit.id));
                let satisfied = unit
                    .move_on
                    .is_satisfied(progress.completed, progress.passed);
                (unit.clone(), progress, satisfied)
            })
            .collect();
        let course_satisfied = units.iter().all(|(_, _, satisfied)| *satisfied);
        Ok(Some(Cmi5Overview {
            claims,
            item,
            course,
            version: package.version,
            units,
            course_satisfied,
            course_iri,
        }))
    }

    /// Launches an AU: records the session, writes `LMS.LaunchData`, records `launched`, and returns the URL to
    /// open, with the cmi5 launch parameters.
    pub async fn cmi5_launch(
        &self,
        session_token: &str,
        unit_id: &str,
    ) -> Result<String, PlayerError> {
        let overview = self
            .cmi5_overview(session_token)
            .await?
            .ok_or(PlayerError::MissingContent)?;
        let claims = &overview.claims;
        let content_id = overview.item.content_id.clone();
        let unit = overview
            .course
            .unit(unit_id)
            .cloned()
            .ok_or_else(|| PlayerError::UnknownActivity(unit_id.to_owned()))?;
        let registration = claims.reg.ok_or(PlayerError::MissingContent)?;
        let launch_mode = if claims.std == "learner" {
            "Normal"
        } else {
            "Browse"
        };
        self.abandon_open_sessions(claims.tid, registration, &claims.act)
            .await?;
        let session_id = Uuid::new_v4();
        let secret = crate::lti::random_token()?;
        let now = Utc::now();
        self.storage
            .insert_cmi5_session(Cmi5Session {
                id: session_id,
                tenant_id: claims.tid,
                launch_id: claims.lid,
                registration,
                content_id: content_id.clone(),
                version: overview.version.clone(),
                au_id: unit.id.clone(),
                launch_mode: launch_mode.to_owned(),
                mastery_score: unit.mastery_score,
                fetch_hash: sha_hex(&secret),
                fetched_at: None,
                terminated_at: None,
                created_at: now,
            })
            .await?;
        let public = &self.settings.public_url;
        let activity_id = self.cmi5_activity_id(&content_id, &unit.id);
        let launch_url = if unit.url.starts_with("http://") || unit.url.starts_with("https://") {
            unit.url.clone()
        } else {
            format!(
                "{public}/content/{content_id}/{}/{}",
                overview.version, unit.url
            )
        };
        let context_template = json!({
            "contextActivities": {"grouping": [{"objectType": "Activity", "id": unit.id}]},
            "extensions": {EXT_SESSION: session_id},
        });
        let mut launch_data = json!({
            "contextTemplate": context_template,
            "launchMode": launch_mode,
            "moveOn": unit.move_on.as_str(),
            "returnURL": format!("{public}/player/cmi5/return/{session_id}/{}", self.return_mac(session_id)),
        });
        if let Some(score) = unit.mastery_score {
            launch_data["masteryScore"] = json!(score);
        }
        if let Some(parameters) = &unit.launch_parameters {
            launch_data["launchParameters"] = json!(parameters);
        }
        if let Some(key) = &unit.entitlement_key {
            launch_data["entitlementKey"] = json!({"courseStructure": key});
        }
        let hub = self.hub_caller(claims.tid);
        // Written as xAPI 1.0 does State: a relaunch replaces the document without a precondition.
        self.write_document(
            &hub,
            XapiVersion::V1_0,
            &DocumentTarget::State {
                activity_id: activity_id.clone(),
                agent: claims.act.clone(),
                registration: Some(registration),
            },
            LAUNCH_DATA,
            WriteMode::Put,
            "application/json",
            launch_data.to_string().into_bytes(),
            &Preconditions::default(),
        )
        .await
        .map_err(|err| PlayerError::Unexpected(anyhow::anyhow!("writing LMS.LaunchData: {err}")))?;
        let preferences = json!({
            "languagePreference": if claims.lang() == "en" { "en-US,fr-FR" } else { "fr-FR,en-US" },
            "audioPreference": "on",
        });
        self.write_document(
            &hub,
            XapiVersion::V2_0,
            &DocumentTarget::AgentProfile {
                agent: claims.act.clone(),
            },
            "cmi5LearnerPreferences",
            // POST merges: a later launch updates the preferences without a precondition.
            WriteMode::Post,
            "application/json",
            preferences.to_string().into_bytes(),
            &Preconditions::default(),
        )
        .await
        .map_err(|err| {
            PlayerError::Unexpected(anyhow::anyhow!("writing cmi5LearnerPreferences: {err}"))
        })?;
        let mut extensions = json!({
            EXT_SESSION: session_id,
            format!("{EXT}launchmode"): launch_mode,
            format!("{EXT}launchurl"): launch_url,
            format!("{EXT}moveon"): unit.move_on.as_str(),
        });
        if let Some(score) = unit.mastery_score {
            extensions[format!("{EXT}masteryscore")] = json!(score);
        }
        if let Some(parameters) = &unit.launch_parameters {
            extensions[format!("{EXT}launchparameters")] = json!(parameters);
        }
        let mut grouping = vec![json!({"objectType": "Activity", "id": unit.id})];
        if let Some(course) = &overview.course_iri {
            grouping.push(json!({"id": course}));
        }
        let launched = json!({
            "id": Uuid::new_v4(),
            "actor": claims.act,
            "verb": verb(VERB_LAUNCHED, "a lancé", "launched"),
            "object": {"objectType": "Activity", "id": activity_id,
                "definition": {"name": {"fr-FR": unit.title.fr, "en-US": unit.title.get("en")}}},
            "context": {
                "registration": registration,
                "contextActivities": {"category": [{"id": CATEGORY_CMI5}], "grouping": grouping},
                "extensions": extensions,
            },
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        self.store_statements(&hub, XapiVersion::V2_0, launched, None, None)
            .await
            .map_err(|err| PlayerError::Unexpected(anyhow::anyhow!("recording launched: {err}")))?;
        tracing::info!(%session_id, au = %unit.id, launch_mode, "cmi5 AU launched");
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("endpoint", &format!("{public}/xapi/"))
            .append_pair("fetch", &format!("{public}/cmi5/fetch/{secret}"))
            .append_pair("actor", &claims.act.to_string())
            .append_pair("registration", &registration.to_string())
            .append_pair("activityId", &activity_id)
            .finish();
        let separator = if launch_url.contains('?') { '&' } else { '?' };
        Ok(format!("{launch_url}{separator}{query}"))
    }

    /// Ends the registration's sessions that are still open (the AU never sent `terminated`: the learner closed
    /// the window, or launches another AU): `abandoned` with the time since the launch, as cmi5 asks of the LMS.
    async fn abandon_open_sessions(
        &self,
        tenant_id: TenantId,
        registration: Uuid,
        actor: &Value,
    ) -> Result<(), PlayerError> {
        let now = Utc::now();
        for session in self
            .storage
            .find_open_cmi5_sessions(tenant_id, registration)
            .await?
        {
            let seconds = (now - session.created_at).num_milliseconds().max(0) as f64 / 1000.0;
            let abandoned = json!({
                "id": Uuid::new_v4(),
                "actor": actor,
                "verb": verb(VERB_ABANDONED, "a abandonné", "abandoned"),
                "object": {"objectType": "Activity", "id": self.cmi5_activity_id(&session.content_id, &session.au_id)},
                "result": {"duration": format!("PT{seconds}S")},
                "context": {
                    "registration": registration,
                    "contextActivities": {
                        "category": [{"id": CATEGORY_CMI5}],
                        "grouping": [{"objectType": "Activity", "id": session.au_id}],
                    },
                    "extensions": {EXT_SESSION: session.id},
                },
                "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            });
            self.store_statements(
                &self.hub_caller(tenant_id),
                XapiVersion::V2_0,
                abandoned,
                None,
                None,
            )
            .await
            .map_err(|err| {
                PlayerError::Unexpected(anyhow::anyhow!("recording abandoned: {err}"))
            })?;
            self.storage.terminate_cmi5_session(session.id, now).await?;
            tracing::info!(session = %session.id, "cmi5 session abandoned");
        }
        Ok(())
    }

    /// The fetch URL (cmi5 §8.2): the AU's token the first time, an `error-code` every other time. Always JSON,
    /// always HTTP 200, as cmi5 asks.
    pub async fn cmi5_fetch(&self, secret: &str) -> Value {
        let hash = sha_hex(secret);
        let now = Utc::now();
        let claimed = match self
            .storage
            .claim_cmi5_fetch(&hash, now, now - Duration::minutes(FETCH_WINDOW_MINUTES))
            .await
        {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::error!(error = %err, "cmi5 fetch failed");
                return json!({"error-code": "3", "error-text": "the LMS could not answer; launch the AU again"});
            }
        };
        let Some(session) = claimed else {
            return match self.storage.find_cmi5_session_by_fetch(&hash).await {
                Ok(Some(_)) => {
                    json!({"error-code": "1", "error-text": "this fetch URL was already used or has expired; launch the AU again from the course"})
                }
                _ => json!({"error-code": "2", "error-text": "unknown fetch URL"}),
            };
        };
        let launch = match self.storage.find_launch(session.launch_id).await {
            Ok(Some(launch)) => launch,
            _ => return json!({"error-code": "3", "error-text": "the launch of this AU is gone"}),
        };
        // The AU's token: a player token of the launch that knows its cmi5 session.
        let mut claims = self.launch_session(&launch).await;
        claims.reg = Some(session.registration);
        claims.cmi = Some(session.id);
        match self.mint_session(&claims) {
            Ok(token) => json!({"auth-token": token}),
            Err(err) => {
                tracing::error!(error = %err, "cmi5 token not minted");
                json!({"error-code": "3", "error-text": "the LMS could not make a token"})
            }
        }
    }

    /// The learner's way back from an AU (`returnURL`): a fresh player session of the launch.
    pub async fn cmi5_return(&self, session_id: Uuid, mac: &str) -> Result<String, PlayerError> {
        use subtle::ConstantTimeEq as _;
        if !bool::from(self.return_mac(session_id).as_bytes().ct_eq(mac.as_bytes())) {
            return Err(PlayerError::Session(crate::lti::SessionError::Invalid));
        }
        let session = self
            .storage
            .find_cmi5_session_any_tenant(session_id)
            .await?
            .filter(|session| {
                session.created_at > Utc::now() - Duration::hours(RETURN_WINDOW_HOURS)
            })
            .ok_or(PlayerError::Session(crate::lti::SessionError::Invalid))?;
        let launch = self
            .storage
            .find_launch(session.launch_id)
            .await?
            .ok_or(PlayerError::MissingContent)?;
        let claims = self.launch_session(&launch).await;
        Ok(self.mint_session(&claims)?)
    }

    /// A new player session of a stored launch: its learner, registration and language.
    async fn launch_session(&self, launch: &classcode_storage::Launch) -> SessionClaims {
        let actor = self.launch_actor(launch).await;
        let stored: Value = serde_json::from_str(&launch.claims).unwrap_or(Value::Null);
        let lang = if stored["locale"]
            .as_str()
            .is_some_and(|locale| locale.starts_with("en"))
        {
            "en"
        } else {
            "fr"
        };
        self.session_claims(
            SessionKind::Player,
            launch.id,
            launch.tenant_id,
            launch.platform_id,
            &launch.standing,
            actor,
            launch.registration,
            lang,
        )
    }

    /// The learner's xAPI actor of a launch, as the launch made it.
    pub(crate) async fn launch_actor(&self, launch: &classcode_storage::Launch) -> Value {
        let issuer = self
            .storage
            .find_platform(launch.platform_id)
            .await
            .ok()
            .flatten()
            .map(|platform| platform.issuer)
            .unwrap_or_default();
        json!({
            "objectType": "Agent",
            "account": {
                "homePage": issuer,
                "name": launch.subject.clone().unwrap_or_else(|| format!("anonymous-{}", launch.id)),
            },
        })
    }

    pub(crate) fn hub_caller(&self, tenant_id: TenantId) -> LrsCaller {
        LrsCaller {
            tenant_id,
            credential_key: "hub".to_owned(),
            scopes: vec![crate::lrs::Scope::All],
            authority: json!({
                "objectType": "Agent",
                "name": "Class'Code Hub",
                "account": {"homePage": self.settings.public_url, "name": "hub"},
            }),
            restriction: None,
        }
    }

    /// Checks a batch an AU sends against the cmi5 rules of its session, before anything is stored.
    pub(crate) async fn check_cmi5_batch(
        &self,
        caller: &LrsCaller,
        session_id: Uuid,
        batch: &[Value],
    ) -> Result<Cmi5Session, StoreError> {
        let session = self
            .storage
            .find_cmi5_session(caller.tenant_id, session_id)
            .await
            .map_err(|err| StoreError::Unexpected(err.into()))?
            .ok_or_else(|| StoreError::Cmi5("this AU session is unknown".to_owned()))?;
        if session.terminated_at.is_some() {
            return Err(StoreError::Cmi5(
                "this AU session is terminated: launch the AU again".to_owned(),
            ));
        }
        let activity_id = self.cmi5_activity_id(&session.content_id, &session.au_id);
        let mut history: Vec<Value> = self
            .registration_statements(caller.tenant_id, session.registration)
            .await?
            .into_iter()
            .filter(|statement| statement["object"]["id"] == activity_id)
            .collect();
        let mut terminated = false;
        for (index, statement) in batch.iter().enumerate() {
            if terminated {
                return Err(StoreError::Cmi5(format!(
                    "statement[{index}]: nothing may follow terminated in a session"
                )));
            }
            let resent = statement["id"].is_string()
                && history
                    .iter()
                    .any(|earlier| earlier["id"] == statement["id"]);
            if resent {
                // The same statement again (a retry): the LRS answers it as stored, nothing to check.
                continue;
            }
            check_statement(statement, &session, &activity_id, &history)
                .map_err(|message| StoreError::Cmi5(format!("statement[{index}]: {message}")))?;
            terminated = statement["verb"]["id"] == VERB_TERMINATED
                && has_category(statement, CATEGORY_CMI5);
            if has_category(statement, CATEGORY_CMI5) {
                history.push(statement.clone());
            }
        }
        Ok(session)
    }

    /// After an AU's statements are stored: ends the session on `terminated`, and records `satisfied` for each
    /// block and for the course whose AUs now all meet their `moveOn`.
    pub(crate) async fn after_cmi5_batch(
        &self,
        session: &Cmi5Session,
        batch: &[Value],
    ) -> anyhow::Result<()> {
        let verbs: BTreeSet<&str> = batch
            .iter()
            .filter(|statement| has_category(statement, CATEGORY_CMI5))
            .filter_map(|statement| statement["verb"]["id"].as_str())
            .collect();
        if verbs.contains(VERB_TERMINATED) {
            self.storage
                .terminate_cmi5_session(session.id, Utc::now())
                .await?;
        }
        if !(verbs.contains(VERB_COMPLETED) || verbs.contains(VERB_PASSED)) {
            return Ok(());
        }
        let packages = self.storage.find_content_packages().await?;
        let Some(package) = packages.iter().find(|package| {
            package.content_id == session.content_id && package.version == session.version
        }) else {
            return Ok(());
        };
        let course: Cmi5Course = serde_json::from_str(&package.manifest)?;
        let statements = self
            .registration_statements(session.tenant_id, session.registration)
            .await?;
        let satisfied: BTreeMap<&str, bool> = course
            .units
            .iter()
            .map(|unit| {
                let progress = Self::progress_of(
                    &statements,
                    &self.cmi5_activity_id(&session.content_id, &unit.id),
                );
                (
                    unit.id.as_str(),
                    unit.move_on
                        .is_satisfied(progress.completed, progress.passed),
                )
            })
            .collect();
        let already: BTreeSet<String> = statements
            .iter()
            .filter(|statement| statement["verb"]["id"] == VERB_SATISFIED)
            .filter_map(|statement| statement["object"]["id"].as_str().map(str::to_owned))
            .collect();
        let mut targets = Vec::new();
        for block in &course.blocks {
            if block
                .units
                .iter()
                .all(|unit| satisfied.get(unit.as_str()) == Some(&true))
            {
                targets.push((
                    self.cmi5_block_iri(&session.content_id, &block.id),
                    "block",
                    block.id.clone(),
                ));
            }
        }
        if satisfied.values().all(|is| *is) {
            targets.push((
                self.cmi5_course_iri(&session.content_id),
                "course",
                course.id.clone(),
            ));
        }
        let launch = self.storage.find_launch(session.launch_id).await?;
        let Some(launch) = launch else { return Ok(()) };
        let actor = self.launch_actor(&launch).await;
        for (object_id, kind, publisher_id) in targets {
            if already.contains(&object_id) {
                continue;
            }
            let statement = json!({
                "id": Uuid::new_v4(),
                "actor": actor,
                "verb": verb(VERB_SATISFIED, "a satisfait", "satisfied"),
                "object": {"objectType": "Activity", "id": object_id,
                    "definition": {"type": format!("https://w3id.org/xapi/cmi5/activitytype/{kind}")}},
                "context": {
                    "registration": session.registration,
                    "contextActivities": {
                        "category": [{"id": CATEGORY_CMI5}],
                        "grouping": [{"objectType": "Activity", "id": publisher_id}],
                    },
                    "extensions": {EXT_SESSION: session.id},
                },
                "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            });
            // Boxed: storing statements is what called this.
            Box::pin(self.store_statements(
                &self.hub_caller(session.tenant_id),
                XapiVersion::V2_0,
                statement,
                None,
                None,
            ))
            .await
            .map_err(|err| anyhow::anyhow!("recording satisfied: {err}"))?;
            tracing::info!(session = %session.id, kind, "cmi5 satisfied");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(mode: &str, mastery: Option<f64>) -> Cmi5Session {
        Cmi5Session {
            id: Uuid::from_u128(7),
            tenant_id: TenantId(Uuid::from_u128(1)),
            launch_id: Uuid::from_u128(2),
            registration: Uuid::from_u128(3),
            content_id: "cmi5.x".to_owned(),
            version: "1.0.0".to_owned(),
            au_id: "https://example.org/au".to_owned(),
            launch_mode: mode.to_owned(),
            mastery_score: mastery,
            fetch_hash: String::new(),
            fetched_at: None,
            terminated_at: None,
            created_at: Utc::now(),
        }
    }

    fn statement(verb: &str, result: Value, moveon: bool) -> Value {
        let mut category = vec![json!({"id": CATEGORY_CMI5})];
        if moveon {
            category.push(json!({"id": CATEGORY_MOVEON}));
        }
        json!({
            "verb": {"id": verb},
            "object": {"id": "https://hub/au"},
            "result": result,
            "context": {
                "registration": Uuid::from_u128(3).to_string(),
                "contextActivities": {"category": category},
                "extensions": {EXT_SESSION: Uuid::from_u128(7).to_string()},
            },
        })
    }

    #[test]
    fn the_cmi5_rules_hold_each_verb_to_its_result() {
        let normal = session("Normal", Some(0.6));
        let initialized = statement(VERB_INITIALIZED, Value::Null, false);
        let check = |candidate: &Value, history: &[Value]| {
            check_statement(candidate, &normal, "https://hub/au", history)
        };
        assert_eq!(check(&initialized, &[]), Ok(()));
        let history = vec![initialized.clone()];
        assert!(
            check(&initialized, &history)
                .unwrap_err()
                .contains("already initialized")
        );
        let completed = statement(
            VERB_COMPLETED,
            json!({"completion": true, "duration": "PT5S"}),
            true,
        );
        assert_eq!(check(&completed, &history), Ok(()));
        let without_duration = statement(VERB_COMPLETED, json!({"completion": true}), true);
        assert!(
            check(&without_duration, &history)
                .unwrap_err()
                .contains("duration")
        );
        let without_moveon = statement(
            VERB_COMPLETED,
            json!({"completion": true, "duration": "PT5S"}),
            false,
        );
        assert!(
            check(&without_moveon, &history)
                .unwrap_err()
                .contains("moveon")
        );
        let low_pass = statement(
            VERB_PASSED,
            json!({"success": true, "duration": "PT5S", "score": {"scaled": 0.5}}),
            true,
        );
        assert!(check(&low_pass, &history).unwrap_err().contains("mastery"));
        let pass = statement(
            VERB_PASSED,
            json!({"success": true, "duration": "PT5S", "score": {"scaled": 0.75}}),
            true,
        );
        assert_eq!(check(&pass, &history), Ok(()));
        let mut after = history.clone();
        after.push(pass.clone());
        let fail = statement(
            VERB_FAILED,
            json!({"success": false, "duration": "PT5S", "score": {"scaled": 0.2}}),
            true,
        );
        assert!(check(&fail, &after).unwrap_err().contains("already passed"));
        assert!(
            check(&completed, &[])
                .unwrap_err()
                .contains("first cmi5 statement")
        );
        let satisfied = statement(VERB_SATISFIED, Value::Null, false);
        assert!(check(&satisfied, &history).unwrap_err().contains("LMS"));
        let mut foreign = completed.clone();
        foreign["context"]["extensions"][EXT_SESSION] = json!(Uuid::from_u128(8).to_string());
        assert!(
            check(&foreign, &history)
                .unwrap_err()
                .contains("session's id")
        );
        let experienced = statement(
            "http://adlnet.gov/expapi/verbs/experienced",
            Value::Null,
            false,
        );
        let mut allowed = experienced.clone();
        allowed["context"]["contextActivities"]["category"] = json!([]);
        assert_eq!(check(&allowed, &history), Ok(()));
        assert!(
            check(&experienced, &history)
                .unwrap_err()
                .contains("not a cmi5 defined verb")
        );
    }

    #[test]
    fn browse_mode_allows_only_initialized_and_terminated() {
        let browse = session("Browse", None);
        let initialized = statement(VERB_INITIALIZED, Value::Null, false);
        let completed = statement(
            VERB_COMPLETED,
            json!({"completion": true, "duration": "PT5S"}),
            true,
        );
        let terminated = statement(VERB_TERMINATED, json!({"duration": "PT9S"}), false);
        let history = vec![initialized];
        assert!(
            check_statement(&completed, &browse, "https://hub/au", &history)
                .unwrap_err()
                .contains("Browse")
        );
        assert_eq!(
            check_statement(&terminated, &browse, "https://hub/au", &history),
            Ok(())
        );
    }
}
