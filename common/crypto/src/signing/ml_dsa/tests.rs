//! ML-DSA keys: each level signs and verifies a RAW message with signatures of FIPS 204's sizes,
//! a flipped byte is refused, the public key is SPKI DER with the level's OID, and µ/digest
//! inputs are refused as unsupported.

use super::super::{
    SigningAlgorithm, SigningInput, SigningKeyKind, generate_signing_key, sign, signing_public_key,
    verify,
};
use crate::CryptoError;

const ALG: SigningAlgorithm = SigningAlgorithm::MlDsaShake256;

/// (kind, signature length, public key length, last OID byte of id-ml-dsa-*: 2.16.840.1.101.3.4.3.17/18/19).
const LEVELS: [(SigningKeyKind, usize, usize, u8); 3] = [
    (SigningKeyKind::MlDsa44, 2420, 1312, 17),
    (SigningKeyKind::MlDsa65, 3309, 1952, 18),
    (SigningKeyKind::MlDsa87, 4627, 2592, 19),
];

#[test]
fn every_level_signs_raw_messages_that_verify_and_a_flipped_byte_is_refused() {
    let message = b"nitro-kms ml-dsa";
    for (kind, sig_len, _, _) in LEVELS {
        let key = generate_signing_key(kind).unwrap();
        let sig = sign(kind, key.expose(), ALG, SigningInput::Raw(message)).unwrap();
        assert_eq!(sig.len(), sig_len, "{kind:?}");
        verify(kind, key.expose(), ALG, SigningInput::Raw(message), &sig).unwrap();
        let mut flipped = sig.clone();
        flipped[7] ^= 1;
        assert_eq!(
            verify(
                kind,
                key.expose(),
                ALG,
                SigningInput::Raw(message),
                &flipped
            ),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            verify(kind, key.expose(), ALG, SigningInput::Raw(b"other"), &sig),
            Err(CryptoError::BadSignature)
        );
    }
}

#[test]
fn the_public_key_is_spki_der_with_the_levels_oid_and_raw_key() {
    for (kind, _, pk_len, oid_last) in LEVELS {
        let key = generate_signing_key(kind).unwrap();
        let spki = signing_public_key(kind, key.expose()).unwrap();
        // AlgorithmIdentifier: SEQUENCE { OID 2.16.840.1.101.3.4.3.x } with no parameters.
        let alg_id = [
            0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, oid_last,
        ];
        assert_eq!(&spki[4..17], &alg_id, "{kind:?}");
        // BIT STRING header (tag, long length, unused-bits byte) then the raw key.
        assert_eq!(spki.len(), 17 + 4 + 1 + pk_len, "{kind:?}");
    }
}

#[test]
fn an_external_mu_or_a_digest_is_unsupported_and_ml_dsa_does_not_suit_ecdsa_keys() {
    let kind = SigningKeyKind::MlDsa44;
    let key = generate_signing_key(kind).unwrap();
    for input in [
        SigningInput::ExternalMu(&[0; 64]),
        SigningInput::Digest(&[0; 64]),
    ] {
        assert_eq!(
            sign(kind, key.expose(), ALG, input),
            Err(CryptoError::Unsupported)
        );
    }
    let ec = generate_signing_key(SigningKeyKind::P256).unwrap();
    assert_eq!(
        sign(
            SigningKeyKind::P256,
            ec.expose(),
            ALG,
            SigningInput::Raw(b"m")
        ),
        Err(CryptoError::InvalidKey)
    );
}
