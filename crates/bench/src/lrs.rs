//! The LRS benchmark: batch ingest, single ingest at concurrency 8, filtered queries at the loaded size, memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use futures_util::future::try_join_all;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::server::Server;
use crate::workload::{Workload, learner_account, module_id};

#[derive(clap::Args, Clone)]
pub struct LrsBench {
    /// Statements to load in batches of 100 before measuring queries.
    #[arg(long, default_value_t = 100_000)]
    statements: u64,
    /// Clients posting batches of 100 at the same time.
    #[arg(long, default_value_t = 4)]
    batch_clients: usize,
    /// Statements sent one per request, at concurrency 8.
    #[arg(long, default_value_t = 10_000)]
    single: u64,
    /// Requests per query kind.
    #[arg(long, default_value_t = 300)]
    queries: usize,
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

struct Figures {
    backend: &'static str,
    batch_rate: f64,
    single_rate: f64,
    queries: Vec<(&'static str, f64, f64, f64)>,
    peak_rss: f64,
    final_rss: f64,
}

pub async fn run(options: LrsBench) -> anyhow::Result<()> {
    let mut all = Vec::new();
    if !options.no_sqlite {
        all.push(run_on("sqlite", None, &options).await?);
    }
    if let Some(pg) = &options.pg {
        all.push(run_on("postgres", Some(pg), &options).await?);
    }
    println!();
    println!(
        "LRS benchmark: {} statements loaded, {} single POSTs, {} requests per query kind",
        options.statements, options.single, options.queries
    );
    for figures in &all {
        println!("== {}", figures.backend);
        println!(
            "  POST batches of 100 ({} clients):   {:>8.0} statements/s",
            options.batch_clients, figures.batch_rate
        );
        println!(
            "  single POSTs (8 clients):          {:>8.0} statements/s",
            figures.single_rate
        );
        for (name, p50, p99, mean_rows) in &figures.queries {
            println!(
                "  GET {name:<31} p50 {p50:>6.1} ms   p99 {p99:>6.1} ms   ({mean_rows:.0} statements per page)"
            );
        }
        println!(
            "  server RSS: peak {:.0} MiB, at the end {:.0} MiB",
            figures.peak_rss, figures.final_rss
        );
    }
    Ok(())
}

pub(crate) fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()?)
}

/// Request bodies are serialised before the timed phases (like the LTI bench's pre-signed id_tokens): the
/// client shares the machine's two cores with the hub, and generating and encoding ~150 KB of JSON per batch would
/// be measured as the hub's time.
async fn post(client: &reqwest::Client, server: &Server, body: Vec<u8>) -> anyhow::Result<()> {
    let response = client
        .post(format!("{}/statements", server.base))
        .basic_auth(&server.key, Some(&server.secret))
        .header("X-Experience-API-Version", "2.0.0")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!(
            "POST statements answered {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

/// Posts every body with `clients` concurrent clients; returns how long it took.
pub(crate) async fn post_all(
    server: &Arc<Server>,
    http: &reqwest::Client,
    bodies: Vec<Vec<u8>>,
    clients: usize,
) -> anyhow::Result<Duration> {
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let tasks = (0..clients.max(1)).map(|_| {
        let (server, http, queue) = (server.clone(), http.clone(), queue.clone());
        async move {
            loop {
                let body = queue.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop();
                let Some(body) = body else {
                    return anyhow::Ok(());
                };
                post(&http, &server, body).await?;
            }
        }
    });
    try_join_all(tasks).await?;
    Ok(started.elapsed())
}

/// Loads `statements` generated statements in batches of 100 (four clients, rounds of 200 batches encoded before
/// they are sent), reporting progress every 100,000.
pub(crate) async fn load_statements(
    server: &Arc<Server>,
    http: &reqwest::Client,
    workload: &mut Workload,
    statements: u64,
    backend: &str,
) -> anyhow::Result<()> {
    let batches = statements.div_ceil(100);
    let mut posted = 0u64;
    while posted < batches {
        let round = 200.min(batches - posted);
        let bodies: Vec<Vec<u8>> = (0..round)
            .map(|_| {
                let batch: Vec<Value> = (0..100).map(|_| workload.next_statement()).collect();
                serde_json::to_vec(&batch)
            })
            .collect::<Result<_, _>>()?;
        post_all(server, http, bodies, 4).await?;
        posted += round;
        if posted % 1000 < round || posted == batches {
            eprintln!("[{backend}] loaded {} statements", posted * 100);
        }
    }
    Ok(())
}

async fn run_on(
    backend: &'static str,
    pg: Option<&str>,
    options: &LrsBench,
) -> anyhow::Result<Figures> {
    eprintln!("[{backend}] starting the hub on a fresh database");
    let server = Arc::new(Server::start(pg).await?);
    let http = client()?;
    let workload = Arc::new(Mutex::new(Workload::new(42, options.learners, Utc::now())));

    let batches = options.statements.div_ceil(100);
    // Loaded in rounds: each round's bodies are generated untimed, then posted by the batch clients, timed.
    const ROUND_BATCHES: u64 = 200;
    let mut posting = Duration::ZERO;
    let mut posted = 0u64;
    while posted < batches {
        let round = ROUND_BATCHES.min(batches - posted);
        let bodies: Vec<Vec<u8>> = {
            let mut workload = workload.lock().await;
            (0..round)
                .map(|_| {
                    let batch: Vec<Value> = (0..100).map(|_| workload.next_statement()).collect();
                    serde_json::to_vec(&batch)
                })
                .collect::<Result<_, _>>()?
        };
        posting += post_all(&server, &http, bodies, options.batch_clients).await?;
        posted += round;
        if posted % (batches / 10).max(ROUND_BATCHES) < round || posted == batches {
            eprintln!(
                "[{backend}] loaded {:>9} statements ({:.0}/s, RSS {:.0} MiB)",
                posted * 100,
                (posted * 100) as f64 / posting.as_secs_f64(),
                server.current_rss_mib()
            );
        }
    }
    let batch_rate = (batches * 100) as f64 / posting.as_secs_f64();

    let singles: Vec<Vec<u8>> = {
        let mut workload = workload.lock().await;
        (0..options.single)
            .map(|_| serde_json::to_vec(&workload.next_statement()))
            .collect::<Result<_, _>>()?
    };
    let single_rate =
        options.single as f64 / post_all(&server, &http, singles, 8).await?.as_secs_f64();
    eprintln!("[{backend}] single POSTs: {single_rate:.0} statements/s");

    let mut queries = Vec::new();
    let since = (Utc::now() - chrono::Duration::seconds(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for kind in [
        "by agent",
        "by activity, related_activities",
        "by registration",
        "since (last 5 s)",
        "by verb and agent",
    ] {
        let mut latencies = Vec::with_capacity(options.queries);
        let mut rows = 0usize;
        for _ in 0..options.queries {
            let query = {
                let mut workload = workload.lock().await;
                let learners = workload.learners();
                let learner = workload.rng().below(learners);
                let agent =
                    serde_json::json!({"objectType": "Agent", "account": learner_account(learner)})
                        .to_string();
                let module = module_id(workload.rng().below(5) as usize);
                let known = workload.registrations.len() as u64;
                let pick = workload.rng().below(known) as usize;
                let registration = workload
                    .registrations
                    .get(pick)
                    .copied()
                    .unwrap_or_default();
                let mut params = url::form_urlencoded::Serializer::new(String::new());
                match kind {
                    "by agent" => params.append_pair("agent", &agent),
                    "by activity, related_activities" => params
                        .append_pair("activity", &module)
                        .append_pair("related_activities", "true"),
                    "by registration" => {
                        params.append_pair("registration", &registration.to_string())
                    }
                    "since (last 5 s)" => params.append_pair("since", &since),
                    _ => params
                        .append_pair("verb", "http://adlnet.gov/expapi/verbs/answered")
                        .append_pair("agent", &agent),
                };
                params.append_pair("limit", "100").finish()
            };
            let started = Instant::now();
            let response = http
                .get(format!("{}/statements?{query}", server.base))
                .basic_auth(&server.key, Some(&server.secret))
                .header("X-Experience-API-Version", "2.0.0")
                .send()
                .await?;
            let status = response.status();
            let body: Value = response.json().await.context("query answer")?;
            latencies.push(started.elapsed());
            if !status.is_success() {
                bail!("GET statements?{query} answered {status}: {body}");
            }
            rows += body["statements"].as_array().map_or(0, Vec::len);
        }
        latencies.sort();
        let percentile = |p: f64| {
            latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
        };
        eprintln!(
            "[{backend}] {kind}: p50 {:.1} ms, p99 {:.1} ms",
            percentile(0.5),
            percentile(0.99)
        );
        queries.push((
            kind,
            percentile(0.5),
            percentile(0.99),
            rows as f64 / options.queries as f64,
        ));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let figures = Figures {
        backend,
        batch_rate,
        single_rate,
        queries,
        peak_rss: server.peak_rss_mib(),
        final_rss: server.current_rss_mib(),
    };
    match Arc::try_unwrap(server) {
        Ok(server) => server.stop().await,
        Err(_) => bail!("the server is still in use"),
    }
    Ok(figures)
}
