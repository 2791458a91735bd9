//! The research export benchmark: loads a generated workload into a fresh hub over HTTP, stops it, declares a
//! study over the tenant, then runs `classcode research export` in each format as a child process and prints
//! statements per second, the files' size and the exporter's peak RSS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use serde_json::Value;

use crate::lrs::{client, load_statements};
use crate::server::{Server, classcode_binary, rss_kib, run_cli};
use crate::workload::Workload;

#[derive(clap::Args, Clone)]
pub struct ResearchBench {
    /// Statements to load (batches of 100) before exporting.
    #[arg(long, default_value_t = 200_000)]
    statements: u64,
    /// Distinct learners in the workload.
    #[arg(long, default_value_t = 5_000)]
    learners: u64,
    /// Also run on PostgreSQL: an admin URL where the bench may create a database.
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
    /// Skip SQLite (with --pg: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
}

struct Row {
    backend: &'static str,
    format: &'static str,
    read: u64,
    exported: u64,
    seconds: f64,
    bytes: u64,
    peak_rss_mib: f64,
}

pub async fn run(options: ResearchBench) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    if !options.no_sqlite {
        rows.extend(run_on("SQLite", None, &options).await?);
    }
    if let Some(pg) = options.pg.as_deref() {
        rows.extend(run_on("PostgreSQL", Some(pg), &options).await?);
    }
    println!(
        "\nResearch export of {} statements ({} learners)",
        options.statements, options.learners
    );
    println!(
        "| engine | format | statements read (two passes) | exported | seconds | read/s | output MiB | exporter peak RSS MiB |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.0} | {:.1} | {:.0} |",
            row.backend,
            row.format,
            row.read,
            row.exported,
            row.seconds,
            (2 * row.read) as f64 / row.seconds,
            row.bytes as f64 / 1_048_576.0,
            row.peak_rss_mib
        );
    }
    Ok(())
}

async fn run_on(
    backend: &'static str,
    pg: Option<&str>,
    options: &ResearchBench,
) -> anyhow::Result<Vec<Row>> {
    eprintln!("[{backend}] loading {} statements", options.statements);
    let server = Arc::new(Server::start(pg).await?);
    let http = client()?;
    let mut workload = Workload::new(7, options.learners, Utc::now());
    load_statements(&server, &http, &mut workload, options.statements, backend).await?;
    let Ok(server) = Arc::try_unwrap(server) else {
        bail!("the server is still in use");
    };
    let database = server.stop_keeping_database().await;
    let binary = classcode_binary()?;
    run_cli(
        &binary,
        &database,
        &[
            "research",
            "study",
            "create",
            "--name",
            "bench-study",
            "--team",
            "bench",
            "--purpose",
            "bench",
            "--legal-basis",
            "bench",
            "--tenants",
            "bench",
            "--retention-until",
            "2099-12-31",
            "--k",
            "5",
            // Relative timestamps leave (tenant, course) as quasi-identifiers: with the workload's 200 courses most
            // statements are released, so the figures measure writing rather than suppression.
            "--timestamps",
            "relative",
        ],
    )?;
    let mut rows = Vec::new();
    for format in ["jsonl", "csv", "parquet"] {
        let out = database.dir.join(format!("export-{format}"));
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&binary)
            .arg("--data-dir")
            .arg(database.dir.join("data"))
            .arg("--database-url")
            .arg(&database.url)
            .args([
                "research",
                "export",
                "bench-study",
                "--format",
                format,
                "--out",
            ])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting classcode research export")?;
        let peak = Arc::new(AtomicU64::new(0));
        let sampler = child.id().map(|pid| {
            let peak = peak.clone();
            tokio::spawn(async move {
                loop {
                    if let Some(rss) = rss_kib(pid) {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        });
        let status = child.wait().await?;
        let seconds = started.elapsed().as_secs_f64();
        if let Some(sampler) = sampler {
            sampler.abort();
        }
        if !status.success() {
            bail!("classcode research export --format {format} failed");
        }
        let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json"))?)?;
        let bytes = manifest["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|file| file["bytes"].as_u64())
            .sum();
        let exported = manifest["counts"]["statements_exported"]
            .as_u64()
            .unwrap_or(0);
        let read = manifest["counts"]["statements_read"].as_u64().unwrap_or(0);
        eprintln!("[{backend}] {format}: {exported} statements in {seconds:.1} s");
        rows.push(Row {
            backend,
            format,
            read,
            exported,
            seconds,
            bytes,
            peak_rss_mib: peak.load(Ordering::Relaxed) as f64 / 1024.0,
        });
        std::fs::remove_dir_all(&out).ok();
    }
    drop(database);
    Ok(rows)
}
