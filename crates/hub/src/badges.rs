//! Open Badges awarded on certification: one badge per standing certification, published as an Open Badges 2.0
//! hosted Assertion and as an Open Badges 3.0 OpenBadgeCredential (Data Integrity `eddsa-rdfc-2022` proof and
//! VC-JWT), with its entry in a Bitstring Status List. The documents are signed once and stored as issued; a
//! revoked certification revokes its badge, and an admin can revoke or re-issue one. Signing keys are Ed25519,
//! sealed with the master key; rotation retires a key for signing but keeps it published.

use anyhow::{Context as _, anyhow};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use classcode_badges::documents::{
    self, Award, BadgeClassInfo, BadgeUrls, EvidenceItem, IssuerInfo, RecipientIdentity,
};
use classcode_badges::{bake, di, multibase, status_list};
use classcode_content::{ModuleManifest, ParcoursManifest};
use classcode_storage::{Badge, BadgeKey, Certification, StorageError, TenantId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Hub;

/// Entries per status list before the next list starts. Entries are drawn at random inside a list, so the list
/// is kept under two thirds full to keep draws cheap.
const ENTRIES_PER_LIST: u64 = status_list::MIN_ENTRIES as u64;
const FILL_PER_LIST: u64 = ENTRIES_PER_LIST * 2 / 3;

/// Who issues the badges and for how long they hold.
#[derive(Clone, Debug)]
pub struct BadgeSettings {
    pub issuer_name: String,
    pub issuer_url: String,
    pub issuer_email: Option<String>,
    pub issuer_description: String,
    /// Days a badge is valid; `None` for no end.
    pub valid_for_days: Option<u32>,
}

/// Where a badge stands, as the verification page tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadgeStanding {
    Valid,
    Revoked,
    Expired,
}

impl BadgeStanding {
    /// Revoked wins over expired: a revoked badge stays revoked whatever its dates.
    pub fn of(badge: &Badge, now: DateTime<Utc>) -> BadgeStanding {
        if badge.revoked_at.is_some() {
            BadgeStanding::Revoked
        } else if badge.valid_until.is_some_and(|until| until <= now) {
            BadgeStanding::Expired
        } else {
            BadgeStanding::Valid
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BadgeStanding::Valid => "valid",
            BadgeStanding::Revoked => "revoked",
            BadgeStanding::Expired => "expired",
        }
    }
}

/// One badge as the learner, admin and verification pages show it.
#[derive(Clone, Debug)]
pub struct BadgeView {
    pub badge: Badge,
    pub standing: BadgeStanding,
    /// The OB 3.0 credential as issued (with its proof).
    pub credential: Value,
    /// Whether the credential's proof checks out against the hub's published key (a self-check).
    pub proof_holds: bool,
}

impl BadgeView {
    /// The JSON the admin API and the CLI show.
    pub fn summary(&self, urls: &BadgeUrls) -> Value {
        json!({
            "id": self.badge.id,
            "tenant_id": self.badge.tenant_id,
            "certification_id": self.badge.certification_id,
            "content_id": self.badge.content_id,
            "name": self.credential["name"],
            "standing": self.standing.as_str(),
            "issued_at": rfc3339(self.badge.issued_at),
            "valid_until": self.badge.valid_until.map(rfc3339),
            "revoked_at": self.badge.revoked_at.map(rfc3339),
            "revoked_reason": self.badge.revoked_reason,
            "kid": self.badge.kid,
            "status_list": self.badge.status_list,
            "status_index": self.badge.status_index,
            "verify_url": urls.verify_page(self.badge.id),
            "ob2_assertion": urls.ob2_assertion(self.badge.id),
            "ob3_credential": urls.ob3_credential(self.badge.id),
        })
    }
}

/// What an admin looks for among the issued badges.
#[derive(Clone, Debug, Default)]
pub struct BadgeSearch {
    pub content_id: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub standing: Option<String>,
    /// A piece of the badge's id or of its content id.
    pub text: Option<String>,
    pub limit: usize,
}

/// What went wrong with an admin's action on a badge.
#[derive(Debug, thiserror::Error)]
pub enum BadgeError {
    #[error("no badge {0}")]
    NotFound(Uuid),
    #[error("badge {0} is already revoked")]
    AlreadyRevoked(Uuid),
    #[error(
        "the certification behind badge {0} no longer stands: certify it again before re-issuing"
    )]
    CertificationRevoked(Uuid),
    #[error("a reason is required (1 to 500 characters)")]
    BadReason,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StorageError> for BadgeError {
    fn from(err: StorageError) -> Self {
        BadgeError::Unexpected(err.into())
    }
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The learner's identifier as one string, the key of "my badges": `mbox:…`, `account:home|name`, `openid:…`.
pub fn actor_key(actor: &Value) -> Option<String> {
    if let Some(mbox) = actor["mbox"].as_str() {
        return Some(format!("mbox:{}", mbox.to_lowercase()));
    }
    if let (Some(home), Some(name)) = (
        actor["account"]["homePage"].as_str(),
        actor["account"]["name"].as_str(),
    ) {
        return Some(format!("account:{home}|{name}"));
    }
    actor["openid"]
        .as_str()
        .map(|openid| format!("openid:{openid}"))
}

fn recipient(actor: &Value) -> Option<RecipientIdentity> {
    if let Some(email) = actor["mbox"]
        .as_str()
        .and_then(|mbox| mbox.strip_prefix("mailto:"))
    {
        return Some(RecipientIdentity::Email(email.to_owned()));
    }
    match (
        actor["account"]["homePage"].as_str(),
        actor["account"]["name"].as_str(),
    ) {
        (Some(home_page), Some(name)) => Some(RecipientIdentity::Account {
            home_page: home_page.to_owned(),
            name: name.to_owned(),
        }),
        _ => None,
    }
}

fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("no randomness available"))?;
    Ok(bytes)
}

/// A signing key, unsealed.
struct Signer {
    kid: String,
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

fn sealing_label(kid: &str) -> String {
    format!("badge-key/{kid}")
}

/// The name of an activity in a statement, for evidence.
fn statement_evidence(urls_hint: &str, statement: &Value) -> (String, String) {
    let object = &statement["object"];
    let name = object["definition"]["name"]["fr-FR"]
        .as_str()
        .or_else(|| object["definition"]["name"]["fr"].as_str())
        .or_else(|| {
            object["definition"]["name"]
                .as_object()
                .and_then(|names| names.values().next())
                .and_then(Value::as_str)
        })
        .or_else(|| object["id"].as_str())
        .unwrap_or(urls_hint)
        .to_owned();
    let verb = statement["verb"]["id"]
        .as_str()
        .and_then(|verb| verb.rsplit('/').next())
        .unwrap_or("");
    let verb = match verb {
        "completed" => "terminé",
        "passed" => "réussi",
        "scored" => "noté",
        "failed" => "tenté",
        other => other,
    };
    let timestamp = statement["timestamp"].as_str().unwrap_or("");
    let description = match statement["result"]["score"]["scaled"].as_f64() {
        Some(scaled) => format!(
            "{verb} avec un score de {} % ({timestamp}), déclaration xAPI {}",
            (scaled * 100.0).round(),
            statement["id"].as_str().unwrap_or("")
        ),
        None => format!(
            "{verb} ({timestamp}), déclaration xAPI {}",
            statement["id"].as_str().unwrap_or("")
        ),
    };
    (name, description)
}

impl Hub {
    pub fn badge_urls(&self) -> BadgeUrls {
        BadgeUrls::new(&self.settings.public_url)
    }

    fn issuer_info(&self) -> IssuerInfo {
        let badges = &self.settings.badges;
        IssuerInfo {
            name: badges.issuer_name.clone(),
            url: badges.issuer_url.clone(),
            email: badges.issuer_email.clone(),
            description: badges.issuer_description.clone(),
        }
    }

    /// The current signing key, made on first use.
    async fn badge_signer(&self) -> anyhow::Result<Signer> {
        let keys = self.storage.find_badge_keys().await?;
        if let Some(current) = keys.iter().find(|key| key.retired_at.is_none()) {
            let pkcs8 = self
                .settings
                .master_key
                .open(&sealing_label(&current.kid), &current.private_key_sealed)
                .context(
                    "opening the badge signing key (is the master key the one that sealed it?)",
                )?;
            let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
                .map_err(|_| anyhow!("the badge signing key {} is not Ed25519", current.kid))?;
            return Ok(Signer {
                kid: current.kid.clone(),
                pair,
                pkcs8,
            });
        }
        self.new_badge_key().await
    }

    async fn new_badge_key(&self) -> anyhow::Result<Signer> {
        let document = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new())
            .map_err(|_| anyhow!("cannot generate an Ed25519 key"))?;
        let pkcs8 = document.as_ref().to_vec();
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .map_err(|_| anyhow!("cannot read the new Ed25519 key"))?;
        let public = pair.public_key().as_ref().to_vec();
        let digest = Sha256::digest(&public);
        let kid = format!("ed25519-{}", URL_SAFE_NO_PAD.encode(&digest[..9]));
        self.storage
            .insert_badge_key(&BadgeKey {
                kid: kid.clone(),
                public_key: URL_SAFE_NO_PAD.encode(&public),
                private_key_sealed: self
                    .settings
                    .master_key
                    .seal(&sealing_label(&kid), &pkcs8)?,
                created_at: Utc::now(),
                retired_at: None,
            })
            .await?;
        tracing::info!(kid, "made a badge signing key");
        Ok(Signer { kid, pair, pkcs8 })
    }

    /// Retires the current badge key for signing and makes a new one; the old key stays published so the badges
    /// it signed still verify. Returns the new `kid`.
    pub async fn rotate_badge_key(&self) -> anyhow::Result<String> {
        self.storage.retire_badge_keys(Utc::now()).await?;
        Ok(self.new_badge_key().await?.kid)
    }

    /// Every badge key, newest first: (kid, raw public key).
    async fn badge_public_keys(&self) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
        let keys = self.storage.find_badge_keys().await?;
        keys.into_iter()
            .map(|key| {
                let public = URL_SAFE_NO_PAD
                    .decode(&key.public_key)
                    .with_context(|| format!("badge key {} public key", key.kid))?;
                Ok((key.kid, public))
            })
            .collect()
    }

    /// The OB 3.0 issuer profile and controller document (every key, old ones included).
    pub async fn badge_issuer_document(&self) -> anyhow::Result<Value> {
        // A fresh hub publishes a key before its first badge, so verifiers can fetch it at once.
        if self.storage.find_badge_keys().await?.is_empty() {
            self.badge_signer().await?;
        }
        let keys: Vec<(String, String)> = self
            .badge_public_keys()
            .await?
            .into_iter()
            .map(|(kid, public)| (kid, multibase::ed25519_multikey(&public)))
            .collect();
        Ok(documents::ob3_issuer_document(
            &self.badge_urls(),
            &self.issuer_info(),
            &keys,
        ))
    }

    /// One verification method by its `kid`, if the hub has such a key.
    pub async fn badge_key_document(&self, kid: &str) -> anyhow::Result<Option<Value>> {
        Ok(self
            .badge_public_keys()
            .await?
            .into_iter()
            .find(|(known, _)| known == kid)
            .map(|(kid, public)| {
                documents::ob3_key_document(
                    &self.badge_urls(),
                    &kid,
                    &multibase::ed25519_multikey(&public),
                )
            }))
    }

    /// The badge keys as a JWKS (OKP, Ed25519), for VC-JWT verifiers.
    pub async fn badge_jwks(&self) -> anyhow::Result<Value> {
        let keys: Vec<Value> = self
            .badge_public_keys()
            .await?
            .into_iter()
            .map(|(kid, public)| {
                json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(public), "kid": kid,
                       "alg": "EdDSA", "use": "sig"})
            })
            .collect();
        Ok(json!({ "keys": keys }))
    }

    /// The OB 2.0 Issuer Profile.
    pub fn badge_ob2_issuer(&self) -> Value {
        documents::ob2_issuer(&self.badge_urls(), &self.issuer_info())
    }

    /// What a content's badge is: from its newest package (module or parcours).
    pub async fn badge_class_info(
        &self,
        content_id: &str,
    ) -> anyhow::Result<Option<BadgeClassInfo>> {
        let packages = self.storage.find_content_packages().await?;
        let Some(package) = crate::content::newest(&packages, content_id) else {
            return Ok(None);
        };
        let (title, description, rule, tags) = match package.kind.as_str() {
            "module" => {
                let manifest: ModuleManifest = serde_json::from_str(&package.manifest)?;
                (
                    manifest.title,
                    manifest.description,
                    manifest.certification,
                    manifest.themes,
                )
            }
            "parcours" => {
                let manifest: ParcoursManifest = serde_json::from_str(&package.manifest)?;
                (
                    manifest.title,
                    manifest.description,
                    manifest.certification,
                    Vec::new(),
                )
            }
            _ => return Ok(None),
        };
        let Some(rule) = rule else {
            return Ok(None);
        };
        let threshold = (rule.min_scaled_score * 100.0).round();
        let criteria = if rule.required == "all-steps" {
            format!(
                "Terminer chaque étape du parcours « {} » et obtenir en moyenne au moins {threshold} % aux quiz notés par Class'Code Hub (règle version {}).",
                title.fr, rule.rule_version
            )
        } else {
            format!(
                "Terminer toutes les activités requises du module « {} »{} avec au moins {threshold} %, dans une même inscription (règle version {}).",
                title.fr,
                rule.quiz
                    .as_deref()
                    .map(|quiz| format!(" et réussir le quiz « {quiz} »"))
                    .unwrap_or_default(),
                rule.rule_version
            )
        };
        Ok(Some(BadgeClassInfo {
            content_id: content_id.to_owned(),
            name: title.fr.clone(),
            description: description.fr.clone(),
            criteria,
            tags,
        }))
    }

    /// The badge of a standing certification: the one already awarded, or a new one. `None` when its content
    /// has no certification rule any more or the learner has no identifier to name.
    pub(crate) async fn award_badge(
        &self,
        certification: &Certification,
    ) -> anyhow::Result<Option<Badge>> {
        let existing = self
            .storage
            .find_badges_of_certification(certification.tenant_id, certification.id)
            .await?;
        if let Some(standing) = existing
            .into_iter()
            .find(|badge| badge.revoked_at.is_none())
        {
            return Ok(Some(standing));
        }
        let actor: Value = serde_json::from_str(&certification.actor)?;
        let (Some(recipient), Some(actor_key)) = (recipient(&actor), actor_key(&actor)) else {
            return Ok(None);
        };
        let Some(badge_class) = self.badge_class_info(&certification.content_id).await? else {
            return Ok(None);
        };
        let proofs = self
            .storage
            .find_statements_by_ids(certification.tenant_id, &certification.evidence)
            .await?;
        let urls = self.badge_urls();
        let evidence: Vec<EvidenceItem> = certification
            .evidence
            .iter()
            .map(|statement_id| {
                let statement = proofs
                    .iter()
                    .find(|stored| stored.statement_id == *statement_id)
                    .and_then(|stored| serde_json::from_str::<Value>(&stored.payload).ok())
                    .unwrap_or_else(|| json!({"id": statement_id}));
                let (name, description) = statement_evidence(&badge_class.name, &statement);
                EvidenceItem {
                    statement_id: *statement_id,
                    name,
                    description,
                }
            })
            .collect();
        let signer = self.badge_signer().await?;
        let issued_at = Utc::now();
        let valid_until = self
            .settings
            .badges
            .valid_for_days
            .map(|days| issued_at + Duration::days(i64::from(days)));
        let salt = hex(&random_bytes::<12>()?);
        let id = Uuid::new_v4();
        for _ in 0..16 {
            let (status_list, status_index) = self.draw_status_entry().await?;
            let award = Award {
                id,
                badge: badge_class.clone(),
                recipient: recipient.clone(),
                salt: salt.clone(),
                issued_on: rfc3339(issued_at),
                valid_until: valid_until.map(rfc3339),
                evidence: evidence.clone(),
                status_list,
                status_index: u64::from(status_index),
            };
            let assertion = documents::ob2_assertion(&urls, &award);
            let unsigned = documents::ob3_credential(&urls, &self.issuer_info(), &award);
            let credential = di::sign(
                &unsigned,
                &signer.pair,
                &urls.ob3_key(&signer.kid),
                &rfc3339(issued_at),
            )?;
            let jwt = self.vc_jwt(&unsigned, &signer)?;
            let badge = Badge {
                id,
                tenant_id: certification.tenant_id,
                certification_id: certification.id,
                content_id: certification.content_id.clone(),
                actor_key: actor_key.clone(),
                issued_at,
                valid_until,
                status_list,
                status_index,
                kid: signer.kid.clone(),
                ob2_assertion: assertion.to_string(),
                ob3_credential: credential.to_string(),
                ob3_jwt: jwt,
                revoked_at: None,
                revoked_reason: None,
            };
            match self.storage.insert_badge(&badge).await {
                Ok(()) => {
                    tracing::info!(badge = %id, certification = %certification.id, "badge awarded");
                    return Ok(Some(badge));
                }
                // Another node drew the same status entry at the same moment: draw again.
                Err(StorageError::Conflict(_)) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(anyhow!("no free status list entry after 16 draws"))
    }

    /// A free status entry: the current list is the one being filled; the entry inside it is random, so an entry
    /// says nothing about when or to whom a badge was issued (Bitstring Status List §6, privacy).
    async fn draw_status_entry(&self) -> anyhow::Result<(u32, u32)> {
        let issued = self.storage.count_badges().await?;
        let list = u32::try_from(issued / FILL_PER_LIST + 1)?;
        loop {
            let draw = u32::from_be_bytes(random_bytes::<4>()?) % ENTRIES_PER_LIST as u32;
            if !self.storage.is_status_entry_taken(list, draw).await? {
                return Ok((list, draw));
            }
        }
    }

    /// A VC-JWT of an unsigned credential (OB 3.0 §8.2: the payload is the credential itself, plus `iss`, `jti`,
    /// `nbf` and, when it ends, `exp`), signed EdDSA with the key's URL as `kid`.
    fn vc_jwt(&self, credential: &Value, signer: &Signer) -> anyhow::Result<String> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.typ = Some("JWT".to_owned());
        header.kid = Some(self.badge_urls().ob3_key(&signer.kid));
        let mut claims = credential.clone();
        let issuer = credential["issuer"]["id"].clone();
        claims["iss"] = issuer;
        claims["jti"] = credential["id"].clone();
        if let Some(from) = credential["validFrom"]
            .as_str()
            .and_then(|from| DateTime::parse_from_rfc3339(from).ok())
        {
            claims["nbf"] = json!(from.timestamp());
        }
        if let Some(until) = credential["validUntil"]
            .as_str()
            .and_then(|until| DateTime::parse_from_rfc3339(until).ok())
        {
            claims["exp"] = json!(until.timestamp());
        }
        let key = jsonwebtoken::EncodingKey::from_ed_der(&signer.pkcs8);
        Ok(jsonwebtoken::encode(&header, &claims, &key)?)
    }

    /// Revokes the standing badges of a certification that no longer holds.
    pub(crate) async fn revoke_badges_of(
        &self,
        certification: &Certification,
        reason: &str,
    ) -> anyhow::Result<()> {
        for badge in self
            .storage
            .find_badges_of_certification(certification.tenant_id, certification.id)
            .await?
        {
            if badge.revoked_at.is_none() {
                self.storage
                    .revoke_badge(badge.id, reason, Utc::now())
                    .await?;
                tracing::info!(badge = %badge.id, "badge revoked with its certification");
            }
        }
        Ok(())
    }

    /// A badge as the pages show it, with its standing and a check of its proof.
    pub async fn badge_view(&self, id: Uuid) -> anyhow::Result<Option<BadgeView>> {
        let Some(badge) = self.storage.find_badge(id).await? else {
            return Ok(None);
        };
        let keys = self.badge_public_keys().await?;
        Ok(Some(self.view_of(badge, &keys, Utc::now())))
    }

    fn view_of(&self, badge: Badge, keys: &[(String, Vec<u8>)], now: DateTime<Utc>) -> BadgeView {
        let credential: Value = serde_json::from_str(&badge.ob3_credential).unwrap_or(Value::Null);
        let proof_holds = di::proofs(&credential).first().is_some_and(|proof| {
            keys.iter()
                .find(|(kid, _)| *kid == badge.kid)
                .is_some_and(|(_, public)| di::verify(&credential, proof, public).is_ok())
        });
        let standing = BadgeStanding::of(&badge, now);
        BadgeView {
            badge,
            standing,
            credential,
            proof_holds,
        }
    }

    /// Every badge (of one tenant, or all), newest first.
    pub async fn list_badges(&self, tenant_id: Option<TenantId>) -> anyhow::Result<Vec<BadgeView>> {
        let keys = self.badge_public_keys().await?;
        let now = Utc::now();
        Ok(self
            .storage
            .list_badges(tenant_id)
            .await?
            .into_iter()
            .map(|badge| self.view_of(badge, &keys, now))
            .collect())
    }

    /// The badges an admin searches for, newest first: by content, by standing (`active`, `expired`, `revoked`), by a
    /// piece of the badge id or content id, at most `limit`.
    pub async fn search_badges(&self, search: &BadgeSearch) -> anyhow::Result<Vec<BadgeView>> {
        let query = search.text.as_deref().map(str::to_lowercase);
        let mut found: Vec<BadgeView> = self
            .list_badges(None)
            .await?
            .into_iter()
            .filter(|view| {
                search
                    .content_id
                    .as_deref()
                    .is_none_or(|content| view.badge.content_id == content)
                    && search
                        .standing
                        .as_deref()
                        .is_none_or(|standing| view.standing.as_str() == standing)
                    && query.as_deref().is_none_or(|text| {
                        view.badge.id.to_string().contains(text)
                            || view.badge.content_id.to_lowercase().contains(text)
                    })
            })
            .collect();
        found.sort_by_key(|view| std::cmp::Reverse(view.badge.issued_at));
        found.truncate(search.limit);
        Ok(found)
    }

    /// A learner's badges in their tenant.
    pub async fn badges_of_actor(
        &self,
        tenant_id: TenantId,
        actor: &Value,
    ) -> anyhow::Result<Vec<BadgeView>> {
        let Some(key) = actor_key(actor) else {
            return Ok(Vec::new());
        };
        let keys = self.badge_public_keys().await?;
        let now = Utc::now();
        Ok(self
            .storage
            .find_badges_of_actor(tenant_id, &key)
            .await?
            .into_iter()
            .map(|badge| self.view_of(badge, &keys, now))
            .collect())
    }

    /// The badges of the learner of a player session ("my badges"), and the session's language.
    pub async fn learner_badges(
        &self,
        session_token: &str,
    ) -> Result<(&'static str, Vec<BadgeView>), crate::player::PlayerError> {
        let (lang, launch) = self.player_launch(session_token).await?;
        let actor = self.launch_actor(&launch).await;
        let badges = self.badges_of_actor(launch.tenant_id, &actor).await?;
        Ok((lang, badges))
    }

    /// An admin revokes a badge with a reason; its status bit flips and its OB 2.0 assertion answers 410.
    pub async fn revoke_badge(&self, id: Uuid, reason: &str) -> Result<BadgeView, BadgeError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(BadgeError::BadReason);
        }
        let badge = self
            .storage
            .find_badge(id)
            .await?
            .ok_or(BadgeError::NotFound(id))?;
        if badge.revoked_at.is_some() || !self.storage.revoke_badge(id, reason, Utc::now()).await? {
            return Err(BadgeError::AlreadyRevoked(id));
        }
        tracing::info!(badge = %id, "badge revoked by an admin");
        self.badge_view(id).await?.ok_or(BadgeError::NotFound(id))
    }

    /// Re-issues a badge (after a key rotation, or a change of the issuer's name): the old one is revoked as
    /// superseded and a new one, with new documents and a new status entry, is awarded for the same certification.
    pub async fn reissue_badge(&self, id: Uuid) -> Result<BadgeView, BadgeError> {
        let badge = self
            .storage
            .find_badge(id)
            .await?
            .ok_or(BadgeError::NotFound(id))?;
        let certification = self
            .storage
            .find_certification_by_id(badge.certification_id)
            .await?
            .filter(|certification| {
                certification.status == classcode_storage::CertificationStatus::Certified
            })
            .ok_or(BadgeError::CertificationRevoked(id))?;
        if badge.revoked_at.is_none() {
            self.storage
                .revoke_badge(id, "superseded: re-issued", Utc::now())
                .await?;
        }
        let fresh = self.award_badge(&certification).await?.ok_or_else(|| {
            anyhow!("the content of badge {id} no longer has a certification rule")
        })?;
        tracing::info!(old = %id, new = %fresh.id, "badge re-issued");
        self.badge_view(fresh.id)
            .await?
            .ok_or(BadgeError::NotFound(fresh.id))
    }

    /// The OB 2.0 revocation list: every revoked badge.
    pub async fn badge_revocation_list(&self) -> anyhow::Result<Value> {
        let revoked: Vec<(Uuid, String)> = self
            .storage
            .find_revoked_badges(None)
            .await?
            .into_iter()
            .map(|badge| (badge.id, badge.revoked_reason.unwrap_or_default()))
            .collect();
        Ok(documents::ob2_revocation_list(&self.badge_urls(), &revoked))
    }

    /// A status list credential, unsigned, as of now; `None` for a list that has no badge yet.
    async fn status_list_credential(&self, list: u32) -> anyhow::Result<Option<Value>> {
        let issued = self.storage.count_badges().await?;
        if list == 0 || u64::from(list) > issued / FILL_PER_LIST + 1 {
            return Ok(None);
        }
        let revoked = self.storage.find_revoked_badges(Some(list)).await?;
        let encoded = status_list::encode(
            revoked.iter().map(|badge| badge.status_index as usize),
            ENTRIES_PER_LIST as usize,
        )?;
        // validFrom moves with the list's last change, so the signed list is the same between changes.
        let changed = revoked
            .iter()
            .filter_map(|badge| badge.revoked_at)
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        Ok(Some(documents::ob3_status_list_credential(
            &self.badge_urls(),
            list,
            &encoded,
            &rfc3339(changed),
        )))
    }

    /// A status list as a Data-Integrity-signed credential.
    pub async fn badge_status_list(&self, list: u32) -> anyhow::Result<Option<Value>> {
        let Some(unsigned) = self.status_list_credential(list).await? else {
            return Ok(None);
        };
        let signer = self.badge_signer().await?;
        let created = unsigned["validFrom"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Ok(Some(di::sign(
            &unsigned,
            &signer.pair,
            &self.badge_urls().ob3_key(&signer.kid),
            &created,
        )?))
    }

    /// A status list as a VC-JWT.
    pub async fn badge_status_list_jwt(&self, list: u32) -> anyhow::Result<Option<String>> {
        let Some(unsigned) = self.status_list_credential(list).await? else {
            return Ok(None);
        };
        let signer = self.badge_signer().await?;
        Ok(Some(self.vc_jwt(&unsigned, &signer)?))
    }

    /// A content's badge image (PNG), unbaked.
    pub fn badge_class_png(&self, content_id: &str) -> Vec<u8> {
        bake::badge_png(bake::badge_colour(content_id))
    }

    /// A content's badge image (SVG), unbaked.
    pub fn badge_class_svg(&self, badge_class: &BadgeClassInfo) -> String {
        bake::badge_svg(
            bake::badge_colour(&badge_class.content_id),
            &badge_class.name,
            &self.settings.badges.issuer_name,
        )
    }

    /// The badge's image with one of its documents baked in: the OB 2.0 assertion or the OB 3.0 credential
    /// (JSON with its proof), as PNG or SVG.
    pub fn baked_image(
        &self,
        badge: &Badge,
        ob3: bool,
        svg: bool,
        name: &str,
    ) -> anyhow::Result<Vec<u8>> {
        let colour = bake::badge_colour(&badge.content_id);
        Ok(match (ob3, svg) {
            (false, false) => bake::bake_png(
                &bake::badge_png(colour),
                bake::KEYWORD_OB2,
                &badge.ob2_assertion,
            )?,
            (true, false) => bake::bake_png(
                &bake::badge_png(colour),
                bake::KEYWORD_OB3,
                &badge.ob3_credential,
            )?,
            (_, true) => {
                let plain = bake::badge_svg(colour, name, &self.settings.badges.issuer_name);
                let baked = if ob3 {
                    bake::bake_svg_ob3(&plain, &badge.ob3_credential)?
                } else {
                    let url = self.badge_urls().ob2_assertion(badge.id);
                    bake::bake_svg_ob2(&plain, &url, &badge.ob2_assertion)?
                };
                baked.into_bytes()
            }
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actor_key_names_the_learner_whatever_the_identifier() {
        assert_eq!(
            actor_key(&json!({"mbox": "mailto:Alice@Example.org"})).as_deref(),
            Some("mbox:mailto:alice@example.org")
        );
        assert_eq!(
            actor_key(&json!({"account": {"homePage": "https://lms.example", "name": "42"}}))
                .as_deref(),
            Some("account:https://lms.example|42")
        );
        assert_eq!(actor_key(&json!({"name": "nobody"})), None);
        assert_eq!(
            recipient(&json!({"mbox": "mailto:a@b.fr"})),
            Some(RecipientIdentity::Email("a@b.fr".to_owned()))
        );
    }

    #[test]
    fn a_badge_is_valid_until_it_ends_and_revoked_whatever_its_dates() {
        let now = Utc::now();
        let mut badge = Badge {
            id: Uuid::nil(),
            tenant_id: TenantId(Uuid::nil()),
            certification_id: Uuid::nil(),
            content_id: "m".to_owned(),
            actor_key: "mbox:mailto:a@b.fr".to_owned(),
            issued_at: now - Duration::days(10),
            valid_until: None,
            status_list: 1,
            status_index: 0,
            kid: "k".to_owned(),
            ob2_assertion: String::new(),
            ob3_credential: String::new(),
            ob3_jwt: String::new(),
            revoked_at: None,
            revoked_reason: None,
        };
        assert_eq!(BadgeStanding::of(&badge, now), BadgeStanding::Valid);
        badge.valid_until = Some(now + Duration::days(1));
        assert_eq!(BadgeStanding::of(&badge, now), BadgeStanding::Valid);
        badge.valid_until = Some(now - Duration::seconds(1));
        assert_eq!(BadgeStanding::of(&badge, now), BadgeStanding::Expired);
        badge.revoked_at = Some(now);
        assert_eq!(BadgeStanding::of(&badge, now), BadgeStanding::Revoked);
    }

    #[test]
    fn evidence_names_the_activity_and_the_score() {
        let (name, description) = statement_evidence(
            "fallback",
            &json!({"id": "0b7b1d2e-6a86-4a3e-9d8e-7c7a1f1d3e01", "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                    "object": {"id": "https://hub.example/content/m/quiz", "definition": {"name": {"fr-FR": "Quiz final"}}},
                    "result": {"score": {"scaled": 0.85}}, "timestamp": "2026-11-29T10:00:00Z"}),
        );
        assert_eq!(name, "Quiz final");
        assert!(
            description.starts_with("réussi avec un score de 85 %"),
            "{description}"
        );
        assert!(description.ends_with("0b7b1d2e-6a86-4a3e-9d8e-7c7a1f1d3e01"));
    }
}
