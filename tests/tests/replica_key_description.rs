#![allow(clippy::unwrap_used, clippy::expect_used)]
//! UpdateKeyDescription on a leader and a read replica (issue 18): it is a write, so the replica
//! forwards it to the leader, and the new description is visible on both as soon as the client
//! has its answer (the mutation is sealed and replicated like the others). ListKeyPolicies and
//! DescribeCustomKeyStores are reads the replica answers itself.

use nitro_kms_tests::proxy::HttpResponse;
use nitro_kms_tests::replica_pair::ReplicaPair;
use serde_json::{Value, json};

#[track_caller]
fn ok(r: &HttpResponse) -> Value {
    r.ok_json()
}

#[tokio::test]
async fn a_description_updated_through_the_replica_is_seen_on_both_enclaves() {
    let pair = ReplicaPair::start().await;
    let created = ok(&pair
        .kms(
            &pair.leader_http,
            "CreateKey",
            json!({"Description": "before"}),
        )
        .await);
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let update = pair
        .kms(
            &pair.replica_http,
            "UpdateKeyDescription",
            json!({"KeyId": key, "Description": "after"}),
        )
        .await;
    assert_eq!(ok(&update), Value::Null);
    assert_eq!(pair.forwards().len(), 1, "the write went to the leader");
    for endpoint in [&pair.replica_http, &pair.leader_http] {
        let described = ok(&pair
            .kms(endpoint, "DescribeKey", json!({ "KeyId": key }))
            .await);
        assert_eq!(described["KeyMetadata"]["Description"], "after");
        let policies = ok(&pair
            .kms(endpoint, "ListKeyPolicies", json!({ "KeyId": key }))
            .await);
        assert_eq!(policies["PolicyNames"], json!(["default"]));
        let stores = ok(&pair
            .kms(endpoint, "DescribeCustomKeyStores", json!({}))
            .await);
        assert_eq!(stores["CustomKeyStores"], json!([]));
    }
    assert_eq!(pair.forwards().len(), 1, "the reads were answered locally");
}
