#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The etcd store (issue 19), the whole process: an enclave with `--storage etcd` keeps its keys
//! in etcd, not at its parent — a new enclave with an EMPTY parent directory serves every key and
//! decrypts every ciphertext made before, and etcd holds only sealed bytes.

use nitro_kms_etcd::testing::TestCluster;
use nitro_kms_tests::enclave::Enclave;
use nitro_kms_tests::etcd_store::{etcd_available, storage_args, world};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_made_with_the_etcd_store_survive_a_restart_on_an_empty_parent() {
    if !etcd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd_dir = dir.path().join("etcd");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let cluster = TestCluster::start(1, &etcd_dir).await.unwrap();
    let w = world(&dir.path().join("world"), None);
    let args = storage_args(&cluster, &w, "/restart/", 2);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let first = Enclave::start(&w, &dir.path().join("parent-1"), &args).await;
    // The only enclave leads: the load balancer's write check says so, and /metrics too.
    let (status, body) =
        nitro_kms_tests::mitm::cleartext_get(&first.http_socket, "/healthz/leader");
    assert_eq!((status, body.as_slice()), (200, b"leader\n".as_slice()));
    let (_, metrics) = nitro_kms_tests::mitm::cleartext_get(&first.http_socket, "/metrics");
    let metrics = String::from_utf8_lossy(&metrics);
    assert!(
        metrics.contains("\nnitro_kms_store_leader 1\n"),
        "{metrics}"
    );
    let created = first
        .call("CreateKey", &json!({"Description": "in etcd"}))
        .await;
    let key_id = created.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    first
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/etcd", "TargetKeyId": key_id}),
        )
        .await
        .ok();
    let encrypted = first
        .call(
            "Encrypt",
            &json!({"KeyId": "alias/etcd", "Plaintext": "aGVsbG8="}),
        )
        .await;
    let blob = encrypted.ok()["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(first);

    // Nothing at the parent this time: everything comes from etcd.
    let second = Enclave::start(&w, &dir.path().join("parent-2"), &args).await;
    let described = second
        .call("DescribeKey", &json!({"KeyId": "alias/etcd"}))
        .await;
    assert_eq!(described.ok()["KeyMetadata"]["Description"], "in etcd");
    let decrypted = second
        .call("Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(decrypted.ok()["Plaintext"], "aGVsbG8=");
    assert_eq!(
        decrypted.ok()["KeyId"].as_str().unwrap(),
        nitro_kms_tests::enclave::key_arn(&key_id)
    );

    // etcd holds sealed bytes only: the description is nowhere in it.
    let client = cluster.client(None).unwrap();
    let all = client
        .range(nitro_kms_etcd::RangeRequest {
            key: b"/restart/".to_vec(),
            range_end: Some(nitro_kms_etcd::prefix_end(b"/restart/")),
            revision: None,
            limit: None,
        })
        .await
        .unwrap();
    assert!(all.kvs.len() >= 3, "snapshot, head, leader and records");
    for kv in &all.kvs {
        assert!(
            !kv.value.windows(7).any(|w| w == b"in etcd"),
            "plaintext in etcd"
        );
    }
}
