use super::*;
use crate::{KmsErrorType, KmsRequest, Operation};

#[test]
fn tracked_operations_are_the_models_enum() {
    let model: serde_json::Value = serde_json::from_str(crate::SERVICE_MODEL).unwrap();
    let values: Vec<&str> = model["shapes"]["KeyLastUsageTrackingOperation"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(values, TRACKED_OPERATIONS);
}

#[test]
fn a_missing_key_id_is_refused_as_aws_does() {
    let err = KmsRequest::parse(Operation::GetKeyLastUsage, b"{}").unwrap_err();
    assert_eq!(err.kind(), KmsErrorType::Validation);
}

#[test]
fn an_unused_key_answers_an_empty_key_last_usage_object() {
    let answer = GetKeyLastUsageResponse {
        key_creation_date: Some(Timestamp::from_epoch_seconds(1_700_000_000)),
        key_id: Some("k".into()),
        key_last_usage: Some(KeyLastUsageData::default()),
        tracking_start_date: Some(Timestamp::from_epoch_seconds(1_700_000_000)),
    };
    let text = serde_json::to_string(&answer).unwrap();
    assert_eq!(
        text,
        r#"{"KeyCreationDate":1.7E9,"KeyId":"k","KeyLastUsage":{},"TrackingStartDate":1.7E9}"#
    );
    let back: GetKeyLastUsageResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(back, answer);
}
