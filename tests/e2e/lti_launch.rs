//! LTI 1.3 login and launch against the real hub, with a platform played by the test: it serves its JWKS over
//! HTTP and signs id_tokens with the test key of `classcode-lti`. The happy path (and the rest of LTI Advantage)
//! also runs against `lti1p3platform` in the peer tests; here are the refusals the 1EdTech certification checks.

use classcode_test_support::{TestApp, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PLATFORM_KEY: &[u8] = include_bytes!("../../crates/lti/testdata/platform-key.pem");
const OTHER_KEY: &[u8] = include_bytes!("../../crates/lti/testdata/other-key.pem");
const PLATFORM_PUBLIC: &[u8] = include_bytes!("../../crates/lti/testdata/platform-public.pem");
const PLATFORM_JWKS: &str = include_str!("../../crates/lti/testdata/platform-jwks.json");
const ISSUER: &str = "https://lms.example.org";
const CLIENT: &str = "client-42";
const DEPLOYMENT: &str = "dep-1";

/// Serves the platform's JWKS to every request, on a port of its own.
async fn serve_jwks() -> String {
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

pub(crate) async fn app_with_platform() -> TestApp {
    let jwks_url = serve_jwks().await;
    let app = spawn_app().await;
    let response = app
        .admin_post(
            "/api/admin/lti/platforms",
            &json!({
                "issuer": ISSUER,
                "client_id": CLIENT,
                "auth_url": "https://lms.example.org/auth",
                "token_url": "https://lms.example.org/token",
                "jwks_url": jwks_url,
                "deployment_ids": [DEPLOYMENT],
            }),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    app
}

pub(crate) struct Login {
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) cookie: String,
}

pub(crate) async fn login(app: &TestApp) -> Login {
    let url = format!(
        "/lti/login?iss={ISSUER}&login_hint=u-1&client_id={CLIENT}&lti_deployment_id={DEPLOYMENT}&target_link_uri={}/lti/launch",
        app.address
    );
    let response = app.get(&url).await;
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
    assert_eq!(param("redirect_uri"), format!("{}/lti/launch", app.address));
    assert_eq!(param("response_mode"), "form_post");
    assert_eq!(param("prompt"), "none");
    assert_eq!(param("client_id"), CLIENT);
    Login {
        state: param("state"),
        nonce: param("nonce"),
        cookie: cookie.split(';').next().unwrap().to_owned(),
    }
}

pub(crate) fn claims(nonce: &str) -> Value {
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

fn sign_with(claims: &Value, key: &[u8], kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_pem(key).unwrap()).unwrap()
}

pub(crate) fn sign(claims: &Value) -> String {
    sign_with(claims, PLATFORM_KEY, "platform-key-1")
}

pub(crate) async fn launch(
    app: &TestApp,
    id_token: &str,
    state: &str,
    cookie: Option<&str>,
) -> (u16, String) {
    let mut request = app
        .client
        .post(app.url("/lti/launch"))
        .form(&[("id_token", id_token), ("state", state)]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn error_code(body: &str) -> &str {
    body.split("data-error-code=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("(none)")
}

pub(crate) fn attribute<'a>(body: &'a str, name: &str) -> &'a str {
    body.split(&format!("{name}=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no {name} in {body}"))
}

#[tokio::test]
async fn a_signed_launch_opens_the_player_once_and_its_replay_is_refused() {
    let app = app_with_platform().await;
    let login = login(&app).await;
    let token = sign(&claims(&login.nonce));

    let (status, body) = launch(&app, &token, &login.state, Some(&login.cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert!(!attribute(&body, "data-launch-id").is_empty());
    assert_eq!(
        attribute(&body, "data-content-id"),
        "fr.classcode.information"
    );
    assert!(body.contains("lang=\"fr\""));

    let (status, body) = launch(&app, &token, &login.state, Some(&login.cookie)).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "LTI_STATE_REPLAYED");
}

#[tokio::test]
async fn forged_expired_or_misaddressed_id_tokens_are_refused_with_a_code() {
    let app = app_with_platform().await;
    let hs256_with_public_key = |claims: &Value| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("platform-key-1".to_owned());
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(PLATFORM_PUBLIC).unwrap(),
        )
        .unwrap()
    };
    let alg_none = |claims: &Value| {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            engine.encode(br#"{"alg":"none","kid":"platform-key-1"}"#),
            engine.encode(serde_json::to_vec(claims).unwrap())
        )
    };
    type Mutation = Box<dyn Fn(Value) -> String>;
    let set = |name: &'static str, value: Value| -> Mutation {
        Box::new(move |mut claims: Value| {
            claims[name] = value.clone();
            sign(&claims)
        })
    };
    let cases: Vec<(&str, Mutation, u16, &str)> = vec![
        (
            "bad signature",
            Box::new(|claims| sign_with(&claims, OTHER_KEY, "platform-key-1")),
            401,
            "LTI_TOKEN_SIGNATURE",
        ),
        (
            "alg none",
            Box::new(move |claims| alg_none(&claims)),
            401,
            "LTI_TOKEN_ALGORITHM",
        ),
        (
            "HS256 with the public key",
            Box::new(move |claims| hs256_with_public_key(&claims)),
            401,
            "LTI_TOKEN_ALGORITHM",
        ),
        (
            "unknown kid",
            Box::new(|claims| sign_with(&claims, PLATFORM_KEY, "nobody")),
            401,
            "LTI_TOKEN_UNKNOWN_KID",
        ),
        (
            "expired",
            set("exp", json!(1_000_000_000)),
            401,
            "LTI_TOKEN_EXPIRED",
        ),
        (
            "iat in the future",
            set("iat", json!(4_000_000_000_i64)),
            401,
            "LTI_TOKEN_IAT",
        ),
        (
            "wrong aud",
            set("aud", json!("someone-else")),
            401,
            "LTI_TOKEN_AUDIENCE",
        ),
        (
            "azp mismatch",
            set("azp", json!("someone-else")),
            401,
            "LTI_TOKEN_AZP",
        ),
        (
            "wrong iss",
            set("iss", json!("https://evil.example.net")),
            401,
            "LTI_TOKEN_ISSUER",
        ),
        (
            "wrong version",
            set(
                "https://purl.imsglobal.org/spec/lti/claim/version",
                json!("1.1.0"),
            ),
            401,
            "LTI_VERSION",
        ),
        (
            "wrong message type",
            set(
                "https://purl.imsglobal.org/spec/lti/claim/message_type",
                json!("LtiSubmissionReviewRequest"),
            ),
            401,
            "LTI_MESSAGE_TYPE",
        ),
        (
            "unknown deployment",
            set(
                "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
                json!("dep-999"),
            ),
            403,
            "LTI_UNKNOWN_DEPLOYMENT",
        ),
        (
            "nonce of another login",
            set("nonce", json!("not-the-login-nonce")),
            401,
            "LTI_NONCE",
        ),
    ];
    for (name, mutate, status, code) in cases {
        let login = login(&app).await;
        let token = mutate(claims(&login.nonce));
        let (got_status, body) = launch(&app, &token, &login.state, Some(&login.cookie)).await;
        assert_eq!((got_status, error_code(&body)), (status, code), "{name}");
        assert!(
            body.contains("<h1>"),
            "{name}: an HTML page for the LMS admin"
        );
    }
}

#[tokio::test]
async fn a_launch_from_another_browser_is_refused_and_one_without_cookie_is_offered_a_new_window() {
    let app = app_with_platform().await;
    let login_one = login(&app).await;
    let token = sign(&claims(&login_one.nonce));
    let wrong_cookie = format!("cc_lti_{}=not-the-secret", login_one.state);
    let (status, body) = launch(&app, &token, &login_one.state, Some(&wrong_cookie)).await;
    assert_eq!((status, error_code(&body)), (400, "LTI_STATE_MISMATCH"));

    let (status, body) = launch(&app, &token, &login_one.state, None).await;
    assert_eq!(status, 200);
    assert!(body.contains("launch-new-window"), "{body}");
    assert!(
        body.contains("login_hint=u-1"),
        "the new window starts the login again: {body}"
    );

    // The refused attempts did not use the state up: the right browser still finishes the launch.
    let (status, body) = launch(&app, &token, &login_one.state, Some(&login_one.cookie)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn logins_from_unknown_platforms_or_to_foreign_targets_are_refused() {
    let app = app_with_platform().await;
    let response = app
        .get(&format!(
            "/lti/login?iss=https://unknown.example.org&login_hint=x&target_link_uri={}/lti/launch",
            app.address
        ))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_code(&response.text().await.unwrap()),
        "LTI_UNKNOWN_ISSUER"
    );

    let response = app
        .get(&format!(
            "/lti/login?iss={ISSUER}&login_hint=x&target_link_uri=https://evil.example.net/"
        ))
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_code(&response.text().await.unwrap()),
        "LTI_TARGET_LINK_URI"
    );
}

#[tokio::test]
async fn the_launch_token_writes_for_its_learner_only_and_the_jwks_publishes_the_signing_key() {
    let app = app_with_platform().await;
    let login = login(&app).await;
    let (_, body) = launch(
        &app,
        &sign(&claims(&login.nonce)),
        &login.state,
        Some(&login.cookie),
    )
    .await;
    let auth = attribute(&body, "data-xapi-auth").to_owned();
    let actor: Value =
        serde_json::from_str(&attribute(&body, "data-xapi-actor").replace("&quot;", "\"")).unwrap();
    let registration = attribute(&body, "data-xapi-registration").to_owned();
    let statement = |actor: &Value| {
        json!({
            "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "https://hub.example.org/content/x"},
            "context": {"registration": registration},
        })
    };
    let post = |body: Value| {
        app.client
            .post(app.url("/xapi/statements"))
            .header("authorization", &auth)
            .header("x-experience-api-version", "1.0.3")
            .json(&body)
            .send()
    };
    assert_eq!(post(statement(&actor)).await.unwrap().status(), 200);
    let other = json!({"objectType": "Agent", "account": {"homePage": ISSUER, "name": "u-2"}});
    assert_eq!(post(statement(&other)).await.unwrap().status(), 403);

    let jwks: Value = app.get("/lti/jwks").await.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );
    assert!(key.get("d").is_none(), "no private part is published");
}
