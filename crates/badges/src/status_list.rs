//! Bitstring Status List (W3C, 2024): a bitstring of at least 131,072 entries where entry `i` is bit `i` counted
//! from the most significant bit of the first byte, gzipped and written as multibase base64url (`u…`).

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// The smallest list the spec allows (16 KiB), so that one entry does not single out its holder.
pub const MIN_ENTRIES: usize = 131_072;

/// What is wrong with an encoded list.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatusListError {
    #[error("an encoded list starts with the multibase prefix `u` (base64url)")]
    NotBase64Url,
    #[error("the encoded list is not base64url")]
    BadBase64,
    #[error("the encoded list is not gzip: {0}")]
    BadGzip(String),
    #[error("index {index} is outside the list of {entries} entries")]
    OutOfRange { index: usize, entries: usize },
}

/// Encodes a list of `entries` entries (rounded up to a whole byte, at least [`MIN_ENTRIES`]) with the given
/// entries set.
pub fn encode(
    set: impl IntoIterator<Item = usize>,
    entries: usize,
) -> Result<String, StatusListError> {
    let entries = entries.max(MIN_ENTRIES).div_ceil(8) * 8;
    let mut bits = vec![0u8; entries / 8];
    for index in set {
        if index >= entries {
            return Err(StatusListError::OutOfRange { index, entries });
        }
        bits[index / 8] |= 0x80 >> (index % 8);
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(&bits)
        .map_err(|err| StatusListError::BadGzip(err.to_string()))?;
    let gzipped = encoder
        .finish()
        .map_err(|err| StatusListError::BadGzip(err.to_string()))?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(gzipped)))
}

/// Decodes an `encodedList` into its bits.
pub fn decode(encoded: &str) -> Result<Vec<u8>, StatusListError> {
    let text = encoded
        .strip_prefix('u')
        .ok_or(StatusListError::NotBase64Url)?;
    let gzipped = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| StatusListError::BadBase64)?;
    let mut bits = Vec::new();
    GzDecoder::new(gzipped.as_slice())
        .read_to_end(&mut bits)
        .map_err(|err| StatusListError::BadGzip(err.to_string()))?;
    Ok(bits)
}

/// Whether entry `index` is set in decoded bits.
pub fn is_set(bits: &[u8], index: usize) -> Result<bool, StatusListError> {
    let byte = bits.get(index / 8).ok_or(StatusListError::OutOfRange {
        index,
        entries: bits.len() * 8,
    })?;
    Ok(byte & (0x80 >> (index % 8)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_entries_read_back_and_others_do_not() {
        let encoded = encode([0, 9, 131_071], 10).expect("encode");
        assert!(
            encoded.starts_with("uH4sI"),
            "gzip magic under base64url: {encoded}"
        );
        let bits = decode(&encoded).expect("decode");
        assert_eq!(bits.len(), MIN_ENTRIES / 8);
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        for (index, expected) in [
            (0, true),
            (1, false),
            (9, true),
            (131_071, true),
            (131_070, false),
        ] {
            assert_eq!(is_set(&bits, index), Ok(expected), "entry {index}");
        }
        assert!(is_set(&bits, MIN_ENTRIES).is_err());
        assert_eq!(
            encode([MIN_ENTRIES], MIN_ENTRIES),
            Err(StatusListError::OutOfRange {
                index: MIN_ENTRIES,
                entries: MIN_ENTRIES
            })
        );
        assert_eq!(decode("zabc"), Err(StatusListError::NotBase64Url));
    }
}
