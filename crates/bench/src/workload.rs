//! A generated Class'Code workload: learners following modules (pages, videos, quizzes) in registrations spread
//! over 90 days, as the player would trace them. Deterministic for a given seed.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

const MODULES: [&str; 5] = [
    "programmation-creative",
    "information",
    "reseaux",
    "robotique",
    "projet",
];
const PAGES_PER_MODULE: u64 = 6;
const VIDEOS_PER_MODULE: u64 = 2;
const QUESTIONS_PER_QUIZ: u64 = 10;
const ACADEMIES: u64 = 30;

/// A small, fast, deterministic generator (xorshift64*); the workload needs spread, not cryptography.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    pub fn uuid(&mut self) -> Uuid {
        Uuid::from_u64_pair(self.next(), self.next())
    }
}

/// One learner following one module in one registration.
struct Session {
    learner: u64,
    module: &'static str,
    registration: Uuid,
    at: DateTime<Utc>,
    steps: Vec<Step>,
}

enum Step {
    Launched,
    Initialized,
    Page(u64),
    Video(u64, &'static str),
    Answer(u64),
    Passed(bool),
    Completed,
    Terminated,
}

/// Produces statements session after session.
pub struct Workload {
    rng: Rng,
    learners: u64,
    start: DateTime<Utc>,
    current: Option<Session>,
    /// Registrations and learners already generated, for queries that must find something.
    pub registrations: Vec<Uuid>,
}

impl Workload {
    pub fn new(seed: u64, learners: u64, now: DateTime<Utc>) -> Workload {
        Workload {
            rng: Rng::new(seed),
            learners: learners.max(1),
            start: now - Duration::days(90),
            current: None,
            registrations: Vec::new(),
        }
    }

    pub fn learners(&self) -> u64 {
        self.learners
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    fn new_session(&mut self) -> Session {
        let learner = self.rng.below(self.learners);
        let module = MODULES[self.rng.below(MODULES.len() as u64) as usize];
        let registration = self.rng.uuid();
        if self.registrations.len() < 100_000 {
            self.registrations.push(registration);
        }
        let at = self.start + Duration::seconds(self.rng.below(90 * 86_400) as i64);
        let mut steps = vec![Step::Launched, Step::Initialized];
        for page in 0..PAGES_PER_MODULE {
            steps.push(Step::Page(page));
        }
        for video in 0..VIDEOS_PER_MODULE {
            steps.push(Step::Video(video, "played"));
            if self.rng.below(3) == 0 {
                steps.push(Step::Video(video, "paused"));
                steps.push(Step::Video(video, "played"));
            }
            steps.push(Step::Video(video, "completed"));
        }
        for question in 0..QUESTIONS_PER_QUIZ {
            steps.push(Step::Answer(question));
        }
        steps.push(Step::Passed(self.rng.below(10) < 7));
        steps.push(Step::Completed);
        steps.push(Step::Terminated);
        steps.reverse();
        Session {
            learner,
            module,
            registration,
            at,
            steps,
        }
    }

    pub fn next_statement(&mut self) -> Value {
        if self
            .current
            .as_ref()
            .is_none_or(|session| session.steps.is_empty())
        {
            self.current = Some(self.new_session());
        }
        let elapsed = self.rng.below(90) as i64 + 5;
        let answer_right = self.rng.below(4) != 0;
        let Some(session) = self.current.as_mut() else {
            unreachable!("a session was just created")
        };
        session.at += Duration::seconds(elapsed);
        let step = session.steps.pop().unwrap_or(Step::Terminated);
        statement(session, &step, answer_right)
    }
}

pub fn learner_account(learner: u64) -> Value {
    json!({"homePage": format!("https://magistere.example/ac-{:02}", learner % ACADEMIES), "name": format!("learner-{learner}")})
}

pub fn module_id(index: usize) -> String {
    format!(
        "https://classcode.example/modules/{}",
        MODULES[index % MODULES.len()]
    )
}

fn statement(session: &Session, step: &Step, answer_right: bool) -> Value {
    let module = format!("https://classcode.example/modules/{}", session.module);
    let (verb, object, result): (&str, Value, Option<Value>) = match step {
        Step::Launched => (
            "http://adlnet.gov/expapi/verbs/launched",
            activity(&module, "module", session.module),
            None,
        ),
        Step::Initialized => (
            "http://adlnet.gov/expapi/verbs/initialized",
            activity(&module, "module", session.module),
            None,
        ),
        Step::Page(page) => (
            "http://adlnet.gov/expapi/verbs/experienced",
            activity(
                &format!("{module}/pages/{page}"),
                "page",
                &format!("Page {page}"),
            ),
            Some(json!({"duration": format!("PT{}S", 30 + page * 7)})),
        ),
        Step::Video(video, action) => (
            match *action {
                "played" => "https://w3id.org/xapi/video/verbs/played",
                "paused" => "https://w3id.org/xapi/video/verbs/paused",
                _ => "http://adlnet.gov/expapi/verbs/completed",
            },
            activity(
                &format!("{module}/videos/{video}"),
                "video",
                &format!("Vidéo {video}"),
            ),
            Some(
                json!({"extensions": {"https://w3id.org/xapi/video/extensions/time": 12.5 * (*video as f64 + 1.0)}}),
            ),
        ),
        Step::Answer(question) => (
            "http://adlnet.gov/expapi/verbs/answered",
            json!({
                "id": format!("{module}/quiz/q{question}"),
                "definition": {
                    "name": {"fr-FR": format!("Question {question}"), "en-US": format!("Question {question}")},
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "interactionType": "choice",
                    "correctResponsesPattern": ["b"],
                    "choices": [{"id": "a", "description": {"fr-FR": "Réponse A"}}, {"id": "b", "description": {"fr-FR": "Réponse B"}}]
                }
            }),
            Some(
                json!({"success": answer_right, "response": if answer_right { "b" } else { "a" }, "score": {"raw": u8::from(answer_right), "min": 0, "max": 1}}),
            ),
        ),
        Step::Passed(passed) => (
            if *passed {
                "http://adlnet.gov/expapi/verbs/passed"
            } else {
                "http://adlnet.gov/expapi/verbs/failed"
            },
            activity(&format!("{module}/quiz"), "assessment", "Quiz final"),
            Some(json!({"score": {"scaled": if *passed { 0.8 } else { 0.4 }}, "success": passed})),
        ),
        Step::Completed => (
            "http://adlnet.gov/expapi/verbs/completed",
            activity(&module, "module", session.module),
            Some(json!({"completion": true})),
        ),
        Step::Terminated => (
            "http://adlnet.gov/expapi/verbs/terminated",
            activity(&module, "module", session.module),
            None,
        ),
    };
    let mut statement = json!({
        "actor": {"objectType": "Agent", "account": learner_account(session.learner)},
        "verb": {"id": verb},
        "object": object,
        "context": {
            "registration": session.registration.to_string(),
            "platform": "Moodle 4.5",
            "language": "fr-FR",
            "contextActivities": {
                "parent": [{"id": module}],
                "grouping": [{"id": format!("https://magistere.example/course/{}", session.learner % 200)}],
                "category": [{"id": "https://classcode.example/profiles/player"}]
            }
        },
        "timestamp": session.at.to_rfc3339_opts(SecondsFormat::Millis, true)
    });
    if let Some(result) = result {
        statement["result"] = result;
    }
    statement
}

fn activity(id: &str, kind: &str, name: &str) -> Value {
    json!({
        "id": id,
        "definition": {"name": {"fr-FR": name}, "type": format!("https://classcode.example/activity-types/{kind}")}
    })
}
