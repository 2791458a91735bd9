//! Any bytes as a `multipart/mixed` body (the first byte picks the boundary's length): the parser answers without
//! panicking, and every part it returns lies within the body.
#![no_main]

use classcode_xapi::multipart::{boundary_of, parse_multipart};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&length, rest)) = data.split_first() else {
        return;
    };
    let length = usize::from(length % 71).min(rest.len());
    let (boundary, body) = rest.split_at(length);
    let boundary = String::from_utf8_lossy(boundary);
    let _ = boundary_of(&format!("multipart/mixed; boundary={boundary}"));
    let _ = boundary_of(&String::from_utf8_lossy(body));
    if let Ok(parts) = parse_multipart(body, &boundary) {
        let total: usize = parts.iter().map(|part| part.body.len()).sum();
        assert!(total <= body.len());
    }
});
