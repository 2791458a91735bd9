//! Deep Linking 2.0 responses: the items a teacher picked, as the claims of an `LtiDeepLinkingResponse`
//! (Deep Linking 2.0 §4.5) that the tool signs and the browser posts back to the platform.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::LTI_VERSION;
use crate::claims::{DeepLinkingSettings, names};

/// An `ltiResourceLink` content item (Deep Linking 2.0 §3.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceLinkItem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The launch URL; absent means the tool's default target_link_uri.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, String>,
    #[serde(rename = "lineItem", skip_serializing_if = "Option::is_none")]
    pub line_item: Option<LineItemRequest>,
}

impl ResourceLinkItem {
    /// An item launching `url` with custom parameters.
    pub fn new(title: String, url: Option<String>, custom: BTreeMap<String, String>) -> Self {
        Self {
            kind: "ltiResourceLink",
            title,
            text: None,
            url,
            custom,
            line_item: None,
        }
    }
}

/// The line item a graded item asks the platform to create (Deep Linking 2.0 §3.1, `lineItem`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemRequest {
    pub score_maximum: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// Everything a deep linking response says besides the items.
#[derive(Debug, Clone)]
pub struct ResponseContext<'a> {
    /// The tool's client_id: the `iss` of the response (Deep Linking 2.0 §4.5.1).
    pub client_id: &'a str,
    /// The platform's issuer: the `aud` of the response.
    pub platform_issuer: &'a str,
    pub deployment_id: &'a str,
    /// A fresh nonce for this response.
    pub nonce: &'a str,
    /// Unix seconds now.
    pub now: i64,
    /// How long the platform may accept the response, in seconds.
    pub lifetime_secs: i64,
    pub settings: &'a DeepLinkingSettings,
    /// A message the platform may show the teacher.
    pub message: Option<&'a str>,
}

/// Why the picked items cannot be returned to this platform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkingError {
    #[error("the platform does not accept resource links in this place")]
    ResourceLinksNotAccepted,
    #[error("the platform accepts one item here, and {0} were picked")]
    TooManyItems(usize),
}

/// The claims of the signed `LtiDeepLinkingResponse` JWT.
pub fn response_claims(
    context: &ResponseContext<'_>,
    items: &[ResourceLinkItem],
) -> Result<Value, DeepLinkingError> {
    if !items.is_empty() && !context.settings.accepts_resource_links() {
        return Err(DeepLinkingError::ResourceLinksNotAccepted);
    }
    if items.len() > 1 && !context.settings.is_multiple() {
        return Err(DeepLinkingError::TooManyItems(items.len()));
    }
    let mut claims = json!({
        "iss": context.client_id,
        "aud": context.platform_issuer,
        "iat": context.now,
        "exp": context.now + context.lifetime_secs,
        "nonce": context.nonce,
        (names::DEPLOYMENT_ID): context.deployment_id,
        (names::MESSAGE_TYPE): "LtiDeepLinkingResponse",
        (names::VERSION): LTI_VERSION,
        (names::CONTENT_ITEMS): items,
    });
    // The data value of the request must come back unchanged when there was one (§4.5.1).
    if let Some(data) = &context.settings.data {
        claims[names::DL_DATA] = Value::String(data.clone());
    }
    if let Some(message) = context.message {
        claims[names::DL_MSG] = Value::String(message.to_owned());
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(multiple: bool, types: &[&str]) -> DeepLinkingSettings {
        DeepLinkingSettings {
            deep_link_return_url: "https://lms.example/dl".to_owned(),
            accept_types: types.iter().map(|t| (*t).to_owned()).collect(),
            accept_presentation_document_targets: vec!["iframe".to_owned()],
            accept_media_types: None,
            accept_multiple: Some(multiple),
            accept_lineitem: Some(true),
            auto_create: None,
            title: None,
            text: None,
            data: Some("opaque".to_owned()),
        }
    }

    fn context(settings: &DeepLinkingSettings) -> ResponseContext<'_> {
        ResponseContext {
            client_id: "client-1",
            platform_issuer: "https://lms.example",
            deployment_id: "dep-1",
            nonce: "n-1",
            now: 1_000,
            lifetime_secs: 300,
            settings,
            message: None,
        }
    }

    fn item(title: &str) -> ResourceLinkItem {
        let mut custom = BTreeMap::new();
        custom.insert("content_id".to_owned(), title.to_owned());
        ResourceLinkItem::new(title.to_owned(), None, custom)
    }

    #[test]
    fn the_response_names_tool_platform_deployment_and_echoes_data() {
        let settings = settings(true, &["ltiResourceLink"]);
        let mut graded = item("quiz");
        graded.line_item = Some(LineItemRequest {
            score_maximum: 100.0,
            label: Some("Quiz".to_owned()),
            resource_id: Some("quiz".to_owned()),
            tag: None,
        });
        let claims = response_claims(&context(&settings), &[item("a"), graded]).unwrap();
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["aud"], "https://lms.example");
        assert_eq!(claims["exp"], 1_300);
        assert_eq!(claims[names::MESSAGE_TYPE], "LtiDeepLinkingResponse");
        assert_eq!(claims[names::DEPLOYMENT_ID], "dep-1");
        assert_eq!(claims[names::DL_DATA], "opaque");
        let items = claims[names::CONTENT_ITEMS].as_array().unwrap();
        assert_eq!(items[0]["type"], "ltiResourceLink");
        assert_eq!(items[0]["custom"]["content_id"], "a");
        assert!(items[0].get("lineItem").is_none());
        assert_eq!(items[1]["lineItem"]["scoreMaximum"], 100.0);
    }

    #[test]
    fn several_items_need_accept_multiple() {
        let settings = settings(false, &["ltiResourceLink"]);
        assert_eq!(
            response_claims(&context(&settings), &[item("a"), item("b")]),
            Err(DeepLinkingError::TooManyItems(2))
        );
        assert!(response_claims(&context(&settings), &[item("a")]).is_ok());
    }

    #[test]
    fn items_the_platform_does_not_accept_are_refused() {
        let settings = settings(true, &["file", "html"]);
        assert_eq!(
            response_claims(&context(&settings), &[item("a")]),
            Err(DeepLinkingError::ResourceLinksNotAccepted)
        );
        // An empty answer (the teacher cancelled) is always allowed.
        assert!(response_claims(&context(&settings), &[]).is_ok());
    }
}
