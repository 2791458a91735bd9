//! sea-orm entities. They mirror the migrations and stay private to this crate.

pub(crate) mod activities;
pub(crate) mod attachments;
pub(crate) mod badge_keys;
pub(crate) mod badges;
pub(crate) mod certifications;
pub(crate) mod cmi5_sessions;
pub(crate) mod content_files;
pub(crate) mod content_packages;
pub(crate) mod daily_learners;
pub(crate) mod daily_stats;
pub(crate) mod documents;
pub(crate) mod lrs_credentials;
pub(crate) mod lti_deployments;
pub(crate) mod lti_launches;
pub(crate) mod lti_login_states;
pub(crate) mod lti_outbox;
pub(crate) mod lti_platforms;
pub(crate) mod research_consents;
pub(crate) mod research_credentials;
pub(crate) mod research_exports;
pub(crate) mod research_studies;
pub(crate) mod statement_keys;
pub(crate) mod statements;
pub(crate) mod stats_cursors;
pub(crate) mod tenants;
pub(crate) mod tool_keys;
