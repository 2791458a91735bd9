//! The `X-Experience-API-Version` header: 1.0.x (answered as 1.0.3) and 2.0.x (answered as 2.0.0).

use std::fmt;

/// The xAPI version a request speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum XapiVersion {
    /// xAPI 1.0.0 to 1.0.3; content from Articulate and Rustici tools sends 1.0.2.
    V1_0,
    /// xAPI 2.0 (IEEE 9274.1.1).
    V2_0,
}

/// The header value is not a version this LRS speaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("X-Experience-API-Version {0:?} is not supported; use 1.0.3 or 2.0.0")]
pub struct UnsupportedVersion(pub String);

impl XapiVersion {
    /// Every version this LRS answers, as `/about` lists them.
    pub const ALL: [XapiVersion; 2] = [XapiVersion::V1_0, XapiVersion::V2_0];

    /// Parses a header value: `1.0`, `1.0.0`–`1.0.9`, `2.0`, `2.0.x`.
    pub fn parse(value: &str) -> Result<XapiVersion, UnsupportedVersion> {
        let value = value.trim();
        let patch_ok = |rest: &str| {
            rest.is_empty()
                || (rest.len() > 1
                    && rest[1..].bytes().all(|b| b.is_ascii_digit())
                    && rest.starts_with('.'))
        };
        if let Some(rest) = value.strip_prefix("1.0") {
            if patch_ok(rest) {
                return Ok(XapiVersion::V1_0);
            }
        } else if let Some(rest) = value.strip_prefix("2.0")
            && patch_ok(rest)
        {
            return Ok(XapiVersion::V2_0);
        }
        Err(UnsupportedVersion(value.to_owned()))
    }

    /// The value this LRS sends back in `X-Experience-API-Version`.
    pub fn header_value(self) -> &'static str {
        match self {
            XapiVersion::V1_0 => "1.0.3",
            XapiVersion::V2_0 => "2.0.0",
        }
    }

    /// The `version` property the LRS writes into a statement that has none.
    pub fn statement_version(self) -> &'static str {
        match self {
            XapiVersion::V1_0 => "1.0.0",
            XapiVersion::V2_0 => "2.0.0",
        }
    }

    pub fn is_2_0(self) -> bool {
        self == XapiVersion::V2_0
    }
}

impl fmt::Display for XapiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_1_0_x_and_2_0_x_are_accepted_others_are_not() {
        for ok in ["1.0", "1.0.0", "1.0.2", "1.0.3"] {
            assert_eq!(XapiVersion::parse(ok), Ok(XapiVersion::V1_0), "{ok}");
        }
        for ok in ["2.0", "2.0.0", "2.0.1"] {
            assert_eq!(XapiVersion::parse(ok), Ok(XapiVersion::V2_0), "{ok}");
        }
        for bad in [
            "", "0.9", "0.95", "1.1", "1.0.", "1.0.x", "1.01", "3.0.0", "2.0.0.1a",
        ] {
            assert!(XapiVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
