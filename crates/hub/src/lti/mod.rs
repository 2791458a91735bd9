//! The LTI 1.3 tool: platform registrations (manual and Dynamic Registration), OIDC login and launch, the
//! player's session tokens, Deep Linking responses, grades through an outbox (AGS) and rosters (NRPS).
//!
//! The rules of the messages live in `classcode-lti`; this module adds storage, keys and the HTTP calls to
//! platforms.

mod grades;
pub mod keys;
mod launch;
mod platforms;
mod services;
mod sessions;

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use classcode_storage::PlatformId;
use jsonwebtoken::jwk::JwkSet;
use tokio::time::Instant;

use crate::catalog::Catalog;

pub use grades::OutboxReport;
pub(crate) use grades::{GradeCandidate, grade_candidate};
pub use keys::{MasterKey, ToolKeys};
pub use launch::{
    BrowserBinding, DeepLinkingLaunch, LaunchError, LaunchOutcome, LoginError, LoginOutcome,
    LoginRequest, ResourceLaunch,
};
pub use platforms::{
    DynamicRegistrationOutcome, ManualRegistration, PlatformError, RegistrationFailure,
};
pub use services::{DeepLinkingError, DeepLinkingForm, RosterError, RosterMember};
pub use sessions::{SessionClaims, SessionError, SessionKind};

/// Timing and retry settings of the LTI tool.
#[derive(Clone, Debug)]
pub struct LtiSettings {
    /// Clock skew allowed on id_token `exp` and `iat`, in seconds.
    pub id_token_leeway_secs: i64,
    /// How long a login may take between the login request and the launch, in seconds.
    pub login_state_ttl_secs: i64,
    /// How long the player's session token lives, in seconds.
    pub session_ttl_secs: i64,
    /// How often the outbox worker looks for due calls, in milliseconds.
    pub outbox_poll_ms: u64,
    /// The first retry delay of a failed call, doubled at each attempt, in milliseconds.
    pub outbox_retry_base_ms: u64,
    /// Attempts before a call is marked failed (it stays visible to admins).
    pub outbox_max_attempts: i32,
    /// How long a claimed call is reserved for the node that claimed it, in seconds: a node that dies holding it
    /// gives it up after this long, and another node sends it.
    pub outbox_lease_secs: i64,
    /// How long a replaced signing key stays in the JWKS, in seconds.
    pub key_grace_secs: i64,
}

impl Default for LtiSettings {
    fn default() -> Self {
        LtiSettings {
            id_token_leeway_secs: 10,
            login_state_ttl_secs: 600,
            session_ttl_secs: 4 * 3600,
            outbox_poll_ms: 1000,
            outbox_retry_base_ms: 5000,
            outbox_max_attempts: 12,
            outbox_lease_secs: 60,
            key_grace_secs: 24 * 3600,
        }
    }
}

/// The URLs of the tool, as an LMS admin enters them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ToolUrls {
    pub login: String,
    pub launch: String,
    pub jwks: String,
    pub dynamic_registration: String,
    pub deep_linking: String,
}

impl ToolUrls {
    /// The URLs of a hub at `public_url`; the dynamic registration URL carries the registration invitation.
    pub fn for_base(public_url: &str, invite: &str) -> ToolUrls {
        ToolUrls {
            login: format!("{public_url}/lti/login"),
            launch: format!("{public_url}/lti/launch"),
            jwks: format!("{public_url}/lti/jwks"),
            dynamic_registration: format!("{public_url}/lti/register?invite={invite}"),
            deep_linking: format!("{public_url}/lti/launch"),
        }
    }
}

/// The platform keys a node has fetched, by registration.
#[derive(Debug, Default)]
struct JwksCache {
    entries: RwLock<HashMap<PlatformId, (JwkSet, Instant)>>,
}

/// The access tokens a node holds for platform services, by registration and scope.
#[derive(Debug, Default)]
struct AccessTokenCache {
    entries: RwLock<HashMap<(PlatformId, String), (String, Instant)>>,
}

/// What the LTI tool keeps in memory: keys, caches, the HTTP client and the catalog.
#[derive(Debug)]
pub struct LtiState {
    pub(crate) keys: ToolKeys,
    pub(crate) settings: LtiSettings,
    jwks: JwksCache,
    tokens: AccessTokenCache,
    /// Every registration, read at most every [`PLATFORMS_TTL`] (and again at once on a miss).
    platforms: RwLock<Option<(std::sync::Arc<Vec<classcode_storage::Platform>>, Instant)>>,
    http: reqwest::Client,
    /// The catalog, read at most every 30 s (and again at once after an import on this node).
    pub(crate) catalog: RwLock<Option<(std::sync::Arc<Catalog>, Instant)>>,
}

/// Platform JWKS are refetched at most this often when a token names an unknown `kid`.
const JWKS_REFETCH_MIN: Duration = Duration::from_secs(5);
/// Platform JWKS are kept this long before a routine refetch.
const JWKS_TTL: Duration = Duration::from_secs(600);
/// How long a node trusts its copy of the registrations: disabling a platform on one node reaches the others
/// within this time (the node that made the change forgets its copy at once).
const PLATFORMS_TTL: Duration = Duration::from_secs(30);
/// The largest answer read from a platform.
const MAX_PLATFORM_BODY: usize = 1024 * 1024;

impl LtiState {
    pub fn new(master: MasterKey, settings: LtiSettings) -> anyhow::Result<LtiState> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("ClassCodeHub/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(LtiState {
            keys: ToolKeys::new(master),
            settings,
            jwks: JwksCache::default(),
            tokens: AccessTokenCache::default(),
            platforms: RwLock::new(None),
            http,
            catalog: RwLock::new(None),
        })
    }
}

/// Reads a response body up to [`MAX_PLATFORM_BODY`] bytes.
async fn read_body(response: reqwest::Response) -> anyhow::Result<Vec<u8>> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_PLATFORM_BODY {
            anyhow::bail!("the platform's answer is larger than {MAX_PLATFORM_BODY} bytes");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A random URL-safe token of 32 bytes.
pub(crate) fn random_token() -> anyhow::Result<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow::anyhow!("no randomness available"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
