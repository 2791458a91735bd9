//! Quizzes: single and multiple choice, numeric and short text questions, with feedback and points; and the
//! scoring of an answer.

use serde::{Deserialize, Serialize};

use crate::manifest::Localized;
use crate::problems::FileProblems;

/// A quiz file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    pub title: Localized,
    #[serde(default)]
    pub shuffle: bool,
    pub questions: Vec<Question>,
}

/// The kinds of question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    Single,
    Multiple,
    Numeric,
    Text,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub points: f64,
    pub prompt: Localized,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
    #[serde(default)]
    pub case_sensitive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Feedback>,
}

/// A choice of a single or multiple choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub text: Localized,
    pub correct: bool,
}

/// What the learner reads after answering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub correct: Localized,
    pub incorrect: Localized,
}

/// A learner's answer to one question.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Choices(Vec<String>),
    Number(f64),
    Text(String),
}

/// A localized text as an xAPI language map (`fr-FR`, and `en-US` when there is English).
fn language_map(text: &Localized) -> serde_json::Value {
    let mut map = serde_json::json!({"fr-FR": text.fr});
    if let Some(english) = text
        .en
        .as_ref()
        .filter(|english| !english.trim().is_empty())
    {
        map["en-US"] = serde_json::json!(english);
    }
    map
}

impl Question {
    /// The question as an xAPI `cmi.interaction` activity definition: its interaction type, its choices and the
    /// correct responses pattern (`choice`, `numeric` with a `min[:]max` range, `fill-in` with each accepted text).
    pub fn interaction_definition(&self) -> serde_json::Value {
        let mut definition = serde_json::json!({
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": language_map(&self.prompt),
        });
        match self.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                let correct: Vec<&str> = self
                    .choices
                    .iter()
                    .filter(|choice| choice.correct)
                    .map(|choice| choice.id.as_str())
                    .collect();
                definition["interactionType"] = serde_json::json!("choice");
                definition["correctResponsesPattern"] = serde_json::json!([correct.join("[,]")]);
                definition["choices"] = self
                    .choices
                    .iter()
                    .map(|choice| serde_json::json!({"id": choice.id, "description": language_map(&choice.text)}))
                    .collect();
            }
            QuestionKind::Numeric => {
                let answer = self.answer.unwrap_or_default();
                let tolerance = self.tolerance.unwrap_or_default();
                let pattern = if tolerance > 0.0 {
                    format!("{}[:]{}", answer - tolerance, answer + tolerance)
                } else {
                    answer.to_string()
                };
                definition["interactionType"] = serde_json::json!("numeric");
                definition["correctResponsesPattern"] = serde_json::json!([pattern]);
            }
            QuestionKind::Text => {
                definition["interactionType"] = serde_json::json!("fill-in");
                definition["correctResponsesPattern"] = self
                    .accepted
                    .iter()
                    .map(|text| {
                        serde_json::json!(format!("{{case_matters={}}}{text}", self.case_sensitive))
                    })
                    .collect();
            }
        }
        definition
    }

    /// Whether `answer` is right (a wrong kind of answer is wrong).
    pub fn is_correct(&self, answer: &Answer) -> bool {
        match (self.kind, answer) {
            (QuestionKind::Single | QuestionKind::Multiple, Answer::Choices(picked)) => {
                let mut right: Vec<&str> = self
                    .choices
                    .iter()
                    .filter(|choice| choice.correct)
                    .map(|choice| choice.id.as_str())
                    .collect();
                let mut picked: Vec<&str> = picked.iter().map(String::as_str).collect();
                right.sort_unstable();
                picked.sort_unstable();
                picked.dedup();
                right == picked
            }
            (QuestionKind::Numeric, Answer::Number(value)) => self.answer.is_some_and(|answer| {
                (value - answer).abs() <= self.tolerance.unwrap_or(0.0) + 1e-9
            }),
            (QuestionKind::Text, Answer::Text(text)) => {
                let text = text.trim();
                self.accepted.iter().any(|accepted| {
                    if self.case_sensitive {
                        accepted.trim() == text
                    } else {
                        accepted.trim().to_lowercase() == text.to_lowercase()
                    }
                })
            }
            _ => false,
        }
    }
}

impl Quiz {
    /// The points a perfect answer sheet gets.
    pub fn max_points(&self) -> f64 {
        self.questions.iter().map(|question| question.points).sum()
    }
}

/// Reads and checks a quiz file.
pub(crate) fn check_quiz(file: &str, text: &str) -> Result<Quiz, Vec<crate::Problem>> {
    let mut problems = FileProblems::new(file, text);
    let quiz: Quiz = match toml::from_str(text) {
        Ok(quiz) => quiz,
        Err(err) => {
            problems.toml(&err);
            return Err(problems.found);
        }
    };
    if quiz.questions.is_empty() {
        problems.at(None, "", "a quiz has at least one question");
    }
    let mut seen = std::collections::BTreeSet::new();
    for question in &quiz.questions {
        let anchor = format!("\"{}\"", question.id);
        let at = Some(anchor.as_str());
        if !seen.insert(question.id.as_str()) {
            problems.at(
                None,
                &anchor,
                format!("question id {:?} is used twice", question.id),
            );
        }
        if question.points <= 0.0 {
            problems.at(at, "points", "points must be above 0");
        }
        if question.prompt.fr.trim().is_empty() {
            problems.at(at, "prompt", "the prompt needs French text (fr)");
        }
        match question.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                if question.choices.len() < 2 {
                    problems.at(at, "choices", "a choice question has at least two choices");
                }
                let correct = question
                    .choices
                    .iter()
                    .filter(|choice| choice.correct)
                    .count();
                if question.kind == QuestionKind::Single && correct != 1 {
                    problems.at(
                        at,
                        "choices",
                        format!(
                            "a single choice question has exactly one correct choice, not {correct}"
                        ),
                    );
                }
                if question.kind == QuestionKind::Multiple && correct == 0 {
                    problems.at(
                        at,
                        "choices",
                        "a multiple choice question has at least one correct choice",
                    );
                }
                let mut ids = std::collections::BTreeSet::new();
                for choice in &question.choices {
                    if !ids.insert(choice.id.as_str()) {
                        problems.at(
                            at,
                            "choices",
                            format!("choice id {:?} is used twice", choice.id),
                        );
                    }
                }
            }
            QuestionKind::Numeric => {
                if question.answer.is_none() {
                    problems.at(at, "kind", "a numeric question needs an answer");
                }
                if question.tolerance.is_some_and(|tolerance| tolerance < 0.0) {
                    problems.at(at, "tolerance", "tolerance cannot be negative");
                }
            }
            QuestionKind::Text => {
                if question
                    .accepted
                    .iter()
                    .all(|accepted| accepted.trim().is_empty())
                {
                    problems.at(at, "kind", "a text question needs accepted answers");
                }
            }
        }
    }
    if problems.found.is_empty() {
        Ok(quiz)
    } else {
        Err(problems.found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_become_cmi_interactions() {
        let quiz: Quiz = serde_json::from_value(serde_json::json!({
            "title": {"fr": "Quiz"},
            "questions": [
                {"id": "q1", "kind": "multiple", "points": 1.0, "prompt": {"fr": "Pairs ?", "en": "Even?"},
                 "choices": [{"id": "a", "text": {"fr": "2"}, "correct": true},
                             {"id": "b", "text": {"fr": "3"}, "correct": false},
                             {"id": "c", "text": {"fr": "4"}, "correct": true}]},
                {"id": "q2", "kind": "numeric", "points": 1.0, "prompt": {"fr": "13 ?"}, "answer": 13.0, "tolerance": 0.5},
                {"id": "q3", "kind": "text", "points": 1.0, "prompt": {"fr": "Mot ?"}, "accepted": ["pixel", "pixels"]},
            ],
        }))
        .unwrap();
        let choice = quiz.questions[0].interaction_definition();
        assert_eq!(choice["interactionType"], "choice");
        assert_eq!(
            choice["correctResponsesPattern"],
            serde_json::json!(["a[,]c"])
        );
        assert_eq!(choice["choices"][1]["id"], "b");
        assert_eq!(choice["name"]["en-US"], "Even?");
        let numeric = quiz.questions[1].interaction_definition();
        assert_eq!(
            numeric["correctResponsesPattern"],
            serde_json::json!(["12.5[:]13.5"])
        );
        let text = quiz.questions[2].interaction_definition();
        assert_eq!(text["interactionType"], "fill-in");
        assert_eq!(
            text["correctResponsesPattern"],
            serde_json::json!(["{case_matters=false}pixel", "{case_matters=false}pixels"])
        );
    }

    const QUIZ: &str = r#"
title = { fr = "Quiz" }

[[questions]]
id = "q1"
kind = "single"
points = 1
prompt = { fr = "1 + 1 ?" }
choices = [ { id = "a", text = { fr = "2" }, correct = true }, { id = "b", text = { fr = "3" }, correct = false } ]

[[questions]]
id = "q2"
kind = "numeric"
points = 2
prompt = { fr = "1101 en base 10 ?" }
answer = 13.0

[[questions]]
id = "q3"
kind = "text"
points = 1
prompt = { fr = "Un mot" }
accepted = ["pixel"]
"#;

    #[test]
    fn a_good_quiz_scores_its_answers() {
        let quiz = check_quiz("q.toml", QUIZ).unwrap();
        assert_eq!(quiz.max_points(), 4.0);
        assert!(quiz.questions[0].is_correct(&Answer::Choices(vec!["a".to_owned()])));
        assert!(
            !quiz.questions[0].is_correct(&Answer::Choices(vec!["a".to_owned(), "b".to_owned()]))
        );
        assert!(quiz.questions[1].is_correct(&Answer::Number(13.0)));
        assert!(!quiz.questions[1].is_correct(&Answer::Text("13".to_owned())));
        assert!(quiz.questions[2].is_correct(&Answer::Text(" Pixel ".to_owned())));
    }

    #[test]
    fn broken_questions_are_each_reported_at_their_place() {
        let broken = QUIZ
            .replace("correct = true", "correct = false")
            .replace("answer = 13.0", "")
            .replace(
                "points = 1\nprompt = { fr = \"Un mot\" }",
                "points = 0\nprompt = { fr = \"Un mot\" }",
            );
        let problems = check_quiz("q.toml", &broken).unwrap_err();
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{messages:?}");
        assert!(
            messages[0].contains("exactly one correct choice, not 0"),
            "{messages:?}"
        );
        assert!(messages[1].contains("needs an answer"), "{messages:?}");
        assert!(messages[2].starts_with("q.toml:"), "{messages:?}");
        assert!(problems.iter().all(|problem| problem.line.is_some()));
    }

    #[test]
    fn an_unknown_key_is_a_syntax_problem_with_its_position() {
        let problems = check_quiz(
            "q.toml",
            &QUIZ
                .replace("shuffle", "x")
                .replace("points = 2", "point = 2"),
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("point"), "{}", problems[0]);
        assert!(problems[0].line.is_some());
    }
}
