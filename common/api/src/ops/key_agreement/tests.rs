//! Parsing and validation of DeriveSharedSecret, with the model's constraints (kms-service-2.json:
//! `DeriveSharedSecretRequest`) and the recorded AWS message for an unknown algorithm.

use super::*;
use crate::KmsErrorType;
use crate::json::parse;

#[test]
fn derive_shared_secret_deserializes_a_boto3_body() {
    let req: DeriveSharedSecretRequest = parse(
        br#"{"KeyId":"alias/a","KeyAgreementAlgorithm":"ECDH","PublicKey":"AQID","DryRun":false,"Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256","AttestationDocument":"AAAA"}}"#,
    )
    .unwrap();
    assert_eq!(
        req.key_agreement_algorithm(),
        Some(KeyAgreementAlgorithmSpec::Ecdh)
    );
    assert_eq!(req.public_key.unwrap().len(), 3);
    assert!(req.recipient.is_some());
}

#[test]
fn derive_shared_secret_requires_key_algorithm_and_public_key() {
    let err = parse::<DeriveSharedSecretRequest>(b"{}").unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert_eq!(
        err.message(),
        "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must not be null; Value null at 'publicKey' failed to satisfy constraint: Member must not be null"
    );
}

// Recorded: TestKMS::test_derive_shared_secret/response-invalid-key-agreement-algo.
#[test]
fn derive_shared_secret_with_an_unknown_algorithm_matches_recorded_text() {
    let err = parse::<DeriveSharedSecretRequest>(
        br#"{"KeyId":"k","KeyAgreementAlgorithm":"INVALID","PublicKey":"AQID"}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]"
    );
}

#[test]
fn derive_shared_secret_rejects_a_public_key_over_8192_bytes() {
    let body = format!(
        r#"{{"KeyId":"k","KeyAgreementAlgorithm":"ECDH","PublicKey":"{}"}}"#,
        "AAAA".repeat(2731)
    );
    let err = parse::<DeriveSharedSecretRequest>(body.as_bytes()).unwrap_err();
    assert!(
        err.message()
            .ends_with("at 'publicKey' failed to satisfy constraint: Member must have length less than or equal to 8192"),
        "{}",
        err.message()
    );
}

#[test]
fn derive_shared_secret_response_serializes_in_aws_order_without_secret_for_a_recipient() {
    let response = DeriveSharedSecretResponse {
        ciphertext_for_recipient: Some(Blob::from(&b"r"[..])),
        key_agreement_algorithm: Some(KeyAgreementAlgorithmSpec::Ecdh),
        key_id: Some("k".into()),
        key_origin: Some(OriginType::AwsKms),
        shared_secret: None,
    };
    assert_eq!(
        serde_json::to_string(&response).unwrap(),
        r#"{"CiphertextForRecipient":"cg==","KeyAgreementAlgorithm":"ECDH","KeyId":"k","KeyOrigin":"AWS_KMS"}"#
    );
}
