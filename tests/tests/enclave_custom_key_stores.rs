#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The six custom key store operations against the real simulated enclave (issue 18): AWS's
//! answers for an account that has no custom key store, with exact HTTP status, `__type` and
//! message, and no store ever created.
//!
//! Sources: the model (`kms-service-2.json`: the errors each operation lists, the members and
//! their constraints, `{}` outputs for Connect/Disconnect/Delete/Update) and AWS's API reference
//! for these operations (DescribeCustomKeyStores "returns information about all custom key stores
//! in the account and Region"; Create needs the cluster or proxy to exist and answer). AWS's
//! message texts for the custom key store errors were not recorded: the types and statuses are
//! AWS's, the texts ours (they name what was not found).

use nitro_kms_tests::enclave::{Dirs, Enclave};
use serde_json::{Value, json};

const STORE: &str = "cks-1234567890abcdef0";

fn not_found(id: &str) -> String {
    format!("Unable to find custom key store with ID {id}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_custom_key_stores_lists_none_and_finds_none() {
    let d = Dirs::new();
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    assert_eq!(
        enclave
            .call("DescribeCustomKeyStores", &json!({}))
            .await
            .ok(),
        &json!({"CustomKeyStores": [], "Truncated": false})
    );
    enclave
        .call(
            "DescribeCustomKeyStores",
            &json!({ "CustomKeyStoreId": STORE }),
        )
        .await
        .assert_error(400, "CustomKeyStoreNotFoundException", &not_found(STORE));
    enclave
        .call(
            "DescribeCustomKeyStores",
            &json!({"CustomKeyStoreName": "ExampleKeyStore"}),
        )
        .await
        .assert_error(
            400,
            "CustomKeyStoreNotFoundException",
            "Unable to find custom key store with name ExampleKeyStore",
        );
    // Model: InvalidMarkerException is one of DescribeCustomKeyStores' errors.
    let marker = enclave
        .call("DescribeCustomKeyStores", &json!({"Marker": "not-ours"}))
        .await;
    assert_eq!(
        (marker.status, marker.error_type()),
        (400, "InvalidMarkerException")
    );
    for op in [
        "ConnectCustomKeyStore",
        "DisconnectCustomKeyStore",
        "DeleteCustomKeyStore",
    ] {
        enclave
            .call(op, &json!({ "CustomKeyStoreId": STORE }))
            .await
            .assert_error(400, "CustomKeyStoreNotFoundException", &not_found(STORE));
    }
    enclave
        .call(
            "UpdateCustomKeyStore",
            &json!({"CustomKeyStoreId": STORE, "NewCustomKeyStoreName": "renamed"}),
        )
        .await
        .assert_error(400, "CustomKeyStoreNotFoundException", &not_found(STORE));
    // CreateKey in a custom key store: the same store is not found, and no key is made.
    let before = enclave.call("ListKeys", &json!({})).await.ok().clone();
    enclave
        .call(
            "CreateKey",
            &json!({"CustomKeyStoreId": STORE, "Origin": "AWS_CLOUDHSM"}),
        )
        .await
        .assert_error(400, "CustomKeyStoreNotFoundException", &not_found(STORE));
    assert_eq!(enclave.call("ListKeys", &json!({})).await.ok(), &before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_custom_key_store_answers_that_the_backing_store_cannot_be_found_or_reached() {
    let d = Dirs::new();
    let enclave = Enclave::start(&d.world, &d.parent, &[]).await;
    let cloudhsm = json!({"CustomKeyStoreName": "ExampleKeyStore",
        "CloudHsmClusterId": "cluster-2a23b4cdefg", "TrustAnchorCertificate": "-----BEGIN CERTIFICATE-----",
        "KeyStorePassword": "kmsPswd1"});
    enclave
        .call("CreateCustomKeyStore", &cloudhsm)
        .await
        .assert_error(
            400,
            "CloudHsmClusterNotFoundException",
            "Unable to find CloudHSM cluster with ID cluster-2a23b4cdefg",
        );
    let xks = json!({"CustomKeyStoreName": "ExampleExternalKeyStore",
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE", "XksProxyConnectivity": "PUBLIC_ENDPOINT",
        "XksProxyUriEndpoint": "https://myproxy.xks.example.com", "XksProxyUriPath": "/kms/xks/v1",
        "XksProxyAuthenticationCredential": {"AccessKeyId": "ABCDEFGHIJKLMNOPQRST234567",
            "RawSecretAccessKey": "DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo="}});
    enclave
        .call("CreateCustomKeyStore", &xks)
        .await
        .assert_error(
            400,
            "XksProxyUriUnreachableException",
            "KMS cannot reach the external key store proxy at https://myproxy.xks.example.com",
        );
    let mut vpc = xks.clone();
    vpc["XksProxyConnectivity"] = json!("VPC_ENDPOINT_SERVICE");
    vpc["XksProxyVpcEndpointServiceName"] = json!("com.amazonaws.vpce.us-east-1.vpce-svc-example1");
    enclave
        .call("CreateCustomKeyStore", &vpc)
        .await
        .assert_error(
            400,
            "XksProxyVpcEndpointServiceNotFoundException",
            "Unable to find VPC endpoint service com.amazonaws.vpce.us-east-1.vpce-svc-example1",
        );
    // Model constraints, with the secrets never quoted back.
    let mut bad = cloudhsm.clone();
    bad["CloudHsmClusterId"] = json!("cluster-1");
    bad["KeyStorePassword"] = json!("short");
    enclave
        .call("CreateCustomKeyStore", &bad)
        .await
        .assert_error(
            400,
            "ValidationException",
            "3 validation errors detected: Value 'cluster-1' at 'cloudHsmClusterId' failed to satisfy constraint: Member must have length greater than or equal to 19; Value 'cluster-1' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}; Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7",
        );
    let reply = enclave.call("CreateCustomKeyStore", &json!({})).await;
    reply.assert_error(
        400,
        "ValidationException",
        "1 validation error detected: Value null at 'customKeyStoreName' failed to satisfy constraint: Member must not be null",
    );
    assert_eq!(
        enclave
            .call("DescribeCustomKeyStores", &json!({}))
            .await
            .body["CustomKeyStores"],
        Value::Array(Vec::new())
    );
}
