//! The learner's research page in the player: each study that covers their institution (who, why, on what legal
//! basis, until when) and a button to stop (or start again) taking part. Reached by a form post with the player
//! session, like every player page.

use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use classcode_hub::Hub;
use classcode_hub::player::PlayerError;
use classcode_storage::Study;
use uuid::Uuid;

use crate::routes::html;
use crate::routes::lti::pages::{error_page, esc, page, t};

fn fields(body: &[u8]) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn failure(lang: &str, err: PlayerError) -> HttpResponse {
    match err {
        PlayerError::Session(_) => html(
            StatusCode::UNAUTHORIZED,
            error_page(
                lang,
                "PLAYER_SESSION",
                "the player session expired: launch the activity again",
                "",
            ),
        ),
        other => {
            tracing::error!(error = %other, "research page failed");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                error_page(lang, "INTERNAL", "", ""),
            )
        }
    }
}

fn studies_page(lang: &str, session: &str, studies: &[(Study, bool)], saved: bool) -> String {
    let mut list = String::new();
    for (study, taking_part) in studies {
        let (label, choice) = if *taking_part {
            (
                t(
                    lang,
                    "Ne plus participer à cette étude",
                    "Stop taking part in this study",
                ),
                "out",
            )
        } else {
            (
                t(lang, "Participer à cette étude", "Take part in this study"),
                "in",
            )
        };
        let _ = write!(
            list,
            "<li class=\"card\" data-study=\"{name}\" data-taking-part=\"{taking_part}\"><h2>{name}</h2>\
<dl><dt>{team_label}</dt><dd>{team}</dd><dt>{purpose_label}</dt><dd>{purpose}</dd><dt>{basis_label}</dt><dd>{basis}</dd>\
<dt>{until_label}</dt><dd>{until}</dd></dl><p><strong>{state}</strong></p>\
<form method=\"post\" action=\"/player/research/choice\"><input type=\"hidden\" name=\"session\" value=\"{session}\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><input type=\"hidden\" name=\"study\" value=\"{id}\">\
<input type=\"hidden\" name=\"choice\" value=\"{choice}\"><button type=\"submit\">{label}</button></form></li>",
            name = esc(&study.name),
            team_label = t(lang, "Équipe", "Team"),
            team = esc(&study.team),
            purpose_label = t(lang, "But", "Purpose"),
            purpose = esc(&study.purpose),
            basis_label = t(lang, "Base légale", "Legal basis"),
            basis = esc(&study.legal_basis),
            until_label = t(lang, "Données conservées jusqu'au", "Data kept until"),
            until = study.retention_until.format("%d/%m/%Y"),
            state = if *taking_part {
                t(
                    lang,
                    "Vous participez : vos traces, pseudonymisées, peuvent être transmises à cette équipe.",
                    "You take part: your traces, pseudonymised, may be shared with this team.",
                )
            } else {
                t(
                    lang,
                    "Vous ne participez pas : aucune de vos traces n'est transmise.",
                    "You do not take part: none of your traces are shared.",
                )
            },
            session = esc(session),
            lang = esc(lang),
            id = study.id,
        );
    }
    if studies.is_empty() {
        list = format!(
            "<li>{}</li>",
            t(
                lang,
                "Aucune étude ne porte sur vos traces.",
                "No study covers your traces."
            )
        );
    }
    let body = format!(
        "<main id=\"research\"><h1>{title}</h1>{saved}<p>{intro}</p><ul class=\"items\">{list}</ul>\
<form method=\"post\" action=\"/player\"><input type=\"hidden\" name=\"session\" value=\"{session}\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button type=\"submit\">{back}</button></form></main>",
        title = t(lang, "Recherche et vos traces", "Research and your traces"),
        saved = if saved {
            format!(
                "<p role=\"status\">{}</p>",
                t(lang, "Votre choix est enregistré.", "Your choice is saved.")
            )
        } else {
            String::new()
        },
        intro = t(
            lang,
            "Des équipes de recherche en éducation étudient ce qui se passe dans ces modules. Elles ne reçoivent jamais votre nom, votre adresse ni vos identifiants : seulement des traces pseudonymisées.",
            "Education research teams study what happens in these modules. They never receive your name, address or identifiers: only pseudonymised traces."
        ),
        session = esc(session),
        lang = esc(lang),
        back = t(lang, "Retour au module", "Back to the module"),
    );
    page(lang, t(lang, "Recherche", "Research"), &body)
}

pub async fn show(hub: web::Data<Hub>, body: web::Bytes) -> HttpResponse {
    let form = fields(&body);
    let session = form.get("session").cloned().unwrap_or_default();
    match hub.player_studies(&session).await {
        Ok((lang, studies)) => {
            let lang = form
                .get("lang")
                .map_or(lang, |chosen| if chosen == "en" { "en" } else { "fr" });
            html(
                StatusCode::OK,
                studies_page(lang, &session, &studies, false),
            )
        }
        Err(err) => failure("fr", err),
    }
}

pub async fn choose(hub: web::Data<Hub>, body: web::Bytes) -> HttpResponse {
    let form = fields(&body);
    let session = form.get("session").cloned().unwrap_or_default();
    let Some(study) = form.get("study").and_then(|id| Uuid::parse_str(id).ok()) else {
        return html(
            StatusCode::BAD_REQUEST,
            error_page("fr", "RESEARCH_STUDY", "the form names no study", ""),
        );
    };
    let taking_part = form.get("choice").map(String::as_str) == Some("in");
    if let Err(err) = hub
        .player_research_choice(&session, study, taking_part)
        .await
    {
        return failure("fr", err);
    }
    match hub.player_studies(&session).await {
        Ok((lang, studies)) => {
            let lang = form
                .get("lang")
                .map_or(lang, |chosen| if chosen == "en" { "en" } else { "fr" });
            html(StatusCode::OK, studies_page(lang, &session, &studies, true))
        }
        Err(err) => failure("fr", err),
    }
}
