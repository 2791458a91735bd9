//! LTI Dynamic Registration 1.0: the platform's OpenID configuration the tool reads (§3.4), the registration the
//! tool sends (§3.5) and the answer it gets back (§3.6).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ags::{SCOPE_LINE_ITEM, SCOPE_RESULT_READONLY, SCOPE_SCORE};
use crate::nrps::SCOPE_MEMBERSHIP_READONLY;

const TOOL_CONFIGURATION: &str = "https://purl.imsglobal.org/spec/lti-tool-configuration";

/// The parts of a platform's OpenID configuration the tool uses (Dynamic Registration 1.0 §3.4).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PlatformConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub registration_endpoint: String,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-platform-configuration",
        default
    )]
    pub lti: Option<LtiPlatformConfiguration>,
}

/// The LTI part of the platform configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LtiPlatformConfiguration {
    #[serde(default)]
    pub product_family_code: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub messages_supported: Vec<Value>,
}

impl PlatformConfiguration {
    /// The platform's product (`moodle`, `canvas`…), when it says.
    pub fn product_family_code(&self) -> Option<&str> {
        self.lti
            .as_ref()
            .and_then(|lti| lti.product_family_code.as_deref())
    }

    /// Whether the platform says it can send deep linking requests (when it lists its messages at all).
    pub fn supports_deep_linking(&self) -> bool {
        self.lti.as_ref().is_none_or(|lti| {
            lti.messages_supported.is_empty()
                || lti
                    .messages_supported
                    .iter()
                    .any(|message| message["type"] == "LtiDeepLinkingRequest")
        })
    }
}

/// Why a platform configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    #[error("the platform configuration is not valid JSON for LTI Dynamic Registration: {0}")]
    Malformed(String),
    #[error(
        "the platform's issuer {issuer:?} is not on the host its configuration came from ({url:?})"
    )]
    IssuerHostMismatch { issuer: String, url: String },
    #[error("the platform's {0} is not an absolute http(s) URL")]
    BadUrl(&'static str),
    #[error(
        "the platform does not accept private_key_jwt client authentication, which this tool uses"
    )]
    NoPrivateKeyJwt,
    #[error("the platform does not sign id_tokens with RS256")]
    NoRs256,
}

/// Reads and checks a platform's OpenID configuration fetched from `configuration_url`.
pub fn parse_platform_configuration(
    body: &[u8],
    configuration_url: &str,
) -> Result<PlatformConfiguration, RegistrationError> {
    let configuration: PlatformConfiguration = serde_json::from_slice(body)
        .map_err(|err| RegistrationError::Malformed(err.to_string()))?;
    // Dynamic Registration 1.0 §3.5.1: the issuer must be on the host the configuration was fetched from.
    let issuer_host = host_of(&configuration.issuer).ok_or(RegistrationError::BadUrl("issuer"))?;
    let url_host =
        host_of(configuration_url).ok_or(RegistrationError::BadUrl("openid_configuration"))?;
    if issuer_host != url_host {
        return Err(RegistrationError::IssuerHostMismatch {
            issuer: configuration.issuer.clone(),
            url: configuration_url.to_owned(),
        });
    }
    for (name, url) in [
        (
            "authorization_endpoint",
            &configuration.authorization_endpoint,
        ),
        ("token_endpoint", &configuration.token_endpoint),
        ("jwks_uri", &configuration.jwks_uri),
        (
            "registration_endpoint",
            &configuration.registration_endpoint,
        ),
    ] {
        host_of(url).ok_or(RegistrationError::BadUrl(name))?;
    }
    if !configuration
        .token_endpoint_auth_methods_supported
        .is_empty()
        && !configuration
            .token_endpoint_auth_methods_supported
            .iter()
            .any(|method| method == "private_key_jwt")
    {
        return Err(RegistrationError::NoPrivateKeyJwt);
    }
    if !configuration
        .id_token_signing_alg_values_supported
        .is_empty()
        && !configuration
            .id_token_signing_alg_values_supported
            .iter()
            .any(|alg| alg == "RS256")
    {
        return Err(RegistrationError::NoRs256);
    }
    Ok(configuration)
}

fn host_of(url: &str) -> Option<(String, Option<u16>)> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    Some((url.host_str()?.to_owned(), url.port_or_known_default()))
}

/// What the tool says about itself when it registers.
#[derive(Debug, Clone)]
pub struct ToolDescription<'a> {
    pub client_name: &'a str,
    pub description: &'a str,
    /// The tool's public base URL, without a trailing slash.
    pub base_url: &'a str,
    pub login_url: &'a str,
    pub launch_url: &'a str,
    pub jwks_url: &'a str,
    pub logo_url: Option<&'a str>,
    /// Whether to offer deep linking (the platform said it supports it).
    pub deep_linking: bool,
}

/// The scopes the tool asks for: AGS (line items, results, scores) and NRPS.
pub fn requested_scopes() -> [&'static str; 4] {
    [
        SCOPE_LINE_ITEM,
        SCOPE_RESULT_READONLY,
        SCOPE_SCORE,
        SCOPE_MEMBERSHIP_READONLY,
    ]
}

/// The registration request body (Dynamic Registration 1.0 §3.5.2).
pub fn registration_request(tool: &ToolDescription<'_>) -> Value {
    let domain = url::Url::parse(tool.base_url)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some(match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_default();
    let mut messages = vec![json!({
        "type": "LtiResourceLinkRequest",
        "target_link_uri": tool.launch_url,
        "label": tool.client_name,
    })];
    if tool.deep_linking {
        messages.push(json!({
            "type": "LtiDeepLinkingRequest",
            "target_link_uri": tool.launch_url,
            "label": tool.client_name,
            "placements": ["ContentArea"],
            "supported_types": ["ltiResourceLink"],
        }));
    }
    let mut request = json!({
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.login_url,
        "redirect_uris": [tool.launch_url],
        "client_name": tool.client_name,
        "jwks_uri": tool.jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": requested_scopes().join(" "),
        (TOOL_CONFIGURATION): {
            "domain": domain,
            "description": tool.description,
            "target_link_uri": tool.launch_url,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
            "messages": messages,
        },
    });
    if let Some(logo) = tool.logo_url {
        request["logo_uri"] = Value::String(logo.to_owned());
    }
    request
}

/// What the platform answered to a registration (Dynamic Registration 1.0 §3.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationResponse {
    pub client_id: String,
    /// The deployment the platform created, when it created one at once (Moodle does).
    pub deployment_id: Option<String>,
}

/// Reads the platform's answer to a registration.
pub fn parse_registration_response(body: &[u8]) -> Result<RegistrationResponse, RegistrationError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| RegistrationError::Malformed(err.to_string()))?;
    let client_id = match &value["client_id"] {
        Value::String(id) if !id.is_empty() => id.clone(),
        Value::Number(id) => id.to_string(),
        _ => {
            return Err(RegistrationError::Malformed(
                "no client_id in the answer".to_owned(),
            ));
        }
    };
    let deployment_id = match &value[TOOL_CONFIGURATION]["deployment_id"] {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    };
    Ok(RegistrationResponse {
        client_id,
        deployment_id,
    })
}

/// The message that tells the platform the registration window can close (Dynamic Registration 1.0 §3.7).
pub const CLOSE_MESSAGE_SUBJECT: &str = "org.imsglobal.lti.close";

#[cfg(test)]
mod tests {
    use super::*;

    fn moodle_configuration() -> Value {
        json!({
            "issuer": "https://moodle.example.org",
            "authorization_endpoint": "https://moodle.example.org/mod/lti/auth.php",
            "token_endpoint": "https://moodle.example.org/mod/lti/token.php",
            "jwks_uri": "https://moodle.example.org/mod/lti/certs.php",
            "registration_endpoint": "https://moodle.example.org/mod/lti/openid-registration.php",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.5",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}]
            }
        })
    }

    #[test]
    fn a_moodle_configuration_is_read() {
        let body = serde_json::to_vec(&moodle_configuration()).unwrap();
        let configuration = parse_platform_configuration(
            &body,
            "https://moodle.example.org/mod/lti/openid-configuration.php",
        )
        .unwrap();
        assert_eq!(configuration.product_family_code(), Some("moodle"));
        assert!(configuration.supports_deep_linking());
    }

    #[test]
    fn an_issuer_on_another_host_is_refused() {
        let body = serde_json::to_vec(&moodle_configuration()).unwrap();
        let err =
            parse_platform_configuration(&body, "https://evil.example.net/config").unwrap_err();
        assert!(
            matches!(err, RegistrationError::IssuerHostMismatch { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_platform_without_private_key_jwt_is_refused() {
        let mut configuration = moodle_configuration();
        configuration["token_endpoint_auth_methods_supported"] = json!(["client_secret_basic"]);
        let body = serde_json::to_vec(&configuration).unwrap();
        assert_eq!(
            parse_platform_configuration(&body, "https://moodle.example.org/x"),
            Err(RegistrationError::NoPrivateKeyJwt)
        );
    }

    #[test]
    fn the_registration_request_asks_for_what_the_tool_uses() {
        let request = registration_request(&ToolDescription {
            client_name: "Class'Code Hub",
            description: "Modules",
            base_url: "https://hub.example.org",
            login_url: "https://hub.example.org/lti/login",
            launch_url: "https://hub.example.org/lti/launch",
            jwks_url: "https://hub.example.org/lti/jwks",
            logo_url: None,
            deep_linking: true,
        });
        assert_eq!(request["token_endpoint_auth_method"], "private_key_jwt");
        assert_eq!(
            request["redirect_uris"],
            json!(["https://hub.example.org/lti/launch"])
        );
        let scope = request["scope"].as_str().unwrap();
        assert!(
            scope.contains("lti-ags/scope/score") && scope.contains("contextmembership.readonly")
        );
        let tool = &request[TOOL_CONFIGURATION];
        assert_eq!(tool["domain"], "hub.example.org");
        assert_eq!(tool["messages"][1]["type"], "LtiDeepLinkingRequest");
    }

    #[test]
    fn the_answer_gives_client_and_deployment() {
        let body = br#"{"client_id":"abc","https://purl.imsglobal.org/spec/lti-tool-configuration":{"deployment_id":"7"}}"#;
        assert_eq!(
            parse_registration_response(body).unwrap(),
            RegistrationResponse {
                client_id: "abc".to_owned(),
                deployment_id: Some("7".to_owned())
            }
        );
        assert!(parse_registration_response(b"{}").is_err());
    }
}
