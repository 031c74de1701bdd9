//! RFC 4231's HMAC-SHA-2 test vectors (test cases 1, 2 and 6: a short key, a key shorter than
//! the block, a key longer than the block), and what verification refuses.

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// One RFC 4231 test case: key, data, and the four tags (224, 256, 384, 512).
struct Case {
    key: Vec<u8>,
    data: Vec<u8>,
    tags: [&'static str; 4],
}

fn rfc4231_cases() -> Vec<Case> {
    vec![
        // Test case 1.
        Case {
            key: vec![0x0b; 20],
            data: b"Hi There".to_vec(),
            tags: [
                "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            ],
        },
        // Test case 2: a key shorter than the block.
        Case {
            key: b"Jefe".to_vec(),
            data: b"what do ya want for nothing?".to_vec(),
            tags: [
                "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ],
        },
        // Test case 6: a key longer than the block (hashed first).
        Case {
            key: vec![0xaa; 131],
            data: b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
            tags: [
                "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ],
        },
    ]
}

const ALGORITHMS: [MacAlgorithm; 4] = [
    MacAlgorithm::Sha224,
    MacAlgorithm::Sha256,
    MacAlgorithm::Sha384,
    MacAlgorithm::Sha512,
];

#[test]
fn mac_matches_the_rfc_4231_vectors_for_every_algorithm() {
    for case in rfc4231_cases() {
        for (algorithm, tag) in ALGORITHMS.into_iter().zip(case.tags) {
            let computed = mac(algorithm, &case.key, &case.data);
            assert_eq!(hex::encode(&computed), tag, "{algorithm:?}");
            assert_eq!(computed.len(), algorithm.tag_len(), "{algorithm:?}");
        }
    }
}

#[test]
fn verify_mac_accepts_the_rfc_4231_tags() {
    for case in rfc4231_cases() {
        for (algorithm, tag) in ALGORITHMS.into_iter().zip(case.tags) {
            verify_mac(algorithm, &case.key, &case.data, &unhex(tag)).unwrap();
        }
    }
}

#[test]
fn verify_mac_refuses_a_changed_tag_message_key_or_length() {
    let key = vec![0x0b; 20];
    let tag = mac(MacAlgorithm::Sha256, &key, b"Hi There");
    let mut flipped = tag.clone();
    flipped[0] ^= 1;
    let refused = Err(CryptoError::BadSignature);
    assert_eq!(
        verify_mac(MacAlgorithm::Sha256, &key, b"Hi There", &flipped),
        refused
    );
    assert_eq!(
        verify_mac(MacAlgorithm::Sha256, &key, b"Hi there", &tag),
        refused
    );
    assert_eq!(
        verify_mac(MacAlgorithm::Sha256, &[0x0c; 20], b"Hi There", &tag),
        refused
    );
    assert_eq!(
        verify_mac(MacAlgorithm::Sha256, &key, b"Hi There", &tag[..31]),
        refused
    );
    assert_eq!(
        verify_mac(MacAlgorithm::Sha512, &key, b"Hi There", &tag),
        refused
    );
}
