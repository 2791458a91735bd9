//! The tool's keys: RSA signing keys published in our JWKS (private halves sealed at rest with AES-256-GCM under
//! the master key), rotation that keeps a replaced key published until what it signed has expired, and the
//! HMAC key of the hub's own short-lived session tokens, derived from the master key so every node shares it.

use std::sync::RwLock;

use anyhow::{Context as _, anyhow};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use classcode_storage::{Storage, ToolKey};
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The 32-byte master key. Never logged: `Debug` shows nothing of it.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(redacted)")
    }
}

impl MasterKey {
    /// Reads a master key written as base64 (32 bytes).
    pub fn from_base64(text: &str) -> anyhow::Result<MasterKey> {
        let bytes = STANDARD
            .decode(text.trim())
            .context("the master key is not base64")?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow!("the master key must be 32 bytes (44 base64 characters)"))?;
        Ok(MasterKey(bytes))
    }

    /// A new random master key.
    pub fn generate() -> anyhow::Result<MasterKey> {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("no randomness available"))?;
        Ok(MasterKey(bytes))
    }

    /// The key as base64, to write it where the operator keeps secrets.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"classcode-hub/");
        hasher.update(purpose.as_bytes());
        hasher.update([0u8]);
        hasher.update(self.0);
        hasher.finalize().into()
    }

    fn sealing_key(&self) -> anyhow::Result<LessSafeKey> {
        let key = UnboundKey::new(&AES_256_GCM, &self.derive("tool-key-sealing/v1"))
            .map_err(|_| anyhow!("cannot build the sealing key"))?;
        Ok(LessSafeKey::new(key))
    }

    /// Seals bytes: base64 of nonce ‖ ciphertext ‖ tag, bound to `label` so a sealed value cannot be moved.
    pub fn seal(&self, label: &str, plain: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| anyhow!("no randomness available"))?;
        let mut buffer = plain.to_vec();
        self.sealing_key()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| anyhow!("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        Ok(STANDARD.encode(out))
    }

    /// Opens what [`MasterKey::seal`] sealed with the same label.
    pub fn open(&self, label: &str, sealed: &str) -> anyhow::Result<Vec<u8>> {
        let bytes = STANDARD
            .decode(sealed)
            .context("sealed value is not base64")?;
        if bytes.len() < NONCE_LEN {
            return Err(anyhow!("sealed value is too short"));
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow!("bad nonce"))?;
        let mut buffer = rest.to_vec();
        let plain = self
            .sealing_key()?
            .open_in_place(nonce, Aad::from(label.as_bytes()), &mut buffer)
            .map_err(|_| {
                anyhow!("cannot open a sealed tool key: the master key is not the one it was sealed with")
            })?;
        Ok(plain.to_vec())
    }

    /// The invitation a dynamic registration must carry: only an admin who got the registration URL from this hub
    /// (`classcode lti tool-info`) can register a platform. The same on every node; a new master key changes it.
    pub fn registration_invite(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.derive("registration-invite/v1")[..18])
    }

    /// The HMAC key of the hub's session and launch tokens.
    pub fn session_secret(&self) -> [u8; 32] {
        self.derive("session-tokens/v1")
    }
}

/// A signing key ready to use.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub encoding: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The tool's keys, loaded from storage and cached.
#[derive(Debug)]
pub struct ToolKeys {
    master: MasterKey,
    current: RwLock<Option<(SigningKey, DateTime<Utc>)>>,
}

/// How long a node trusts its cached signing key before looking for a rotation made by another node.
const CURRENT_KEY_TTL_SECS: i64 = 60;

impl ToolKeys {
    pub fn new(master: MasterKey) -> ToolKeys {
        ToolKeys {
            master,
            current: RwLock::new(None),
        }
    }

    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// The key to sign with now; the first call on an empty store makes one.
    pub async fn signing_key(&self, storage: &Storage) -> anyhow::Result<SigningKey> {
        let now = Utc::now();
        if let Ok(current) = self.current.read()
            && let Some((key, loaded)) = current.as_ref()
            && now - *loaded < Duration::seconds(CURRENT_KEY_TTL_SECS)
        {
            return Ok(key.clone());
        }
        let keys = storage.find_tool_keys().await?;
        let stored = match keys.into_iter().find(|key| key.rotated_at.is_none()) {
            Some(key) => key,
            None => {
                let key = self.generate(now)?;
                match storage.insert_tool_key(key.clone()).await {
                    Ok(()) => key,
                    // Another node made the first key at the same moment: use the stored one.
                    Err(_) => storage
                        .find_tool_keys()
                        .await?
                        .into_iter()
                        .find(|key| key.rotated_at.is_none())
                        .ok_or_else(|| anyhow!("no current tool key after a concurrent insert"))?,
                }
            }
        };
        let signing = self.unseal(&stored)?;
        if let Ok(mut current) = self.current.write() {
            *current = Some((signing.clone(), now));
        }
        Ok(signing)
    }

    /// Replaces the signing key. The old one stays in the JWKS for `keep_published`, long enough for every
    /// token it signed to expire.
    pub async fn rotate(
        &self,
        storage: &Storage,
        keep_published: Duration,
    ) -> anyhow::Result<String> {
        let now = Utc::now();
        storage
            .update_tool_keys_rotated(now, now + keep_published)
            .await?;
        let key = self.generate(now)?;
        let kid = key.kid.clone();
        storage.insert_tool_key(key).await?;
        if let Ok(mut current) = self.current.write() {
            *current = None;
        }
        storage.delete_tool_keys_unpublished_before(now).await?;
        Ok(kid)
    }

    /// The public keys to publish: the current one and those rotated out but still within their grace time.
    pub async fn jwks(&self, storage: &Storage) -> anyhow::Result<Value> {
        // Make sure a fresh install publishes a key before its first launch.
        self.signing_key(storage).await?;
        let now = Utc::now();
        let keys: Vec<Value> = storage
            .find_tool_keys()
            .await?
            .into_iter()
            .filter(|key| key.unpublish_at.is_none_or(|at| at > now))
            .filter_map(|key| serde_json::from_str(&key.public_jwk).ok())
            .collect();
        Ok(json!({ "keys": keys }))
    }

    fn generate(&self, now: DateTime<Utc>) -> anyhow::Result<ToolKey> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow!("RSA key generation failed"))?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| anyhow!("cannot encode the new RSA key"))?;
        let public = pair.public_key();
        let kid = format!(
            "{}-{}",
            now.format("%Y%m%d"),
            &Uuid::now_v7().simple().to_string()[20..]
        );
        let jwk = json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        });
        Ok(ToolKey {
            id: Uuid::now_v7(),
            kid: kid.clone(),
            alg: "RS256".to_owned(),
            public_jwk: jwk.to_string(),
            private_key_sealed: self.master.seal(&kid, pkcs8.as_ref())?,
            created_at: now,
            rotated_at: None,
            unpublish_at: None,
        })
    }

    fn unseal(&self, key: &ToolKey) -> anyhow::Result<SigningKey> {
        let pkcs8 = self.master.open(&key.kid, &key.private_key_sealed)?;
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(&pkcs8)
        );
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .context("the stored tool key is not an RSA key")?;
        Ok(SigningKey {
            kid: key.kid.clone(),
            encoding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_the_same_key_and_label_only() {
        let master = MasterKey::generate().unwrap();
        let sealed = master.seal("kid-1", b"private").unwrap();
        assert_eq!(master.open("kid-1", &sealed).unwrap(), b"private");
        assert!(master.open("kid-2", &sealed).is_err());
        let other = MasterKey::generate().unwrap();
        assert!(other.open("kid-1", &sealed).is_err());
    }

    #[test]
    fn the_master_key_round_trips_through_base64_and_hides_in_debug() {
        let master = MasterKey::generate().unwrap();
        let again = MasterKey::from_base64(&master.to_base64()).unwrap();
        assert_eq!(master.session_secret(), again.session_secret());
        assert!(!format!("{master:?}").contains(&master.to_base64()));
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
    }
}
