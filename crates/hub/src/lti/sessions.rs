//! The hub's own short-lived tokens, HS256 under a key derived from the master key: the player's session after a
//! launch (also its xAPI credential, limited to one actor and one registration) and the deep linking picker's
//! session. Stateless, so any node checks them; never a cookie, so they work in an LMS iframe.

use chrono::Utc;
use classcode_storage::{PlatformId, TenantId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Hub;
use crate::lrs::{LaunchRestriction, LrsCaller, Scope};

const ISSUER: &str = "classcode-hub";
const AUDIENCE: &str = "classcode-hub/session";

/// What a session token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionKind {
    /// The player after a resource link launch.
    Player,
    /// The deep linking picker.
    DeepLinking,
}

/// The claims of a session token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub kind: SessionKind,
    /// The launch reference.
    pub lid: Uuid,
    pub tid: TenantId,
    pub pid: PlatformId,
    /// The person's standing (`learner`, `instructor`…).
    pub std: String,
    /// The xAPI actor of the learner.
    pub act: Value,
    /// The xAPI registration of this learner on this link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg: Option<Uuid>,
    /// The UI language from the launch (`fr` or `en`).
    #[serde(default = "default_lang")]
    pub lng: String,
    /// For the token a cmi5 AU fetched: its cmi5 session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmi: Option<Uuid>,
}

fn default_lang() -> String {
    "fr".to_owned()
}

impl SessionClaims {
    /// The UI language: `en` or `fr`.
    pub fn lang(&self) -> &'static str {
        if self.lng == "en" { "en" } else { "fr" }
    }
}

/// Why a session token was refused.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(
        "the session token is missing, malformed, forged or expired: launch the activity again from the LMS"
    )]
    Invalid,
    #[error("this session is not allowed to do that")]
    Forbidden,
}

impl Hub {
    pub(crate) fn mint_session(&self, claims: &SessionClaims) -> anyhow::Result<String> {
        let secret = self.lti.keys.master().session_secret();
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(&secret)?,
        )?)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "each field of the token is a plain value"
    )]
    pub(crate) fn session_claims(
        &self,
        kind: SessionKind,
        launch_id: Uuid,
        tenant_id: TenantId,
        platform_id: PlatformId,
        standing: &str,
        actor: Value,
        registration: Option<Uuid>,
        lang: &str,
    ) -> SessionClaims {
        let now = Utc::now().timestamp();
        SessionClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + self.lti.settings.session_ttl_secs,
            kind,
            lid: launch_id,
            tid: tenant_id,
            pid: platform_id,
            std: standing.to_owned(),
            act: actor,
            reg: registration,
            lng: lang.to_owned(),
            cmi: None,
        }
    }

    /// Checks a session token: signature, issuer, audience, expiry and kind.
    pub fn verify_session(
        &self,
        token: &str,
        kind: SessionKind,
    ) -> Result<SessionClaims, SessionError> {
        let secret = self.lti.keys.master().session_secret();
        let key = DecodingKey::from_secret(&secret).map_err(|_| SessionError::Invalid)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<SessionClaims>(token, &key, &validation)
            .map_err(|_| SessionError::Invalid)?;
        if data.claims.kind != kind {
            return Err(SessionError::Invalid);
        }
        Ok(data.claims)
    }

    /// The LRS caller of a player session: it writes and reads its own learner's statements and state, in its own
    /// registration only (the launch token of the LRS issue).
    pub fn authenticate_launch_token(&self, token: &str) -> Result<LrsCaller, SessionError> {
        let claims = self.verify_session(token, SessionKind::Player)?;
        let registration = claims.reg.ok_or(SessionError::Forbidden)?;
        Ok(LrsCaller {
            tenant_id: claims.tid,
            credential_key: match claims.cmi {
                Some(session) => format!("cmi5:{session}"),
                None => format!("launch:{}", claims.lid),
            },
            scopes: vec![
                Scope::StatementsWrite,
                Scope::StatementsReadMine,
                Scope::State,
            ],
            // One authority per learner and registration: `statements/read/mine` then shows a launch token the
            // statements of its own learner only, never those written through other learners' launches.
            authority: json!({
                "objectType": "Agent",
                "name": "Class'Code Hub (launch)",
                "account": {
                    "homePage": format!("{}/lti/launch", self.settings.public_url),
                    "name": registration.to_string(),
                },
            }),
            restriction: Some(LaunchRestriction {
                actor: claims.act,
                registration,
                // A cmi5 AU reports its own result (cmi5's model); the player's pages do not.
                scores_count: claims.cmi.is_some(),
                cmi5_session: claims.cmi,
            }),
        })
    }
}
