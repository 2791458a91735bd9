//! The one settings tree. Layers, later wins: built-in defaults < `config/default.toml` (compiled in) < the file
//! given by `--config` / `CLASSCODE_CONFIG` < environment `CLASSCODE__SECTION__KEY` < command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use classcode_storage::{ConnectOptions, SqliteSync};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize, Serializer};
use url::Url;

/// The documented defaults, shipped in the binary so that `classcode` runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Prefix of the environment variables that override settings, e.g. `CLASSCODE__SERVER__BIND`.
pub const ENV_PREFIX: &str = "CLASSCODE__";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where the hub keeps its files (the SQLite database by default).
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub admin: AdminSettings,
    pub lrs: LrsSettings,
    pub security: SecuritySettings,
    pub lti: LtiSettings,
    pub content: ContentSettings,
    pub badges: BadgeSettings,
    pub dashboard: DashboardSettings,
    pub limits: LimitsSettings,
}

/// Rate limits, per node (see `rate_limit.rs`); a rate of 0 turns a limit off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSettings {
    /// Requests a second, on average, from one client address.
    pub per_address_per_sec: f64,
    /// Requests at once from one client address.
    pub per_address_burst: u32,
    /// Requests a second, on average, with one credential (LRS or research key, admin token, launch token).
    pub per_credential_per_sec: f64,
    /// Requests at once with one credential.
    pub per_credential_burst: u32,
    /// Take the client address from `Forwarded` / `X-Forwarded-For` (only behind a proxy that sets them).
    pub trust_forwarded_for: bool,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        LimitsSettings {
            per_address_per_sec: 200.0,
            per_address_burst: 400,
            per_credential_per_sec: 500.0,
            per_credential_burst: 1000,
            trust_forwarded_for: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardSettings {
    /// Seconds between two passes of the aggregator behind the admin dashboard.
    pub aggregate_every_secs: u64,
}

impl Default for DashboardSettings {
    fn default() -> Self {
        DashboardSettings {
            aggregate_every_secs: 5,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BadgeSettings {
    /// The organisation that issues the badges, as badges name it.
    pub issuer_name: String,
    /// Its web site.
    pub issuer_url: String,
    /// A contact address shown in the issuer profile; empty for none.
    pub issuer_email: String,
    pub issuer_description: String,
    /// Days a badge holds after it is awarded; 0 for no end.
    pub valid_for_days: u32,
}

impl Default for BadgeSettings {
    fn default() -> Self {
        BadgeSettings {
            issuer_name: "Class'Code".to_owned(),
            issuer_url: "https://classcode.fr".to_owned(),
            issuer_email: String::new(),
            issuer_description: "Class'Code forme enseignants et animateurs à initier les enfants à la pensée informatique.".to_owned(),
            valid_for_days: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContentSettings {
    /// Import the demo catalog (shipped in the binary) when the catalog is empty at start.
    pub load_demo: bool,
}

impl Default for ContentSettings {
    fn default() -> Self {
        ContentSettings { load_demo: true }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address and port to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// The URL the outside world (LMS, browsers) uses to reach the hub. Empty: `http://<bind>`.
    #[serde(
        serialize_with = "serialize_optional_url",
        deserialize_with = "deserialize_optional_url"
    )]
    pub public_url: Option<Url>,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// How long a SIGTERM waits for requests already accepted to complete.
    pub shutdown_timeout_secs: u64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`. Empty: `<data_dir>/classcode.db`.
    pub url: DatabaseUrl,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
    /// Apply pending migrations at start.
    pub migrate_on_start: bool,
    /// `full`: an acknowledged write survives power loss; `normal`: it survives a crash of the hub.
    pub sqlite_synchronous: SqliteSync,
    pub sqlite_busy_timeout_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `info,classcode_hub=debug`; `RUST_LOG` wins when set.
    pub level: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LrsSettings {
    /// Where the xAPI resources live, e.g. `/xapi/statements`.
    pub path: String,
    /// The version named in the answer to a request that sends no `X-Experience-API-Version` (which is refused):
    /// "2.0.0" or "1.0.3".
    pub default_version: String,
    /// Largest page of statements; `more` links lead to the rest.
    pub max_statements_per_page: u32,
    /// Statement writers, each committing groups of concurrent requests; 0: one on SQLite, two on PostgreSQL.
    pub statement_writers: usize,
}

impl Default for LrsSettings {
    fn default() -> Self {
        LrsSettings {
            path: "/xapi".to_owned(),
            default_version: "2.0.0".to_owned(),
            max_statements_per_page: 500,
            statement_writers: 0,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySettings {
    /// 32 bytes in base64: seals the tool's private keys and signs session tokens. Empty: kept in
    /// `<data_dir>/master.key`, made on first start. Several nodes must share one.
    pub master_key: Secret,
    /// Origins allowed to frame the hub's pages besides the registered platforms' issuer and login origins, for
    /// LMSs that show tools from another host than their issuer (Canvas: `https://*.instructure.com`).
    pub frame_ancestors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LtiSettings {
    pub id_token_leeway_secs: i64,
    pub login_state_ttl_secs: i64,
    pub session_ttl_secs: i64,
    pub outbox_poll_ms: u64,
    pub outbox_retry_base_ms: u64,
    pub outbox_max_attempts: i32,
    pub outbox_lease_secs: i64,
    pub key_grace_secs: i64,
}

impl Default for LtiSettings {
    fn default() -> Self {
        let hub = classcode_hub::lti::LtiSettings::default();
        LtiSettings {
            id_token_leeway_secs: hub.id_token_leeway_secs,
            login_state_ttl_secs: hub.login_state_ttl_secs,
            session_ttl_secs: hub.session_ttl_secs,
            outbox_poll_ms: hub.outbox_poll_ms,
            outbox_retry_base_ms: hub.outbox_retry_base_ms,
            outbox_max_attempts: hub.outbox_max_attempts,
            outbox_lease_secs: hub.outbox_lease_secs,
            key_grace_secs: hub.key_grace_secs,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Bearer token of the admin HTTP API (`/api/admin/…`) for scripts; empty: only console sessions.
    pub api_token: Secret,
    /// How long a console session lasts after signing in, in hours.
    pub session_hours: u32,
    /// Single sign-on to the console.
    pub oidc: OidcSettings,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings {
            api_token: Secret::default(),
            session_hours: 8,
            oidc: OidcSettings::default(),
        }
    }
}

/// The OpenID Connect provider of the console's single sign-on; an empty issuer turns it off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcSettings {
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    pub roles_claim: String,
    pub admin_roles: Vec<String>,
    pub label: String,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuer_url: String::new(),
            client_id: String::new(),
            client_secret: Secret::default(),
            scopes: vec![
                "openid".to_owned(),
                "profile".to_owned(),
                "email".to_owned(),
            ],
            roles_claim: "roles".to_owned(),
            admin_roles: vec!["classcode-admin".to_owned()],
            label: "votre établissement".to_owned(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("data"),
            server: ServerSettings::default(),
            database: DatabaseSettings::default(),
            log: LogSettings::default(),
            admin: AdminSettings::default(),
            lrs: LrsSettings::default(),
            security: SecuritySettings::default(),
            lti: LtiSettings::default(),
            content: ContentSettings::default(),
            badges: BadgeSettings::default(),
            dashboard: DashboardSettings::default(),
            limits: LimitsSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            workers: 0,
            shutdown_timeout_secs: 30,
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: DatabaseUrl::default(),
            max_connections: 16,
            min_connections: 1,
            acquire_timeout_secs: 5,
            migrate_on_start: true,
            sqlite_synchronous: SqliteSync::Full,
            sqlite_busy_timeout_ms: 5000,
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Text,
            level: "info".to_owned(),
        }
    }
}

/// Values given on the command line; they win over every other layer.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
}

/// A setting that is wrong, with the key and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(String);

impl Settings {
    /// Reads every layer from the real environment.
    pub fn load(overrides: &Overrides) -> Result<Settings, SettingsError> {
        Self::load_from(overrides, Env::prefixed(ENV_PREFIX).split("__"))
    }

    /// Reads every layer, with `env` standing for the environment (tests pass a fake one).
    pub fn load_from(overrides: &Overrides, env: Env) -> Result<Settings, SettingsError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = &overrides.config_file {
            if !path.is_file() {
                return Err(SettingsError(format!(
                    "the configuration file {} does not exist (check --config or CLASSCODE_CONFIG)",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(env);
        if let Some(data_dir) = &overrides.data_dir {
            figment = figment.merge(Serialized::default("data_dir", data_dir));
        }
        if let Some(url) = &overrides.database_url {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        if let Some(bind) = &overrides.bind {
            figment = figment.merge(Serialized::default("server.bind", bind));
        }
        if let Some(public_url) = &overrides.public_url {
            figment = figment.merge(Serialized::default("server.public_url", public_url));
        }
        let settings: Settings = figment.extract().map_err(|err| {
            let messages: Vec<String> = err.into_iter().map(|one| describe(&one)).collect();
            SettingsError(format!("invalid settings: {}", messages.join("; ")))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let url = self.database.url.expose();
        if !url.is_empty() {
            classcode_storage::Backend::from_url(url)
                .map_err(|err| SettingsError(format!("database.url: {err}")))?;
        }
        if self.database.max_connections == 0 {
            return Err(SettingsError(
                "database.max_connections must be at least 1".to_owned(),
            ));
        }
        if self.database.min_connections > self.database.max_connections {
            return Err(SettingsError(
                "database.min_connections must not exceed database.max_connections".to_owned(),
            ));
        }
        if let Some(public_url) = &self.server.public_url
            && !matches!(public_url.scheme(), "http" | "https")
        {
            return Err(SettingsError(
                "server.public_url must be an http:// or https:// URL".to_owned(),
            ));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(SettingsError("data_dir must not be empty".to_owned()));
        }
        if !self.lrs.path.starts_with('/')
            || self.lrs.path.ends_with('/')
            || self.lrs.path.len() < 2
        {
            return Err(SettingsError(
                "lrs.path must start with / and not end with /, e.g. /xapi".to_owned(),
            ));
        }
        if classcode_xapi::XapiVersion::parse(&self.lrs.default_version).is_err() {
            return Err(SettingsError(
                "lrs.default_version must be 2.0.0 or 1.0.3".to_owned(),
            ));
        }
        if self.lrs.max_statements_per_page == 0 {
            return Err(SettingsError(
                "lrs.max_statements_per_page must be at least 1".to_owned(),
            ));
        }
        let oidc = &self.admin.oidc;
        if !oidc.issuer_url.is_empty() {
            if !matches!(
                Url::parse(&oidc.issuer_url)
                    .map(|url| url.scheme().to_owned())
                    .as_deref(),
                Ok("https" | "http")
            ) {
                return Err(SettingsError(
                    "admin.oidc.issuer_url must be the provider's https:// issuer URL".to_owned(),
                ));
            }
            if oidc.client_id.is_empty() || oidc.client_secret.is_empty() {
                return Err(SettingsError(
                    "admin.oidc needs client_id and client_secret (register the hub at the provider with the redirect URI <public_url>/admin/oidc/callback)".to_owned(),
                ));
            }
            if oidc.admin_roles.is_empty() || oidc.roles_claim.is_empty() {
                return Err(SettingsError(
                    "admin.oidc needs roles_claim and at least one of admin_roles: without them nobody could be an administrator".to_owned(),
                ));
            }
        }
        if self.admin.session_hours == 0 {
            return Err(SettingsError(
                "admin.session_hours must be at least 1".to_owned(),
            ));
        }
        if self.server.max_body_bytes < 1024 {
            return Err(SettingsError(
                "server.max_body_bytes must be at least 1024".to_owned(),
            ));
        }
        Ok(())
    }

    /// The database URL in force: the configured one, or a SQLite file in the data directory.
    pub fn effective_database_url(&self) -> String {
        let url = self.database.url.expose();
        if url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("classcode.db").display())
        } else {
            url.to_owned()
        }
    }

    /// The public URL in force, without a trailing slash.
    pub fn effective_public_url(&self) -> String {
        match &self.server.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.server.bind),
        }
    }

    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            url: self.effective_database_url(),
            max_connections: self.database.max_connections,
            min_connections: self.database.min_connections,
            acquire_timeout: Duration::from_secs(self.database.acquire_timeout_secs),
            sqlite_synchronous: self.database.sqlite_synchronous,
            sqlite_busy_timeout: Duration::from_millis(self.database.sqlite_busy_timeout_ms),
        }
    }

    /// The effective settings as TOML, with every secret redacted.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(self)
            .unwrap_or_else(|err| format!("# cannot render settings: {err}\n"))
    }

    /// Creates the data directory if needed and proves it writable, so that the server never starts half-configured.
    pub fn ensure_data_dir(&self) -> Result<(), SettingsError> {
        ensure_writable_dir(&self.data_dir)
    }

    /// The settings of the use cases, with the master key resolved: `security.master_key`, else the key file in
    /// the data dir (made on first use, readable by its owner only).
    pub fn hub_settings(&self, run_workers: bool) -> anyhow::Result<classcode_hub::HubSettings> {
        use anyhow::Context as _;
        use classcode_hub::lti::MasterKey;
        let master_key = if self.security.master_key.is_empty() {
            let path = self.data_dir.join("master.key");
            match std::fs::read_to_string(&path) {
                Ok(text) => MasterKey::from_base64(&text)
                    .with_context(|| format!("reading the master key in {}", path.display()))?,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    let key = MasterKey::generate()?;
                    write_private_file(&path, &key.to_base64()).with_context(|| {
                        format!("writing a new master key to {}", path.display())
                    })?;
                    tracing::info!(path = %path.display(), "made a master key (set security.master_key to share one between nodes)");
                    key
                }
                Err(err) => {
                    return Err(err)
                        .with_context(|| format!("reading the master key in {}", path.display()));
                }
            }
        } else {
            MasterKey::from_base64(self.security.master_key.expose())
                .context("security.master_key")?
        };
        Ok(classcode_hub::HubSettings {
            public_url: self.effective_public_url(),
            max_statements_per_page: self.lrs.max_statements_per_page,
            statement_writers: self.lrs.statement_writers,
            master_key,
            lti: classcode_hub::lti::LtiSettings {
                id_token_leeway_secs: self.lti.id_token_leeway_secs,
                login_state_ttl_secs: self.lti.login_state_ttl_secs,
                session_ttl_secs: self.lti.session_ttl_secs,
                outbox_poll_ms: self.lti.outbox_poll_ms,
                outbox_retry_base_ms: self.lti.outbox_retry_base_ms,
                outbox_max_attempts: self.lti.outbox_max_attempts,
                outbox_lease_secs: self.lti.outbox_lease_secs.max(1),
                key_grace_secs: self.lti.key_grace_secs,
            },
            research_dir: self.data_dir.join("research"),
            aggregate_every: std::time::Duration::from_secs(
                self.dashboard.aggregate_every_secs.max(1),
            ),
            badges: classcode_hub::badges::BadgeSettings {
                issuer_name: self.badges.issuer_name.clone(),
                issuer_url: self.badges.issuer_url.clone(),
                issuer_email: Some(self.badges.issuer_email.clone())
                    .filter(|email| !email.is_empty()),
                issuer_description: self.badges.issuer_description.clone(),
                valid_for_days: Some(self.badges.valid_for_days).filter(|days| *days > 0),
            },
            run_workers,
            admin: classcode_hub::admin::AdminSettings {
                session_lifetime: chrono::Duration::hours(i64::from(self.admin.session_hours)),
                oidc: (!self.admin.oidc.issuer_url.is_empty()).then(|| {
                    classcode_hub::admin::OidcSettings {
                        issuer_url: self.admin.oidc.issuer_url.clone(),
                        client_id: self.admin.oidc.client_id.clone(),
                        client_secret: self.admin.oidc.client_secret.expose().to_owned(),
                        scopes: self.admin.oidc.scopes.clone(),
                        roles_claim: self.admin.oidc.roles_claim.clone(),
                        admin_roles: self.admin.oidc.admin_roles.clone(),
                        label: self.admin.oidc.label.clone(),
                    }
                }),
            },
        })
    }
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// One figment error as `key: problem (from where)`, naming the environment variable when that is the source.
fn describe(err: &figment::Error) -> String {
    let key = err.path.join(".").to_lowercase();
    let source = match &err.metadata {
        Some(metadata) if metadata.name.contains("environment") => {
            format!(
                " (from the environment variable {ENV_PREFIX}{})",
                err.path.join("__").to_uppercase()
            )
        }
        Some(metadata) => match &metadata.source {
            Some(source) => format!(" (from {source})"),
            None => format!(" (from {})", metadata.name),
        },
        None => String::new(),
    };
    let key = if key.is_empty() {
        "settings".to_owned()
    } else {
        key
    };
    format!("{key}: {}{source}", one_line(&err.kind.to_string()))
}

/// Folds a multi-line parser message (with its source excerpt and caret) into one line.
fn one_line(message: &str) -> String {
    let is_excerpt = |line: &str| {
        let line = line.trim();
        line.starts_with('|')
            || line
                .split_once(" |")
                .is_some_and(|(number, _)| number.parse::<u32>().is_ok())
    };
    let kept: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !is_excerpt(line))
        .collect();
    kept.join("; ")
}

fn ensure_writable_dir(dir: &Path) -> Result<(), SettingsError> {
    let fail = |what: &str, err: std::io::Error| {
        SettingsError(format!(
            "the data directory {} {what}: {err} (choose another with --data-dir or fix its permissions)",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(|err| fail("cannot be created", err))?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(|err| fail("is not writable", err))?;
    std::fs::remove_file(&probe).map_err(|err| fail("is not writable", err))?;
    Ok(())
}

fn serialize_optional_url<S: Serializer>(
    url: &Option<Url>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(url.as_ref().map(Url::as_str).unwrap_or(""))
}

fn deserialize_optional_url<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Url>, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    Url::parse(text.trim())
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// A secret setting: its value never shows in `Debug`, in logs or in `config check`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "[redacted]"
        })
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0.is_empty() { "" } else { "[redacted]" })
    }
}

/// The database URL: shown with its password redacted, everything else visible.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(Secret);

impl DatabaseUrl {
    pub fn new(value: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(Secret::new(value))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    fn redacted(&self) -> String {
        match Url::parse(self.expose()) {
            Ok(mut url) if url.password().is_some() => {
                // Setting a password only fails on URLs that cannot carry one, and this one already does.
                let _ = url.set_password(Some("[redacted]"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) if self.expose().is_empty() => String::new(),
            Err(_) => "[redacted: not a valid URL]".to_owned(),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

#[cfg(test)]
#[allow(
    clippy::result_large_err,
    reason = "figment::Jail's closures return figment::Error, which is large"
)]
mod tests {
    use figment::Jail;

    use super::*;

    fn load(overrides: &Overrides) -> Result<Settings, SettingsError> {
        Settings::load_from(overrides, Env::prefixed(ENV_PREFIX).split("__"))
    }

    #[test]
    fn default_toml_matches_the_built_in_defaults() {
        let from_file: Settings = toml::from_str(DEFAULT_TOML).expect("config/default.toml parses");
        assert_eq!(from_file, Settings::default());
    }

    #[test]
    fn every_key_of_the_settings_is_written_in_default_toml() {
        let rendered: toml::Table =
            toml::from_str(&Settings::default().to_redacted_toml()).expect("renders");
        let documented: toml::Table = toml::from_str(DEFAULT_TOML).expect("parses");
        for (section, value) in &rendered {
            match value {
                toml::Value::Table(keys) => {
                    for key in keys.keys() {
                        assert!(
                            documented.get(section).and_then(|s| s.get(key)).is_some()
                                || DEFAULT_TOML.contains(&format!("# {key} =")),
                            "{section}.{key} is missing from config/default.toml"
                        );
                    }
                }
                _ => assert!(
                    documented.contains_key(section),
                    "{section} is missing from config/default.toml"
                ),
            }
        }
    }

    #[test]
    fn layers_apply_in_order_file_then_env_then_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "hub.toml",
                "data_dir = \"/srv/file\"\n[server]\nbind = \"127.0.0.1:9000\"\nworkers = 3\n[log]\nformat = \"json\"\n",
            )?;
            jail.set_env("CLASSCODE__SERVER__WORKERS", "5");
            jail.set_env("CLASSCODE__DATA_DIR", "/srv/env");
            let overrides = Overrides {
                config_file: Some("hub.toml".into()),
                data_dir: Some("/srv/flag".into()),
                ..Overrides::default()
            };
            let settings = load(&overrides).expect("loads");
            assert_eq!(
                settings.server.bind,
                SocketAddr::from(([127, 0, 0, 1], 9000))
            );
            assert_eq!(settings.server.workers, 5, "env beats the file");
            assert_eq!(
                settings.data_dir,
                PathBuf::from("/srv/flag"),
                "flags beat env"
            );
            assert_eq!(settings.log.format, LogFormat::Json);
            assert_eq!(
                settings.database.max_connections, 16,
                "untouched keys keep their defaults"
            );
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        Jail::expect_with(|jail| {
            jail.create_file("hub.toml", "[server]\nbindd = \"127.0.0.1:9000\"\n")?;
            let overrides = Overrides {
                config_file: Some("hub.toml".into()),
                ..Overrides::default()
            };
            let err = load(&overrides).expect_err("must fail").to_string();
            assert!(err.contains("bindd"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_bad_value_from_the_environment_names_the_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("CLASSCODE__SERVER__BIND", "not-an-address");
            let err = load(&Overrides::default())
                .expect_err("must fail")
                .to_string();
            assert!(
                err.contains("bind") && err.contains("CLASSCODE__SERVER__BIND"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_database_url_with_another_scheme_is_refused() {
        let overrides = Overrides {
            database_url: Some("mysql://root@localhost/hub".into()),
            ..Overrides::default()
        };
        let err = Settings::load_from(&overrides, Env::prefixed("CLASSCODE_TEST_NOTHING__"))
            .expect_err("must fail")
            .to_string();
        assert!(
            err.contains("database.url") && err.contains("postgres://"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_config_file_is_named() {
        let overrides = Overrides {
            config_file: Some("/nowhere/hub.toml".into()),
            ..Overrides::default()
        };
        let err = load(&overrides).expect_err("must fail").to_string();
        assert!(err.contains("/nowhere/hub.toml"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_or_config_check() {
        let mut settings = Settings::default();
        settings.admin.api_token = Secret::new("s3cr3t-token");
        settings.database.url = DatabaseUrl::new("postgres://hub:pa55word@db.example:5432/hub");
        let shown = format!("{settings:?}\n{}", settings.to_redacted_toml());
        assert!(
            !shown.contains("s3cr3t-token") && !shown.contains("pa55word"),
            "{shown}"
        );
        assert!(
            shown.contains("db.example:5432/hub"),
            "the rest of the URL stays visible: {shown}"
        );
    }

    #[test]
    fn an_empty_database_url_means_sqlite_in_the_data_dir() {
        let settings = Settings {
            data_dir: PathBuf::from("/var/lib/classcode"),
            ..Settings::default()
        };
        assert_eq!(
            settings.effective_database_url(),
            "sqlite:///var/lib/classcode/classcode.db"
        );
        assert_eq!(settings.effective_public_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn a_data_dir_that_cannot_be_written_is_refused() {
        let settings = Settings {
            data_dir: PathBuf::from("/proc/classcode-cannot-be-here"),
            ..Settings::default()
        };
        let err = settings
            .ensure_data_dir()
            .expect_err("must fail")
            .to_string();
        assert!(
            err.contains("/proc/classcode-cannot-be-here") && err.contains("--data-dir"),
            "{err}"
        );
    }
}
