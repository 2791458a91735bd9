//! The admin console: its sign-in pages (local administrators and OpenID Connect single sign-on), sign-out, the
//! page shell and its script and style. The console's data comes from the admin API (`routes::admin`), which takes
//! the session cookie (with the CSRF token in `X-CSRF-Token` on every change) as well as the bearer token.
//!
//! Cookies: the session cookie holds a random token whose SHA-256 alone is stored; it is `HttpOnly`, `SameSite=Lax`
//! (the provider's redirect back is a cross-site navigation that must carry it on to `/admin`), `Secure` when the
//! hub is reached over HTTPS. The sign-in cookie holds the browser secret a sign-in is bound to.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::admin::SignInError;
use subtle::ConstantTimeEq;

use super::lti::pages::{esc, t};
use crate::middleware::PagePolicy;
use crate::routes::html;

/// The console session's cookie.
pub const SESSION_COOKIE: &str = "classcode_admin";
/// The cookie binding a sign-in under way to its browser.
const LOGIN_COOKIE: &str = "classcode_admin_login";

const SCRIPT: &str = include_str!("console.js");
const STYLE: &str = include_str!("console.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(shell))
        .route("/admin/", web::get().to(shell))
        .route("/admin/login", web::get().to(login_page))
        .route("/admin/login", web::post().to(login_local))
        .route("/admin/login/oidc", web::get().to(start_oidc))
        .route("/admin/oidc/callback", web::get().to(oidc_callback))
        .route("/admin/logout", web::post().to(logout))
        .route("/admin/assets/console.js", web::get().to(script))
        .route("/admin/assets/console.css", web::get().to(style));
}

/// The page's language: `?lang=` when given, else English when the browser prefers it, else French.
fn lang_of(req: &HttpRequest) -> &'static str {
    let asked = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == "lang")
        .map(|(_, value)| value.into_owned());
    match asked.as_deref() {
        Some("en") => return "en",
        Some("fr") => return "fr",
        _ => {}
    }
    let preferred = req
        .headers()
        .get("accept-language")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if preferred.starts_with("en") {
        "en"
    } else {
        "fr"
    }
}

fn is_https(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<PagePolicy>>()
        .is_some_and(|policy| policy.https)
}

fn cookie<'c>(
    req: &HttpRequest,
    name: &'c str,
    value: String,
    path: &'c str,
    max_age: i64,
) -> Cookie<'c> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(is_https(req))
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .finish()
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish()
}

/// A page of the sign-in flow (no script), in the console's frame.
fn sign_in_page(lang: &str, status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — Class'Code Hub</title>\
<link rel=\"stylesheet\" href=\"/admin/assets/console.css\"></head><body class=\"sign-in\">\
<header class=\"console-header\"><p class=\"brand\">Class'Code Hub</p><nav aria-label=\"{langs}\"><a href=\"/admin/login?lang=fr\" lang=\"fr\">Français</a> · \
<a href=\"/admin/login?lang=en\" lang=\"en\">English</a></nav></header>\
<main id=\"sign-in\"><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title),
        langs = t(lang, "Langue", "Language"),
    );
    html(status, page)
}

async fn session_of(hub: &Hub, req: &HttpRequest) -> Option<classcode_storage::AdminSession> {
    let token = req.cookie(SESSION_COOKIE)?;
    match hub.admin_session(token.value()).await {
        Ok(session) => session,
        Err(err) => {
            tracing::error!(error = %err, "reading a console session failed");
            None
        }
    }
}

async fn shell(hub: web::Data<Hub>, req: HttpRequest) -> HttpResponse {
    let lang = lang_of(&req);
    let Some(session) = session_of(&hub, &req).await else {
        return see_other(&format!("/admin/login?lang={lang}"));
    };
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<link rel=\"stylesheet\" href=\"/admin/assets/console.css\"></head><body>\
<div id=\"console-app\" data-csrf=\"{csrf}\" data-user=\"{user}\" data-source=\"{source}\" data-version=\"{version}\"></div>\
<noscript><p>{noscript}</p></noscript><script src=\"/admin/assets/console.js\"></script></body></html>",
        title = t(
            lang,
            "Console d'administration — Class'Code Hub",
            "Administration console — Class'Code Hub"
        ),
        csrf = esc(&session.csrf_token),
        user = esc(&session.display_name),
        source = esc(&session.source),
        version = env!("CARGO_PKG_VERSION"),
        noscript = t(
            lang,
            "La console a besoin de JavaScript. La ligne de commande « classcode » fait tout ce qu'elle fait.",
            "The console needs JavaScript. The « classcode » command line does everything it does."
        ),
    );
    html(StatusCode::OK, page)
}

/// What went wrong, for the sign-in page: a sentence in the page's language, and the technical detail (in English)
/// folded away.
struct Problem<'a> {
    message: &'a str,
    detail: Option<String>,
}

fn login_body(
    hub: &Hub,
    lang: &str,
    browser_secret: &str,
    username: &str,
    problem: Option<&Problem<'_>>,
) -> String {
    let mut body = String::new();
    if let Some(problem) = problem {
        body.push_str(&format!(
            "<p role=\"alert\" class=\"error\">{}</p>",
            esc(problem.message)
        ));
        if let Some(detail) = &problem.detail {
            body.push_str(&format!(
                "<details><summary>{}</summary><p lang=\"en\">{}</p></details>",
                t(lang, "Détails techniques", "Technical details"),
                esc(detail)
            ));
        }
    }
    if let Some(label) = hub.oidc_label() {
        body.push_str(&format!(
            "<p><a id=\"oidc-login\" class=\"button\" href=\"/admin/login/oidc?lang={lang}\">{with} {label}</a></p>",
            with = t(lang, "Se connecter avec", "Sign in with"),
            label = esc(label),
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/admin/login?lang={lang}\" class=\"local-login\"><h2>{heading}</h2>\
<input type=\"hidden\" name=\"login_token\" value=\"{token}\">\
<p><label for=\"username\">{user_label}</label> <input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{username}\"></p>\
<p><label for=\"password\">{password_label}</label> <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\
<p><button type=\"submit\" id=\"local-login\">{submit}</button></p>\
<p class=\"hint\">{hint}</p></form>",
        heading = t(lang, "Compte local", "Local account"),
        token = esc(browser_secret),
        user_label = t(lang, "Identifiant", "Username"),
        username = esc(username),
        password_label = t(lang, "Mot de passe", "Password"),
        submit = t(lang, "Se connecter", "Sign in"),
        hint = t(
            lang,
            "Un compte local se crée sur le serveur avec « classcode admin create ».",
            "A local account is made on the server with « classcode admin create »."
        ),
    ));
    body
}

fn login_response(
    hub: &Hub,
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    message: Option<&str>,
) -> HttpResponse {
    let problem = message.map(|message| Problem {
        message,
        detail: None,
    });
    login_response_with(hub, req, status, username, problem.as_ref())
}

fn login_response_with(
    hub: &Hub,
    req: &HttpRequest,
    status: StatusCode,
    username: &str,
    problem: Option<&Problem<'_>>,
) -> HttpResponse {
    let lang = lang_of(req);
    let Ok(secret) = classcode_hub::admin::random_token() else {
        return HttpResponse::InternalServerError().finish();
    };
    let mut response = sign_in_page(
        lang,
        status,
        t(lang, "Connexion à la console", "Sign in to the console"),
        &login_body(hub, lang, &secret, username, problem),
    );
    let _ = response.add_cookie(&cookie(req, LOGIN_COOKIE, secret, "/admin", 600));
    response
}

async fn login_page(hub: web::Data<Hub>, req: HttpRequest) -> HttpResponse {
    if session_of(&hub, &req).await.is_some() {
        return see_other(&format!("/admin?lang={}", lang_of(&req)));
    }
    login_response(&hub, &req, StatusCode::OK, "", None)
}

fn signed_in(
    req: &HttpRequest,
    opened: classcode_hub::admin::OpenedSession,
    hub: &Hub,
) -> HttpResponse {
    let lifetime = (opened.session.expires_at - opened.session.created_at).num_seconds();
    let mut response = see_other(&format!("/admin?lang={}", lang_of(req)));
    let _ = response.add_cookie(&cookie(req, SESSION_COOKIE, opened.token, "/", lifetime));
    let _ = response.add_cookie(&cookie(req, LOGIN_COOKIE, String::new(), "/admin", 0));
    let hub = hub.clone();
    tokio::spawn(async move {
        if let Err(err) = hub.forget_expired_admin_sessions(chrono::Utc::now()).await {
            tracing::warn!(error = %err, "forgetting expired console sessions failed");
        }
    });
    response
}

async fn login_local(hub: web::Data<Hub>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let lang = lang_of(&req);
    let (mut username, mut password, mut login_token) =
        (String::new(), String::new(), String::new());
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "username" => username = value.trim().to_owned(),
            "password" => password = value.into_owned(),
            "login_token" => login_token = value.into_owned(),
            _ => {}
        }
    }
    let browser = req
        .cookie(LOGIN_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default();
    if browser.is_empty() || !bool::from(browser.as_bytes().ct_eq(login_token.as_bytes())) {
        return login_response(
            &hub,
            &req,
            StatusCode::FORBIDDEN,
            &username,
            Some(t(
                lang,
                "Ce formulaire a expiré ou ne vient pas de ce navigateur : recommencez.",
                "This form expired or did not come from this browser: try again.",
            )),
        );
    }
    match hub.sign_in_local(&username, &password).await {
        Ok(opened) => {
            if let Err(err) = hub
                .audit(
                    &opened.session.subject,
                    "sign-in local",
                    "",
                    serde_json::json!({}),
                )
                .await
            {
                tracing::error!(error = %err, "could not record a sign-in in the audit log");
            }
            signed_in(&req, opened, &hub)
        }
        Err(SignInError::BadCredentials) => login_response(
            &hub,
            &req,
            StatusCode::UNAUTHORIZED,
            &username,
            Some(t(
                lang,
                "Identifiant ou mot de passe incorrect.",
                "Wrong username or password.",
            )),
        ),
        Err(err) => {
            tracing::error!(error = %err, "local sign-in failed");
            login_response(
                &hub,
                &req,
                StatusCode::INTERNAL_SERVER_ERROR,
                &username,
                Some(t(
                    lang,
                    "La connexion a échoué : réessayez.",
                    "Signing in failed: try again.",
                )),
            )
        }
    }
}

async fn start_oidc(hub: web::Data<Hub>, req: HttpRequest) -> HttpResponse {
    let lang = lang_of(&req);
    let Ok(secret) = classcode_hub::admin::random_token() else {
        return HttpResponse::InternalServerError().finish();
    };
    match hub.start_oidc_sign_in(&secret).await {
        Ok(url) => {
            let mut response = see_other(&url);
            let _ = response.add_cookie(&cookie(&req, LOGIN_COOKIE, secret, "/admin", 600));
            response
        }
        Err(SignInError::NotConfigured) => login_response(
            &hub,
            &req,
            StatusCode::NOT_FOUND,
            "",
            Some(t(
                lang,
                "L'authentification unique n'est pas configurée sur ce hub.",
                "Single sign-on is not configured on this hub.",
            )),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "starting single sign-on failed");
            login_response(
                &hub,
                &req,
                StatusCode::BAD_GATEWAY,
                "",
                Some(t(
                    lang,
                    "Le fournisseur d'identité ne répond pas comme prévu ; réessayez plus tard ou utilisez un compte local.",
                    "The identity provider does not answer as expected; try later or use a local account.",
                )),
            )
        }
    }
}

async fn oidc_callback(hub: web::Data<Hub>, req: HttpRequest) -> HttpResponse {
    let lang = lang_of(&req);
    let mut code = None;
    let mut state = None;
    let mut error = None;
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        match name.as_ref() {
            "code" => code = Some(value.into_owned()),
            "state" => state = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    let refused =
        |status: StatusCode, message: &str| login_response(&hub, &req, status, "", Some(message));
    if let Some(error) = error {
        tracing::info!(error = %error, "the identity provider refused a sign-in");
        return refused(
            StatusCode::UNAUTHORIZED,
            &format!(
                "{} ({error})",
                t(
                    lang,
                    "Le fournisseur d'identité a refusé la connexion",
                    "The identity provider refused the sign-in"
                )
            ),
        );
    }
    let (Some(code), Some(state)) = (code, state) else {
        return refused(
            StatusCode::BAD_REQUEST,
            t(
                lang,
                "Réponse du fournisseur incomplète (code ou state manquant).",
                "The provider's answer lacks its code or state.",
            ),
        );
    };
    let browser = req
        .cookie(LOGIN_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .unwrap_or_default();
    match hub.finish_oidc_sign_in(&state, &code, &browser).await {
        Ok(opened) => {
            if let Err(err) = hub
                .audit(
                    &opened.session.subject,
                    "sign-in oidc",
                    "",
                    serde_json::json!({"roles": opened.session.roles}),
                )
                .await
            {
                tracing::error!(error = %err, "could not record a sign-in in the audit log");
            }
            signed_in(&req, opened, &hub)
        }
        Err(SignInError::NotAdmin { name }) => {
            let body = format!(
                "<p role=\"alert\" class=\"error\">{}</p><p><a href=\"/admin/login?lang={lang}\">{}</a></p>",
                esc(&match lang {
                    "en" => format!(
                        "{name} is signed in, but this account has none of the roles that open the administration console. Ask your identity provider's administrators for the role."
                    ),
                    _ => format!(
                        "{name} est bien connecté·e, mais ce compte n'a aucun des rôles qui ouvrent la console d'administration. Demandez ce rôle aux administrateurs de votre fournisseur d'identité."
                    ),
                }),
                t(lang, "Retour à la connexion", "Back to sign-in"),
            );
            sign_in_page(
                lang,
                StatusCode::FORBIDDEN,
                t(lang, "Accès refusé", "Access denied"),
                &body,
            )
        }
        Err(SignInError::Refused(reason)) => {
            tracing::warn!(reason = %reason, "a single sign-on was refused");
            login_response_with(
                &hub,
                &req,
                StatusCode::BAD_REQUEST,
                "",
                Some(&Problem {
                    message: t(
                        lang,
                        "La connexion n'a pas abouti : recommencez depuis ce navigateur.",
                        "Signing in did not complete: start again from this browser.",
                    ),
                    detail: Some(reason),
                }),
            )
        }
        Err(err) => {
            tracing::error!(error = %err, "finishing single sign-on failed");
            refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                t(
                    lang,
                    "La connexion a échoué : réessayez.",
                    "Signing in failed: try again.",
                ),
            )
        }
    }
}

async fn logout(hub: web::Data<Hub>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let lang = lang_of(&req);
    let csrf = url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if let Some(token) = req.cookie(SESSION_COOKIE) {
        match hub.admin_session(token.value()).await {
            Ok(Some(session))
                if bool::from(session.csrf_token.as_bytes().ct_eq(csrf.as_bytes())) =>
            {
                if let Err(err) = hub.sign_out_admin(token.value()).await {
                    tracing::error!(error = %err, "ending a console session failed");
                    return HttpResponse::InternalServerError().finish();
                }
            }
            Ok(Some(_)) => {
                return HttpResponse::Forbidden()
                    .json(serde_json::json!({"error": "forbidden", "message": "the sign-out form's CSRF token is wrong"}));
            }
            Ok(None) => {}
            Err(err) => {
                tracing::error!(error = %err, "reading a console session failed");
                return HttpResponse::InternalServerError().finish();
            }
        }
    }
    let mut response = see_other(&format!("/admin/login?lang={lang}"));
    let _ = response.add_cookie(&cookie(&req, SESSION_COOKIE, String::new(), "/", 0));
    response
}

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(SCRIPT)
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(STYLE)
}
