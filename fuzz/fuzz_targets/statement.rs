//! Any bytes as a statement: the validator answers without panicking, and what it accepts, once prepared for
//! storage (id, stored, authority, version), is accepted again.
#![no_main]

use classcode_xapi::{StoreContext, XapiVersion, prepare_statement, validate_statement};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(statement) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let authority = json!({"objectType": "Agent", "account": {"homePage": "https://hub.example.org", "name": "hub"}});
    for version in [XapiVersion::V1_0, XapiVersion::V2_0] {
        if validate_statement(&statement, version).is_err() {
            continue;
        }
        let context = StoreContext {
            version,
            now: chrono::Utc::now(),
            authority: &authority,
        };
        let prepared = prepare_statement(statement.clone(), &context);
        if let Err(violations) = validate_statement(&prepared.statement, version) {
            panic!("a prepared statement no longer validates: {violations}\n{}", prepared.statement);
        }
    }
});
