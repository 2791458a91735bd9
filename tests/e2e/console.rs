//! The admin console's sign-in with local administrators, its session cookie and CSRF token, and the admin API
//! endpoints it added (status, local administrators, tool keys). Single sign-on through a real OpenID Connect
//! provider is in the peers tests (`tests/peers`, npm `oidc-provider` and Chromium).

use classcode_test_support::{TestApp, spawn_app};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// The `Set-Cookie` header naming `name`, whole.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(header: &str) -> String {
    header
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default()
}

/// The value of the hidden field or data attribute `name="…"` / `data-…="…"` in a page.
fn attribute(page: &str, marker: &str) -> String {
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn create_admin(app: &TestApp, username: &str) {
    let response = app
        .admin_post(
            "/api/admin/admins",
            &json!({"username": username, "display_name": "Ada Lovelace", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// Signs in through the login form as a browser does; returns the session cookie's value and the CSRF token.
async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> Result<(String, String), reqwest::Response> {
    let form = app.get("/admin/login").await;
    assert_eq!(form.status(), StatusCode::OK);
    let login_cookie =
        cookie_value(&set_cookie(&form, "classcode_admin_login").expect("a sign-in cookie"));
    let page = form.text().await.unwrap();
    let login_token = attribute(&page, "name=\"login_token\" value=\"");
    assert_eq!(
        login_token, login_cookie,
        "the form carries the cookie's secret"
    );
    let response = app
        .client
        .post(app.url("/admin/login"))
        .header(COOKIE, format!("classcode_admin_login={login_cookie}"))
        .form(&[
            ("username", username),
            ("password", password),
            ("login_token", &login_token),
        ])
        .send()
        .await
        .unwrap();
    if response.status() != StatusCode::SEE_OTHER {
        return Err(response);
    }
    let session = set_cookie(&response, "classcode_admin").expect("a session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    let session = cookie_value(&session);
    let shell = app
        .client
        .get(app.url("/admin"))
        .header(COOKIE, format!("classcode_admin={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(shell.status(), StatusCode::OK);
    let page = shell.text().await.unwrap();
    assert!(page.contains("data-user=\"Ada Lovelace\""), "{page}");
    let csrf = attribute(&page, "data-csrf=\"");
    assert!(csrf.len() >= 40, "a long random CSRF token: {csrf}");
    Ok((session, csrf))
}

async fn with_session(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    session: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .header(COOKIE, format!("classcode_admin={session}"))
}

#[tokio::test]
async fn strangers_are_sent_to_sign_in_and_get_no_api() {
    let app = spawn_app().await;

    let console = app.get("/admin").await;
    let status = app
        .client
        .get(app.url("/api/admin/status"))
        .send()
        .await
        .unwrap();
    let forged = app
        .client
        .get(app.url("/api/admin/status"))
        .header(COOKIE, "classcode_admin=forged-session-token")
        .send()
        .await
        .unwrap();
    let login = app.get("/admin/login").await;

    assert_eq!(console.status(), StatusCode::SEE_OTHER);
    assert!(
        console.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/admin/login")
    );
    assert_eq!(status.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let body: Value = forged.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("sign in again"),
        "{body}"
    );
    assert_eq!(login.status(), StatusCode::OK);
    let page = login.text().await.unwrap();
    assert!(page.contains("<html lang=\"fr\""), "French by default");
    assert!(
        !page.contains("id=\"oidc-login\""),
        "no single sign-on button when none is configured"
    );
}

#[tokio::test]
async fn a_local_administrator_signs_in_changes_with_the_csrf_token_and_signs_out() {
    let app = spawn_app().await;
    create_admin(&app, "ada").await;

    let (session, csrf) = sign_in(&app, "ada", PASSWORD).await.expect("signed in");
    let status = with_session(&app, reqwest::Method::GET, "/api/admin/status", &session)
        .await
        .send()
        .await
        .unwrap();
    let without_csrf = with_session(&app, reqwest::Method::POST, "/api/admin/tenants", &session)
        .await
        .json(&json!({"name": "ac-lyon", "display_name": "Lyon"}))
        .send()
        .await
        .unwrap();
    let wrong_csrf = with_session(&app, reqwest::Method::POST, "/api/admin/tenants", &session)
        .await
        .header("X-CSRF-Token", "not-the-token")
        .json(&json!({"name": "ac-lyon", "display_name": "Lyon"}))
        .send()
        .await
        .unwrap();
    let with_csrf = with_session(&app, reqwest::Method::POST, "/api/admin/tenants", &session)
        .await
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"name": "ac-lyon", "display_name": "Lyon"}))
        .send()
        .await
        .unwrap();

    assert_eq!(status.status(), StatusCode::OK);
    let status: Value = status.json().await.unwrap();
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["database"]["ready"], true);
    assert!(
        status["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "http_requests")
    );
    assert_eq!(without_csrf.status(), StatusCode::FORBIDDEN);
    assert_eq!(wrong_csrf.status(), StatusCode::FORBIDDEN);
    assert_eq!(with_csrf.status(), StatusCode::CREATED);
    let tenants: Value = app
        .admin_get("/api/admin/tenants")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tenants.as_array().unwrap().len(),
        1,
        "only the change with the token was made"
    );
    let audit: Value = app
        .admin_get("/api/admin/audit")
        .await
        .json()
        .await
        .unwrap();
    let entries = audit.as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["actor"] == "local:ada" && e["action"] == "POST /api/admin/tenants"),
        "the audit log names who changed what: {audit}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["actor"] == "local:ada" && e["action"] == "sign-in local")
    );

    let logout = with_session(&app, reqwest::Method::POST, "/admin/logout", &session)
        .await
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    let after = with_session(&app, reqwest::Method::GET, "/api/admin/status", &session)
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the session ended on the server"
    );
}

#[tokio::test]
async fn a_wrong_password_an_unknown_name_and_a_foreign_form_open_no_session() {
    let app = spawn_app().await;
    create_admin(&app, "ada").await;

    let wrong = sign_in(&app, "ada", "wrong password here")
        .await
        .expect_err("refused");
    let unknown = sign_in(&app, "nobody", PASSWORD)
        .await
        .expect_err("refused");
    let foreign = app
        .client
        .post(app.url("/admin/login"))
        .form(&[
            ("username", "ada"),
            ("password", PASSWORD),
            ("login_token", "made-up"),
        ])
        .send()
        .await
        .unwrap();

    for response in [&wrong, &unknown] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(response, "classcode_admin").is_none());
    }
    assert_eq!(
        foreign.status(),
        StatusCode::FORBIDDEN,
        "login CSRF: the form must come from this browser"
    );
    assert!(set_cookie(&foreign, "classcode_admin").is_none());
    let page = wrong.text().await.unwrap();
    assert!(
        page.contains("Identifiant ou mot de passe incorrect"),
        "{page}"
    );
}

#[tokio::test]
async fn disabling_an_administrator_ends_their_sessions() {
    let app = spawn_app().await;
    create_admin(&app, "ada").await;
    let (session, _) = sign_in(&app, "ada", PASSWORD).await.expect("signed in");

    let disabled = app
        .admin_post("/api/admin/admins/ada/disabled", &json!({"disabled": true}))
        .await;
    let after = with_session(&app, reqwest::Method::GET, "/api/admin/status", &session)
        .await
        .send()
        .await
        .unwrap();
    let again = sign_in(&app, "ada", PASSWORD)
        .await
        .expect_err("a disabled account is refused");

    assert_eq!(disabled.status(), StatusCode::NO_CONTENT);
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn local_administrators_need_long_passwords_unique_names_and_never_show_hashes() {
    let app = spawn_app().await;
    create_admin(&app, "ada").await;

    let short = app
        .admin_post(
            "/api/admin/admins",
            &json!({"username": "bob", "password": "short"}),
        )
        .await;
    let taken = app
        .admin_post(
            "/api/admin/admins",
            &json!({"username": "ada", "password": PASSWORD}),
        )
        .await;
    let listed = app
        .admin_get("/api/admin/admins")
        .await
        .text()
        .await
        .unwrap();

    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let body: Value = short.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("12 characters"),
        "{body}"
    );
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(listed.contains("\"username\":\"ada\""), "{listed}");
    assert!(!listed.contains("argon2"), "no hash in {listed}");
    assert!(
        !listed.contains("password"),
        "no password field in {listed}"
    );
}

#[tokio::test]
async fn tool_keys_are_listed_and_rotated_through_the_api() {
    let app = spawn_app().await;

    let before: Value = app
        .admin_get("/api/admin/lti/keys")
        .await
        .json()
        .await
        .unwrap();
    let rotated = app
        .admin_post("/api/admin/lti/keys/rotate", &json!({}))
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let after: Value = app
        .admin_get("/api/admin/lti/keys")
        .await
        .json()
        .await
        .unwrap();

    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    assert!(!kids(&before).contains(&new_kid));
    assert!(kids(&after).contains(&new_kid));
    assert!(
        kids(&before).iter().all(|kid| kids(&after).contains(kid)),
        "the old key stays published"
    );
}

#[tokio::test]
async fn the_console_page_and_its_assets_are_served_under_a_strict_policy() {
    let app = spawn_app().await;
    create_admin(&app, "ada").await;
    let (session, _) = sign_in(&app, "ada", PASSWORD).await.expect("signed in");

    let shell = with_session(&app, reqwest::Method::GET, "/admin?lang=en", &session)
        .await
        .send()
        .await
        .unwrap();
    let script = app.get("/admin/assets/console.js").await;
    let style = app.get("/admin/assets/console.css").await;

    let policy = shell.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let page = shell.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\""), "{page}");
    let nonce = attribute(&page, "<script nonce=\"");
    assert!(policy.contains(&format!("'nonce-{nonce}'")), "{policy}");
    assert_eq!(script.status(), StatusCode::OK);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(style.status(), StatusCode::OK);
}

/// A hub whose single sign-on names a provider that does not answer (a closed port).
async fn app_with_unreachable_provider() -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    classcode_test_support::spawn_app_with(|settings| {
        settings.admin.oidc.issuer_url = format!("http://127.0.0.1:{port}");
        settings.admin.oidc.client_id = "hub".to_owned();
        settings.admin.oidc.client_secret = classcode_server::settings::Secret::new("hub-secret");
        settings.admin.oidc.label = "l'ENT".to_owned();
    })
    .await
}

#[tokio::test]
async fn a_callback_with_an_unknown_state_or_a_provider_error_opens_no_session() {
    let app = app_with_unreachable_provider().await;

    let login = app.get("/admin/login").await.text().await.unwrap();
    let unknown_state = app
        .client
        .get(app.url("/admin/oidc/callback?code=stolen-code&state=made-up-state"))
        .header(COOKIE, "classcode_admin_login=some-browser")
        .send()
        .await
        .unwrap();
    let denied = app
        .get("/admin/oidc/callback?error=access_denied&state=x")
        .await;
    let incomplete = app.get("/admin/oidc/callback?state=x").await;
    let unreachable = app.get("/admin/login/oidc").await;

    assert!(login.contains("id=\"oidc-login\""), "{login}");
    assert!(
        login.contains("Se connecter avec l&#39;ENT") || login.contains("Se connecter avec l'ENT"),
        "{login}"
    );
    assert_eq!(unknown_state.status(), StatusCode::BAD_REQUEST);
    assert!(set_cookie(&unknown_state, "classcode_admin").is_none());
    let page = unknown_state.text().await.unwrap();
    assert!(page.contains("another browser"), "{page}");
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert!(denied.text().await.unwrap().contains("access_denied"));
    assert_eq!(incomplete.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        unreachable.status(),
        StatusCode::BAD_GATEWAY,
        "the provider does not answer"
    );
}

#[tokio::test]
async fn the_content_list_gives_each_version_its_title_and_certification_rule() {
    let app = spawn_app().await;

    let listed: Value = app
        .admin_get("/api/admin/content")
        .await
        .json()
        .await
        .unwrap();

    let modules: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|package| package["kind"] == "module")
        .collect();
    assert!(!modules.is_empty(), "the demo catalog: {listed}");
    assert!(
        modules
            .iter()
            .all(|module| module["title"]["fr"].is_string()),
        "{listed}"
    );
    assert!(
        modules
            .iter()
            .any(|module| module["certification"]["min_scaled_score"].is_number()),
        "{listed}"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_a_local_account_until_an_operator_enables_it() {
    let app = spawn_app().await;
    create_admin(&app, "ada").await;

    for _ in 0..5 {
        let refused = sign_in(&app, "ada", "not her password")
            .await
            .expect_err("refused");
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = sign_in(&app, "ada", PASSWORD).await.expect_err("locked");
    let listed: Value = app
        .admin_get("/api/admin/admins")
        .await
        .json()
        .await
        .unwrap();
    let enabled = app
        .admin_post(
            "/api/admin/admins/ada/disabled",
            &json!({"disabled": false}),
        )
        .await;
    let after = sign_in(&app, "ada", PASSWORD).await;

    assert_eq!(
        locked.status(),
        StatusCode::UNAUTHORIZED,
        "the right password does not open a locked account"
    );
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Identifiant ou mot de passe incorrect"),
        "the same answer as a wrong password"
    );
    assert!(listed[0]["locked_until"].is_string(), "{listed}");
    assert_eq!(enabled.status(), StatusCode::NO_CONTENT);
    assert!(after.is_ok(), "enabling lifts the lock");
}
