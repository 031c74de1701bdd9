//! ML-KEM keys: each parameter set round-trips a secret through the sealed `dk`, the public key
//! read from inside `dk` is aws-lc-rs's own encapsulation key in SPKI DER, a peer encapsulating to
//! it reaches the same secret, a garbled ciphertext gives a different secret (implicit rejection)
//! and a wrong length is refused.

use aws_lc_rs::kem::DecapsulationKey;

use super::*;

const KINDS: [KemKeyKind; 3] = [
    KemKeyKind::MlKem512,
    KemKeyKind::MlKem768,
    KemKeyKind::MlKem1024,
];

#[test]
fn each_parameter_set_decapsulates_what_it_encapsulated() {
    for kind in KINDS {
        let dk = generate_kem_key(kind).unwrap();
        let (secret, ciphertext) = encapsulate(kind, dk.expose()).unwrap();
        assert_eq!(secret.expose().len(), SHARED_SECRET_LEN);
        assert_eq!(ciphertext.len(), kind.ciphertext_len(), "{kind:?}");
        let opened = decapsulate(kind, dk.expose(), &ciphertext).unwrap();
        assert_eq!(opened.expose(), secret.expose(), "{kind:?}");
    }
}

#[test]
fn the_public_key_is_aws_lc_rs_encapsulation_key_in_spki_der() {
    for kind in KINDS {
        let generated = DecapsulationKey::generate(kind.algorithm()).unwrap();
        let ek = generated.encapsulation_key().unwrap().key_bytes().unwrap();
        let dk = generated.key_bytes().unwrap();
        assert_eq!(encapsulation_key(kind, dk.as_ref()).unwrap(), ek.as_ref());
        let spki = kem_public_key(kind, dk.as_ref()).unwrap();
        let header_len = spki.len() - ek.as_ref().len();
        assert_eq!(&spki[header_len..], ek.as_ref());
        // The OID's last arc (1, 2, 3), then the BIT STRING tag; 768's header is pinned below.
        assert_eq!(spki[16], kind.k() as u8 - 1);
        assert_eq!(spki[17], 0x03);
        let (secret, ciphertext) = encapsulate_to(kind, ek.as_ref()).unwrap();
        let opened = decapsulate(kind, dk.as_ref(), &ciphertext).unwrap();
        assert_eq!(opened.expose(), secret.expose());
    }
}

#[test]
fn the_ml_kem_768_spki_header_is_the_one_python_cryptography_writes() {
    // `MLKEM768PublicKey.public_bytes(DER, SubjectPublicKeyInfo)` of cryptography 51 (OpenSSL
    // 4.1): SEQUENCE, AlgorithmIdentifier id-alg-ml-kem-768 without parameters, BIT STRING.
    let expected = "308204b2300b0609608648016503040402038204a100";
    let dk = generate_kem_key(KemKeyKind::MlKem768).unwrap();
    let spki = kem_public_key(KemKeyKind::MlKem768, dk.expose()).unwrap();
    assert_eq!(crate::hex_lower(&spki[..22]), expected);
    assert_eq!(spki.len(), 22 + 1184);
}

#[test]
fn a_garbled_ciphertext_gives_another_secret_and_a_wrong_length_is_refused() {
    let kind = KemKeyKind::MlKem768;
    let dk = generate_kem_key(kind).unwrap();
    let (secret, mut ciphertext) = encapsulate(kind, dk.expose()).unwrap();
    ciphertext[5] ^= 1;
    let rejected = decapsulate(kind, dk.expose(), &ciphertext).unwrap();
    assert_eq!(rejected.expose().len(), SHARED_SECRET_LEN);
    assert_ne!(rejected.expose(), secret.expose());
    assert_eq!(
        decapsulate(kind, dk.expose(), &ciphertext[1..]).err(),
        Some(CryptoError::Decrypt)
    );
}
