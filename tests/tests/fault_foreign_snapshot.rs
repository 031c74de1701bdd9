#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A snapshot put in place under a running enclave by someone else (issue 15, item 5).
//!
//! On 3ba6dd6 two parents on one state directory lost an acknowledged key: the second one's
//! enclave compacted the state into a snapshot one generation up (emptying the journal); the
//! first enclave's next record, of its own older generation, was appended at the length it
//! expected (0) and acknowledged, and at the next start it was skipped as a stale journal — the key
//! was gone. The parent's lock now stops a second proxy (`proxy_state_dir_lock.rs`); these tests
//! go below it: the later snapshot is made by a second enclave on a copy of the state and then
//! copied over the first one's files while it runs, as an operator or another program might.
//! Whether the foreign snapshot arrives before or after the first enclave wrote, every mutation
//! the first enclave acknowledges is there after a restart (it commits the mutation in a fresh
//! snapshot when its append does not follow its own snapshot).

use std::path::Path;

use nitro_kms_parent_link::state_store::{JOURNAL_FILE, SNAPSHOT_FILE};
use nitro_kms_tests::enclave::{Dirs, Enclave};
use serde_json::json;

/// Copies the regular files under `from` to `to` (sockets and the like are skipped).
fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_files(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Starts a second enclave on a copy of `d`'s world and state (so it has the same sealing key),
/// lets it load (compacting into a snapshot one generation up) and stop, then puts its snapshot
/// and empty journal in place of `d`'s, each by an atomic rename, as another parent would.
async fn foreign_snapshot_over(d: &Dirs) {
    let other = tempfile::tempdir().unwrap();
    let (world, parent) = (other.path().join("world"), other.path().join("parent"));
    copy_files(&d.world, &world);
    copy_files(&d.parent, &parent);
    let second = Enclave::start(&world, &parent, &[]).await;
    assert!(
        second.log_text().contains("keystore loaded"),
        "{}",
        second.log_text()
    );
    assert_eq!(second.terminate().await, Some(0));
    for file in [SNAPSHOT_FILE, JOURNAL_FILE] {
        let staged = d.parent.join(format!("{file}.foreign"));
        std::fs::copy(parent.join(file), &staged).unwrap();
        std::fs::rename(&staged, d.parent.join(file)).unwrap();
    }
    assert_eq!(std::fs::read(d.parent.join(JOURNAL_FILE)).unwrap(), b"");
}

async fn key_ids(enclave: &Enclave) -> Vec<String> {
    enclave.call("ListKeys", &json!({"Limit": 1000})).await.ok()["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["KeyId"].as_str().unwrap().to_owned())
        .collect()
}

/// CreateKey through `enclave`: the key id if it was acknowledged.
async fn create_key(enclave: &Enclave) -> Option<String> {
    let reply = enclave.call("CreateKey", &json!({})).await;
    (reply.status == 200).then(|| {
        reply.ok()["KeyMetadata"]["KeyId"]
            .as_str()
            .unwrap()
            .to_owned()
    })
}

/// Restarts on `d` and checks that every key in `acknowledged` is there.
async fn restart_keeps(d: &Dirs, acknowledged: &[&String]) {
    let restarted = Enclave::start(&d.world, &d.parent, &[]).await;
    let keys = key_ids(&restarted).await;
    for key in acknowledged {
        assert!(
            keys.contains(key),
            "acknowledged key {key} is gone after the restart ({keys:?}): {}",
            restarted.log_text()
        );
    }
    assert!(
        !restarted.log_text().contains("stale journal skipped"),
        "{}",
        restarted.log_text()
    );
    assert_eq!(restarted.terminate().await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_snapshot_before_the_first_write_never_costs_an_acknowledged_key() {
    let d = Dirs::new();
    let first = Enclave::start(&d.world, &d.parent, &[]).await;
    foreign_snapshot_over(&d).await;
    // The record of the first enclave's generation would land in the foreign snapshot's empty
    // journal at the length the enclave expects; it must not be acknowledged as appended.
    let key = create_key(&first).await;
    let key = key.unwrap_or_else(|| panic!("CreateKey failed: {}", first.log_text()));
    let log = first.log_text();
    first.kill().await;
    restart_keeps(&d, &[&key]).await;
    assert!(log.contains("committing in a fresh snapshot"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_snapshot_after_the_first_write_never_costs_an_acknowledged_key() {
    let d = Dirs::new();
    let first = Enclave::start(&d.world, &d.parent, &[]).await;
    let before = create_key(&first).await.unwrap();
    foreign_snapshot_over(&d).await;
    let after = create_key(&first).await;
    let after = after.unwrap_or_else(|| panic!("CreateKey failed: {}", first.log_text()));
    // The enclave goes on appending after its fresh snapshot.
    let third = create_key(&first).await.unwrap();
    first.kill().await;
    restart_keeps(&d, &[&before, &after, &third]).await;
}
