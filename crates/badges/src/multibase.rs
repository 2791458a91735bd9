//! Multibase base58btc (`z…`) and Multikey Ed25519 public keys, as Data Integrity proofs and controller documents
//! write them.

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// The multicodec prefix of an Ed25519 public key (`0xed 0x01`).
const ED25519_PUB: [u8; 2] = [0xed, 0x01];

/// Bytes as base58btc (Bitcoin alphabet), without the multibase prefix.
pub fn base58btc_encode(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for byte in &bytes[zeros..] {
        let mut carry = u32::from(*byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut text = "1".repeat(zeros);
    text.extend(
        digits
            .iter()
            .rev()
            .map(|digit| ALPHABET[usize::from(*digit)] as char),
    );
    text
}

/// Decodes base58btc; `None` on a character outside the alphabet.
pub fn base58btc_decode(text: &str) -> Option<Vec<u8>> {
    let zeros = text.bytes().take_while(|c| *c == b'1').count();
    let mut bytes: Vec<u8> = Vec::new();
    for c in text.bytes().skip(zeros) {
        let mut carry = ALPHABET.iter().position(|a| *a == c)? as u32;
        for byte in bytes.iter_mut() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut decoded = vec![0u8; zeros];
    decoded.extend(bytes.iter().rev());
    Some(decoded)
}

/// A 32-byte Ed25519 public key as a Multikey `publicKeyMultibase` (`z6Mk…`).
pub fn ed25519_multikey(public_key: &[u8]) -> String {
    let mut bytes = ED25519_PUB.to_vec();
    bytes.extend_from_slice(public_key);
    format!("z{}", base58btc_encode(&bytes))
}

/// The raw Ed25519 public key of a `publicKeyMultibase`, if it is one.
pub fn ed25519_from_multikey(multibase: &str) -> Option<Vec<u8>> {
    let bytes = base58btc_decode(multibase.strip_prefix('z')?)?;
    let key = bytes.strip_prefix(&ED25519_PUB)?;
    (key.len() == 32).then(|| key.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58btc_matches_known_values_and_round_trips() {
        assert_eq!(base58btc_encode(b"Hello World!"), "2NEpo7TZRRrLZSi2U");
        assert_eq!(base58btc_encode(&[0, 0, 1]), "112");
        assert_eq!(
            base58btc_decode("2NEpo7TZRRrLZSi2U").as_deref(),
            Some(&b"Hello World!"[..])
        );
        assert_eq!(base58btc_decode("0OIl"), None);
        let key = [7u8; 32];
        let multikey = ed25519_multikey(&key);
        assert!(multikey.starts_with("z6Mk"), "{multikey}");
        assert_eq!(ed25519_from_multikey(&multikey), Some(key.to_vec()));
    }
}
