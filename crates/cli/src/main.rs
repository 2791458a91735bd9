//! `classcode`: the one binary of Class'Code Hub. Every command reads the same settings as the server.

#![forbid(unsafe_code)]

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use classcode_server::Overrides;

/// jemalloc instead of glibc's allocator. glibc gives each thread that allocates an arena of its own (SQLite's
/// connection threads, Tokio's workers) and keeps freed memory in each: under sustained ingest the hub's resident
/// memory was twice what it used (SQLite, 100 000 statements: 159 MiB, against 82 MiB with two arenas).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "classcode",
    version,
    about = "Class'Code Hub: computing-education modules inside your LMS"
)]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(subcommand)]
    command: Command,
}

/// The settings flags every command takes; they win over the config file and the environment.
#[derive(Args)]
struct SettingsArgs {
    /// A TOML file layered over the defaults (see config/default.toml for every key).
    #[arg(long, global = true, env = "CLASSCODE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the hub keeps its files (data_dir).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB (database.url).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub's HTTP server.
    Serve {
        /// Address and port to listen on, e.g. 0.0.0.0:8080 (server.bind).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<String>,
        /// The URL LMSs and browsers use to reach the hub (server.public_url).
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// Apply, revert or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Inspect the settings.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Manage tenants (isolated stores: one per institution or LMS).
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
    /// The embedded xAPI Learning Record Store.
    Lrs {
        #[command(subcommand)]
        action: LrsAction,
    },
    /// The LTI 1.3 tool: platform registrations and the URLs an LMS admin needs.
    Lti {
        #[command(subcommand)]
        action: LtiAction,
    },
    /// The tool's signing keys (published at /lti/jwks).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// The content catalog: modules and parcours.
    Content {
        #[command(subcommand)]
        action: ContentAction,
    },
    /// Certifications: learners' registrations that met a module's or a parcours' certification rule.
    Certify {
        #[command(subcommand)]
        action: CertifyAction,
    },
    /// Open Badges awarded on certification: list, revoke, re-issue, rotate the signing key.
    Badges {
        #[command(subcommand)]
        action: BadgesAction,
    },
    /// Copy the embedded SQLite database into one file while the hub keeps serving (on PostgreSQL: pg_dump).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Put a backup in place of the SQLite database, keeping the current file beside it. Stop the hub first.
    Restore {
        /// A file written by `classcode backup`.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Replace the database. Without it, the backup is only checked and the plan printed.
        #[arg(long)]
        yes: bool,
    },
    /// Research: studies, their credentials, and pseudonymised exports.
    Research {
        #[command(subcommand)]
        action: ResearchAction,
    },
    /// A learner's data (GDPR): download it, or erase it everywhere.
    Learner {
        #[command(subcommand)]
        action: LearnerAction,
    },
    /// Local administrators of the console (/admin): beside single sign-on, or instead of it.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The hub's state, as the console's status page shows it: version, database, grade outbox, counts.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// The audit log: who changed what, from the admin API and this CLI, newest first.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long)]
        json: bool,
    },
}

/// The password of a local administrator is never an argument (it would show in the process list): it is the first
/// line of standard input, or the value of `CLASSCODE_ADMIN_PASSWORD`.
#[derive(Subcommand)]
enum AdminAction {
    /// Create a local administrator; the password (12 characters or more) is read from standard input.
    Create {
        username: String,
        /// The name the console shows (the username when absent).
        #[arg(long)]
        name: Option<String>,
    },
    /// List local administrators.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable an administrator and end their console sessions.
    Disable { username: String },
    /// Enable a disabled administrator.
    Enable { username: String },
    /// Set a new password (read from standard input) and end the administrator's sessions.
    Password { username: String },
}

/// Names a learner in a tenant: by xAPI agent, or by their LMS user id on the tenant's platform.
#[derive(Args)]
struct LearnerArgs {
    /// The tenant (its name or id).
    #[arg(long)]
    tenant: String,
    /// The learner as an xAPI agent, e.g. '{"mbox": "mailto:camille@example.org"}'.
    #[arg(long, required_unless_present = "user", conflicts_with = "user")]
    agent: Option<String>,
    /// The learner's user id in the LMS (the `sub` of its launches).
    #[arg(long)]
    user: Option<String>,
}

#[derive(Subcommand)]
enum LearnerAction {
    /// Write everything the hub holds about a learner as one JSON document.
    Export {
        #[command(flatten)]
        learner: LearnerArgs,
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Erase a learner: statements, documents, launches, grades, certifications, consents; badges revoked.
    Erase {
        #[command(flatten)]
        learner: LearnerArgs,
        /// Erase. Without it, only count what would go.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ResearchAction {
    /// Declare or list studies.
    Study {
        #[command(subcommand)]
        action: StudyAction,
    },
    /// Make a credential a research team uses with the research API (its study only); the secret shows once.
    Credentials {
        #[arg(long)]
        study: String,
    },
    /// Export a study, pseudonymised, into a folder: the data files and manifest.json.
    Export {
        /// The study's name or id.
        study: String,
        /// jsonl, csv or parquet.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// The folder to write (made if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once per run; boxing would only obscure the arguments"
)]
enum StudyAction {
    /// Declare a study. Its secret key is made and sealed; it never shows.
    Create {
        /// A short name without spaces, used in commands.
        #[arg(long)]
        name: String,
        #[arg(long)]
        team: String,
        #[arg(long)]
        purpose: String,
        /// E.g. "mission d'intérêt public (RGPD art. 6-1-e)".
        #[arg(long)]
        legal_basis: String,
        /// Tenants covered, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        tenants: Vec<String>,
        /// Modules covered (content ids), comma-separated; none for all.
        #[arg(long, value_delimiter = ',')]
        modules: Vec<String>,
        /// Verb IRIs covered, comma-separated; none for all.
        #[arg(long, value_delimiter = ',')]
        verbs: Vec<String>,
        /// First day covered (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
        /// Last day covered (YYYY-MM-DD).
        #[arg(long)]
        until: Option<String>,
        /// The last day exported data may be kept (YYYY-MM-DD).
        #[arg(long)]
        retention_until: String,
        /// Smallest group of learners a released combination of quasi-identifiers may describe.
        #[arg(long, default_value_t = 5)]
        k: u32,
        /// exact, day or relative.
        #[arg(long, default_value = "day")]
        timestamps: String,
    },
    /// List the studies.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BadgesAction {
    /// List the awarded badges, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a badge: its OB 2.0 assertion answers 410 and its status list bit is set.
    Revoke {
        /// The badge id (a UUID, as `badges list` shows it).
        id: String,
        /// Why, in words the learner and verifiers will read.
        #[arg(long)]
        reason: String,
    },
    /// Re-issue a badge with new documents (after a key rotation, say); the old one is revoked as superseded.
    Reissue { id: String },
    /// Make a new signing key for new badges; older keys stay published so older badges still verify.
    RotateKey,
}

#[derive(Subcommand)]
enum CertifyAction {
    /// Evaluate every learner registration again: certifies what now meets its rule, revokes what no longer does.
    Recompute,
    /// List the certifications.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ContentAction {
    /// Check and store a module folder, a parcours .toml file, or a folder of both; a bad package stores nothing.
    Import {
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List the stored versions.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one content (its newest version, or --version).
    Show {
        content_id: String,
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a stored version's files to a folder (the package as it was imported).
    Export {
        content_id: String,
        #[arg(long)]
        version: Option<String>,
        /// The folder to write into; it must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum LtiAction {
    /// Platform registrations (one per issuer and client_id, each bound to a tenant).
    Platform {
        #[command(subcommand)]
        action: PlatformAction,
    },
    /// Print the URLs to enter in the LMS (login, launch, JWKS, dynamic registration, deep linking).
    ToolInfo {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PlatformAction {
    /// Register a platform by hand (the values come from the LMS's tool configuration page).
    Add {
        /// The platform's issuer, e.g. `https://moodle.example.org`.
        #[arg(long)]
        issuer: String,
        /// The client_id the platform gave this tool.
        #[arg(long)]
        client_id: String,
        /// The platform's OIDC authorization URL.
        #[arg(long)]
        auth_url: String,
        /// The platform's OAuth2 token URL (for grades and rosters).
        #[arg(long)]
        token_url: String,
        /// The platform's public keyset URL.
        #[arg(long)]
        jwks_url: String,
        /// A deployment id; repeat for several.
        #[arg(long = "deployment-id")]
        deployment_ids: Vec<String>,
        /// The tenant to store this platform's data in (default: a new one named after the issuer).
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List registrations.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Refuse launches from a registration.
    Disable { id: String },
    /// Accept launches from a registration again.
    Enable { id: String },
    /// Accept one more deployment id for a registration.
    AddDeployment {
        id: String,
        #[arg(long)]
        deployment_id: String,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Make a new signing key; the old one stays published until what it signed has expired.
    Rotate,
    /// Print the published keys (JWKS).
    Show,
}

#[derive(Subcommand)]
enum LrsAction {
    /// HTTP Basic credentials for xAPI clients, each bound to one tenant.
    Credentials {
        #[command(subcommand)]
        action: CredentialsAction,
    },
}

#[derive(Subcommand)]
enum CredentialsAction {
    /// Create a credential; its secret is printed once and never stored.
    Create {
        /// The tenant whose store the credential reads and writes.
        #[arg(long)]
        tenant: String,
        /// Comma-separated: statements/write, statements/read, statements/read/mine, all/read, all, state, define, profile.
        #[arg(long, value_delimiter = ',', default_value = "all")]
        scopes: Vec<String>,
        /// A label, e.g. the name of the authoring tool or research team.
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List credentials (without secrets).
    List {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a credential by its key.
    Revoke { key: String },
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Apply every pending migration (the default).
    Up,
    /// Revert the last STEPS migrations (all of them with --all).
    Down {
        #[arg(long, default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        #[arg(long)]
        all: bool,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print the settings in force, secrets redacted, after checking them.
    Check,
}

#[derive(Subcommand)]
enum TenantAction {
    /// Create a tenant.
    Create {
        /// Short name: a-z, 0-9 and inner hyphens, e.g. ac-lyon.
        name: String,
        /// Name shown to people, e.g. "Académie de Lyon".
        #[arg(long)]
        display_name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List tenants.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

impl SettingsArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            ..Overrides::default()
        }
    }
}
