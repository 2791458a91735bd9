//! cmi5 course packages: the course structure (`cmi5.xml`) read into a course, its blocks and its assignable units
//! (AUs), with every problem reported with its line and column, and the `moveOn` rule that says when an AU is
//! satisfied. The launch itself (URL parameters, fetch URL, `LMS.LaunchData`) is the hub's business.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Localized, PackageFiles, Problem};

/// The course structure's file name in a package.
pub const STRUCTURE_FILE: &str = "cmi5.xml";
const NAMESPACE: &str = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd";

/// When an AU counts as satisfied (cmi5 §13.1.4, attribute `moveOn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveOn {
    Passed,
    Completed,
    CompletedAndPassed,
    CompletedOrPassed,
    NotApplicable,
}

impl MoveOn {
    fn parse(text: &str) -> Option<MoveOn> {
        Some(match text {
            "Passed" => MoveOn::Passed,
            "Completed" => MoveOn::Completed,
            "CompletedAndPassed" => MoveOn::CompletedAndPassed,
            "CompletedOrPassed" => MoveOn::CompletedOrPassed,
            "NotApplicable" => MoveOn::NotApplicable,
            _ => return None,
        })
    }

    /// The name cmi5 gives it, as in `LMS.LaunchData`.
    pub fn as_str(self) -> &'static str {
        match self {
            MoveOn::Passed => "Passed",
            MoveOn::Completed => "Completed",
            MoveOn::CompletedAndPassed => "CompletedAndPassed",
            MoveOn::CompletedOrPassed => "CompletedOrPassed",
            MoveOn::NotApplicable => "NotApplicable",
        }
    }

    /// Whether an AU with this rule is satisfied, given whether it was completed and passed in the registration.
    pub fn is_satisfied(self, completed: bool, passed: bool) -> bool {
        match self {
            MoveOn::Passed => passed,
            MoveOn::Completed => completed,
            MoveOn::CompletedAndPassed => completed && passed,
            MoveOn::CompletedOrPassed => completed || passed,
            MoveOn::NotApplicable => true,
        }
    }
}

/// How the AU wants to be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchMethod {
    AnyWindow,
    OwnWindow,
}

/// One assignable unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignableUnit {
    /// The AU's IRI: the `activityId` of its launch and the object of its cmi5 statements.
    pub id: String,
    pub title: Localized,
    pub description: Localized,
    /// Relative to the package root, or an absolute `http(s)` URL.
    pub url: String,
    pub move_on: MoveOn,
    pub mastery_score: Option<f64>,
    pub launch_method: LaunchMethod,
    pub launch_parameters: Option<String>,
    pub entitlement_key: Option<String>,
    pub activity_type: Option<String>,
    /// The ids of the blocks that hold it, outermost first.
    pub blocks: Vec<String>,
}

/// A block: AUs and blocks grouped under one id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub id: String,
    pub title: Localized,
    /// The ids of the AUs it holds, at any depth.
    pub units: Vec<String>,
}

/// A checked cmi5 course structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cmi5Course {
    /// The course IRI.
    pub id: String,
    pub title: Localized,
    pub description: Localized,
    /// Every AU in the order of the structure.
    pub units: Vec<AssignableUnit>,
    pub blocks: Vec<Block>,
}

impl Cmi5Course {
    /// The hub's content id for this course: `cmi5.` and a readable slug of its IRI, with a short hash so that two
    /// IRIs never share an id.
    pub fn content_id(&self) -> String {
        let readable = self
            .id
            .split_once("://")
            .map_or(self.id.as_str(), |(_, rest)| rest);
        let mut slug = String::new();
        for c in readable.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 48 {
                break;
            }
        }
        let slug = slug.trim_matches('-');
        // FNV-1a: stable across builds and platforms, enough to tell two IRIs with the same slug apart.
        let hash = self
            .id
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        format!("cmi5.{slug}-{:08x}", hash & 0xffff_ffff)
    }

    /// The AU with this IRI.
    pub fn unit(&self, id: &str) -> Option<&AssignableUnit> {
        self.units.iter().find(|unit| unit.id == id)
    }
}

/// Checks a cmi5 package: `cmi5.xml` at its root, well formed, in the cmi5 namespace, with a course, at least one
/// AU, unique ids, known `moveOn` and `launchMethod` values, a mastery score between 0 and 1, and each relative AU
/// URL naming a file of the package.
pub fn check_course(files: &PackageFiles) -> Result<Cmi5Course, Vec<Problem>> {
    let Some(bytes) = files.get(STRUCTURE_FILE) else {
        return Err(vec![problem(None, format!("{STRUCTURE_FILE} is missing"))]);
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|err| vec![problem(None, format!("not UTF-8 text ({err})"))])?;
    let document = roxmltree::Document::parse(text).map_err(|err| {
        let position = err.pos();
        vec![Problem {
            file: STRUCTURE_FILE.to_owned(),
            line: Some(position.row as usize),
            column: Some(position.col as usize),
            message: format!("not well-formed XML: {err}"),
        }]
    })?;
    let mut reader = Reader {
        document: &document,
        problems: Vec::new(),
        ids: BTreeSet::new(),
    };
    let root = document.root_element();
    if root.tag_name().name() != "courseStructure" || root.tag_name().namespace() != Some(NAMESPACE)
    {
        reader.at(
            root,
            format!("the root element must be <courseStructure xmlns=\"{NAMESPACE}\">"),
        );
        return Err(reader.problems);
    }
    let course = children(root, "course").next();
    let (id, title, description) = match course {
        Some(course) => (
            reader.iri(course, "id").unwrap_or_default(),
            reader.text(course, "title"),
            reader.text(course, "description"),
        ),
        None => {
            reader.at(root, "<course> is missing".to_owned());
            (String::new(), Localized::default(), Localized::default())
        }
    };
    let mut units = Vec::new();
    let mut blocks = Vec::new();
    reader.members(root, &mut Vec::new(), &mut units, &mut blocks);
    if units.is_empty() {
        reader.at(root, "the course has no <au>".to_owned());
    }
    for unit in &units {
        if !unit.url.starts_with("https://") && !unit.url.starts_with("http://") {
            let path = unit.url.split(['?', '#']).next().unwrap_or_default();
            if !files.contains_key(path) {
                reader.problems.push(problem(
                    None,
                    format!(
                        "AU {:?}: its url names {path:?}, which is not in the package",
                        unit.id
                    ),
                ));
            }
        }
    }
    if reader.problems.is_empty() {
        Ok(Cmi5Course {
            id,
            title,
            description,
            units,
            blocks,
        })
    } else {
        Err(reader.problems)
    }
}

fn problem(place: Option<(usize, usize)>, message: String) -> Problem {
    Problem {
        file: STRUCTURE_FILE.to_owned(),
        line: place.map(|(line, _)| line),
        column: place.map(|(_, column)| column),
        message,
    }
}

fn children<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

struct Reader<'a, 'input> {
    document: &'a roxmltree::Document<'input>,
    problems: Vec<Problem>,
    ids: BTreeSet<String>,
}

impl<'a, 'input> Reader<'a, 'input> {
    fn at(&mut self, node: roxmltree::Node<'_, '_>, message: String) {
        let position = self.document.text_pos_at(node.range().start);
        self.problems.push(problem(
            Some((position.row as usize, position.col as usize)),
            message,
        ));
    }

    /// A required IRI attribute, unique in the structure.
    fn iri(&mut self, node: roxmltree::Node<'_, '_>, attribute: &str) -> Option<String> {
        let element = node.tag_name().name();
        match node.attribute(attribute) {
            None => {
                self.at(node, format!("<{element}> needs an {attribute} attribute"));
                None
            }
            Some(value) if !value.contains(':') || value.chars().any(char::is_whitespace) => {
                self.at(
                    node,
                    format!("<{element}> {attribute} {value:?} is not an IRI"),
                );
                None
            }
            Some(value) => {
                if !self.ids.insert(value.to_owned()) {
                    self.at(
                        node,
                        format!("id {value:?} is used twice in the course structure"),
                    );
                }
                Some(value.to_owned())
            }
        }
    }

    /// The `<langstring>`s of a child element, French first, English second; another language stands in for
    /// French when there is none.
    fn text(&mut self, node: roxmltree::Node<'_, '_>, name: &'static str) -> Localized {
        let mut french = None;
        let mut english = None;
        let mut other = None;
        for string in children(node, name).flat_map(|child| children(child, "langstring")) {
            let value = string.text().unwrap_or_default().trim().to_owned();
            let lang = string
                .attribute("lang")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if lang.starts_with("fr") {
                french.get_or_insert(value);
            } else if lang.starts_with("en") {
                english.get_or_insert(value);
            } else {
                other.get_or_insert(value);
            }
        }
        if name == "title" && french.is_none() && english.is_none() && other.is_none() {
            self.at(
                node,
                format!(
                    "<{}> needs a <title> with at least one <langstring>",
                    node.tag_name().name()
                ),
            );
        }
        Localized {
            fr: french
                .or_else(|| english.clone())
                .or(other)
                .unwrap_or_default(),
            en: english,
        }
    }

    /// The AUs and blocks inside `parent`, in order.
    fn members(
        &mut self,
        parent: roxmltree::Node<'a, 'input>,
        path: &mut Vec<String>,
        units: &mut Vec<AssignableUnit>,
        blocks: &mut Vec<Block>,
    ) {
        for node in parent.children().filter(roxmltree::Node::is_element) {
            match node.tag_name().name() {
                "au" => {
                    if let Some(unit) = self.unit(node, path) {
                        units.push(unit);
                    }
                }
                "block" => {
                    let id = self.iri(node, "id").unwrap_or_default();
                    let title = self.text(node, "title");
                    let first = units.len();
                    path.push(id.clone());
                    self.members(node, path, units, blocks);
                    path.pop();
                    blocks.push(Block {
                        id,
                        title,
                        units: units[first..].iter().map(|unit| unit.id.clone()).collect(),
                    });
                }
                _ => {}
            }
        }
    }

    fn unit(&mut self, node: roxmltree::Node<'_, '_>, path: &[String]) -> Option<AssignableUnit> {
        let id = self.iri(node, "id");
        let title = self.text(node, "title");
        let description = self.text(node, "description");
        let move_on = match node.attribute("moveOn") {
            None => MoveOn::NotApplicable,
            Some(value) => MoveOn::parse(value).unwrap_or_else(|| {
                self.at(node, format!("moveOn {value:?} is not one of Passed, Completed, CompletedAndPassed, CompletedOrPassed, NotApplicable"));
                MoveOn::NotApplicable
            }),
        };
        let mastery_score = match node.attribute("masteryScore") {
            None => None,
            Some(value) => match value.trim().parse::<f64>() {
                Ok(score) if (0.0..=1.0).contains(&score) => Some(score),
                _ => {
                    self.at(
                        node,
                        format!("masteryScore {value:?} must be a decimal from 0 to 1"),
                    );
                    None
                }
            },
        };
        let launch_method = match node.attribute("launchMethod").unwrap_or("AnyWindow") {
            "AnyWindow" => LaunchMethod::AnyWindow,
            "OwnWindow" => LaunchMethod::OwnWindow,
            other => {
                self.at(
                    node,
                    format!("launchMethod {other:?} is not AnyWindow or OwnWindow"),
                );
                LaunchMethod::AnyWindow
            }
        };
        let element_text = |name: &'static str| {
            children(node, name)
                .next()
                .and_then(|child| child.text())
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
        };
        let url = element_text("url");
        if url.is_none() {
            self.at(node, "<au> needs a <url>".to_owned());
        }
        let url = url.unwrap_or_default();
        if url.starts_with('/')
            || url
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .contains("..")
        {
            self.at(
                node,
                format!("url {url:?} must stay inside the package (no leading / and no ..)"),
            );
        }
        Some(AssignableUnit {
            id: id?,
            title,
            description,
            url,
            move_on,
            mastery_score,
            launch_method,
            launch_parameters: element_text("launchParameters"),
            entitlement_key: element_text("entitlementKey"),
            activity_type: node.attribute("activityType").map(str::to_owned),
            blocks: path.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRUCTURE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://classcode.fr/cmi5/binaire">
    <title><langstring lang="fr-FR">Compter en binaire</langstring><langstring lang="en-US">Counting in binary</langstring></title>
    <description><langstring lang="fr-FR">Un cours court.</langstring></description>
  </course>
  <block id="https://classcode.fr/cmi5/binaire/bloc">
    <title><langstring lang="fr-FR">Bloc</langstring></title>
    <au id="https://classcode.fr/cmi5/binaire/quiz" moveOn="CompletedAndPassed" masteryScore="0.75">
      <title><langstring lang="fr-FR">Quiz</langstring></title>
      <url>au/index.html?niveau=1</url>
    </au>
  </block>
  <au id="https://classcode.fr/cmi5/binaire/lecture">
    <title><langstring lang="en-US">Reading</langstring></title>
    <url>https://example.org/au</url>
  </au>
</courseStructure>"#;

    fn package(structure: &str) -> PackageFiles {
        let mut files = PackageFiles::new();
        files.insert(STRUCTURE_FILE.to_owned(), structure.as_bytes().to_vec());
        files.insert("au/index.html".to_owned(), b"<!doctype html>".to_vec());
        files
    }

    #[test]
    fn a_course_structure_reads_into_units_and_blocks() {
        let course = check_course(&package(STRUCTURE)).unwrap();
        assert_eq!(course.title.get("en"), "Counting in binary");
        assert_eq!(course.units.len(), 2);
        let quiz = &course.units[0];
        assert_eq!(quiz.move_on, MoveOn::CompletedAndPassed);
        assert_eq!(quiz.mastery_score, Some(0.75));
        assert_eq!(quiz.blocks, vec!["https://classcode.fr/cmi5/binaire/bloc"]);
        assert_eq!(quiz.url, "au/index.html?niveau=1");
        let reading = &course.units[1];
        assert_eq!(reading.move_on, MoveOn::NotApplicable);
        assert_eq!(reading.title.get("fr"), "Reading");
        assert_eq!(
            course.blocks[0].units,
            vec!["https://classcode.fr/cmi5/binaire/quiz"]
        );
        let id = course.content_id();
        assert!(id.starts_with("cmi5.classcode-fr-cmi5-binaire-"), "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let broken = STRUCTURE
            .replace("moveOn=\"CompletedAndPassed\"", "moveOn=\"Finished\"")
            .replace("masteryScore=\"0.75\"", "masteryScore=\"75\"")
            .replace("au/index.html?niveau=1", "au/missing.html")
            .replace("https://example.org/au", "../outside.html")
            .replace(
                "id=\"https://classcode.fr/cmi5/binaire/lecture\"",
                "id=\"https://classcode.fr/cmi5/binaire/quiz\"",
            );
        let problems = check_course(&package(&broken)).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let has = |needle: &str| text.iter().any(|line| line.contains(needle));
        assert!(has("moveOn \"Finished\""), "{text:#?}");
        assert!(has("masteryScore \"75\""), "{text:#?}");
        assert!(has("used twice"), "{text:#?}");
        assert!(has("must stay inside the package"), "{text:#?}");
        assert!(
            has("\"au/missing.html\", which is not in the package"),
            "{text:#?}"
        );
        assert!(
            problems.iter().any(|problem| problem.line == Some(9)),
            "{text:#?}"
        );
    }

    #[test]
    fn malformed_xml_and_a_foreign_root_are_refused() {
        let problems = check_course(&package("<courseStructure>")).unwrap_err();
        assert!(
            problems[0].message.contains("not well-formed"),
            "{problems:?}"
        );
        let problems = check_course(&package("<manifest/>")).unwrap_err();
        assert!(problems[0].message.contains("root element"), "{problems:?}");
    }

    #[test]
    fn move_on_rules() {
        assert!(MoveOn::CompletedOrPassed.is_satisfied(false, true));
        assert!(!MoveOn::CompletedAndPassed.is_satisfied(true, false));
        assert!(MoveOn::NotApplicable.is_satisfied(false, false));
        assert!(!MoveOn::Passed.is_satisfied(true, false));
    }
}
