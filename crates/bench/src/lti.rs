//! The LTI launch benchmark: full launch handling — OIDC login initiation, then the launch with id_token
//! verification, state and nonce bookkeeping and the player page — against the real binary, on each engine.
//!
//! The platform's id_tokens are signed between the two timed phases, so the client's RSA signing does not eat
//! the two cores the hub is measured on; the rate is launches over the time spent in logins plus launches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::future::try_join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::server::Server;

const PLATFORM_KEY: &[u8] = include_bytes!("../../lti/testdata/platform-key.pem");
const PLATFORM_JWKS: &str = include_str!("../../lti/testdata/platform-jwks.json");
const ISSUER: &str = "https://lms.example.org";
const CLIENT: &str = "bench-client";
const DEPLOYMENT: &str = "bench-deployment";

#[derive(clap::Args, Clone)]
pub struct LtiBench {
    /// Launches to run (each is one login and one launch).
    #[arg(long, default_value_t = 5_000)]
    launches: usize,
    /// Browsers launching at the same time.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Also run on PostgreSQL: an admin URL where the bench may create a database.
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
    /// Skip SQLite (with --pg: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
}

struct Figures {
    backend: &'static str,
    rate: f64,
    login: (f64, f64),
    launch: (f64, f64),
    total: (f64, f64),
    peak_rss: f64,
}

struct Login {
    state: String,
    nonce: String,
    cookie: String,
    elapsed: Duration,
}

pub async fn run(options: LtiBench) -> anyhow::Result<()> {
    let jwks_url = serve_jwks().await?;
    let mut all = Vec::new();
    if !options.no_sqlite {
        all.push(run_on("sqlite", None, &options, &jwks_url).await?);
    }
    if let Some(pg) = &options.pg {
        all.push(run_on("postgres", Some(pg), &options, &jwks_url).await?);
    }
    println!();
    println!(
        "LTI launch benchmark: {} launches (login + launch), {} concurrent browsers",
        options.launches, options.concurrency
    );
    for figures in &all {
        println!("== {}", figures.backend);
        println!("  full launches:      {:>8.0} launches/s", figures.rate);
        println!(
            "  login initiation:   p50 {:>6.2} ms   p99 {:>6.2} ms",
            figures.login.0, figures.login.1
        );
        println!(
            "  launch (id_token):  p50 {:>6.2} ms   p99 {:>6.2} ms",
            figures.launch.0, figures.launch.1
        );
        println!(
            "  login + launch:     p50 {:>6.2} ms   p99 {:>6.2} ms",
            figures.total.0, figures.total.1
        );
        println!("  server RSS: peak {:.0} MiB", figures.peak_rss);
    }
    Ok(())
}

/// The platform's key set, served to every request on a port of its own.
async fn serve_jwks() -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    PLATFORM_JWKS.len(),
                    PLATFORM_JWKS
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    Ok(format!("http://{address}/jwks"))
}

async fn run_on(
    backend: &'static str,
    pg: Option<&str>,
    options: &LtiBench,
    jwks_url: &str,
) -> anyhow::Result<Figures> {
    eprintln!("[{backend}] starting the hub");
    let server = Server::start_with_platform(
        pg,
        &[
            "--issuer",
            ISSUER,
            "--client-id",
            CLIENT,
            "--auth-url",
            "https://lms.example.org/auth",
            "--token-url",
            "https://lms.example.org/token",
            "--jwks-url",
            jwks_url,
            "--deployment-id",
            DEPLOYMENT,
        ],
    )
    .await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(options.concurrency)
        .build()?;
    let per_worker = options.launches.div_ceil(options.concurrency);

    // Warm-up: the first launch fetches the platform's JWKS and the first login makes the tool key.
    let warm = login(&client, &server.origin).await?;
    let warm_token = sign(&warm.nonce)?;
    launch(&client, &server.origin, &warm, &warm_token).await?;

    eprintln!("[{backend}] {} logins", options.launches);
    let logins = Arc::new(Mutex::new(Vec::with_capacity(options.launches)));
    let started = Instant::now();
    try_join_all((0..options.concurrency).map(|_| {
        let client = client.clone();
        let origin = server.origin.clone();
        let logins = logins.clone();
        async move {
            for _ in 0..per_worker {
                let done = login(&client, &origin).await?;
                logins.lock().await.push(done);
            }
            anyhow::Ok(())
        }
    }))
    .await?;
    let login_time = started.elapsed();
    let logins = Arc::try_unwrap(logins)
        .map_err(|_| anyhow::anyhow!("logins still shared"))?
        .into_inner();

    eprintln!("[{backend}] signing {} id_tokens (not timed)", logins.len());
    let signed: Vec<(Login, String)> = logins
        .into_iter()
        .map(|login| {
            let token = sign(&login.nonce)?;
            Ok((login, token))
        })
        .collect::<anyhow::Result<_>>()?;

    eprintln!("[{backend}] {} launches", signed.len());
    let queue = Arc::new(Mutex::new(signed));
    let results = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    try_join_all((0..options.concurrency).map(|_| {
        let client = client.clone();
        let origin = server.origin.clone();
        let queue = queue.clone();
        let results = results.clone();
        async move {
            loop {
                let Some((login, token)) = queue.lock().await.pop() else {
                    break;
                };
                let elapsed = launch(&client, &origin, &login, &token).await?;
                results.lock().await.push((login.elapsed, elapsed));
            }
            anyhow::Ok(())
        }
    }))
    .await?;
    let launch_time = started.elapsed();
    let results = results.lock().await.clone();
    let peak_rss = server.peak_rss_mib();
    server.stop().await;

    let millis = |durations: Vec<Duration>| -> (f64, f64) {
        let mut values: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() as f64 - 1.0) * q).round() as usize];
        (at(0.50), at(0.99))
    };
    Ok(Figures {
        backend,
        rate: results.len() as f64 / (login_time + launch_time).as_secs_f64(),
        login: millis(results.iter().map(|(login, _)| *login).collect()),
        launch: millis(results.iter().map(|(_, launch)| *launch).collect()),
        total: millis(
            results
                .iter()
                .map(|(login, launch)| *login + *launch)
                .collect(),
        ),
        peak_rss,
    })
}

async fn login(client: &reqwest::Client, origin: &str) -> anyhow::Result<Login> {
    let url = format!(
        "{origin}/lti/login?iss={ISSUER}&login_hint=learner&client_id={CLIENT}&lti_deployment_id={DEPLOYMENT}&target_link_uri={origin}/lti/launch"
    );
    let started = Instant::now();
    let response = client.get(&url).send().await?;
    let elapsed = started.elapsed();
    if response.status() != 302 {
        bail!("login answered {}", response.status());
    }
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .context("no state cookie")?
        .to_owned();
    let location = url::Url::parse(
        response
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .context("no redirect")?,
    )?;
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    Ok(Login {
        state: param("state"),
        nonce: param("nonce"),
        cookie,
        elapsed,
    })
}

fn sign(nonce: &str) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": format!("learner-{}", &nonce[..8]),
        "iat": now,
        "exp": now + 600,
        "nonce": nonce,
        "name": "Camille Martin",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT,
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1", "title": "Cartes binaires"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "course-1", "title": "CM2"},
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"content_id": "fr.classcode.information"},
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {"locale": "fr-FR"},
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitem": "https://lms.example.org/lineitems/1?type_id=1"
        },
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("platform-key-1".to_owned());
    Ok(jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(PLATFORM_KEY)?,
    )?)
}

async fn launch(
    client: &reqwest::Client,
    origin: &str,
    login: &Login,
    token: &str,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = client
        .post(format!("{origin}/lti/launch"))
        .header("cookie", &login.cookie)
        .form(&[("id_token", token), ("state", login.state.as_str())])
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    let elapsed = started.elapsed();
    if status != 200 || !body.contains("data-launch-id") {
        bail!("launch answered {status}: {}", &body[..body.len().min(300)]);
    }
    Ok(elapsed)
}
