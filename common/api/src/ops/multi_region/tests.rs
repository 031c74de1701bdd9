use super::*;
use crate::json::parse;

#[test]
fn region_pattern_matches_what_its_expression_says() {
    let region = REGION_PATTERN.matches;
    for good in [
        "us-east-1",
        "eu-west-1",
        "us-gov-west-1",
        "us-isob-east-1",
        "ab-cd-12",
    ] {
        assert!(region(good), "{good}");
    }
    for bad in [
        "",
        "us-east",
        "useast-1",
        "US-east-1",
        "us-east-1a",
        "a-b-c-d-1",
        "us--1",
        "-us-east-1",
    ] {
        assert!(!region(bad), "{bad}");
    }
}

#[test]
fn replicate_key_requires_key_id_and_replica_region() {
    // Model: KeyId and ReplicaRegion are the required members of ReplicateKeyRequest.
    let err = parse::<ReplicateKeyRequest>(b"{}").unwrap_err();
    assert_eq!(
        err.message(),
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'replicaRegion' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn replicate_key_refuses_a_region_outside_region_type() {
    let err = parse::<ReplicateKeyRequest>(br#"{"KeyId":"k","ReplicaRegion":"Mars"}"#).unwrap_err();
    assert_eq!(err.type_name(), "ValidationException");
    assert_eq!(
        err.message(),
        r"1 validation error detected: Value 'Mars' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\d+$"
    );
}

#[test]
fn replicate_key_applies_create_keys_tag_rules() {
    let err = parse::<ReplicateKeyRequest>(
        br#"{"KeyId":"k","ReplicaRegion":"eu-west-1","Tags":[{"TagKey":"aws:x","TagValue":"v"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.type_name(), "TagException");
}

#[test]
fn update_primary_region_requires_both_members() {
    let err = parse::<UpdatePrimaryRegionRequest>(b"{}").unwrap_err();
    assert_eq!(
        err.message(),
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'primaryRegion' failed to satisfy constraint: Member must not be null"
    );
    let ok: UpdatePrimaryRegionRequest =
        parse(br#"{"KeyId":"mrk-1","PrimaryRegion":"eu-west-1"}"#).unwrap();
    assert_eq!(ok.primary_region.as_deref(), Some("eu-west-1"));
}
