//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC DI EdDSA 1.0): the proof options and the
//! document are each canonicalized (JSON-LD to RDF, RDFC-1.0), hashed with SHA-256, and the two hashes signed with
//! Ed25519; `proofValue` is the signature in multibase base58btc.

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::jsonld::{self, JsonLdError};
use crate::multibase::{base58btc_decode, base58btc_encode};
use crate::rdfc;

pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// Why a proof could not be made or does not hold.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProofError {
    #[error("the document is not a JSON object with an @context")]
    NotADocument,
    #[error("the document cannot be canonicalized: {0}")]
    JsonLd(#[from] JsonLdError),
    #[error("the document has no {CRYPTOSUITE} DataIntegrityProof")]
    NoProof,
    #[error("the proof's proofValue is not multibase base58btc")]
    BadProofValue,
    #[error("the signature does not match the document")]
    BadSignature,
}

/// The SHA-256 of both canonical forms, proof options first (DI EdDSA §3.3.4 hashing).
fn hash_data(
    document: &Map<String, Value>,
    options: &Map<String, Value>,
) -> Result<Vec<u8>, ProofError> {
    let context = document.get("@context").ok_or(ProofError::NotADocument)?;
    let mut unsecured = document.clone();
    unsecured.remove("proof");
    let mut config = options.clone();
    config.remove("proofValue");
    config.insert("@context".to_owned(), context.clone());
    let config_nquads = rdfc::canonicalize(&jsonld::to_rdf(&Value::Object(config))?);
    let document_nquads = rdfc::canonicalize(&jsonld::to_rdf(&Value::Object(unsecured))?);
    let mut hash = Sha256::digest(config_nquads.as_bytes()).to_vec();
    hash.extend_from_slice(&Sha256::digest(document_nquads.as_bytes()));
    Ok(hash)
}

/// Signs a document: returns it with a `proof` array holding one `DataIntegrityProof` (an existing proof array
/// is kept and the new proof appended). `created` is an XML Schema dateTime the caller chose.
pub fn sign(
    document: &Value,
    key: &Ed25519KeyPair,
    verification_method: &str,
    created: &str,
) -> Result<Value, ProofError> {
    let Value::Object(map) = document else {
        return Err(ProofError::NotADocument);
    };
    let Value::Object(mut options) = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }) else {
        return Err(ProofError::NotADocument);
    };
    let signature = key.sign(&hash_data(map, &options)?);
    options.insert(
        "proofValue".to_owned(),
        Value::String(format!("z{}", base58btc_encode(signature.as_ref()))),
    );
    let mut signed = map.clone();
    let mut proofs = match signed.remove("proof") {
        Some(Value::Array(proofs)) => proofs,
        Some(other) => vec![other],
        None => Vec::new(),
    };
    proofs.push(Value::Object(options));
    signed.insert("proof".to_owned(), Value::Array(proofs));
    Ok(Value::Object(signed))
}

/// The `eddsa-rdfc-2022` proofs of a document.
pub fn proofs(document: &Value) -> Vec<&Map<String, Value>> {
    let proofs = match document.get("proof") {
        Some(Value::Array(proofs)) => proofs.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    proofs
        .into_iter()
        .filter_map(Value::as_object)
        .filter(|proof| {
            proof.get("type").and_then(Value::as_str) == Some("DataIntegrityProof")
                && proof.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE)
        })
        .collect()
}

/// Checks one proof of a document against a raw Ed25519 public key (the caller resolved the proof's
/// `verificationMethod` to it).
pub fn verify(
    document: &Value,
    proof: &Map<String, Value>,
    public_key: &[u8],
) -> Result<(), ProofError> {
    let Value::Object(map) = document else {
        return Err(ProofError::NotADocument);
    };
    let signature = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .and_then(|value| value.strip_prefix('z'))
        .and_then(base58btc_decode)
        .ok_or(ProofError::BadProofValue)?;
    let hash = hash_data(map, proof)?;
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(&hash, &signature)
        .map_err(|_| ProofError::BadSignature)
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::KeyPair;

    use super::*;
    use crate::jsonld::CREDENTIALS_V2;

    fn key() -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(&[42u8; 32]).expect("a key from a seed")
    }

    fn credential() -> Value {
        json!({
            "@context": [CREDENTIALS_V2],
            "id": "urn:uuid:0b7b1d2e-6a86-4a3e-9d8e-7c7a1f1d3e01",
            "type": ["VerifiableCredential"],
            "issuer": "https://hub.example/ob/v3/issuer",
            "validFrom": "2026-11-29T10:00:00Z",
            "credentialSubject": {"name": "Élève"},
        })
    }

    #[test]
    fn a_signed_document_verifies_and_a_changed_one_does_not() {
        let key = key();
        let signed = sign(
            &credential(),
            &key,
            "https://hub.example/ob/v3/issuer#k1",
            "2026-11-29T10:00:00Z",
        )
        .expect("sign");
        let proof = proofs(&signed)[0].clone();
        assert!(
            proof["proofValue"]
                .as_str()
                .is_some_and(|value| value.starts_with('z'))
        );
        assert_eq!(verify(&signed, &proof, key.public_key().as_ref()), Ok(()));

        let mut tampered = signed.clone();
        tampered["credentialSubject"]["name"] = json!("Quelqu'un d'autre");
        assert_eq!(
            verify(&tampered, &proof, key.public_key().as_ref()),
            Err(ProofError::BadSignature)
        );
        let mut moved = proof.clone();
        moved.insert("created".to_owned(), json!("2027-01-01T00:00:00Z"));
        assert_eq!(
            verify(&signed, &moved, key.public_key().as_ref()),
            Err(ProofError::BadSignature)
        );
        let other = Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).expect("another key");
        assert_eq!(
            verify(&signed, &proof, other.public_key().as_ref()),
            Err(ProofError::BadSignature)
        );
    }
}

#[cfg(test)]
mod known_answer {
    use aws_lc_rs::signature::KeyPair;

    use super::*;
    use crate::multibase::ed25519_multikey;

    /// Ed25519 signatures are deterministic: the same key, document and proof options must give, byte for byte, the
    /// proof that @digitalbazaar/eddsa-rdfc-2022-cryptosuite 1.3.0 (with jsonld.js and rdf-canonize) computed for
    /// this fixture with a key from the seed [42; 32]. The fixture has blank nodes, nested type-scoped contexts, a
    /// boolean, and a string with a quote and a newline.
    #[test]
    fn our_proof_is_the_one_the_javascript_reference_stack_computes() {
        let key = Ed25519KeyPair::from_seed_unchecked(&[42u8; 32]).expect("a key from a seed");
        assert_eq!(
            ed25519_multikey(key.public_key().as_ref()),
            "z6MkgAnvkP45uNxwCKeNdt6wrYkEjpYX4f7Nrd8MQqFL8Fbn"
        );
        let document: Value =
            serde_json::from_str(include_str!("../tests/fixtures/credential-unsigned.json"))
                .expect("fixture");
        let signed = sign(
            &document,
            &key,
            "https://hub.example/ob/v3/issuer/keys/k1",
            "2026-11-29T10:00:00Z",
        )
        .expect("sign");
        assert_eq!(
            signed["proof"][0]["proofValue"],
            "z2Qp36Feps6Ss3RcA71mMUp4gPaMbrcmoh1aRFkBqNHLKmJ48CTtUxoHc5CoeLS9oQUx51VstRhT6dreXPf87rupr"
        );
    }
}
