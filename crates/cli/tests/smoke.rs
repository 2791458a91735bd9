//! Smoke tests of the built `classcode` binary: it starts on port 0 and logs its address, drains accepted requests
//! on SIGTERM, and bad settings stop it with one line that says what to fix.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on what it did not expect"
)]

use std::process::Stdio;
use std::time::Duration;

use classcode_storage::test_db::TestDatabase;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const BINARY: &str = env!("CARGO_BIN_EXE_classcode");
const ADMIN_TOKEN: &str = "smoke-admin-token";

/// A `classcode serve` process and the lines it writes to stderr.
struct Served {
    child: Child,
    address: String,
    log: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

fn classcode(database: &TestDatabase) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_remove("RUST_LOG")
        .env("CLASSCODE__ADMIN__API_TOKEN", ADMIN_TOKEN)
        .env("CLASSCODE__SERVER__WORKERS", "2")
        .arg("--data-dir")
        .arg(database.dir.join("data"))
        .arg("--database-url")
        .arg(&database.url)
        .kill_on_drop(true);
    command
}

async fn serve(database: &TestDatabase) -> Served {
    serve_with(database, &[]).await
}

async fn serve_with(database: &TestDatabase, envs: &[(&str, &str)]) -> Served {
    let mut child = classcode(database)
        .envs(envs.iter().copied())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("classcode starts");
    let (sender, log) = mpsc::unbounded_channel();
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut served = Served {
        child,
        address: String::new(),
        log,
        seen: Vec::new(),
    };
    let line = served.wait_for_line("listening").await;
    let address = line
        .split_whitespace()
        .find_map(|field| field.strip_prefix("address="))
        .expect("the listening line names the address");
    served.address = address.to_owned();
    served
}

impl Served {
    async fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            match tokio::time::timeout_at(deadline, self.log.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                _ => panic!(
                    "no log line with {needle:?}; the log so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    fn terminate(&self) {
        let pid = self.child.id().expect("the process runs").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    async fn in_flight(&self) -> f64 {
        let text = reqwest::get(self.url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix("http_requests_in_flight "))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0.0)
    }
}

#[tokio::test]
async fn serve_logs_its_address_answers_probes_and_stops_cleanly_on_sigterm() {
    let database = TestDatabase::create().await.unwrap();
    let mut served = serve(&database).await;

    let healthz = reqwest::get(served.url("/healthz")).await.unwrap();
    let readyz = reqwest::get(served.url("/readyz")).await.unwrap();
    let metrics = reqwest::get(served.url("/metrics")).await.unwrap();

    assert_eq!(healthz.status(), 200);
    assert_eq!(readyz.status(), 200);
    assert_eq!(metrics.status(), 200);
    served.terminate();
    let status = tokio::time::timeout(Duration::from_secs(20), served.child.wait())
        .await
        .expect("the hub stops within the shutdown timeout")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sigterm_during_a_burst_loses_none_of_the_accepted_requests() {
    const BURST: usize = 24;
    let database = TestDatabase::create().await.unwrap();
    let mut served = serve(&database).await;
    let mut connections = Vec::new();
    for index in 0..BURST {
        let body =
            format!(r#"{{"name": "tenant-{index}", "display_name": "Établissement {index}"}}"#);
        let (first_half, second_half) = body.as_bytes().split_at(body.len() / 2);
        let head = format!(
            "POST /api/admin/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let mut connection = TcpStream::connect(&served.address).await.unwrap();
        connection.write_all(head.as_bytes()).await.unwrap();
        connection.write_all(first_half).await.unwrap();
        connections.push((connection, second_half.to_vec()));
    }
    // Every request of the burst is in the server's hands (plus the /metrics request that looks).
    let mut waited = 0;
    while served.in_flight().await < (BURST + 1) as f64 {
        waited += 1;
        assert!(waited < 500, "the burst never reached the server");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    served.terminate();
    served.wait_for_line("SIGTERM received").await;
    let mut answers = Vec::new();
    for (mut connection, rest) in connections {
        answers.push(tokio::spawn(async move {
            connection.write_all(&rest).await.unwrap();
            let mut response = String::new();
            connection.read_to_string(&mut response).await.unwrap();
            response
        }));
    }

    for answer in answers {
        let response = answer.await.unwrap();
        assert!(
            response.starts_with("HTTP/1.1 201"),
            "an accepted request was lost: {response:?}"
        );
    }
    let status = tokio::time::timeout(Duration::from_secs(20), served.child.wait())
        .await
        .expect("the hub stops after draining")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let listed = classcode(&database)
        .args(["tenant", "list", "--json"])
        .output()
        .await
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let tenants: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        tenants.as_array().unwrap().len(),
        BURST,
        "every acknowledged tenant is stored"
    );
}

/// Runs `classcode` with `args` and returns (success, stdout, stderr).
async fn run(args: &[&str], envs: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(BINARY)
        .env_remove("RUST_LOG")
        .envs(envs.iter().copied())
        .args(args)
        .output()
        .await
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_error_line(stderr: &str, needles: &[&str]) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, not: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(
            lines[0].contains(needle),
            "{needle:?} missing from: {stderr}"
        );
    }
}

#[tokio::test]
async fn a_malformed_config_file_stops_the_start_with_one_line_naming_it() {
    let database = TestDatabase::create().await.unwrap();
    let config = database.dir.join("broken.toml");
    std::fs::write(&config, "[server\nbind = ").unwrap();

    let (ok, _, stderr) = run(&["serve", "--config", config.to_str().unwrap()], &[]).await;

    assert!(!ok);
    assert_one_error_line(&stderr, &["broken.toml", "TOML parse error"]);
}

#[tokio::test]
async fn an_unknown_key_or_a_bad_value_is_named() {
    let database = TestDatabase::create().await.unwrap();
    let config = database.dir.join("hub.toml");
    std::fs::write(&config, "[database]\nmax_conections = 3\n").unwrap();

    let (unknown_ok, _, unknown) = run(
        &["config", "check", "--config", config.to_str().unwrap()],
        &[],
    )
    .await;
    let (bad_ok, _, bad) = run(
        &["config", "check"],
        &[("CLASSCODE__SERVER__WORKERS", "many")],
    )
    .await;

    assert!(!unknown_ok && !bad_ok);
    assert_one_error_line(&unknown, &["database.max_conections", "hub.toml"]);
    assert_one_error_line(&bad, &["server.workers", "CLASSCODE__SERVER__WORKERS"]);
}

#[tokio::test]
async fn bad_database_urls_and_an_unreachable_postgresql_are_explained() {
    let database = TestDatabase::create().await.unwrap();
    let data_dir = database.dir.join("data");
    let data_dir = data_dir.to_str().unwrap();

    let (scheme_ok, _, scheme) = run(
        &[
            "serve",
            "--data-dir",
            data_dir,
            "--database-url",
            "mysql://x/y",
        ],
        &[],
    )
    .await;
    let (unreachable_ok, _, unreachable) = run(
        &[
            "serve",
            "--data-dir",
            data_dir,
            "--database-url",
            "postgres://hub@127.0.0.1:1/hub",
        ],
        &[],
    )
    .await;

    assert!(!scheme_ok && !unreachable_ok);
    assert_one_error_line(&scheme, &["database.url", "postgres://"]);
    let last = unreachable.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: cannot reach PostgreSQL at 127.0.0.1:1/hub")
            && last.contains("refused"),
        "{unreachable}"
    );
}

#[tokio::test]
async fn a_data_directory_that_cannot_be_written_is_refused() {
    let (ok, _, stderr) = run(&["serve", "--data-dir", "/proc/classcode"], &[]).await;

    assert!(!ok);
    assert_one_error_line(&stderr, &["/proc/classcode", "--data-dir"]);
}

#[tokio::test]
async fn config_check_prints_the_effective_settings_without_secrets() {
    let database = TestDatabase::create().await.unwrap();
    let data_dir = database.dir.join("data");

    let (ok, stdout, _) = run(
        &["config", "check", "--data-dir", data_dir.to_str().unwrap()],
        &[
            ("CLASSCODE__ADMIN__API_TOKEN", "very-secret-token"),
            (
                "CLASSCODE__DATABASE__URL",
                "postgres://hub:db-password@db.internal:5432/hub",
            ),
            ("CLASSCODE__LOG__FORMAT", "json"),
        ],
    )
    .await;

    assert!(ok);
    assert!(
        !stdout.contains("very-secret-token") && !stdout.contains("db-password"),
        "{stdout}"
    );
    assert!(stdout.contains("db.internal:5432/hub"), "{stdout}");
    assert!(stdout.contains("format = \"json\""), "{stdout}");
}

async fn cli_output(database: &TestDatabase, args: &[&str]) -> String {
    let output = classcode(database).args(args).output().await.unwrap();
    assert!(
        output.status.success(),
        "classcode {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn lti_platforms_are_registered_listed_disabled_and_keys_rotate_keeping_the_old_one_published()
 {
    let database = TestDatabase::create().await.unwrap();
    let added: serde_json::Value = serde_json::from_str(
        &cli_output(
            &database,
            &[
                "lti",
                "platform",
                "add",
                "--issuer",
                "https://canvas.example.org",
                "--client-id",
                "100",
                "--auth-url",
                "https://canvas.example.org/auth",
                "--token-url",
                "https://canvas.example.org/token",
                "--jwks-url",
                "https://canvas.example.org/jwks",
                "--deployment-id",
                "1:a",
                "--json",
            ],
        )
        .await,
    )
    .unwrap();
    let id = added["id"].as_str().unwrap().to_owned();
    // Canvas shares one issuer between developer keys: a second client_id is a second registration.
    cli_output(
        &database,
        &[
            "lti",
            "platform",
            "add",
            "--issuer",
            "https://canvas.example.org",
            "--client-id",
            "200",
            "--auth-url",
            "https://canvas.example.org/auth",
            "--token-url",
            "https://canvas.example.org/token",
            "--jwks-url",
            "https://canvas.example.org/jwks",
        ],
    )
    .await;
    cli_output(
        &database,
        &[
            "lti",
            "platform",
            "add-deployment",
            &id,
            "--deployment-id",
            "2:b",
        ],
    )
    .await;
    cli_output(&database, &["lti", "platform", "disable", &id]).await;
    let listed: serde_json::Value =
        serde_json::from_str(&cli_output(&database, &["lti", "platform", "list", "--json"]).await)
            .unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let first = listed
        .iter()
        .find(|platform| platform["id"] == id.as_str())
        .unwrap();
    assert_eq!(first["deployment_ids"], serde_json::json!(["1:a", "2:b"]));
    assert!(!first["disabled_at"].is_null());

    let info: serde_json::Value =
        serde_json::from_str(&cli_output(&database, &["lti", "tool-info", "--json"]).await)
            .unwrap();
    assert!(
        info["dynamic_registration"]
            .as_str()
            .unwrap()
            .contains("/lti/register?invite=")
    );

    let before: serde_json::Value =
        serde_json::from_str(&cli_output(&database, &["keys", "show"]).await).unwrap();
    let old_kid = before["keys"][0]["kid"].as_str().unwrap().to_owned();
    cli_output(&database, &["keys", "rotate"]).await;
    let after: serde_json::Value =
        serde_json::from_str(&cli_output(&database, &["keys", "show"]).await).unwrap();
    let kids: Vec<&str> = after["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(
        kids.contains(&old_kid.as_str()),
        "the replaced key stays published"
    );
    assert!(
        std::fs::read_to_string(database.dir.join("data/master.key")).is_ok(),
        "the master key was made in the data dir"
    );
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[tokio::test]
async fn content_import_reports_every_problem_stores_nothing_then_keeps_every_version() {
    let database = TestDatabase::create().await.unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let module = database.dir.join("robotique");
    copy_tree(&demo.join("robotique"), &module);
    let manifest_path = module.join("manifest.toml");
    let good = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(
        &manifest_path,
        good.replace("version = \"1.1.0\"", "version = \"1.0\"")
            .replace("pages/01-qu-est-ce-qu-un-robot.md", "pages/absente.md"),
    )
    .unwrap();

    let output = classcode(&database)
        .args(["content", "import"])
        .arg(&module)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("manifest.toml:3:11: version \"1.0\" must be MAJOR.MINOR.PATCH"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"pages/absente.md\", which is not in the package"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 problem(s) found; nothing was imported"),
        "{stderr}"
    );
    assert!(
        cli_output(&database, &["content", "list"])
            .await
            .starts_with("no content yet")
    );

    std::fs::write(&manifest_path, &good).unwrap();
    let imported = cli_output(&database, &["content", "import", module.to_str().unwrap()]).await;
    assert!(
        imported.contains("imported fr.classcode.robotique@1.1.0"),
        "{imported}"
    );
    let again = cli_output(&database, &["content", "import", module.to_str().unwrap()]).await;
    assert!(
        again.contains("unchanged fr.classcode.robotique@1.1.0"),
        "{again}"
    );

    // The same version with other content is refused; a new version is kept beside the old one.
    std::fs::write(&manifest_path, good.replace("durée", "durée ")).unwrap();
    std::fs::write(
        module.join("pages/01-qu-est-ce-qu-un-robot.md"),
        "# Changé\n",
    )
    .unwrap();
    let output = classcode(&database)
        .args(["content", "import"])
        .arg(&module)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("give the new content a higher version")
    );
    std::fs::write(
        &manifest_path,
        good.replace("version = \"1.1.0\"", "version = \"1.2.0\""),
    )
    .unwrap();
    cli_output(&database, &["content", "import", module.to_str().unwrap()]).await;
    let listed: serde_json::Value =
        serde_json::from_str(&cli_output(&database, &["content", "list", "--json"]).await).unwrap();
    let versions: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.1.0", "1.2.0"]);

    // A parcours naming a module that is not in the catalog is refused.
    let output = classcode(&database)
        .args(["content", "import"])
        .arg(demo.join("parcours/decouverte.toml"))
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("fr.classcode.information"));

    let out = database.dir.join("export");
    cli_output(
        &database,
        &[
            "content",
            "export",
            "fr.classcode.robotique",
            "--version",
            "1.1.0",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.toml")).unwrap(),
        good
    );
    assert_eq!(
        std::fs::read(out.join("videos/percevoir-decider-agir.webm")).unwrap(),
        std::fs::read(demo.join("robotique/videos/percevoir-decider-agir.webm")).unwrap()
    );
}

fn zip_tree(root: &std::path::Path, prefix: &str, zip: &mut zip::ZipWriter<std::fs::File>) {
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = format!("{prefix}{}", path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            zip_tree(&path, &format!("{name}/"), zip);
        } else {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(zip, &std::fs::read(&path).unwrap()).unwrap();
        }
    }
}

#[tokio::test]
async fn a_zipped_module_imports_like_its_folder_and_an_escaping_archive_is_refused() {
    let database = TestDatabase::create().await.unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo/reseaux");
    let archive = database.dir.join("reseaux.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    zip_tree(&demo, "reseaux/", &mut zip);
    zip.finish().unwrap();
    let imported = cli_output(&database, &["content", "import", archive.to_str().unwrap()]).await;
    assert!(
        imported.contains("imported fr.classcode.reseaux@1.1.0"),
        "{imported}"
    );

    let evil = database.dir.join("evil.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&evil).unwrap());
    zip.start_file("../manifest.toml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"schema = 1").unwrap();
    zip.finish().unwrap();
    let output = classcode(&database)
        .args(["content", "import"])
        .arg(&evil)
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("would leave the package"));
}

/// A score post as the fake LMS saw it: URL, the status it answered, body, and when it arrived.
type ScorePost = (String, u16, String, std::time::Instant);

/// An LMS grade service played by the test: a token endpoint, and a scores endpoint that answers 503 until
/// `accepting` is set, recording every score post (URL and body); each score answer waits `delay` first.
async fn fake_lms(
    accepting: std::sync::Arc<std::sync::atomic::AtomicBool>,
    scores: std::sync::Arc<std::sync::Mutex<Vec<ScorePost>>>,
    delay: Duration,
) -> String {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let accepting = accepting.clone();
            let scores = scores.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                // Read the head, then the body announced by Content-Length.
                loop {
                    let Ok(read) = socket.read(&mut buffer).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|line| {
                                line.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break;
                        }
                    }
                }
                let text = String::from_utf8_lossy(&request).to_string();
                let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let (status, answer) = if target.starts_with("/token") {
                    (
                        200,
                        r#"{"access_token":"lms-token","token_type":"Bearer","expires_in":3600}"#
                            .to_owned(),
                    )
                } else if accepting.load(Ordering::SeqCst) {
                    (200, "{}".to_owned())
                } else {
                    (503, "{}".to_owned())
                };
                if !target.starts_with("/token") {
                    scores.lock().unwrap().push((
                        target,
                        status,
                        body.to_owned(),
                        std::time::Instant::now(),
                    ));
                    tokio::time::sleep(delay).await;
                }
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_grade_queued_while_the_lms_is_down_is_delivered_after_the_hub_crashes_and_restarts() {
    use classcode_test_support::lti::{attribute, claims, launch_at, login_at, sign};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let database = TestDatabase::create().await.unwrap();
    let accepting = Arc::new(AtomicBool::new(false));
    let scores = Arc::new(Mutex::new(Vec::new()));
    let lms = fake_lms(accepting.clone(), scores.clone(), Duration::ZERO).await;
    add_test_platform(&database, &lms).await;
    let fast = [
        ("CLASSCODE__LTI__OUTBOX_POLL_MS", "100"),
        ("CLASSCODE__LTI__OUTBOX_RETRY_BASE_MS", "200"),
    ];
    let mut first = serve_with(&database, &fast).await;
    let base = format!("http://{}", first.address);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = login_at(&client, &base).await;
    let mut learner = claims(&login.nonce);
    learner["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = serde_json::json!({
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitem": format!("{lms}/lineitems/7/lineitem?type_id=3"),
    });
    let (status, page) = launch_at(
        &client,
        &base,
        &sign(&learner),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let actor: serde_json::Value =
        serde_json::from_str(&attribute(&page, "data-xapi-actor").replace("&quot;", "\"")).unwrap();
    let statement = serde_json::json!({
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"id": "https://hub.example.org/content/fr.classcode.information/quiz-final"},
        "result": {"score": {"scaled": 0.7}},
        "context": {"registration": attribute(&page, "data-xapi-registration")},
    });
    let stored = client
        .post(format!("{base}/xapi/statements"))
        .header("authorization", attribute(&page, "data-xapi-auth"))
        .header("x-experience-api-version", "2.0.0")
        .json(&statement)
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 200);
    // That score came from the browser's copy of the token: a learner could claim anything with it, so it is
    // stored as a statement but never becomes a grade. The grade comes from the hub's own scoring of the final
    // quiz: submitted blank, it scores 0.
    let submitted = client
        .post(format!("{base}/player/quiz"))
        .form(&[
            ("session", attribute(&page, "data-session-token")),
            ("activity", "fr.classcode.information#quiz-final"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);

    // The LMS refuses (503) at least once; then the hub dies without a chance to finish anything.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while scores.lock().unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hub never tried to post the score"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = first.child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    let _ = first.child.wait().await;
    let attempts_before = scores.lock().unwrap().len();
    assert!(
        scores
            .lock()
            .unwrap()
            .iter()
            .all(|(_, status, _, _)| *status == 503)
    );

    // The LMS is back and a new hub starts on the same database: the grade arrives, once.
    accepting.store(true, Ordering::SeqCst);
    let _second = serve_with(&database, &fast).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let delivered: Vec<ScorePost> = scores
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, status, _, _)| *status == 200)
            .cloned()
            .collect();
        if let Some((target, _, body, _)) = delivered.first() {
            assert_eq!(target, "/lineitems/7/lineitem/scores?type_id=3");
            let score: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(score["userId"], "u-1");
            assert_eq!(
                score["scoreGiven"], 0.0,
                "the hub's score, not the browser's 70"
            );
            assert_eq!(score["activityProgress"], "Completed");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the grade was lost after {attempts_before} attempts"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        scores
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, status, _, _)| *status == 200)
            .count(),
        1,
        "the grade is posted once"
    );

    // `certify recompute` walks the learner's registration: a blank final quiz certifies nothing.
    let recomputed = cli_output(&database, &["certify", "recompute"]).await;
    assert_eq!(
        recomputed.trim(),
        "1 registration(s) evaluated, 0 certified"
    );
    let listed = cli_output(&database, &["certify", "list", "--json"]).await;
    assert_eq!(listed.trim(), "[]");
}

#[tokio::test]
async fn badges_commands_list_rotate_the_key_and_explain_a_bad_id() {
    let database = TestDatabase::create().await.unwrap();
    let listed = cli_output(&database, &["badges", "list"]).await;
    assert!(listed.contains("no badge yet"), "{listed}");
    assert_eq!(
        cli_output(&database, &["badges", "list", "--json"])
            .await
            .trim(),
        "[]"
    );
    let first = cli_output(&database, &["badges", "rotate-key"]).await;
    let second = cli_output(&database, &["badges", "rotate-key"]).await;
    let kid = |line: &str| {
        line.split_whitespace()
            .nth(4)
            .unwrap_or_default()
            .trim_end_matches(';')
            .to_owned()
    };
    assert!(kid(&first).starts_with("ed25519-"), "{first}");
    assert_ne!(kid(&first), kid(&second));
    let output = classcode(&database)
        .args(["badges", "revoke", "not-a-uuid", "--reason", "test"])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("classcode badges list"), "{stderr}");

    // The audit log holds the two rotations, newest first, by this user from the CLI; listing and the failed
    // revocation changed nothing and are not there.
    let audit: Value =
        serde_json::from_str(&cli_output(&database, &["audit", "--json"]).await).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["badges rotate-key", "badges rotate-key"]);
    assert!(audit[0]["actor"].as_str().unwrap().starts_with("cli:"));
    assert!(audit[0]["id"].as_i64().unwrap() > audit[1]["id"].as_i64().unwrap());
}

#[tokio::test]
async fn research_commands_declare_a_study_make_a_credential_and_export_with_a_manifest() {
    let database = TestDatabase::create().await.unwrap();
    cli_output(
        &database,
        &[
            "tenant",
            "create",
            "ac-nantes",
            "--display-name",
            "Académie de Nantes",
        ],
    )
    .await;
    let study: serde_json::Value = serde_json::from_str(
        &cli_output(
            &database,
            &[
                "research",
                "study",
                "create",
                "--name",
                "usages",
                "--team",
                "LS2N",
                "--purpose",
                "comprendre",
                "--legal-basis",
                "intérêt public",
                "--tenants",
                "ac-nantes",
                "--retention-until",
                "2031-01-31",
                "--k",
                "3",
            ],
        )
        .await,
    )
    .unwrap();
    assert_eq!(study["k_anonymity"], 3);
    assert_eq!(study["timestamps"], "day");
    let listed = cli_output(&database, &["research", "study", "list"]).await;
    assert!(listed.contains("usages"), "{listed}");
    let credential: serde_json::Value = serde_json::from_str(
        &cli_output(&database, &["research", "credentials", "--study", "usages"]).await,
    )
    .unwrap();
    assert!(credential["key"].as_str().unwrap().starts_with("rs"));
    let out = std::env::temp_dir().join(format!("classcode-export-{}", uuid::Uuid::new_v4()));
    let exported = cli_output(
        &database,
        &[
            "research",
            "export",
            "usages",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert!(exported.starts_with("exported 0 statements"), "{exported}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["files"].as_array().unwrap().len(),
        2,
        "statements.csv and its data dictionary"
    );
    std::fs::remove_dir_all(&out).unwrap();
    let output = classcode(&database)
        .args([
            "research", "export", "usages", "--format", "xlsx", "--out", "/tmp/x",
        ])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("use jsonl, csv or parquet"));
}

/// Runs a command against the test database; returns (success, stderr).
async fn fails_or_not(database: &TestDatabase, args: &[&str]) -> (bool, String) {
    let output = classcode(database).args(args).output().await.unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn create_tenant(served: &Served, name: &str) {
    let response = reqwest::Client::new()
        .post(served.url("/api/admin/tenants"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&serde_json::json!({"name": name, "display_name": format!("Académie {name}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

async fn tenant_names(database: &TestDatabase) -> Vec<String> {
    let listed: Value =
        serde_json::from_str(&cli_output(database, &["tenant", "list", "--json"]).await).unwrap();
    let mut names: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|tenant| tenant["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_exactly_what_it_held() {
    let database = TestDatabase::create().await.unwrap();
    let backup = database.dir.join("hub-backup.sqlite");
    let backup_arg = backup.to_str().unwrap();
    if database.backend == classcode_storage::Backend::Postgres {
        let (ok, stderr) = fails_or_not(&database, &["backup", "--out", backup_arg]).await;
        assert!(!ok);
        assert_one_error_line(&stderr, &["PostgreSQL", "pg_dump"]);
        return;
    }
    let mut served = serve(&database).await;
    create_tenant(&served, "lyon").await;
    create_tenant(&served, "nice").await;

    let written = cli_output(&database, &["backup", "--out", backup_arg]).await;
    assert!(written.contains("quick_check ok"), "{written}");
    assert!(written.contains("2 tenant(s)"), "{written}");
    assert!(
        written.contains("master.key"),
        "the note names the key file: {written}"
    );
    // The file exists now: a second backup to the same name is refused, not overwritten.
    let (ok, stderr) = fails_or_not(&database, &["backup", "--out", backup_arg]).await;
    assert!(!ok);
    assert_one_error_line(&stderr, &["already exists"]);

    create_tenant(&served, "brest").await;
    served.terminate();
    served.child.wait().await.unwrap();
    assert_eq!(tenant_names(&database).await, ["brest", "lyon", "nice"]);

    let dry_run = cli_output(&database, &["restore", "--from", backup_arg]).await;
    assert!(dry_run.contains("nothing changed"), "{dry_run}");
    assert_eq!(tenant_names(&database).await, ["brest", "lyon", "nice"]);

    let restored = cli_output(&database, &["restore", "--from", backup_arg, "--yes"]).await;
    assert!(restored.contains("restored"), "{restored}");
    assert_eq!(tenant_names(&database).await, ["lyon", "nice"]);
    // The replaced database is kept beside the restored one.
    let kept: Vec<_> = std::fs::read_dir(&database.dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .contains(".before-restore-")
        })
        .collect();
    assert!(
        !kept.is_empty(),
        "no kept database in {}",
        database.dir.display()
    );

    // A file that is not a database is refused before anything moves.
    let junk = database.dir.join("junk.sqlite");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let (ok, stderr) = fails_or_not(
        &database,
        &["restore", "--from", junk.to_str().unwrap(), "--yes"],
    )
    .await;
    assert!(!ok);
    assert!(stderr.contains("junk.sqlite"), "{stderr}");
    assert_eq!(tenant_names(&database).await, ["lyon", "nice"]);
}

/// Creates a tenant and an LRS credential for it with the CLI; returns its key and secret.
async fn lrs_credential(database: &TestDatabase, tenant: &str) -> (String, String) {
    cli_output(
        database,
        &["tenant", "create", tenant, "--display-name", tenant],
    )
    .await;
    let credential: Value = serde_json::from_str(
        &cli_output(
            database,
            &["lrs", "credentials", "create", "--tenant", tenant, "--json"],
        )
        .await,
    )
    .unwrap();
    (
        credential["key"].as_str().unwrap().to_owned(),
        credential["secret"].as_str().unwrap().to_owned(),
    )
}

/// Registers the test platform (its JWKS served here) with grades going to `lms`.
async fn add_test_platform(database: &TestDatabase, lms: &str) {
    use classcode_test_support::lti::{CLIENT, DEPLOYMENT, ISSUER, serve_jwks};
    let jwks = serve_jwks().await;
    cli_output(
        database,
        &[
            "lti",
            "platform",
            "add",
            "--issuer",
            ISSUER,
            "--client-id",
            CLIENT,
            "--auth-url",
            "https://lms.example.org/auth",
            "--token-url",
            &format!("{lms}/token"),
            "--jwks-url",
            &jwks,
            "--deployment-id",
            DEPLOYMENT,
        ],
    )
    .await;
}

/// Launches `subject` from the test platform with a line item at `lms`, and submits the final quiz blank: the hub
/// scores it and queues one grade.
async fn launch_and_submit_quiz(client: &reqwest::Client, base: &str, lms: &str, subject: &str) {
    use classcode_test_support::lti::{attribute, claims, launch_at, login_at, sign};
    let login = login_at(client, base).await;
    let mut learner = claims(&login.nonce);
    learner["sub"] = serde_json::json!(subject);
    learner["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = serde_json::json!({
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitem": format!("{lms}/lineitems/7/lineitem"),
    });
    let (status, page) = launch_at(
        client,
        base,
        &sign(&learner),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let submitted = client
        .post(format!("{base}/player/quiz"))
        .form(&[
            ("session", attribute(&page, "data-session-token")),
            ("activity", "fr.classcode.information#quiz-final"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
}

/// Posts batches of statements until the hub stops answering; returns the ids of every batch it acknowledged.
async fn ingest_until_refused(base: String, key: String, secret: String) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    loop {
        let batch: Vec<Value> = (0..20)
            .map(|index| {
                serde_json::json!({
                    "id": uuid::Uuid::new_v4().to_string(),
                    "actor": {"mbox": format!("mailto:learner{index}@example.org")},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                    "object": {"id": "https://hub.example.org/content/fr.classcode.reseaux/intro"},
                })
            })
            .collect();
        let answer = client
            .post(format!("{base}/xapi/statements"))
            .basic_auth(&key, Some(&secret))
            .header("x-experience-api-version", "2.0.0")
            .json(&batch)
            .send()
            .await;
        match answer {
            Ok(response) if response.status() == 200 => {
                acknowledged.extend(
                    batch
                        .iter()
                        .map(|statement| statement["id"].as_str().unwrap().to_owned()),
                );
            }
            // Killed mid-request, or refused once dead: not acknowledged, so not owed.
            _ => return acknowledged,
        }
    }
}

#[tokio::test]
async fn kill_9_during_ingest_and_grade_sending_loses_no_acknowledged_statement_and_sends_each_grade_once()
 {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Mutex};

    const LEARNERS: usize = 6;
    // Each score answer takes this long: the kill lands while the hub is sending.
    const LMS_DELAY: Duration = Duration::from_millis(1500);
    let database = TestDatabase::create().await.unwrap();
    let scores: Arc<Mutex<Vec<ScorePost>>> = Arc::new(Mutex::new(Vec::new()));
    let lms = fake_lms(Arc::new(AtomicBool::new(true)), scores.clone(), LMS_DELAY).await;
    add_test_platform(&database, &lms).await;
    let (key, secret) = lrs_credential(&database, "crash").await;
    let settings = [
        ("CLASSCODE__LTI__OUTBOX_POLL_MS", "100"),
        ("CLASSCODE__LTI__OUTBOX_LEASE_SECS", "2"),
        // Four clients at full speed from one address: past the default limits, which are not what is tested.
        ("CLASSCODE__LIMITS__PER_ADDRESS_PER_SEC", "0"),
        ("CLASSCODE__LIMITS__PER_CREDENTIAL_PER_SEC", "0"),
    ];

    let mut first = serve_with(&database, &settings).await;
    let base = format!("http://{}", first.address);
    let ingest: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(ingest_until_refused(
                base.clone(),
                key.clone(),
                secret.clone(),
            ))
        })
        .collect();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for learner in 0..LEARNERS {
        launch_and_submit_quiz(&client, &base, &lms, &format!("u-{learner}")).await;
    }
    // Kill the hub once it has sent a grade or two: the others are queued, claimed or on the wire.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while scores.lock().unwrap().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no grade was sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = first.child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    let killed_at = std::time::Instant::now();
    let _ = first.child.wait().await;
    let mut acknowledged = BTreeSet::new();
    for task in ingest {
        acknowledged.extend(task.await.unwrap());
    }
    let sent_before = scores.lock().unwrap().len();
    assert!(
        acknowledged.len() >= 100 && sent_before < LEARNERS,
        "the kill came during ingest ({} acknowledged) and grade sending ({sent_before} of {LEARNERS} sent)",
        acknowledged.len()
    );

    // A new hub on the same database sends what was left, once the dead node's leases end.
    let second = serve_with(&database, &settings).await;
    let base = format!("http://{}", second.address);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let by_learner = |posts: &[ScorePost]| {
        let mut by: BTreeMap<String, Vec<ScorePost>> = BTreeMap::new();
        for post in posts.iter().filter(|post| post.1 == 200) {
            let score: Value = serde_json::from_str(&post.2).unwrap();
            by.entry(score["userId"].as_str().unwrap().to_owned())
                .or_default()
                .push(post.clone());
        }
        by
    };
    while by_learner(&scores.lock().unwrap()).len() < LEARNERS {
        assert!(
            tokio::time::Instant::now() < deadline,
            "grades were lost: {:?}",
            by_learner(&scores.lock().unwrap()).keys()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for any extra post to show.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (learner, posts) in by_learner(&scores.lock().unwrap()) {
        // A post the LMS took in the instant before the kill never got its answer to the hub, which sends it again
        // after the restart: the same score with the same timestamp, which an AGS platform keeps once. Any other
        // grade arrives exactly once.
        let on_the_wire = posts[0].3 <= killed_at && killed_at - posts[0].3 < LMS_DELAY * 2;
        if on_the_wire && posts.len() == 2 {
            assert_eq!(posts[0].2, posts[1].2, "a resent grade is the same score");
        } else {
            assert_eq!(
                posts.len(),
                1,
                "{learner}'s grade was sent {} times",
                posts.len()
            );
        }
    }

    // Every statement acknowledged before the kill is there.
    let mut stored = BTreeSet::new();
    let mut next = "/xapi/statements?limit=500".to_owned();
    loop {
        let page: Value = client
            .get(format!("{base}{next}"))
            .basic_auth(&key, Some(&secret))
            .header("x-experience-api-version", "2.0.0")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for statement in page["statements"].as_array().unwrap() {
            stored.insert(statement["id"].as_str().unwrap().to_owned());
        }
        match page["more"].as_str() {
            Some(more) if !more.is_empty() => next = more.to_owned(),
            _ => break,
        }
    }
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged statements were lost, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        lost.first()
    );
}

#[tokio::test]
async fn two_nodes_on_one_postgresql_share_logins_statements_and_send_each_grade_once() {
    use classcode_test_support::lti::{attribute, claims, launch_at, login_at, sign};
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Mutex};

    let database = TestDatabase::create().await.unwrap();
    if !database.url.starts_with("postgres") {
        // On SQLite one process owns the database (login states live in its memory): nothing to share.
        eprintln!("two nodes need PostgreSQL: set CLASSCODE_TEST_PG_URL");
        return;
    }
    let scores: Arc<Mutex<Vec<ScorePost>>> = Arc::new(Mutex::new(Vec::new()));
    let lms = fake_lms(
        Arc::new(AtomicBool::new(true)),
        scores.clone(),
        Duration::ZERO,
    )
    .await;
    add_test_platform(&database, &lms).await;
    let (key, secret) = lrs_credential(&database, "nodes").await;
    // What every node of a deployment shares: the database and the master key.
    let settings = [
        (
            "CLASSCODE__SECURITY__MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
        ("CLASSCODE__LTI__OUTBOX_POLL_MS", "50"),
    ];
    let first = serve_with(&database, &settings).await;
    let second = serve_with(&database, &settings).await;
    let (one, two) = (
        format!("http://{}", first.address),
        format!("http://{}", second.address),
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Each learner logs in through one node and lands on the other; their quiz goes to the first node again.
    for (subject, login_node, launch_node) in [("u-1", &one, &two), ("u-2", &two, &one)] {
        let login = login_at(&client, login_node).await;
        let mut learner = claims(&login.nonce);
        learner["sub"] = serde_json::json!(subject);
        learner["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = serde_json::json!({
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitem": format!("{lms}/lineitems/9/lineitem"),
        });
        let (status, page) = launch_at(
            &client,
            launch_node,
            &sign(&learner),
            &login.state,
            Some(&login.cookie),
        )
        .await;
        assert_eq!(
            status, 200,
            "a launch on the node that did not see the login: {page}"
        );
        let submitted = client
            .post(format!("{login_node}/player/quiz"))
            .form(&[
                ("session", attribute(&page, "data-session-token")),
                ("activity", "fr.classcode.information#quiz-final"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            submitted.status(),
            200,
            "a session made by one node works on the other"
        );
    }

    // Statements written through both nodes are read through either.
    let mut written = Vec::new();
    for (index, node) in [&one, &two, &one, &two].into_iter().enumerate() {
        let id = uuid::Uuid::new_v4().to_string();
        let stored = client
            .post(format!("{node}/xapi/statements"))
            .basic_auth(&key, Some(&secret))
            .header("x-experience-api-version", "2.0.0")
            .json(&serde_json::json!({
                "id": id,
                "actor": {"mbox": format!("mailto:learner{index}@example.org")},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": "https://hub.example.org/content/fr.classcode.reseaux"},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(stored.status(), 200);
        written.push(id);
    }
    for node in [&one, &two] {
        let page: Value = client
            .get(format!("{node}/xapi/statements?limit=100"))
            .basic_auth(&key, Some(&secret))
            .header("x-experience-api-version", "2.0.0")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let found: Vec<&str> = page["statements"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|statement| statement["id"].as_str())
            .collect();
        assert!(
            written.iter().all(|id| found.contains(&id.as_str())),
            "{node}: {found:?}"
        );
    }

    // Both nodes poll the outbox every 50 ms; each grade goes out once.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while scores.lock().unwrap().len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "grades were not sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let posts = scores.lock().unwrap().clone();
    let mut users: Vec<String> = posts
        .iter()
        .map(|post| {
            serde_json::from_str::<Value>(&post.2).unwrap()["userId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    users.sort();
    assert_eq!(users, ["u-1", "u-2"], "each grade once, by either node");
}
