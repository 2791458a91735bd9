//! Readiness: is the database reachable and is its schema the one this binary expects?

use serde::Serialize;

use crate::Hub;

/// What `/readyz` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    pub database: &'static str,
    pub backend: &'static str,
    pub pending_migrations: Vec<String>,
    /// Why the database check failed, in words an operator can act on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.problem.is_none() && self.pending_migrations.is_empty()
    }
}

impl Hub {
    /// Checks the database with a ping and compares applied migrations with the ones this binary carries.
    #[tracing::instrument(skip_all)]
    pub async fn readiness(&self) -> Readiness {
        let backend = self.storage.backend().as_str();
        if let Err(err) = self.storage.ping().await {
            tracing::warn!(error = %err, "database ping failed");
            return Readiness {
                database: "unreachable",
                backend,
                pending_migrations: Vec::new(),
                problem: Some("the database does not answer".to_owned()),
            };
        }
        match self.storage.pending_migrations().await {
            Ok(pending) => Readiness {
                database: "ok",
                backend,
                pending_migrations: pending,
                problem: None,
            },
            Err(err) => {
                tracing::warn!(error = %err, "reading migrations failed");
                Readiness {
                    database: "error",
                    backend,
                    pending_migrations: Vec::new(),
                    problem: Some("the migration table cannot be read".to_owned()),
                }
            }
        }
    }
}
