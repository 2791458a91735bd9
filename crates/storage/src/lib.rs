//! Storage for Class'Code Hub: one sea-orm implementation that runs on SQLite (the embedded default) and PostgreSQL.
//!
//! No sea-orm type (`Model`, `ActiveModel`, `DbErr`) leaves this crate: callers see [`Storage`], plain records
//! such as [`Tenant`] and [`StorageError`].

#![forbid(unsafe_code)]

mod admin;
mod backup;
mod badges;
mod certifications;
mod cmi5;
mod connect;
mod content;
mod documents;
mod entities;
mod erasure;
mod error;
mod lrs_credentials;
mod lti;
mod research;
mod statements;
mod stats;
mod tenants;

pub use admin::{AdminAccount, AdminLogin, AdminSession, NewAdminAccount, StatusCounts};
pub use backup::{BackupSummary, check_sqlite_backup};
pub use badges::{Badge, BadgeKey};
pub use certifications::{Certification, CertificationStatus};
pub use cmi5::Cmi5Session;
pub use connect::{Backend, ConnectError, ConnectOptions, PoolStats, SqliteSync, Storage};
pub use content::{ContentPackage, NewContentPackage};
pub use documents::{Document, DocumentKind, DocumentScope};
pub use erasure::{AuditEntry, ERASED_REASON, ErasureCounts, LearnerErasure, NewAuditEntry};
pub use error::StorageError;
pub use lrs_credentials::{LrsCredential, NewLrsCredential};
pub use lti::{
    Launch, LoginState, NewOutboxItem, NewPlatform, OutboxItem, OutboxStatus, Platform, PlatformId,
    ToolKey,
};
pub use research::{Consent, ResearchCredential, ResearchExport, Study};
pub use statements::{
    KeyFilter, NewAttachment, NewStatement, StatementBatch, StatementFilter, StoredStatement,
};
pub use stats::DailyCount;
pub use tenants::{NewTenant, Tenant, TenantId};

#[cfg(any(test, feature = "test-util"))]
pub mod test_db;

#[cfg(test)]
mod conformance;
