//! Calls the tool makes to platforms with its own signed JWTs: OAuth2 client credentials with a JWT client
//! assertion (Security Framework §4.1), the signed Deep Linking response, and the NRPS roster.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use classcode_lti::claims::DeepLinkingSettings;
use classcode_lti::deep_linking::{self, LineItemRequest, ResourceLinkItem, ResponseContext};
use classcode_lti::nrps::{
    self, MEMBERSHIP_MEDIA_TYPE, MembershipContainer, SCOPE_MEMBERSHIP_READONLY,
};
use classcode_lti::roles;
use classcode_storage::{Platform, PlatformId};
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Value, json};
use tokio::time::Instant;
use uuid::Uuid;

use super::random_token;
use super::read_body;
use super::sessions::{SessionError, SessionKind};
use crate::Hub;

/// The auto-posted form that carries a deep linking response back to the platform.
#[derive(Clone, Debug)]
pub struct DeepLinkingForm {
    pub return_url: String,
    pub jwt: String,
}

/// Why a deep linking response could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DeepLinkingError {
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("unknown content {0:?}")]
    UnknownContent(String),
    #[error("{0}")]
    Refused(#[from] deep_linking::DeepLinkingError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why the roster could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("{0}")]
    Session(#[from] SessionError),
    #[error("the platform did not offer its roster (Names and Role Provisioning) for this launch")]
    NotOffered,
    #[error("the platform refused or failed the roster request: {0}")]
    Platform(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A member of the course, for the teacher's dashboard.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RosterMember {
    pub user_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub standing: &'static str,
    pub status: Option<String>,
}

/// How many NRPS pages are followed at most (a roster of several thousand people).
const MAX_ROSTER_PAGES: usize = 100;
/// Access tokens are renewed this long before the platform says they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

impl Hub {
    async fn load_launch_claims(
        &self,
        launch_id: Uuid,
    ) -> anyhow::Result<(classcode_storage::Launch, Value)> {
        let launch = self
            .storage
            .find_launch(launch_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("launch {launch_id} is not stored"))?;
        let claims: Value = serde_json::from_str(&launch.claims)?;
        Ok((launch, claims))
    }

    async fn platform(&self, id: PlatformId) -> anyhow::Result<Platform> {
        self.storage
            .find_platform(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("platform {id} is not registered any more"))
    }

    /// Builds the signed `LtiDeepLinkingResponse` for the items a teacher picked.
    #[tracing::instrument(skip_all)]
    pub async fn deep_linking_response(
        &self,
        session_token: &str,
        picked: &[String],
    ) -> Result<DeepLinkingForm, DeepLinkingError> {
        let session = self.verify_session(session_token, SessionKind::DeepLinking)?;
        let (launch, claims) = self.load_launch_claims(session.lid).await?;
        let settings: DeepLinkingSettings = serde_json::from_value(claims["deep_linking"].clone())
            .map_err(|_| anyhow::anyhow!("the launch kept no deep linking settings"))?;
        let platform = self.platform(session.pid).await?;
        let launch_url = self.tool_urls().launch;
        let catalog = self.current_catalog().await?;
        let mut items = Vec::with_capacity(picked.len());
        for content_id in picked {
            let item = catalog
                .item(content_id)
                .ok_or_else(|| DeepLinkingError::UnknownContent(content_id.clone()))?;
            let mut custom = BTreeMap::new();
            custom.insert("content_id".to_owned(), item.content_id.clone());
            let mut link = ResourceLinkItem::new(
                format!("Class'Code — {}", item.title.get("fr")),
                Some(launch_url.clone()),
                custom,
            );
            link.text = Some(item.summary.get("fr").to_owned());
            if item.is_graded && settings.accept_lineitem != Some(false) {
                link.line_item = Some(LineItemRequest {
                    score_maximum: 100.0,
                    label: Some(item.title.get("fr").to_owned()),
                    resource_id: Some(item.content_id.clone()),
                    tag: Some("classcode".to_owned()),
                });
            }
            items.push(link);
        }
        let nonce = random_token()?;
        let message = format!("{} contenu(s) Class'Code ajouté(s)", items.len());
        let response = deep_linking::response_claims(
            &ResponseContext {
                client_id: &platform.client_id,
                platform_issuer: &platform.issuer,
                deployment_id: &launch.deployment_id,
                nonce: &nonce,
                now: Utc::now().timestamp(),
                lifetime_secs: 300,
                settings: &settings,
                message: Some(&message),
            },
            &items,
        )?;
        let jwt = self.sign_tool_jwt(&response).await?;
        tracing::info!(launch_id = %launch.id, items = items.len(), "deep linking response signed");
        Ok(DeepLinkingForm {
            return_url: settings.deep_link_return_url,
            jwt,
        })
    }

    /// Signs claims with the tool's current RSA key (RS256, `kid` in the header).
    pub(crate) async fn sign_tool_jwt(&self, claims: &Value) -> anyhow::Result<String> {
        let key = self.lti.keys.signing_key(&self.storage).await?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &key.encoding)?)
    }

    /// An access token for the platform's services, from the cache or by client credentials.
    pub(crate) async fn platform_access_token(
        &self,
        platform: &Platform,
        scopes: &[&str],
    ) -> anyhow::Result<String> {
        let scope = scopes.join(" ");
        let cache_key = (platform.id, scope.clone());
        if let Ok(entries) = self.lti.tokens.entries.read()
            && let Some((token, valid_until)) = entries.get(&cache_key)
            && Instant::now() < *valid_until
        {
            return Ok(token.clone());
        }
        let now = Utc::now().timestamp();
        let assertion = self
            .sign_tool_jwt(&json!({
                "iss": platform.client_id,
                "sub": platform.client_id,
                "aud": platform.token_url,
                "iat": now,
                "exp": now + 300,
                "jti": Uuid::now_v7().to_string(),
            }))
            .await?;
        let response = self
            .lti
            .http
            .post(&platform.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.as_str()),
                ("scope", scope.as_str()),
            ])
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "the platform's token endpoint is unreachable: {}",
                    err.without_url()
                )
            })?;
        let status = response.status();
        let body = read_body(response).await?;
        if !status.is_success() {
            let mut text = String::from_utf8_lossy(&body).into_owned();
            text.truncate(300);
            anyhow::bail!(
                "the platform's token endpoint answered HTTP {}: {text}",
                status.as_u16()
            );
        }
        let answer: Value = serde_json::from_slice(&body)
            .map_err(|_| anyhow::anyhow!("the platform's token answer is not JSON"))?;
        let token = answer["access_token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("the platform's token answer has no access_token"))?
            .to_owned();
        let lifetime = Duration::from_secs(answer["expires_in"].as_u64().unwrap_or(3600));
        let valid_until = Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN);
        if let Ok(mut entries) = self.lti.tokens.entries.write() {
            entries.insert(cache_key, (token.clone(), valid_until));
        }
        Ok(token)
    }

    /// Forgets a cached access token the platform refused.
    pub(crate) fn forget_access_token(&self, platform: PlatformId, scopes: &[&str]) {
        if let Ok(mut entries) = self.lti.tokens.entries.write() {
            entries.remove(&(platform, scopes.join(" ")));
        }
    }

    /// The course roster (NRPS 2.0), every page, for a teacher's session.
    #[tracing::instrument(skip_all)]
    pub async fn roster(&self, session_token: &str) -> Result<Vec<RosterMember>, RosterError> {
        let session = self.verify_session(session_token, SessionKind::Player)?;
        if !roles::Standing::parse(&session.std).is_some_and(|standing| standing.is_staff()) {
            return Err(RosterError::Session(SessionError::Forbidden));
        }
        let (_, claims) = self.load_launch_claims(session.lid).await?;
        let url = claims["nrps"]["context_memberships_url"]
            .as_str()
            .ok_or(RosterError::NotOffered)?
            .to_owned();
        let platform = self.platform(session.pid).await?;
        let scopes = [SCOPE_MEMBERSHIP_READONLY];
        let token = self
            .platform_access_token(&platform, &scopes)
            .await
            .map_err(|err| RosterError::Platform(err.to_string()))?;
        let mut members = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(page_url) = next.take() {
            pages += 1;
            if pages > MAX_ROSTER_PAGES {
                break;
            }
            let response = self
                .lti
                .http
                .get(&page_url)
                .bearer_auth(&token)
                .header("accept", MEMBERSHIP_MEDIA_TYPE)
                .send()
                .await
                .map_err(|err| RosterError::Platform(err.without_url().to_string()))?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                self.forget_access_token(platform.id, &scopes);
            }
            if !status.is_success() {
                return Err(RosterError::Platform(format!("HTTP {}", status.as_u16())));
            }
            next = response
                .headers()
                .get_all("link")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(nrps::next_page);
            let body = read_body(response).await?;
            let container: MembershipContainer = serde_json::from_slice(&body).map_err(|err| {
                RosterError::Platform(format!("the roster is not a membership container: {err}"))
            })?;
            members.extend(container.members.into_iter().map(|member| {
                RosterMember {
                    standing: roles::standing(&member.roles).as_str(),
                    user_id: member.user_id,
                    name: member
                        .name
                        .or_else(|| match (member.given_name, member.family_name) {
                            (Some(given), Some(family)) => Some(format!("{given} {family}")),
                            (given, family) => given.or(family),
                        }),
                    email: member.email,
                    roles: member.roles,
                    status: member.status,
                }
            }));
        }
        Ok(members)
    }
}
