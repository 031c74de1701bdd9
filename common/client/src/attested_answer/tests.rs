//! The attested contract, answer by answer: what a parent in the middle could write instead of
//! the enclave's answer is refused, and every tampered envelope fails the same way.

use std::sync::Arc;

use nitro_kms_api::Blob;
use nitro_kms_api::ops::{
    DecryptResponse, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateRandomRequest, GenerateRandomResponse,
};
use nitro_kms_api::types::DataKeyPairSpec;
use nitro_kms_attest::nsm::{ErrorCode, Nsm, Request, Response};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{EcCurve, RsaKeySize, RsaPrivateKey};

use super::{accept_data_key, accept_decrypt, accept_key_pair, accept_random};
use crate::attested::{Attestation, OPEN_FAILED};
use crate::error::ClientError;

/// These tests build answers directly; nothing asks the NSM for a document.
struct NoNsm;

impl Nsm for NoNsm {
    fn process(&self, _: Request) -> Response {
        Response::Error(ErrorCode::InvalidOperation)
    }
}

fn attestation() -> Attestation {
    Attestation::new(Arc::new(NoNsm), RsaKeySize::Rsa2048).unwrap()
}

/// What the enclave sends: `value` encrypted to the client's key.
fn envelope(att: &Attestation, value: &[u8]) -> Blob {
    Blob::new(recipient::build(value, att.public_key_spki_der()).unwrap())
}

fn secret(bytes: &[u8]) -> SecretBytes {
    SecretBytes::copy_from(bytes)
}

fn message(result: Result<impl std::fmt::Debug, ClientError>) -> String {
    match result.unwrap_err() {
        ClientError::UntrustedAnswer(m) => m,
        other => panic!("not an untrusted answer: {other}"),
    }
}

fn aes256_request() -> GenerateDataKeyRequest {
    GenerateDataKeyRequest {
        key_id: Some("alias/app".into()),
        key_spec: Some("AES_256".into()),
        ..Default::default()
    }
}

fn data_key_answer(
    envelope: Option<Blob>,
    plaintext: Option<SecretBytes>,
) -> GenerateDataKeyResponse {
    GenerateDataKeyResponse {
        ciphertext_blob: Some(Blob::new(vec![1; 40])),
        ciphertext_for_recipient: envelope,
        key_id: Some("arn:aws:kms:us-east-1:111122223333:key/k".into()),
        plaintext,
        ..Default::default()
    }
}

/// Tampered versions of a genuine envelope of `value`: a flipped byte in the encrypted key, in
/// the block before the last (which turns the padding invalid), in the last block, the envelope
/// cut short, one addressed to another key, and bytes that are no envelope. (A flipped IV byte
/// over a data byte is not here: CBC has no MAC, so it changes the value without failing; see
/// `attested.rs`.)
fn tampered(att: &Attestation, value: &[u8]) -> Vec<(&'static str, Blob)> {
    let good = envelope(att, value);
    let bytes = good.as_bytes();
    let parsed = recipient::parse(bytes).unwrap();
    let find = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    };
    let flip = |at: usize| {
        let mut b = bytes.to_vec();
        b[at] ^= 0x01;
        Blob::new(b)
    };
    let key_at = find(&parsed.encrypted_key);
    let content_at = find(&parsed.ciphertext);
    let other = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    vec![
        ("encrypted key", flip(key_at + 7)),
        (
            "content padding",
            flip(content_at + parsed.ciphertext.len() - 17),
        ),
        (
            "last content byte",
            flip(content_at + parsed.ciphertext.len() - 1),
        ),
        ("truncated", Blob::new(bytes[..bytes.len() - 20].to_vec())),
        (
            "another recipient",
            Blob::new(recipient::build(value, other.public_key_spki_der()).unwrap()),
        ),
        (
            "not an envelope",
            Blob::new(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
        ),
    ]
}

#[test]
fn a_genuine_data_key_answer_is_opened_into_plaintext() {
    let att = attestation();
    let answer = data_key_answer(Some(envelope(&att, &[7; 32])), None);
    let accepted = accept_data_key(&att, &aes256_request(), answer).unwrap();
    assert_eq!(accepted.plaintext.unwrap().expose(), [7; 32]);
    // KMS may send the plaintext member empty instead of null.
    let answer = data_key_answer(Some(envelope(&att, &[7; 32])), Some(secret(&[])));
    assert!(accept_data_key(&att, &aes256_request(), answer).is_ok());
}

#[test]
fn a_data_key_answer_with_plaintext_and_no_envelope_is_refused() {
    let att = attestation();
    let forged = data_key_answer(None, Some(secret(&[0x41; 32])));
    assert_eq!(
        message(accept_data_key(&att, &aes256_request(), forged)),
        "attested answer carries a Plaintext, which KMS never sends to a Recipient"
    );
    let empty = data_key_answer(None, None);
    assert_eq!(
        message(accept_data_key(&att, &aes256_request(), empty)),
        "attested answer has no CiphertextForRecipient"
    );
}

#[test]
fn a_data_key_answer_with_both_an_envelope_and_a_plaintext_is_refused() {
    let att = attestation();
    let both = data_key_answer(Some(envelope(&att, &[7; 32])), Some(secret(&[0x41; 32])));
    assert_eq!(
        message(accept_data_key(&att, &aes256_request(), both)),
        "attested answer carries a Plaintext, which KMS never sends to a Recipient"
    );
}

#[test]
fn a_data_key_of_another_length_than_the_request_asked_for_is_refused() {
    let att = attestation();
    for (spec, bytes, wrong) in [
        (Some("AES_256"), None, 16),
        (Some("AES_128"), None, 32),
        (None, Some(24), 32),
        (None, Some(24), 23),
    ] {
        let request = GenerateDataKeyRequest {
            key_spec: spec.map(str::to_owned),
            number_of_bytes: bytes,
            ..aes256_request()
        };
        let answer = data_key_answer(Some(envelope(&att, &vec![7; wrong])), None);
        assert_eq!(
            message(accept_data_key(&att, &request, answer)),
            OPEN_FAILED,
            "{spec:?} {bytes:?} answered with {wrong} bytes"
        );
    }
    let right = GenerateDataKeyRequest {
        key_spec: Some("AES_128".into()),
        ..aes256_request()
    };
    let answer = data_key_answer(Some(envelope(&att, &[7; 16])), None);
    assert_eq!(
        accept_data_key(&att, &right, answer)
            .unwrap()
            .plaintext
            .unwrap()
            .len(),
        16
    );
}

#[test]
fn every_tampered_data_key_envelope_fails_with_the_one_same_error() {
    let att = attestation();
    for (what, blob) in tampered(&att, &[7; 32]) {
        let answer = data_key_answer(Some(blob), None);
        let err = accept_data_key(&att, &aes256_request(), answer).unwrap_err();
        assert_eq!(err.to_string(), OPEN_FAILED, "{what}");
        assert!(matches!(err, ClientError::UntrustedAnswer(_)), "{what}");
    }
}

fn random_request(n: i32) -> GenerateRandomRequest {
    GenerateRandomRequest {
        number_of_bytes: Some(n),
        ..Default::default()
    }
}

fn random_answer(envelope: Option<Blob>, plaintext: Option<SecretBytes>) -> GenerateRandomResponse {
    GenerateRandomResponse {
        ciphertext_for_recipient: envelope,
        plaintext,
    }
}

#[test]
fn random_answers_obey_the_attested_contract() {
    let att = attestation();
    let genuine = random_answer(Some(envelope(&att, &[3; 20])), None);
    let accepted = accept_random(&att, &random_request(20), genuine).unwrap();
    assert_eq!(accepted.plaintext.unwrap().expose(), [3; 20]);

    let forged = random_answer(None, Some(secret(&[0; 20])));
    assert_eq!(
        message(accept_random(&att, &random_request(20), forged)),
        "attested answer carries a Plaintext, which KMS never sends to a Recipient"
    );
    let both = random_answer(Some(envelope(&att, &[3; 20])), Some(secret(&[0; 20])));
    assert!(accept_random(&att, &random_request(20), both).is_err());
    let short = random_answer(Some(envelope(&att, &[3; 19])), None);
    assert_eq!(
        message(accept_random(&att, &random_request(20), short)),
        OPEN_FAILED
    );
    for (what, blob) in tampered(&att, &[3; 20]) {
        let answer = random_answer(Some(blob), None);
        assert_eq!(
            message(accept_random(&att, &random_request(20), answer)),
            OPEN_FAILED,
            "{what}"
        );
    }
}

fn decrypt_answer(envelope: Option<Blob>, plaintext: Option<SecretBytes>) -> DecryptResponse {
    DecryptResponse {
        ciphertext_for_recipient: envelope,
        key_id: Some("arn:aws:kms:us-east-1:111122223333:key/k".into()),
        plaintext,
        ..Default::default()
    }
}

#[test]
fn decrypt_answers_obey_the_attested_contract() {
    let att = attestation();
    let genuine = decrypt_answer(Some(envelope(&att, b"secret")), None);
    let accepted = accept_decrypt(&att, None, genuine).unwrap();
    assert_eq!(accepted.plaintext.unwrap().expose(), b"secret");

    let forged = decrypt_answer(None, Some(secret(b"chosen")));
    assert_eq!(
        message(accept_decrypt(&att, None, forged)),
        "attested answer carries a Plaintext, which KMS never sends to a Recipient"
    );
    let both = decrypt_answer(Some(envelope(&att, b"secret")), Some(secret(b"chosen")));
    assert!(accept_decrypt(&att, None, both).is_err());
    assert_eq!(
        message(accept_decrypt(&att, None, decrypt_answer(None, None))),
        "attested answer has no CiphertextForRecipient"
    );
    // With a length the caller knows, another length is the one error too.
    let short = decrypt_answer(Some(envelope(&att, &[9; 16])), None);
    assert_eq!(message(accept_decrypt(&att, Some(32), short)), OPEN_FAILED);
    for (what, blob) in tampered(&att, &[9; 32]) {
        // A garbled last block has valid padding one time in 256; without a length to hold it
        // to, Decrypt then opens (module docs of `attested.rs`), so that case is checked with one.
        let lengths: &[Option<usize>] = match what {
            "last content byte" => &[Some(32)],
            _ => &[None, Some(32)],
        };
        for &expected in lengths {
            let answer = decrypt_answer(Some(blob.clone()), None);
            assert_eq!(
                message(accept_decrypt(&att, expected, answer)),
                OPEN_FAILED,
                "{what}"
            );
        }
    }
}

fn pair_request(spec: &str) -> GenerateDataKeyPairRequest {
    GenerateDataKeyPairRequest {
        key_id: Some("alias/app".into()),
        key_pair_spec: Some(spec.into()),
        ..Default::default()
    }
}

fn pair_answer(
    envelope: Option<Blob>,
    private: Option<SecretBytes>,
    public: &[u8],
    spec: DataKeyPairSpec,
) -> GenerateDataKeyPairResponse {
    GenerateDataKeyPairResponse {
        ciphertext_for_recipient: envelope,
        key_pair_spec: Some(spec),
        private_key_ciphertext_blob: Some(Blob::new(vec![1; 40])),
        private_key_plaintext: private,
        public_key: Some(Blob::new(public.to_vec())),
        ..Default::default()
    }
}

#[test]
fn key_pair_answers_obey_the_attested_contract() {
    let att = attestation();
    let (private, public) = nitro_kms_crypto::generate_ec_key_pair(EcCurve::P256).unwrap();
    let p256 = DataKeyPairSpec::EccNistP256;
    let request = pair_request("ECC_NIST_P256");
    let genuine = pair_answer(Some(envelope(&att, private.expose())), None, &public, p256);
    let accepted = accept_key_pair(&att, &request, genuine).unwrap();
    assert_eq!(
        accepted.private_key_plaintext.unwrap().expose(),
        private.expose()
    );

    let forged = pair_answer(None, Some(private.clone()), &public, p256);
    assert_eq!(
        message(accept_key_pair(&att, &request, forged)),
        "attested answer carries a PrivateKeyPlaintext, which KMS never sends to a Recipient"
    );
    let both = pair_answer(
        Some(envelope(&att, private.expose())),
        Some(private.clone()),
        &public,
        p256,
    );
    assert!(accept_key_pair(&att, &request, both).is_err());
    assert_eq!(
        message(accept_key_pair(
            &att,
            &request,
            pair_answer(None, None, &public, p256)
        )),
        "attested answer has no CiphertextForRecipient"
    );

    // A private key of another curve, another key's public half, or bytes that are no key.
    let (p384, _) = nitro_kms_crypto::generate_ec_key_pair(EcCurve::P384).unwrap();
    let (_, other_public) = nitro_kms_crypto::generate_ec_key_pair(EcCurve::P256).unwrap();
    for (what, inside, public) in [
        ("P-384 key", p384.expose().to_vec(), public.clone()),
        (
            "another public key",
            private.expose().to_vec(),
            other_public,
        ),
        ("32 random bytes", vec![7; 32], public.clone()),
    ] {
        let answer = pair_answer(Some(envelope(&att, &inside)), None, &public, p256);
        assert_eq!(
            message(accept_key_pair(&att, &request, answer)),
            OPEN_FAILED,
            "{what}"
        );
    }
    for (what, blob) in tampered(&att, private.expose()) {
        let answer = pair_answer(Some(blob), None, &public, p256);
        assert_eq!(
            message(accept_key_pair(&att, &request, answer)),
            OPEN_FAILED,
            "{what}"
        );
    }
    // The answer names another spec than the request.
    let relabelled = pair_answer(
        Some(envelope(&att, private.expose())),
        None,
        &public,
        DataKeyPairSpec::EccNistP384,
    );
    assert_eq!(
        message(accept_key_pair(&att, &request, relabelled)),
        "attested answer is a ECC_NIST_P384 key pair, the request asked for ECC_NIST_P256"
    );
}

#[test]
fn an_rsa_key_pair_must_have_the_requested_modulus() {
    let att = attestation();
    let pair = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let public = pair.public_key_spki_der();
    let inside = pair.pkcs8_der().expose();
    let genuine = pair_answer(
        Some(envelope(&att, inside)),
        None,
        public,
        DataKeyPairSpec::Rsa2048,
    );
    assert!(accept_key_pair(&att, &pair_request("RSA_2048"), genuine).is_ok());
    let smaller = pair_answer(
        Some(envelope(&att, inside)),
        None,
        public,
        DataKeyPairSpec::Rsa3072,
    );
    let mut unlabelled = smaller.clone();
    unlabelled.key_pair_spec = None;
    assert!(accept_key_pair(&att, &pair_request("RSA_3072"), smaller).is_err());
    assert_eq!(
        message(accept_key_pair(&att, &pair_request("RSA_3072"), unlabelled)),
        OPEN_FAILED
    );
}

#[test]
fn a_key_pair_spec_the_client_cannot_check_is_refused() {
    let att = attestation();
    let answer = pair_answer(
        Some(envelope(&att, &[1; 32])),
        None,
        &[2; 32],
        DataKeyPairSpec::EccSecgP256k1,
    );
    assert_eq!(
        message(accept_key_pair(
            &att,
            &pair_request("ECC_SECG_P256K1"),
            answer
        )),
        "an attested client cannot check a ECC_SECG_P256K1 private key, so it accepts none"
    );
}
