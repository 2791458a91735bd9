//! The HTML pages of the LTI tool, French first and English: launch, picker, error, cookie-less fallbacks and the
//! end of a dynamic registration. Plain server-rendered HTML that fits an LMS iframe; every value is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use classcode_hub::catalog::{CatalogItem, ItemKind};
use classcode_hub::lti::{DeepLinkingLaunch, ResourceLaunch};
use serde_json::json;

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Text that goes into a `<script>` as a JSON string literal, safe against `</script>`.
fn js(text: &str) -> String {
    json!(text).to_string().replace('<', "\\u003c")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff;line-height:1.5}\
main{max-width:60rem;margin:0 auto;padding:1.25rem}h1{font-size:1.5rem;margin:.2rem 0 1rem}\
a,button{color:#0b4f9c}button,.button{font:inherit;padding:.5rem 1rem;border:2px solid #0b4f9c;background:#0b4f9c;color:#fff;border-radius:.3rem;cursor:pointer}\
button:focus,a:focus,input:focus,select:focus{outline:3px solid #f5a623;outline-offset:2px}\
.muted{color:#4a4a4a}.card{border:1px solid #c9c9c9;border-radius:.4rem;padding:.75rem;margin:.5rem 0}\
ul.items{list-style:none;padding:0}label{cursor:pointer}code{background:#f2f2f2;padding:0 .2rem}\
.error{border-left:6px solid #b00020;padding-left:1rem}fieldset{border:0;padding:0}";

/// A whole page.
pub fn page(lang: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — Class'Code Hub</title>\
<style>{STYLE}</style></head><body>{body}</body></html>",
        lang = esc(lang),
        title = esc(title),
    )
}

/// French or English text by the page's language.
pub fn t<'a>(lang: &str, fr: &'a str, en: &'a str) -> &'a str {
    if lang == "en" { en } else { fr }
}

/// What an LMS admin reads for each error code, in French and English.
fn explain(code: &str) -> (&'static str, &'static str) {
    match code {
        "LTI_TOKEN_SIGNATURE"
        | "LTI_TOKEN_MALFORMED"
        | "LTI_TOKEN_ALGORITHM"
        | "LTI_TOKEN_UNKNOWN_KID"
        | "LTI_PLATFORM_KEY" => (
            "La signature du message de la plateforme n'a pas pu être vérifiée. Vérifiez l'URL du jeu de clés (JWKS) enregistrée pour cette plateforme.",
            "The platform's message signature could not be verified. Check the key set (JWKS) URL registered for this platform.",
        ),
        "LTI_TOKEN_ISSUER"
        | "LTI_TOKEN_AUDIENCE"
        | "LTI_TOKEN_AZP"
        | "LTI_UNKNOWN_CLIENT"
        | "LTI_UNKNOWN_ISSUER"
        | "LTI_AMBIGUOUS_CLIENT" => (
            "Cette plateforme, ou cet identifiant client (client_id), n'est pas enregistré dans Class'Code Hub. Enregistrez l'outil (inscription dynamique ou `classcode lti platform add`).",
            "This platform or client_id is not registered in Class'Code Hub. Register the tool (dynamic registration or `classcode lti platform add`).",
        ),
        "LTI_TOKEN_EXPIRED" | "LTI_TOKEN_IAT" | "LTI_STATE_EXPIRED" => (
            "Le lancement a expiré ou les horloges de la plateforme et de l'outil ne sont pas à l'heure. Relancez l'activité depuis la plateforme.",
            "The launch expired, or the platform's and the tool's clocks disagree. Launch the activity again from the platform.",
        ),
        "LTI_STATE_REPLAYED" | "LTI_NONCE" => (
            "Ce lancement a déjà été utilisé. Relancez l'activité depuis la plateforme.",
            "This launch was already used. Launch the activity again from the platform.",
        ),
        "LTI_STATE_UNKNOWN" | "LTI_STATE_MISMATCH" => (
            "Ce lancement n'a pas commencé dans ce navigateur, ou il a commencé il y a trop longtemps. Relancez l'activité depuis la plateforme.",
            "This launch did not start in this browser, or it started too long ago. Launch the activity again from the platform.",
        ),
        "LTI_UNKNOWN_DEPLOYMENT" => (
            "Ce déploiement de l'outil n'est pas enregistré pour cette plateforme. Un administrateur peut l'ajouter avec `classcode lti platform add-deployment`.",
            "This deployment of the tool is not registered for this platform. An administrator can add it with `classcode lti platform add-deployment`.",
        ),
        "LTI_PLATFORM_DISABLED" => (
            "L'enregistrement de cette plateforme est désactivé dans Class'Code Hub.",
            "This platform's registration is disabled in Class'Code Hub.",
        ),
        "LTI_VERSION"
        | "LTI_MESSAGE_TYPE"
        | "LTI_TOKEN_CLAIM"
        | "LTI_LAUNCH_REQUEST"
        | "LTI_LOGIN_REQUEST"
        | "LTI_TARGET_LINK_URI" => (
            "La plateforme a envoyé un message LTI que l'outil ne peut pas traiter. Vérifiez que l'outil est configuré en LTI 1.3 avec les URL de `classcode lti tool-info`.",
            "The platform sent an LTI message the tool cannot handle. Check the tool is set up as LTI 1.3 with the URLs from `classcode lti tool-info`.",
        ),
        "LTI_PLATFORM_JWKS" => (
            "Le jeu de clés (JWKS) de la plateforme est injoignable ou invalide.",
            "The platform's key set (JWKS) is unreachable or invalid.",
        ),
        "LTI_REGISTRATION_INVITE" => (
            "Cette adresse d'inscription n'est pas celle de Class'Code Hub : copiez l'URL d'inscription dynamique affichée par `classcode lti tool-info` (elle contient une invitation).",
            "This registration URL is not Class'Code Hub's: copy the dynamic registration URL printed by `classcode lti tool-info` (it carries an invitation).",
        ),
        code if code.starts_with("LTI_REGISTRATION") => (
            "L'inscription de l'outil auprès de la plateforme a échoué.",
            "Registering the tool with the platform failed.",
        ),
        "LTI_PLATFORM_ERROR" => (
            "La plateforme a refusé l'authentification de ce lancement.",
            "The platform refused to authenticate this launch.",
        ),
        _ => (
            "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, donnez la référence ci-dessous au support.",
            "An unexpected error occurred. Try again; if it persists, give the reference below to support.",
        ),
    }
}

/// The error page: what went wrong in words an LMS admin can act on, the code, the details and a reference.
pub fn error_page(lang: &str, code: &str, detail: &str, reference: &str) -> String {
    let (fr, en) = explain(code);
    let body = format!(
        "<main id=\"launch-error\" class=\"error\" data-error-code=\"{code}\" role=\"alert\"><h1>{title}</h1><p>{text}</p>\
<p class=\"muted\">{code_label} <code>{code}</code> · {ref_label} <code>{reference}</code></p>\
<details><summary>{details}</summary><p lang=\"en\">{detail}</p></details></main>",
        code = esc(code),
        title = t(
            lang,
            "Le lancement n'a pas abouti",
            "The launch did not succeed"
        ),
        text = esc(t(lang, fr, en)),
        code_label = t(lang, "Code :", "Code:"),
        ref_label = t(lang, "Référence :", "Reference:"),
        reference = esc(reference),
        details = t(lang, "Détails techniques", "Technical details"),
        detail = esc(detail),
    );
    page(lang, t(lang, "Erreur", "Error"), &body)
}

fn kind_label(lang: &str, kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Module => t(lang, "Module", "Module"),
        ItemKind::Parcours => t(lang, "Parcours", "Path"),
        ItemKind::Activity => t(lang, "Activité", "Activity"),
        ItemKind::Cmi5 => t(lang, "Cours cmi5", "cmi5 course"),
    }
}

/// The page after a resource link launch: what the learner opens, and what the player needs to talk to the hub.
pub fn resource_page(launch: &ResourceLaunch, xapi_endpoint: &str, roster_url: &str) -> String {
    let lang = launch.lang;
    let item: &CatalogItem = &launch.item;
    let actor = launch.xapi_actor.to_string();
    let roster = if launch.has_roster {
        format!(" data-roster-url=\"{}\"", esc(roster_url))
    } else {
        String::new()
    };
    let greeting = match &launch.display_name {
        Some(name) => format!("<p>{} {}</p>", t(lang, "Bonjour", "Hello"), esc(name)),
        None => String::new(),
    };
    let context = launch
        .context_title
        .as_deref()
        .map(|title| format!("<p class=\"muted\">{}</p>", esc(title)))
        .unwrap_or_default();
    let body = format!(
        "<main id=\"launch\" data-launch-id=\"{launch_id}\" data-message-type=\"LtiResourceLinkRequest\" \
data-standing=\"{standing}\" data-content-id=\"{content_id}\" data-xapi-endpoint=\"{endpoint}\" \
data-xapi-auth=\"{auth}\" data-xapi-actor=\"{actor}\" data-xapi-registration=\"{registration}\" \
data-activity-id=\"{activity}\" data-session-token=\"{session}\"{roster}>\
{context}<p class=\"muted\">{kind}</p><h1>{title}</h1>{greeting}<p>{summary}</p>\
<form method=\"post\" action=\"/player\"><input type=\"hidden\" name=\"session\" value=\"{session}\"><button type=\"submit\">{open}</button></form>{dashboard}\
<p class=\"muted\">{ref_label} <code>{launch_id}</code></p></main>\
<script>try{{window.parent.postMessage({{subject:'lti.frameResize',height:document.body.scrollHeight}},'*')}}catch(e){{}}</script>",
        launch_id = launch.launch_id,
        standing = launch.standing.as_str(),
        content_id = esc(&item.content_id),
        endpoint = esc(xapi_endpoint),
        auth = esc(&format!("Bearer {}", launch.session_token)),
        actor = esc(&actor),
        registration = launch.registration,
        activity = esc(&launch.activity_id),
        session = esc(&launch.session_token),
        kind = kind_label(lang, item.kind),
        title = esc(item.title.get(lang)),
        summary = esc(item.summary.get(lang)),
        ref_label = t(lang, "Référence du lancement :", "Launch reference:"),
        open = t(lang, "Ouvrir le contenu", "Open the content"),
        dashboard = if launch.standing.is_staff() {
            format!(
                "<form method=\"post\" action=\"/teacher/dashboard\"><input type=\"hidden\" name=\"session\" value=\"{}\"><button type=\"submit\" class=\"secondary\">{}</button></form>",
                esc(&launch.session_token),
                t(lang, "Tableau de bord de la classe", "Class dashboard")
            )
        } else {
            String::new()
        },
    );
    page(lang, item.title.get(lang), &body)
}

/// The deep linking picker: search, filters by audience and theme, and one checkbox (or radio) per item.
pub fn picker_page(launch: &DeepLinkingLaunch, action: &str) -> String {
    let lang = launch.lang;
    let multiple = launch.settings.is_multiple();
    let input_type = if multiple { "checkbox" } else { "radio" };
    let mut audiences: Vec<&str> = Vec::new();
    let mut themes: Vec<&str> = Vec::new();
    for item in &launch.items {
        audiences.extend(item.audience.iter().map(String::as_str));
        themes.extend(item.themes.iter().map(String::as_str));
    }
    audiences.sort_unstable();
    audiences.dedup();
    themes.sort_unstable();
    themes.dedup();
    let options = |values: &[&str]| {
        values.iter().fold(String::new(), |mut out, value| {
            let _ = write!(out, "<option value=\"{0}\">{0}</option>", esc(value));
            out
        })
    };
    let mut list = String::new();
    for (index, item) in launch.items.iter().enumerate() {
        let minutes = item
            .duration_minutes
            .map(|minutes| format!(" · {minutes} min"))
            .unwrap_or_default();
        let _ = write!(
            list,
            "<li class=\"card\" data-audience=\"{audience}\" data-themes=\"{themes}\" data-search=\"{search}\">\
<label for=\"item-{index}\"><input type=\"{input_type}\" id=\"item-{index}\" name=\"item\" value=\"{value}\"> \
<strong>{title}</strong> <span class=\"muted\">({kind}{minutes}{graded})</span></label></li>",
            audience = esc(&item.audience.join(" ")),
            themes = esc(&item.themes.join(" ")),
            search =
                esc(&format!("{} {}", item.title.get("fr"), item.title.get("en")).to_lowercase()),
            value = esc(&item.content_id),
            title = esc(item.title.get(lang)),
            kind = kind_label(lang, item.kind),
            graded = if item.is_graded {
                t(lang, " · noté", " · graded")
            } else {
                ""
            },
        );
    }
    let body = format!(
        "<main id=\"picker\" data-launch-id=\"{launch_id}\" data-message-type=\"LtiDeepLinkingRequest\">\
<h1>{title}</h1><form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"session\" value=\"{session}\">\
<p><label for=\"search\">{search_label}</label> <input type=\"search\" id=\"search\"> \
<label for=\"audience\">{audience_label}</label> <select id=\"audience\"><option value=\"\">{all}</option>{audiences}</select> \
<label for=\"theme\">{theme_label}</label> <select id=\"theme\"><option value=\"\">{all}</option>{themes}</select></p>\
<fieldset><legend>{legend}</legend><ul class=\"items\">{list}</ul></fieldset>\
<p><button type=\"submit\">{submit}</button></p></form>\
<p class=\"muted\">{ref_label} <code>{launch_id}</code></p></main>\
<script>(function(){{var s=document.getElementById('search'),a=document.getElementById('audience'),th=document.getElementById('theme');\
function f(){{var q=s.value.toLowerCase(),av=a.value,tv=th.value;document.querySelectorAll('ul.items li').forEach(function(li){{\
var ok=(!q||li.dataset.search.indexOf(q)>=0)&&(!av||li.dataset.audience.split(' ').indexOf(av)>=0)&&(!tv||li.dataset.themes.split(' ').indexOf(tv)>=0);\
li.hidden=!ok;}});}}s.addEventListener('input',f);a.addEventListener('change',f);th.addEventListener('change',f);}})();</script>",
        launch_id = launch.launch_id,
        title = t(
            lang,
            "Choisir des contenus Class'Code",
            "Pick Class'Code content"
        ),
        action = esc(action),
        session = esc(&launch.session_token),
        search_label = t(lang, "Rechercher", "Search"),
        audience_label = t(lang, "Public", "Audience"),
        theme_label = t(lang, "Thème", "Theme"),
        all = t(lang, "Tous", "All"),
        audiences = options(&audiences),
        themes = options(&themes),
        legend = if multiple {
            t(
                lang,
                "Modules, parcours et activités (plusieurs choix possibles)",
                "Modules, paths and activities (several allowed)",
            )
        } else {
            t(
                lang,
                "Modules, parcours et activités (un seul choix)",
                "Modules, paths and activities (pick one)",
            )
        },
        submit = t(lang, "Ajouter au cours", "Add to the course"),
        ref_label = t(lang, "Référence du lancement :", "Launch reference:"),
    );
    page(lang, t(lang, "Choisir des contenus", "Pick content"), &body)
}

/// A form the browser posts at once (with a button when scripts are off).
pub fn auto_post_page(action: &str, fields: &[(&str, &str)], label: &str) -> String {
    let inputs = fields.iter().fold(String::new(), |mut out, (name, value)| {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(name),
            esc(value)
        );
        out
    });
    let body = format!(
        "<main><form id=\"auto\" method=\"post\" action=\"{action}\">{inputs}<noscript><button type=\"submit\">{label}</button></noscript></form></main>\
<script>document.getElementById('auto').submit();</script>",
        action = esc(action),
        label = esc(label),
    );
    page("fr", label, &body)
}

/// LTI Platform Storage, at login: store the browser secret in the platform's frame, then go on to the platform.
pub fn storage_put_page(
    target: &str,
    origin: &str,
    state: &str,
    secret: &str,
    redirect: &str,
) -> String {
    let body = format!(
        "<main><p>Connexion à la plateforme…</p><p><a href=\"{redirect_html}\">Continuer</a></p></main>\
<script>(function(){{var target={target},origin={origin},id='put-'+Math.random().toString(36).slice(2),done=false;\
function go(){{if(!done){{done=true;window.location.href={redirect};}}}}\
window.addEventListener('message',function(e){{if(e.data&&e.data.subject==='lti.put_data.response'&&e.data.message_id===id){{go();}}}});\
try{{var frame=(window.parent.frames&&window.parent.frames[target])||window.parent;\
frame.postMessage({{subject:'lti.put_data',message_id:id,key:'classcode_'+{state},value:{secret}}},origin);}}catch(e){{}}\
setTimeout(go,2000);}})();</script>",
        redirect_html = esc(redirect),
        target = js(target),
        origin = js(origin),
        redirect = js(redirect),
        state = js(state),
        secret = js(secret),
    );
    page("fr", "Connexion", &body)
}

/// LTI Platform Storage, at launch: read the browser secret back from the platform, then post the launch again.
pub fn storage_get_page(
    target: &str,
    origin: &str,
    action: &str,
    id_token: &str,
    state: &str,
    relaunch_url: &str,
) -> String {
    let body = format!(
        "<main><form id=\"again\" method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"id_token\" value=\"{id_token}\">\
<input type=\"hidden\" name=\"state\" value=\"{state_html}\"><input type=\"hidden\" name=\"storage_value\" id=\"storage_value\"></form>\
<p>Vérification du lancement…</p><p id=\"fallback\" hidden><a class=\"button\" href=\"{relaunch}\" target=\"_blank\" rel=\"opener\">Ouvrir dans une nouvelle fenêtre</a></p></main>\
<script>(function(){{var target={target},origin={origin},id='get-'+Math.random().toString(36).slice(2),done=false;\
window.addEventListener('message',function(e){{if(!done&&e.data&&e.data.subject==='lti.get_data.response'&&e.data.message_id===id&&e.data.value){{\
done=true;document.getElementById('storage_value').value=e.data.value;document.getElementById('again').submit();}}}});\
try{{var frame=(window.parent.frames&&window.parent.frames[target])||window.parent;\
frame.postMessage({{subject:'lti.get_data',message_id:id,key:'classcode_'+{state}}},origin);}}catch(e){{}}\
setTimeout(function(){{if(!done){{document.getElementById('fallback').hidden=false;}}}},2000);}})();</script>",
        action = esc(action),
        id_token = esc(id_token),
        state_html = esc(state),
        relaunch = esc(relaunch_url),
        target = js(target),
        origin = js(origin),
        state = js(state),
    );
    page("fr", "Vérification", &body)
}

/// No state came back (third-party cookies blocked, no platform storage): finish the launch in a new window.
pub fn new_window_page(relaunch_url: &str) -> String {
    let body = format!(
        "<main id=\"launch-new-window\"><h1>Ouvrir l'activité dans une nouvelle fenêtre</h1>\
<p>Votre navigateur bloque les cookies de Class'Code Hub dans le cadre de la plateforme, ce qui empêche de vérifier le lancement ici.</p>\
<p><a class=\"button\" href=\"{url}\" target=\"_blank\" rel=\"opener\">Ouvrir dans une nouvelle fenêtre</a></p>\
<p lang=\"en\" class=\"muted\">Your browser blocks Class'Code Hub's cookies inside the platform's frame. \
<a href=\"{url}\" target=\"_blank\" rel=\"opener\">Open the activity in a new window</a>.</p></main>",
        url = esc(relaunch_url),
    );
    page("fr", "Nouvelle fenêtre", &body)
}

/// The end of a dynamic registration: what was made, what the admin still has to do, and the close message.
pub fn registered_page(
    product: Option<&str>,
    tenant: &str,
    client_id: &str,
    has_deployment: bool,
) -> String {
    let moodle = product == Some("moodle");
    let next = if moodle {
        "<p><strong>Étape suivante dans Moodle :</strong> l'outil est ajouté <em>en attente</em>. Activez-le dans Administration du site › Plugins › Modules d'activité › Outil externe › Gérer les outils, puis ajoutez une activité « Outil externe » dans un cours.</p>"
    } else {
        "<p>Selon votre plateforme, l'outil peut devoir être activé par un administrateur avant le premier lancement.</p>"
    };
    let deployment = if has_deployment {
        ""
    } else {
        "<p>La plateforme n'a pas donné d'identifiant de déploiement : ajoutez-le ensuite avec <code>classcode lti platform add-deployment</code>.</p>"
    };
    let body = format!(
        "<main id=\"registered\"><h1>Class'Code Hub est enregistré</h1>\
<p>Les données de cette plateforme sont rangées dans l'espace <code>{tenant}</code> (client_id <code>{client_id}</code>).</p>{next}{deployment}\
<p><button type=\"button\" id=\"close\">Terminer</button></p>\
<p lang=\"en\" class=\"muted\">Class'Code Hub is registered. {en_next}</p></main>\
<script>document.getElementById('close').addEventListener('click',function(){{\
(window.opener||window.parent).postMessage({{subject:'org.imsglobal.lti.close'}},'*');}});</script>",
        tenant = esc(tenant),
        client_id = esc(client_id),
        en_next = if moodle {
            "Moodle keeps the tool pending: activate it under Site administration › Plugins › External tool › Manage tools."
        } else {
            "Your platform may ask an administrator to activate the tool first."
        },
    );
    page("fr", "Enregistrement", &body)
}

/// Markdown from a content package as HTML: raw HTML in the source is shown as text (no script from a package),
/// headings move one level down under the page's title, and relative links and images point into the package's
/// public files (`base`, ending with `/`).
pub fn markdown(source: &str, base: &str) -> String {
    use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let lower = |level: HeadingLevel| match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    let relative = |url: &CowStr<'_>| -> CowStr<'static> {
        let text = url.as_ref();
        if text.contains(':') || text.starts_with('/') || text.starts_with('#') {
            CowStr::from(text.to_owned())
        } else {
            CowStr::from(format!("{base}{text}"))
        }
    };
    let events = Parser::new_ext(
        source,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        // The page's own title is the one <h1>: the content's headings move one level down.
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: lower(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(lower(level))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: relative(&dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: relative(&dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn player_form(
    lang: &str,
    action: &str,
    session: &str,
    activity: Option<&str>,
    label: &str,
    class: &str,
) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\" class=\"inline\"><input type=\"hidden\" name=\"session\" value=\"{session}\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\">{activity}<button type=\"submit\" class=\"{class}\">{label}</button></form>",
        action = esc(action),
        session = esc(session),
        lang = esc(lang),
        activity = activity
            .map(|reference| format!(
                "<input type=\"hidden\" name=\"activity\" value=\"{}\">",
                esc(reference)
            ))
            .unwrap_or_default(),
        label = esc(label),
        class = esc(class),
    )
}

fn kind_name(lang: &str, kind: classcode_content::ActivityKind) -> &'static str {
    use classcode_content::ActivityKind as Kind;
    match kind {
        Kind::Page => t(lang, "Page", "Page"),
        Kind::Video => t(lang, "Vidéo", "Video"),
        Kind::Quiz => t(lang, "Quiz", "Quiz"),
        Kind::Unplugged => t(lang, "Activité débranchée", "Unplugged activity"),
        Kind::External => t(lang, "Outil en ligne", "Online tool"),
        Kind::Project => t(lang, "Projet", "Project"),
    }
}

const PLAYER_STYLE: &str = "<style>.inline{display:inline}.done{color:#1b6e20;font-weight:600}\
progress{width:100%;height:1rem}ol.activities li{margin:.4rem 0}.secondary{background:#fff;color:#0b4f9c}\
nav.steps{display:flex;gap:.5rem;justify-content:space-between;flex-wrap:wrap;margin-top:1.5rem}\
.right{color:#1b6e20}.wrong{color:#b00020}fieldset.question{border:1px solid #c9c9c9;border-radius:.4rem;margin:.8rem 0;padding:.6rem}\
video{max-width:100%}.lang-switch{float:right;margin-left:1rem}</style>";

/// The button that shows the player in the other language: the same page, posted again with `lang`.
fn language_switch(lang: &str, action: &str, session: &str, activity: Option<&str>) -> String {
    let (other, label, name) = if lang == "en" {
        ("fr", "Français", "Afficher en français")
    } else {
        ("en", "English", "Show in English")
    };
    format!(
        "<div class=\"lang-switch\" lang=\"{other}\">{}</div>",
        player_form(other, action, session, activity, label, "secondary").replace(
            "<button type=\"submit\"",
            &format!("<button type=\"submit\" aria-label=\"{name}\"")
        ),
    )
}

/// What the player's tracker script needs, on `<main data-xapi>`, and the script itself.
const TRACKER_SCRIPT: &str = "<script src=\"/player/tracker.js\" defer></script>";

/// The launched content: its activities, what is done, and where to resume.
pub fn player_overview(
    overview: &classcode_hub::player::PlayerOverview,
    session: &str,
    xapi: &str,
) -> String {
    let lang = overview.claims.lang();
    let (done, total) = overview.progress();
    let mut list = String::new();
    for activity in &overview.activities {
        let _ = write!(
            list,
            "<li>{form} <span class=\"muted\">{kind}{minutes}</span>{done}</li>",
            form = player_form(
                lang,
                "/player/activity",
                session,
                Some(&activity.reference),
                activity.activity.title.get(lang),
                "secondary"
            ),
            kind = kind_name(lang, activity.activity.kind),
            minutes = activity
                .activity
                .duration_minutes
                .map(|m| format!(" · {m} min"))
                .unwrap_or_default(),
            done = if activity.is_done {
                format!(
                    " <span class=\"done\">✓ {}</span>",
                    t(lang, "terminé", "done")
                )
            } else {
                String::new()
            },
        );
    }
    let resume = overview
        .resume
        .as_deref()
        .map(|reference| {
            let label = if done == 0 {
                t(lang, "Commencer", "Start")
            } else {
                t(lang, "Reprendre", "Resume")
            };
            format!(
                "<div class=\"resume\">{}</div>",
                player_form(
                    lang,
                    "/player/activity",
                    session,
                    Some(reference),
                    label,
                    ""
                )
            )
        })
        .unwrap_or_default();
    let body = format!(
        "{PLAYER_STYLE}<main id=\"player\" data-launch-id=\"{launch}\" data-progress=\"{done}/{total}\" data-xapi=\"{xapi}\">{switch}<h1>{title}</h1><p>{summary}</p>\
<p><label for=\"progress\">{progress_label}</label> <progress id=\"progress\" max=\"{total}\" value=\"{done}\">{done}/{total}</progress> {done}/{total}</p>\
{resume}<ol class=\"activities\">{list}</ol><p class=\"my-badges\">{badges} {research} {my_data}</p></main>{TRACKER_SCRIPT}",
        launch = overview.claims.lid,
        xapi = esc(xapi),
        switch = language_switch(lang, "/player", session, None),
        title = esc(overview.item.title.get(lang)),
        summary = esc(overview.item.summary.get(lang)),
        progress_label = t(lang, "Progression", "Progress"),
        badges = player_form(
            lang,
            "/player/badges",
            session,
            None,
            t(lang, "Mes badges", "My badges"),
            "secondary"
        ),
        research = player_form(
            lang,
            "/player/research",
            session,
            None,
            t(lang, "Recherche et mes traces", "Research and my traces"),
            "secondary"
        ),
        my_data = player_form(
            lang,
            "/player/my-data",
            session,
            None,
            t(lang, "Télécharger mes données", "Download my data"),
            "secondary"
        ),
    );
    page(lang, overview.item.title.get(lang), &body)
}

/// A launched cmi5 course: its AUs with what the learner achieved, and a button to launch each one.
pub fn cmi5_overview(overview: &classcode_hub::cmi5::Cmi5Overview, session: &str) -> String {
    let lang = overview.claims.lang();
    let mut list = String::new();
    let done = overview
        .units
        .iter()
        .filter(|(_, _, satisfied)| *satisfied)
        .count();
    let total = overview.units.len();
    for (unit, progress, satisfied) in &overview.units {
        let mut status = Vec::new();
        if progress.completed {
            status.push(t(lang, "terminé", "completed").to_owned());
        }
        if progress.passed {
            status.push(t(lang, "réussi", "passed").to_owned());
        } else if progress.failed {
            status.push(t(lang, "pas encore réussi", "not passed yet").to_owned());
        }
        if let Some(score) = progress.score {
            status.push(format!("{} %", (score * 100.0).round()));
        }
        let mark = if *satisfied && (progress.completed || progress.passed) {
            format!(
                " <span class=\"done\">✓ {}</span>",
                t(lang, "validé", "satisfied")
            )
        } else {
            String::new()
        };
        let mut form = player_form(
            lang,
            "/player/cmi5",
            session,
            Some(&unit.id),
            &format!("{} {}", t(lang, "Lancer", "Launch"), unit.title.get(lang)),
            "secondary",
        );
        if unit.launch_method == classcode_content::cmi5::LaunchMethod::OwnWindow {
            form = form.replace("<form ", "<form target=\"_blank\" ");
        }
        let _ = write!(
            list,
            "<li data-au=\"{id}\" data-satisfied=\"{satisfied}\">{form} <span class=\"muted\">{status}</span>{mark}<p class=\"muted\">{description}</p></li>",
            id = esc(&unit.id),
            status = esc(&status.join(" · ")),
            description = esc(unit.description.get(lang)),
        );
    }
    let verdict = if overview.course_satisfied {
        format!(
            "<p class=\"done\" role=\"status\">✓ {}</p>",
            t(
                lang,
                "Cours validé : chaque unité a rempli sa condition.",
                "Course satisfied: every unit met its condition."
            )
        )
    } else {
        String::new()
    };
    let body = format!(
        "{PLAYER_STYLE}<main id=\"cmi5\" data-launch-id=\"{launch}\" data-progress=\"{done}/{total}\">{switch}<p class=\"muted\">{kind}</p><h1>{title}</h1><p>{summary}</p>\
<p><label for=\"progress\">{progress_label}</label> <progress id=\"progress\" max=\"{total}\" value=\"{done}\">{done}/{total}</progress> {done}/{total}</p>\
{verdict}<ol class=\"activities\">{list}</ol></main>\
<script>try{{window.parent.postMessage({{subject:'lti.frameResize',height:document.body.scrollHeight}},'*')}}catch(e){{}}</script>",
        launch = overview.claims.lid,
        switch = language_switch(lang, "/player", session, None),
        kind = t(lang, "Cours cmi5", "cmi5 course"),
        title = esc(overview.item.title.get(lang)),
        summary = esc(overview.item.summary.get(lang)),
        progress_label = t(lang, "Unités validées", "Units satisfied"),
    );
    page(lang, overview.item.title.get(lang), &body)
}

/// What a submitted quiz shows beside its questions.
#[derive(Clone, Copy)]
pub struct QuizFeedback<'a> {
    pub correct: &'a BTreeMap<String, bool>,
    pub scaled: f64,
    pub passed: Option<bool>,
    pub answers: &'a BTreeMap<String, Vec<String>>,
}

/// One activity, with the navigation and, after a quiz, the feedback.
pub fn player_activity(
    hub: &classcode_hub::Hub,
    view: &classcode_hub::player::ActivityView,
    session: &str,
    result: Option<QuizFeedback<'_>>,
    xapi: &str,
) -> String {
    use classcode_content::{ActivityKind, QuestionKind};
    let lang = view.overview.claims.lang();
    let current = &view.overview.activities[view.index];
    let activity = &current.activity;
    let base = format!(
        "{}/content/{}/{}/",
        hub.settings().public_url,
        current.module_id,
        current.module_version
    );
    let source_dir = activity
        .source
        .as_deref()
        .or(activity.transcript.as_deref())
        .and_then(|path| {
            path.rsplit_once('/')
                .map(|(dir, _)| format!("{base}{dir}/"))
        })
        .unwrap_or_else(|| base.clone());
    let mut content = String::new();
    match activity.kind {
        ActivityKind::Video => {
            let source = activity
                .file
                .as_deref()
                .map(|file| format!("{base}{file}"))
                .or_else(|| activity.url.clone())
                .unwrap_or_default();
            let tracks = activity.subtitles.iter().fold(String::new(), |mut out, (language, path)| {
                let _ = write!(
                    out,
                    "<track kind=\"subtitles\" srclang=\"{l}\" label=\"{label}\" src=\"{src}\"{default}>",
                    l = esc(language),
                    label = if language == "fr" { "Français" } else { "English" },
                    src = esc(&format!("{base}{path}")),
                    default = if language == "fr" { " default" } else { "" },
                );
                out
            });
            let _ = write!(
                content,
                "<video controls preload=\"metadata\" src=\"{src}\" aria-label=\"{title}\">{tracks}</video>",
                src = esc(&source),
                title = esc(activity.title.get(lang)),
            );
            if let Some(markdown_text) = &view.markdown {
                let _ = write!(
                    content,
                    "<details><summary>{}</summary>{}</details>",
                    t(lang, "Transcription", "Transcript"),
                    markdown(markdown_text, &source_dir)
                );
            }
        }
        ActivityKind::Quiz => {
            if let Some(quiz) = &view.quiz {
                let mut questions = String::new();
                for (number, question) in quiz.questions.iter().enumerate() {
                    let name = format!("q:{}", question.id);
                    let given = result.and_then(|feedback| feedback.answers.get(&question.id));
                    let verdict = result
                        .and_then(|feedback| feedback.correct.get(&question.id))
                        .map(|is_right| {
                            let feedback = question.feedback.as_ref().map(|feedback| {
                                if *is_right {
                                    feedback.correct.get(lang)
                                } else {
                                    feedback.incorrect.get(lang)
                                }
                            });
                            format!(
                                "<p class=\"{class}\" role=\"status\">{word} {feedback}</p>",
                                class = if *is_right { "right" } else { "wrong" },
                                word = if *is_right {
                                    t(lang, "Juste.", "Right.")
                                } else {
                                    t(lang, "Pas tout à fait.", "Not quite.")
                                },
                                feedback = esc(feedback.unwrap_or_default()),
                            )
                        });
                    let inputs = match question.kind {
                        QuestionKind::Single | QuestionKind::Multiple => {
                            let input_type = if question.kind == QuestionKind::Single {
                                "radio"
                            } else {
                                "checkbox"
                            };
                            question.choices.iter().fold(String::new(), |mut out, choice| {
                                let id = format!("{}-{}", question.id, choice.id);
                                let checked = given.is_some_and(|given| given.contains(&choice.id));
                                let _ = write!(
                                    out,
                                    "<div><input type=\"{input_type}\" id=\"{id}\" name=\"{name}\" value=\"{value}\"{checked}> <label for=\"{id}\">{text}</label></div>",
                                    id = esc(&id),
                                    name = esc(&name),
                                    value = esc(&choice.id),
                                    checked = if checked { " checked" } else { "" },
                                    text = esc(choice.text.get(lang)),
                                );
                                out
                            })
                        }
                        QuestionKind::Numeric | QuestionKind::Text => format!(
                            "<input type=\"text\" id=\"{id}\" name=\"{name}\" value=\"{value}\"{mode} aria-labelledby=\"{id}-prompt\">",
                            id = esc(&question.id),
                            name = esc(&name),
                            value = esc(given
                                .and_then(|given| given.first())
                                .map(String::as_str)
                                .unwrap_or_default()),
                            mode = if question.kind == QuestionKind::Numeric {
                                " inputmode=\"decimal\""
                            } else {
                                ""
                            },
                        ),
                    };
                    let _ = write!(
                        questions,
                        "<fieldset class=\"question\" data-question=\"{qid}\"><legend id=\"{qid}-prompt\">{number}. {prompt}</legend>{inputs}{verdict}</fieldset>",
                        qid = esc(&question.id),
                        number = number + 1,
                        prompt = esc(question.prompt.get(lang)),
                        verdict = verdict.unwrap_or_default(),
                    );
                }
                let summary = result
                      .map(|QuizFeedback { scaled, passed, .. }| {
                        let percent = (scaled * 100.0).round();
                        let verdict = match passed {
                            Some(true) => t(lang, " Quiz final réussi : module certifié côté quiz.", " Final quiz passed."),
                            Some(false) => t(lang, " Le seuil du quiz final n'est pas atteint : vous pouvez le refaire.", " The final quiz threshold is not reached: you may try again."),
                            None => "",
                        };
                        format!("<p id=\"quiz-score\" role=\"status\" data-scaled=\"{scaled:.4}\"><strong>{label} {percent} %</strong>{verdict}</p>", label = t(lang, "Score :", "Score:"))
                    })
                    .unwrap_or_default();
                let _ = write!(
                    content,
                    "{summary}<form method=\"post\" action=\"/player/quiz\"><input type=\"hidden\" name=\"session\" value=\"{session}\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\"><input type=\"hidden\" name=\"activity\" value=\"{reference}\">{questions}<button type=\"submit\">{submit}</button></form>",
                    session = esc(session),
                    reference = esc(&current.reference),
                    submit = t(lang, "Valider mes réponses", "Submit my answers"),
                );
            }
        }
        _ => {
            if let Some(url) = &activity.url {
                let _ = write!(
                    content,
                    "<p><a class=\"button\" href=\"{url}\" target=\"_blank\" rel=\"noopener\">{open} {tool}</a></p>",
                    url = esc(url),
                    open = t(lang, "Ouvrir", "Open"),
                    tool = esc(activity.tool.as_deref().unwrap_or("l'outil")),
                );
            }
            if let Some(markdown_text) = &view.markdown {
                content.push_str(&markdown(markdown_text, &source_dir));
            }
            if let Some(sheet) = &activity.sheet {
                let _ = write!(
                    content,
                    "<p><a href=\"{}\">{}</a></p>",
                    esc(&format!("{base}{sheet}")),
                    t(
                        lang,
                        "Télécharger la fiche (PDF)",
                        "Download the sheet (PDF)"
                    )
                );
            }
        }
    }
    let done_marker = if current.is_done {
        format!(
            "<p class=\"done\">✓ {}</p>",
            t(lang, "Activité terminée", "Activity done")
        )
    } else if activity.kind != ActivityKind::Quiz {
        player_form(
            lang,
            "/player/complete",
            session,
            Some(&current.reference),
            t(
                lang,
                "J'ai terminé cette activité",
                "I have finished this activity",
            ),
            "",
        )
    } else {
        String::new()
    };
    let previous = view
        .index
        .checked_sub(1)
        .and_then(|index| view.overview.activities.get(index))
        .map(|previous| {
            player_form(
                lang,
                "/player/activity",
                session,
                Some(&previous.reference),
                &format!("← {}", previous.activity.title.get(lang)),
                "secondary",
            )
        })
        .unwrap_or_default();
    let next = view
        .overview
        .activities
        .get(view.index + 1)
        .map(|next| {
            player_form(
                lang,
                "/player/activity",
                session,
                Some(&next.reference),
                &format!("{} →", next.activity.title.get(lang)),
                "",
            )
        })
        .unwrap_or_default();
    let (done, total) = view.overview.progress();
    let body = format!(
        "{PLAYER_STYLE}<main id=\"activity\" data-launch-id=\"{launch}\" data-activity=\"{reference}\" data-kind=\"{kind}\" data-progress=\"{done}/{total}\" data-xapi=\"{xapi}\">\
{switch}<p class=\"muted\">{module} · {kind_name} · {position}/{total}</p><h1>{title}</h1>{content}{done_marker}\
<nav class=\"steps\" aria-label=\"{nav}\">{previous}{home}{next}</nav></main>{TRACKER_SCRIPT}\
<script>try{{window.parent.postMessage({{subject:'lti.frameResize',height:document.body.scrollHeight}},'*')}}catch(e){{}}</script>",
        launch = view.overview.claims.lid,
        xapi = esc(xapi),
        switch = language_switch(lang, "/player/activity", session, Some(&current.reference)),
        reference = esc(&current.reference),
        kind = activity.kind.as_str(),
        module = esc(current.module_title.get(lang)),
        kind_name = kind_name(lang, activity.kind),
        position = view.index + 1,
        title = esc(activity.title.get(lang)),
        nav = t(
            lang,
            "Navigation entre les activités",
            "Activity navigation"
        ),
        home = player_form(
            lang,
            "/player",
            session,
            None,
            t(lang, "Sommaire", "Contents"),
            "secondary"
        ),
    );
    page(lang, activity.title.get(lang), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_from_a_package_cannot_inject_html_and_keeps_one_h1() {
        let html = markdown(
            "# Titre\n\n<script>alert(1)</script>\n\n![carte](images/carte.png) [fiche](fiches/a.md) [site](https://example.org)",
            "https://hub.example.org/content/m/1.0.0/pages/",
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(
            html.contains("<h2>Titre</h2>") && !html.contains("<h1>"),
            "{html}"
        );
        assert!(
            html.contains("src=\"https://hub.example.org/content/m/1.0.0/pages/images/carte.png\""),
            "{html}"
        );
        assert!(html.contains("href=\"https://example.org\""), "{html}");
    }

    #[test]
    fn escaping_covers_attributes() {
        assert_eq!(esc("a\"<b>'&"), "a&quot;&lt;b&gt;&#39;&amp;");
    }
}
