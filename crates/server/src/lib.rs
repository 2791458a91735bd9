//! The actix-web face of Class'Code Hub: settings, routes, errors, telemetry and the [`Application`] that ties them.
//!
//! Handlers extract, authorize, call one `classcode_hub` use case and map its result; nothing below this crate
//! knows HTTP.

#![forbid(unsafe_code)]

pub mod error;
pub mod metrics;
pub mod middleware;
pub mod rate_limit;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod telemetry;

pub use settings::{Overrides, Settings};
pub use startup::Application;
