//! GetKeyLastUsage in process: a use is answered at once from memory, survives a reload once the
//! housekeeping flush persisted it, and AWS's key and policy checks apply.

use serde_json::json;

use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

#[tokio::test]
async fn an_unused_key_answers_an_empty_last_usage_tracked_since_its_creation() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    let (status, answer) = call(&svc, ADMIN, "GetKeyLastUsage", json!({ "KeyId": key })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["KeyId"], json!(key));
    assert_eq!(answer["KeyLastUsage"], json!({}));
    assert_eq!(answer["TrackingStartDate"], answer["KeyCreationDate"]);
}

#[tokio::test]
async fn a_decrypt_is_the_last_use_at_once_and_after_a_flush_and_reload() {
    let (svc, clock, parent) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    let (_, encrypted) = call(
        &svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "AQID"}),
    )
    .await;
    clock.advance_ms(5_000);
    let (status, _) = call(
        &svc,
        ADMIN,
        "Decrypt",
        json!({"CiphertextBlob": encrypted["CiphertextBlob"]}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, answer) = call(&svc, ADMIN, "GetKeyLastUsage", json!({ "KeyId": key })).await;
    assert_eq!(answer["KeyLastUsage"]["Operation"], "Decrypt");
    assert!(answer["KeyLastUsage"]["KmsRequestId"].is_string());
    assert!(answer["KeyLastUsage"].get("CloudTrailEventId").is_none());
    let used_at = answer["KeyLastUsage"]["Timestamp"].clone();

    assert_eq!(crate::key_usage_flush::flush(&svc).await, 1);
    assert_eq!(
        crate::key_usage_flush::flush(&svc).await,
        0,
        "nothing new to write"
    );
    let reloaded = test_support::replica(parent).await;
    let (_, after) = call(&reloaded, ADMIN, "GetKeyLastUsage", json!({ "KeyId": key })).await;
    assert_eq!(after["KeyLastUsage"]["Operation"], "Decrypt");
    assert_eq!(after["KeyLastUsage"]["Timestamp"], used_at);
    assert_eq!(after["TrackingStartDate"], answer["TrackingStartDate"]);
}

#[tokio::test]
async fn operations_that_are_not_cryptographic_are_not_uses() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    for (op, body) in [
        ("DescribeKey", json!({ "KeyId": key })),
        ("GetKeyPolicy", json!({ "KeyId": key })),
        ("DisableKey", json!({ "KeyId": key })),
    ] {
        let (status, answer) = call(&svc, ADMIN, op, body).await;
        assert_eq!(status, 200, "{op}: {answer}");
    }
    let (_, answer) = call(&svc, ADMIN, "GetKeyLastUsage", json!({ "KeyId": key })).await;
    assert_eq!(
        answer["KeyLastUsage"],
        json!({}),
        "a disabled key still answers"
    );
}

#[tokio::test]
async fn an_alias_is_refused_and_the_policy_action_is_kms_get_key_last_usage() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({ "Policy": DENIES_ALICE })).await;
    let (status, _) = call(
        &svc,
        ADMIN,
        "CreateAlias",
        json!({"AliasName": "alias/used", "TargetKeyId": key}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &svc,
        ADMIN,
        "GetKeyLastUsage",
        json!({"KeyId": "alias/used"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["__type"], "NotFoundException");
    let (status, answer) = call(&svc, ALICE, "GetKeyLastUsage", json!({ "KeyId": key })).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["__type"], "AccessDeniedException");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("kms:GetKeyLastUsage"),
        "{answer}"
    );
}
