//! ReplicateKey in process: the replica shares id and material (ciphertexts cross regions both
//! ways), DescribeKey shows the full configuration in every region, and AWS's error rows.

use serde_json::{Value, json};

use crate::test_support::{self, ADMIN, call, create_key, replicated_to_west};

const ACCOUNT: &str = "111122223333";

fn arn(region: &str, key: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{key}")
}

async fn configuration(svc: &std::sync::Arc<crate::service::Service>, key: &str) -> Value {
    let (status, described) = call(svc, ADMIN, "DescribeKey", json!({ "KeyId": key })).await;
    assert_eq!(status, 200, "{described}");
    described["KeyMetadata"]["MultiRegionConfiguration"].clone()
}

#[tokio::test]
async fn a_replica_shares_id_and_material_and_every_region_describes_the_full_configuration() {
    let (svc, _clock, parent) = test_support::service().await;
    let key = create_key(&svc, json!({"MultiRegion": true})).await;
    let (status, answer) = call(
        &svc,
        ADMIN,
        "ReplicateKey",
        json!({"KeyId": key, "ReplicaRegion": "eu-west-1", "Description": "west copy",
               "Tags": [{"TagKey": "team", "TagValue": "core"}]}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let metadata = &answer["ReplicaKeyMetadata"];
    assert_eq!(metadata["Arn"], arn("eu-west-1", &key).as_str());
    assert_eq!(metadata["Description"], "west copy");
    assert_eq!(metadata["KeyState"], "Enabled");
    assert_eq!(
        metadata["MultiRegionConfiguration"]["MultiRegionKeyType"],
        "REPLICA"
    );
    assert_eq!(
        answer["ReplicaTags"],
        json!([{"TagKey": "team", "TagValue": "core"}])
    );
    assert!(answer["ReplicaPolicy"].as_str().unwrap().contains(ACCOUNT));

    let west = svc.in_region("eu-west-1").unwrap();
    let expected = |kind: &str| {
        json!({
            "MultiRegionKeyType": kind,
            "PrimaryKey": {"Arn": arn("us-east-1", &key), "Region": "us-east-1"},
            "ReplicaKeys": [{"Arn": arn("eu-west-1", &key), "Region": "eu-west-1"}],
        })
    };
    assert_eq!(configuration(&svc, &key).await, expected("PRIMARY"));
    assert_eq!(configuration(&west, &key).await, expected("REPLICA"));

    // A ciphertext of either region's copy decrypts with the other.
    for (from, to) in [(&svc, &west), (&west, &svc)] {
        let (status, sealed) = call(
            from,
            ADMIN,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": "aGk="}),
        )
        .await;
        assert_eq!(status, 200, "{sealed}");
        let (status, opened) = call(
            to,
            ADMIN,
            "Decrypt",
            json!({"CiphertextBlob": sealed["CiphertextBlob"]}),
        )
        .await;
        assert_eq!(status, 200, "{opened}");
        assert_eq!(opened["Plaintext"], "aGk=");
    }

    // The configuration is sealed state: a restart sees it in both regions.
    let restarted = test_support::replica(parent).await;
    assert_eq!(configuration(&restarted, &key).await, expected("PRIMARY"));
    let west_again = restarted.in_region("eu-west-1").unwrap();
    assert_eq!(configuration(&west_again, &key).await, expected("REPLICA"));
}

async fn replicate_error(
    svc: &std::sync::Arc<crate::service::Service>,
    body: Value,
) -> (String, String) {
    let (status, answer) = call(svc, ADMIN, "ReplicateKey", body).await;
    assert_eq!(status, 400, "{answer}");
    (
        answer["__type"].as_str().unwrap().to_owned(),
        answer["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn replicate_key_answers_aws_errors_for_keys_and_regions_it_cannot_replicate() {
    let (svc, _clock, _parent) = test_support::service().await;
    let single = create_key(&svc, json!({})).await;
    let (kind, message) =
        replicate_error(&svc, json!({"KeyId": single, "ReplicaRegion": "eu-west-1"})).await;
    assert_eq!(kind, "UnsupportedOperationException");
    assert_eq!(
        message,
        format!(
            "{} is not a multi-region primary key.",
            arn("us-east-1", &single)
        )
    );

    let key = create_key(&svc, json!({"MultiRegion": true})).await;
    let (kind, _) =
        replicate_error(&svc, json!({"KeyId": key, "ReplicaRegion": "us-east-1"})).await;
    assert_eq!(kind, "UnsupportedOperationException");

    let (status, _) = call(
        &svc,
        ADMIN,
        "ReplicateKey",
        json!({"KeyId": key, "ReplicaRegion": "eu-west-1"}),
    )
    .await;
    assert_eq!(status, 200);
    let (kind, message) =
        replicate_error(&svc, json!({"KeyId": key, "ReplicaRegion": "eu-west-1"})).await;
    assert_eq!(kind, "AlreadyExistsException");
    assert!(message.contains(&arn("eu-west-1", &key)), "{message}");

    // Recorded: replicating a replica (aws-kms-real-errors.txt test_replicate_replica_key_should_fail).
    let west = svc.in_region("eu-west-1").unwrap();
    let (kind, message) =
        replicate_error(&west, json!({"KeyId": key, "ReplicaRegion": "us-west-2"})).await;
    assert_eq!(kind, "UnsupportedOperationException");
    assert_eq!(
        message,
        format!(
            "{} is not a multi-region primary key.",
            arn("eu-west-1", &key)
        )
    );

    let (status, _) = call(&svc, ADMIN, "DisableKey", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
    let (kind, _) =
        replicate_error(&svc, json!({"KeyId": key, "ReplicaRegion": "us-west-2"})).await;
    assert_eq!(kind, "DisabledException");
}

#[tokio::test]
async fn rotations_of_the_primary_reach_every_replica_and_replicas_refuse_them() {
    let (svc, clock, _parent) = test_support::service().await;
    let key = replicated_to_west(&svc).await;
    let west = svc.in_region("eu-west-1").unwrap();
    let decrypts_in_west = |blob: Value| {
        let west = west.clone();
        async move {
            let (status, opened) =
                call(&west, ADMIN, "Decrypt", json!({ "CiphertextBlob": blob })).await;
            assert_eq!(status, 200, "{opened}");
            assert_eq!(opened["Plaintext"], "aGk=");
        }
    };
    let encrypt = || async {
        let (_, sealed) = call(
            &svc,
            ADMIN,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": "aGk="}),
        )
        .await;
        sealed["CiphertextBlob"].clone()
    };

    let (status, _) = call(&svc, ADMIN, "RotateKeyOnDemand", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
    decrypts_in_west(encrypt().await).await;

    for op in [
        "RotateKeyOnDemand",
        "EnableKeyRotation",
        "DisableKeyRotation",
    ] {
        let (status, answer) = call(&west, ADMIN, op, json!({ "KeyId": key })).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(answer["__type"], "UnsupportedOperationException", "{op}");
        assert_eq!(
            answer["message"],
            format!(
                "{} is not a multi-region primary key.",
                arn("eu-west-1", &key)
            )
        );
    }

    let (status, _) = call(
        &svc,
        ADMIN,
        "EnableKeyRotation",
        json!({"KeyId": key, "RotationPeriodInDays": 90}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, status_west) = call(
        &west,
        ADMIN,
        "GetKeyRotationStatus",
        json!({ "KeyId": key }),
    )
    .await;
    assert_eq!(status_west["KeyRotationEnabled"], true);
    assert_eq!(status_west["RotationPeriodInDays"], 90);

    clock.advance_ms(91 * 86_400_000);
    assert_eq!(crate::rotation_schedule::rotate_due(&west).await, 0);
    assert_eq!(crate::rotation_schedule::rotate_due(&svc).await, 1);
    decrypts_in_west(encrypt().await).await;
    let (_, listed) = call(&west, ADMIN, "ListKeyRotations", json!({ "KeyId": key })).await;
    assert_eq!(listed["Rotations"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_deleted_replica_is_forgotten_and_its_primary_then_schedules_plain_deletion() {
    let (svc, clock, _parent) = test_support::service().await;
    let key = replicated_to_west(&svc).await;
    let schedule = json!({"KeyId": key, "PendingWindowInDays": 7});
    let west = svc.in_region("eu-west-1").unwrap();
    let (status, _) = call(&west, ADMIN, "ScheduleKeyDeletion", schedule.clone()).await;
    assert_eq!(status, 200);
    clock.advance_ms(8 * 86_400_000);
    assert_eq!(crate::deletion::sweep(&west).await, 1);
    assert_eq!(configuration(&svc, &key).await["ReplicaKeys"], json!([]));
    let (status, answer) = call(&svc, ADMIN, "ScheduleKeyDeletion", schedule).await;
    assert_eq!(status, 200);
    assert_eq!(answer["KeyState"], "PendingDeletion");
}
