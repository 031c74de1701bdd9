//! RSA encryption keys: round trips at the size limit for every KMS spec and algorithm, one past
//! the limit is refused, the ciphertext is raw OAEP (modulus-sized), and every decryption failure
//! is the same error.

use super::*;
use crate::signing::{SigningKeyKind, generate_signing_key};

const BOTH: [OaepHash; 2] = [OaepHash::Sha1, OaepHash::Sha256];

#[test]
fn the_limits_are_awss_published_table() {
    let expected = [(2048, 214, 190), (3072, 342, 318), (4096, 470, 446)];
    for (bits, sha1, sha256) in expected {
        assert_eq!(max_plaintext_len(bits, OaepHash::Sha1), sha1);
        assert_eq!(max_plaintext_len(bits, OaepHash::Sha256), sha256);
    }
}

#[test]
fn every_spec_and_algorithm_round_trips_at_the_limit_and_refuses_one_more_byte() {
    for kind in [
        SigningKeyKind::Rsa2048,
        SigningKeyKind::Rsa3072,
        SigningKeyKind::Rsa4096,
    ] {
        let key = generate_signing_key(kind).unwrap();
        let bits = modulus_bits(key.expose()).unwrap();
        for hash in BOTH {
            let limit = max_plaintext_len(bits, hash);
            let plaintext = vec![0x5a; limit];
            let ct = encrypt(key.expose(), hash, &plaintext).unwrap();
            assert_eq!(ct.len(), bits / 8, "raw OAEP ciphertext, no header");
            assert_eq!(
                decrypt(key.expose(), hash, &ct).unwrap().expose(),
                plaintext
            );
            assert_eq!(
                encrypt(key.expose(), hash, &vec![0; limit + 1]),
                Err(CryptoError::Encrypt)
            );
        }
    }
}

#[test]
fn the_wrong_algorithm_a_flipped_byte_and_a_short_blob_fail_alike() {
    let key = generate_signing_key(SigningKeyKind::Rsa2048).unwrap();
    let ct = encrypt(key.expose(), OaepHash::Sha256, b"secret").unwrap();
    let mut flipped = ct.clone();
    flipped[10] ^= 1;
    for (hash, blob) in [
        (OaepHash::Sha1, ct.clone()),
        (OaepHash::Sha256, flipped),
        (OaepHash::Sha256, ct[1..].to_vec()),
        (OaepHash::Sha256, Vec::new()),
    ] {
        assert_eq!(
            decrypt(key.expose(), hash, &blob).map(|_| ()),
            Err(CryptoError::Decrypt)
        );
    }
}

#[test]
fn an_empty_plaintext_round_trips() {
    let key = generate_signing_key(SigningKeyKind::Rsa2048).unwrap();
    let ct = encrypt(key.expose(), OaepHash::Sha1, b"").unwrap();
    assert!(
        decrypt(key.expose(), OaepHash::Sha1, &ct)
            .unwrap()
            .expose()
            .is_empty()
    );
}
