//! Parsing and validation of Encapsulate and Decapsulate against the model's constraints
//! (required members, `ML_KEM` the only algorithm, the `CiphertextType` bounds), and that the
//! shared secret is redacted from `Debug`.

use super::*;
use crate::KmsErrorType;
use crate::json::parse;

#[test]
fn encapsulate_deserializes_a_boto3_body() {
    let req: EncapsulateRequest = parse(
        br#"{"KeyId":"alias/kem","EncapsulationAlgorithm":"ML_KEM","GrantTokens":["t"],"DryRun":false}"#,
    )
    .unwrap();
    assert_eq!(
        req.encapsulation_algorithm(),
        Some(EncapsulationAlgorithmSpec::MlKem)
    );
    assert_eq!(req.key_id.as_deref(), Some("alias/kem"));
}

#[test]
fn encapsulate_requires_key_and_algorithm_and_refuses_other_algorithms() {
    let err = parse::<EncapsulateRequest>(b"{}").unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert_eq!(
        err.message(),
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'encapsulationAlgorithm' failed to satisfy constraint: Member must not be null"
    );
    let err = parse::<EncapsulateRequest>(br#"{"KeyId":"k","EncapsulationAlgorithm":"KYBER"}"#)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value 'KYBER' at 'encapsulationAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ML_KEM]"
    );
}

#[test]
fn decapsulate_requires_a_ciphertext_within_the_model_bounds() {
    let err = parse::<DecapsulateRequest>(br#"{"KeyId":"k","EncapsulationAlgorithm":"ML_KEM"}"#)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value null at 'sharedSecretCiphertextBlob' failed to satisfy constraint: Member must not be null"
    );
    let too_long = crate::blob::encode_base64(&[0u8; 6145]);
    let err = parse::<DecapsulateRequest>(
        format!(
            r#"{{"KeyId":"k","EncapsulationAlgorithm":"ML_KEM","SharedSecretCiphertextBlob":"{too_long}"}}"#
        )
        .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert!(
        err.message()
            .contains("at 'sharedSecretCiphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144"),
        "{}",
        err.message()
    );
}

#[test]
fn the_shared_secret_is_redacted_from_debug() {
    let answer = DecapsulateResponse {
        shared_secret: Some(SecretBytes::copy_from(b"0123456789abcdef0123456789abcdef")),
        ..Default::default()
    };
    assert!(!format!("{answer:?}").contains("0123456789abcdef"));
}
