//! Signing keys: every kind signs and verifies its own algorithms, RAW and DIGEST agree, a
//! flipped byte is refused, a wrong digest length or an unsuitable algorithm is refused.

use super::*;

const ALL_KINDS: [SigningKeyKind; 7] = [
    SigningKeyKind::Rsa2048,
    SigningKeyKind::Rsa3072,
    SigningKeyKind::Rsa4096,
    SigningKeyKind::P256,
    SigningKeyKind::P384,
    SigningKeyKind::P521,
    SigningKeyKind::Secp256k1,
];

fn algorithms(kind: SigningKeyKind) -> Vec<SigningAlgorithm> {
    use DigestAlgorithm::*;
    match kind {
        SigningKeyKind::P256 | SigningKeyKind::Secp256k1 => vec![SigningAlgorithm::Ecdsa(Sha256)],
        SigningKeyKind::P384 => vec![SigningAlgorithm::Ecdsa(Sha384)],
        SigningKeyKind::P521 => vec![SigningAlgorithm::Ecdsa(Sha512)],
        _ => [Sha256, Sha384, Sha512]
            .into_iter()
            .flat_map(|d| [SigningAlgorithm::RsaPss(d), SigningAlgorithm::RsaPkcs1(d)])
            .collect(),
    }
}

#[test]
fn every_kind_signs_raw_and_the_digest_signature_verifies_as_raw() {
    let message = b"nitro-kms signing";
    for kind in ALL_KINDS {
        let key = generate_signing_key(kind).unwrap();
        assert!(!signing_public_key(kind, key.expose()).unwrap().is_empty());
        for alg in algorithms(kind) {
            let sig = sign(kind, key.expose(), alg, SigningInput::Raw(message)).unwrap();
            verify(kind, key.expose(), alg, SigningInput::Raw(message), &sig).unwrap();
            let d = digest::digest(alg.digest().unwrap().aws_lc(), message);
            verify(
                kind,
                key.expose(),
                alg,
                SigningInput::Digest(d.as_ref()),
                &sig,
            )
            .unwrap();
            let sig = sign(kind, key.expose(), alg, SigningInput::Digest(d.as_ref())).unwrap();
            verify(kind, key.expose(), alg, SigningInput::Raw(message), &sig).unwrap();
            let mut flipped = sig.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            assert_eq!(
                verify(
                    kind,
                    key.expose(),
                    alg,
                    SigningInput::Raw(message),
                    &flipped
                ),
                Err(CryptoError::BadSignature),
                "{kind:?} {alg:?}"
            );
        }
    }
}

#[test]
fn a_digest_of_the_wrong_length_is_refused() {
    let key = generate_signing_key(SigningKeyKind::P256).unwrap();
    let alg = SigningAlgorithm::Ecdsa(DigestAlgorithm::Sha256);
    assert_eq!(
        sign(
            SigningKeyKind::P256,
            key.expose(),
            alg,
            SigningInput::Digest(&[0; 31])
        ),
        Err(CryptoError::Sign)
    );
}

#[test]
fn an_algorithm_that_does_not_suit_the_key_is_refused() {
    let key = generate_signing_key(SigningKeyKind::P384).unwrap();
    for alg in [
        SigningAlgorithm::Ecdsa(DigestAlgorithm::Sha256),
        SigningAlgorithm::RsaPss(DigestAlgorithm::Sha384),
    ] {
        assert_eq!(
            sign(
                SigningKeyKind::P384,
                key.expose(),
                alg,
                SigningInput::Raw(b"m")
            ),
            Err(CryptoError::InvalidKey)
        );
    }
}

#[test]
fn pss_salt_is_the_digest_length_so_signatures_differ_and_pkcs1_is_deterministic() {
    let key = generate_signing_key(SigningKeyKind::Rsa2048).unwrap();
    let pss = SigningAlgorithm::RsaPss(DigestAlgorithm::Sha256);
    let pkcs1 = SigningAlgorithm::RsaPkcs1(DigestAlgorithm::Sha256);
    let s = |a| {
        sign(
            SigningKeyKind::Rsa2048,
            key.expose(),
            a,
            SigningInput::Raw(b"m"),
        )
        .unwrap()
    };
    assert_ne!(s(pss), s(pss));
    assert_eq!(s(pkcs1), s(pkcs1));
    assert_eq!(s(pkcs1).len(), 256);
}

#[test]
fn ed25519_signs_raw_and_ed25519ph_signs_raw_and_digest_alike() {
    let key = generate_signing_key(SigningKeyKind::Ed25519).unwrap();
    let k = SigningKeyKind::Ed25519;
    let message = b"nitro-kms signs this with Ed25519";
    let pure = sign(
        k,
        key.expose(),
        SigningAlgorithm::Ed25519,
        SigningInput::Raw(message),
    )
    .unwrap();
    assert_eq!(pure.len(), 64);
    verify(
        k,
        key.expose(),
        SigningAlgorithm::Ed25519,
        SigningInput::Raw(message),
        &pure,
    )
    .unwrap();
    let digest = DigestAlgorithm::Sha512.digest(message);
    let ph = sign(
        k,
        key.expose(),
        SigningAlgorithm::Ed25519ph,
        SigningInput::Raw(message),
    )
    .unwrap();
    // Ed25519 is deterministic: the DIGEST form of the same message signs identically.
    let ph_digest = sign(
        k,
        key.expose(),
        SigningAlgorithm::Ed25519ph,
        SigningInput::Digest(&digest),
    )
    .unwrap();
    assert_eq!(ph, ph_digest);
    assert_ne!(
        ph, pure,
        "Ed25519ph and pure Ed25519 differ (RFC 8032 dom2 prefix)"
    );
    for input in [SigningInput::Raw(message), SigningInput::Digest(&digest)] {
        verify(k, key.expose(), SigningAlgorithm::Ed25519ph, input, &ph).unwrap();
    }
    let mut flipped = pure.clone();
    flipped[0] ^= 1;
    assert_eq!(
        verify(
            k,
            key.expose(),
            SigningAlgorithm::Ed25519,
            SigningInput::Raw(message),
            &flipped
        ),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        verify(
            k,
            key.expose(),
            SigningAlgorithm::Ed25519ph,
            SigningInput::Raw(message),
            &pure
        ),
        Err(CryptoError::BadSignature)
    );
}

#[test]
fn ed25519_refuses_a_digest_for_pure_signing_and_other_kinds_algorithms() {
    let key = generate_signing_key(SigningKeyKind::Ed25519).unwrap();
    let k = SigningKeyKind::Ed25519;
    let digest = [0u8; 64];
    assert_eq!(
        sign(
            k,
            key.expose(),
            SigningAlgorithm::Ed25519,
            SigningInput::Digest(&digest)
        ),
        Err(CryptoError::Sign)
    );
    assert_eq!(
        sign(
            k,
            key.expose(),
            SigningAlgorithm::Ed25519ph,
            SigningInput::Digest(&digest[..32])
        ),
        Err(CryptoError::Sign)
    );
    let ecdsa = SigningAlgorithm::Ecdsa(DigestAlgorithm::Sha512);
    assert_eq!(
        sign(k, key.expose(), ecdsa, SigningInput::Raw(b"m")),
        Err(CryptoError::InvalidKey)
    );
    let p256 = generate_signing_key(SigningKeyKind::P256).unwrap();
    assert_eq!(
        sign(
            SigningKeyKind::P256,
            p256.expose(),
            SigningAlgorithm::Ed25519,
            SigningInput::Raw(b"m")
        ),
        Err(CryptoError::InvalidKey)
    );
}

#[test]
fn ed25519_public_key_is_the_12_byte_spki_prefix_and_the_raw_key() {
    let key = generate_signing_key(SigningKeyKind::Ed25519).unwrap();
    let spki = signing_public_key(SigningKeyKind::Ed25519, key.expose()).unwrap();
    assert_eq!(spki.len(), 44);
    assert_eq!(
        spki[..12],
        [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
        ]
    );
}
