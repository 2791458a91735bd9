//! Verifies the RSA signature of a signed statement against the X.509 certificate in its JWS header (`x5c`), as
//! xAPI Data §2.6 asks when a certificate is given. The certificate is not checked against a trust store: xAPI
//! leaves trust to the reader of the statement; what the LRS guarantees is that the signature matches the key it
//! names.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm};
use serde_json::Value;
use webpki::EndEntityCert;
use webpki::aws_lc_rs as algorithms;

/// Checks the signature of a JWS whose structure, algorithm and payload were already checked. Returns what is
/// wrong; a JWS without `x5c` passes (nothing to verify it with).
pub(crate) fn verify_with_x5c(jws: &str) -> Result<(), String> {
    let jws = jws.trim();
    let mut pieces = jws.rsplitn(2, '.');
    let (Some(signature), Some(signing_input)) = (pieces.next(), pieces.next()) else {
        return Err("the signature is not a JWS compact serialisation".to_owned());
    };
    let header_part = signing_input.split('.').next().unwrap_or_default();
    let header: Value = URL_SAFE_NO_PAD
        .decode(header_part.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("the JWS header is not base64url JSON")?;
    let Some(chain) = header.get("x5c") else {
        return Ok(());
    };
    let first = chain
        .as_array()
        .and_then(|certificates| certificates.first())
        .and_then(Value::as_str)
        .ok_or("the JWS header's x5c must be an array of base64 certificates")?;
    let der = STANDARD
        .decode(first)
        .map_err(|_| "the first x5c certificate is not base64 (RFC 7515 §4.1.6)")?;
    let certificate = CertificateDer::from(der);
    let certificate = EndEntityCert::try_from(&certificate)
        .map_err(|_| "the first x5c certificate is not a valid X.509 certificate")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .map_err(|_| "the JWS signature is not base64url")?;
    // RFC 4055: the RSA key's algorithm parameters may be NULL or absent; accept both.
    let candidates: [&dyn SignatureVerificationAlgorithm; 2] =
        match header.get("alg").and_then(Value::as_str) {
            Some("RS384") => [
                algorithms::RSA_PKCS1_2048_8192_SHA384,
                algorithms::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
            ],
            Some("RS512") => [
                algorithms::RSA_PKCS1_2048_8192_SHA512,
                algorithms::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
            ],
            _ => [
                algorithms::RSA_PKCS1_2048_8192_SHA256,
                algorithms::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
            ],
        };
    if candidates.iter().any(|algorithm| {
        certificate
            .verify_signature(*algorithm, signing_input.as_bytes(), &signature)
            .is_ok()
    }) {
        Ok(())
    } else {
        Err("the JWS signature does not verify with the key of its x5c certificate".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const SIGNER_KEY: &[u8] = include_bytes!("../../testdata/signer-key.pem");
    const SIGNER_CERT: &str = include_str!("../../testdata/signer-cert.b64");
    const OTHER_KEY: &[u8] = include_bytes!("../../../lti/testdata/other-key.pem");

    fn jws(key: &[u8], x5c: Option<Vec<String>>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.x5c = x5c;
        let statement = json!({"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://example.org/v"}, "object": {"id": "http://example.org/o"}});
        jsonwebtoken::encode(
            &header,
            &statement,
            &EncodingKey::from_rsa_pem(key).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_signature_by_the_certificate_key_verifies() {
        assert_eq!(
            verify_with_x5c(&jws(SIGNER_KEY, Some(vec![SIGNER_CERT.trim().to_owned()]))),
            Ok(())
        );
    }

    #[test]
    fn a_signature_by_another_key_than_the_certificate_is_refused() {
        let err = verify_with_x5c(&jws(OTHER_KEY, Some(vec![SIGNER_CERT.trim().to_owned()])))
            .unwrap_err();
        assert!(err.contains("does not verify"), "{err}");
    }

    #[test]
    fn without_x5c_there_is_nothing_to_verify_and_garbage_certificates_are_refused() {
        assert_eq!(verify_with_x5c(&jws(OTHER_KEY, None)), Ok(()));
        assert!(verify_with_x5c(&jws(SIGNER_KEY, Some(vec!["AAAA".to_owned()]))).is_err());
        assert!(verify_with_x5c(&jws(SIGNER_KEY, Some(vec!["not base64!".to_owned()]))).is_err());
    }
}
