#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One proxy in front of three enclaves sharing one sealed keystore: the first (the leader) takes
//! every change, the other two are read replicas that follow its journal. Whatever enclave answers,
//! a client sees its own changes at once (read-your-writes); when the leader dies the replicas keep
//! serving reads, changes fail retryably, and everything resumes when it comes back.

use nitro_kms_tests::cluster::Cluster;
use serde_json::{Value, json};

const ENCLAVES: usize = 3;

fn key_id(created: &Value) -> String {
    created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
}

/// A GenerateDataKey of `key` that must succeed, and the Decrypt of its blob, which must give
/// back its plaintext.
fn generate_and_decrypt(cluster: &Cluster, key: &str) {
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
}

#[test]
fn a_key_created_on_the_leader_is_usable_at_once_through_every_replica() {
    let cluster = Cluster::start(ENCLAVES, &[]);
    cluster.wait_caught_up(2);

    // CreateKey, then at once (no waiting for the replicas) data keys and decryption: every
    // request succeeds, and every enclave answers some of them.
    let key = key_id(&cluster.call_until_ok("CreateKey", &json!({})));
    cluster.until_every_enclave_served(3000, |_| generate_and_decrypt(&cluster, &key));

    // The alias works at once, whichever enclave answers.
    let created = cluster.call(
        "CreateAlias",
        &json!({"AliasName": "alias/scaled", "TargetKeyId": key}),
    );
    assert_eq!(created.status, 200, "{}", created.json());
    cluster.until_every_enclave_served(3000, |_| generate_and_decrypt(&cluster, "alias/scaled"));

    // Disabled at once everywhere: no enclave still hands out data keys under it.
    let disabled = cluster.call("DisableKey", &json!({"KeyId": key}));
    assert_eq!(disabled.status, 200, "{}", disabled.json());
    cluster.until_every_enclave_served(3000, |n| {
        let answer = cluster.call(
            "GenerateDataKey",
            &json!({"KeyId": if n % 2 == 0 { key.as_str() } else { "alias/scaled" }, "KeySpec": "AES_256"}),
        );
        assert_eq!(answer.status, 400, "request {n}: {}", answer.json());
        assert_eq!(answer.json()["__type"], "DisabledException", "request {n}");
    });

    let metrics = cluster.metrics();
    assert!(metrics.contains("nitro_kms_replicas 2"), "{metrics}");
    for index in 0..ENCLAVES {
        assert!(
            cluster.requests_per_enclave()[index] > 0,
            "enclave {index} served nothing: {metrics}"
        );
    }
}

#[test]
fn when_the_leader_dies_replicas_serve_reads_and_changes_resume_when_it_returns() {
    let mut cluster = Cluster::start(ENCLAVES, &["--request-timeout-ms", "3000"]);
    cluster.wait_caught_up(2);
    let key = key_id(&cluster.call_until_ok("CreateKey", &json!({})));
    let blob = cluster.call_until_ok("Encrypt", &json!({"KeyId": key, "Plaintext": "aGVsbG8="}));

    cluster.kill_enclave(0);
    // Reads are served by the replicas alone: every one succeeds.
    let before = cluster.requests_per_enclave();
    for _ in 0..40 {
        generate_and_decrypt(&cluster, &key);
        let decrypted = cluster.call(
            "Decrypt",
            &json!({"CiphertextBlob": blob["CiphertextBlob"]}),
        );
        assert_eq!(decrypted.status, 200, "{}", decrypted.json());
        assert_eq!(decrypted.json()["Plaintext"], "aGVsbG8=");
    }
    let after = cluster.requests_per_enclave();
    assert!(
        after[1] > before[1] && after[2] > before[2],
        "{before:?} -> {after:?}"
    );
    // A change has nowhere to go: a retryable 5xx, as when a lone enclave is down.
    let refused = cluster.call("CreateKey", &json!({}));
    assert!(
        refused.status >= 500,
        "{} {}",
        refused.status,
        refused.json()
    );
    let error = refused.json()["__type"].as_str().unwrap_or("").to_owned();
    assert!(
        error == "DependencyTimeoutException" || error == "KMSInternalException",
        "{error}"
    );

    // The leader comes back (it compacts the state into a new snapshot, which the replicas
    // reload): changes work again and are visible through every replica at once.
    cluster.restart_enclave(0);
    let second = key_id(&cluster.call_until_ok("CreateKey", &json!({})));
    cluster.until_every_enclave_served(3000, |_| {
        generate_and_decrypt(&cluster, &second);
        generate_and_decrypt(&cluster, &key);
    });
    cluster.wait_caught_up(2);
    assert!(
        cluster
            .enclave_log(1)
            .contains("read replica reloaded the sealed state"),
        "{}",
        cluster.enclave_log(1)
    );
}
