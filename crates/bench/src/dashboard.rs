//! The admin dashboard benchmark: loads a workload into a fresh hub, then times the aggregation passes that bring
//! the dashboard's counts up to date (statements aggregated per second) and the dashboard's answer over 90 days at
//! that size (p50 and p99), which reads aggregates only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use serde_json::Value;

use crate::lrs::{client, load_statements};
use crate::server::{ADMIN_TOKEN, Server};
use crate::workload::Workload;

#[derive(clap::Args, Clone)]
pub struct DashboardBench {
    /// Statements to load (batches of 100).
    #[arg(long, default_value_t = 200_000)]
    statements: u64,
    /// Distinct learners in the workload.
    #[arg(long, default_value_t = 5_000)]
    learners: u64,
    /// Dashboard requests to time.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Also run on PostgreSQL: an admin URL where the bench may create a database.
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
    /// Skip SQLite (with --pg: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
}

pub async fn run(options: DashboardBench) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    if !options.no_sqlite {
        rows.push(run_on("SQLite", None, &options).await?);
    }
    if let Some(pg) = options.pg.as_deref() {
        rows.push(run_on("PostgreSQL", Some(pg), &options).await?);
    }
    println!(
        "\nAdmin dashboard over {} statements ({} learners), 90 days",
        options.statements, options.learners
    );
    println!("| engine | aggregated statements/s | dashboard p50 | dashboard p99 | hub peak RSS |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (backend, rate, p50, p99, rss) in rows {
        println!("| {backend} | {rate:.0} | {p50:.1} ms | {p99:.1} ms | {rss:.0} MiB |");
    }
    Ok(())
}

async fn run_on(
    backend: &'static str,
    pg: Option<&str>,
    options: &DashboardBench,
) -> anyhow::Result<(&'static str, f64, f64, f64, f64)> {
    eprintln!("[{backend}] loading {} statements", options.statements);
    let server = Arc::new(Server::start(pg).await?);
    let http = client()?;
    let mut workload = Workload::new(11, options.learners, Utc::now());
    load_statements(&server, &http, &mut workload, options.statements, backend).await?;
    // The background aggregator may have counted part of it already: time passes until nothing is left.
    let started = Instant::now();
    let mut counted = 0u64;
    loop {
        let answer: Value = http
            .post(format!("{}/api/admin/dashboard/refresh", server.origin))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await?
            .json()
            .await
            .context("refresh answer")?;
        let pass = answer["statements_counted"].as_u64().unwrap_or(0);
        counted += pass;
        let figures: Value = http
            .get(format!("{}/api/admin/dashboard", server.origin))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await?
            .json()
            .await?;
        if figures["lrs"]["statements_not_yet_aggregated"] == 0 {
            break;
        }
        if pass == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let aggregation = started.elapsed();
    let rate = counted.max(1) as f64 / aggregation.as_secs_f64();
    eprintln!("[{backend}] aggregated {counted} statements in {aggregation:?} on request");
    let since = (Utc::now() - chrono::Duration::days(89)).format("%Y-%m-%d");
    let mut latencies = Vec::with_capacity(options.requests);
    for _ in 0..options.requests {
        let started = Instant::now();
        let response = http
            .get(format!(
                "{}/api/admin/dashboard?since={since}",
                server.origin
            ))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        latencies.push(started.elapsed());
        if !status.is_success() || body["totals"]["statements"].as_u64().unwrap_or(0) == 0 {
            bail!("the dashboard answered {status}: {body}");
        }
    }
    latencies.sort();
    let percentile = |p: f64| {
        latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    };
    let figures = (
        backend,
        rate,
        percentile(0.5),
        percentile(0.99),
        server.peak_rss_mib(),
    );
    let Ok(server) = Arc::try_unwrap(server) else {
        bail!("the server is still in use");
    };
    server.stop().await;
    Ok(figures)
}
