//! A violation names the field path and the rule it breaks; validators report all of them, not only the first.

use std::fmt;

use serde::Serialize;

/// One broken rule, e.g. `{path: "actor.mbox", rule: "must be a mailto: IRI"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub path: String,
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.rule)
    }
}

/// Every violation found in one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(Violation::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl Violations {
    pub fn push(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.0.push(Violation {
            path: path.into(),
            rule: rule.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was found, else every violation.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// A single violation as an error.
    pub fn single(path: impl Into<String>, rule: impl Into<String>) -> Violations {
        let mut violations = Violations::default();
        violations.push(path, rule);
        violations
    }
}
