//! Module manifests (`manifest.toml`) and parcours files, with the checks of `docs/content-format.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::problems::FileProblems;
use crate::quiz::{self, Quiz};
use crate::{ModulePackage, PackageFiles, Problem};

/// Text in French (required) and English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub fr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl Localized {
    /// The text in `lang` (`"en"` gives English when there is some), else French.
    pub fn get(&self, lang: &str) -> &str {
        match (lang, &self.en) {
            ("en", Some(english)) if !english.trim().is_empty() => english,
            _ => &self.fr,
        }
    }
}

/// The audiences a package may name.
pub const AUDIENCES: [&str; 5] = ["cycle2", "cycle3", "cycle4", "lycee-snt", "formateurs"];

/// The kinds of activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    Page,
    Video,
    Quiz,
    Unplugged,
    External,
    Project,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Video => "video",
            Self::Quiz => "quiz",
            Self::Unplugged => "unplugged",
            Self::External => "external",
            Self::Project => "project",
        }
    }
}

/// One activity of a module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    pub id: String,
    pub kind: ActivityKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    pub title: Localized,
    /// Markdown page, unplugged sheet, project brief, or quiz file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A video file in the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// An external video or tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The external tool's name (Scratch, Thymio…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// WebVTT subtitles by language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subtitles: BTreeMap<String, String>,
    /// A transcript (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// A downloadable sheet (PDF) for unplugged activities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

/// What certifies a module or a parcours (used by the certification issue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub rule_version: u32,
    /// `all-required-activities` (modules) or `all-steps` (parcours).
    pub required: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiz: Option<String>,
    pub min_scaled_score: f64,
}

/// A module's `manifest.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleManifest {
    pub schema: u32,
    pub id: String,
    pub version: String,
    pub licence: String,
    #[serde(default)]
    pub authors: Vec<String>,
    pub language: String,
    pub audience: Vec<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    pub duration_minutes: u32,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    pub title: Localized,
    pub description: Localized,
    pub activities: Vec<Activity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certification: Option<Certification>,
}

/// One step of a parcours: activities of a module, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub module: String,
    pub activities: Vec<String>,
}

/// A parcours file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParcoursManifest {
    pub schema: u32,
    pub id: String,
    pub version: String,
    pub licence: String,
    pub audience: Vec<String>,
    pub duration_minutes: u32,
    pub title: Localized,
    pub description: Localized,
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certification: Option<Certification>,
}

fn is_content_id(id: &str) -> bool {
    (3..=100).contains(&id.len())
        && id.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

fn is_activity_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// MAJOR.MINOR.PATCH, digits only.
pub fn is_semver(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

fn is_inside_package(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != ".." && part != ".")
}

/// What modules and parcours share.
struct Common<'a> {
    schema: u32,
    id: &'a str,
    version: &'a str,
    licence: &'a str,
    audience: &'a [String],
    duration: u32,
    title: &'a Localized,
    description: &'a Localized,
}

/// Checks what modules and parcours share: id, version, licence, audience, titles.
fn check_common(problems: &mut FileProblems<'_>, common: &Common<'_>) {
    let Common {
        schema,
        id,
        version,
        licence,
        audience,
        duration,
        title,
        description,
    } = *common;
    if schema != 1 {
        problems.at(
            None,
            "schema",
            format!("schema {schema} is not supported; this hub reads schema 1"),
        );
    }
    if !is_content_id(id) {
        problems.at(Some("id"), &format!("\"{id}\""), format!("id {id:?} must be 3 to 100 characters of a-z, 0-9, '-' in dot-separated parts, e.g. fr.classcode.robotique"));
    }
    if !is_semver(version) {
        problems.at(
            Some("version"),
            &format!("\"{version}\""),
            format!("version {version:?} must be MAJOR.MINOR.PATCH, e.g. 1.0.0"),
        );
    }
    if licence.trim().is_empty() {
        problems.at(
            None,
            "licence",
            "licence must name the licence (e.g. CC-BY-SA-4.0)",
        );
    }
    if audience.is_empty() {
        problems.at(
            None,
            "audience",
            format!("audience needs at least one of {}", AUDIENCES.join(", ")),
        );
    }
    for value in audience {
        if !AUDIENCES.contains(&value.as_str()) {
            problems.at(
                Some("audience"),
                &format!("\"{value}\""),
                format!("unknown audience {value:?}; use {}", AUDIENCES.join(", ")),
            );
        }
    }
    if duration == 0 {
        problems.at(None, "duration_minutes", "duration_minutes must be above 0");
    }
    if title.fr.trim().is_empty() {
        problems.at(None, "title", "the title needs French text (fr)");
    }
    if description.fr.trim().is_empty() {
        problems.at(
            None,
            "description",
            "the description needs French text (fr)",
        );
    }
}

/// Reads a TOML file of a package into `T`: not UTF-8, bad syntax and unknown keys are problems with a position.
fn parse_toml<'a, T: serde::de::DeserializeOwned>(
    file: &str,
    bytes: &'a [u8],
) -> Result<(T, &'a str), Vec<Problem>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        vec![Problem {
            file: file.to_owned(),
            line: None,
            column: None,
            message: format!("{file} is not UTF-8 text"),
        }]
    })?;
    toml::from_str(text)
        .map(|value| (value, text))
        .map_err(|err| {
            let mut problems = FileProblems::new(file, text);
            problems.toml(&err);
            problems.found
        })
}

pub(crate) fn check_module(files: &PackageFiles) -> Result<ModulePackage, Vec<Problem>> {
    const MANIFEST: &str = "manifest.toml";
    let Some(bytes) = files.get(MANIFEST) else {
        return Err(vec![Problem {
            file: MANIFEST.to_owned(),
            line: None,
            column: None,
            message: "a module package has a manifest.toml at its root".to_owned(),
        }]);
    };
    let (manifest, text): (ModuleManifest, &str) = parse_toml(MANIFEST, bytes)?;
    let mut problems = FileProblems::new(MANIFEST, text);
    check_common(
        &mut problems,
        &Common {
            schema: manifest.schema,
            id: &manifest.id,
            version: &manifest.version,
            licence: &manifest.licence,
            audience: &manifest.audience,
            duration: manifest.duration_minutes,
            title: &manifest.title,
            description: &manifest.description,
        },
    );
    if !matches!(manifest.language.as_str(), "fr" | "en") {
        problems.at(None, "language", "language must be \"fr\" or \"en\"");
    }
    if manifest.activities.is_empty() {
        problems.at(None, "", "a module has at least one [[activities]]");
    }
    let mut other_problems = Vec::new();
    let mut quizzes = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for activity in &manifest.activities {
        let anchor = format!("id = \"{}\"", activity.id);
        let at = Some(anchor.as_str());
        if !is_activity_id(&activity.id) {
            problems.at(
                at,
                "id",
                format!(
                    "activity id {:?} must be 1 to 64 characters of a-z, 0-9 and '-'",
                    activity.id
                ),
            );
        }
        if !seen.insert(activity.id.as_str()) {
            problems.at(
                None,
                &anchor,
                format!("activity id {:?} is used twice", activity.id),
            );
        }
        if activity.title.fr.trim().is_empty() {
            problems.at(at, "title", "the activity title needs French text (fr)");
        }
        let need_file = |field: &str,
                         path: &Option<String>,
                         extensions: &[&str],
                         problems: &mut FileProblems<'_>| {
            let Some(path) = path else {
                problems.at(
                    at,
                    "kind",
                    format!("a {} activity needs `{field}`", activity.kind.as_str()),
                );
                return;
            };
            check_file(problems, at, field, path, extensions, files);
        };
        match activity.kind {
            ActivityKind::Page | ActivityKind::Unplugged | ActivityKind::Project => {
                need_file("source", &activity.source, &["md"], &mut problems);
            }
            ActivityKind::Quiz => {
                need_file("source", &activity.source, &["toml"], &mut problems);
                if let Some(source) = &activity.source
                    && let Some(bytes) = files.get(source)
                {
                    match std::str::from_utf8(bytes) {
                        Ok(quiz_text) => match quiz::check_quiz(source, quiz_text) {
                            Ok(quiz) => {
                                quizzes.insert(activity.id.clone(), quiz);
                            }
                            Err(found) => other_problems.extend(found),
                        },
                        Err(_) => other_problems.push(Problem {
                            file: source.clone(),
                            line: None,
                            column: None,
                            message: "the quiz file is not UTF-8 text".to_owned(),
                        }),
                    }
                }
            }
            ActivityKind::Video => match (&activity.file, &activity.url) {
                (Some(path), _) => {
                    check_file(&mut problems, at, "file", path, &["webm", "mp4"], files)
                }
                (None, Some(url)) => check_url(&mut problems, at, url),
                (None, None) => problems.at(
                    at,
                    "kind",
                    "a video activity needs `file` (in the package) or `url`",
                ),
            },
            ActivityKind::External => {
                match &activity.url {
                    Some(url) => check_url(&mut problems, at, url),
                    None => problems.at(at, "kind", "an external activity needs the tool's `url`"),
                }
                if let Some(source) = &activity.source {
                    check_file(&mut problems, at, "source", source, &["md"], files);
                }
            }
        }
        for (lang, path) in &activity.subtitles {
            if !matches!(lang.as_str(), "fr" | "en") {
                problems.at(
                    at,
                    "subtitles",
                    format!("subtitles language {lang:?} must be fr or en"),
                );
            }
            check_file(&mut problems, at, "subtitles", path, &["vtt"], files);
            if let Some(bytes) = files.get(path)
                && !bytes.starts_with(b"WEBVTT")
                && !bytes.starts_with("\u{feff}WEBVTT".as_bytes())
            {
                other_problems.push(Problem {
                    file: path.clone(),
                    line: Some(1),
                    column: Some(1),
                    message: "a WebVTT file starts with WEBVTT".to_owned(),
                });
            }
        }
        if let Some(path) = &activity.transcript {
            check_file(&mut problems, at, "transcript", path, &["md"], files);
        }
        if let Some(path) = &activity.sheet {
            check_file(&mut problems, at, "sheet", path, &["pdf"], files);
        }
    }
    if let Some(certification) = &manifest.certification {
        if certification.required != "all-required-activities" {
            problems.at(
                Some("[certification]"),
                "required",
                "a module's certification requires \"all-required-activities\"",
            );
        }
        if !(0.0..=1.0).contains(&certification.min_scaled_score) {
            problems.at(
                Some("[certification]"),
                "min_scaled_score",
                "min_scaled_score is between 0 and 1",
            );
        }
        if let Some(quiz) = &certification.quiz
            && !manifest
                .activities
                .iter()
                .any(|activity| activity.id == *quiz && activity.kind == ActivityKind::Quiz)
        {
            problems.at(
                Some("[certification]"),
                "quiz",
                format!("the certification quiz {quiz:?} is not a quiz activity of this module"),
            );
        }
    }
    let mut all = problems.found;
    all.extend(other_problems);
    if all.is_empty() {
        Ok(ModulePackage { manifest, quizzes })
    } else {
        Err(all)
    }
}

fn check_file(
    problems: &mut FileProblems<'_>,
    anchor: Option<&str>,
    field: &str,
    path: &str,
    extensions: &[&str],
    files: &PackageFiles,
) {
    let needle = format!("\"{path}\"");
    if !is_inside_package(path) {
        problems.at(
            anchor,
            &needle,
            format!("{field} {path:?} must be a relative path inside the package"),
        );
    } else if !files.contains_key(path) {
        problems.at(
            anchor,
            &needle,
            format!("{field} names {path:?}, which is not in the package"),
        );
    } else if !extensions.iter().any(|extension| {
        path.to_ascii_lowercase()
            .ends_with(&format!(".{extension}"))
    }) {
        problems.at(
            anchor,
            &needle,
            format!(
                "{field} {path:?} must be a .{} file",
                extensions.join(" or .")
            ),
        );
    }
}

fn check_url(problems: &mut FileProblems<'_>, anchor: Option<&str>, url: &str) {
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        problems.at(
            anchor,
            &format!("\"{url}\""),
            format!("url {url:?} must be an absolute http(s) URL"),
        );
    }
}

pub(crate) fn check_parcours(name: &str, bytes: &[u8]) -> Result<ParcoursManifest, Vec<Problem>> {
    let (parcours, text): (ParcoursManifest, &str) = parse_toml(name, bytes)?;
    let mut problems = FileProblems::new(name, text);
    check_common(
        &mut problems,
        &Common {
            schema: parcours.schema,
            id: &parcours.id,
            version: &parcours.version,
            licence: &parcours.licence,
            audience: &parcours.audience,
            duration: parcours.duration_minutes,
            title: &parcours.title,
            description: &parcours.description,
        },
    );
    if parcours.steps.is_empty() {
        problems.at(None, "", "a parcours has at least one [[steps]]");
    }
    for step in &parcours.steps {
        if step.activities.is_empty() {
            problems.at(
                None,
                &format!("\"{}\"", step.module),
                "a step names at least one activity",
            );
        }
    }
    if let Some(certification) = &parcours.certification {
        if certification.required != "all-steps" {
            problems.at(
                Some("[certification]"),
                "required",
                "a parcours' certification requires \"all-steps\"",
            );
        }
        if !(0.0..=1.0).contains(&certification.min_scaled_score) {
            problems.at(
                Some("[certification]"),
                "min_scaled_score",
                "min_scaled_score is between 0 and 1",
            );
        }
    }
    if problems.found.is_empty() {
        Ok(parcours)
    } else {
        Err(problems.found)
    }
}

/// A quiz by activity id, for callers holding a [`ModulePackage`].
pub fn quiz_of<'a>(package: &'a ModulePackage, activity_id: &str) -> Option<&'a Quiz> {
    package.quizzes.get(activity_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_module(name: &str) -> PackageFiles {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../content/demo")
            .join(name);
        let mut files = PackageFiles::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.insert(relative, std::fs::read(&path).unwrap());
                }
            }
        }
        files
    }

    #[test]
    fn the_five_demo_modules_and_the_parcours_pass() {
        for name in [
            "programmation-creative",
            "information",
            "reseaux",
            "robotique",
            "projet",
        ] {
            let package = check_module(&demo_module(name))
                .unwrap_or_else(|problems| panic!("{name}: {problems:#?}"));
            assert!(!package.quizzes.is_empty(), "{name}");
        }
        let parcours = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../content/demo/parcours/decouverte.toml"),
        )
        .unwrap();
        assert_eq!(
            check_parcours("decouverte.toml", &parcours)
                .unwrap()
                .steps
                .len(),
            5
        );
    }

    #[test]
    fn every_problem_of_a_broken_module_is_reported_with_its_place() {
        let mut files = demo_module("robotique");
        let manifest = String::from_utf8(files["manifest.toml"].clone())
            .unwrap()
            .replace("version = \"1.1.0\"", "version = \"1.0\"")
            .replace("\"cycle2\"", "\"maternelle\"")
            .replace("pages/01-qu-est-ce-qu-un-robot.md", "pages/absent.md")
            .replace(
                "id = \"decouvrir-thymio\"",
                "id = \"qu-est-ce-qu-un-robot\"",
            );
        files.insert("manifest.toml".to_owned(), manifest.into_bytes());
        let problems = check_module(&files).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 4, "{text:#?}");
        assert!(
            text.iter().any(|p| p.contains("MAJOR.MINOR.PATCH")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|p| p.contains("unknown audience \"maternelle\"")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|p| p.contains("\"pages/absent.md\", which is not in the package")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|p| p.contains("is used twice")),
            "{text:#?}"
        );
        assert!(
            problems
                .iter()
                .all(|p| p.file == "manifest.toml" && p.line.is_some()),
            "{text:#?}"
        );
    }

    #[test]
    fn a_typo_in_a_key_is_refused_with_its_line() {
        let mut files = demo_module("reseaux");
        let manifest = String::from_utf8(files["manifest.toml"].clone())
            .unwrap()
            .replacen("duration_minutes", "durée", 1);
        files.insert("manifest.toml".to_owned(), manifest.into_bytes());
        let problems = check_module(&files).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].line.is_some(), "{}", problems[0]);
    }

    #[test]
    fn paths_leaving_the_package_are_refused() {
        assert!(!is_inside_package("../secret.md"));
        assert!(!is_inside_package("/etc/passwd"));
        assert!(!is_inside_package("pages/./a.md"));
        assert!(is_inside_package("pages/a.md"));
        assert!(is_semver("10.2.33") && !is_semver("1.0") && !is_semver("1.0.0-beta"));
    }
}
