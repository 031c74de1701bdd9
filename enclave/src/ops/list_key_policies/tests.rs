//! ListKeyPolicies in process: the one name `default`, for a key in any state; the policy action
//! `kms:ListKeyPolicies`; a missing key.

use serde_json::json;

use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

#[tokio::test]
async fn a_key_has_the_one_policy_named_default_even_pending_deletion() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    let expected = json!({"PolicyNames": ["default"], "Truncated": false});
    let (status, answer) = call(&svc, ADMIN, "ListKeyPolicies", json!({ "KeyId": key })).await;
    assert_eq!((status, &answer), (200, &expected));
    let (status, _) = call(&svc, ADMIN, "ScheduleKeyDeletion", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &svc,
        ADMIN,
        "ListKeyPolicies",
        json!({"KeyId": key, "Limit": 1}),
    )
    .await;
    assert_eq!((status, &answer), (200, &expected));
}

#[tokio::test]
async fn a_denying_policy_is_access_denied_naming_the_action() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({ "Policy": DENIES_ALICE })).await;
    let (status, answer) = call(&svc, ALICE, "ListKeyPolicies", json!({ "KeyId": key })).await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "AccessDeniedException");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("kms:ListKeyPolicies"), "{message}");
}

#[tokio::test]
async fn a_missing_key_is_not_found_with_its_arn() {
    let (svc, _, _) = test_support::service().await;
    let missing = "11111111-2222-3333-4444-555555555555";
    let (status, answer) = call(&svc, ADMIN, "ListKeyPolicies", json!({ "KeyId": missing })).await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "NotFoundException");
    assert_eq!(
        answer["message"],
        format!("Key 'arn:aws:kms:us-east-1:111122223333:key/{missing}' does not exist")
    );
}
