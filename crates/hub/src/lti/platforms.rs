//! Platform registrations: added by hand (`classcode lti platform add`) or by LTI Dynamic Registration 1.0, each
//! bound to its own tenant; and the platform key sets, fetched and cached per registration.

use chrono::Utc;
use classcode_lti::registration::{
    self, PlatformConfiguration, RegistrationError, ToolDescription,
};
use classcode_storage::{NewPlatform, Platform, PlatformId, StorageError};
use jsonwebtoken::jwk::JwkSet;
use tokio::time::Instant;

use super::{JWKS_REFETCH_MIN, JWKS_TTL, PLATFORMS_TTL, ToolUrls, read_body};
use crate::Hub;

/// A registration typed by an admin.
#[derive(Clone, Debug)]
pub struct ManualRegistration {
    /// The tenant to bind to; a new one named after the issuer when absent.
    pub tenant: Option<String>,
    pub issuer: String,
    pub client_id: String,
    pub auth_url: String,
    pub token_url: String,
    pub jwks_url: String,
    pub deployment_ids: Vec<String>,
}

/// Why a registration could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(
        "{field} must be an absolute https URL (http is accepted on localhost only): {value:?}"
    )]
    BadUrl { field: &'static str, value: String },
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("no tenant is named {0:?}; list them with `classcode tenant list`")]
    UnknownTenant(String),
    #[error("issuer {issuer:?} already has a registration with client_id {client_id:?}")]
    AlreadyRegistered { issuer: String, client_id: String },
    #[error("no platform registration has the id {0}")]
    UnknownPlatform(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for PlatformError {
    fn from(err: StorageError) -> Self {
        PlatformError::Unexpected(err.into())
    }
}

/// Why a dynamic registration failed, in words for the LMS admin who clicked.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationFailure {
    #[error("the registration link lacks openid_configuration")]
    MissingConfigurationUrl,
    #[error("the platform's configuration URL is not an absolute http(s) URL")]
    BadConfigurationUrl,
    #[error("the platform's configuration could not be fetched: {0}")]
    Unreachable(String),
    #[error("{0}")]
    Invalid(#[from] RegistrationError),
    #[error("the platform refused the registration (HTTP {status}): {body}")]
    Refused { status: u16, body: String },
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

impl RegistrationFailure {
    /// A stable code for the error page and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingConfigurationUrl | Self::BadConfigurationUrl => "LTI_REGISTRATION_REQUEST",
            Self::Unreachable(_) => "LTI_REGISTRATION_UNREACHABLE",
            Self::Invalid(_) => "LTI_REGISTRATION_CONFIGURATION",
            Self::Refused { .. } => "LTI_REGISTRATION_REFUSED",
            Self::Platform(PlatformError::AlreadyRegistered { .. }) => "LTI_REGISTRATION_EXISTS",
            Self::Platform(_) => "LTI_REGISTRATION_FAILED",
        }
    }
}

/// What a dynamic registration made.
#[derive(Clone, Debug)]
pub struct DynamicRegistrationOutcome {
    pub platform: Platform,
    /// `moodle`, `canvas`… when the platform says.
    pub product: Option<String>,
    /// The tenant that holds the platform's data.
    pub tenant_name: String,
}

fn check_url(field: &'static str, value: &str) -> Result<(), PlatformError> {
    let bad = || PlatformError::BadUrl {
        field,
        value: value.to_owned(),
    };
    let url = url::Url::parse(value).map_err(|_| bad())?;
    let is_local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_local => Ok(()),
        _ => Err(bad()),
    }
}

/// A tenant name derived from an issuer: its host, lowercased, dots and colons as hyphens.
fn tenant_name_for(issuer: &str) -> String {
    let host = url::Url::parse(issuer)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port() {
                Some(port) => format!("{host}-{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| "lms".to_owned());
    let mut name: String = host
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    name.truncate(56);
    let name = name.trim_matches('-').to_owned();
    if name.len() < 2 {
        "lms".to_owned()
    } else {
        name
    }
}

impl Hub {
    /// The tool's URLs.
    pub fn tool_urls(&self) -> ToolUrls {
        ToolUrls::for_base(
            &self.settings.public_url,
            &self.lti.keys.master().registration_invite(),
        )
    }

    /// Whether a dynamic registration carries this hub's invitation.
    pub fn is_registration_invited(&self, invite: Option<&str>) -> bool {
        use subtle::ConstantTimeEq;
        let expected = self.lti.keys.master().registration_invite();
        invite.is_some_and(|invite| bool::from(invite.as_bytes().ct_eq(expected.as_bytes())))
    }

    /// Registers a platform typed by an admin.
    #[tracing::instrument(skip_all)]
    pub async fn register_platform(
        &self,
        registration: ManualRegistration,
    ) -> Result<Platform, PlatformError> {
        for (field, value) in [
            ("issuer", &registration.issuer),
            ("client_id", &registration.client_id),
        ] {
            if value.trim().is_empty() {
                return Err(PlatformError::Empty(field));
            }
        }
        check_url("issuer", &registration.issuer)?;
        check_url("auth_url", &registration.auth_url)?;
        check_url("token_url", &registration.token_url)?;
        check_url("jwks_url", &registration.jwks_url)?;
        if registration
            .deployment_ids
            .iter()
            .any(|id| id.trim().is_empty())
        {
            return Err(PlatformError::Empty("deployment_id"));
        }
        let tenant_id = match &registration.tenant {
            Some(name) => {
                self.storage
                    .find_tenant_by_name(name)
                    .await?
                    .ok_or_else(|| PlatformError::UnknownTenant(name.clone()))?
                    .id
            }
            None => self.tenant_for_issuer(&registration.issuer).await?.0,
        };
        self.insert_platform(NewPlatform {
            tenant_id,
            issuer: registration.issuer,
            client_id: registration.client_id,
            auth_url: registration.auth_url,
            token_url: registration.token_url,
            jwks_url: registration.jwks_url,
            product: None,
            deployment_ids: registration.deployment_ids,
            created_at: Utc::now(),
        })
        .await
    }

    /// The registrations, from this node's copy unless `refresh` or the copy is older than [`PLATFORMS_TTL`].
    pub(crate) async fn cached_platforms(
        &self,
        refresh: bool,
    ) -> Result<std::sync::Arc<Vec<Platform>>, StorageError> {
        if !refresh
            && let Ok(cached) = self.lti.platforms.read()
            && let Some((platforms, loaded)) = cached.as_ref()
            && loaded.elapsed() < PLATFORMS_TTL
        {
            return Ok(platforms.clone());
        }
        let platforms = std::sync::Arc::new(self.storage.find_platforms().await?);
        if let Ok(mut cached) = self.lti.platforms.write() {
            *cached = Some((platforms.clone(), Instant::now()));
        }
        Ok(platforms)
    }

    /// The web origins of the enabled platforms (their issuer and login URLs), from this node's copy: who may frame
    /// the tool's pages and receive its forms. Empty when the registrations cannot be read.
    pub async fn platform_origins(&self) -> Vec<String> {
        let Ok(platforms) = self.cached_platforms(false).await else {
            return Vec::new();
        };
        let mut origins: Vec<String> = platforms
            .iter()
            .filter(|platform| platform.disabled_at.is_none())
            .flat_map(|platform| [&platform.issuer, &platform.auth_url])
            .filter_map(|address| url::Url::parse(address).ok())
            .filter(|address| matches!(address.scheme(), "https" | "http"))
            .map(|address| address.origin().ascii_serialization())
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }

    /// One registration by id, from the copy, read again once when the copy lacks it.
    pub(crate) async fn cached_platform(
        &self,
        id: PlatformId,
    ) -> Result<Option<Platform>, StorageError> {
        let find =
            |platforms: &[Platform]| platforms.iter().find(|platform| platform.id == id).cloned();
        if let Some(platform) = find(&self.cached_platforms(false).await?) {
            return Ok(Some(platform));
        }
        Ok(find(&self.cached_platforms(true).await?))
    }

    fn forget_platforms(&self) {
        if let Ok(mut cached) = self.lti.platforms.write() {
            *cached = None;
        }
    }

    async fn insert_platform(&self, new: NewPlatform) -> Result<Platform, PlatformError> {
        self.forget_platforms();
        let (issuer, client_id) = (new.issuer.clone(), new.client_id.clone());
        match self.storage.insert_platform(new).await {
            Ok(platform) => {
                tracing::info!(platform_id = %platform.id, tenant_id = %platform.tenant_id, "platform registered");
                Ok(platform)
            }
            Err(StorageError::Conflict(_)) => {
                Err(PlatformError::AlreadyRegistered { issuer, client_id })
            }
            Err(err) => Err(err.into()),
        }
    }

    /// A fresh tenant for a new registration of `issuer`, named after its host.
    async fn tenant_for_issuer(
        &self,
        issuer: &str,
    ) -> Result<(classcode_storage::TenantId, String), PlatformError> {
        let base = tenant_name_for(issuer);
        for attempt in 1..=50 {
            let name = if attempt == 1 {
                base.clone()
            } else {
                format!("{base}-{attempt}")
            };
            match self.create_tenant(&name, issuer).await {
                Ok(tenant) => return Ok((tenant.id, name)),
                Err(crate::CreateTenantError::NameTaken(_)) => continue,
                Err(err) => return Err(PlatformError::Unexpected(anyhow::anyhow!(err))),
            }
        }
        Err(PlatformError::Unexpected(anyhow::anyhow!(
            "no free tenant name for {base}"
        )))
    }

    /// Every registration.
    pub async fn list_platforms(&self) -> Result<Vec<Platform>, PlatformError> {
        Ok(self.storage.find_platforms().await?)
    }

    /// Disables a registration, or enables it again; launches from a disabled one are refused.
    pub async fn set_platform_enabled(&self, id: &str, enabled: bool) -> Result<(), PlatformError> {
        let uuid =
            uuid::Uuid::parse_str(id).map_err(|_| PlatformError::UnknownPlatform(id.to_owned()))?;
        let disabled_at = (!enabled).then(Utc::now);
        self.forget_platforms();
        match self
            .storage
            .update_platform_disabled(PlatformId(uuid), disabled_at)
            .await
        {
            Ok(()) => Ok(()),
            Err(StorageError::NotFound) => Err(PlatformError::UnknownPlatform(id.to_owned())),
            Err(err) => Err(err.into()),
        }
    }

    /// Adds a deployment to a registration.
    pub async fn add_deployment(&self, id: &str, deployment_id: &str) -> Result<(), PlatformError> {
        let uuid =
            uuid::Uuid::parse_str(id).map_err(|_| PlatformError::UnknownPlatform(id.to_owned()))?;
        if deployment_id.trim().is_empty() {
            return Err(PlatformError::Empty("deployment_id"));
        }
        if self
            .storage
            .find_platform(PlatformId(uuid))
            .await?
            .is_none()
        {
            return Err(PlatformError::UnknownPlatform(id.to_owned()));
        }
        self.storage
            .insert_deployment(PlatformId(uuid), deployment_id, Utc::now())
            .await?;
        self.forget_platforms();
        Ok(())
    }

    /// LTI Dynamic Registration 1.0: reads the platform's configuration, registers the tool there and records the
    /// platform with the client_id (and deployment) it answered.
    #[tracing::instrument(skip_all)]
    pub async fn register_dynamically(
        &self,
        openid_configuration: Option<&str>,
        registration_token: Option<&str>,
    ) -> Result<DynamicRegistrationOutcome, RegistrationFailure> {
        let configuration_url =
            openid_configuration.ok_or(RegistrationFailure::MissingConfigurationUrl)?;
        let parsed = url::Url::parse(configuration_url)
            .map_err(|_| RegistrationFailure::BadConfigurationUrl)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(RegistrationFailure::BadConfigurationUrl);
        }
        let configuration = self
            .fetch_platform_configuration(configuration_url, registration_token)
            .await?;
        let urls = self.tool_urls();
        let logo = format!("{}/static/logo.svg", self.settings.public_url);
        let request = registration::registration_request(&ToolDescription {
            client_name: "Class'Code Hub",
            description: "Modules Class'Code : pensée informatique, programmation créative, réseaux, robotique.",
            base_url: &self.settings.public_url,
            login_url: &urls.login,
            launch_url: &urls.launch,
            jwks_url: &urls.jwks,
            logo_url: Some(&logo),
            deep_linking: configuration.supports_deep_linking(),
        });
        let mut post = self
            .lti
            .http
            .post(&configuration.registration_endpoint)
            .json(&request);
        if let Some(token) = registration_token.filter(|token| !token.is_empty()) {
            post = post.bearer_auth(token);
        }
        let response = post
            .send()
            .await
            .map_err(|err| RegistrationFailure::Unreachable(err.without_url().to_string()))?;
        let status = response.status();
        let body = read_body(response)
            .await
            .map_err(|err| RegistrationFailure::Unreachable(err.to_string()))?;
        if !status.is_success() {
            let mut text = String::from_utf8_lossy(&body).into_owned();
            text.truncate(500);
            return Err(RegistrationFailure::Refused {
                status: status.as_u16(),
                body: text,
            });
        }
        let answer = registration::parse_registration_response(&body)?;
        let (tenant_id, tenant_name) = self.tenant_for_issuer(&configuration.issuer).await?;
        let product = configuration.product_family_code().map(str::to_owned);
        let platform = self
            .insert_platform(NewPlatform {
                tenant_id,
                issuer: configuration.issuer.clone(),
                client_id: answer.client_id,
                auth_url: configuration.authorization_endpoint.clone(),
                token_url: configuration.token_endpoint.clone(),
                jwks_url: configuration.jwks_uri.clone(),
                product: product.clone(),
                deployment_ids: answer.deployment_id.into_iter().collect(),
                created_at: Utc::now(),
            })
            .await?;
        Ok(DynamicRegistrationOutcome {
            platform,
            product,
            tenant_name,
        })
    }

    async fn fetch_platform_configuration(
        &self,
        url: &str,
        registration_token: Option<&str>,
    ) -> Result<PlatformConfiguration, RegistrationFailure> {
        let mut get = self.lti.http.get(url).header("accept", "application/json");
        // Dynamic Registration 1.0 §3.3: the platform may require the registration token here too.
        if let Some(token) = registration_token.filter(|token| !token.is_empty()) {
            get = get.bearer_auth(token);
        }
        let response = get
            .send()
            .await
            .map_err(|err| RegistrationFailure::Unreachable(err.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(RegistrationFailure::Unreachable(format!(
                "HTTP {}",
                response.status().as_u16()
            )));
        }
        let body = read_body(response)
            .await
            .map_err(|err| RegistrationFailure::Unreachable(err.to_string()))?;
        Ok(registration::parse_platform_configuration(&body, url)?)
    }

    /// The platform's key set: cached, fetched on a miss, refetched at most every few seconds when `refresh`
    /// asks (a token named a `kid` the cached set lacks).
    pub(crate) async fn platform_keys(
        &self,
        platform: &Platform,
        refresh: bool,
    ) -> anyhow::Result<JwkSet> {
        if let Ok(entries) = self.lti.jwks.entries.read()
            && let Some((keys, fetched)) = entries.get(&platform.id)
        {
            let age = fetched.elapsed();
            if (!refresh && age < JWKS_TTL) || (refresh && age < JWKS_REFETCH_MIN) {
                return Ok(keys.clone());
            }
        }
        let response = self
            .lti
            .http
            .get(&platform.jwks_url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!("fetching the platform's JWKS failed: {}", err.without_url())
            })?;
        if !response.status().is_success() {
            anyhow::bail!(
                "the platform's JWKS answered HTTP {}",
                response.status().as_u16()
            );
        }
        let body = read_body(response).await?;
        let keys: JwkSet = serde_json::from_slice(&body)
            .map_err(|err| anyhow::anyhow!("the platform's JWKS is not a JWK set: {err}"))?;
        if let Ok(mut entries) = self.lti.jwks.entries.write() {
            entries.insert(platform.id, (keys.clone(), Instant::now()));
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_come_from_the_issuer_host() {
        assert_eq!(
            tenant_name_for("https://moodle.ac-paris.fr"),
            "moodle-ac-paris-fr"
        );
        assert_eq!(tenant_name_for("http://127.0.0.1:8080"), "127-0-0-1-8080");
        assert_eq!(tenant_name_for("not a url"), "lms");
    }

    #[test]
    fn urls_must_be_https_except_on_localhost() {
        assert!(check_url("x", "https://lms.example.org/auth").is_ok());
        assert!(check_url("x", "http://127.0.0.1:8080/auth").is_ok());
        assert!(check_url("x", "http://lms.example.org/auth").is_err());
        assert!(check_url("x", "javascript:alert(1)").is_err());
    }
}
