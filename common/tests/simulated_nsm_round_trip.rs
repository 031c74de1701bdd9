//! Documents from the simulated NSM go through the same verifier as real ones, and bind what the
//! enclave asked for.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use nitro_kms_common::attestation::{
    AttestationError, TrustAnchor, Verifier, VerifyOptions, verify,
};
use nitro_kms_common::crypto::{RsaKeySize, RsaPrivateKey, sha384};
use nitro_kms_common::nsm::NsmExt;
use nitro_kms_common::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_common::recipient;

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

    // The hot-path verifier with its intermediate cache agrees, twice.
    let verifier = Verifier::new(root);
    assert_eq!(verifier.verify(&doc).unwrap(), verified);
    assert_eq!(verifier.verify(&doc).unwrap(), verified);
    assert_eq!(verifier.cached_intermediates(), 3);
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
