//! The claims of an LTI 1.3 launch id_token (LTI 1.3 Core §5, Deep Linking 2.0 §4.4, AGS 2.0 §3.1, NRPS 2.0 §3.6),
//! with serde names exactly as the specifications spell them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Claim names under `https://purl.imsglobal.org/spec/lti/claim/`.
pub mod names {
    pub const MESSAGE_TYPE: &str = "https://purl.imsglobal.org/spec/lti/claim/message_type";
    pub const VERSION: &str = "https://purl.imsglobal.org/spec/lti/claim/version";
    pub const DEPLOYMENT_ID: &str = "https://purl.imsglobal.org/spec/lti/claim/deployment_id";
    pub const TARGET_LINK_URI: &str = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri";
    pub const RESOURCE_LINK: &str = "https://purl.imsglobal.org/spec/lti/claim/resource_link";
    pub const ROLES: &str = "https://purl.imsglobal.org/spec/lti/claim/roles";
    pub const CONTEXT: &str = "https://purl.imsglobal.org/spec/lti/claim/context";
    pub const TOOL_PLATFORM: &str = "https://purl.imsglobal.org/spec/lti/claim/tool_platform";
    pub const LAUNCH_PRESENTATION: &str =
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation";
    pub const CUSTOM: &str = "https://purl.imsglobal.org/spec/lti/claim/custom";
    pub const LIS: &str = "https://purl.imsglobal.org/spec/lti/claim/lis";
    pub const LTI11_LEGACY_USER_ID: &str =
        "https://purl.imsglobal.org/spec/lti/claim/lti11_legacy_user_id";
    pub const DEEP_LINKING_SETTINGS: &str =
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings";
    pub const CONTENT_ITEMS: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items";
    pub const DL_DATA: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/data";
    pub const DL_MSG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/msg";
    pub const AGS_ENDPOINT: &str = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
    pub const NRPS: &str = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";
}

/// The LTI messages this tool accepts at its launch URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageType {
    /// A learner or teacher opens a resource (LTI 1.3 Core §5.3.1).
    LtiResourceLinkRequest,
    /// A teacher picks content to add to the course (Deep Linking 2.0 §4.4.1).
    LtiDeepLinkingRequest,
}

impl MessageType {
    /// The value of the `message_type` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LtiResourceLinkRequest => "LtiResourceLinkRequest",
            Self::LtiDeepLinkingRequest => "LtiDeepLinkingRequest",
        }
    }

    /// Reads a `message_type` claim value; `None` for messages this tool does not handle.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "LtiResourceLinkRequest" => Some(Self::LtiResourceLinkRequest),
            "LtiDeepLinkingRequest" => Some(Self::LtiDeepLinkingRequest),
            _ => None,
        }
    }
}

/// The resource link claim (LTI 1.3 Core §5.3.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceLink {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The context claim (LTI 1.3 Core §5.4.1): usually the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
}

/// The platform instance claim (LTI 1.3 Core §5.4.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolPlatform {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_family_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The launch presentation claim (LTI 1.3 Core §5.4.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LaunchPresentation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// The Assignment and Grade Services endpoint claim (AGS 2.0 §3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgsEndpoint {
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineitems: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineitem: Option<String>,
}

/// The Names and Role Provisioning Services claim (NRPS 2.0 §3.6.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamesRoleService {
    pub context_memberships_url: String,
    #[serde(default)]
    pub service_versions: Vec<String>,
}

/// The deep linking settings claim (Deep Linking 2.0 §4.4.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepLinkingSettings {
    pub deep_link_return_url: String,
    #[serde(default)]
    pub accept_types: Vec<String>,
    #[serde(default)]
    pub accept_presentation_document_targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_media_types: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_multiple: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_lineitem: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_create: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Opaque to the tool; returned unchanged in the response (Deep Linking 2.0 §4.4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

impl DeepLinkingSettings {
    /// Whether the platform accepts `ltiResourceLink` items, the only kind this tool returns.
    pub fn accepts_resource_links(&self) -> bool {
        self.accept_types.is_empty() || self.accept_types.iter().any(|t| t == "ltiResourceLink")
    }

    /// Whether the teacher may pick several items at once (absent means no, §4.4.1).
    pub fn is_multiple(&self) -> bool {
        self.accept_multiple.unwrap_or(false)
    }
}

/// The claims of a verified launch, in the shape the hub uses. Built by [`crate::verify_id_token`], which has
/// already checked issuer, audience, times, version, message type and the claims each message requires.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchClaims {
    pub issuer: String,
    /// The audience value that named this tool (the client_id).
    pub client_id: String,
    /// `sub`: absent for anonymous launches (LTI 1.3 Core §5.3.6).
    pub subject: Option<String>,
    pub nonce: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub message_type: MessageType,
    pub deployment_id: String,
    pub target_link_uri: Option<String>,
    pub resource_link: Option<ResourceLink>,
    pub roles: Vec<String>,
    pub context: Option<Context>,
    pub tool_platform: Option<ToolPlatform>,
    pub launch_presentation: Option<LaunchPresentation>,
    pub custom: BTreeMap<String, String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub ags: Option<AgsEndpoint>,
    pub nrps: Option<NamesRoleService>,
    pub deep_linking: Option<DeepLinkingSettings>,
}

impl LaunchClaims {
    /// The learner's language for the UI: the launch presentation locale, else the OIDC `locale`.
    pub fn preferred_locale(&self) -> Option<&str> {
        self.launch_presentation
            .as_ref()
            .and_then(|presentation| presentation.locale.as_deref())
            .or(self.locale.as_deref())
    }
}

/// Reads a custom claim: values are strings in LTI 1.3, but some platforms send numbers or booleans.
pub(crate) fn custom_map(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Object(entries)) = value else {
        return BTreeMap::new();
    };
    entries
        .iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => return None,
            };
            Some((key.clone(), text))
        })
        .collect()
}
