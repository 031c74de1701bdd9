//! Parsing and validation of GenerateMac and VerifyMac. Messages follow the model's constraints
//! and the recorded AWS texts (aws-kms-real-errors.txt: `test_invalid_generate_mac`,
//! `test_invalid_verify_mac` with `MacAlgorithm` `INVALID`).

use super::*;
use crate::KmsErrorType;
use crate::blob::encode_base64;
use crate::json::parse;

const RECORDED_INVALID_ALGORITHM: &str = "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]";

#[test]
fn generate_mac_deserializes_a_boto3_body() {
    let req: GenerateMacRequest = parse(
        br#"{"Message":"aGVsbG8=","KeyId":"alias/mac","MacAlgorithm":"HMAC_SHA_256","GrantTokens":["t"],"DryRun":false}"#,
    )
    .unwrap();
    assert_eq!(req.message.as_ref().unwrap().expose(), b"hello");
    assert_eq!(req.mac_algorithm(), Some(MacAlgorithmSpec::HmacSha256));
    assert_eq!(req.key_id.as_deref(), Some("alias/mac"));
}

#[test]
fn generate_and_verify_mac_refuse_an_unknown_algorithm_with_the_recorded_text() {
    let err = parse::<GenerateMacRequest>(
        br#"{"Message":"aGVsbG8=","KeyId":"k","MacAlgorithm":"INVALID"}"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
    assert_eq!(err.message(), RECORDED_INVALID_ALGORITHM);
    let err = parse::<VerifyMacRequest>(
        br#"{"Message":"aGVsbG8=","KeyId":"k","MacAlgorithm":"INVALID","Mac":"AAEC"}"#,
    )
    .unwrap_err();
    assert_eq!(err.message(), RECORDED_INVALID_ALGORITHM);
}

#[test]
fn generate_mac_requires_message_key_and_algorithm_without_showing_the_message() {
    let err = parse::<GenerateMacRequest>(b"{}").unwrap_err();
    assert_eq!(
        err.message(),
        "3 validation errors detected: Value at 'message' failed to satisfy constraint: Member must not be null; Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'macAlgorithm' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn verify_mac_requires_the_mac_too() {
    let err = parse::<VerifyMacRequest>(
        br#"{"Message":"aGVsbG8=","KeyId":"k","MacAlgorithm":"HMAC_SHA_256"}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value null at 'mac' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn message_is_1_to_4096_bytes_and_never_shown() {
    for (len, ok) in [(0, false), (1, true), (4096, true), (4097, false)] {
        let body = format!(
            r#"{{"Message":"{}","KeyId":"k","MacAlgorithm":"HMAC_SHA_512"}}"#,
            encode_base64(&vec![7u8; len])
        );
        let result = parse::<GenerateMacRequest>(body.as_bytes());
        assert_eq!(result.is_ok(), ok, "{len}");
        if let Err(err) = result {
            assert!(err.message().contains("Value at 'message'"), "{err}");
        }
    }
}

#[test]
fn verify_mac_takes_a_mac_of_1_to_6144_bytes_shown_as_a_byte_buffer() {
    let body = |len: usize| {
        format!(
            r#"{{"Message":"AA==","KeyId":"k","MacAlgorithm":"HMAC_SHA_224","Mac":"{}"}}"#,
            encode_base64(&vec![1u8; len])
        )
    };
    assert!(parse::<VerifyMacRequest>(body(6144).as_bytes()).is_ok());
    let err = parse::<VerifyMacRequest>(body(6145).as_bytes()).unwrap_err();
    assert_eq!(
        err.message(),
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'mac' failed to satisfy constraint: Member must have length less than or equal to 6144"
    );
}

#[test]
fn responses_serialize_in_aws_member_order() {
    let generated = GenerateMacResponse {
        key_id: Some("arn".into()),
        mac: Some(Blob::new(vec![1, 2, 3])),
        mac_algorithm: Some(MacAlgorithmSpec::HmacSha384),
    };
    assert_eq!(
        serde_json::to_string(&generated).unwrap(),
        r#"{"KeyId":"arn","Mac":"AQID","MacAlgorithm":"HMAC_SHA_384"}"#
    );
    let verified = VerifyMacResponse {
        key_id: Some("arn".into()),
        mac_algorithm: Some(MacAlgorithmSpec::HmacSha224),
        mac_valid: Some(true),
    };
    assert_eq!(
        serde_json::to_string(&verified).unwrap(),
        r#"{"KeyId":"arn","MacAlgorithm":"HMAC_SHA_224","MacValid":true}"#
    );
}

#[test]
fn a_request_debug_never_shows_the_message() {
    let req: GenerateMacRequest =
        parse(br#"{"Message":"c2VjcmV0","KeyId":"k","MacAlgorithm":"HMAC_SHA_256"}"#).unwrap();
    assert!(!format!("{req:?}").contains("secret"));
}
