//! Names and Role Provisioning Services 2.0: membership pages and their `Link: rel="next"` paging.

use serde::{Deserialize, Serialize};

/// The media type of a membership container (NRPS 2.0 §2.2).
pub const MEMBERSHIP_MEDIA_TYPE: &str = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";
/// The scope to read the roster.
pub const SCOPE_MEMBERSHIP_READONLY: &str =
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

/// One page of a context's roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipContainer {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub members: Vec<Member>,
}

/// A member of the context (NRPS 2.0 §2.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The `rel="next"` target of an HTTP `Link` header (RFC 8288), quoted or not: NRPS 2.0 §2.4.2 pages this way.
pub fn next_page(link_header: &str) -> Option<String> {
    link_header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.trim().split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        is_next.then(|| target.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_are_found_quoted_unquoted_and_among_others() {
        assert_eq!(
            next_page(r#"<https://lms.example/m?p=2>; rel="next""#).as_deref(),
            Some("https://lms.example/m?p=2")
        );
        assert_eq!(
            next_page("<https://lms.example/m?p=2>; rel=next").as_deref(),
            Some("https://lms.example/m?p=2")
        );
        assert_eq!(
            next_page(r#"<https://lms.example/m?p=1>; rel="prev", <https://lms.example/m?p=3>; rel="next""#)
                .as_deref(),
            Some("https://lms.example/m?p=3")
        );
    }

    #[test]
    fn a_header_without_next_ends_the_paging() {
        assert_eq!(
            next_page(r#"<https://lms.example/m?p=1>; rel="differences""#),
            None
        );
        assert_eq!(next_page("garbage"), None);
    }
}
