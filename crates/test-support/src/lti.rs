//! A platform played by the tests: it serves its JWKS over HTTP, registers itself with the hub through the admin
//! API and signs launch id_tokens with the test key of `classcode-lti`, so tests reach the LTI tool and the player
//! without an LMS. (The round trip with a platform written by others is the `lti1p3platform` peer test.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly on what they did not expect"
)]

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::TestApp;

pub const PLATFORM_KEY: &[u8] = include_bytes!("../../lti/testdata/platform-key.pem");
pub const OTHER_KEY: &[u8] = include_bytes!("../../lti/testdata/other-key.pem");
pub const PLATFORM_PUBLIC: &[u8] = include_bytes!("../../lti/testdata/platform-public.pem");
pub const PLATFORM_JWKS: &str = include_str!("../../lti/testdata/platform-jwks.json");
pub const ISSUER: &str = "https://lms.example.org";
pub const CLIENT: &str = "client-42";
pub const DEPLOYMENT: &str = "dep-1";

/// Serves the platform's JWKS to every request, on a port of its own.
pub async fn serve_jwks() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
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
    format!("http://{address}/jwks")
}

pub async fn app_with_platform() -> TestApp {
    app_with_platform_at("https://lms.example.org/auth").await
}

/// The hub with the test platform registered, whose OIDC authorization endpoint is `auth_url`.
pub async fn app_with_platform_at(auth_url: &str) -> TestApp {
    app_with_platform_configured(auth_url, |_| {}).await
}

/// The hub, with its settings adjusted by `configure`, and the test platform registered.
pub async fn app_with_platform_configured(
    auth_url: &str,
    configure: impl FnOnce(&mut classcode_server::Settings),
) -> TestApp {
    let jwks_url = serve_jwks().await;
    let app = crate::spawn_app_with(configure).await;
    let response = app
        .admin_post(
            "/api/admin/lti/platforms",
            &json!({
                "issuer": ISSUER,
                "client_id": CLIENT,
                "auth_url": auth_url,
                "token_url": "https://lms.example.org/token",
                "jwks_url": jwks_url,
                "deployment_ids": [DEPLOYMENT],
            }),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    app
}

pub struct Login {
    pub state: String,
    pub nonce: String,
    pub cookie: String,
}

/// The platform's OIDC authorization endpoint, for a browser: it answers the hub's authentication request
/// (`/auth?state=…&nonce=…&redirect_uri=…`) with a page that posts a signed learner id_token for `content_id` and
/// the state back to the hub, as an LMS does. Returns its URL.
pub async fn serve_authorization(content_id: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let content_id = content_id.to_owned();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let content_id = content_id.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 16 * 1024];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let target = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let url = reqwest::Url::parse(&format!("http://platform{target}")).unwrap();
                let param = |name: &str| {
                    url.query_pairs()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.into_owned())
                        .unwrap_or_default()
                };
                let mut learner = claims(&param("nonce"));
                learner["https://purl.imsglobal.org/spec/lti/claim/custom"] =
                    json!({"content_id": content_id});
                let escape = |text: &str| text.replace('&', "&amp;").replace('"', "&quot;");
                let body = format!(
                    "<!doctype html><html lang=\"en\"><title>LMS</title><body><form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"id_token\" value=\"{token}\"><input type=\"hidden\" name=\"state\" value=\"{state}\"></form>\
<script>document.forms[0].submit()</script></body></html>",
                    action = escape(&param("redirect_uri")),
                    token = sign(&learner),
                    state = escape(&param("state")),
                );
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{address}/auth")
}

/// The URL an LMS opens to start a launch at the hub of `app` (third-party initiated login).
pub fn login_url(app: &TestApp) -> String {
    let base = &app.address;
    format!(
        "{base}/lti/login?iss={ISSUER}&login_hint=u-1&client_id={CLIENT}&lti_deployment_id={DEPLOYMENT}&target_link_uri={base}/lti/launch"
    )
}

/// Starts a login at the hub of `app` as the platform would (third-party initiated login).
pub async fn login(app: &TestApp) -> Login {
    login_at(&app.client, &app.address).await
}

/// Starts a login at the hub at `base` (`http://127.0.0.1:PORT`); `client` must not follow redirects.
pub async fn login_at(client: &reqwest::Client, base: &str) -> Login {
    let url = format!(
        "{base}/lti/login?iss={ISSUER}&login_hint=u-1&client_id={CLIENT}&lti_deployment_id={DEPLOYMENT}&target_link_uri={base}/lti/launch"
    );
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let location = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("redirect_uri"), format!("{base}/lti/launch"));
    assert_eq!(param("response_mode"), "form_post");
    assert_eq!(param("prompt"), "none");
    assert_eq!(param("client_id"), CLIENT);
    Login {
        state: param("state"),
        nonce: param("nonce"),
        cookie: cookie.split(';').next().unwrap().to_owned(),
    }
}

pub fn claims(nonce: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    json!({
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "u-1",
        "iat": now,
        "exp": now + 60,
        "nonce": nonce,
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT,
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"content_id": "fr.classcode.information"},
    })
}

pub fn sign_with(claims: &Value, key: &[u8], kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(key).unwrap()).unwrap()
}

pub fn sign(claims: &Value) -> String {
    sign_with(claims, PLATFORM_KEY, "platform-key-1")
}

/// Posts a launch to the hub of `app`, with the login's cookie when given.
pub async fn launch(
    app: &TestApp,
    id_token: &str,
    state: &str,
    cookie: Option<&str>,
) -> (u16, String) {
    launch_at(&app.client, &app.address, id_token, state, cookie).await
}

/// Posts a launch to the hub at `base`.
pub async fn launch_at(
    client: &reqwest::Client,
    base: &str,
    id_token: &str,
    state: &str,
    cookie: Option<&str>,
) -> (u16, String) {
    let mut request = client
        .post(format!("{base}/lti/launch"))
        .form(&[("id_token", id_token), ("state", state)]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub fn error_code(body: &str) -> &str {
    body.split("data-error-code=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("(none)")
}

pub fn attribute<'a>(body: &'a str, name: &str) -> &'a str {
    body.split(&format!("{name}=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

/// A learner's launch page, from login to launch.
pub async fn launch_learner(app: &TestApp) -> String {
    let login = login(app).await;
    let (status, page) = launch(
        app,
        &sign(&claims(&login.nonce)),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page
}

/// A learner's launch page for one content of the catalog (the `content_id` custom parameter), with grade
/// services when `line_item` is given.
pub async fn launch_learner_into(
    app: &TestApp,
    content_id: &str,
    line_item: Option<&str>,
) -> String {
    let login = login(app).await;
    let mut learner = claims(&login.nonce);
    learner["https://purl.imsglobal.org/spec/lti/claim/custom"] = json!({"content_id": content_id});
    if let Some(line_item) = line_item {
        learner["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = json!({
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitem": line_item,
        });
    }
    let (status, page) = launch(app, &sign(&learner), &login.state, Some(&login.cookie)).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// The cmi5 sample course of the repository (`content/samples/cmi5/compter-en-binaire`).
pub const CMI5_SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../content/samples/cmi5/compter-en-binaire"
);

/// A folder as a zip archive, with `cmi5.xml` edited by `replace` (to make broken packages).
pub fn zip_folder(root: &std::path::Path, replace: Option<(&str, &str)>) -> Vec<u8> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable folder") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(root)
                .expect("inside the root")
                .to_string_lossy()
                .replace('\\', "/");
            let mut bytes = std::fs::read(&path).expect("readable file");
            if let Some((from, to)) = replace
                && name == "cmi5.xml"
            {
                bytes = String::from_utf8(bytes)
                    .expect("UTF-8 cmi5.xml")
                    .replace(from, to)
                    .into_bytes();
            }
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("zip entry");
            zip.write_all(&bytes).expect("zip write");
        }
    }
    zip.finish().expect("zip finished").into_inner()
}

/// Uploads a zipped package through the admin API: the status and the JSON answer.
pub async fn upload_package(app: &TestApp, zip: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/admin/content"))
        .bearer_auth(crate::ADMIN_TOKEN)
        .header("content-type", "application/zip")
        .body(zip)
        .send()
        .await
        .expect("upload sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

/// The name of the tenant the test platform's registration created (each platform gets its own).
pub async fn platform_tenant(app: &TestApp) -> String {
    let tenants: Value = app
        .admin_get("/api/admin/tenants")
        .await
        .json()
        .await
        .expect("tenants JSON");
    tenants
        .as_array()
        .expect("a list of tenants")
        .iter()
        .filter_map(|tenant| tenant["name"].as_str())
        .find(|name| *name != "default")
        .expect("the platform's tenant")
        .to_owned()
}

/// The required activities of the demo module `information`: (id, kind).
pub fn demo_required_activities() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../content/demo/information/manifest.toml"
    ))
    .unwrap();
    let manifest: toml::Value = toml::from_str(&text).unwrap();
    manifest["activities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|activity| activity["required"].as_bool() == Some(true))
        .map(|activity| {
            (
                activity["id"].as_str().unwrap().to_owned(),
                activity["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every right answer of the demo module's final quiz, as player form fields.
pub fn demo_final_quiz_answers() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../content/demo/information/quizzes/final.toml"
    ))
    .unwrap();
    let quiz: toml::Value = toml::from_str(&text).unwrap();
    let mut answers = Vec::new();
    for question in quiz["questions"].as_array().unwrap() {
        let name = format!("q:{}", question["id"].as_str().unwrap());
        match question["kind"].as_str().unwrap() {
            "numeric" => answers.push((name, question["answer"].as_float().unwrap().to_string())),
            "text" => answers.push((name, question["accepted"][0].as_str().unwrap().to_owned())),
            _ => {
                for choice in question["choices"].as_array().unwrap() {
                    if choice["correct"].as_bool().unwrap() {
                        answers.push((name.clone(), choice["id"].as_str().unwrap().to_owned()));
                    }
                }
            }
        }
    }
    answers
}

/// Marks every required activity of the demo module done in the player, quizzes aside.
pub async fn complete_required_activities(app: &TestApp, session: &str) {
    for (activity, _) in demo_required_activities()
        .iter()
        .filter(|(_, kind)| kind != "quiz")
    {
        let response = app
            .client
            .post(app.url("/player/complete"))
            .form(&[
                ("session", session),
                ("activity", &format!("{DEMO_MODULE}#{activity}")),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{activity}");
    }
}

/// Answers the demo module's final quiz right in the player.
pub async fn pass_final_quiz(app: &TestApp, session: &str) {
    let mut answers = demo_final_quiz_answers();
    answers.push(("session".to_owned(), session.to_owned()));
    answers.push(("activity".to_owned(), format!("{DEMO_MODULE}#quiz-final")));
    let response = app
        .client
        .post(app.url("/player/quiz"))
        .form(&answers)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// The demo module the helpers above play.
const DEMO_MODULE: &str = "fr.classcode.information";

/// A learner launched into the demo module who completes every required activity and passes its final quiz in
/// the player, which certifies them; returns the launch page (its session token is `data-session-token`).
pub async fn certify_learner(app: &TestApp) -> String {
    let page = launch_learner(app).await;
    let session = attribute(&page, "data-session-token").to_owned();
    complete_required_activities(app, &session).await;
    pass_final_quiz(app, &session).await;
    page
}

/// A launch of the demo module by `subject` with these roles, in course `course` when given, with extra custom
/// parameters; returns the launch page.
pub async fn launch_as(
    app: &TestApp,
    subject: &str,
    roles: Value,
    course: Option<&str>,
    custom: Value,
) -> String {
    let login = login(app).await;
    let mut person = claims(&login.nonce);
    person["sub"] = json!(subject);
    person["name"] = json!(format!("Élève {subject}"));
    person["https://purl.imsglobal.org/spec/lti/claim/roles"] = roles;
    if let Some(course) = course {
        person["https://purl.imsglobal.org/spec/lti/claim/context"] =
            json!({"id": course, "title": format!("Classe {course}")});
    }
    let mut parameters = json!({"content_id": DEMO_MODULE});
    for (key, value) in custom.as_object().into_iter().flatten() {
        parameters[key] = value.clone();
    }
    person["https://purl.imsglobal.org/spec/lti/claim/custom"] = parameters;
    let (status, page) = launch(app, &sign(&person), &login.state, Some(&login.cookie)).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// The LTI role of a learner, and of an instructor.
pub const LEARNER_ROLE: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
pub const INSTRUCTOR_ROLE: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";
