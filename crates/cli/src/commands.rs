//! What each command does; the server and the hub do the work.

use anyhow::Context;
use classcode_hub::Hub;
use classcode_server::settings::LogSettings;
use classcode_server::{Application, Settings, telemetry};
use classcode_storage::Storage;

use crate::{
    AdminAction, BadgesAction, CertifyAction, Cli, Command, ConfigAction, ContentAction,
    CredentialsAction, KeysAction, LearnerAction, LearnerArgs, LrsAction, LtiAction, MigrateAction,
    PlatformAction, ResearchAction, StudyAction, TenantAction,
};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut overrides = cli.settings.overrides();
    if let Command::Serve { bind, public_url } = &cli.command {
        overrides.bind = bind.clone();
        overrides.public_url = public_url.clone();
    }
    let settings = Settings::load(&overrides)?;
    let audited = audit_entry(&cli.command);
    let audit_settings = audited.as_ref().map(|_| settings.clone());
    let result = dispatch(settings, cli.command).await;
    if let (Ok(()), Some((action, target)), Some(settings)) = (&result, audited, audit_settings) {
        record_audit(&settings, &action, &target).await;
    }
    result
}

async fn dispatch(settings: Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { .. } => serve(settings).await,
        Command::Config {
            action: ConfigAction::Check,
        } => {
            settings.ensure_data_dir()?;
            print!("{}", settings.to_redacted_toml());
            eprintln!("settings are valid");
            Ok(())
        }
        Command::Migrate { action } => migrate(settings, action.unwrap_or(MigrateAction::Up)).await,
        Command::Tenant { action } => tenant(settings, action).await,
        Command::Lrs {
            action: LrsAction::Credentials { action },
        } => credentials(settings, action).await,
        Command::Lti { action } => lti(settings, action).await,
        Command::Keys { action } => keys(settings, action).await,
        Command::Content { action } => content(settings, action).await,
        Command::Certify { action } => certify(settings, action).await,
        Command::Badges { action } => badges(settings, action).await,
        Command::Research { action } => research(settings, action).await,
        Command::Backup { out } => backup(settings, &out).await,
        Command::Restore { from, yes } => restore(settings, &from, yes).await,
        Command::Learner { action } => learner(settings, action).await,
        Command::Audit { limit, json } => audit(settings, limit, json).await,
        Command::Admin { action } => admin(settings, action).await,
        Command::Status { json } => status(settings, json).await,
    }
}

/// The commands that change the hub, as `(action, target)` for the audit log; secrets and learner identifiers are
/// left out.
fn audit_entry(command: &Command) -> Option<(String, String)> {
    let entry = |action: &str, target: &str| Some((action.to_owned(), target.to_owned()));
    match command {
        Command::Tenant {
            action: TenantAction::Create { name, .. },
        } => entry("tenant create", name),
        Command::Lrs {
            action: LrsAction::Credentials { action },
        } => match action {
            CredentialsAction::Create { tenant, .. } => entry("lrs credentials create", tenant),
            CredentialsAction::Revoke { key } => entry("lrs credentials revoke", key),
            CredentialsAction::List { .. } => None,
        },
        Command::Lti {
            action: LtiAction::Platform { action },
        } => match action {
            PlatformAction::Add { issuer, .. } => entry("lti platform add", issuer),
            PlatformAction::Disable { id } => entry("lti platform disable", id),
            PlatformAction::Enable { id } => entry("lti platform enable", id),
            PlatformAction::AddDeployment { id, .. } => entry("lti platform add-deployment", id),
            PlatformAction::List { .. } => None,
        },
        Command::Keys {
            action: KeysAction::Rotate,
        } => entry("keys rotate", ""),
        Command::Content {
            action: ContentAction::Import { path, .. },
        } => entry("content import", &path.display().to_string()),
        Command::Certify {
            action: CertifyAction::Recompute,
        } => entry("certify recompute", ""),
        Command::Badges { action } => match action {
            BadgesAction::Revoke { id, .. } => entry("badges revoke", id),
            BadgesAction::Reissue { id } => entry("badges reissue", id),
            BadgesAction::RotateKey => entry("badges rotate-key", ""),
            BadgesAction::List { .. } => None,
        },
        Command::Research { action } => match action {
            ResearchAction::Study {
                action: StudyAction::Create { name, .. },
            } => entry("research study create", name),
            ResearchAction::Credentials { study } => entry("research credentials", study),
            ResearchAction::Export { study, .. } => entry("research export", study),
            _ => None,
        },
        Command::Restore { from, yes: true } => entry("restore", &from.display().to_string()),
        Command::Admin { action } => match action {
            AdminAction::Create { username, .. } => entry("admin create", username),
            AdminAction::Disable { username } => entry("admin disable", username),
            AdminAction::Enable { username } => entry("admin enable", username),
            AdminAction::Password { username } => entry("admin password", username),
            AdminAction::List { .. } => None,
        },
        // The erasure records itself (what it removed, not whom).
        _ => None,
    }
}

/// Records a CLI action in the audit log; a failure is reported and does not undo the action.
async fn record_audit(settings: &Settings, action: &str, target: &str) {
    let by = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
    );
    let recorded = async {
        let storage = open_current_storage(settings).await?;
        let hub = hub_for(settings, &storage)?;
        hub.audit(&by, action, target, serde_json::json!({}))
            .await?;
        storage.close().await;
        anyhow::Ok(())
    }
    .await;
    if let Err(err) = recorded {
        eprintln!(
            "warning: `{action}` was done, but could not be recorded in the audit log: {err:#}"
        );
    }
}

fn learner_ref(args: &LearnerArgs) -> anyhow::Result<classcode_hub::learners::LearnerRef> {
    use classcode_hub::learners::LearnerRef;
    match (&args.agent, &args.user) {
        (Some(agent), None) => Ok(LearnerRef::Agent(serde_json::from_str(agent).context(
            "--agent must be JSON, e.g. '{\"mbox\": \"mailto:camille@example.org\"}'",
        )?)),
        (None, Some(user)) => Ok(LearnerRef::LmsUser(user.clone())),
        _ => anyhow::bail!("name the learner with --agent or --user (one of them)"),
    }
}

async fn learner(settings: Settings, action: LearnerAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let result = async {
        match action {
            LearnerAction::Export { learner, out } => {
                let found = hub
                    .find_learner(&learner.tenant, &learner_ref(&learner)?)
                    .await?;
                let data = hub.learner_data(&found).await?;
                let text = serde_json::to_string_pretty(&data)?;
                match out {
                    Some(path) => {
                        std::fs::write(&path, text)
                            .with_context(|| format!("writing {}", path.display()))?;
                        eprintln!(
                            "wrote {} ({} statements)",
                            path.display(),
                            data["statements"].as_array().map_or(0, Vec::len)
                        );
                    }
                    None => println!("{text}"),
                }
            }
            LearnerAction::Erase { learner, yes } => {
                let found = hub
                    .find_learner(&learner.tenant, &learner_ref(&learner)?)
                    .await?;
                let by = format!(
                    "cli:{}",
                    std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
                );
                let report = hub.erase_learner(&found, !yes, &by).await?;
                println!("{}", serde_json::to_string_pretty(&report)?);
                if yes {
                    eprintln!("erased; badges stay revoked in the status lists, with no holder");
                } else {
                    eprintln!(
                        "nothing was erased: these are the counts; run again with --yes to erase"
                    );
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    storage.close().await;
    result
}

/// A new administrator password: `CLASSCODE_ADMIN_PASSWORD`, else the first line of standard input (asked for, and
/// not echoed, on a terminal).
fn read_admin_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Ok(password) = std::env::var("CLASSCODE_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("password (12 characters or more): ");
        std::io::stderr().flush().ok();
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!(
            "no password given: pipe it on standard input (`classcode admin create NAME < file`) or set CLASSCODE_ADMIN_PASSWORD"
        );
    }
    Ok(password)
}

async fn admin(settings: Settings, action: AdminAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let result = async {
        match action {
            AdminAction::Create { username, name } => {
                let password = read_admin_password()?;
                let account = hub
                    .create_admin(&username, name.as_deref().unwrap_or(""), &password)
                    .await?;
                eprintln!(
                    "created administrator {}; sign in at {}/admin/login",
                    account.username,
                    settings.effective_public_url()
                );
            }
            AdminAction::List { json } => {
                let accounts = hub.list_admins().await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&accounts)?);
                } else {
                    for account in &accounts {
                        println!(
                            "{:<24} {:<32} created {}{}",
                            account.username,
                            account.display_name,
                            account.created_at.format("%Y-%m-%d"),
                            match (account.disabled_at, account.locked_until) {
                                (Some(_), _) => "  (disabled)".to_owned(),
                                (None, Some(until)) if until > chrono::Utc::now() => format!(
                                    "  (locked until {} after wrong passwords; `classcode admin enable` lifts it)",
                                    until.to_rfc3339()
                                ),
                                _ => String::new(),
                            }
                        );
                    }
                    if accounts.is_empty() {
                        eprintln!(
                            "no local administrator: create one with `classcode admin create NAME`"
                        );
                    }
                }
            }
            AdminAction::Disable { username } => {
                hub.set_admin_disabled(&username, true).await?;
                eprintln!("{username} is disabled and signed out");
            }
            AdminAction::Enable { username } => {
                hub.set_admin_disabled(&username, false).await?;
                eprintln!("{username} is enabled");
            }
            AdminAction::Password { username } => {
                let password = read_admin_password()?;
                hub.set_admin_password(&username, &password).await?;
                eprintln!("{username} has a new password; their sessions ended");
            }
        }
        anyhow::Ok(())
    }
    .await;
    storage.close().await;
    result
}

async fn status(settings: Settings, json: bool) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let status = hub.admin_status().await;
    storage.close().await;
    let status = status?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "version": env!("CARGO_PKG_VERSION"),
                "status": status,
            }))?
        );
        return Ok(());
    }
    let counts = &status.counts;
    println!("classcode {}", env!("CARGO_PKG_VERSION"));
    println!(
        "database      {} ({}){}",
        status.backend,
        if status.ready { "ready" } else { "not ready" },
        if status.pending_migrations.is_empty() {
            String::new()
        } else {
            format!(
                ", pending migrations: {}",
                status.pending_migrations.join(", ")
            )
        }
    );
    println!(
        "grade outbox  {} pending, {} failed{}",
        counts.outbox_pending,
        counts.outbox_failed,
        counts
            .outbox_oldest_pending
            .map(|at| format!(", oldest since {}", at.to_rfc3339()))
            .unwrap_or_default()
    );
    println!(
        "tenants {}  platforms {}  statements {}  certifications {}  badges {} ({} revoked)",
        counts.tenants,
        counts.platforms,
        counts.statements,
        counts.certifications,
        counts.badges_issued,
        counts.badges_revoked
    );
    Ok(())
}

async fn audit(settings: Settings, limit: u64, json: bool) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let entries = hub.audit_log(None, limit.max(1)).await;
    storage.close().await;
    let entries = entries?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(());
    }
    for entry in &entries {
        println!(
            "{}  {:<24} {:<40} {}",
            entry["at"].as_str().unwrap_or_default(),
            entry["actor"].as_str().unwrap_or_default(),
            entry["action"].as_str().unwrap_or_default(),
            entry["target"].as_str().unwrap_or_default()
        );
    }
    if entries.is_empty() {
        eprintln!("the audit log is empty");
    }
    Ok(())
}

const MIB: f64 = 1024.0 * 1024.0;

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0)
}

/// The database file and its WAL and shared-memory companions.
fn sqlite_files(path: &std::path::Path) -> [std::path::PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

fn master_key_note(settings: &Settings) -> String {
    if settings.security.master_key.is_empty() {
        format!(
            "the secrets inside are sealed with the master key {}, which is not in the backup: keep a copy of it elsewhere",
            settings.data_dir.join("master.key").display()
        )
    } else {
        "the secrets inside are sealed with security.master_key, which is not in the backup: keep it elsewhere"
            .to_owned()
    }
}

async fn backup(settings: Settings, out: &std::path::Path) -> anyhow::Result<()> {
    let storage = open_storage(&settings).await?;
    let Some(source) = storage.sqlite_path() else {
        anyhow::bail!(
            "`classcode backup` copies the embedded SQLite database; this hub runs on PostgreSQL: use \
             `pg_dump --format=custom` (see docs/operations.md)"
        );
    };
    if out.exists() {
        anyhow::bail!("{} already exists; choose a new file name", out.display());
    }
    let about: u64 = sqlite_files(&source)[..2]
        .iter()
        .map(|path| file_size(path))
        .sum();
    let started = std::time::Instant::now();
    let copy = storage.backup_sqlite_into(out);
    tokio::pin!(copy);
    // Progress twice a second once the copy takes longer than that: the copy's size against the source's.
    let every = std::time::Duration::from_millis(500);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut shown = false;
    let result = loop {
        tokio::select! {
            result = &mut copy => break result,
            _ = tick.tick() => {
                shown = true;
                eprint!(
                    "\r  copying {}: {:.0} MiB written of at most {:.0} MiB",
                    source.display(),
                    file_size(out) as f64 / MIB,
                    about as f64 / MIB
                );
            }
        }
    };
    if shown {
        eprintln!();
    }
    result?;
    storage.close().await;
    let summary = classcode_storage::check_sqlite_backup(out).await?;
    println!(
        "backup written: {} ({:.1} MiB in {:.1} s; quick_check ok; {} tenant(s), {} statement(s), {} migration(s))",
        out.display(),
        file_size(out) as f64 / MIB,
        started.elapsed().as_secs_f64(),
        summary.tenants,
        summary.statements,
        summary.migrations.len()
    );
    println!("{}", master_key_note(&settings));
    Ok(())
}

async fn restore(settings: Settings, from: &std::path::Path, yes: bool) -> anyhow::Result<()> {
    let storage = open_storage(&settings).await?;
    let Some(target) = storage.sqlite_path() else {
        anyhow::bail!(
            "`classcode restore` replaces the embedded SQLite database; this hub runs on PostgreSQL: use \
             `pg_restore` (see docs/operations.md)"
        );
    };
    storage.close().await;
    let summary = classcode_storage::check_sqlite_backup(from).await?;
    let known = Storage::known_migrations();
    if let Some(unknown) = summary.migrations.iter().find(|name| !known.contains(name)) {
        anyhow::bail!(
            "{} was made by a newer classcode (migration {unknown} is unknown to this one); restore it with that version",
            from.display()
        );
    }
    println!(
        "{} is a sound backup: {} tenant(s), {} statement(s), {} of this binary's {} migration(s)",
        from.display(),
        summary.tenants,
        summary.statements,
        summary.migrations.len(),
        known.len()
    );
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let kept = {
        let mut name = target.as_os_str().to_owned();
        name.push(format!(".before-restore-{stamp}"));
        std::path::PathBuf::from(name)
    };
    if !yes {
        println!(
            "nothing changed. With --yes, after stopping the hub: {} moves to {} and the backup takes its place",
            target.display(),
            kept.display()
        );
        return Ok(());
    }
    // The copy goes to a temporary name in the same folder, is synced, then renamed: the database path never holds
    // half a file. The current database (with its WAL) is moved aside, never deleted.
    let staging = {
        let mut name = target.as_os_str().to_owned();
        name.push(".restoring");
        std::path::PathBuf::from(name)
    };
    std::fs::copy(from, &staging)
        .with_context(|| format!("copying {} to {}", from.display(), staging.display()))?;
    std::fs::File::open(&staging)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("syncing {}", staging.display()))?;
    for (current, aside) in sqlite_files(&target).iter().zip(sqlite_files(&kept).iter()) {
        if current.exists() {
            std::fs::rename(current, aside)
                .with_context(|| format!("moving {} to {}", current.display(), aside.display()))?;
        }
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("moving {} to {}", staging.display(), target.display()))?;
    println!(
        "restored {} from {}; the previous database is kept as {}. Start the hub: it applies any newer migration.",
        target.display(),
        from.display(),
        kept.display()
    );
    println!("{}", master_key_note(&settings));
    Ok(())
}

fn day(text: &str, what: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{what}: {text:?} is not a day written YYYY-MM-DD"))
}

async fn research(settings: Settings, action: ResearchAction) -> anyhow::Result<()> {
    use classcode_hub::research::{ExportFormat, NewStudy, StudyScope};
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let result: anyhow::Result<()> = async {
        match action {
            ResearchAction::Study {
                action:
                    StudyAction::Create {
                        name,
                        team,
                        purpose,
                        legal_basis,
                        tenants,
                        modules,
                        verbs,
                        since,
                        until,
                        retention_until,
                        k,
                        timestamps,
                    },
            } => {
                let since = since
                    .map(|since| day(&since, "--since"))
                    .transpose()?
                    .and_then(|day| day.and_hms_opt(0, 0, 0))
                    .map(|at| at.and_utc());
                let until = until
                    .map(|until| day(&until, "--until"))
                    .transpose()?
                    .and_then(|day| day.and_hms_opt(23, 59, 59))
                    .map(|at| at.and_utc());
                let study = hub
                    .create_study(NewStudy {
                        name,
                        team,
                        purpose,
                        legal_basis,
                        scope: StudyScope {
                            tenants,
                            modules,
                            verbs,
                            since,
                            until,
                        },
                        retention_until: day(&retention_until, "--retention-until")?,
                        k_anonymity: k,
                        timestamps,
                    })
                    .await?;
                println!("{}", serde_json::to_string_pretty(&study)?);
                Ok(())
            }
            ResearchAction::Study {
                action: StudyAction::List { json },
            } => {
                let studies = hub.list_studies().await?;
                print_list(
                    &studies,
                    json,
                    "no study yet: classcode research study create --help",
                    |study| {
                        format!(
                            "{:24} {:30} k={} {:8} until {}",
                            study["name"].as_str().unwrap_or_default(),
                            study["team"].as_str().unwrap_or_default(),
                            study["k_anonymity"],
                            study["timestamps"].as_str().unwrap_or_default(),
                            study["retention_until"].as_str().unwrap_or_default(),
                        )
                    },
                )
            }
            ResearchAction::Credentials { study } => {
                let created = hub.create_research_credential(&study).await?;
                println!("{}", serde_json::to_string_pretty(&created)?);
                eprintln!("the secret is shown once: give it to the research team now");
                Ok(())
            }
            ResearchAction::Export { study, format, out } => {
                let format = ExportFormat::parse(&format)
                    .with_context(|| format!("--format {format:?}: use jsonl, csv or parquet"))?;
                let report = hub
                    .export_study(&study, format, Some(&out), "command line", |progress| {
                        eprintln!("{}: {} statements read", progress.phase, progress.read);
                    })
                    .await?;
                let counts = &report.manifest["counts"];
                println!(
                    "exported {} statements of {} learners to {} ({} of opted-out learners left out, {} suppressed in {} groups under k)",
                    counts["statements_exported"],
                    counts["learners_exported"],
                    report.dir.display(),
                    counts["statements_of_opted_out_learners"],
                    counts["statements_suppressed"],
                    counts["groups_suppressed"],
                );
                Ok(())
            }
        }
    }
    .await;
    storage.close().await;
    result
}

async fn badges(settings: Settings, action: BadgesAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let urls = hub.badge_urls();
    let parse = |id: &str| {
        uuid::Uuid::parse_str(id).with_context(|| {
            format!("{id:?} is not a badge id: copy one from `classcode badges list`")
        })
    };
    let result = match action {
        BadgesAction::List { json } => {
            let rows: Vec<serde_json::Value> = hub
                .list_badges(None)
                .await?
                .iter()
                .map(|view| view.summary(&urls))
                .collect();
            print_list(
                &rows,
                json,
                "no badge yet: badges are awarded when a learner is certified",
                |row| {
                    format!(
                        "{:8} {}  {:40} {}",
                        row["standing"].as_str().unwrap_or_default(),
                        row["id"].as_str().unwrap_or_default(),
                        row["content_id"].as_str().unwrap_or_default(),
                        row["verify_url"].as_str().unwrap_or_default(),
                    )
                },
            )
        }
        BadgesAction::Revoke { id, reason } => {
            let view = hub.revoke_badge(parse(&id)?, &reason).await?;
            println!(
                "revoked {} ({})",
                view.badge.id,
                urls.verify_page(view.badge.id)
            );
            Ok(())
        }
        BadgesAction::Reissue { id } => {
            let view = hub.reissue_badge(parse(&id)?).await?;
            println!(
                "re-issued as {} ({})",
                view.badge.id,
                urls.verify_page(view.badge.id)
            );
            Ok(())
        }
        BadgesAction::RotateKey => {
            let kid = hub.rotate_badge_key().await?;
            println!(
                "new badge signing key {kid}; older keys stay published at {}",
                urls.ob3_issuer()
            );
            Ok(())
        }
    };
    storage.close().await;
    result
}

async fn certify(settings: Settings, action: CertifyAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let result = match action {
        CertifyAction::Recompute => {
            let (total, certified) = hub
                .recompute_certifications(|done, total| {
                    if done == total || done % 100 == 0 {
                        eprintln!("evaluated {done}/{total} registrations");
                    }
                })
                .await?;
            println!("{total} registration(s) evaluated, {certified} certified");
            Ok(())
        }
        CertifyAction::List { json } => {
            let certifications = hub.list_certifications().await?;
            let rows: Vec<serde_json::Value> = certifications
                .iter()
                .map(classcode_hub::certification::view)
                .collect();
            print_list(
                &rows,
                json,
                "no certification yet: learners certify by meeting a module's or a parcours' [certification] rule",
                |row| {
                    format!(
                        "{:10} {:40} {:>5.2}  {} statement(s)  {}",
                        row["status"].as_str().unwrap_or_default(),
                        row["content_id"].as_str().unwrap_or_default(),
                        row["scaled"].as_f64().unwrap_or_default(),
                        row["evidence"].as_array().map_or(0, Vec::len),
                        row["registration"].as_str().unwrap_or_default(),
                    )
                },
            )?;
            Ok(())
        }
    };
    storage.close().await;
    result
}

async fn content(settings: Settings, action: ContentAction) -> anyhow::Result<()> {
    use classcode_hub::content::{ImportError, read_sources};
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    let result = match action {
        ContentAction::Import { path, json } => {
            let sources = read_sources(&path)?;
            eprintln!(
                "checking {} package(s) from {}",
                sources.len(),
                path.display()
            );
            match hub.import_content(sources).await {
                Ok(report) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        for label in &report.imported {
                            println!("imported {label}");
                        }
                        for label in &report.unchanged {
                            println!("unchanged {label} (already imported with the same content)");
                        }
                    }
                    Ok(())
                }
                Err(ImportError::Invalid(problems)) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&problems)?);
                    } else {
                        for problem in &problems {
                            eprintln!("{problem}");
                        }
                    }
                    Err(anyhow::anyhow!(
                        "{} problem(s) found; nothing was imported. Fix them and import again",
                        problems.len()
                    ))
                }
                Err(err) => Err(err.into()),
            }
        }
        ContentAction::List { json } => {
            let packages = hub.list_content().await?;
            print_list(
                &packages,
                json,
                "no content yet: import some with `classcode content import PATH` (the demo catalog is imported at the first `serve`)",
                |package| {
                    format!(
                        "{:40} {:8} {:9} {:>9} bytes  imported {}",
                        package.content_id,
                        package.version,
                        package.kind,
                        package.total_bytes,
                        package.imported_at.format("%Y-%m-%d %H:%M")
                    )
                },
            )?;
            Ok(())
        }
        ContentAction::Show {
            content_id,
            version,
            json,
        } => {
            let package = pick_version(&hub, &content_id, version.as_deref()).await?;
            let manifest: serde_json::Value = serde_json::from_str(&package.manifest)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&manifest)?);
            } else {
                println!(
                    "{} {} ({})",
                    package.content_id, package.version, package.kind
                );
                println!("  {}", manifest["title"]["fr"].as_str().unwrap_or_default());
                for activity in manifest["activities"].as_array().into_iter().flatten() {
                    println!(
                        "  - {:28} {:10} {}",
                        activity["id"].as_str().unwrap_or_default(),
                        activity["kind"].as_str().unwrap_or_default(),
                        activity["title"]["fr"].as_str().unwrap_or_default()
                    );
                }
                for step in manifest["steps"].as_array().into_iter().flatten() {
                    println!(
                        "  > {}: {}",
                        step["module"].as_str().unwrap_or_default(),
                        step["activities"]
                    );
                }
            }
            Ok(())
        }
        ContentAction::Export {
            content_id,
            version,
            out,
        } => {
            let package = pick_version(&hub, &content_id, version.as_deref()).await?;
            if out.exists() {
                anyhow::bail!(
                    "{} exists already: give a new folder to --out",
                    out.display()
                );
            }
            let paths = storage.find_content_file_paths(package.id).await?;
            for path in &paths {
                let bytes = storage
                    .find_content_file(package.id, path)
                    .await?
                    .with_context(|| format!("file {path} vanished"))?;
                let target = out.join(path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                std::fs::write(&target, bytes)
                    .with_context(|| format!("writing {}", target.display()))?;
            }
            println!(
                "exported {}@{} ({} files) to {}",
                package.content_id,
                package.version,
                paths.len(),
                out.display()
            );
            Ok(())
        }
    };
    storage.close().await;
    result
}

/// A stored version: the one asked for, or the newest.
async fn pick_version(
    hub: &Hub,
    content_id: &str,
    version: Option<&str>,
) -> anyhow::Result<classcode_storage::ContentPackage> {
    let mut versions: Vec<_> = hub
        .list_content()
        .await?
        .into_iter()
        .filter(|package| package.content_id == content_id)
        .collect();
    if versions.is_empty() {
        anyhow::bail!("no content {content_id:?}; see `classcode content list`");
    }
    versions.sort_by_key(|package| classcode_hub::content::version_key(&package.version));
    match version {
        Some(wanted) => versions
            .into_iter()
            .find(|package| package.version == wanted)
            .with_context(|| {
                format!("{content_id} has no version {wanted}; see `classcode content list`")
            }),
        None => versions.pop().context("no version"),
    }
}

async fn lti(settings: Settings, action: LtiAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    match action {
        LtiAction::ToolInfo { json } => {
            let urls = hub.tool_urls();
            if json {
                println!("{}", serde_json::to_string_pretty(&urls)?);
            } else {
                println!("LTI 1.3 tool: Class'Code Hub");
                println!(
                    "  Dynamic registration URL (Moodle: \"Tool URL\" > Add LTI Advantage): {}",
                    urls.dynamic_registration
                );
                println!("  Login (initiate login) URL:            {}", urls.login);
                println!("  Launch / redirection URL:              {}", urls.launch);
                println!(
                    "  Deep linking URL:                      {}",
                    urls.deep_linking
                );
                println!("  Public keyset (JWKS) URL:              {}", urls.jwks);
                println!(
                    "Then register the platform: classcode lti platform add --issuer … --client-id … --auth-url … --token-url … --jwks-url … --deployment-id …"
                );
            }
        }
        LtiAction::Platform { action } => match action {
            PlatformAction::Add {
                issuer,
                client_id,
                auth_url,
                token_url,
                jwks_url,
                deployment_ids,
                tenant,
                json,
            } => {
                let platform = hub
                    .register_platform(classcode_hub::lti::ManualRegistration {
                        tenant,
                        issuer,
                        client_id,
                        auth_url,
                        token_url,
                        jwks_url,
                        deployment_ids,
                    })
                    .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&platform)?);
                } else {
                    println!(
                        "registered {} (client_id {}) as {}; deployments: {}",
                        platform.issuer,
                        platform.client_id,
                        platform.id,
                        if platform.deployment_ids.is_empty() {
                            "none yet (add one with `classcode lti platform add-deployment`)"
                                .to_owned()
                        } else {
                            platform.deployment_ids.join(", ")
                        }
                    );
                }
            }
            PlatformAction::List { json } => {
                let platforms = hub.list_platforms().await?;
                print_list(
                    &platforms,
                    json,
                    "no platform yet: use dynamic registration (see `classcode lti tool-info`) or `classcode lti platform add`",
                    |platform| {
                        let state = state_word(platform.disabled_at.is_some());
                        format!(
                            "{} {:8} {}  client_id={}  deployments={}",
                            platform.id,
                            state,
                            platform.issuer,
                            platform.client_id,
                            platform.deployment_ids.join(",")
                        )
                    },
                )?;
            }
            PlatformAction::Disable { id } => {
                hub.set_platform_enabled(&id, false).await?;
                println!("disabled {id}: its launches are refused");
            }
            PlatformAction::Enable { id } => {
                hub.set_platform_enabled(&id, true).await?;
                println!("enabled {id}");
            }
            PlatformAction::AddDeployment { id, deployment_id } => {
                hub.add_deployment(&id, &deployment_id).await?;
                println!("{id} accepts deployment {deployment_id}");
            }
        },
    }
    storage.close().await;
    Ok(())
}

async fn keys(settings: Settings, action: KeysAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    match action {
        KeysAction::Rotate => {
            let kid = hub.rotate_tool_key().await?;
            println!(
                "new signing key {kid}; the previous one stays published for lti.key_grace_secs"
            );
        }
        KeysAction::Show => println!("{}", serde_json::to_string_pretty(&hub.tool_jwks().await?)?),
    }
    storage.close().await;
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(&settings.log);
    let application = Application::build(settings).await?;
    application
        .run_until_stopped()
        .await
        .context("serving HTTP")
}

/// Opens the store for an admin command, quietly (warnings only) and without migrating.
async fn open_storage(settings: &Settings) -> anyhow::Result<Storage> {
    telemetry::init(&LogSettings {
        level: "warn".to_owned(),
        ..settings.log.clone()
    });
    settings.ensure_data_dir()?;
    Ok(Storage::connect(&settings.connect_options()).await?)
}

/// Opens the store and refuses to go on if it lags behind this binary's migrations.
async fn open_current_storage(settings: &Settings) -> anyhow::Result<Storage> {
    let storage = open_storage(settings).await?;
    let pending = storage.pending_migrations().await?;
    if !pending.is_empty() && settings.database.migrate_on_start {
        storage.migrate_up().await?;
    } else if !pending.is_empty() {
        anyhow::bail!(
            "the database lacks {} migration(s); run `classcode migrate` first",
            pending.len()
        );
    }
    Ok(storage)
}

async fn migrate(settings: Settings, action: MigrateAction) -> anyhow::Result<()> {
    let storage = open_storage(&settings).await?;
    match action {
        MigrateAction::Up => {
            let applied = storage.migrate_up().await?;
            println!("applied {} migration(s)", applied.len());
            for name in applied {
                println!("  {name}");
            }
        }
        MigrateAction::Down { steps, all } => {
            storage
                .migrate_down(if all { None } else { Some(steps) })
                .await?;
            println!(
                "reverted {}",
                if all {
                    "every migration".to_owned()
                } else {
                    format!("{steps} migration(s)")
                }
            );
        }
        MigrateAction::Status => {
            let pending = storage.pending_migrations().await?;
            for name in Storage::known_migrations() {
                let state = if pending.contains(&name) {
                    "pending"
                } else {
                    "applied"
                };
                println!("{state:8} {name}");
            }
        }
    }
    storage.close().await;
    Ok(())
}

fn hub_for(settings: &Settings, storage: &Storage) -> anyhow::Result<Hub> {
    Hub::new(storage.clone(), settings.hub_settings(false)?)
}

async fn credentials(settings: Settings, action: CredentialsAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    match action {
        CredentialsAction::Create {
            tenant,
            scopes,
            name,
            json,
        } => {
            let created = hub.create_lrs_credential(&tenant, &name, &scopes).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                println!("key:    {}", created.credential.key);
                println!("secret: {}", created.secret);
                println!("scopes: {}", created.credential.scopes.join(", "));
                println!(
                    "endpoint: {}{}/  (HTTP Basic: key as user name, secret as password)",
                    settings.effective_public_url(),
                    settings.lrs.path
                );
                eprintln!(
                    "The secret is shown only now: store it where your xAPI client can read it."
                );
            }
        }
        CredentialsAction::List { tenant, json } => {
            let list = hub.list_lrs_credentials(tenant.as_deref()).await?;
            print_list(
                &list,
                json,
                "no credential yet: create one with `classcode lrs credentials create --tenant NAME`",
                |credential| {
                    let state = if credential.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    format!(
                        "{:26} {:8} {:40} {}",
                        credential.key,
                        state,
                        credential.scopes.join(","),
                        credential.name
                    )
                },
            )?;
        }
        CredentialsAction::Revoke { key } => {
            hub.revoke_lrs_credential(&key).await?;
            println!("revoked {key}");
        }
    }
    storage.close().await;
    Ok(())
}

async fn tenant(settings: Settings, action: TenantAction) -> anyhow::Result<()> {
    let storage = open_current_storage(&settings).await?;
    let hub = hub_for(&settings, &storage)?;
    match action {
        TenantAction::Create {
            name,
            display_name,
            json,
        } => {
            let tenant = hub.create_tenant(&name, &display_name).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tenant)?);
            } else {
                println!(
                    "created tenant {} ({}) with id {}",
                    tenant.name, tenant.display_name, tenant.id
                );
            }
        }
        TenantAction::List { json } => {
            let tenants = hub.list_tenants().await?;
            print_list(
                &tenants,
                json,
                "no tenant yet: create one with `classcode tenant create NAME --display-name TEXT`",
                |tenant| {
                    let state = state_word(tenant.disabled_at.is_some());
                    format!(
                        "{:24} {:8} {}  {}",
                        tenant.name, state, tenant.id, tenant.display_name
                    )
                },
            )?;
        }
    }
    storage.close().await;
    Ok(())
}

/// How a list line says whether something is in use.
fn state_word(is_disabled: bool) -> &'static str {
    if is_disabled { "disabled" } else { "active" }
}

/// Prints a list as JSON, as one line per item, or as a hint of what to do when it is empty.
fn print_list<T: serde::Serialize>(
    items: &[T],
    json: bool,
    when_empty: &str,
    line: impl Fn(&T) -> String,
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(items)?);
    } else if items.is_empty() {
        println!("{when_empty}");
    } else {
        for item in items {
            println!("{}", line(item));
        }
    }
    Ok(())
}
