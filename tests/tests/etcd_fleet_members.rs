#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The etcd fleet (issue 19) when etcd members die: with one of three down the service goes on
//! (writes and reads); with two down etcd has no quorum, so writes fail with KMS's retryable 500
//! (`DependencyTimeoutException`, or the follower error from an enclave that no longer leads)
//! while GenerateDataKey and Decrypt go on at every caught-up enclave; with the members back,
//! writes resume.

use std::time::Duration;

use nitro_kms_tests::etcd_fleet::{Fleet, FleetOptions, is_dependency_timeout, is_follower_error};
use serde_json::json;

/// How long a write may be retried while etcd recovers.
const WRITE_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_an_etcd_quorum_and_data_keys_do_not() {
    nitro_kms_tests::etcd_fleet::bounded(scenario()).await;
}

/// The whole scenario, bounded in time by the test above.
async fn scenario() {
    let Some(fleet) = Fleet::start(2, 3, FleetOptions::default()).await else {
        return;
    };
    fleet
        .wait_leader(Duration::from_secs(30))
        .await
        .expect("no leader in the new fleet");
    let key = fleet.create_key("before", WRITE_WITHIN).await;
    assert!(fleet.wait_everywhere(&key, Duration::from_secs(20)).await);
    let blob = fleet
        .call(
            0,
            "Encrypt",
            &json!({"KeyId": key, "Plaintext": "cXVvcnVt"}),
        )
        .await
        .ok()["CiphertextBlob"]
        .clone();

    // One member down: a quorum is left, nothing changes for callers.
    fleet.stop_member(0).await;
    let second = fleet.create_key("one member down", WRITE_WITHIN).await;
    assert!(
        fleet
            .wait_everywhere(&second, Duration::from_secs(20))
            .await,
        "a follower did not apply a write made with one etcd member down"
    );

    // Two down: no quorum. Every write fails, retryably, with a 500.
    fleet.stop_member(1).await;
    for i in fleet.running() {
        let refused = fleet
            .call(
                i,
                "TagResource",
                &json!({"KeyId": key, "Tags": [{"TagKey": "quorum", "TagValue": "none"}]}),
            )
            .await;
        assert!(
            is_dependency_timeout(&refused) || is_follower_error(&refused),
            "a write to enclave {i} without an etcd quorum: {} {}",
            refused.status,
            refused.body
        );
    }
    // Data keys need no write: every caught-up enclave serves them.
    for i in fleet.running() {
        let generated = fleet
            .call(
                i,
                "GenerateDataKey",
                &json!({"KeyId": second, "KeySpec": "AES_256"}),
            )
            .await;
        let plaintext = generated.ok()["Plaintext"].clone();
        let decrypted = fleet
            .call(
                i,
                "Decrypt",
                &json!({"CiphertextBlob": generated.ok()["CiphertextBlob"]}),
            )
            .await;
        assert_eq!(decrypted.ok()["Plaintext"], plaintext, "enclave {i}");
        let decrypted = fleet
            .call(i, "Decrypt", &json!({"CiphertextBlob": blob}))
            .await;
        assert_eq!(decrypted.ok()["Plaintext"], "cXVvcnVt", "enclave {i}");
    }

    // The members come back: writes resume (through whoever leads by then).
    fleet.start_member(0).await;
    fleet.start_member(1).await;
    let third = fleet.create_key("quorum back", WRITE_WITHIN).await;
    assert!(
        fleet.wait_everywhere(&third, Duration::from_secs(20)).await,
        "a follower did not apply a write made after the quorum came back"
    );
    for i in fleet.running() {
        let mut keys = fleet.key_ids(i).await;
        keys.sort();
        for k in [&key, &second, &third] {
            assert!(keys.contains(k), "enclave {i} lost {k}");
        }
    }
}
