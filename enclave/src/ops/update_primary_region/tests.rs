//! UpdatePrimaryRegion in process: the replica becomes PRIMARY and the old primary a REPLICA in
//! every region's DescribeKey; AWS's error rows.

use serde_json::json;

use crate::test_support::{self, ADMIN, call, create_key};

#[tokio::test]
async fn the_replica_becomes_primary_and_the_old_primary_a_replica_everywhere() {
    let (svc, _clock, _parent) = test_support::service().await;
    let key = create_key(&svc, json!({"MultiRegion": true})).await;
    for region in ["eu-west-1", "ap-south-1"] {
        let (status, answer) = call(
            &svc,
            ADMIN,
            "ReplicateKey",
            json!({"KeyId": key, "ReplicaRegion": region}),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    let (status, answer) = call(
        &svc,
        ADMIN,
        "UpdatePrimaryRegion",
        json!({"KeyId": key, "PrimaryRegion": "eu-west-1"}),
    )
    .await;
    assert_eq!((status, answer), (200, serde_json::Value::Null));
    for (region, kind) in [
        ("us-east-1", "REPLICA"),
        ("eu-west-1", "PRIMARY"),
        ("ap-south-1", "REPLICA"),
    ] {
        let ctx = svc.in_region(region).unwrap();
        let (_, described) = call(&ctx, ADMIN, "DescribeKey", json!({ "KeyId": key })).await;
        let config = &described["KeyMetadata"]["MultiRegionConfiguration"];
        assert_eq!(config["MultiRegionKeyType"], kind, "{region}");
        assert_eq!(config["PrimaryKey"]["Region"], "eu-west-1");
        let replicas: Vec<&str> = config["ReplicaKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Region"].as_str().unwrap())
            .collect();
        assert_eq!(replicas, ["ap-south-1", "us-east-1"], "{region}");
    }
    // The old primary is a replica now: it can no longer move the primary.
    let (status, answer) = call(
        &svc,
        ADMIN,
        "UpdatePrimaryRegion",
        json!({"KeyId": key, "PrimaryRegion": "ap-south-1"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "UnsupportedOperationException");
    // A region without a replica.
    let west = svc.in_region("eu-west-1").unwrap();
    let (status, answer) = call(
        &west,
        ADMIN,
        "UpdatePrimaryRegion",
        json!({"KeyId": key, "PrimaryRegion": "us-west-2"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "NotFoundException");
    assert_eq!(
        answer["message"],
        format!("Key 'arn:aws:kms:us-west-2:111122223333:key/{key}' does not exist")
    );
}
