//! sea-orm entities. They mirror the migrations and stay private to this crate.

pub(crate) mod activities;
pub(crate) mod attachments;
pub(crate) mod documents;
pub(crate) mod lrs_credentials;
pub(crate) mod statement_keys;
pub(crate) mod statements;
pub(crate) mod tenants;
