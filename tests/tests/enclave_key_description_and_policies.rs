#![allow(clippy::unwrap_used, clippy::expect_used)]
//! UpdateKeyDescription, ListKeyPolicies and GetKeyPolicy's `PolicyName` against the real
//! simulated enclave (issue 18): the happy paths, every error row of the model that applies to
//! them (exact HTTP status, `__type` and message), the policy actions `kms:UpdateKeyDescription`
//! and `kms:ListKeyPolicies`, and the description surviving a kill and restart (sealed state).
//!
//! Sources: the model (`kms-service-2.json`: members, constraints, errors per operation; no output
//! shape for UpdateKeyDescription, so an empty 200 as for EnableKey), AWS's API reference for
//! these operations ("Specify the key ID or key ARN"; ListKeyPolicies: the valid names are
//! `default` and `AWS_RAM`; GetKeyPolicy: a key without an `AWS_RAM` policy is
//! `NotFoundException`), the recorded messages in `aws-kms-real-errors.txt` (`Key '<arn>' does
//! not exist`, `Invalid keyId`, `<arn> is pending deletion.`, the AccessDenied form) and AWS's key
//! state table (UpdateKeyDescription refuses PendingDeletion; ListKeyPolicies does not).

use nitro_kms_tests::enclave::{ALICE, Dirs, Enclave, key_arn};
use serde_json::{Value, json};

async fn start(d: &Dirs) -> Enclave {
    Enclave::start(&d.world, &d.parent, &[]).await
}

async fn description(enclave: &Enclave, key: &str) -> Value {
    enclave
        .call("DescribeKey", &json!({ "KeyId": key }))
        .await
        .ok()["KeyMetadata"]["Description"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_key_description_answers_an_empty_200_and_the_description_survives_a_restart() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let key = enclave.create_key().await;
    let reply = enclave
        .call(
            "UpdateKeyDescription",
            &json!({"KeyId": key, "Description": "payments, rotated 2026"}),
        )
        .await;
    assert_eq!((reply.status, &reply.body), (200, &Value::Null));
    assert_eq!(description(&enclave, &key).await, "payments, rotated 2026");
    // By key ARN, and the longest description the model allows (8192).
    let long = "d".repeat(8192);
    enclave
        .call(
            "UpdateKeyDescription",
            &json!({"KeyId": key_arn(&key), "Description": long}),
        )
        .await
        .ok();
    enclave.kill().await;
    let enclave = start(&d).await;
    assert_eq!(description(&enclave, &key).await, Value::from(long));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_key_description_errors_are_aws_s() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let key = enclave.create_key().await;
    let missing = "11111111-2222-3333-4444-555555555555";
    let cases = [
        // Model: Description is required; DescriptionType max 8192.
        (
            json!({ "KeyId": key }),
            "ValidationException",
            "1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null".to_owned(),
        ),
        (
            json!({"KeyId": key, "Description": "d".repeat(8193)}),
            "ValidationException",
            format!("1 validation error detected: Value '{}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192", "d".repeat(8193)),
        ),
        // Recorded: a key that does not exist is named by its full ARN.
        (
            json!({"KeyId": missing, "Description": "x"}),
            "NotFoundException",
            format!("Key '{}' does not exist", key_arn(missing)),
        ),
        // API reference: key ID or key ARN only; an alias is refused as by EnableKey.
        (
            json!({"KeyId": "alias/some", "Description": "x"}),
            "NotFoundException",
            "Invalid keyId 'alias/some'".to_owned(),
        ),
        (
            json!({"KeyId": format!("arn:aws:kms:eu-west-1:111122223333:key/{key}"), "Description": "x"}),
            "NotFoundException",
            "Invalid arn eu-west-1".to_owned(),
        ),
    ];
    for (body, error_type, message) in cases {
        enclave
            .call("UpdateKeyDescription", &body)
            .await
            .assert_error(400, error_type, &message);
    }
    // Key state table: PendingDeletion is KMSInvalidStateException.
    enclave
        .call("ScheduleKeyDeletion", &json!({ "KeyId": key }))
        .await
        .ok();
    enclave
        .call(
            "UpdateKeyDescription",
            &json!({"KeyId": key, "Description": "x"}),
        )
        .await
        .assert_error(
            400,
            "KMSInvalidStateException",
            &format!("{} is pending deletion.", key_arn(&key)),
        );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_key_policies_names_default_and_get_key_policy_refuses_aws_ram() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let key = enclave.create_key().await;
    for body in [
        json!({ "KeyId": key }),
        json!({"KeyId": key_arn(&key), "Limit": 1}),
        json!({"KeyId": key, "Limit": 1000}),
    ] {
        assert_eq!(
            enclave.call("ListKeyPolicies", &body).await.ok(),
            &json!({"PolicyNames": ["default"], "Truncated": false})
        );
    }
    let missing = "11111111-2222-3333-4444-555555555555";
    enclave
        .call("ListKeyPolicies", &json!({ "KeyId": missing }))
        .await
        .assert_error(
            400,
            "NotFoundException",
            &format!("Key '{}' does not exist", key_arn(missing)),
        );
    // Model: LimitType 1..=1000.
    enclave
        .call("ListKeyPolicies", &json!({"KeyId": key, "Limit": 0}))
        .await
        .assert_error(
            400,
            "ValidationException",
            "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
        );
    // GetKeyPolicy with PolicyName: `default` answers the policy and its name; AWS_RAM is a valid
    // name that this key has no policy for (NotFoundException, per the model's documentation).
    let got = enclave
        .call(
            "GetKeyPolicy",
            &json!({"KeyId": key, "PolicyName": "default"}),
        )
        .await;
    assert_eq!(got.ok()["PolicyName"], "default");
    enclave
        .call(
            "GetKeyPolicy",
            &json!({"KeyId": key, "PolicyName": "AWS_RAM"}),
        )
        .await
        .assert_error(400, "NotFoundException", "No such policy exists: AWS_RAM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_policy_that_denies_the_actions_is_access_denied_for_them() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let key = enclave.create_key().await;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "NoMeta", "Effect": "Deny", "Principal": {"AWS": ALICE},
             "Action": ["kms:UpdateKeyDescription", "kms:ListKeyPolicies"], "Resource": "*"}
        ]
    })
    .to_string();
    enclave
        .call(
            "PutKeyPolicy",
            &json!({"KeyId": key, "PolicyName": "default", "Policy": policy}),
        )
        .await
        .ok();
    let arn = key_arn(&key);
    for (op, body) in [
        (
            "UpdateKeyDescription",
            json!({"KeyId": key, "Description": "x"}),
        ),
        ("ListKeyPolicies", json!({ "KeyId": key })),
    ] {
        enclave.call(op, &body).await.assert_error(
            400,
            "AccessDeniedException",
            &format!("User: {ALICE} is not authorized to perform: kms:{op} on resource: {arn} with an explicit deny in a resource-based policy"),
        );
    }
    // Only those actions are denied.
    enclave
        .call("GetKeyPolicy", &json!({ "KeyId": key }))
        .await
        .ok();
    assert_eq!(description(&enclave, &key).await, "");
}
