//! UpdateKeyDescription in process: the description changes, is sealed (a reload of the parent's
//! files sees it, as a restart or a read replica does), and AWS's checks come in AWS's order.

use serde_json::json;

use crate::test_support::{self, ADMIN, ALICE, DENIES_ALICE, call, create_key};

async fn description(svc: &std::sync::Arc<crate::service::Service>, key: &str) -> String {
    let (status, answer) = call(svc, ADMIN, "DescribeKey", json!({ "KeyId": key })).await;
    assert_eq!(status, 200, "{answer}");
    answer["KeyMetadata"]["Description"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_new_description_is_answered_with_an_empty_body_and_sealed_for_a_reload() {
    let (svc, _, parent) = test_support::service().await;
    let key = create_key(&svc, json!({"Description": "before"})).await;
    let reply = svc
        .handle(
            "UpdateKeyDescription",
            ADMIN,
            json!({"KeyId": key, "Description": "after"})
                .to_string()
                .as_bytes(),
        )
        .await;
    // Model: UpdateKeyDescription has no output shape; AWS answers 200 with an empty body, as
    // for EnableKey.
    assert_eq!(
        (reply.status.code(), reply.body.as_slice()),
        (200, &b""[..])
    );
    assert_eq!(description(&svc, &key).await, "after");
    let reloaded = test_support::replica(parent).await;
    assert_eq!(description(&reloaded, &key).await, "after");
}

#[tokio::test]
async fn an_empty_description_clears_it() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Description": "before"})).await;
    let (status, _) = call(
        &svc,
        ADMIN,
        "UpdateKeyDescription",
        json!({"KeyId": key, "Description": ""}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(description(&svc, &key).await, "");
}

#[tokio::test]
async fn a_key_pending_deletion_is_invalid_state_and_keeps_its_description() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({"Description": "kept"})).await;
    let (status, _) = call(&svc, ADMIN, "ScheduleKeyDeletion", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
    let (status, answer) = call(
        &svc,
        ADMIN,
        "UpdateKeyDescription",
        json!({"KeyId": key, "Description": "new"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "KMSInvalidStateException");
    assert_eq!(
        answer["message"],
        format!("arn:aws:kms:us-east-1:111122223333:key/{key} is pending deletion.")
    );
    assert_eq!(description(&svc, &key).await, "kept");
}

#[tokio::test]
async fn a_disabled_key_takes_a_new_description() {
    // AWS's key state table: UpdateKeyDescription works on Disabled keys.
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    assert_eq!(
        call(&svc, ADMIN, "DisableKey", json!({ "KeyId": key }))
            .await
            .0,
        200
    );
    let (status, _) = call(
        &svc,
        ADMIN,
        "UpdateKeyDescription",
        json!({"KeyId": key, "Description": "off"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(description(&svc, &key).await, "off");
}

#[tokio::test]
async fn a_denying_policy_is_access_denied_naming_the_action() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({ "Policy": DENIES_ALICE })).await;
    let (status, answer) = call(
        &svc,
        ALICE,
        "UpdateKeyDescription",
        json!({"KeyId": key, "Description": "x"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "AccessDeniedException");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("kms:UpdateKeyDescription"), "{message}");
}

#[tokio::test]
async fn an_alias_is_refused_as_for_other_key_management_operations() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    call(
        &svc,
        ADMIN,
        "CreateAlias",
        json!({"AliasName": "alias/d", "TargetKeyId": key}),
    )
    .await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "UpdateKeyDescription",
        json!({"KeyId": "alias/d", "Description": "x"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["__type"], "NotFoundException");
    assert_eq!(answer["message"], "Invalid keyId 'alias/d'");
}
