//! Documents from the simulated NSM go through the same verifier as real ones, and bind what the
//! enclave asked for.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use nitro_kms_attest::attestation::{
    AttestationError, TrustAnchor, Verifier, VerifyOptions, parse_unverified, verify,
};
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey, sha384};

/// Certificates in a document's chain: its cabundle (root first) and its leaf.
fn doc_chain_len(doc: &[u8]) -> usize {
    parse_unverified(doc).unwrap().cabundle.len() + 1
}

#[test]
fn simulated_document_verifies_against_the_simulated_root_only() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("enclave.bin");
    std::fs::write(&image, b"enclave image v1").unwrap();
    let nsm =
        SimulatedNsm::open(SimulatedNsmConfig::new(dir.path().join("state")).with_image(&image))
            .unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let doc = nsm
        .attest(
            Some(key.public_key_spki_der()),
            Some(b"app"),
            Some(&[9; 16]),
        )
        .unwrap();

    let root = TrustAnchor::simulated_from_der(nsm.root_certificate_der()).unwrap();
    let verified = verify(
        &doc,
        &VerifyOptions::new(root.clone(), std::time::SystemTime::now()),
    )
    .unwrap();
    assert_eq!(
        verified.public_key.as_deref(),
        Some(key.public_key_spki_der())
    );
    assert_eq!(verified.user_data.as_deref(), Some(&b"app"[..]));
    assert_eq!(verified.nonce.as_deref(), Some(&[9u8; 16][..]));
    assert_eq!(verified.pcr(0), Some(&sha384(b"enclave image v1")[..]));
    assert_eq!(verified.module_id, nsm.module_id());
    assert_eq!(verified.pcrs.len(), 16);
    assert!(verified.simulated);

    let mut aws = VerifyOptions::aws_now();
    aws.max_age = None;
    assert_eq!(
        verify(&doc, &aws).unwrap_err(),
        AttestationError::RootNotPinned
    );

    // The hot-path verifier with its certificate cache agrees, twice.
    let verifier = Verifier::new(root);
    assert_eq!(verifier.verify(&doc).unwrap(), verified);
    assert_eq!(verifier.verify(&doc).unwrap(), verified);
    // Root, intermediates and leaf are cached.
    assert_eq!(verifier.cached_certificates(), doc_chain_len(&doc));
}

#[test]
fn a_data_key_encrypted_to_a_simulated_attestation_opens_only_with_the_enclave_key() {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let doc = nsm
        .attest(Some(key.public_key_spki_der()), None, None)
        .unwrap();
    // What the enclave's KMS does on a Recipient request...
    let root = TrustAnchor::simulated_from_der(nsm.root_certificate_der()).unwrap();
    let verified = Verifier::new(root).verify(&doc).unwrap();
    let envelope = recipient::build(&[0x42; 32], verified.public_key.as_deref().unwrap()).unwrap();
    // ...and what the enclave application does with the answer.
    assert_eq!(
        recipient::decrypt(&envelope, &key).unwrap().expose(),
        &[0x42; 32]
    );
    let other = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    assert!(recipient::decrypt(&envelope, &other).is_err());
}

#[test]
fn a_locked_pcr16_appears_in_later_documents_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    nsm.extend_pcr(16, b"app config").unwrap();
    nsm.lock_pcr(16).unwrap();
    let doc = nsm.attest(None, None, None).unwrap();
    let root = TrustAnchor::simulated_from_der(nsm.root_certificate_der()).unwrap();
    let verified = Verifier::new(root).verify(&doc).unwrap();
    let expected = sha384(&[[0u8; 48].as_slice(), b"app config"].concat());
    assert_eq!(verified.pcr(16), Some(&expected[..]));
}

#[test]
fn a_cached_leaf_never_excuses_a_bad_document_signature() {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let root = TrustAnchor::simulated_from_pem(nsm.root_certificate_pem().as_bytes()).unwrap();
    let verifier = Verifier::new(root);
    let first = nsm.attest(None, None, Some(b"one")).unwrap();
    verifier.verify(&first).unwrap();
    let warm = verifier.cached_certificates();
    // A second document from the same NSM: same chain, new payload, all from the cache.
    let second = nsm.attest(None, None, Some(b"two")).unwrap();
    assert_eq!(verifier.verify(&second).unwrap().nonce.unwrap(), b"two");
    assert_eq!(verifier.cached_certificates(), warm);
    // The same document with its COSE signature's last byte flipped.
    let mut forged = second.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(
        verifier.verify(&forged).unwrap_err(),
        AttestationError::DocumentSignatureInvalid
    );
}

#[test]
fn a_document_verified_once_still_ages_out() {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let root = TrustAnchor::simulated_from_pem(nsm.root_certificate_pem().as_bytes()).unwrap();
    let verifier = Verifier::new(root);
    let doc = nsm.attest(None, None, Some(b"reused")).unwrap();
    let now = std::time::SystemTime::now();
    // Verified, then presented again (served from the document cache) while fresh...
    verifier.verify_at(&doc, now).unwrap();
    assert_eq!(
        verifier.verify_at(&doc, now).unwrap().nonce.unwrap(),
        b"reused"
    );
    // ...but past the maximum age the cache does not save it.
    let late = now + std::time::Duration::from_secs(301);
    assert!(matches!(
        verifier.verify_at(&doc, late).unwrap_err(),
        AttestationError::DocumentTooOld { .. }
    ));
}
