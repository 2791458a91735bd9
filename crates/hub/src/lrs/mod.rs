//! The embedded Learning Record Store: credentials and scopes, statements, documents, activities and agents.

mod credentials;
mod documents;
mod statements;
mod writer;
mod x5c;

use classcode_storage::TenantId;
use serde_json::Value;

pub(crate) use credentials::hash_secret;
pub use credentials::{CreatedCredential, CredentialCache, CredentialError};
pub use documents::{DocumentError, DocumentTarget, Preconditions, StoredDocument, WriteMode};
pub use statements::{
    IncomingAttachment, QueryError, StatementPage, StoreError, merge_definition_text,
};
pub use writer::StatementWriter;

/// What an LRS credential may do (xAPI Communication §4.2, OAuth scopes, used here for Basic credentials too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    StatementsWrite,
    StatementsRead,
    StatementsReadMine,
    AllRead,
    All,
    State,
    Define,
    Profile,
}

impl Scope {
    pub const ALL_SCOPES: [Scope; 8] = [
        Scope::StatementsWrite,
        Scope::StatementsRead,
        Scope::StatementsReadMine,
        Scope::AllRead,
        Scope::All,
        Scope::State,
        Scope::Define,
        Scope::Profile,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::StatementsWrite => "statements/write",
            Scope::StatementsRead => "statements/read",
            Scope::StatementsReadMine => "statements/read/mine",
            Scope::AllRead => "all/read",
            Scope::All => "all",
            Scope::State => "state",
            Scope::Define => "define",
            Scope::Profile => "profile",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL_SCOPES
            .into_iter()
            .find(|scope| scope.as_str() == text)
    }
}

/// An authenticated LRS client: its tenant, its scopes and the authority it writes into statements.
#[derive(Clone, Debug)]
pub struct LrsCaller {
    pub tenant_id: TenantId,
    pub credential_key: String,
    pub scopes: Vec<Scope>,
    pub authority: Value,
    /// Set for launch tokens: the only actor and registration this caller may write and read.
    pub restriction: Option<LaunchRestriction>,
}

/// The limits of a launch token (content launched by the hub): one actor, one registration.
#[derive(Clone, Debug)]
pub struct LaunchRestriction {
    pub actor: Value,
    pub registration: uuid::Uuid,
    /// Whether the scores this caller reports become grades in the LMS. The browser's copy of a player token
    /// does not: a learner holding it could claim any score; the hub's own quiz scoring does, and so does a
    /// cmi5 assignable unit, which the cmi5 model trusts to report its own result.
    pub scores_count: bool,
    /// For a cmi5 AU's token: its session, whose statements the LRS checks against the cmi5 rules.
    pub cmi5_session: Option<uuid::Uuid>,
}

/// What a request wants to do, to check against scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    WriteStatements,
    ReadStatements,
    State,
    ReadProfile,
    WriteProfile,
    ReadDefinitions,
}

impl LrsCaller {
    fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether the caller may do this at all (a `statements/read/mine` reader is limited later, by filter).
    pub fn may(&self, access: Access) -> bool {
        if self.has(Scope::All) {
            return true;
        }
        match access {
            Access::WriteStatements => self.has(Scope::StatementsWrite),
            Access::ReadStatements => {
                self.has(Scope::StatementsRead)
                    || self.has(Scope::StatementsReadMine)
                    || self.has(Scope::AllRead)
            }
            Access::State => self.has(Scope::State),
            Access::ReadProfile => self.has(Scope::Profile) || self.has(Scope::AllRead),
            Access::WriteProfile => self.has(Scope::Profile),
            Access::ReadDefinitions => {
                self.has(Scope::AllRead)
                    || self.has(Scope::Define)
                    || self.has(Scope::Profile)
                    || self.has(Scope::StatementsRead)
            }
        }
    }

    /// Whether this caller only sees the statements it stored.
    pub fn reads_only_its_own(&self) -> bool {
        !(self.has(Scope::All) || self.has(Scope::StatementsRead) || self.has(Scope::AllRead))
    }
}
