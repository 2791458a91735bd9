//! The badge pages, French first with English alongside: a badge's public page (what earns it), the public
//! verification page of an awarded badge (valid, revoked or expired; who issued what, for which evidence), and
//! the learner's "my badges" with downloads and share links. Every value is escaped.

use std::fmt::Write as _;

use classcode_badges::documents::{BadgeClassInfo, BadgeUrls};
use classcode_hub::badges::{BadgeSettings, BadgeStanding, BadgeView};

use crate::routes::lti::pages::{esc, page, t};

const BADGE_STYLE: &str = "<style>.badge{display:flex;gap:1rem;align-items:flex-start;flex-wrap:wrap}\
.badge img{width:128px;height:auto}.standing{font-weight:700;padding:.2rem .6rem;border-radius:.3rem;display:inline-block}\
.valid{background:#e3f4e4;color:#1b5e20}.revoked{background:#fde7ea;color:#8a0015}.expired{background:#fff3cd;color:#6b4f00}\
ul.downloads{list-style:none;padding:0;display:flex;gap:.75rem;flex-wrap:wrap}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}\
dt{font-weight:600}.badge>div{flex:1;min-width:0}.badge input{width:100%;box-sizing:border-box;font:inherit}\
dd{overflow-wrap:anywhere;margin:0}</style>";

fn standing_label(lang: &str, standing: BadgeStanding) -> &'static str {
    match standing {
        BadgeStanding::Valid => t(lang, "Valide", "Valid"),
        BadgeStanding::Revoked => t(lang, "Révoqué", "Revoked"),
        BadgeStanding::Expired => t(lang, "Expiré", "Expired"),
    }
}

/// A plain 404 page.
pub fn not_found(fr: &str, en: &str) -> String {
    page(
        "fr",
        "Introuvable",
        &format!(
            "<main><h1>Introuvable</h1><p>{}</p><p lang=\"en\">{}</p></main>",
            esc(fr),
            esc(en)
        ),
    )
}

/// What a badge is and what earns it.
pub fn class_page(info: &BadgeClassInfo, urls: &BadgeUrls, settings: &BadgeSettings) -> String {
    let body = format!(
        "{BADGE_STYLE}<main id=\"badge-class\" data-content-id=\"{id}\"><div class=\"badge\"><img src=\"{image}\" alt=\"\">\
<div><h1>{name}</h1><p>{description}</p><h2>Critères</h2><p>{criteria}</p>\
<p class=\"muted\">Délivré par {issuer} · <a href=\"{issuer_url}\">{issuer_url}</a></p>\
<p class=\"muted\" lang=\"en\">Open Badges: <a href=\"{ob2}\">2.0 BadgeClass</a> · issuer <a href=\"{ob3}\">3.0 profile</a></p></div></div></main>",
        id = esc(&info.content_id),
        image = esc(&urls.badge_image_png(&info.content_id)),
        name = esc(&info.name),
        description = esc(&info.description),
        criteria = esc(&info.criteria),
        issuer = esc(&settings.issuer_name),
        issuer_url = esc(&settings.issuer_url),
        ob2 = esc(&urls.ob2_badge_class(&info.content_id)),
        ob3 = esc(&urls.ob3_issuer()),
    );
    page("fr", &info.name, &body)
}

/// The public verification page of an awarded badge.
pub fn verify_page(view: &BadgeView, urls: &BadgeUrls) -> String {
    let lang = "fr";
    let credential = &view.credential;
    let achievement = &credential["credentialSubject"]["achievement"];
    let mut evidence = String::new();
    for item in credential["evidence"].as_array().into_iter().flatten() {
        let anchor = item["id"]
            .as_str()
            .and_then(|id| id.split_once('#'))
            .map(|(_, anchor)| anchor)
            .unwrap_or("");
        let _ = write!(
            evidence,
            "<li id=\"{anchor}\"><strong>{name}</strong> — {description}</li>",
            anchor = esc(anchor),
            name = esc(item["name"].as_str().unwrap_or("")),
            description = esc(item["description"].as_str().unwrap_or("")),
        );
    }
    let revocation = match (&view.badge.revoked_at, &view.badge.revoked_reason) {
        (Some(at), reason) => format!(
            "<dt>Révoqué le</dt><dd>{}</dd><dt>Motif</dt><dd>{}</dd>",
            esc(&at.format("%d/%m/%Y %H:%M UTC").to_string()),
            esc(reason.as_deref().unwrap_or(""))
        ),
        _ => String::new(),
    };
    let proof = if view.proof_holds {
        "La signature numérique (Data Integrity eddsa-rdfc-2022) correspond à une clé publiée par ce hub."
    } else {
        "La signature numérique ne correspond à aucune clé publiée : ne vous fiez pas à ce badge."
    };
    let body = format!(
        "{BADGE_STYLE}<main id=\"badge-verification\" data-standing=\"{standing_code}\" data-proof=\"{proof_code}\">\
<div class=\"badge\"><img src=\"{image}\" alt=\"\"><div><h1>{name}</h1>\
<p><span class=\"standing {standing_code}\" role=\"status\">{standing}</span> <span lang=\"en\" class=\"muted\">({standing_en})</span></p>\
<p>{proof}</p>\
<dl><dt>Délivré par</dt><dd>{issuer}</dd><dt>Le</dt><dd>{issued}</dd>{until}{revocation}\
<dt>Critères</dt><dd>{criteria}</dd><dt>Titulaire</dt><dd>{holder}</dd></dl></div></div>\
<h2>Preuves</h2><p class=\"muted\">Les déclarations xAPI qui ont établi la certification.</p><ul>{evidence}</ul>\
<h2>Vérifier soi-même</h2><ul class=\"downloads\"><li><a href=\"{ob3_json}\">Open Badges 3.0 (JSON)</a></li>\
<li><a href=\"{ob3_jwt}\">Open Badges 3.0 (VC-JWT)</a></li><li><a href=\"{ob2}\">Open Badges 2.0</a></li>\
<li><a href=\"{status}\">Liste de statuts</a></li><li><a href=\"{issuer_doc}\">Clés de l'émetteur</a></li></ul></main>",
        standing_code = view.standing.as_str(),
        proof_code = if view.proof_holds { "valid" } else { "invalid" },
        image = esc(&urls.badge_image_png(&view.badge.content_id)),
        name = esc(credential["name"].as_str().unwrap_or("Badge")),
        standing = standing_label(lang, view.standing),
        standing_en = standing_label("en", view.standing),
        issuer = esc(credential["issuer"]["name"].as_str().unwrap_or("")),
        issued = esc(&view.badge.issued_at.format("%d/%m/%Y").to_string()),
        until = view
            .badge
            .valid_until
            .map(|until| format!(
                "<dt>Valable jusqu'au</dt><dd>{}</dd>",
                esc(&until.format("%d/%m/%Y").to_string())
            ))
            .unwrap_or_default(),
        criteria = esc(achievement["criteria"]["narrative"].as_str().unwrap_or("")),
        holder = "Identité protégée (empreinte SHA-256 salée : seul qui connaît l'identifiant peut la vérifier)",
        ob3_json = esc(&urls.ob3_credential(view.badge.id)),
        ob3_jwt = esc(&format!("{}.jwt", urls.ob3_credential(view.badge.id))),
        ob2 = esc(&urls.ob2_assertion(view.badge.id)),
        status = esc(credential["credentialStatus"]["statusListCredential"]
            .as_str()
            .unwrap_or("")),
        issuer_doc = esc(&urls.ob3_issuer()),
    );
    page(lang, credential["name"].as_str().unwrap_or("Badge"), &body)
}

/// The learner's badges, with downloads and a share link for each.
pub fn my_badges(lang: &str, badges: &[BadgeView], urls: &BadgeUrls, session: &str) -> String {
    let mut list = String::new();
    for view in badges {
        let id = view.badge.id;
        let credential = urls.ob3_credential(id);
        let _ = write!(
            list,
            "<li class=\"card badge\" data-badge-id=\"{id}\" data-standing=\"{code}\"><img src=\"{image}\" alt=\"\"><div>\
<h2>{name}</h2><p><span class=\"standing {code}\">{standing}</span> · {issued}</p>\
<ul class=\"downloads\"><li><a href=\"{credential}.png\" download>{png}</a></li><li><a href=\"{credential}.svg\" download>SVG</a></li>\
<li><a href=\"{credential}\">JSON</a></li><li><a href=\"{credential}.jwt\">JWT</a></li>\
<li><a href=\"{ob2}.png\" download>Open Badges 2.0</a></li></ul>\
<p><label>{share} <input type=\"text\" readonly value=\"{verify}\"></label></p></div></li>",
            code = view.standing.as_str(),
            image = esc(&urls.badge_image_png(&view.badge.content_id)),
            name = esc(view.credential["name"].as_str().unwrap_or("Badge")),
            standing = standing_label(lang, view.standing),
            issued = esc(&view.badge.issued_at.format("%d/%m/%Y").to_string()),
            credential = esc(&credential),
            png = t(lang, "Image avec le badge (PNG)", "Badge image (PNG)"),
            ob2 = esc(&urls.ob2_assertion(id)),
            share = t(lang, "Lien à partager :", "Link to share:"),
            verify = esc(&urls.verify_page(id)),
        );
    }
    if badges.is_empty() {
        list = format!(
            "<li>{}</li>",
            t(
                lang,
                "Pas encore de badge : terminez un module et réussissez son quiz final.",
                "No badge yet: finish a module and pass its final quiz."
            )
        );
    }
    let body = format!(
        "{BADGE_STYLE}<main id=\"my-badges\"><h1>{title}</h1><ul class=\"items\">{list}</ul>\
<form method=\"post\" action=\"/player\"><input type=\"hidden\" name=\"session\" value=\"{session}\">\
<input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button type=\"submit\">{back}</button></form></main>",
        title = t(lang, "Mes badges", "My badges"),
        session = esc(session),
        lang = esc(lang),
        back = t(lang, "Retour au module", "Back to the module"),
    );
    page(lang, t(lang, "Mes badges", "My badges"), &body)
}
