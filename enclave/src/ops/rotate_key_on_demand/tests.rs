//! RotateKeyOnDemand and ListKeyRotations in process: new material becomes current, ciphertexts
//! of every earlier material still decrypt, AWS's limit of 25 on-demand rotations
//! (RotateKeyOnDemand's documentation; message from aws-kms-real-errors.txt
//! test_key_rotations_limits), and paging.

use serde_json::json;

use crate::test_support::{self, ADMIN, call, create_key};

async fn encrypt(svc: &std::sync::Arc<crate::service::Service>, key: &str) -> String {
    let (status, answer) = call(
        svc,
        ADMIN,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "aGk="}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer["CiphertextBlob"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn ciphertexts_of_every_earlier_material_decrypt_after_three_rotations() {
    let (svc, _, parent) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    let mut blobs = vec![encrypt(&svc, &key).await];
    for _ in 0..3 {
        let (status, answer) =
            call(&svc, ADMIN, "RotateKeyOnDemand", json!({ "KeyId": key })).await;
        assert_eq!((status, answer), (200, json!({ "KeyId": key })));
        blobs.push(encrypt(&svc, &key).await);
    }
    let (_, list) = call(&svc, ADMIN, "ListKeyRotations", json!({ "KeyId": key })).await;
    let rotations = list["Rotations"].as_array().unwrap().clone();
    assert_eq!(rotations.len(), 3);
    let reloaded = test_support::replica(parent).await;
    let mut material_ids = Vec::new();
    for blob in &blobs {
        for svc in [&svc, &reloaded] {
            let (status, answer) =
                call(svc, ADMIN, "Decrypt", json!({ "CiphertextBlob": blob })).await;
            assert_eq!(status, 200, "{answer}");
            assert_eq!(answer["Plaintext"], "aGk=");
        }
        let (_, answer) = call(&svc, ADMIN, "Decrypt", json!({ "CiphertextBlob": blob })).await;
        material_ids.push(answer["KeyMaterialId"].as_str().unwrap().to_owned());
    }
    // Each rotation's material is the one Encrypt used after it; the last is CURRENT.
    for (i, rotation) in rotations.iter().enumerate() {
        assert_eq!(rotation["KeyMaterialId"], material_ids[i + 1].as_str());
        assert_eq!(rotation["RotationType"], "ON_DEMAND");
        let state = if i == 2 { "CURRENT" } else { "NON_CURRENT" };
        assert_eq!(rotation["KeyMaterialState"], state);
    }
    // DescribeKey's CurrentKeyMaterialId (a KeyMetadata member of the model) follows rotation.
    let (_, described) = call(&svc, ADMIN, "DescribeKey", json!({ "KeyId": key })).await;
    assert_eq!(
        described["KeyMetadata"]["CurrentKeyMaterialId"],
        material_ids[3].as_str()
    );
    // ReEncrypt opens an old blob too and names the material it used.
    let (status, answer) = call(
        &svc,
        ADMIN,
        "ReEncrypt",
        json!({"CiphertextBlob": blobs[0], "DestinationKeyId": key}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["SourceKeyMaterialId"], material_ids[0].as_str());
    assert_eq!(answer["DestinationKeyMaterialId"], material_ids[3].as_str());
    // ALL_KEY_MATERIAL lists the original material first.
    let (_, all) = call(
        &svc,
        ADMIN,
        "ListKeyRotations",
        json!({"KeyId": key, "IncludeKeyMaterial": "ALL_KEY_MATERIAL"}),
    )
    .await;
    let all = all["Rotations"].as_array().unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["KeyMaterialId"], material_ids[0].as_str());
    assert!(all[0].get("RotationDate").is_none());
}

#[tokio::test]
async fn the_twenty_sixth_on_demand_rotation_is_limit_exceeded() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    for _ in 0..25 {
        let (status, _) = call(&svc, ADMIN, "RotateKeyOnDemand", json!({ "KeyId": key })).await;
        assert_eq!(status, 200);
    }
    let (status, answer) = call(&svc, ADMIN, "RotateKeyOnDemand", json!({ "KeyId": key })).await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "LimitExceededException");
    assert_eq!(
        answer["message"],
        format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: arn:aws:kms:us-east-1:111122223333:key/{key}"
        )
    );
}

#[tokio::test]
async fn list_key_rotations_pages_with_limit_and_marker() {
    let (svc, _, _) = test_support::service().await;
    let key = create_key(&svc, json!({})).await;
    for _ in 0..3 {
        call(&svc, ADMIN, "RotateKeyOnDemand", json!({ "KeyId": key })).await;
    }
    let (_, first) = call(
        &svc,
        ADMIN,
        "ListKeyRotations",
        json!({"KeyId": key, "Limit": 2}),
    )
    .await;
    assert_eq!(first["Rotations"].as_array().unwrap().len(), 2);
    assert_eq!(first["Truncated"], true);
    let (_, second) = call(
        &svc,
        ADMIN,
        "ListKeyRotations",
        json!({"KeyId": key, "Limit": 2, "Marker": first["NextMarker"]}),
    )
    .await;
    assert_eq!(second["Rotations"].as_array().unwrap().len(), 1);
    assert_eq!(second["Truncated"], false);
    assert!(second.get("NextMarker").is_none());
    let (status, answer) = call(
        &svc,
        ADMIN,
        "ListKeyRotations",
        json!({"KeyId": key, "Marker": "bogus"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "InvalidMarkerException");
}
