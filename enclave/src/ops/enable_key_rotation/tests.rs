//! EnableKeyRotation, DisableKeyRotation and GetKeyRotationStatus in process, and the automatic
//! schedule with the injected clock. Sources: the model (kms-service-2.json) for members, ranges
//! and errors; EnableKeyRotation's documentation for the 365-day default.

use serde_json::json;

use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

const DAY_MS: u64 = 86_400_000;

#[tokio::test]
async fn enabling_with_period_90_rotates_once_after_90_days_and_moves_the_next_date() {
    let (svc, clock, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    let start_s = clock.0.load(std::sync::atomic::Ordering::SeqCst) / 1000;
    let (status, body) = call(
        &svc,
        ADMIN,
        "EnableKeyRotation",
        json!({"KeyId": key, "RotationPeriodInDays": 90}),
    )
    .await;
    assert_eq!((status, body), (200, serde_json::Value::Null));
    let (_, status) = call(&svc, ADMIN, "GetKeyRotationStatus", json!({ "KeyId": key })).await;
    assert_eq!(status["KeyRotationEnabled"], true);
    assert_eq!(status["RotationPeriodInDays"], 90);
    assert_eq!(status["KeyId"], key.as_str());
    let first_due = status["NextRotationDate"].as_f64().unwrap();
    assert_eq!(first_due as u64, start_s + 90 * 86_400);
    assert!(status.get("OnDemandRotationStartDate").is_none());

    // Not due yet: nothing rotates.
    clock.advance_ms(89 * DAY_MS);
    assert_eq!(crate::rotation_schedule::rotate_due(&svc).await, 0);
    clock.advance_ms(DAY_MS);
    assert_eq!(crate::rotation_schedule::rotate_due(&svc).await, 1);
    assert_eq!(crate::rotation_schedule::rotate_due(&svc).await, 0);

    let (_, list) = call(&svc, ADMIN, "ListKeyRotations", json!({ "KeyId": key })).await;
    let rotations = list["Rotations"].as_array().unwrap();
    assert_eq!(rotations.len(), 1, "{list}");
    assert_eq!(rotations[0]["RotationType"], "AUTOMATIC");
    assert_eq!(rotations[0]["KeyMaterialState"], "CURRENT");
    let (_, status) = call(&svc, ADMIN, "GetKeyRotationStatus", json!({ "KeyId": key })).await;
    assert_eq!(
        status["NextRotationDate"].as_f64().unwrap() as u64,
        start_s + 180 * 86_400
    );
}

#[tokio::test]
async fn a_due_rotation_happens_when_the_status_is_read_on_the_leader() {
    let (svc, clock, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    call(&svc, ADMIN, "EnableKeyRotation", json!({ "KeyId": key })).await;
    // Default period: 365 days (EnableKeyRotation's documentation).
    clock.advance_ms(365 * DAY_MS);
    let (_, status) = call(&svc, ADMIN, "GetKeyRotationStatus", json!({ "KeyId": key })).await;
    assert_eq!(status["RotationPeriodInDays"], 365);
    let (_, list) = call(&svc, ADMIN, "ListKeyRotations", json!({ "KeyId": key })).await;
    assert_eq!(list["Rotations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn disabling_answers_only_that_rotation_is_off_and_stops_the_schedule() {
    let (svc, clock, parent) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    call(&svc, ADMIN, "EnableKeyRotation", json!({ "KeyId": key })).await;
    let (status, _) = call(&svc, ADMIN, "DisableKeyRotation", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
    let (_, status) = call(&svc, ADMIN, "GetKeyRotationStatus", json!({ "KeyId": key })).await;
    assert_eq!(status, json!({"KeyId": key, "KeyRotationEnabled": false}));
    clock.advance_ms(400 * DAY_MS);
    assert_eq!(crate::rotation_schedule::rotate_due(&svc).await, 0);
    // Sealed: a reload (a restart or a read replica) sees the same.
    let reloaded = test_support::replica(parent).await;
    let (_, status) = call(
        &reloaded,
        ADMIN,
        "GetKeyRotationStatus",
        json!({ "KeyId": key }),
    )
    .await;
    assert_eq!(status["KeyRotationEnabled"], false);
}

#[tokio::test]
async fn a_period_outside_90_to_2560_is_a_validation_error() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "EnableKeyRotation",
        json!({"KeyId": key, "RotationPeriodInDays": 2561}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "ValidationException");
}

#[tokio::test]
async fn keys_that_are_not_symmetric_encryption_keys_are_unsupported_with_an_empty_message() {
    // aws-kms-real-errors.txt: test_rotate_key_on_demand_raises_error_given_non_symmetric_key.
    let (svc, _, _) = test_support::service().await;
    let key = create_key(
        &svc,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    )
    .await;
    for op in [
        "EnableKeyRotation",
        "DisableKeyRotation",
        "GetKeyRotationStatus",
        "RotateKeyOnDemand",
        "ListKeyRotations",
    ] {
        let (status, answer) = call(&svc, ADMIN, op, json!({ "KeyId": key })).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "UnsupportedOperationException", "{op}");
        // An empty message is left out of the body, as for InvalidCiphertextException.
        assert!(answer.get("message").is_none(), "{op}: {answer}");
    }
}

#[tokio::test]
async fn a_disabled_key_is_disabled_exception_but_its_status_is_readable() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    call(&svc, ADMIN, "DisableKey", json!({ "KeyId": key })).await;
    let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{key}");
    for op in [
        "EnableKeyRotation",
        "DisableKeyRotation",
        "RotateKeyOnDemand",
    ] {
        let (status, answer) = call(&svc, ADMIN, op, json!({ "KeyId": key })).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "DisabledException", "{op}");
        assert_eq!(answer["message"], format!("{arn} is disabled."), "{op}");
    }
    let (status, _) = call(&svc, ADMIN, "GetKeyRotationStatus", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_key_pending_deletion_is_invalid_state() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    call(&svc, ADMIN, "ScheduleKeyDeletion", json!({ "KeyId": key })).await;
    let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{key}");
    for op in [
        "EnableKeyRotation",
        "GetKeyRotationStatus",
        "RotateKeyOnDemand",
        "ListKeyRotations",
    ] {
        let (status, answer) = call(&svc, ADMIN, op, json!({ "KeyId": key })).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "KMSInvalidStateException", "{op}");
        assert_eq!(
            answer["message"],
            format!("{arn} is pending deletion."),
            "{op}"
        );
    }
}

#[tokio::test]
async fn a_denying_policy_is_access_denied_naming_the_action() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({ "Policy": DENIES_ALICE })).await;
    for op in [
        "EnableKeyRotation",
        "DisableKeyRotation",
        "GetKeyRotationStatus",
        "RotateKeyOnDemand",
        "ListKeyRotations",
    ] {
        let (status, answer) = call(&svc, ALICE, op, json!({ "KeyId": key })).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "AccessDeniedException", "{op}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(&format!("kms:{op}")), "{message}");
    }
}
