//! Checks of a launch id_token, as LTI 1.3 Core §5.1.3 and the 1EdTech Security Framework §5.1.3 list them:
//! signature with the platform's key (RS256, RS384 or RS512 only), issuer, audience and authorized party, expiry
//! and issue time with a small leeway, nonce present, LTI version and message type, and the claims each message
//! requires. Nonce replay, the state binding and the deployment's registration are the caller's checks, since
//! they need storage.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::LTI_VERSION;
use crate::claims::{
    AgsEndpoint, Context, DeepLinkingSettings, LaunchClaims, LaunchPresentation, MessageType,
    NamesRoleService, ResourceLink, ToolPlatform, custom_map, names,
};

/// What the tool expects of a launch from one platform registration.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenExpectations<'a> {
    /// The registered issuer, compared byte for byte.
    pub issuer: &'a str,
    /// The client_id the platform gave this tool.
    pub client_id: &'a str,
    /// Unix seconds now.
    pub now: i64,
    /// Clock skew allowed on `exp` and `iat`, in seconds.
    pub leeway_secs: i64,
}

/// Why an id_token was refused. Each variant has a stable [`code`](IdTokenError::code) for support and logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error(
        "the id_token is not a compact JWS (three base64url parts with a JSON header and payload)"
    )]
    Malformed,
    #[error(
        "the id_token is signed with {0}; LTI 1.3 requires RS256 (RS384 and RS512 are accepted)"
    )]
    UnsupportedAlgorithm(String),
    #[error("no key with kid {0:?} in the platform's JWKS")]
    UnknownKey(Option<String>),
    #[error("the platform's JWKS key {0:?} cannot be used: {1}")]
    UnusableKey(Option<String>, String),
    #[error("the id_token signature does not match the platform's key")]
    BadSignature,
    #[error("the id_token was issued by {found:?}, not by the registered issuer {expected:?}")]
    WrongIssuer { expected: String, found: String },
    #[error("the id_token audience {found:?} does not contain this tool's client_id {expected:?}")]
    WrongAudience {
        expected: String,
        found: Vec<String>,
    },
    #[error(
        "the id_token authorized party (azp) {found:?} is not this tool's client_id {expected:?}"
    )]
    AzpMismatch {
        expected: String,
        found: Option<String>,
    },
    #[error("the id_token expired at {expires_at} (now {now})")]
    Expired { expires_at: i64, now: i64 },
    #[error(
        "the id_token is issued in the future ({issued_at}, now {now}): check the platform's clock"
    )]
    IssuedInFuture { issued_at: i64, now: i64 },
    #[error("the id_token lacks the required claim {0}")]
    MissingClaim(&'static str),
    #[error("the id_token claim {0} is malformed")]
    BadClaim(&'static str),
    #[error("the LTI version is {0:?}; this tool speaks LTI 1.3.0")]
    WrongVersion(String),
    #[error("the message type {0:?} is not one this tool handles at its launch URL")]
    UnsupportedMessageType(String),
}

impl IdTokenError {
    /// A short stable code, shown on the error page and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed => "LTI_TOKEN_MALFORMED",
            Self::UnsupportedAlgorithm(_) => "LTI_TOKEN_ALGORITHM",
            Self::UnknownKey(_) => "LTI_TOKEN_UNKNOWN_KID",
            Self::UnusableKey(..) => "LTI_PLATFORM_KEY",
            Self::BadSignature => "LTI_TOKEN_SIGNATURE",
            Self::WrongIssuer { .. } => "LTI_TOKEN_ISSUER",
            Self::WrongAudience { .. } => "LTI_TOKEN_AUDIENCE",
            Self::AzpMismatch { .. } => "LTI_TOKEN_AZP",
            Self::Expired { .. } => "LTI_TOKEN_EXPIRED",
            Self::IssuedInFuture { .. } => "LTI_TOKEN_IAT",
            Self::MissingClaim(_) | Self::BadClaim(_) => "LTI_TOKEN_CLAIM",
            Self::WrongVersion(_) => "LTI_VERSION",
            Self::UnsupportedMessageType(_) => "LTI_MESSAGE_TYPE",
        }
    }
}

/// The `iss` and `aud` of a token, read without checking anything: only to find which registration's keys to
/// check it with. Never trust them before [`verify_id_token`] passed.
pub fn peek_issuer_and_audiences(token: &str) -> Result<(String, Vec<String>), IdTokenError> {
    let payload = token.split('.').nth(1).ok_or(IdTokenError::Malformed)?;
    let claims = decode_json_part(payload)?;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(IdTokenError::MissingClaim("iss"))?;
    Ok((issuer.to_owned(), audiences(&claims)?))
}

/// Verifies a launch id_token against the platform's key set and returns its claims.
///
/// Returns [`IdTokenError::UnknownKey`] when no key matches the `kid`: the caller should refetch the platform's
/// JWKS once (keys rotate) and call again.
pub fn verify_id_token(
    token: &str,
    keys: &JwkSet,
    expect: &IdTokenExpectations<'_>,
) -> Result<LaunchClaims, IdTokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed);
    };
    // The algorithm is read from our own parse of the header, before any key is chosen, so that `none` and the
    // HMAC family (the "HS256 signed with the public key" attack) are refused whatever the key set holds.
    let header = decode_json_part(header)?;
    let algorithm = match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => Algorithm::RS256,
        Some("RS384") => Algorithm::RS384,
        Some("RS512") => Algorithm::RS512,
        Some(other) => return Err(IdTokenError::UnsupportedAlgorithm(other.to_owned())),
        None => {
            return Err(IdTokenError::UnsupportedAlgorithm(
                "(none given)".to_owned(),
            ));
        }
    };
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    let jwk =
        find_key(keys, kid.as_deref()).ok_or_else(|| IdTokenError::UnknownKey(kid.clone()))?;
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|err| IdTokenError::UnusableKey(kid.clone(), err.to_string()))?;

    // Times, audience and issuer are checked below with the caller's clock and our own messages.
    let mut validation = Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|err| {
            match err.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature => IdTokenError::BadSignature,
                jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => IdTokenError::UnusableKey(
                    kid.clone(),
                    "its algorithm does not match".to_owned(),
                ),
                _ => IdTokenError::Malformed,
            }
        })?;
    check_claims(&data.claims, expect)
}

fn find_key<'a>(keys: &'a JwkSet, kid: Option<&str>) -> Option<&'a Jwk> {
    match kid {
        Some(kid) => keys.find(kid),
        // Without a kid, a set of exactly one key is unambiguous.
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
}

fn decode_json_part(part: &str) -> Result<Map<String, Value>, IdTokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| IdTokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| IdTokenError::Malformed)
}

fn audiences(claims: &Map<String, Value>) -> Result<Vec<String>, IdTokenError> {
    match claims.get("aud") {
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(Value::Array(many)) => many
            .iter()
            .map(|aud| {
                aud.as_str()
                    .map(str::to_owned)
                    .ok_or(IdTokenError::BadClaim("aud"))
            })
            .collect(),
        Some(_) => Err(IdTokenError::BadClaim("aud")),
        None => Err(IdTokenError::MissingClaim("aud")),
    }
}

fn check_claims(
    claims: &Map<String, Value>,
    expect: &IdTokenExpectations<'_>,
) -> Result<LaunchClaims, IdTokenError> {
    let issuer = string_claim(claims, "iss")?.ok_or(IdTokenError::MissingClaim("iss"))?;
    if issuer != expect.issuer {
        return Err(IdTokenError::WrongIssuer {
            expected: expect.issuer.to_owned(),
            found: issuer,
        });
    }
    let audiences = audiences(claims)?;
    if !audiences.iter().any(|aud| aud == expect.client_id) {
        return Err(IdTokenError::WrongAudience {
            expected: expect.client_id.to_owned(),
            found: audiences,
        });
    }
    // Security Framework §5.1.3 steps 4–5: azp is required with several audiences, and must name us if present.
    let azp = string_claim(claims, "azp")?;
    if (audiences.len() > 1 || azp.is_some()) && azp.as_deref() != Some(expect.client_id) {
        return Err(IdTokenError::AzpMismatch {
            expected: expect.client_id.to_owned(),
            found: azp,
        });
    }
    let expires_at = int_claim(claims, "exp")?.ok_or(IdTokenError::MissingClaim("exp"))?;
    if expires_at + expect.leeway_secs <= expect.now {
        return Err(IdTokenError::Expired {
            expires_at,
            now: expect.now,
        });
    }
    let issued_at = int_claim(claims, "iat")?.ok_or(IdTokenError::MissingClaim("iat"))?;
    if issued_at > expect.now + expect.leeway_secs {
        return Err(IdTokenError::IssuedInFuture {
            issued_at,
            now: expect.now,
        });
    }
    let nonce = string_claim(claims, "nonce")?
        .filter(|nonce| !nonce.is_empty())
        .ok_or(IdTokenError::MissingClaim("nonce"))?;

    let version = string_claim(claims, names::VERSION)?.ok_or(IdTokenError::MissingClaim(
        "https://purl.imsglobal.org/spec/lti/claim/version",
    ))?;
    if version != LTI_VERSION {
        return Err(IdTokenError::WrongVersion(version));
    }
    let message_type = string_claim(claims, names::MESSAGE_TYPE)?.ok_or(
        IdTokenError::MissingClaim("https://purl.imsglobal.org/spec/lti/claim/message_type"),
    )?;
    let message_type = MessageType::parse(&message_type)
        .ok_or(IdTokenError::UnsupportedMessageType(message_type))?;
    let deployment_id = string_claim(claims, names::DEPLOYMENT_ID)?
        .filter(|id| !id.is_empty())
        .ok_or(IdTokenError::MissingClaim(
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
        ))?;

    let resource_link: Option<ResourceLink> =
        object_claim(claims, names::RESOURCE_LINK, "resource_link")?;
    let deep_linking: Option<DeepLinkingSettings> = object_claim(
        claims,
        names::DEEP_LINKING_SETTINGS,
        "deep_linking_settings",
    )?;
    match message_type {
        // LTI 1.3 Core §5.3.5: a resource link launch names its link; §5.3.4: and the target it launches.
        MessageType::LtiResourceLinkRequest if resource_link.is_none() => {
            return Err(IdTokenError::MissingClaim(
                "https://purl.imsglobal.org/spec/lti/claim/resource_link",
            ));
        }
        MessageType::LtiDeepLinkingRequest if deep_linking.is_none() => {
            return Err(IdTokenError::MissingClaim(
                "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
            ));
        }
        _ => {}
    }
    let roles = match claims.get(names::ROLES) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(roles)) => roles
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(_) => return Err(IdTokenError::BadClaim("roles")),
    };

    Ok(LaunchClaims {
        issuer,
        client_id: expect.client_id.to_owned(),
        subject: string_claim(claims, "sub")?.filter(|sub| !sub.is_empty()),
        nonce,
        issued_at,
        expires_at,
        message_type,
        deployment_id,
        target_link_uri: string_claim(claims, names::TARGET_LINK_URI)?,
        resource_link,
        roles,
        context: object_claim::<Context>(claims, names::CONTEXT, "context")?,
        tool_platform: object_claim::<ToolPlatform>(claims, names::TOOL_PLATFORM, "tool_platform")?,
        launch_presentation: object_claim::<LaunchPresentation>(
            claims,
            names::LAUNCH_PRESENTATION,
            "launch_presentation",
        )?,
        custom: custom_map(claims.get(names::CUSTOM)),
        name: string_claim(claims, "name")?,
        given_name: string_claim(claims, "given_name")?,
        family_name: string_claim(claims, "family_name")?,
        email: string_claim(claims, "email")?,
        locale: string_claim(claims, "locale")?,
        ags: object_claim::<AgsEndpoint>(claims, names::AGS_ENDPOINT, "ags endpoint")?,
        nrps: object_claim::<NamesRoleService>(claims, names::NRPS, "namesroleservice")?,
        deep_linking,
    })
}

fn string_claim(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        // Some platforms send numeric ids (deployment_id, sub): LTI says strings, the value is still clear.
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(_) => Err(IdTokenError::BadClaim(name)),
    }
}

fn int_claim(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|float| float as i64))
            .map(Some)
            .ok_or(IdTokenError::BadClaim(name)),
        Some(_) => Err(IdTokenError::BadClaim(name)),
    }
}

fn object_claim<T: serde::de::DeserializeOwned>(
    claims: &Map<String, Value>,
    name: &str,
    label: &'static str,
) -> Result<Option<T>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| IdTokenError::BadClaim(label)),
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const PLATFORM_KEY: &[u8] = include_bytes!("../testdata/platform-key.pem");
    const PLATFORM_PUBLIC: &[u8] = include_bytes!("../testdata/platform-public.pem");
    const OTHER_KEY: &[u8] = include_bytes!("../testdata/other-key.pem");
    const PLATFORM_JWKS: &str = include_str!("../testdata/platform-jwks.json");
    const NOW: i64 = 1_790_000_000;
    const ISSUER: &str = "https://moodle.example.org";
    const CLIENT: &str = "client-42";

    fn keys() -> JwkSet {
        serde_json::from_str(PLATFORM_JWKS).unwrap()
    }

    fn expect() -> IdTokenExpectations<'static> {
        IdTokenExpectations {
            issuer: ISSUER,
            client_id: CLIENT,
            now: NOW,
            leeway_secs: 5,
        }
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER,
            "aud": CLIENT,
            "sub": "user-7",
            "iat": NOW - 2,
            "exp": NOW + 58,
            "nonce": "nonce-1",
            "name": "Camille Martin",
            (names::VERSION): "1.3.0",
            (names::MESSAGE_TYPE): "LtiResourceLinkRequest",
            (names::DEPLOYMENT_ID): "3",
            (names::TARGET_LINK_URI): "https://hub.example.org/lti/launch",
            (names::RESOURCE_LINK): {"id": "rl-1", "title": "Les cartes binaires"},
            (names::ROLES): ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            (names::CONTEXT): {"id": "course-1", "title": "CM2", "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
            (names::LAUNCH_PRESENTATION): {"locale": "fr-FR", "document_target": "iframe"},
            (names::CUSTOM): {"content_id": "fr.classcode.information", "attempts": 3},
            (names::AGS_ENDPOINT): {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitem": "https://moodle.example.org/li/1?type_id=3"},
        })
    }

    fn sign(claims: &Value, key_pem: &[u8], kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_rsa_pem(key_pem).unwrap(),
        )
        .unwrap()
    }

    fn signed(claims: &Value) -> String {
        sign(claims, PLATFORM_KEY, Some("platform-key-1"))
    }

    fn verify(token: &str) -> Result<LaunchClaims, IdTokenError> {
        verify_id_token(token, &keys(), &expect())
    }

    fn with(mut claims: Value, name: &str, value: Value) -> Value {
        claims[name] = value;
        claims
    }

    fn without(mut claims: Value, name: &str) -> Value {
        claims.as_object_mut().unwrap().remove(name);
        claims
    }

    #[test]
    fn a_good_resource_link_launch_is_read() {
        let launch = verify(&signed(&claims())).unwrap();
        assert_eq!(launch.subject.as_deref(), Some("user-7"));
        assert_eq!(launch.message_type, MessageType::LtiResourceLinkRequest);
        assert_eq!(launch.deployment_id, "3");
        assert_eq!(launch.resource_link.as_ref().unwrap().id, "rl-1");
        assert_eq!(launch.preferred_locale(), Some("fr-FR"));
        assert_eq!(launch.custom["content_id"], "fr.classcode.information");
        assert_eq!(launch.custom["attempts"], "3");
        assert_eq!(launch.context.unwrap().id, "course-1");
        assert_eq!(
            launch.ags.unwrap().lineitem.as_deref(),
            Some("https://moodle.example.org/li/1?type_id=3")
        );
    }

    #[test]
    fn a_launch_with_no_roles_no_name_and_no_context_is_accepted() {
        let bare = without(
            without(without(claims(), names::ROLES), "name"),
            names::CONTEXT,
        );
        let launch = verify(&signed(&bare)).unwrap();
        assert!(launch.roles.is_empty());
        assert!(launch.name.is_none() && launch.context.is_none());
    }

    #[test]
    fn a_signature_by_another_key_is_refused() {
        let token = sign(&claims(), OTHER_KEY, Some("platform-key-1"));
        assert_eq!(verify(&token), Err(IdTokenError::BadSignature));
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let token = signed(&claims());
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&with(claims(), "sub", json!("admin"))).unwrap());
        parts[1] = &forged;
        assert_eq!(verify(&parts.join(".")), Err(IdTokenError::BadSignature));
    }

    #[test]
    fn alg_none_is_refused_before_any_key_is_looked_at() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"platform-key-1"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
        let token = format!("{header}.{payload}.");
        assert_eq!(
            verify(&token),
            Err(IdTokenError::UnsupportedAlgorithm("none".to_owned()))
        );
    }

    #[test]
    fn hs256_signed_with_the_platform_public_key_is_refused() {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("platform-key-1".to_owned());
        let token = jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(PLATFORM_PUBLIC).unwrap(),
        )
        .unwrap();
        assert_eq!(
            verify(&token),
            Err(IdTokenError::UnsupportedAlgorithm("HS256".to_owned()))
        );
    }

    #[test]
    fn an_unknown_kid_asks_for_a_jwks_refetch() {
        let token = sign(&claims(), PLATFORM_KEY, Some("rotated-key"));
        assert_eq!(
            verify(&token),
            Err(IdTokenError::UnknownKey(Some("rotated-key".to_owned())))
        );
    }

    #[test]
    fn expiry_and_issue_time_are_checked_with_the_leeway() {
        let expired = with(claims(), "exp", json!(NOW - 6));
        assert!(matches!(
            verify(&signed(&expired)),
            Err(IdTokenError::Expired { .. })
        ));
        let just_expired = with(claims(), "exp", json!(NOW - 3));
        assert!(verify(&signed(&just_expired)).is_ok());
        let future = with(claims(), "iat", json!(NOW + 60));
        assert!(matches!(
            verify(&signed(&future)),
            Err(IdTokenError::IssuedInFuture { .. })
        ));
        let no_exp = without(claims(), "exp");
        assert_eq!(
            verify(&signed(&no_exp)),
            Err(IdTokenError::MissingClaim("exp"))
        );
    }

    #[test]
    fn issuer_audience_and_azp_must_name_this_registration() {
        let wrong_iss = with(claims(), "iss", json!("https://evil.example.net"));
        assert!(matches!(
            verify(&signed(&wrong_iss)),
            Err(IdTokenError::WrongIssuer { .. })
        ));
        let wrong_aud = with(claims(), "aud", json!("someone-else"));
        assert!(matches!(
            verify(&signed(&wrong_aud)),
            Err(IdTokenError::WrongAudience { .. })
        ));
        let many_without_azp = with(claims(), "aud", json!([CLIENT, "lti11-key"]));
        assert!(matches!(
            verify(&signed(&many_without_azp)),
            Err(IdTokenError::AzpMismatch { .. })
        ));
        let many_with_azp = with(many_without_azp, "azp", json!(CLIENT));
        assert!(verify(&signed(&many_with_azp)).is_ok());
        let azp_other = with(claims(), "azp", json!("other"));
        assert!(matches!(
            verify(&signed(&azp_other)),
            Err(IdTokenError::AzpMismatch { .. })
        ));
    }

    #[test]
    fn version_message_type_and_required_claims_are_checked() {
        let v11 = with(claims(), names::VERSION, json!("1.1"));
        assert_eq!(
            verify(&signed(&v11)),
            Err(IdTokenError::WrongVersion("1.1".to_owned()))
        );
        let other_message = with(
            claims(),
            names::MESSAGE_TYPE,
            json!("LtiSubmissionReviewRequest"),
        );
        assert!(matches!(
            verify(&signed(&other_message)),
            Err(IdTokenError::UnsupportedMessageType(_))
        ));
        let no_link = without(claims(), names::RESOURCE_LINK);
        assert!(matches!(
            verify(&signed(&no_link)),
            Err(IdTokenError::MissingClaim(_))
        ));
        let no_nonce = without(claims(), "nonce");
        assert_eq!(
            verify(&signed(&no_nonce)),
            Err(IdTokenError::MissingClaim("nonce"))
        );
        let no_deployment = without(claims(), names::DEPLOYMENT_ID);
        assert!(matches!(
            verify(&signed(&no_deployment)),
            Err(IdTokenError::MissingClaim(_))
        ));
        let deep_link_without_settings = with(
            claims(),
            names::MESSAGE_TYPE,
            json!("LtiDeepLinkingRequest"),
        );
        assert!(matches!(
            verify(&signed(&deep_link_without_settings)),
            Err(IdTokenError::MissingClaim(_))
        ));
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for token in ["", "a.b", "a.b.c", "....", "eyJhbGciOiJSUzI1NiJ9.e30.sig"] {
            assert!(verify(token).is_err(), "{token}");
        }
    }

    #[test]
    fn issuer_and_audiences_can_be_peeked_to_pick_the_registration() {
        let (issuer, audiences) = peek_issuer_and_audiences(&signed(&claims())).unwrap();
        assert_eq!(issuer, ISSUER);
        assert_eq!(audiences, vec![CLIENT.to_owned()]);
    }
}
