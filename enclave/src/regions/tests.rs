use super::*;
use crate::test_support::{self, ADMIN, call, create_key};

#[tokio::test]
async fn each_region_has_its_own_keys_and_arns_carry_the_region() {
    let (svc, _clock, _parent) = test_support::service().await;
    let west = svc.in_region("eu-west-1").unwrap();
    let home_key = create_key(&svc, serde_json::json!({})).await;
    let west_key = create_key(&west, serde_json::json!({})).await;
    let (status, listed) = call(&west, ADMIN, "ListKeys", serde_json::json!({})).await;
    assert_eq!(status, 200);
    let keys = listed["Keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["KeyId"], west_key.as_str());
    assert!(
        keys[0]["KeyArn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:kms:eu-west-1:111122223333:key/")
    );
    let (status, _) = call(
        &west,
        ADMIN,
        "DescribeKey",
        serde_json::json!({"KeyId": home_key}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(svc.store.read(|ks| ks.key(&west_key).is_none()));
    assert!(Arc::ptr_eq(&west, &svc.in_region("eu-west-1").unwrap()));
    assert!(Arc::ptr_eq(&svc, &svc.in_region("us-east-1").unwrap()));
}

#[tokio::test]
async fn another_regions_keys_survive_a_restart_from_the_sealed_state() {
    let (svc, _clock, parent) = test_support::service().await;
    let west = svc.in_region("eu-west-1").unwrap();
    let key = create_key(&west, serde_json::json!({"Description": "west"})).await;
    let (status, _) = call(
        &west,
        ADMIN,
        "CreateAlias",
        serde_json::json!({"AliasName": "alias/west", "TargetKeyId": key}),
    )
    .await;
    assert_eq!(status, 200);
    let restarted = test_support::replica(parent).await;
    let west_again = restarted.in_region("eu-west-1").unwrap();
    assert!(
        west_again
            .store
            .read(|ks| ks.key(&key).is_some() && ks.alias("alias/west").is_some())
    );
    assert!(restarted.store.read(|ks| ks.key(&key).is_none()));
    assert_eq!(
        restarted.store.other_regions(),
        vec!["eu-west-1".to_owned()]
    );
}
