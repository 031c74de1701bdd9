//! The attested key pair: its document, its Recipient, and what it accepts as an answer.

use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};

use super::*;

/// A key pair attested by a fresh simulated world (kept alive by the returned directory).
fn attested() -> (tempfile::TempDir, AttestedKeyPair) {
    let dir = tempfile::tempdir().unwrap();
    SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let pair = AttestedKeyPair::new(&NsmSource::Simulated(dir.path().to_owned())).unwrap();
    (dir, pair)
}

#[test]
fn the_recipient_carries_the_document_and_rsaes_oaep_sha_256() {
    let (_dir, pair) = attested();
    let info = pair.recipient_info();
    assert_eq!(
        info.key_encryption_algorithm(),
        Some(&KeyEncryptionMechanism::RsaesOaepSha256)
    );
    assert_eq!(
        info.attestation_document().map(|d| d.as_ref()),
        Some(pair.document())
    );
}

#[test]
fn an_envelope_to_the_attested_key_opens_to_its_plaintext() {
    let (_dir, pair) = attested();
    let envelope =
        nitro_kms_attest::recipient::build(&[7; 32], pair.key.public_key_spki_der()).unwrap();
    let opened = pair
        .open("GenerateDataKey", None, Some(&Blob::new(envelope)))
        .unwrap();
    assert_eq!(opened.expose(), &[7; 32]);
}

#[test]
fn an_answer_with_plaintext_or_without_an_envelope_is_refused() {
    let (_dir, pair) = attested();
    let envelope =
        nitro_kms_attest::recipient::build(&[7; 32], pair.key.public_key_spki_der()).unwrap();
    let with_plaintext = pair.open(
        "Decrypt",
        Some(&Blob::new(vec![7; 32])),
        Some(&Blob::new(envelope)),
    );
    assert_eq!(
        with_plaintext.err().unwrap().to_string(),
        "Decrypt: Plaintext in an answer to a Recipient request"
    );
    assert_eq!(
        pair.open("Decrypt", None, None).err().unwrap().to_string(),
        "Decrypt: no CiphertextForRecipient in the answer"
    );
    let garbage = pair.open("Decrypt", None, Some(&Blob::new(vec![0x30, 0x00])));
    assert!(matches!(garbage, Err(ExampleError::Envelope { .. })));
}

#[test]
fn a_directory_without_a_simulated_world_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let err = AttestedKeyPair::new(&NsmSource::Simulated(missing.clone()))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "--recipient simulated:{}: no simulated world",
            missing.display()
        )),
        "{err}"
    );
    assert!(!missing.exists());
}
