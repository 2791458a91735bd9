//! `classcode-bench`: starts the real `classcode serve` binary on a fresh database (SQLite, or PostgreSQL through
//! an admin URL), loads a generated Class'Code workload over HTTP and prints throughput, latency and memory.
//!
//! `cargo run --release -p classcode-bench -- lrs --statements 1000000 [--pg postgres://postgres@127.0.0.1/test]`
//! `cargo run --release -p classcode-bench -- lti --launches 5000 [--pg postgres://postgres@127.0.0.1/test]`
//! `cargo run --release -p classcode-bench -- research --statements 1000000 [--pg postgres://postgres@127.0.0.1/test]`
//! `cargo run --release -p classcode-bench -- dashboard --statements 1000000 [--pg postgres://postgres@127.0.0.1/test]`

#![forbid(unsafe_code)]

mod dashboard;
mod lrs;
mod lti;
mod research;
mod server;
mod workload;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "classcode-bench",
    about = "Benchmarks of Class'Code Hub over HTTP"
)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// The embedded LRS: batch and single ingest, filtered queries, server memory.
    Lrs(lrs::LrsBench),
    /// The LTI tool: full launches (login initiation + id_token launch) per second and their latency.
    Lti(lti::LtiBench),
    /// Research exports: statements per second per format and the exporter's peak memory.
    Research(research::ResearchBench),
    /// The admin dashboard: aggregation throughput and the dashboard's latency at the loaded size.
    Dashboard(dashboard::DashboardBench),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.bench {
        Bench::Lrs(options) => lrs::run(options).await,
        Bench::Lti(options) => lti::run(options).await,
        Bench::Research(options) => research::run(options).await,
        Bench::Dashboard(options) => dashboard::run(options).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
