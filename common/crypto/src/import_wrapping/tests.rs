use super::*;

fn wrap(spki: &[u8], algorithm: WrappingAlgorithm, material: &[u8]) -> Vec<u8> {
    wrap_key_material(spki, algorithm, material).unwrap()
}

#[test]
fn every_wrapping_algorithm_unwraps_what_its_public_key_wrapped() {
    let (pkcs8, spki) = generate_wrapping_key(RsaKeySize::Rsa2048).unwrap();
    let material = [0x42u8; 32];
    for algorithm in [
        WrappingAlgorithm::RsaesOaepSha1,
        WrappingAlgorithm::RsaesOaepSha256,
        WrappingAlgorithm::RsaAesKeyWrapSha1,
        WrappingAlgorithm::RsaAesKeyWrapSha256,
    ] {
        let wrapped = wrap(&spki, algorithm, &material);
        let opened = unwrap_key_material(pkcs8.expose(), algorithm, &wrapped).unwrap();
        assert_eq!(opened.expose(), material, "{algorithm:?}");
    }
}

#[test]
fn material_wrapped_with_another_digest_or_tampered_does_not_unwrap() {
    let (pkcs8, spki) = generate_wrapping_key(RsaKeySize::Rsa2048).unwrap();
    let wrapped = wrap(&spki, WrappingAlgorithm::RsaesOaepSha1, &[1u8; 32]);
    assert_eq!(
        unwrap_key_material(pkcs8.expose(), WrappingAlgorithm::RsaesOaepSha256, &wrapped)
            .unwrap_err(),
        CryptoError::Decrypt
    );
    let mut kw = wrap(&spki, WrappingAlgorithm::RsaAesKeyWrapSha256, &[1u8; 32]);
    let last = kw.len() - 1;
    kw[last] ^= 1;
    assert!(
        unwrap_key_material(pkcs8.expose(), WrappingAlgorithm::RsaAesKeyWrapSha256, &kw).is_err()
    );
    assert!(
        unwrap_key_material(
            pkcs8.expose(),
            WrappingAlgorithm::RsaAesKeyWrapSha256,
            &kw[..256]
        )
        .is_err()
    );
}

#[test]
fn an_import_token_opens_only_under_its_key_and_untampered() {
    let token = ImportToken {
        key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
        algorithm: WrappingAlgorithm::RsaAesKeyWrapSha1,
        valid_to_ms: 1_700_000_000_000,
        wrapping_key: SecretBytes::copy_from(b"pkcs8 bytes"),
    };
    let key = [9u8; 32];
    let sealed = token.seal(&key).unwrap();
    let opened = ImportToken::open(&key, &sealed).unwrap();
    assert_eq!(opened.key_id, token.key_id);
    assert_eq!(opened.algorithm, token.algorithm);
    assert_eq!(opened.valid_to_ms, token.valid_to_ms);
    assert_eq!(opened.wrapping_key.expose(), b"pkcs8 bytes");
    assert!(!format!("{opened:?}").contains("pkcs8"));
    assert_eq!(
        ImportToken::open(&[8u8; 32], &sealed).unwrap_err(),
        CryptoError::Decrypt
    );
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x80;
        assert!(ImportToken::open(&key, &bad).is_err(), "byte {i}");
    }
    assert!(ImportToken::open(&key, &[]).is_err());
    assert!(ImportToken::open(&key, &sealed[..10]).is_err());
}
