//! Parsing and validation of Sign, Verify and GetPublicKey, with the model's constraints
//! (kms-service-2.json: `SignRequest`, `VerifyRequest`, `GetPublicKeyRequest`).

use super::*;
use crate::KmsErrorType;
use crate::json::parse;

#[test]
fn sign_deserializes_a_boto3_body_and_message_type_defaults_to_raw() {
    let req: SignRequest = parse(
        br#"{"KeyId":"alias/s","Message":"aGVsbG8=","SigningAlgorithm":"ECDSA_SHA_256","DryRun":false}"#,
    )
    .unwrap();
    assert_eq!(req.message.as_ref().unwrap().expose(), b"hello");
    assert_eq!(req.message_type(), MessageType::Raw);
    assert_eq!(
        req.signing_algorithm(),
        Some(SigningAlgorithmSpec::EcdsaSha256)
    );
}

#[test]
fn sign_requires_key_message_and_algorithm_without_showing_the_message() {
    let err = parse::<SignRequest>(b"{}").unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert_eq!(
        err.message(),
        "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value at 'message' failed to satisfy constraint: Member must not be null; Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn verify_requires_the_signature_and_refuses_an_unknown_message_type() {
    let err = parse::<VerifyRequest>(
        br#"{"KeyId":"k","Message":"aGVsbG8=","MessageType":"HASH","SigningAlgorithm":"ECDSA_SHA_256"}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "2 validation errors detected: Value 'HASH' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]; Value null at 'signature' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn a_message_over_4096_bytes_is_refused() {
    let long = crate::blob::encode_base64(&[0u8; 4097]);
    let body = format!(r#"{{"KeyId":"k","Message":"{long}","SigningAlgorithm":"ECDSA_SHA_256"}}"#);
    let err = parse::<SignRequest>(body.as_bytes()).unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096"
    );
}

#[test]
fn get_public_key_requires_the_key_id() {
    let err = parse::<GetPublicKeyRequest>(b"{}").unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
    );
}
