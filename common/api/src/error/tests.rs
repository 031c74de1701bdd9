//! Tests of the error table, the JSON bodies and the recorded messages.

use super::*;
use serde_json::Value;

const KEY_ARN: &str = "arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc";

#[test]
fn to_json_renders_type_and_lower_case_message() {
    let err = KmsError::not_found_key(KEY_ARN);
    assert_eq!(
        err.to_json(),
        format!(r#"{{"__type":"NotFoundException","message":"Key '{KEY_ARN}' does not exist"}}"#)
    );
}

#[test]
fn to_json_omits_an_empty_message_as_aws_does() {
    assert_eq!(
        KmsError::invalid_ciphertext().to_json(),
        r#"{"__type":"InvalidCiphertextException"}"#
    );
}

#[test]
fn to_json_escapes_quotes_in_messages() {
    let json = KmsError::alias_prefix_required().to_json();
    let back: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back["message"], KmsError::alias_prefix_required().message());
    assert!(json.contains(r#"\"alias/\""#));
}

#[test]
fn to_json_and_from_json_round_trip_every_type() {
    for &kind in KmsErrorType::ALL {
        for message in ["", "some message with 'quotes' and \"double quotes\""] {
            let err = KmsError::new(kind, message);
            let back = KmsError::from_json(err.to_json().as_bytes()).unwrap();
            assert_eq!(back, err);
        }
    }
}

#[test]
fn from_json_accepts_capitalised_message_and_namespaced_type() {
    let err = KmsError::from_json(
        br#"{"__type":"com.amazonaws.kms#NotFoundException","Message":"Invalid keyId 'x'"}"#,
    )
    .unwrap();
    assert_eq!(err.kind(), KmsErrorType::NotFound);
    assert_eq!(err.message(), "Invalid keyId 'x'");

    let err = KmsError::from_json(
        br#"{"__type":"com.amazon.coral.service#SerializationException","Message":null}"#,
    )
    .unwrap();
    assert_eq!(err.kind(), KmsErrorType::Serialization);
    assert_eq!(err.message(), "");
}

#[test]
fn from_json_reads_a_body_without_message() {
    let err = KmsError::from_json(br#"{"__type":"InvalidCiphertextException"}"#).unwrap();
    assert_eq!(err, KmsError::invalid_ciphertext());
}

#[test]
fn from_json_keeps_an_unknown_type_by_name() {
    let err = KmsError::from_json(br#"{"__type":"aws#BrandNewException","message":"m"}"#).unwrap();
    assert_eq!(err.kind(), KmsErrorType::Unrecognized);
    assert_eq!(err.type_name(), "BrandNewException");
    assert_eq!(err.to_string(), "BrandNewException: m");
}

#[test]
fn from_json_rejects_bodies_that_are_not_errors() {
    assert_eq!(
        KmsError::from_json(b"not json"),
        Err(ErrorBodyError::NotAnObject)
    );
    assert_eq!(KmsError::from_json(b"[]"), Err(ErrorBodyError::NotAnObject));
    assert_eq!(
        KmsError::from_json(br#"{"message":"x"}"#),
        Err(ErrorBodyError::MissingType)
    );
}

#[test]
fn from_type_name_strips_namespace_and_suffix() {
    assert_eq!(
        KmsErrorType::from_type_name("NotFoundException:http://internal.amazon.com/coral/"),
        Some(KmsErrorType::NotFound)
    );
    assert_eq!(
        KmsErrorType::from_type_name("com.amazon.coral.validate#ValidationException"),
        Some(KmsErrorType::Validation)
    );
    assert_eq!(KmsErrorType::from_type_name("Nope"), None);
}

#[test]
fn http_status_is_500_for_faults_and_400_for_client_errors() {
    for kind in [
        KmsErrorType::KMSInternal,
        KmsErrorType::DependencyTimeout,
        KmsErrorType::KeyUnavailable,
    ] {
        assert_eq!(kind.http_status(), 500, "{kind}");
        assert!(kind.is_fault());
    }
    for kind in [
        KmsErrorType::NotFound,
        KmsErrorType::Disabled,
        KmsErrorType::KMSInvalidState,
        KmsErrorType::InvalidKeyUsage,
        KmsErrorType::InvalidCiphertext,
        KmsErrorType::IncorrectKey,
        KmsErrorType::InvalidGrantToken,
        KmsErrorType::Validation,
        KmsErrorType::AccessDenied,
        KmsErrorType::AlreadyExists,
        KmsErrorType::LimitExceeded,
        KmsErrorType::MalformedPolicyDocument,
        KmsErrorType::InvalidAliasName,
        KmsErrorType::InvalidArn,
        KmsErrorType::Tag,
        KmsErrorType::DryRunOperation,
        KmsErrorType::UnsupportedOperation,
        KmsErrorType::InvalidMarker,
        KmsErrorType::UnknownOperation,
        KmsErrorType::Serialization,
        KmsErrorType::Throttling,
        KmsErrorType::UnrecognizedClient,
        KmsErrorType::InvalidSignature,
    ] {
        assert_eq!(kind.http_status(), 400, "{kind}");
        assert!(!kind.is_fault());
    }
}

#[test]
fn type_names_are_unique() {
    let mut names: Vec<_> = KmsErrorType::ALL.iter().map(|t| t.type_name()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before);
}

#[test]
fn invalid_ciphertext_has_an_empty_message() {
    let err = KmsError::invalid_ciphertext();
    assert_eq!(err.type_name(), "InvalidCiphertextException");
    assert_eq!(err.message(), "");
    assert_eq!(err.to_string(), "InvalidCiphertextException");
}

// Each of the following quotes a message recorded from real AWS KMS
// (shared/spec/aws-kms-real-errors.txt), with the recording's placeholder filled in.

#[test]
fn not_found_key_matches_recorded_text() {
    let err = KmsError::not_found_key(KEY_ARN);
    assert_eq!(err.kind(), KmsErrorType::NotFound);
    assert_eq!(
        err.message(),
        "Key 'arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc' does not exist"
    );
}

#[test]
fn invalid_key_id_matches_recorded_texts() {
    assert_eq!(
        KmsError::invalid_key_id("fake-key-id").message(),
        "Invalid keyId 'fake-key-id'"
    );
    assert_eq!(
        KmsError::invalid_key_id("134f2428cec14b25a1ae9048164dba47").message(),
        "Invalid keyId '134f2428cec14b25a1ae9048164dba47'"
    );
    assert_eq!(
        KmsError::invalid_key_id("mrk-fake-key-id").message(),
        "Invalid keyId 'mrk-fake-key-id'"
    );
    assert_eq!(
        KmsError::invalid_key_id("key_id").kind(),
        KmsErrorType::NotFound
    );
}

#[test]
fn alias_not_found_and_invalid_arn_region_match_behaviour_notes() {
    let err = KmsError::alias_not_found("arn:aws:kms:eu-west-1:111111111111:alias/missing");
    assert_eq!(err.kind(), KmsErrorType::NotFound);
    assert_eq!(
        err.message(),
        "Alias arn:aws:kms:eu-west-1:111111111111:alias/missing is not found."
    );
    let err = KmsError::invalid_arn_region("ap-southeast-1");
    assert_eq!(err.kind(), KmsErrorType::NotFound);
    assert_eq!(err.message(), "Invalid arn ap-southeast-1");
}

#[test]
fn key_state_errors_match_recorded_texts() {
    let err = KmsError::disabled(KEY_ARN);
    assert_eq!(err.type_name(), "DisabledException");
    assert_eq!(err.message(), format!("{KEY_ARN} is disabled."));
    let err = KmsError::pending_deletion(KEY_ARN);
    assert_eq!(err.type_name(), "KMSInvalidStateException");
    assert_eq!(err.message(), format!("{KEY_ARN} is pending deletion."));
    let err = KmsError::pending_import(KEY_ARN);
    assert_eq!(err.type_name(), "KMSInvalidStateException");
    assert_eq!(
        err.message(),
        "arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc is pending import."
    );
}

#[test]
fn invalid_key_usage_matches_recorded_texts() {
    let err = KmsError::invalid_key_usage(KEY_ARN, "SIGN_VERIFY", "Encrypt");
    assert_eq!(err.type_name(), "InvalidKeyUsageException");
    assert_eq!(
        err.message(),
        format!("{KEY_ARN} key usage is SIGN_VERIFY which is not valid for Encrypt.")
    );
    assert_eq!(
        KmsError::invalid_key_usage(KEY_ARN, "SIGN_VERIFY", "GenerateDataKey").message(),
        format!("{KEY_ARN} key usage is SIGN_VERIFY which is not valid for GenerateDataKey.")
    );
}

#[test]
fn unsupported_origin_matches_recorded_text() {
    let err = KmsError::unsupported_origin(KEY_ARN, "AWS_KMS");
    assert_eq!(err.type_name(), "UnsupportedOperationException");
    assert_eq!(
        err.message(),
        format!("{KEY_ARN} origin is AWS_KMS which is not valid for this operation.")
    );
}

#[test]
fn incorrect_key_matches_recorded_text() {
    let err = KmsError::incorrect_key();
    assert_eq!(err.type_name(), "IncorrectKeyException");
    assert_eq!(
        err.message(),
        "The key ID in the request does not identify a CMK that can perform this operation."
    );
}

#[test]
fn dry_run_matches_recorded_text() {
    let err = KmsError::dry_run();
    assert_eq!(err.type_name(), "DryRunOperationException");
    assert_eq!(
        err.message(),
        "The request would have succeeded, but the DryRun option is set."
    );
    assert_eq!(err.http_status(), 400);
}

#[test]
fn access_denied_matches_behaviour_notes_text() {
    let err = KmsError::access_denied(
        "arn:aws:iam::222222222222:role/app",
        "kms:GenerateDataKey",
        KEY_ARN,
    );
    assert_eq!(err.type_name(), "AccessDeniedException");
    assert_eq!(
        err.message(),
        format!(
            "User: arn:aws:iam::222222222222:role/app is not authorized to perform: kms:GenerateDataKey on resource: {KEY_ARN} because no resource-based policy allows the kms:GenerateDataKey action"
        )
    );
}

#[test]
fn access_denied_because_explicit_deny_uses_the_deny_tail() {
    let err = KmsError::access_denied_because(
        "arn:aws:iam::1:user/u",
        "kms:Decrypt",
        KEY_ARN,
        DenyReason::ExplicitDenyInResourceBasedPolicy,
    );
    assert!(
        err.message()
            .ends_with(" on resource: arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc with an explicit deny in a resource-based policy")
    );
}

#[test]
fn service_rule_validation_messages_match_recorded_texts() {
    assert_eq!(
        KmsError::number_of_bytes_required().message(),
        "NumberOfBytes is required."
    );
    assert_eq!(
        KmsError::alias_prefix_required().message(),
        "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
    );
    assert_eq!(
        KmsError::key_usage_required().message(),
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
    );
    assert_eq!(
        KmsError::key_usage_incompatible("KEY_AGREEMENT", "RSA_2048").message(),
        "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048"
    );
    assert_eq!(
        KmsError::key_spec_or_number_of_bytes().message(),
        "Please specify either number of bytes or key spec."
    );
    for err in [
        KmsError::number_of_bytes_required(),
        KmsError::alias_prefix_required(),
        KmsError::key_usage_required(),
        KmsError::key_spec_or_number_of_bytes(),
    ] {
        assert_eq!(err.type_name(), "ValidationException");
    }
}

#[test]
fn tag_errors_match_recorded_texts() {
    for (err, text) in [
        (KmsError::duplicate_tag_keys(), "Duplicate tag keys"),
        (KmsError::too_many_tags(), "Too many tags"),
        (
            KmsError::reserved_tag_key(),
            "Tags beginning with aws: are reserved",
        ),
    ] {
        assert_eq!(err.type_name(), "TagException");
        assert_eq!(err.message(), text);
    }
}

#[test]
fn display_shows_type_and_message() {
    assert_eq!(
        KmsError::invalid_key_id("x").to_string(),
        "NotFoundException: Invalid keyId 'x'"
    );
    assert_eq!(
        KmsError::unknown_operation("TrentService.Nope").to_string(),
        "UnknownOperationException: TrentService.Nope is not an operation of AWS KMS (TrentService)"
    );
}
