//! LTI 1.3 Core and LTI Advantage for Class'Code Hub, as data and rules: the id_token checks a tool must make,
//! the launch claims, roles, Deep Linking 2.0 responses, Assignment and Grade Services 2.0 scores, Names and Role
//! Provisioning 2.0 pages and Dynamic Registration 1.0 messages.
//!
//! Pure: no I/O, no clock (callers pass `now` as Unix seconds), no runtime. Fetching JWKS, storing nonces and
//! signing with the tool's keys belong to the hub; this crate only says what is right.

#![forbid(unsafe_code)]

pub mod ags;
pub mod claims;
pub mod deep_linking;
pub mod id_token;
pub mod nrps;
pub mod registration;
pub mod roles;

pub use claims::{LaunchClaims, MessageType};
pub use id_token::{IdTokenError, IdTokenExpectations, verify_id_token};

/// The LTI version every message of this crate speaks (LTI 1.3 Core §5.3.2).
pub const LTI_VERSION: &str = "1.3.0";
