//! Property tests: base58btc and Bitstring Status List encodings read back what they wrote.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a property fails loudly on what it did not expect"
)]

use std::collections::BTreeSet;

use classcode_badges::{multibase, status_list};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn base58btc_reads_back_what_it_wrote(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let text = multibase::base58btc_encode(&bytes);
        prop_assert_eq!(multibase::base58btc_decode(&text), Some(bytes));
    }

    #[test]
    fn an_ed25519_multikey_reads_back_its_key(key in prop::array::uniform32(any::<u8>())) {
        let multikey = multibase::ed25519_multikey(&key);
        prop_assert!(multikey.starts_with("z6Mk"));
        prop_assert_eq!(multibase::ed25519_from_multikey(&multikey), Some(key.to_vec()));
    }

    #[test]
    fn a_status_list_sets_exactly_the_entries_given(
        set in prop::collection::btree_set(0usize..status_list::MIN_ENTRIES, 0..40),
        probes in prop::collection::vec(0usize..status_list::MIN_ENTRIES, 0..40),
    ) {
        let encoded = status_list::encode(set.iter().copied(), status_list::MIN_ENTRIES).unwrap();
        let bits = status_list::decode(&encoded).unwrap();
        prop_assert_eq!(bits.len() * 8, status_list::MIN_ENTRIES);
        let probed: BTreeSet<usize> = probes.into_iter().chain(set.iter().copied()).collect();
        for index in probed {
            prop_assert_eq!(status_list::is_set(&bits, index).unwrap(), set.contains(&index));
        }
    }

    #[test]
    fn decoding_any_text_fails_cleanly_or_gives_bits(text in "\\PC{0,60}") {
        let _ = status_list::decode(&text);
        let _ = multibase::base58btc_decode(&text);
        let _ = multibase::ed25519_from_multikey(&text);
    }
}
