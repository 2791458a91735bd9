//! Who may use the admin console: local administrators (Argon2id password hashes, made by `classcode admin
//! create`), single sign-on through an OpenID Connect provider (authorization code flow with PKCE; the id_token's
//! signature, issuer, audience, expiry and nonce checked by the `openidconnect` crate; roles read from a configured
//! claim), and the console sessions both open.
//!
//! A session is a random token in an `HttpOnly` cookie; the database keeps only its SHA-256, with the CSRF token
//! that the console's pages send back on every change. A sign-in under way is bound to the browser that started it
//! (the hash of a second cookie's secret), so that nobody can finish someone else's sign-in in their own browser.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use classcode_storage::{
    AdminAccount, AdminLogin, AdminSession, NewAdminAccount, StatusCounts, StorageError,
};
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _,
};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::Hub;

/// How the console lets people in.
#[derive(Clone, Debug)]
pub struct AdminSettings {
    /// How long a console session lasts after sign-in.
    pub session_lifetime: chrono::Duration,
    /// Single sign-on, when configured.
    pub oidc: Option<OidcSettings>,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings {
            session_lifetime: chrono::Duration::hours(8),
            oidc: None,
        }
    }
}

/// An OpenID Connect provider the console signs in with.
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer (its discovery document is `<issuer>/.well-known/openid-configuration`).
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes asked besides `openid`.
    pub scopes: Vec<String>,
    /// Where the id_token carries roles: a claim name, or a dotted path (`realm_access.roles`).
    pub roles_claim: String,
    /// Roles that make an administrator (any one of them).
    pub admin_roles: Vec<String>,
    /// The provider's name on the sign-in button.
    pub label: String,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .field("roles_claim", &self.roles_claim)
            .field("admin_roles", &self.admin_roles)
            .finish()
    }
}

/// Wrong passwords in a row that lock a local account, and for how long. Argon2 already makes each guess cost tens
/// of milliseconds; the lock stops a dictionary from being tried at that pace. Single sign-on and `classcode admin
/// enable` (which lifts the lock) remain.
const MAX_FAILED_ATTEMPTS: i32 = 5;
const LOCK_TIME: chrono::Duration = chrono::Duration::minutes(15);

/// A sign-in under way lasts this long: the person types their password at the provider meanwhile.
const LOGIN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);
/// The provider's discovery document and keys are read again after this long.
const DISCOVERY_TTL: Duration = Duration::from_secs(15 * 60);

/// The console's sign-in state on this node: the provider's metadata, cached.
#[derive(Debug, Default)]
pub(crate) struct AdminState {
    discovered: Mutex<Option<(Arc<CoreProviderMetadata>, Instant)>>,
}

/// A session just opened: the token goes in the cookie and is never stored.
#[derive(Debug)]
pub struct OpenedSession {
    pub token: String,
    pub session: AdminSession,
}

/// Why a sign-in did not open a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown username, wrong password or a disabled account: one answer for all three.
    #[error("the username or the password is wrong")]
    BadCredentials,
    /// The identity provider said who it is, but they hold none of the admin roles.
    #[error("{name} has none of the roles that open the admin console")]
    NotAdmin { name: String },
    /// The provider refused, or its answer failed a check (state, nonce, signature, issuer, audience, expiry).
    #[error("single sign-on failed: {0}")]
    Refused(String),
    /// No provider is configured.
    #[error("single sign-on is not configured on this hub")]
    NotConfigured,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a local account could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AdminAccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("an administrator named {0} already exists")]
    Taken(String),
    #[error("no administrator is named {0}")]
    NotFound(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What the status page shows of the hub itself.
#[derive(Debug, serde::Serialize)]
pub struct HubStatus {
    pub backend: &'static str,
    pub ready: bool,
    pub pending_migrations: Vec<String>,
    pub pool_size: u32,
    pub pool_idle: u32,
    pub counts: StatusCounts,
}

/// 256 random bits, base64url: session tokens, CSRF tokens and the browser secrets sign-ins are bound to.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("no randomness available"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The hex SHA-256 of a token: what the database keeps of session tokens and browser secrets (the same hash as
/// LRS and research secrets).
fn token_hash(token: &str) -> String {
    crate::lrs::hash_secret(token)
}

fn check_username(username: &str) -> Result<(), AdminAccountError> {
    let fine = !username.is_empty()
        && username.len() <= 100
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if fine {
        Ok(())
    } else {
        Err(AdminAccountError::Invalid(
            "a username has 1 to 100 letters, digits, '.', '_', '-' or '@'".to_owned(),
        ))
    }
}

fn check_password(password: &str) -> Result<(), AdminAccountError> {
    if password.chars().count() < 12 {
        return Err(AdminAccountError::Invalid(
            "a password has at least 12 characters".to_owned(),
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow!("hashing a password: {err}"))
}

/// A hash of a password nobody has: checked when the username is unknown, so that the answer takes as long as for
/// a known one.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that no account has").unwrap_or_default())
}

fn is_password_of(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// The roles at `path` (a claim name or a dotted path) of the id_token's claims: an array of strings, or one
/// string, possibly space-separated.
fn roles_at(claims: &Value, path: &str) -> Vec<String> {
    let mut value = claims;
    for part in path.split('.') {
        match value.get(part) {
            Some(inner) => value = inner,
            None => return Vec::new(),
        }
    }
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Value::String(text) => text.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// The payload of a compact JWS the `openidconnect` crate has already verified, as JSON.
fn verified_payload(jwt: &str) -> anyhow::Result<Value> {
    let payload = jwt
        .split('.')
        .nth(1)
        .context("the id_token is not a compact JWS")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .context("the id_token's payload is not base64url")?;
    serde_json::from_slice(&bytes).context("the id_token's payload is not JSON")
}

/// Our reqwest client as the `openidconnect` crate's HTTP client. It follows no redirect (OAuth 2.0 Security BCP:
/// token and discovery requests must not be redirected).
struct OidcHttp(reqwest::Client);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct OidcHttpError(String);

impl<'c> openidconnect::AsyncHttpClient<'c> for OidcHttp {
    type Error = OidcHttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<openidconnect::HttpResponse, OidcHttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(|err| OidcHttpError(err.to_string()))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|err| OidcHttpError(err.to_string()))?;
            let mut out = openidconnect::http::Response::new(body.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

impl Hub {
    /// Creates a local administrator.
    #[tracing::instrument(skip_all)]
    pub async fn create_admin(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<AdminAccount, AdminAccountError> {
        check_username(username)?;
        check_password(password)?;
        let password_hash = hash_password(password)?;
        let display_name = if display_name.trim().is_empty() {
            username.to_owned()
        } else {
            display_name.trim().to_owned()
        };
        match self
            .storage
            .insert_admin_account(NewAdminAccount {
                username: username.to_owned(),
                display_name,
                password_hash,
                created_at: Utc::now(),
            })
            .await
        {
            Ok(account) => Ok(account),
            Err(StorageError::Conflict(_)) => Err(AdminAccountError::Taken(username.to_owned())),
            Err(err) => Err(AdminAccountError::Unexpected(err.into())),
        }
    }

    pub async fn list_admins(&self) -> anyhow::Result<Vec<AdminAccount>> {
        Ok(self.storage.find_admin_accounts().await?)
    }

    /// Disables or enables a local administrator; disabling ends their sessions, enabling lifts a lock.
    pub async fn set_admin_disabled(
        &self,
        username: &str,
        disabled: bool,
    ) -> Result<(), AdminAccountError> {
        let when = disabled.then(Utc::now);
        match self
            .storage
            .update_admin_account_disabled(username, when)
            .await
        {
            Ok(()) => {}
            Err(StorageError::NotFound) => {
                return Err(AdminAccountError::NotFound(username.to_owned()));
            }
            Err(err) => return Err(AdminAccountError::Unexpected(err.into())),
        }
        if disabled {
            self.storage
                .delete_admin_sessions_of(&format!("local:{username}"))
                .await
                .map_err(anyhow::Error::from)?;
        } else {
            self.storage
                .update_admin_account_unlocked(username)
                .await
                .map_err(anyhow::Error::from)?;
        }
        Ok(())
    }

    /// Gives a local administrator a new password and ends their sessions.
    pub async fn set_admin_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(), AdminAccountError> {
        check_password(password)?;
        let hash = hash_password(password)?;
        match self
            .storage
            .update_admin_account_password(username, hash)
            .await
        {
            Ok(()) => {}
            Err(StorageError::NotFound) => {
                return Err(AdminAccountError::NotFound(username.to_owned()));
            }
            Err(err) => return Err(AdminAccountError::Unexpected(err.into())),
        }
        self.storage
            .delete_admin_sessions_of(&format!("local:{username}"))
            .await
            .map_err(anyhow::Error::from)?;
        Ok(())
    }

    /// Signs a local administrator in.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_local(
        &self,
        username: &str,
        password: &str,
    ) -> Result<OpenedSession, SignInError> {
        let account = self
            .storage
            .find_admin_account(username)
            .await
            .map_err(anyhow::Error::from)?;
        let now = Utc::now();
        let (hash, usable) = match &account {
            Some(account) => (
                account.password_hash.clone(),
                account.disabled_at.is_none()
                    && account.locked_until.is_none_or(|until| until <= now),
            ),
            None => (decoy_hash().to_owned(), false),
        };
        let password = password.to_owned();
        // Argon2 takes tens of milliseconds of one core: off the async workers.
        let matches = tokio::task::spawn_blocking(move || is_password_of(&password, &hash))
            .await
            .context("checking a password")?;
        match account {
            Some(account) if matches && usable => {
                if account.failed_attempts > 0 || account.locked_until.is_some() {
                    self.storage
                        .update_admin_account_unlocked(&account.username)
                        .await
                        .map_err(anyhow::Error::from)?;
                }
                self.open_admin_session(
                    format!("local:{}", account.username),
                    account.display_name,
                    "local",
                    vec!["admin".to_owned()],
                )
                .await
            }
            Some(account) => {
                if !matches && usable {
                    self.storage
                        .update_admin_account_failed(
                            &account.username,
                            MAX_FAILED_ATTEMPTS,
                            now + LOCK_TIME,
                        )
                        .await
                        .map_err(anyhow::Error::from)?;
                }
                Err(SignInError::BadCredentials)
            }
            None => Err(SignInError::BadCredentials),
        }
    }

    async fn open_admin_session(
        &self,
        subject: String,
        display_name: String,
        source: &str,
        roles: Vec<String>,
    ) -> Result<OpenedSession, SignInError> {
        let token = random_token()?;
        let now = Utc::now();
        let session = AdminSession {
            token_hash: token_hash(&token),
            subject,
            display_name,
            source: source.to_owned(),
            roles,
            csrf_token: random_token()?,
            created_at: now,
            expires_at: now + self.settings.admin.session_lifetime,
        };
        self.storage
            .insert_admin_session(session.clone())
            .await
            .map_err(anyhow::Error::from)?;
        Ok(OpenedSession { token, session })
    }

    /// The live session whose cookie carries `token`.
    pub async fn admin_session(&self, token: &str) -> anyhow::Result<Option<AdminSession>> {
        Ok(self
            .storage
            .find_admin_session(&token_hash(token), Utc::now())
            .await?)
    }

    pub async fn sign_out_admin(&self, token: &str) -> anyhow::Result<()> {
        Ok(self
            .storage
            .delete_admin_session(&token_hash(token))
            .await?)
    }

    /// Forgets expired console sessions and sign-ins.
    pub async fn forget_expired_admin_sessions(&self, now: DateTime<Utc>) -> anyhow::Result<u64> {
        Ok(self
            .storage
            .delete_admin_sessions_expired_before(now)
            .await?)
    }

    /// The provider's name for the sign-in button, when single sign-on is configured.
    pub fn oidc_label(&self) -> Option<&str> {
        self.settings
            .admin
            .oidc
            .as_ref()
            .map(|oidc| oidc.label.as_str())
    }

    fn redirect_url(&self) -> String {
        format!("{}/admin/oidc/callback", self.settings.public_url)
    }

    fn oidc_http(&self) -> anyhow::Result<OidcHttp> {
        Ok(OidcHttp(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .context("building the OpenID Connect HTTP client")?,
        ))
    }

    async fn provider_metadata(
        &self,
        settings: &OidcSettings,
        http: &OidcHttp,
    ) -> Result<Arc<CoreProviderMetadata>, SignInError> {
        let mut discovered = self.admin.discovered.lock().await;
        if let Some((metadata, at)) = discovered.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(settings.issuer_url.clone())
            .map_err(|err| SignInError::Refused(format!("admin.oidc.issuer_url: {err}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|err| {
                SignInError::Refused(format!(
                    "the provider's discovery document could not be read: {err}"
                ))
            })?;
        let metadata = Arc::new(metadata);
        *discovered = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    fn oidc_client(
        &self,
        settings: &OidcSettings,
        metadata: &CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SignInError,
    > {
        let redirect = RedirectUrl::new(self.redirect_url())
            .map_err(|err| SignInError::Unexpected(anyhow!("the redirect URL: {err}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(settings.client_id.clone()),
            Some(ClientSecret::new(settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a single sign-on: remembers the state, nonce and PKCE verifier (bound to `browser_secret`, the
    /// secret of the browser's sign-in cookie) and answers the provider URL to send the browser to.
    #[tracing::instrument(skip_all)]
    pub async fn start_oidc_sign_in(&self, browser_secret: &str) -> Result<String, SignInError> {
        let settings = self
            .settings
            .admin
            .oidc
            .clone()
            .ok_or(SignInError::NotConfigured)?;
        let http = self.oidc_http()?;
        let metadata = self.provider_metadata(&settings, &http).await?;
        let client = self.oidc_client(&settings, &metadata)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &settings.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.url();
        let now = Utc::now();
        self.storage
            .insert_admin_login(AdminLogin {
                state: state.secret().clone(),
                browser_hash: token_hash(browser_secret),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                created_at: now,
                expires_at: now + LOGIN_LIFETIME,
            })
            .await
            .map_err(anyhow::Error::from)?;
        Ok(url.to_string())
    }

    /// Finishes a single sign-on: uses up the state (once, from the browser that started it), exchanges the code
    /// with the PKCE verifier, verifies the id_token and opens a session when its roles include an admin role.
    #[tracing::instrument(skip_all)]
    pub async fn finish_oidc_sign_in(
        &self,
        state: &str,
        code: &str,
        browser_secret: &str,
    ) -> Result<OpenedSession, SignInError> {
        let settings = self
            .settings
            .admin
            .oidc
            .clone()
            .ok_or(SignInError::NotConfigured)?;
        let login = self
            .storage
            .consume_admin_login(state, &token_hash(browser_secret), Utc::now())
            .await
            .map_err(anyhow::Error::from)?
            .ok_or_else(|| {
                SignInError::Refused(
                    "this sign-in is unknown, expired, already used or was started in another browser"
                        .to_owned(),
                )
            })?;
        let http = self.oidc_http()?;
        let metadata = self.provider_metadata(&settings, &http).await?;
        let client = self.oidc_client(&settings, &metadata)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|err| {
                SignInError::Refused(format!("the provider has no token endpoint: {err}"))
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier))
            .request_async(&http)
            .await
            .map_err(|err| SignInError::Refused(format!("the code was not exchanged: {err}")))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| SignInError::Refused("the provider sent no id_token".to_owned()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(login.nonce))
            .map_err(|err| SignInError::Refused(format!("the id_token was refused: {err}")))?;
        let subject = format!("oidc:{}", claims.subject().as_str());
        let payload = verified_payload(&id_token.to_string())?;
        let display_name = ["name", "preferred_username", "email"]
            .iter()
            .find_map(|claim| payload.get(*claim).and_then(Value::as_str))
            .unwrap_or(claims.subject().as_str())
            .to_owned();
        let roles = roles_at(&payload, &settings.roles_claim);
        if !roles.iter().any(|role| settings.admin_roles.contains(role)) {
            return Err(SignInError::NotAdmin { name: display_name });
        }
        self.open_admin_session(subject, display_name, "oidc", roles)
            .await
    }

    /// The hub's own state for the console's status page.
    pub async fn admin_status(&self) -> anyhow::Result<HubStatus> {
        let readiness = self.readiness().await;
        let pool = self.storage.pool_stats();
        Ok(HubStatus {
            backend: readiness.backend,
            ready: readiness.is_ready(),
            pending_migrations: readiness.pending_migrations,
            pool_size: pool.size,
            pool_idle: pool.idle,
            counts: self.storage.find_status_counts().await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn roles_are_read_from_a_claim_or_a_dotted_path() {
        let claims = json!({
            "roles": ["classcode-admin", "teacher"],
            "realm_access": {"roles": ["x", "classcode-admin"]},
            "groups": "a b",
            "number": 3,
        });
        assert_eq!(roles_at(&claims, "roles"), ["classcode-admin", "teacher"]);
        assert_eq!(
            roles_at(&claims, "realm_access.roles"),
            ["x", "classcode-admin"]
        );
        assert_eq!(roles_at(&claims, "groups"), ["a", "b"]);
        assert!(roles_at(&claims, "number").is_empty());
        assert!(roles_at(&claims, "missing.path").is_empty());
    }

    #[test]
    fn a_password_hash_accepts_its_password_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(is_password_of("correct horse battery", &hash));
        assert!(!is_password_of("correct horse batterz", &hash));
        assert!(!is_password_of("correct horse battery", decoy_hash()));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(check_username("ada.lovelace@inria").is_ok());
        assert!(check_username("").is_err());
        assert!(check_username("ada lovelace").is_err());
        assert!(check_password("short").is_err());
        assert!(check_password("twelve chars").is_ok());
    }

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
