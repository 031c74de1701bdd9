#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Key rotation on a leader and a read replica (issue 18): EnableKeyRotation and
//! RotateKeyOnDemand are writes, so the replica forwards them to the leader; the new material and
//! the schedule are replicated, so a ciphertext made before the rotation and one made after both
//! decrypt on either enclave, and GetKeyRotationStatus and ListKeyRotations are reads the replica
//! answers itself.

use nitro_kms_tests::proxy::HttpResponse;
use nitro_kms_tests::replica_pair::ReplicaPair;
use serde_json::{Value, json};

#[track_caller]
fn ok(r: &HttpResponse) -> Value {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

#[tokio::test]
async fn rotations_through_the_replica_are_forwarded_and_seen_on_both_enclaves() {
    let pair = ReplicaPair::start().await;
    let created = ok(&pair.kms(&pair.leader_http, "CreateKey", json!({})).await);
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let encrypt = json!({"KeyId": key, "Plaintext": "aGk="});
    let before = ok(&pair
        .kms(&pair.leader_http, "Encrypt", encrypt.clone())
        .await);
    let enable = json!({"KeyId": key, "RotationPeriodInDays": 120});
    let enabled = pair
        .kms(&pair.replica_http, "EnableKeyRotation", enable)
        .await;
    assert_eq!(ok(&enabled), Value::Null);
    let rotated = pair
        .kms(
            &pair.replica_http,
            "RotateKeyOnDemand",
            json!({ "KeyId": key }),
        )
        .await;
    assert_eq!(ok(&rotated)["KeyId"], key.as_str());
    assert_eq!(pair.forwards().len(), 2, "the writes went to the leader");
    let after = ok(&pair.kms(&pair.leader_http, "Encrypt", encrypt).await);
    for endpoint in [&pair.replica_http, &pair.leader_http] {
        let status = ok(&pair
            .kms(endpoint, "GetKeyRotationStatus", json!({ "KeyId": key }))
            .await);
        assert_eq!(status["RotationPeriodInDays"], 120);
        let listed = ok(&pair
            .kms(endpoint, "ListKeyRotations", json!({ "KeyId": key }))
            .await);
        assert_eq!(listed["Rotations"].as_array().unwrap().len(), 1);
        for blob in [&before, &after] {
            let body = json!({ "CiphertextBlob": blob["CiphertextBlob"] });
            let opened = ok(&pair.kms(endpoint, "Decrypt", body).await);
            assert_eq!(opened["Plaintext"], "aGk=");
        }
    }
    // Encrypt went to the leader directly; everything else read here was answered locally.
    assert_eq!(pair.forwards().len(), 2, "the reads were answered locally");
}
