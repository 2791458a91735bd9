//! The teacher's class dashboard, reached from an instructor's launch page by a form post with the session (no
//! cookie, so it works in an LMS iframe): progress per learner as an SVG bar chart, question success rates as
//! another, the table of every learner and activity, and the same as CSV.

use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::dashboard::{ClassDashboard, DashboardError, dashboard_csv};

use super::lti::pages::{error_page, esc, page, t};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/teacher/dashboard", web::post().to(show))
        .route("/teacher/dashboard.csv", web::post().to(csv));
}

fn session_of(body: &[u8]) -> String {
    url::form_urlencoded::parse(body)
        .find(|(name, _)| name == "session")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

fn failure(err: DashboardError) -> HttpResponse {
    let (status, code) = match &err {
        DashboardError::Session(_) => (StatusCode::UNAUTHORIZED, "PLAYER_SESSION"),
        DashboardError::NotStaff => (StatusCode::FORBIDDEN, "DASHBOARD_NOT_STAFF"),
        DashboardError::NoClass => (StatusCode::BAD_REQUEST, "DASHBOARD_NO_CLASS"),
        DashboardError::Unexpected(inner) => {
            tracing::error!(error = format!("{inner:#}"), "class dashboard failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL")
        }
    };
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(error_page("fr", code, &err.to_string(), ""))
}

/// A horizontal bar chart: one labelled bar per row, values in [0, 1].
fn bar_chart(title: &str, rows: &[(String, f64, String)]) -> String {
    let height = 28 * rows.len().max(1) + 10;
    let mut bars = String::new();
    for (index, (label, value, shown)) in rows.iter().enumerate() {
        let y = 10 + index * 28;
        let width = (value.clamp(0.0, 1.0) * 300.0).round();
        let _ = write!(
            bars,
            "<text x=\"0\" y=\"{ty}\" font-size=\"13\">{label}</text>\
<rect x=\"200\" y=\"{y}\" width=\"300\" height=\"18\" fill=\"#e6e6e6\"/>\
<rect x=\"200\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"#0b4f9c\"/>\
<text x=\"508\" y=\"{ty}\" font-size=\"13\">{shown}</text>",
            ty = y + 14,
            label = esc(&label.chars().take(28).collect::<String>()),
            shown = esc(shown),
        );
    }
    format!(
        "<figure><svg role=\"img\" aria-label=\"{title}\" viewBox=\"0 0 560 {height}\" width=\"100%\" \
preserveAspectRatio=\"xMinYMin meet\"><title>{title}</title>{bars}</svg><figcaption>{title}</figcaption></figure>",
        title = esc(title),
    )
}

fn dashboard_page(dashboard: &ClassDashboard, session: &str) -> String {
    let lang = dashboard.lang;
    let name_of = |row: &classcode_hub::dashboard::LearnerRow| {
        row.name.clone().unwrap_or_else(|| row.user_id.clone())
    };
    let progress_rows: Vec<(String, f64, String)> = dashboard
        .learners
        .iter()
        .map(|row| {
            (
                name_of(row),
                row.progress(),
                format!("{:.0} %", row.progress() * 100.0),
            )
        })
        .collect();
    let question_rows: Vec<(String, f64, String)> = dashboard
        .questions
        .iter()
        .map(|rate| {
            let value = if rate.answered == 0 {
                0.0
            } else {
                f64::from(rate.correct) / f64::from(rate.answered)
            };
            (
                rate.label.clone(),
                value,
                format!("{}/{}", rate.correct, rate.answered),
            )
        })
        .collect();
    let certified = dashboard
        .learners
        .iter()
        .filter(|row| row.certification == Some("certified"))
        .count();
    let started = dashboard
        .learners
        .iter()
        .filter(|row| row.has_launched)
        .count();
    let mut head = String::new();
    for activity in &dashboard.activities {
        let _ = write!(head, "<th scope=\"col\">{}</th>", esc(&activity.title));
    }
    let mut table = String::new();
    for row in &dashboard.learners {
        let mut cells = String::new();
        for done in &row.done {
            cells.push_str(if *done {
                "<td class=\"done\">✓</td>"
            } else {
                "<td>·</td>"
            });
        }
        let _ = write!(
            table,
            "<tr data-learner=\"{id}\" data-progress=\"{progress:.2}\"><th scope=\"row\">{name}</th><td>{percent:.0} %</td>\
<td>{minutes} min</td><td>{score}</td><td>{certification}</td>{cells}</tr>",
            id = esc(&row.user_id),
            progress = row.progress(),
            name = esc(&name_of(row)),
            percent = row.progress() * 100.0,
            minutes = row.seconds_spent / 60,
            score = row
                .best_score
                .map(|score| format!("{:.0} %", score * 100.0))
                .unwrap_or_else(|| "—".to_owned()),
            certification = match row.certification {
                Some("certified") => t(lang, "certifié", "certified"),
                Some(_) => t(lang, "révoquée", "revoked"),
                None => "—",
            },
        );
    }
    let roster_note = dashboard
        .roster_note
        .as_deref()
        .map(|note| {
            format!(
                "<p class=\"muted\">{} ({})</p>",
                t(lang, "Liste de la classe de la plateforme indisponible : seuls les apprenants qui ont lancé l'activité apparaissent.",
                  "The platform's class list is unavailable: only learners who launched the activity are shown."),
                esc(note)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<style>.tiles{{display:flex;gap:1rem;flex-wrap:wrap}}.tile{{border:1px solid #c9c9c9;border-radius:.4rem;padding:.5rem 1rem}}\
.tile strong{{font-size:1.5rem;display:block}}.scroll{{overflow-x:auto}}table{{border-collapse:collapse}}\
th,td{{border:1px solid #d0d0d0;padding:.25rem .5rem;text-align:left}}td.done{{color:#1b6e20;font-weight:700}}figure{{margin:1rem 0}}</style>\
<main id=\"class-dashboard\" data-learners=\"{count}\"><h1>{heading} — {title}</h1>{roster_note}\
<div class=\"tiles\"><p class=\"tile\"><strong>{count}</strong>{learners_label}</p><p class=\"tile\"><strong>{started}</strong>{started_label}</p>\
<p class=\"tile\"><strong>{certified}</strong>{certified_label}</p></div>\
{progress_chart}{question_chart}\
<h2 id=\"detail\">{table_label}</h2><div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"detail\"><table><thead><tr><th scope=\"col\">{name_label}</th><th scope=\"col\">{progress_label}</th>\
<th scope=\"col\">{time_label}</th><th scope=\"col\">{score_label}</th><th scope=\"col\">{certification_label}</th>{head}</tr></thead>\
<tbody>{table}</tbody></table></div>\
<form method=\"post\" action=\"/teacher/dashboard.csv\"><input type=\"hidden\" name=\"session\" value=\"{session}\">\
<button type=\"submit\">{csv_label}</button></form></main>",
        count = dashboard.learners.len(),
        heading = t(lang, "Tableau de bord de la classe", "Class dashboard"),
        title = esc(&dashboard.title),
        learners_label = t(lang, "apprenants", "learners"),
        started_label = t(lang, "ont commencé", "have started"),
        certified_label = t(lang, "certifiés", "certified"),
        progress_chart = bar_chart(
            t(lang, "Progression par apprenant", "Progress per learner"),
            &progress_rows
        ),
        question_chart = if question_rows.is_empty() {
            String::new()
        } else {
            bar_chart(
                t(lang, "Réussite par question", "Success per question"),
                &question_rows,
            )
        },
        table_label = t(lang, "Détail par activité", "Detail per activity"),
        name_label = t(lang, "Apprenant", "Learner"),
        progress_label = t(lang, "Progression", "Progress"),
        time_label = t(lang, "Temps", "Time"),
        score_label = t(lang, "Meilleur quiz", "Best quiz"),
        certification_label = t(lang, "Certification", "Certification"),
        session = esc(session),
        csv_label = t(lang, "Télécharger en CSV", "Download as CSV"),
    );
    page(
        lang,
        t(lang, "Tableau de bord de la classe", "Class dashboard"),
        &body,
    )
}

async fn show(hub: web::Data<Hub>, body: web::Bytes) -> HttpResponse {
    let session = session_of(&body);
    match hub.class_dashboard(&session).await {
        Ok(dashboard) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(dashboard_page(&dashboard, &session)),
        Err(err) => failure(err),
    }
}

async fn csv(hub: web::Data<Hub>, body: web::Bytes) -> HttpResponse {
    match hub.class_dashboard(&session_of(&body)).await {
        Ok(dashboard) => HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((CONTENT_DISPOSITION, "attachment; filename=\"classe.csv\""))
            .insert_header((CACHE_CONTROL, "no-store"))
            .body(dashboard_csv(&dashboard)),
        Err(err) => failure(err),
    }
}
