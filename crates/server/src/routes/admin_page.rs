//! The admin dashboard as a page, until the admin console (with single sign-on) hosts it: a form asks for the admin
//! token, the period and the platform; the answer shows the figures as tiles, SVG charts and tables. The token
//! travels in the form's POST body only, and the page is never cached.

use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use classcode_hub::Hub;
use serde_json::Value;

use super::admin::dashboard::{Period, day_chart, query_of, stats_error};
use super::admin::{AdminAuth, check_token};
use super::lti::pages::{esc, page};
use crate::error::ApiError;
use crate::routes::html;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/dashboard", web::get().to(form))
        .route("/admin/dashboard", web::post().to(show));
}

fn filters(since: &str, until: &str, tenant: &str, message: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/admin/dashboard\" class=\"filters\">{message}\
<p><label for=\"token\">Jeton d'administration</label> <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required></p>\
<p><label for=\"since\">Du</label> <input id=\"since\" name=\"since\" type=\"date\" value=\"{since}\"> \
<label for=\"until\">au</label> <input id=\"until\" name=\"until\" type=\"date\" value=\"{until}\"> \
<label for=\"tenant\">Plateforme (locataire)</label> <input id=\"tenant\" name=\"tenant\" value=\"{tenant}\" placeholder=\"toutes\"></p>\
<p><button type=\"submit\">Afficher</button></p></form>",
        since = esc(since),
        until = esc(until),
        tenant = esc(tenant),
    )
}

async fn form() -> HttpResponse {
    html(
        StatusCode::OK,
        page(
            "fr",
            "Tableau de bord",
            &format!(
                "<main id=\"admin-dashboard\"><h1>Tableau de bord</h1>{}</main>",
                filters("", "", "", "")
            ),
        ),
    )
}

fn table(title: &str, rows: &Value) -> String {
    let mut out = format!(
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">Contenu</th><th scope=\"col\">Nombre</th></tr></thead><tbody>",
        esc(title)
    );
    for (key, count) in rows.as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            esc(key),
            count
        );
    }
    out.push_str("</tbody></table>");
    out
}

async fn show(hub: web::Data<Hub>, auth: web::Data<AdminAuth>, body: web::Bytes) -> HttpResponse {
    let mut token = String::new();
    let mut period = Period {
        since: None,
        until: None,
        tenant: None,
    };
    for (name, value) in url::form_urlencoded::parse(&body) {
        let value = value.trim().to_owned();
        match name.as_ref() {
            "token" => token = value,
            "since" if !value.is_empty() => period.since = Some(value),
            "until" if !value.is_empty() => period.until = Some(value),
            "tenant" if !value.is_empty() => period.tenant = Some(value),
            _ => {}
        }
    }
    let since = period.since.clone().unwrap_or_default();
    let until = period.until.clone().unwrap_or_default();
    let tenant = period.tenant.clone().unwrap_or_default();
    let refused = |status: StatusCode, message: &str| {
        html(
            status,
            page(
                "fr",
                "Tableau de bord",
                &format!(
                    "<main id=\"admin-dashboard\"><h1>Tableau de bord</h1>{}</main>",
                    filters(
                        &since,
                        &until,
                        &tenant,
                        &format!("<p role=\"alert\" class=\"error\">{}</p>", esc(message))
                    )
                ),
            ),
        )
    };
    if let Err(err) = check_token(&auth, &token) {
        let status = match err {
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        return refused(status, "Jeton d'administration refusé.");
    }
    let query = match query_of(&period) {
        Ok(query) => query,
        Err(err) => return refused(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    let figures = match hub.admin_dashboard(&query).await {
        Ok(figures) => figures,
        Err(err) => {
            let err = stats_error(err);
            let status = match err {
                ApiError::NotFound(_) => StatusCode::NOT_FOUND,
                ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
                _ => {
                    tracing::error!(error = %err, "admin dashboard failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            return refused(status, &err.to_string());
        }
    };
    let series = |field: &str| -> Vec<(String, f64)> {
        figures["days"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|day| {
                (
                    day["day"].as_str().unwrap_or("").to_owned(),
                    day[field].as_f64().unwrap_or(0.0),
                )
            })
            .collect()
    };
    let totals = &figures["totals"];
    let body = format!(
        "<style>.tiles{{display:flex;gap:1rem;flex-wrap:wrap}}.tile{{border:1px solid #c9c9c9;border-radius:.4rem;padding:.5rem 1rem}}\
.tile strong{{font-size:1.5rem;display:block}}figure svg{{max-width:100%;height:auto}}table{{border-collapse:collapse}}\
th,td{{border:1px solid #d0d0d0;padding:.25rem .5rem;text-align:left}}</style>\
<main id=\"admin-dashboard\" data-statements=\"{statements}\"><h1>Tableau de bord — du {since} au {until}{scope}</h1>\
<div class=\"tiles\"><p class=\"tile\"><strong>{statements}</strong>déclarations xAPI</p><p class=\"tile\"><strong>{launches}</strong>lancements</p>\
<p class=\"tile\"><strong>{learners}</strong>apprenants actifs</p><p class=\"tile\"><strong>{certifications}</strong>certifications</p>\
<p class=\"tile\"><strong>{lag}</strong>déclarations pas encore comptées · LRS {ready}</p></div>\
<figure>{chart_statements}</figure><figure>{chart_launches}</figure><figure>{chart_learners}</figure>\
{completions}{certified_modules}{certified_platforms}{filters}</main>",
        statements = totals["statements"],
        since = esc(figures["since"].as_str().unwrap_or("")),
        until = esc(figures["until"].as_str().unwrap_or("")),
        scope = figures["tenant"]
            .as_str()
            .map(|tenant| format!(" — {}", esc(tenant)))
            .unwrap_or_default(),
        launches = totals["launches"],
        learners = totals["active_learners"],
        certifications = totals["certifications"],
        lag = figures["lrs"]["statements_not_yet_aggregated"],
        ready = if figures["lrs"]["ready"] == true {
            "prêt"
        } else {
            "en difficulté"
        },
        chart_statements = day_chart("Déclarations xAPI par jour", &series("statements")),
        chart_launches = day_chart("Lancements par jour", &series("launches")),
        chart_learners = day_chart("Apprenants actifs par jour", &series("active_learners")),
        completions = table(
            "Activités terminées par module",
            &figures["completions_by_module"]
        ),
        certified_modules = table(
            "Certifications par module",
            &figures["certifications_by_module"]
        ),
        certified_platforms = table(
            "Certifications par plateforme",
            &figures["certifications_by_tenant"]
        ),
        filters = filters(&since, &until, &tenant, ""),
    );
    html(StatusCode::OK, page("fr", "Tableau de bord", &body))
}
