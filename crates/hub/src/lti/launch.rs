//! OIDC third-party initiated login and the launch that follows (LTI 1.3 Core §5.1, Security Framework §5.1.1):
//! the login picks the registration and stores a single-use state with its nonce; the launch proves the browser
//! is the one that logged in (cookie or LTI Platform Storage), uses the state up, verifies the id_token and
//! records the launch.

use chrono::{Duration, Utc};
use classcode_lti::claims::DeepLinkingSettings;
use classcode_lti::roles::{self, Standing};
use classcode_lti::{
    IdTokenError, IdTokenExpectations, LaunchClaims, MessageType, verify_id_token,
};
use classcode_storage::{Launch, LoginState, Platform, StorageError};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::random_token;
use super::sessions::SessionKind;
use crate::Hub;
use crate::catalog::CatalogItem;

/// The parameters of a login initiation request (LTI 1.3 Core §5.1.1.1), GET query or POST form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct LoginRequest {
    pub iss: Option<String>,
    pub login_hint: Option<String>,
    pub target_link_uri: Option<String>,
    pub lti_message_hint: Option<String>,
    pub client_id: Option<String>,
    pub lti_deployment_id: Option<String>,
    /// LTI Platform Storage: the frame to post `lti.put_data` / `lti.get_data` to.
    pub lti_storage_target: Option<String>,
}

/// Where to send the browser after a login.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    /// The platform's authorization URL with the OIDC parameters.
    pub redirect_url: String,
    pub state: String,
    /// The value the browser keeps (cookie and/or platform storage) and shows back at launch.
    pub browser_secret: String,
    /// Set when the platform offers LTI Platform Storage.
    pub storage_target: Option<String>,
    /// Where the platform storage messages go (the platform's origin).
    pub platform_origin: String,
}

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the login request lacks {0}")]
    Missing(&'static str),
    #[error(
        "no platform is registered with issuer {0:?}: register it first (dynamic registration or `classcode lti platform add`)"
    )]
    UnknownIssuer(String),
    #[error("issuer {issuer:?} has no registration with client_id {client_id:?}")]
    UnknownClient { issuer: String, client_id: String },
    #[error(
        "issuer {0:?} has several registrations: the platform must send client_id with the login"
    )]
    AmbiguousClient(String),
    #[error("the registration of this platform is disabled in Class'Code Hub")]
    Disabled,
    #[error(
        "the deployment {0:?} is not registered for this platform: add it with `classcode lti platform add-deployment`"
    )]
    UnknownDeployment(String),
    #[error("the target_link_uri {0:?} is not a page of this tool")]
    ForeignTarget(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for LoginError {
    fn from(err: StorageError) -> Self {
        LoginError::Unexpected(err.into())
    }
}

impl LoginError {
    /// A stable code for the error page and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "LTI_LOGIN_REQUEST",
            Self::UnknownIssuer(_) => "LTI_UNKNOWN_ISSUER",
            Self::UnknownClient { .. } => "LTI_UNKNOWN_CLIENT",
            Self::AmbiguousClient(_) => "LTI_AMBIGUOUS_CLIENT",
            Self::Disabled => "LTI_PLATFORM_DISABLED",
            Self::UnknownDeployment(_) => "LTI_UNKNOWN_DEPLOYMENT",
            Self::ForeignTarget(_) => "LTI_TARGET_LINK_URI",
            Self::Unexpected(_) => "LTI_INTERNAL",
        }
    }
}

/// How the browser proved, or failed to prove, it started this login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrowserBinding {
    /// The value came back from our cookie or from platform storage.
    Presented(String),
    /// Nothing came back: cookies blocked in the iframe and no platform storage answer yet.
    Absent,
}

/// Why a launch was refused. Every variant is the platform's or the browser's doing: a 4xx page, never a 5xx.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("the launch lacks {0}")]
    Missing(&'static str),
    #[error(
        "this launch was not started here, or it was started too long ago: launch it again from the LMS"
    )]
    UnknownState,
    #[error("this launch was already used: launch it again from the LMS")]
    StateReplayed,
    #[error("the login took too long: launch it again from the LMS")]
    StateExpired,
    #[error("this browser did not start this launch (state mismatch)")]
    StateMismatch,
    #[error("the id_token nonce does not match the login (replayed or forged token)")]
    NonceMismatch,
    #[error("the registration of this platform is disabled in Class'Code Hub")]
    Disabled,
    #[error(
        "the deployment {0:?} is not registered for this platform: add it with `classcode lti platform add-deployment`"
    )]
    UnknownDeployment(String),
    #[error("{0}")]
    Token(#[from] IdTokenError),
    #[error("the platform's keys could not be fetched: {0}")]
    PlatformKeys(String),
    #[error("the content catalog is empty: import content with `classcode content import`")]
    EmptyCatalog,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for LaunchError {
    fn from(err: StorageError) -> Self {
        LaunchError::Unexpected(err.into())
    }
}

impl LaunchError {
    /// A stable code for the error page and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "LTI_LAUNCH_REQUEST",
            Self::UnknownState => "LTI_STATE_UNKNOWN",
            Self::StateReplayed => "LTI_STATE_REPLAYED",
            Self::StateExpired => "LTI_STATE_EXPIRED",
            Self::StateMismatch => "LTI_STATE_MISMATCH",
            Self::NonceMismatch => "LTI_NONCE",
            Self::Disabled => "LTI_PLATFORM_DISABLED",
            Self::UnknownDeployment(_) => "LTI_UNKNOWN_DEPLOYMENT",
            Self::Token(err) => err.code(),
            Self::PlatformKeys(_) => "LTI_PLATFORM_JWKS",
            Self::EmptyCatalog => "CATALOG_EMPTY",
            Self::Unexpected(_) => "LTI_INTERNAL",
        }
    }
}

/// A learner or teacher opening a resource.
#[derive(Clone, Debug)]
pub struct ResourceLaunch {
    pub launch_id: Uuid,
    pub standing: Standing,
    pub lang: &'static str,
    pub item: CatalogItem,
    pub display_name: Option<String>,
    pub context_title: Option<String>,
    /// The player's session token (also its xAPI credential).
    pub session_token: String,
    pub xapi_actor: Value,
    pub registration: Uuid,
    pub activity_id: String,
    /// Whether the roster can be read (staff, and the platform offers NRPS).
    pub has_roster: bool,
}

/// A teacher picking content.
#[derive(Clone, Debug)]
pub struct DeepLinkingLaunch {
    pub launch_id: Uuid,
    pub lang: &'static str,
    pub session_token: String,
    pub settings: DeepLinkingSettings,
    pub items: Vec<CatalogItem>,
}

/// What a launch request led to.
#[derive(Clone, Debug)]
pub enum LaunchOutcome {
    Resource(Box<ResourceLaunch>),
    DeepLinking(Box<DeepLinkingLaunch>),
    /// No cookie came back; the platform offers storage: ask it, then post again.
    NeedsPlatformStorage {
        state: String,
        login_query: String,
        /// The origin platform storage messages go to.
        platform_origin: String,
    },
    /// No cookie came back and no storage: offer to start again in a new window.
    NoBrowserState {
        relaunch_url: String,
    },
}

/// The namespace of launch registrations (UUIDv5): one per learner and resource link.
const REGISTRATION_NAMESPACE: Uuid = Uuid::from_u128(0x6c1e_55c0_de00_4a7b_9f2e_5a1d_c0de_1a71);

fn lang_of(locale: Option<&str>) -> &'static str {
    match locale {
        Some(locale) if locale.to_ascii_lowercase().starts_with("en") => "en",
        _ => "fr",
    }
}

impl Hub {
    /// Answers a login initiation: picks the registration and stores a single-use state.
    #[tracing::instrument(skip_all)]
    pub async fn lti_login(
        &self,
        request: &LoginRequest,
        login_query: String,
    ) -> Result<LoginOutcome, LoginError> {
        let issuer = request
            .iss
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or(LoginError::Missing("iss"))?;
        let login_hint = request
            .login_hint
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or(LoginError::Missing("login_hint"))?;
        let target = request
            .target_link_uri
            .as_deref()
            .filter(|v| !v.is_empty())
            .ok_or(LoginError::Missing("target_link_uri"))?;
        // The browser is only ever sent to our own launch URL; a foreign target would make us an open redirect.
        if !target.starts_with(&format!("{}/", self.settings.public_url)) {
            return Err(LoginError::ForeignTarget(target.to_owned()));
        }
        let platform = self
            .pick_platform(issuer, request.client_id.as_deref())
            .await?;
        if platform.disabled_at.is_some() {
            return Err(LoginError::Disabled);
        }
        if let Some(deployment) = request.lti_deployment_id.as_deref()
            && !platform
                .deployment_ids
                .iter()
                .any(|known| known == deployment)
        {
            return Err(LoginError::UnknownDeployment(deployment.to_owned()));
        }
        let now = Utc::now();
        let state = random_token()?;
        let nonce = random_token()?;
        let browser_secret = random_token()?;
        let storage_target = request
            .lti_storage_target
            .clone()
            .filter(|target| !target.is_empty());
        self.storage
            .insert_login_state(LoginState {
                state: state.clone(),
                platform_id: platform.id,
                nonce: nonce.clone(),
                browser_secret: browser_secret.clone(),
                login_query,
                uses_platform_storage: storage_target.is_some(),
                created_at: now,
                expires_at: now + Duration::seconds(self.lti.settings.login_state_ttl_secs),
                used_at: None,
            })
            .await?;
        let mut redirect = url::Url::parse(&platform.auth_url)
            .map_err(|err| anyhow::anyhow!("the registered auth_url does not parse: {err}"))?;
        {
            let mut query = redirect.query_pairs_mut();
            query
                .append_pair("scope", "openid")
                .append_pair("response_type", "id_token")
                .append_pair("response_mode", "form_post")
                .append_pair("prompt", "none")
                .append_pair("client_id", &platform.client_id)
                .append_pair("redirect_uri", &self.tool_urls().launch)
                .append_pair("login_hint", login_hint)
                .append_pair("state", &state)
                .append_pair("nonce", &nonce);
            if let Some(hint) = request.lti_message_hint.as_deref() {
                query.append_pair("lti_message_hint", hint);
            }
        }
        let platform_origin = redirect.origin().ascii_serialization();
        tracing::info!(platform_id = %platform.id, "lti login");
        Ok(LoginOutcome {
            redirect_url: redirect.into(),
            state,
            browser_secret,
            storage_target,
            platform_origin,
        })
    }

    async fn pick_platform(
        &self,
        issuer: &str,
        client_id: Option<&str>,
    ) -> Result<Platform, LoginError> {
        let of_issuer = |all: &[Platform]| -> Vec<Platform> {
            all.iter()
                .filter(|platform| platform.issuer == issuer)
                .cloned()
                .collect()
        };
        let mut platforms = of_issuer(&self.cached_platforms(false).await?);
        let client_known = |platforms: &[Platform]| {
            client_id.is_none_or(|id| platforms.iter().any(|platform| platform.client_id == id))
        };
        // A registration made on another node in the last seconds is not in this node's copy yet.
        if platforms.is_empty() || !client_known(&platforms) {
            platforms = of_issuer(&self.cached_platforms(true).await?);
        }
        if platforms.is_empty() {
            return Err(LoginError::UnknownIssuer(issuer.to_owned()));
        }
        match client_id.filter(|id| !id.is_empty()) {
            Some(client_id) => platforms
                .into_iter()
                .find(|platform| platform.client_id == client_id)
                .ok_or_else(|| LoginError::UnknownClient {
                    issuer: issuer.to_owned(),
                    client_id: client_id.to_owned(),
                }),
            None if platforms.len() == 1 => Ok(platforms.remove(0)),
            None => Err(LoginError::AmbiguousClient(issuer.to_owned())),
        }
    }

    /// Handles the launch posted by the platform (the redirect_uri).
    #[tracing::instrument(skip_all, fields(launch_id))]
    pub async fn lti_launch(
        &self,
        id_token: Option<&str>,
        state: Option<&str>,
        binding: BrowserBinding,
    ) -> Result<LaunchOutcome, LaunchError> {
        let id_token = id_token
            .filter(|v| !v.is_empty())
            .ok_or(LaunchError::Missing("id_token"))?;
        let state = state
            .filter(|v| !v.is_empty())
            .ok_or(LaunchError::Missing("state"))?;
        let now = Utc::now();
        let login = match &binding {
            // The happy path is one statement: the state is used up only by the browser that holds its secret.
            BrowserBinding::Presented(secret) => {
                match self.storage.consume_login_state(state, secret, now).await? {
                    Some(login) => login,
                    None => return Err(self.why_not_consumed(state, secret, now).await?),
                }
            }
            BrowserBinding::Absent => {
                let login = self
                    .storage
                    .find_login_state(state)
                    .await?
                    .ok_or(LaunchError::UnknownState)?;
                if login.used_at.is_some() {
                    return Err(LaunchError::StateReplayed);
                }
                if login.uses_platform_storage {
                    let platform_origin = match self.cached_platform(login.platform_id).await? {
                        Some(platform) => url::Url::parse(&platform.auth_url)
                            .map(|url| url.origin().ascii_serialization())
                            .unwrap_or_default(),
                        None => return Err(LaunchError::UnknownState),
                    };
                    return Ok(LaunchOutcome::NeedsPlatformStorage {
                        state: state.to_owned(),
                        login_query: login.login_query,
                        platform_origin,
                    });
                }
                return Ok(LaunchOutcome::NoBrowserState {
                    relaunch_url: format!("{}?{}", self.tool_urls().login, login.login_query),
                });
            }
        };
        let platform = self
            .cached_platform(login.platform_id)
            .await?
            .ok_or(LaunchError::UnknownState)?;
        if platform.disabled_at.is_some() {
            return Err(LaunchError::Disabled);
        }
        let claims = self
            .verify_launch_token(&platform, id_token, now.timestamp())
            .await?;
        if !bool::from(claims.nonce.as_bytes().ct_eq(login.nonce.as_bytes())) {
            return Err(LaunchError::NonceMismatch);
        }
        if !platform.deployment_ids.contains(&claims.deployment_id) {
            return Err(LaunchError::UnknownDeployment(claims.deployment_id));
        }
        self.record_launch(&platform, claims).await
    }

    /// Why a presented state could not be used up, read back once the fast path failed.
    async fn why_not_consumed(
        &self,
        state: &str,
        secret: &str,
        now: chrono::DateTime<Utc>,
    ) -> Result<LaunchError, LaunchError> {
        let Some(login) = self.storage.find_login_state(state).await? else {
            return Ok(LaunchError::UnknownState);
        };
        Ok(if login.used_at.is_some() {
            LaunchError::StateReplayed
        } else if login.expires_at <= now {
            LaunchError::StateExpired
        } else if !bool::from(secret.as_bytes().ct_eq(login.browser_secret.as_bytes())) {
            LaunchError::StateMismatch
        } else {
            // Used up by a concurrent request between the two reads.
            LaunchError::StateReplayed
        })
    }

    async fn verify_launch_token(
        &self,
        platform: &Platform,
        id_token: &str,
        now: i64,
    ) -> Result<LaunchClaims, LaunchError> {
        let expect = IdTokenExpectations {
            issuer: &platform.issuer,
            client_id: &platform.client_id,
            now,
            leeway_secs: self.lti.settings.id_token_leeway_secs,
        };
        let keys = self
            .platform_keys(platform, false)
            .await
            .map_err(|err| LaunchError::PlatformKeys(err.to_string()))?;
        match verify_id_token(id_token, &keys, &expect) {
            // Keys rotate: one refetch (rate-limited per registration), then the verdict stands.
            Err(IdTokenError::UnknownKey(_)) => {
                let keys = self
                    .platform_keys(platform, true)
                    .await
                    .map_err(|err| LaunchError::PlatformKeys(err.to_string()))?;
                Ok(verify_id_token(id_token, &keys, &expect)?)
            }
            other => Ok(other?),
        }
    }

    async fn record_launch(
        &self,
        platform: &Platform,
        claims: LaunchClaims,
    ) -> Result<LaunchOutcome, LaunchError> {
        let launch_id = Uuid::now_v7();
        tracing::Span::current().record("launch_id", tracing::field::display(launch_id));
        let standing = roles::standing(&claims.roles);
        let lang = lang_of(claims.preferred_locale());
        let subject_name = claims
            .subject
            .clone()
            .unwrap_or_else(|| format!("anonymous-{launch_id}"));
        let actor = json!({
            "objectType": "Agent",
            "account": {"homePage": claims.issuer, "name": subject_name},
        });
        let catalog = self.current_catalog().await?;
        let item = catalog
            .launchable(claims.custom.get("content_id").map(String::as_str))
            .cloned()
            .ok_or(LaunchError::EmptyCatalog)?;
        let content_id = item.content_id.clone();
        let registration = claims.resource_link.as_ref().map(|link| {
            let context = claims
                .context
                .as_ref()
                .map_or("", |context| context.id.as_str());
            Uuid::new_v5(
                &REGISTRATION_NAMESPACE,
                format!(
                    "{}|{}|{}|{}|{}",
                    platform.id, claims.deployment_id, context, link.id, subject_name
                )
                .as_bytes(),
            )
        });
        let stored_claims = json!({
            "roles": claims.roles,
            "context": claims.context,
            "resource_link": claims.resource_link,
            "ags": claims.ags,
            "nrps": claims.nrps,
            "deep_linking": claims.deep_linking,
            "locale": claims.preferred_locale(),
        });
        self.storage
            .insert_launch(Launch {
                id: launch_id,
                tenant_id: platform.tenant_id,
                platform_id: platform.id,
                deployment_id: claims.deployment_id.clone(),
                message_type: claims.message_type.as_str().to_owned(),
                subject: claims.subject.clone(),
                standing: standing.as_str().to_owned(),
                context_id: claims.context.as_ref().map(|context| context.id.clone()),
                resource_link_id: claims.resource_link.as_ref().map(|link| link.id.clone()),
                content_id: Some(content_id.clone()),
                registration,
                claims: stored_claims.to_string(),
                created_at: Utc::now(),
            })
            .await?;
        tracing::info!(
            platform_id = %platform.id,
            message_type = claims.message_type.as_str(),
            standing = standing.as_str(),
            "lti launch accepted"
        );
        self.count_launch(platform.tenant_id).await;
        // A platform can make "not taking part in research" the default for its learners (LTI custom parameter
        // `research_default=out`); a learner's own choice is never overwritten by it.
        if claims.custom.get("research_default").map(String::as_str) == Some("out")
            && let Err(err) = self
                .record_consent(platform.tenant_id, &actor, Uuid::nil(), false, "platform")
                .await
        {
            tracing::error!(error = %err, "research default not recorded");
        }
        match claims.message_type {
            MessageType::LtiDeepLinkingRequest => {
                let settings = claims
                    .deep_linking
                    .ok_or(LaunchError::Missing("deep_linking_settings"))?;
                let session = self.session_claims(
                    SessionKind::DeepLinking,
                    launch_id,
                    platform.tenant_id,
                    platform.id,
                    standing.as_str(),
                    actor,
                    None,
                    lang,
                );
                Ok(LaunchOutcome::DeepLinking(Box::new(DeepLinkingLaunch {
                    launch_id,
                    lang,
                    session_token: self.mint_session(&session)?,
                    settings,
                    items: catalog.items().to_vec(),
                })))
            }
            MessageType::LtiResourceLinkRequest => {
                let registration = registration.ok_or(LaunchError::Missing("resource_link"))?;
                let mut grouping = Vec::new();
                if let Some(context) = &claims.context {
                    grouping.push(json!({"id": self.course_iri(platform.id, &context.id)}));
                }
                let launched = json!({
                    "actor": actor,
                    "verb": {
                        "id": "http://adlnet.gov/expapi/verbs/launched",
                        "display": {"fr-FR": "a lancé", "en-US": "launched"},
                    },
                    "object": self.launched_object(&item),
                    "context": {
                        "registration": registration,
                        "contextActivities": {"grouping": grouping},
                        "platform": "Class'Code Hub (LTI)",
                    },
                });
                self.record_hub_statement(platform.tenant_id, launched)
                    .await;
                let session = self.session_claims(
                    SessionKind::Player,
                    launch_id,
                    platform.tenant_id,
                    platform.id,
                    standing.as_str(),
                    actor.clone(),
                    Some(registration),
                    lang,
                );
                Ok(LaunchOutcome::Resource(Box::new(ResourceLaunch {
                    launch_id,
                    standing,
                    lang,
                    activity_id: format!(
                        "{}/content/{}",
                        self.settings.public_url,
                        content_id.replace('#', "/")
                    ),
                    item,
                    display_name: claims.name.clone().or(claims.given_name.clone()),
                    context_title: claims
                        .context
                        .as_ref()
                        .and_then(|context| context.title.clone()),
                    session_token: self.mint_session(&session)?,
                    xapi_actor: actor,
                    registration,
                    has_roster: standing.is_staff() && claims.nrps.is_some(),
                })))
            }
        }
    }
}
