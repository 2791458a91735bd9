//! Any text as an LTI id_token: verification refuses it (nothing here holds the platform's private key) without
//! panicking, whatever its header, claims or signature.
#![no_main]

use std::sync::LazyLock;

use classcode_lti::id_token::{IdTokenExpectations, peek_issuer_and_audiences, verify_id_token};
use jsonwebtoken::jwk::JwkSet;
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<JwkSet> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../crates/lti/testdata/platform-jwks.json"))
        .expect("the test JWKS")
});

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let _ = peek_issuer_and_audiences(&token);
    let expect = IdTokenExpectations {
        issuer: "https://lms.example.org",
        client_id: "classcode-hub",
        now: 1_800_000_000,
        leeway_secs: 10,
    };
    assert!(
        verify_id_token(&token, &KEYS, &expect).is_err(),
        "a token nobody signed was accepted: {token}"
    );
});
