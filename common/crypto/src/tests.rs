//! Known answers and round trips of the primitives in `lib.rs`.

use super::*;

proptest::proptest! {
    #[test]
    fn hex_lower_agrees_with_the_hex_crate(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        proptest::prop_assert_eq!(hex_lower(&bytes), hex::encode(&bytes));
    }
}

#[test]
fn ec_key_pairs_are_pkcs8_and_spki_of_the_right_curve() {
    for (curve, spki_len) in [
        (EcCurve::P256, 91),
        (EcCurve::P384, 120),
        (EcCurve::P521, 158),
    ] {
        let (pkcs8, spki) = generate_ec_key_pair(curve).unwrap();
        assert_eq!(spki.len(), spki_len, "{curve:?}");
        assert_eq!(pkcs8.expose()[0], 0x30);
        let (_, other) = generate_ec_key_pair(curve).unwrap();
        assert_ne!(spki, other);
    }
}

#[test]
fn an_ec_pkcs8_key_gives_its_public_key_on_its_curve_only() {
    let (pkcs8, spki) = generate_ec_key_pair(EcCurve::P256).unwrap();
    assert_eq!(
        ec_pkcs8_public_key(EcCurve::P256, pkcs8.expose()).unwrap(),
        spki
    );
    assert!(ec_pkcs8_public_key(EcCurve::P384, pkcs8.expose()).is_err());
    let rsa = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    assert!(ec_pkcs8_public_key(EcCurve::P256, rsa.pkcs8_der().expose()).is_err());
    let truncated = &pkcs8.expose()[..pkcs8.len() - 1];
    assert!(ec_pkcs8_public_key(EcCurve::P256, truncated).is_err());
}

#[test]
fn sha384_matches_known_answer() {
    // FIPS 180-2 "abc" test vector.
    assert_eq!(
        hex::encode(sha384(b"abc")),
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
         8086072ba1e7cc2358baeca134c825a7"
    );
    assert_eq!(sha384_concat(&[b"a", b"bc"]), sha384(b"abc"));
}

#[test]
fn sha256_matches_known_answer() {
    assert_eq!(
        hex::encode(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn hmac_sha256_matches_rfc4231_case_2() {
    assert_eq!(
        hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn hkdf_sha256_matches_rfc5869_case_1() {
    let ikm = [0x0b; 22];
    let salt = hex::decode("000102030405060708090a0b0c").unwrap();
    let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
    let okm = hkdf_sha256(&ikm, &salt, &info, 42).unwrap();
    assert_eq!(
        hex::encode(okm.expose()),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
    assert!(hkdf_sha256(&ikm, &salt, &info, 255 * 32 + 1).is_err());
}

#[test]
fn rsa_oaep_round_trips_and_rejects_tampering() {
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).expect("keygen");
    let public = RsaPublicKey::from_spki_der(key.public_key_spki_der()).expect("spki");
    assert_eq!(public.bits(), 2048);
    let ct = public.encrypt_oaep_sha256(b"data key").expect("encrypt");
    assert_eq!(ct.len(), 256);
    assert_eq!(
        key.decrypt_oaep_sha256(&ct).expect("decrypt").expose(),
        b"data key"
    );
    let mut bad = ct.clone();
    bad[10] ^= 1;
    assert_eq!(
        key.decrypt_oaep_sha256(&bad).unwrap_err(),
        CryptoError::Decrypt
    );
    let again = RsaPrivateKey::from_pkcs8_der(key.pkcs8_der().expose()).expect("reparse");
    assert_eq!(again.public_key_spki_der(), key.public_key_spki_der());
}

#[test]
fn rsa_pss_spki_is_not_an_encryption_key() {
    // The same key under id-RSASSA-PSS (RFC 4055: signatures only): aws-lc parses it but
    // cannot encrypt with it, so it must be refused as a key, not fail later.
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).expect("keygen");
    let spki = key.public_key_spki_der();
    // 30 82 01 22 | 30 0d 06 09 <1.2.840.113549.1.1.1> 05 00 | 03 82 01 0f ...
    assert_eq!(&spki[..6], [0x30, 0x82, 0x01, 0x22, 0x30, 0x0d]);
    let mut pss = vec![0x30, 0x82, 0x01, 0x20, 0x30, 0x0b];
    pss.extend_from_slice(&spki[6..16]);
    pss.push(0x0a); // 1.2.840.113549.1.1.10, no parameters
    pss.extend_from_slice(&spki[19..]);
    assert_eq!(
        RsaPublicKey::from_spki_der(&pss).unwrap_err(),
        CryptoError::InvalidKey
    );
    RsaPublicKey::from_spki_der(spki).expect("the rsaEncryption original");
}

#[test]
fn ecdsa_p384_signs_and_verifies_in_both_encodings() {
    let kp = EcdsaP384KeyPair::generate().expect("keygen");
    for enc in [SignatureEncoding::Fixed, SignatureEncoding::Asn1] {
        let sig = kp.sign(b"message", enc).expect("sign");
        verify_p384_sha384(kp.public_point(), b"message", &sig, enc).expect("verify");
        assert_eq!(
            verify_p384_sha384(kp.public_point(), b"messagf", &sig, enc),
            Err(CryptoError::BadSignature)
        );
    }
    let fixed = kp.sign(b"m", SignatureEncoding::Fixed).expect("sign");
    assert_eq!(fixed.len(), P384_FIXED_SIGNATURE_LEN);
    let again = EcdsaP384KeyPair::from_pkcs8_der(kp.pkcs8_der().expose()).expect("reparse");
    assert_eq!(again.public_point(), kp.public_point());
}

#[test]
fn aes_gcm_round_trips_and_binds_aad() {
    let key = [7u8; 32];
    let nonce = [1u8; 12];
    let ct = aes256_gcm_seal(&key, &nonce, b"aad", b"hello").expect("seal");
    assert_eq!(ct.len(), 5 + GCM_TAG_LEN);
    assert_eq!(
        aes256_gcm_open(&key, &nonce, b"aad", &ct)
            .expect("open")
            .expose(),
        b"hello"
    );
    assert_eq!(
        aes256_gcm_open(&key, &nonce, b"aae", &ct).unwrap_err(),
        CryptoError::Decrypt
    );
}

#[test]
fn aes_cbc_round_trips_with_pkcs7_padding() {
    let key = [9u8; 32];
    let iv = [3u8; 16];
    for len in [0usize, 1, 15, 16, 17, 32] {
        let pt = vec![0xabu8; len];
        let ct = aes256_cbc_encrypt(&key, &iv, &pt).expect("encrypt");
        assert_eq!(ct.len(), (len / 16 + 1) * 16);
        assert_eq!(
            aes256_cbc_decrypt(&key, &iv, &ct)
                .expect("decrypt")
                .expose(),
            &pt[..]
        );
    }
    assert_eq!(
        aes256_cbc_decrypt(&key, &iv, &[0u8; 15]).unwrap_err(),
        CryptoError::Decrypt
    );
}
