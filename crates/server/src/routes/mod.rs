//! HTTP routes, one module per resource. Each module adds its routes with `configure`.

pub mod admin;
pub mod admin_page;
pub mod badges;
pub mod dashboard;
pub mod health;
pub mod lti;
pub mod metrics;
pub mod player;
pub mod research;
pub mod xapi;
