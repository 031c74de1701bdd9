//! The sealed credentials format: round trip, the refusals, and the byte layout.

use super::*;
use crate::RsaKeySize;

const TOML: &[u8] = b"[[credential]]\naccess_key_id = \"AKIDSEALED\"\nsecret_access_key = \"s\"\n";

fn key() -> RsaPrivateKey {
    RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap()
}

#[test]
fn sealed_credentials_open_with_the_provisioning_key_they_were_sealed_to() {
    let key = key();
    let sealed = seal(key.public_key_spki_der(), 42, TOML).unwrap();
    let parsed = parse(&sealed).unwrap();
    assert_eq!(parsed.header.serial, 42);
    assert_eq!(
        parsed.header.provisioning_key_sha256,
        sha256(key.public_key_spki_der())
    );
    assert_eq!(parsed.open(&key).unwrap().expose(), TOML);
}

#[test]
fn the_layout_is_header_then_wrapped_key_then_nonce_then_ciphertext() {
    let key = key();
    let sealed = seal(key.public_key_spki_der(), 0x0102_0304_0506_0708, TOML).unwrap();
    assert_eq!(&sealed[..8], b"NKMSCRD1");
    assert_eq!(&sealed[8..10], &[0, 1]);
    assert_eq!(&sealed[10..42], &sha256(key.public_key_spki_der()));
    assert_eq!(&sealed[42..50], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(&sealed[50..52], &256u16.to_be_bytes()); // RSA-2048
    assert_eq!(sealed.len(), 52 + 256 + 12 + TOML.len() + 16);
    // The same plaintext seals differently each time (fresh key and nonce).
    assert_ne!(
        seal(key.public_key_spki_der(), 0x0102_0304_0506_0708, TOML).unwrap(),
        sealed
    );
}

#[test]
fn a_file_sealed_to_another_key_is_refused_before_decrypting() {
    let sealed = seal(key().public_key_spki_der(), 1, TOML).unwrap();
    assert_eq!(
        parse(&sealed).unwrap().open(&key()),
        Err(SealedCredentialsError::WrongProvisioningKey)
    );
}

#[test]
fn every_changed_byte_after_the_magic_and_version_is_refused() {
    let key = key();
    let sealed = seal(key.public_key_spki_der(), 7, TOML).unwrap();
    for i in [
        10,
        41,
        42,
        49,
        60,
        52 + 256,
        52 + 256 + 12,
        sealed.len() - 1,
    ] {
        let mut changed = sealed.clone();
        changed[i] ^= 1;
        let refused = parse(&changed).and_then(|p| p.open(&key));
        assert!(
            matches!(
                refused,
                Err(SealedCredentialsError::Decrypt | SealedCredentialsError::WrongProvisioningKey)
            ),
            "byte {i}: {refused:?}"
        );
    }
}

#[test]
fn malformed_files_get_typed_errors() {
    let key = key();
    let sealed = seal(key.public_key_spki_der(), 7, TOML).unwrap();
    assert_eq!(parse(&sealed[..49]), Err(SealedCredentialsError::Truncated));
    assert_eq!(
        parse(&sealed[..52 + 256 + 12 + 15]),
        Err(SealedCredentialsError::Truncated)
    );
    let mut magic = sealed.clone();
    magic[0] = b'X';
    assert_eq!(parse(&magic), Err(SealedCredentialsError::BadMagic));
    let mut version = sealed.clone();
    version[9] = 2;
    assert_eq!(
        parse(&version),
        Err(SealedCredentialsError::UnsupportedVersion(2))
    );
    let mut wrapped = sealed.clone();
    wrapped[50..52].copy_from_slice(&0u16.to_be_bytes());
    assert_eq!(
        parse(&wrapped),
        Err(SealedCredentialsError::BadWrappedKeyLength(0))
    );
    let huge = vec![0u8; MAX_SEALED_LEN + 1];
    assert_eq!(parse(&huge), Err(SealedCredentialsError::TooLarge));
    assert!(matches!(
        seal(b"not a key", 1, TOML),
        Err(SealedCredentialsError::Seal(_))
    ));
}
