//! xAPI 1.0.3 and 2.0 (IEEE 9274.1.1) for Class'Code Hub's Learning Record Store: statement validation with every
//! violation reported, actor identifiers, statement preparation and comparison, output formats and query rules.
//!
//! Pure: no I/O, no clock (callers pass `now`), no runtime. The only failure is bad input.

#![forbid(unsafe_code)]

pub mod agent;
pub mod compare;
pub mod definition;
pub mod document;
pub mod duration;
pub mod format;
pub mod multipart;
pub mod prepare;
pub mod query;
pub mod signature;
pub mod timestamp;
pub mod validate;
pub mod version;
pub mod violation;

pub use agent::AgentKey;
pub use prepare::{IndexKey, IndexKind, PreparedStatement, StoreContext, prepare_statement};
pub use validate::{validate_agent_param, validate_statement};
pub use version::XapiVersion;
pub use violation::{Violation, Violations};

/// The verb that voids a statement (xAPI 1.0.3 §2.3.2, 2.0 Data §2.3.2).
pub const VOIDED_VERB: &str = "http://adlnet.gov/expapi/verbs/voided";

/// The attachment usage type of a statement signature (xAPI Data §2.6).
pub const SIGNATURE_USAGE_TYPE: &str = "http://adlnet.gov/expapi/attachments/signature";
