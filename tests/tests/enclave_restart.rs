#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The sealed keystore across restarts: everything acknowledged survives a kill -9; the enclave
//! refuses to serve from sealed state that does not authenticate instead of starting empty; a
//! torn journal tail is dropped with a log line; a mutation whose persist fails changes nothing.

use std::path::Path;
use std::sync::atomic::Ordering;

use nitro_kms_parent_link::state_store::{JOURNAL_FILE, SNAPSHOT_FILE};
use nitro_kms_tests::enclave::{Dirs, Enclave, alias_arn};
use serde_json::{Value, json};

async fn start(d: &Dirs) -> Enclave {
    Enclave::start(&d.world, &d.parent, &[]).await
}

async fn refused(d: &Dirs) -> String {
    match Enclave::try_start(&d.world, &d.parent, &[]).await {
        Ok(_) => panic!("the enclave started on bad sealed state"),
        Err(why) => why,
    }
}

fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_aliases_states_and_blobs_survive_a_kill_and_restart() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let k1 = enclave.create_key().await;
    let k2 = enclave.create_key().await;
    enclave
        .call(
            "CreateAlias",
            &json!({"AliasName": "alias/app", "TargetKeyId": k1}),
        )
        .await
        .ok();
    enclave
        .call(
            "TagResource",
            &json!({"KeyId": k2, "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        )
        .await
        .ok();
    let gdk = enclave
        .call(
            "GenerateDataKey",
            &json!({"KeyId": "alias/app", "KeySpec": "AES_256", "EncryptionContext": {"purpose": "test"}}),
        )
        .await;
    let data_key = gdk.blob("Plaintext");
    let blob1 = gdk.ok()["CiphertextBlob"].clone();
    let enc = enclave
        .call("Encrypt", &json!({"KeyId": k2, "Plaintext": "aGVsbG8="}))
        .await;
    let blob2 = enc.ok()["CiphertextBlob"].clone();
    enclave.call("DisableKey", &json!({"KeyId": k2})).await.ok();
    enclave.kill().await;

    let enclave = start(&d).await;
    let dec = enclave
        .call(
            "Decrypt",
            &json!({"CiphertextBlob": blob1, "EncryptionContext": {"purpose": "test"}}),
        )
        .await;
    assert_eq!(dec.blob("Plaintext"), data_key);
    let aliases = enclave.call("ListAliases", &json!({})).await;
    assert_eq!(aliases.ok()["Aliases"][0]["AliasArn"], alias_arn("app"));
    assert_eq!(
        aliases.ok()["Aliases"][0]["TargetKeyId"],
        Value::from(k1.clone())
    );
    let tags = enclave
        .call("ListResourceTags", &json!({"KeyId": k2}))
        .await;
    assert_eq!(
        tags.ok()["Tags"],
        json!([{"TagKey": "team", "TagValue": "red"}])
    );
    // Still disabled after the restart; enabling it makes its blob decrypt again.
    let still = enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob2}))
        .await;
    assert_eq!(still.error_type(), "DisabledException", "{}", still.body);
    enclave.call("EnableKey", &json!({"KeyId": k2})).await.ok();
    let dec2 = enclave
        .call("Decrypt", &json!({"CiphertextBlob": blob2}))
        .await;
    assert_eq!(dec2.blob("Plaintext"), b"hello");
    assert_eq!(enclave.terminate().await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_snapshot_makes_the_enclave_refuse_to_start() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    enclave.create_key().await;
    enclave.kill().await;
    flip_byte(&d.parent.join(SNAPSHOT_FILE), 60);
    let why = refused(&d).await;
    assert!(why.contains("Some(1)"), "{why}");
    assert!(why.contains("refusing to serve"), "{why}");
    assert!(why.contains("snapshot does not authenticate"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_sealed_under_another_key_is_refused_not_replaced() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    enclave.create_key().await;
    enclave.kill().await;
    let stored = (
        std::fs::read(d.parent.join(SNAPSHOT_FILE)).unwrap(),
        std::fs::read(d.parent.join(JOURNAL_FILE)).unwrap(),
    );
    // A new simulated sealing key cannot open the old state.
    std::fs::remove_file(d.world.join("sealing.key")).unwrap();
    let why = refused(&d).await;
    assert!(why.contains("snapshot does not authenticate"), "{why}");
    // And the stored state is untouched (not overwritten by an empty keystore).
    let after = (
        std::fs::read(d.parent.join(SNAPSHOT_FILE)).unwrap(),
        std::fs::read(d.parent.join(JOURNAL_FILE)).unwrap(),
    );
    assert_eq!(after, stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_without_its_snapshot_is_refused() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    enclave.create_key().await;
    enclave.kill().await;
    std::fs::remove_file(d.parent.join(SNAPSHOT_FILE)).unwrap();
    let why = refused(&d).await;
    assert!(why.contains("journal of"), "{why}");
    assert!(why.contains("but no snapshot"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_journal_tail_is_dropped_and_earlier_records_survive() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let kept = enclave.create_key().await;
    let lost = enclave.create_key().await;
    enclave.kill().await;
    // Cut the last record short, as a crash mid-append would.
    let journal = d.parent.join(JOURNAL_FILE);
    let bytes = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, &bytes[..bytes.len() - 10]).unwrap();
    let enclave = start(&d).await;
    assert!(
        enclave.log_text().contains("torn tail of"),
        "{}",
        enclave.log_text()
    );
    let keys = enclave.call("ListKeys", &json!({})).await;
    let ids: Vec<&str> = keys.ok()["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["KeyId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![kept.as_str()], "{lost} should be gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corruption_in_the_middle_of_the_journal_is_refused() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    enclave.create_key().await;
    enclave.create_key().await;
    enclave.kill().await;
    // A byte inside the first record's ciphertext: not a torn tail, so refuse.
    flip_byte(&d.parent.join(JOURNAL_FILE), 120);
    let why = refused(&d).await;
    assert!(why.contains("is corrupt (not at the tail)"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_whose_persist_fails_is_internal_error_and_changes_nothing() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let key = enclave.create_key().await;
    enclave.parent.fail_persist.store(true, Ordering::SeqCst);
    enclave
        .call("CreateKey", &json!({"Description": "never"}))
        .await
        .assert_error(
            500,
            "KMSInternalException",
            "The request could not be completed: the key store is unavailable.",
        );
    enclave
        .call("DisableKey", &json!({"KeyId": key}))
        .await
        .assert_error(
            500,
            "KMSInternalException",
            "The request could not be completed: the key store is unavailable.",
        );
    // Nothing changed: one key, still enabled; reads keep working meanwhile.
    let keys = enclave.call("ListKeys", &json!({})).await;
    assert_eq!(keys.ok()["Keys"].as_array().unwrap().len(), 1);
    let described = enclave.call("DescribeKey", &json!({"KeyId": key})).await;
    assert_eq!(described.ok()["KeyMetadata"]["KeyState"], "Enabled");
    // Once the parent stores again, writes work, and survive a restart.
    enclave.parent.fail_persist.store(false, Ordering::SeqCst);
    let second = enclave.create_key().await;
    enclave
        .call("DisableKey", &json!({"KeyId": key}))
        .await
        .ok();
    enclave.kill().await;
    let enclave = start(&d).await;
    let keys = enclave.call("ListKeys", &json!({})).await;
    assert_eq!(keys.ok()["Keys"].as_array().unwrap().len(), 2);
    let described = enclave.call("DescribeKey", &json!({"KeyId": second})).await;
    assert_eq!(described.ok()["KeyMetadata"]["KeyState"], "Enabled");
    let described = enclave.call("DescribeKey", &json!({"KeyId": key})).await;
    assert_eq!(described.ok()["KeyMetadata"]["KeyState"], "Disabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_that_cannot_deliver_the_state_yet_is_retried_not_fatal() {
    let d = Dirs::new();
    let enclave = start(&d).await;
    let key = enclave.create_key().await;
    enclave.kill().await;
    let parent = std::sync::Arc::new(nitro_kms_tests::enclave::Parent::default());
    parent.fail_persist.store(true, Ordering::SeqCst);
    let healer = {
        let parent = parent.clone();
        // Heal once the enclave has met a refusal (however long its start takes under load),
        // so it must have retried; give up after 60 s so a hang fails the test instead.
        tokio::spawn(async move {
            for _ in 0..600 {
                if parent.refused.load(Ordering::SeqCst) > 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert!(
                parent.refused.load(Ordering::SeqCst) > 0,
                "no Persist was refused"
            );
            parent.fail_persist.store(false, Ordering::SeqCst);
        })
    };
    let enclave = Enclave::try_start_with(&d.world, &d.parent, &[], parent)
        .await
        .unwrap();
    healer.await.unwrap();
    assert!(
        enclave.log_text().contains("retrying"),
        "{}",
        enclave.log_text()
    );
    let described = enclave.call("DescribeKey", &json!({"KeyId": key})).await;
    assert_eq!(described.ok()["KeyMetadata"]["KeyState"], "Enabled");
}
