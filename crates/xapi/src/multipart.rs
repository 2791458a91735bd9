//! `multipart/mixed` as xAPI uses it for attachments (Communication §1.5.2): a JSON part first, then one part per
//! attachment, each with `X-Experience-API-Hash`. Parsing is strict and total: malformed input is an error, never
//! a panic, whatever the bytes.

use std::fmt::Write;

/// One part: its headers (names lower-cased) and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Why a multipart body was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("Content-Type multipart/mixed needs a boundary parameter")]
    NoBoundary,
    #[error("the body does not start with the boundary delimiter")]
    NoFirstDelimiter,
    #[error("a part's headers are not terminated by an empty line")]
    UnterminatedHeaders,
    #[error("a part header line is malformed: {0:?}")]
    BadHeader(String),
    #[error("the body does not end with the closing delimiter")]
    Unterminated,
}

/// The `boundary` parameter of a `multipart/mixed` Content-Type.
pub fn boundary_of(content_type: &str) -> Result<String, MultipartError> {
    content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|boundary| !boundary.is_empty() && boundary.len() <= 200)
        .ok_or(MultipartError::NoBoundary)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

/// Splits a body into its parts.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let delimiter = format!("--{boundary}").into_bytes();
    let first = find(body, &delimiter, 0).ok_or(MultipartError::NoFirstDelimiter)?;
    if !body[..first].iter().all(u8::is_ascii_whitespace) {
        return Err(MultipartError::NoFirstDelimiter);
    }
    let mut next_delimiter = [b"\r\n".as_slice(), &delimiter].concat();
    let mut position = first + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[position..].starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding may follow a delimiter before its line break.
        while body
            .get(position)
            .is_some_and(|b| *b == b' ' || *b == b'\t')
        {
            position += 1;
        }
        if !body[position..].starts_with(b"\r\n") {
            return Err(MultipartError::Unterminated);
        }
        position += 2;
        let headers_end = find(body, b"\r\n\r\n", position)
            .or_else(|| {
                body[position..]
                    .starts_with(b"\r\n")
                    .then_some(position.saturating_sub(2))
            })
            .ok_or(MultipartError::UnterminatedHeaders)?;
        let mut headers = Vec::new();
        if headers_end > position {
            for line in body[position..headers_end].split(|b| *b == b'\n') {
                let line = String::from_utf8_lossy(line)
                    .trim_end_matches('\r')
                    .to_owned();
                if line.is_empty() {
                    continue;
                }
                let (name, value) = line
                    .split_once(':')
                    .ok_or_else(|| MultipartError::BadHeader(line.clone()))?;
                if name.trim().is_empty() || name.contains(char::is_whitespace) {
                    return Err(MultipartError::BadHeader(line));
                }
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let body_start = headers_end + 4;
        if body_start > body.len() {
            return Err(MultipartError::Unterminated);
        }
        let body_end =
            find(body, &next_delimiter, body_start).ok_or(MultipartError::Unterminated)?;
        parts.push(Part {
            headers,
            body: body[body_start..body_end].to_vec(),
        });
        position = body_end + next_delimiter.len();
        next_delimiter.shrink_to_fit();
    }
}

/// Writes a `multipart/mixed` body: the JSON first, then each attachment with its hash header.
pub fn write_multipart(
    boundary: &str,
    json: &[u8],
    attachments: &[(String, String, Vec<u8>)],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        json.len() + attachments.iter().map(|a| a.2.len() + 200).sum::<usize>() + 200,
    );
    let mut head = String::new();
    let _ = write!(
        head,
        "--{boundary}\r\nContent-Type: application/json\r\n\r\n"
    );
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(json);
    for (sha2, content_type, content) in attachments {
        let mut part = String::new();
        let _ = write!(
            part,
            "\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
        );
        out.extend_from_slice(part.as_bytes());
        out.extend_from_slice(content);
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "-------314159265358979323846";

    fn body(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut text = String::new();
        for (headers, content) in parts {
            text.push_str(&format!("--{BOUNDARY}\r\n{headers}\r\n\r\n{content}\r\n"));
        }
        text.push_str(&format!("--{BOUNDARY}--\r\n"));
        text.into_bytes()
    }

    #[test]
    fn a_statement_and_an_attachment_are_split_with_their_headers() {
        let raw = body(&[
            ("Content-Type: application/json", "{\"a\":1}"),
            (
                "Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: abc",
                "hello\r\nworld",
            ),
        ]);
        let parts = parse_multipart(&raw, BOUNDARY).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].header("content-type"), Some("application/json"));
        assert_eq!(parts[0].body, b"{\"a\":1}");
        assert_eq!(parts[1].header("X-Experience-API-Hash"), Some("abc"));
        assert_eq!(parts[1].body, b"hello\r\nworld");
    }

    #[test]
    fn a_crlf_preamble_and_headers_without_spaces_are_accepted() {
        let raw = format!(
            "\r\n--{BOUNDARY}\r\nContent-Type:application/json\r\n\r\n{{}}\r\n--{BOUNDARY}--"
        );
        let parts = parse_multipart(raw.as_bytes(), BOUNDARY).unwrap();
        assert_eq!(parts[0].header("content-type"), Some("application/json"));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert_eq!(
            boundary_of("multipart/mixed;"),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            boundary_of("multipart/mixed; boundary=\"abc\"").unwrap(),
            "abc"
        );
        assert_eq!(
            parse_multipart(b"garbage", BOUNDARY),
            Err(MultipartError::NoFirstDelimiter)
        );
        let unterminated = format!("--{BOUNDARY}\r\nContent-Type: application/json\r\n\r\n{{}}");
        assert_eq!(
            parse_multipart(unterminated.as_bytes(), BOUNDARY),
            Err(MultipartError::Unterminated)
        );
        let no_blank_line = format!("--{BOUNDARY}\r\nContent-Type: application/json\r\n{{}}");
        assert!(parse_multipart(no_blank_line.as_bytes(), BOUNDARY).is_err());
    }

    #[test]
    fn what_is_written_parses_back() {
        let written = write_multipart(
            "b0undary",
            b"{}",
            &[("h1".into(), "text/plain".into(), b"data".to_vec())],
        );
        let parts = parse_multipart(&written, "b0undary").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].body, b"data");
        assert_eq!(parts[1].header("x-experience-api-hash"), Some("h1"));
    }
}
