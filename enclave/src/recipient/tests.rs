//! A document that is base64 text (what the AWS CLI v1 sends for a blob inside `Recipient`) is
//! refused with a reason naming the double encoding and how to send the document instead; any
//! other document that is not one keeps the verifier's own reason, and a real one still verifies.

use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use nitro_kms_attest::attestation::{TrustAnchor, Verifier};
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey};

use super::*;

const PREFIX: &str = "The attestation document in Recipient is not valid: ";

/// A verifier trusting the simulated world in `dir`, and a document of that world for a fresh
/// RSA-2048 key.
fn world_and_document(dir: &std::path::Path) -> (RecipientVerifier, Vec<u8>) {
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir)).unwrap();
    let anchor = TrustAnchor::simulated_from_der(nsm.root_certificate_der()).unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let document = nsm
        .attest(Some(key.public_key_spki_der()), None, None)
        .unwrap();
    (
        RecipientVerifier::new(vec![Verifier::new(anchor)]),
        document,
    )
}

fn recipient(document: &[u8]) -> RecipientInfo {
    RecipientInfo {
        key_encryption_algorithm: Some("RSAES_OAEP_SHA_256".to_owned()),
        attestation_document: Some(Blob::new(document.to_vec())),
    }
}

fn refusal(verifier: &RecipientVerifier, document: &[u8]) -> String {
    let error = verifier
        .verify(&recipient(document), SystemTime::now())
        .unwrap_err();
    assert_eq!(error.type_name(), "ValidationException");
    assert!(error.message().starts_with(PREFIX), "{}", error.message());
    error.message().to_owned()
}

#[test]
fn a_document_encoded_twice_is_refused_naming_the_double_encoding_and_the_clients_that_work() {
    let dir = tempfile::tempdir().unwrap();
    let (verifier, document) = world_and_document(dir.path());
    assert!(
        verifier
            .verify(&recipient(&document), SystemTime::now())
            .is_ok()
    );
    let message = refusal(&verifier, STANDARD.encode(&document).as_bytes());
    for expected in [
        "base64 text",
        "base64-encoded twice",
        "AWS CLI v1",
        "AWS CLI v2",
        "boto3",
        "--recipient",
    ] {
        assert!(message.contains(expected), "{expected:?} not in {message}");
    }
}

#[test]
fn text_that_is_not_base64_keeps_the_verifiers_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (verifier, _) = world_and_document(dir.path());
    // What the AWS CLI v1 sends for `AttestationDocument=fileb://doc.cbor` (':' is not base64),
    // and alphabet-only text that does not decode.
    for text in ["fileb:///tmp/doc.cbor", "hello"] {
        let message = refusal(&verifier, text.as_bytes());
        assert!(!message.contains("base64"), "{text}: {message}");
    }
}

#[test]
fn only_base64_alphabet_text_that_decodes_and_does_not_start_as_cose_is_taken_for_text() {
    assert!(is_base64_text(b"aGVsbG8="));
    assert!(is_base64_text(b"aGVs\nbG8=\n"), "as `base64` wraps it");
    assert!(!is_base64_text(b""));
    assert!(!is_base64_text(b"hello"));
    assert!(!is_base64_text(b"\n"));
    assert!(!is_base64_text(b"fileb://doc"));
    // A COSE_Sign1 (array of four, or tagged) is a document whatever follows.
    assert!(!is_base64_text(&[0x84, b'A', b'A', b'A']));
    assert!(!is_base64_text(&[0xd2, b'A', b'A', b'A']));
}
