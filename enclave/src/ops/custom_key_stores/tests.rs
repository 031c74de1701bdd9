//! The custom key store operations in process: AWS's answers for an account without custom key
//! stores, and nothing is ever created (the keystore stays as it was).

use serde_json::json;

use crate::test_support::{self, ALICE, call};

const STORE: &str = "cks-1234567890abcdef0";

#[tokio::test]
async fn describe_lists_none_and_a_filter_finds_nothing() {
    let (svc, _, _) = test_support::service().await;
    let (status, answer) = call(&svc, ALICE, "DescribeCustomKeyStores", json!({})).await;
    assert_eq!(
        (status, answer),
        (200, json!({"CustomKeyStores": [], "Truncated": false}))
    );
    let (status, answer) = call(
        &svc,
        ALICE,
        "DescribeCustomKeyStores",
        json!({ "CustomKeyStoreId": STORE }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(answer["__type"], "CustomKeyStoreNotFoundException");
    let (_, answer) = call(
        &svc,
        ALICE,
        "DescribeCustomKeyStores",
        json!({"CustomKeyStoreName": "ExampleKeyStore"}),
    )
    .await;
    assert_eq!(answer["__type"], "CustomKeyStoreNotFoundException");
}

#[tokio::test]
async fn every_operation_on_a_store_id_is_custom_key_store_not_found() {
    let (svc, _, _) = test_support::service().await;
    for op in [
        "ConnectCustomKeyStore",
        "DisconnectCustomKeyStore",
        "DeleteCustomKeyStore",
        "UpdateCustomKeyStore",
    ] {
        let (status, answer) = call(&svc, ALICE, op, json!({ "CustomKeyStoreId": STORE })).await;
        assert_eq!(status, 400, "{op}");
        assert_eq!(
            answer,
            json!({"__type": "CustomKeyStoreNotFoundException",
                   "message": format!("Unable to find custom key store with ID {STORE}")}),
            "{op}"
        );
    }
}

#[tokio::test]
async fn create_is_refused_as_for_a_backing_store_that_cannot_be_found_or_reached() {
    let (svc, _, _) = test_support::service().await;
    let cloudhsm = json!({"CustomKeyStoreName": "s", "CloudHsmClusterId": "cluster-2a23b4cdefg",
        "TrustAnchorCertificate": "cert", "KeyStorePassword": "kmsPswd1"});
    let (_, answer) = call(&svc, ALICE, "CreateCustomKeyStore", cloudhsm).await;
    assert_eq!(answer["__type"], "CloudHsmClusterNotFoundException");
    let credential = json!({"AccessKeyId": "ABCDEFGHIJKLMNOPQRST",
        "RawSecretAccessKey": "DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo="});
    let public = json!({"CustomKeyStoreName": "x", "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyConnectivity": "PUBLIC_ENDPOINT", "XksProxyUriEndpoint": "https://proxy.example.com",
        "XksProxyUriPath": "/kms/xks/v1", "XksProxyAuthenticationCredential": credential});
    let (_, answer) = call(&svc, ALICE, "CreateCustomKeyStore", public.clone()).await;
    assert_eq!(answer["__type"], "XksProxyUriUnreachableException");
    let mut vpc = public;
    vpc["XksProxyConnectivity"] = json!("VPC_ENDPOINT_SERVICE");
    vpc["XksProxyVpcEndpointServiceName"] = json!("com.amazonaws.vpce.us-east-1.vpce-svc-0a1b");
    let (_, answer) = call(&svc, ALICE, "CreateCustomKeyStore", vpc).await;
    assert_eq!(
        answer["__type"],
        "XksProxyVpcEndpointServiceNotFoundException"
    );
    let (status, answer) = call(
        &svc,
        ALICE,
        "CreateCustomKeyStore",
        json!({"CustomKeyStoreName": "s"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer["message"],
        "CloudHsmClusterId is required for a custom key store of type AWS_CLOUDHSM"
    );
    let (_, answer) = call(&svc, ALICE, "DescribeCustomKeyStores", json!({})).await;
    assert_eq!(answer["CustomKeyStores"], json!([]));
}
