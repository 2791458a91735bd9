//! End-to-end tests: the real application on `127.0.0.1:0`, a fresh database per test, real HTTP calls.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly on what it did not expect"
)]

mod admin_api;
mod admin_dashboard;
mod badges;
mod certification;
mod cmi5;
mod console;
mod dashboard;
mod learners;
mod lrs_access;
mod lrs_documents;
mod lrs_statements;
mod lti_launch;
mod operations;
mod player;
mod research;
