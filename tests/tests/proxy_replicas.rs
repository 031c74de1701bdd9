#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One proxy in front of three enclaves sharing one sealed keystore: the first (the leader) takes
//! every change, the other two are read replicas that follow its journal.
//!
//! The proxy is a byte relay and cannot tell a read from a change, so it spreads whole client
//! connections over the connected, caught-up enclaves (`parent-proxy/src/relay/route.rs`). A
//! replica answers reads itself (after asking the parent how far the stored state has come) and
//! forwards changes to the leader over the control link, MAC'd with a key only enclaves of the
//! image hold (`enclave/src/replica_forward/`, relayed here by the real proxy). So every change
//! is seen by the next request wherever it lands, and while the leader is down reads keep being
//! served by the replicas and changes fail retryably.

use nitro_kms_tests::cluster::Cluster;
use serde_json::{Value, json};

const ENCLAVES: usize = 3;

fn key_id(created: &Value) -> String {
    created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
}

/// A GenerateDataKey of `key` through the proxy that must succeed, and the Decrypt of its blob,
/// which must give back its plaintext; returns the blob.
fn generate_and_decrypt(cluster: &Cluster, key: &str) -> Value {
    let generated = cluster.call(
        "GenerateDataKey",
        &json!({"KeyId": key, "NumberOfBytes": 32}),
    );
    assert_eq!(generated.status, 200, "{}", generated.json());
    let generated = generated.json();
    let decrypted = cluster.call(
        "Decrypt",
        &json!({"CiphertextBlob": generated["CiphertextBlob"]}),
    );
    assert_eq!(decrypted.status, 200, "{}", decrypted.json());
    assert_eq!(decrypted.json()["Plaintext"], generated["Plaintext"]);
    generated
}

/// Replica `index`, asked directly, decrypts `generated`'s blob to its plaintext.
fn replica_decrypts(cluster: &Cluster, index: usize, generated: &Value) {
    let decrypted = cluster.call_enclave(
        index,
        "Decrypt",
        &json!({"CiphertextBlob": generated["CiphertextBlob"]}),
    );
    assert_eq!(
        decrypted.status,
        200,
        "enclave {index}: {}",
        decrypted.json()
    );
    assert_eq!(decrypted.json()["Plaintext"], generated["Plaintext"]);
}

#[test]
fn connections_are_spread_over_the_enclaves_and_every_change_is_read_back_at_once() {
    let cluster = Cluster::start(ENCLAVES, &[]);
    cluster.wait_caught_up(2);
    let key = key_id(&cluster.call_until_ok("CreateKey", &json!({})));
    let generated = generate_and_decrypt(&cluster, &key);

    // Every enclave is relayed client connections; a change made on one connection (wherever it
    // lands: a replica forwards it) is read back at once on the next (wherever that lands).
    cluster.until_every_enclave_served(400, |n| {
        if n % 4 == 0 {
            let alias = format!("alias/spread-{n}");
            let created = cluster.call(
                "CreateAlias",
                &json!({"AliasName": alias, "TargetKeyId": key}),
            );
            assert_eq!(created.status, 200, "{}", created.json());
            let described = cluster.call("DescribeKey", &json!({"KeyId": alias}));
            assert_eq!(described.status, 200, "read back: {}", described.json());
            assert_eq!(described.json()["KeyMetadata"]["KeyId"], key.as_str());
        } else {
            generate_and_decrypt(&cluster, &key);
        }
    });

    // A change sent straight to a replica's own endpoint is forwarded to the leader through the
    // proxy's control links, and at once every enclave sees it (the other replica, asked
    // directly, catches up before it answers).
    let created = cluster.call_enclave(
        1,
        "CreateAlias",
        &json!({"AliasName": "alias/forwarded", "TargetKeyId": key}),
    );
    assert_eq!(created.status, 200, "{}", created.json());
    for index in 0..ENCLAVES {
        let described =
            cluster.call_enclave(index, "DescribeKey", &json!({"KeyId": "alias/forwarded"}));
        assert_eq!(
            described.status,
            200,
            "enclave {index}: {}",
            described.json()
        );
        assert_eq!(described.json()["KeyMetadata"]["KeyId"], key.as_str());
    }
    for replica in 1..ENCLAVES {
        replica_decrypts(&cluster, replica, &generated);
    }

    // Disabled on one connection: no enclave hands out data keys under it on the next ones.
    let disabled = cluster.call("DisableKey", &json!({"KeyId": key}));
    assert_eq!(disabled.status, 200, "{}", disabled.json());
    for _ in 0..3 * ENCLAVES {
        let answer = cluster.call(
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_256"}),
        );
        assert_eq!(answer.status, 400, "{}", answer.json());
        assert_eq!(answer.json()["__type"], "DisabledException");
    }
    for index in 0..ENCLAVES {
        let answer = cluster.call_enclave(
            index,
            "GenerateDataKey",
            &json!({"KeyId": key, "KeySpec": "AES_256"}),
        );
        assert_eq!(answer.status, 400, "enclave {index}: {}", answer.json());
        assert_eq!(answer.json()["__type"], "DisabledException");
    }

    cluster.wait_caught_up(2);
    assert!(cluster.metric("nitro_kms_syncs_sent_total") >= 2);
    let metrics = cluster.metrics();
    assert!(metrics.contains("nitro_kms_replicas 2"), "{metrics}");
    assert!(
        metrics.contains("nitro_kms_replicas_caught_up 2"),
        "{metrics}"
    );
    assert_eq!(cluster.healthz(), 200);
}

#[test]
fn while_the_leader_is_down_replicas_serve_reads_changes_fail_retryably_and_everything_resumes() {
    let mut cluster = Cluster::start(ENCLAVES, &[]);
    cluster.wait_caught_up(2);
    let key = key_id(&cluster.call_until_ok("CreateKey", &json!({})));
    let generated = generate_and_decrypt(&cluster, &key);
    cluster.wait_caught_up(2);

    cluster.kill_enclave(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while cluster.healthz() != 503 {
        assert!(std::time::Instant::now() < deadline, "healthz stays 200");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Reads keep being served through the proxy (by the replicas: the leader's link is down, so
    // no connection goes to it).
    let before = cluster.connections_per_enclave();
    for _ in 0..2 * ENCLAVES {
        generate_and_decrypt(&cluster, &key);
    }
    let after = cluster.connections_per_enclave();
    assert_eq!(after[0], before[0], "no connection to the dead leader");
    // A change fails with a retryable 5xx: the replica cannot reach the leader.
    let refused = cluster.call("CreateKey", &json!({}));
    assert!(
        refused.status >= 500,
        "{} {}",
        refused.status,
        refused.json()
    );
    let kind = refused.json()["__type"].as_str().unwrap_or("").to_owned();
    assert!(
        kind == "DependencyTimeoutException" || kind == "KMSInternalException",
        "{}",
        refused.json()
    );
    for replica in 1..ENCLAVES {
        replica_decrypts(&cluster, replica, &generated);
    }

    // The leader comes back (it compacts the state into a new snapshot, which the replicas
    // reload): changes work again through the proxy and reach every replica.
    cluster.restart_enclave(0);
    let second = key_id(&cluster.call_until_ok("CreateKey", &json!({})));
    let generated = generate_and_decrypt(&cluster, &second);
    generate_and_decrypt(&cluster, &key);
    cluster.wait_caught_up(2);
    for replica in 1..ENCLAVES {
        replica_decrypts(&cluster, replica, &generated);
    }
    assert!(
        cluster
            .enclave_log(1)
            .contains("read replica reloaded the sealed state"),
        "{}",
        cluster.enclave_log(1)
    );
    assert_eq!(cluster.healthz(), 200);
}
