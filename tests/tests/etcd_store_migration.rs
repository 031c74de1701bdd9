#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Moving a keystore between the file store and etcd (issue 19, `nitro-kms-proxy store
//! migrate`), the whole process: keys, an alias, a tag and ciphertexts made by an enclave on the
//! file store are served by an enclave on etcd after `--from files:DIR --to etcd`; what that one
//! adds comes back to a file-store enclave with `--from etcd --to files:DIR`. The command moves
//! sealed bytes only, with the operator's own etcd identity, and refuses while an enclave leads.

use std::path::Path;
use std::time::{Duration, Instant};

use nitro_kms_etcd::testing::TestCluster;
use nitro_kms_tests::enclave::{Enclave, Reply};
use nitro_kms_tests::etcd_store::{etcd_available, storage_args, world};
use serde_json::{Value, json};

const PREFIX: &str = "/migration/";

/// Runs `nitro-kms-proxy store migrate` with the operator's identity (a certificate of the
/// cluster's CA that is not the enclaves') and returns (exit code, stdout, stderr).
fn migrate(cluster: &TestCluster, etcd_dir: &Path, from: &str, to: &str) -> (i32, String, String) {
    let endpoints = cluster
        .endpoints()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let output = std::process::Command::new(nitro_kms_tests::binary("nitro-kms-proxy"))
        .args(["store", "migrate", "--from", from, "--to", to])
        .args(["--etcd-endpoints", &endpoints, "--etcd-prefix", PREFIX])
        .arg("--etcd-ca")
        .arg(etcd_dir.join("ca.pem"))
        .arg("--etcd-cert")
        .arg(etcd_dir.join("m0.crt"))
        .arg("--etcd-key")
        .arg(etcd_dir.join("m0.key"))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Calls `op`, retrying (bounded) while the enclave answers that it is a follower: an enclave on
/// etcd takes writes once it has won the election, as every AWS SDK retries the 500.
async fn call(enclave: &Enclave, op: &str, body: &Value) -> Reply {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = enclave.call(op, body).await;
        let follower = reply.status == 500 && reply.message().contains("is a follower");
        if !follower || Instant::now() > deadline {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create_key(enclave: &Enclave, description: &str) -> String {
    let created = call(enclave, "CreateKey", &json!({"Description": description})).await;
    created.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn encrypt(enclave: &Enclave, key: &str, plaintext: &str) -> String {
    let encrypted = enclave
        .call("Encrypt", &json!({"KeyId": key, "Plaintext": plaintext}))
        .await;
    encrypted.ok()["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Checks that `enclave` serves the key behind `alias` (its description and tag) and decrypts
/// `blob` to `plaintext`.
async fn assert_serves(
    enclave: &Enclave,
    alias: &str,
    description: &str,
    tag: &Value,
    blob: &str,
    plaintext: &str,
) {
    let described = enclave.call("DescribeKey", &json!({"KeyId": alias})).await;
    assert_eq!(described.ok()["KeyMetadata"]["Description"], description);
    let key_id = described.ok()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let tags = enclave
        .call("ListResourceTags", &json!({"KeyId": key_id}))
        .await;
    assert_eq!(tags.ok()["Tags"], json!([tag]));
    let decrypted = enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob}))
        .await;
    assert_eq!(decrypted.ok()["Plaintext"], plaintext);
}

/// Waits (bounded) until the stopped leader's lease has expired and its `leader` key is gone.
async fn wait_no_leader(cluster: &TestCluster) {
    let client = cluster.client(None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let leader = client
            .range(nitro_kms_etcd::RangeRequest {
                key: format!("{PREFIX}leader").into_bytes(),
                ..Default::default()
            })
            .await
            .unwrap();
        if leader.kvs.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "the leader key never went away");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keystore_moves_from_files_to_etcd_and_back_with_every_key_alias_tag_and_ciphertext() {
    if !etcd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let etcd_dir = dir.path().join("etcd");
    std::fs::create_dir_all(&etcd_dir).unwrap();
    let cluster = TestCluster::start(1, &etcd_dir).await.unwrap();
    let w = world(&dir.path().join("world"), None);
    let etcd_args = storage_args(&cluster, &w, PREFIX, 2);
    let etcd_args: Vec<&str> = etcd_args.iter().map(String::as_str).collect();
    let files_1 = dir.path().join("parent-files-1");
    let files_2 = dir.path().join("parent-files-2");

    // 1. On the file store: a key, an alias, a tag, a ciphertext.
    let on_files = Enclave::start(&w, &files_1, &[]).await;
    let first = create_key(&on_files, "made on files").await;
    on_files
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/first", "TargetKeyId": first}),
        )
        .await
        .ok();
    let first_tag = json!({"TagKey": "team", "TagValue": "files"});
    on_files
        .call("TagResource", &json!({"KeyId": first, "Tags": [first_tag]}))
        .await
        .ok();
    let first_blob = encrypt(&on_files, "alias/first", "Zmlyc3Q=").await;
    assert_eq!(on_files.terminate().await, Some(0));

    // 2. files -> etcd, then an enclave on etcd (an empty parent) serves it all.
    let (code, out, err) = migrate(
        &cluster,
        &etcd_dir,
        &format!("files:{}", files_1.display()),
        "etcd",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("moved generation") && out.contains("bytes"),
        "{out}"
    );
    let on_etcd = Enclave::start(&w, &dir.path().join("parent-etcd"), &etcd_args).await;
    assert_serves(
        &on_etcd,
        "alias/first",
        "made on files",
        &first_tag,
        &first_blob,
        "Zmlyc3Q=",
    )
    .await;
    let second = create_key(&on_etcd, "made on etcd").await;
    call(
        &on_etcd,
        "CreateAlias",
        &json!({"AliasName": "alias/second", "TargetKeyId": second}),
    )
    .await
    .ok();
    let second_tag = json!({"TagKey": "team", "TagValue": "etcd"});
    on_etcd
        .call(
            "TagResource",
            &json!({"KeyId": second, "Tags": [second_tag]}),
        )
        .await
        .ok();
    let second_blob = encrypt(&on_etcd, "alias/second", "c2Vjb25k").await;

    // While it leads the prefix, moving out is refused with the reason, and nothing is written.
    let (code, _, err) = migrate(
        &cluster,
        &etcd_dir,
        "etcd",
        &format!("files:{}", files_2.display()),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("leads etcd prefix") && err.contains("keep writing"),
        "{err}"
    );
    assert!(!files_2.join("keystore.snapshot").exists());

    // 3. Stop it; etcd -> files; a file-store enclave serves everything from both.
    assert_eq!(on_etcd.terminate().await, Some(0));
    wait_no_leader(&cluster).await;
    let (code, out, err) = migrate(
        &cluster,
        &etcd_dir,
        "etcd",
        &format!("files:{}", files_2.display()),
    );
    assert_eq!(code, 0, "{out}{err}");
    let back_on_files = Enclave::start(&w, &files_2, &[]).await;
    assert_serves(
        &back_on_files,
        "alias/first",
        "made on files",
        &first_tag,
        &first_blob,
        "Zmlyc3Q=",
    )
    .await;
    assert_serves(
        &back_on_files,
        "alias/second",
        "made on etcd",
        &second_tag,
        &second_blob,
        "c2Vjb25k",
    )
    .await;
}
