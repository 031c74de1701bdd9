use super::*;
use crate::json::parse;

#[test]
fn update_key_description_deserializes_a_boto3_body_and_accepts_an_empty_description() {
    let req: UpdateKeyDescriptionRequest =
        parse(br#"{"KeyId":"k","Description":"new text"}"#).unwrap();
    assert_eq!(req.description.as_deref(), Some("new text"));
    let req: UpdateKeyDescriptionRequest = parse(br#"{"KeyId":"k","Description":""}"#).unwrap();
    assert_eq!(req.description.as_deref(), Some(""));
}

#[test]
fn update_key_description_requires_both_members() {
    // Model: both members of UpdateKeyDescriptionRequest are required.
    let err = parse::<UpdateKeyDescriptionRequest>(b"{}").unwrap_err();
    assert_eq!(
        err.message(),
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'description' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn update_key_description_refuses_more_than_8192_characters() {
    // Model: DescriptionType max 8192 (UTF-16 code units, as Java counts).
    let long = "d".repeat(8193);
    let body = serde_json::json!({"KeyId": "k", "Description": long}).to_string();
    let err = parse::<UpdateKeyDescriptionRequest>(body.as_bytes()).unwrap_err();
    assert_eq!(err.type_name(), "ValidationException");
    assert!(
        err.message()
            .ends_with("at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192"),
        "{}",
        err.message()
    );
    let ok = serde_json::json!({"KeyId": "k", "Description": "d".repeat(8192)}).to_string();
    assert!(parse::<UpdateKeyDescriptionRequest>(ok.as_bytes()).is_ok());
}
