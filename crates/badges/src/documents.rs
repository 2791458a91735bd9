//! The Open Badges documents the hub publishes, built from what a certification says: the 2.0 Issuer Profile,
//! BadgeClass, Assertion and RevocationList (hosted verification), and the 3.0 OpenBadgeCredential, issuer Profile
//! (also the controller document of the signing keys) and BitstringStatusListCredential, before signing.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::jsonld::{CREDENTIALS_V2, OB_V3P0_3_0_3};

pub const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";
const DID_V1: &str = "https://www.w3.org/ns/did/v1";
const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

/// The addresses of everything the hub publishes about badges, under its public URL.
#[derive(Clone, Debug)]
pub struct BadgeUrls {
    base: String,
}

impl BadgeUrls {
    pub fn new(public_url: &str) -> Self {
        BadgeUrls {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }
    /// The badge itself (OB 3.0 Achievement id, the object of `earned` statements): its public page.
    pub fn achievement(&self, content_id: &str) -> String {
        format!("{}/badges/{content_id}", self.base)
    }
    pub fn badge_image_png(&self, content_id: &str) -> String {
        format!("{}/badges/{content_id}/image.png", self.base)
    }
    /// The public verification page of one awarded badge.
    pub fn verify_page(&self, badge: Uuid) -> String {
        format!("{}/badges/verify/{badge}", self.base)
    }
    pub fn ob2_issuer(&self) -> String {
        format!("{}/ob/v2/issuer", self.base)
    }
    pub fn ob2_revocations(&self) -> String {
        format!("{}/ob/v2/revocations", self.base)
    }
    pub fn ob2_badge_class(&self, content_id: &str) -> String {
        format!("{}/ob/v2/badges/{content_id}", self.base)
    }
    pub fn ob2_assertion(&self, badge: Uuid) -> String {
        format!("{}/ob/v2/assertions/{badge}", self.base)
    }
    pub fn ob3_issuer(&self) -> String {
        format!("{}/ob/v3/issuer", self.base)
    }
    /// A verification method: each key has a URL of its own (verifiers that drop a URL's fragment when they
    /// fetch it could not read an `issuer#key` one).
    pub fn ob3_key(&self, kid: &str) -> String {
        format!("{}/ob/v3/issuer/keys/{kid}", self.base)
    }
    pub fn ob3_credential(&self, badge: Uuid) -> String {
        format!("{}/ob/v3/credentials/{badge}", self.base)
    }
    pub fn ob3_status_list(&self, list: u32) -> String {
        format!("{}/ob/v3/status/{list}", self.base)
    }
}

/// Who issues: the organisation running the hub.
#[derive(Clone, Debug)]
pub struct IssuerInfo {
    pub name: String,
    pub url: String,
    pub email: Option<String>,
    pub description: String,
}

/// What a badge is for: a module or parcours of the catalog.
#[derive(Clone, Debug)]
pub struct BadgeClassInfo {
    pub content_id: String,
    pub name: String,
    pub description: String,
    /// What earns it, in words (from the content's certification rule).
    pub criteria: String,
    pub tags: Vec<String>,
}

/// How the recipient is named, before hashing.
#[derive(Clone, Debug, PartialEq)]
pub enum RecipientIdentity {
    /// An email address (from an xAPI `mbox`).
    Email(String),
    /// An account at a platform (an xAPI `account`: home page and name), as one IRI-like string.
    Account { home_page: String, name: String },
}

impl RecipientIdentity {
    fn plain(&self) -> String {
        match self {
            RecipientIdentity::Email(email) => email.to_lowercase(),
            RecipientIdentity::Account { home_page, name } => {
                format!("{}#{name}", home_page.trim_end_matches('/'))
            }
        }
    }

    /// `sha256$` and the hex SHA-256 of the identity followed by the salt (Open Badges 2.0 and 3.0).
    pub fn hashed(&self, salt: &str) -> String {
        hash_with_salt(&self.plain(), salt)
    }

    /// Whether `candidate` (an email or an account IRI, as the verifier knows it) is the hashed identity.
    pub fn matches(hashed: &str, salt: &str, candidate: &str) -> bool {
        let candidate = candidate.trim();
        [candidate.to_owned(), candidate.to_lowercase()]
            .iter()
            .any(|plain| hash_with_salt(plain, salt).eq_ignore_ascii_case(hashed))
    }
}

fn hash_with_salt(plain: &str, salt: &str) -> String {
    let digest = Sha256::digest(format!("{plain}{salt}").as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256${hex}")
}

/// One statement that proved the certification, shown as evidence.
#[derive(Clone, Debug)]
pub struct EvidenceItem {
    pub statement_id: Uuid,
    pub name: String,
    pub description: String,
}

/// One awarded badge: everything its documents say.
#[derive(Clone, Debug)]
pub struct Award {
    pub id: Uuid,
    pub badge: BadgeClassInfo,
    pub recipient: RecipientIdentity,
    pub salt: String,
    /// RFC 3339, UTC, seconds (`2026-11-29T10:00:00Z`).
    pub issued_on: String,
    pub valid_until: Option<String>,
    pub evidence: Vec<EvidenceItem>,
    pub status_list: u32,
    pub status_index: u64,
}

fn evidence_id(urls: &BadgeUrls, award: &Award, item: &EvidenceItem) -> String {
    format!(
        "{}#statement-{}",
        urls.verify_page(award.id),
        item.statement_id
    )
}

/// OB 2.0 Issuer Profile.
pub fn ob2_issuer(urls: &BadgeUrls, issuer: &IssuerInfo) -> Value {
    let mut profile = json!({
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": urls.ob2_issuer(),
        "name": issuer.name,
        "url": issuer.url,
        "description": issuer.description,
        "revocationList": urls.ob2_revocations(),
    });
    if let Some(email) = &issuer.email {
        profile["email"] = json!(email);
    }
    profile
}

/// OB 2.0 BadgeClass.
pub fn ob2_badge_class(urls: &BadgeUrls, badge: &BadgeClassInfo) -> Value {
    json!({
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": urls.ob2_badge_class(&badge.content_id),
        "name": badge.name,
        "description": badge.description,
        "image": urls.badge_image_png(&badge.content_id),
        "criteria": {"id": urls.achievement(&badge.content_id), "narrative": badge.criteria},
        "issuer": urls.ob2_issuer(),
        "tags": badge.tags,
    })
}

/// OB 2.0 hosted Assertion.
pub fn ob2_assertion(urls: &BadgeUrls, award: &Award) -> Value {
    let (kind, _) = recipient_kind(&award.recipient);
    let mut assertion = json!({
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": urls.ob2_assertion(award.id),
        "recipient": {
            "type": kind,
            "hashed": true,
            "salt": award.salt,
            "identity": award.recipient.hashed(&award.salt),
        },
        "badge": urls.ob2_badge_class(&award.badge.content_id),
        "issuedOn": award.issued_on,
        "verification": {"type": "hosted"},
        "image": format!("{}.png", urls.ob2_assertion(award.id)),
        "evidence": award.evidence.iter().map(|item| json!({
            "id": evidence_id(urls, award, item),
            "name": item.name,
            "description": item.description,
        })).collect::<Vec<_>>(),
    });
    if let Some(until) = &award.valid_until {
        assertion["expires"] = json!(until);
    }
    assertion
}

/// The body of a revoked OB 2.0 assertion (served with HTTP 410).
pub fn ob2_revoked(urls: &BadgeUrls, badge: Uuid, reason: &str) -> Value {
    json!({
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": urls.ob2_assertion(badge),
        "revoked": true,
        "revocationReason": reason,
    })
}

/// OB 2.0 RevocationList.
pub fn ob2_revocation_list(urls: &BadgeUrls, revoked: &[(Uuid, String)]) -> Value {
    json!({
        "@context": OB2_CONTEXT,
        "type": "RevocationList",
        "id": urls.ob2_revocations(),
        "issuer": urls.ob2_issuer(),
        "revokedAssertions": revoked.iter().map(|(badge, reason)| json!({
            "id": urls.ob2_assertion(*badge),
            "revocationReason": reason,
        })).collect::<Vec<_>>(),
    })
}

fn recipient_kind(recipient: &RecipientIdentity) -> (&'static str, &'static str) {
    match recipient {
        RecipientIdentity::Email(_) => ("email", "emailAddress"),
        RecipientIdentity::Account { .. } => ("url", "ltiUserId"),
    }
}

/// The OB 3.0 issuer Profile as it appears inside credentials.
pub fn ob3_issuer_ref(urls: &BadgeUrls, issuer: &IssuerInfo) -> Value {
    let mut profile = json!({
        "id": urls.ob3_issuer(),
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "description": issuer.description,
    });
    if let Some(email) = &issuer.email {
        profile["email"] = json!(email);
    }
    profile
}

/// The OB 3.0 issuer Profile published at its id: also a controller document listing every signing key, old
/// ones included, as Multikey verification methods usable for assertions.
pub fn ob3_issuer_document(
    urls: &BadgeUrls,
    issuer: &IssuerInfo,
    keys: &[(String, String)],
) -> Value {
    let mut profile = ob3_issuer_ref(urls, issuer);
    // The DID and Multikey contexts define `assertionMethod` and `publicKeyMultibase`, which verifiers framing
    // this document in safe mode need.
    profile["@context"] = json!([CREDENTIALS_V2, OB_V3P0_3_0_3, DID_V1, MULTIKEY_V1]);
    profile["verificationMethod"] = keys
        .iter()
        .map(|(kid, multibase)| {
            let mut key = ob3_key_document(urls, kid, multibase);
            if let Some(key) = key.as_object_mut() {
                key.remove("@context");
            }
            key
        })
        .collect();
    profile["assertionMethod"] = keys
        .iter()
        .map(|(kid, _)| json!(urls.ob3_key(kid)))
        .collect();
    profile
}

/// One verification method, published at its own URL.
pub fn ob3_key_document(urls: &BadgeUrls, kid: &str, multibase: &str) -> Value {
    json!({
        "@context": MULTIKEY_V1,
        "id": urls.ob3_key(kid),
        "type": "Multikey",
        "controller": urls.ob3_issuer(),
        "publicKeyMultibase": multibase,
    })
}

/// The unsigned OB 3.0 OpenBadgeCredential of an award.
pub fn ob3_credential(urls: &BadgeUrls, issuer: &IssuerInfo, award: &Award) -> Value {
    let (_, identity_type) = recipient_kind(&award.recipient);
    let status_list = urls.ob3_status_list(award.status_list);
    let mut credential = json!({
        "@context": [CREDENTIALS_V2, OB_V3P0_3_0_3],
        "id": urls.ob3_credential(award.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.badge.name,
        "issuer": ob3_issuer_ref(urls, issuer),
        "validFrom": award.issued_on,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": award.recipient.hashed(&award.salt),
                "identityType": identity_type,
                "hashed": true,
                "salt": award.salt,
            }],
            "achievement": {
                "id": urls.achievement(&award.badge.content_id),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": award.badge.name,
                "description": award.badge.description,
                "criteria": {"id": urls.achievement(&award.badge.content_id), "narrative": award.badge.criteria},
                "image": {"id": urls.badge_image_png(&award.badge.content_id), "type": "Image"},
                "tag": award.badge.tags,
            },
        },
        "evidence": award.evidence.iter().map(|item| json!({
            "id": evidence_id(urls, award, item),
            "type": ["Evidence"],
            "name": item.name,
            "description": item.description,
        })).collect::<Vec<_>>(),
        "credentialStatus": {
            "id": format!("{status_list}#{}", award.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": award.status_index.to_string(),
            "statusListCredential": status_list,
        },
    });
    if let Some(until) = &award.valid_until {
        credential["validUntil"] = json!(until);
    }
    credential
}

/// The unsigned BitstringStatusListCredential of one list, issued by the same issuer as the badges.
pub fn ob3_status_list_credential(
    urls: &BadgeUrls,
    list: u32,
    encoded_list: &str,
    valid_from: &str,
) -> Value {
    let id = urls.ob3_status_list(list);
    json!({
        "@context": [CREDENTIALS_V2],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.ob3_issuer(),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{jsonld, rdfc};

    fn award() -> Award {
        Award {
            id: Uuid::from_u128(7),
            badge: BadgeClassInfo {
                content_id: "information".to_owned(),
                name: "Information et données".to_owned(),
                description: "Coder l'information.".to_owned(),
                criteria: "Toutes les activités requises et le quiz final à 70 %.".to_owned(),
                tags: vec!["SNT".to_owned()],
            },
            recipient: RecipientIdentity::Email("Alice@Example.org".to_owned()),
            salt: "sel".to_owned(),
            issued_on: "2026-11-29T10:00:00Z".to_owned(),
            valid_until: None,
            evidence: vec![EvidenceItem {
                statement_id: Uuid::from_u128(9),
                name: "Quiz final".to_owned(),
                description: "Réussi : 85 %".to_owned(),
            }],
            status_list: 1,
            status_index: 42,
        }
    }

    fn issuer() -> IssuerInfo {
        IssuerInfo {
            name: "Class'Code".to_owned(),
            url: "https://classcode.fr".to_owned(),
            email: Some("contact@classcode.fr".to_owned()),
            description: "Former à la pensée informatique.".to_owned(),
        }
    }

    #[test]
    fn a_hashed_recipient_can_be_checked_by_whoever_knows_the_email() {
        let award = award();
        let hashed = award.recipient.hashed(&award.salt);
        assert!(hashed.starts_with("sha256$") && hashed.len() == 7 + 64);
        assert!(RecipientIdentity::matches(
            &hashed,
            "sel",
            "alice@example.org"
        ));
        assert!(!RecipientIdentity::matches(
            &hashed,
            "sel",
            "bob@example.org"
        ));
        assert!(!RecipientIdentity::matches(
            &hashed,
            "autre",
            "alice@example.org"
        ));
    }

    #[test]
    fn the_ob2_assertion_is_hosted_and_points_at_its_badge_class() {
        let urls = BadgeUrls::new("https://hub.example/");
        let assertion = ob2_assertion(&urls, &award());
        assert_eq!(assertion["id"], urls.ob2_assertion(Uuid::from_u128(7)));
        assert_eq!(assertion["verification"]["type"], "hosted");
        assert_eq!(
            assertion["badge"],
            "https://hub.example/ob/v2/badges/information"
        );
        assert_eq!(assertion["recipient"]["type"], "email");
        assert!(assertion["recipient"].get("plain").is_none());
        assert!(
            !assertion.to_string().contains("Alice"),
            "the plain email never shows"
        );
    }

    #[test]
    fn the_ob3_credential_canonicalizes_with_the_bundled_contexts() {
        let urls = BadgeUrls::new("https://hub.example");
        let credential = ob3_credential(&urls, &issuer(), &award());
        assert_eq!(credential["@context"][0], CREDENTIALS_V2);
        let nquads = rdfc::canonicalize(&jsonld::to_rdf(&credential).expect("to RDF"));
        assert!(nquads.contains(
            "<https://hub.example/ob/v3/credentials/00000000-0000-0000-0000-000000000007> <https://www.w3.org/2018/credentials#credentialStatus> <https://hub.example/ob/v3/status/1#42> ."
        ), "{nquads}");
        assert!(nquads.contains("<https://purl.imsglobal.org/spec/vc/ob/vocab.html#identityHash>"));
        assert!(nquads.contains("\"sha256$"), "{nquads}");
        assert!(credential.get("validUntil").is_none());
        let mut ending = award();
        ending.valid_until = Some("2027-11-29T10:00:00Z".to_owned());
        assert_eq!(
            ob3_credential(&urls, &issuer(), &ending)["validUntil"],
            "2027-11-29T10:00:00Z"
        );
        assert_eq!(
            ob2_assertion(&urls, &ending)["expires"],
            "2027-11-29T10:00:00Z"
        );
    }
}
