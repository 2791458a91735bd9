//! The one error type of the storage layer; sea-orm errors are mapped here and nowhere else.

use sea_orm::{DbErr, SqlErr};

/// What went wrong in storage, reduced to the cases a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (the message names the constraint as the database reported it).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Anything else: the database is unreachable, a query failed, a row could not be decoded.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<DbErr> for StorageError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StorageError::Conflict(detail),
            _ => match err {
                DbErr::RecordNotFound(_) => StorageError::NotFound,
                other => StorageError::Other(anyhow::Error::new(other)),
            },
        }
    }
}
