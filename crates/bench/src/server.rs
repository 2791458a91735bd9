//! Runs `classcode` as a child process against a fresh database and samples its resident memory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use classcode_storage::test_db::TestDatabase;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The admin API token of the hubs benches start.
pub const ADMIN_TOKEN: &str = "bench-admin-token";

/// A running hub with one tenant and one LRS credential.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The LRS base, `<origin>/xapi`.
    pub base: String,
    pub key: String,
    pub secret: String,
    child: Child,
    peak_rss_kib: Arc<AtomicU64>,
    database: TestDatabase,
}

/// The `classcode` binary next to this one (both are built by the same `cargo build`).
pub fn classcode_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("finding this binary")?;
    let candidate = me.with_file_name("classcode");
    if candidate.exists() {
        Ok(candidate)
    } else {
        bail!(
            "{} not found: build it first with `cargo build --release -p classcode` (same profile as this bench)",
            candidate.display()
        )
    }
}

pub fn run_cli(binary: &Path, database: &TestDatabase, args: &[&str]) -> anyhow::Result<String> {
    let output = std::process::Command::new(binary)
        .arg("--data-dir")
        .arg(database.dir.join("data"))
        .arg("--database-url")
        .arg(&database.url)
        .args(args)
        .output()
        .with_context(|| format!("running classcode {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "classcode {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

impl Server {
    /// A hub with one LTI platform registration (`lti platform add` with these arguments) and no LRS credential.
    pub async fn start_with_platform(
        pg_admin_url: Option<&str>,
        platform_args: &[&str],
    ) -> anyhow::Result<Server> {
        let binary = classcode_binary()?;
        let database = TestDatabase::create_on(pg_admin_url).await?;
        let mut args = vec!["lti", "platform", "add"];
        args.extend_from_slice(platform_args);
        run_cli(&binary, &database, &args)?;
        Server::spawn(&binary, database, String::new(), String::new()).await
    }

    pub async fn start(pg_admin_url: Option<&str>) -> anyhow::Result<Server> {
        let binary = classcode_binary()?;
        let database = TestDatabase::create_on(pg_admin_url).await?;
        run_cli(
            &binary,
            &database,
            &["tenant", "create", "bench", "--display-name", "Benchmark"],
        )?;
        let created: serde_json::Value = serde_json::from_str(&run_cli(
            &binary,
            &database,
            &[
                "lrs",
                "credentials",
                "create",
                "--tenant",
                "bench",
                "--json",
            ],
        )?)?;
        let key = created["key"]
            .as_str()
            .context("credential key")?
            .to_owned();
        let secret = created["secret"]
            .as_str()
            .context("credential secret")?
            .to_owned();
        Server::spawn(&binary, database, key, secret).await
    }

    async fn spawn(
        binary: &Path,
        database: TestDatabase,
        key: String,
        secret: String,
    ) -> anyhow::Result<Server> {
        let mut child = Command::new(binary)
            .arg("--data-dir")
            .arg(database.dir.join("data"))
            .arg("--database-url")
            .arg(&database.url)
            .args(["serve", "--bind", "127.0.0.1:0"])
            // The admin API, for benches that read the admin dashboard.
            .env("CLASSCODE__ADMIN__API_TOKEN", ADMIN_TOKEN)
            // The bench's clients all come from one address with one credential: measure the hub, not its limits.
            .env("CLASSCODE__LIMITS__PER_ADDRESS_PER_SEC", "0")
            .env("CLASSCODE__LIMITS__PER_CREDENTIAL_PER_SEC", "0")
            .env(
                "CLASSCODE__LOG__LEVEL",
                "warn,classcode_server::startup=info",
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting classcode serve")?;
        let mut lines = BufReader::new(child.stderr.take().context("stderr")?).lines();
        let address = loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .context("the hub did not start within 60 s")??
                .context("the hub exited before listening")?;
            if let Some(address) = line
                .split_whitespace()
                .find_map(|field| field.strip_prefix("address="))
            {
                break address.to_owned();
            }
        };
        // The hub logs warnings and errors only: show them, a failed request's cause is among them.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[hub] {line}");
            }
        });
        let peak_rss_kib = Arc::new(AtomicU64::new(0));
        if let Some(pid) = child.id() {
            let peak = peak_rss_kib.clone();
            tokio::spawn(async move {
                loop {
                    if let Some(rss) = rss_kib(pid) {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
        }
        Ok(Server {
            origin: format!("http://{address}"),
            base: format!("http://{address}/xapi"),
            key,
            secret,
            child,
            peak_rss_kib,
            database,
        })
    }

    pub fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }

    pub fn current_rss_mib(&self) -> f64 {
        self.child.id().and_then(rss_kib).unwrap_or(0) as f64 / 1024.0
    }

    pub async fn stop(self) {
        drop(self.stop_keeping_database().await);
    }

    /// Stops the hub and hands over its database (dropping it deletes it).
    pub async fn stop_keeping_database(mut self) -> TestDatabase {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(35), self.child.wait()).await;
        self.database
    }
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
