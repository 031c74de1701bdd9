//! Tests of the sealed store: load, commit, torn tails, compaction, read replicas catching up.

use std::collections::BTreeMap;

use super::*;
use crate::test_support;

#[tokio::test]
async fn the_journal_is_folded_into_a_snapshot_after_the_compaction_threshold() {
    let (svc, _clock, parent) = test_support::service().await;
    let reply = svc
        .handle("CreateKey", "arn:aws:iam::111122223333:root", b"{}")
        .await;
    let created: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let mut largest_journal = 0;
    for i in 0..COMPACT_AFTER_RECORDS + 5 {
        let tags = BTreeMap::from([("n".to_owned(), i.to_string())]);
        svc.store
            .commit(Mutation::TagResource {
                key_id: key_id.clone(),
                tags,
            })
            .await
            .unwrap();
        largest_journal = largest_journal.max(parent.lock().unwrap().journal.len());
    }
    {
        let files = parent.lock().unwrap();
        // The journal grew, then a snapshot took it over and it started again.
        assert!(
            largest_journal > files.journal.len() * 100,
            "{largest_journal}"
        );
        assert!(!files.snapshot.is_empty());
    }
    let last = (COMPACT_AFTER_RECORDS + 4).to_string();
    assert_eq!(
        svc.store
            .read(|ks| ks.key(&key_id).unwrap().tags["n"].clone()),
        last
    );
    // A restart on the same parent (snapshot + the records after it) sees the same state.
    let before = svc.store.read(Keystore::clone);
    let (reloaded, report) = SealedKeystore::load(
        test_support::memory_link(parent),
        test_support::sealing_key(),
    )
    .await
    .unwrap();
    // CreateKey + 1023 tags filled the journal; tag 1024 went into a snapshot; 5 followed.
    assert_eq!(report.replayed, 5);
    assert_eq!(reloaded.read(Keystore::clone), before);
}

const ROOT: &str = "arn:aws:iam::111122223333:root";

/// Calls `op` on `svc` and returns the status and the JSON answer (`Null` when empty).
async fn call(
    svc: &Arc<crate::service::Service>,
    op: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let reply = svc.handle(op, ROOT, body.to_string().as_bytes()).await;
    let json = serde_json::from_slice(&reply.body).unwrap_or(serde_json::Value::Null);
    (reply.status.code(), json)
}

/// A loaded leader, a replica of its state that has caught up with a key the leader
/// created (that key's id), and their in-memory parent.
async fn leader_replica_and_key() -> (
    Arc<crate::service::Service>,
    Arc<crate::service::Service>,
    String,
    Arc<std::sync::Mutex<test_support::MemoryParent>>,
) {
    let (leader, _clock, parent) = test_support::service().await;
    let replica = test_support::replica(parent.clone()).await;
    let key = create_key(&leader).await;
    replica.store.catch_up().await.unwrap();
    (leader, replica, key, parent)
}

fn has_key(svc: &crate::service::Service, key_id: &str) -> bool {
    svc.store.read(|ks| ks.key(key_id).is_some())
}

async fn create_key(svc: &Arc<crate::service::Service>) -> String {
    let (status, created) = call(svc, "CreateKey", serde_json::json!({})).await;
    assert_eq!(status, 200, "{created}");
    created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_replica_loading_the_shared_state_writes_nothing() {
    let (leader, _clock, parent) = test_support::service().await;
    create_key(&leader).await;
    let before = {
        let files = parent.lock().unwrap();
        (files.snapshot.clone(), files.journal.clone())
    };
    let replica = test_support::replica(parent.clone()).await;
    let after = {
        let files = parent.lock().unwrap();
        (files.snapshot.clone(), files.journal.clone())
    };
    // No compaction: the leader's journal is still there, to be appended to.
    assert_eq!(before, after);
    assert_eq!(
        replica.store.read(Keystore::clone),
        leader.store.read(Keystore::clone)
    );
}

#[tokio::test]
async fn a_replica_catches_up_by_applying_the_records_the_leader_appended() {
    let (leader, _clock, parent) = test_support::service().await;
    let replica = test_support::replica(parent.clone()).await;
    let key = create_key(&leader).await;
    let (status, _) = call(&leader, "DisableKey", serde_json::json!({"KeyId": key})).await;
    assert_eq!(status, 200);
    // Not yet seen: the replica serves the state it had until it catches up.
    assert!(!has_key(&replica, &key));

    let report = replica.store.catch_up().await.unwrap();
    assert_eq!((report.applied, report.reloaded), (2, false));
    assert_eq!(
        replica.store.read(Keystore::clone),
        leader.store.read(Keystore::clone)
    );
    let (status, answer) = call(
        &replica,
        "GenerateDataKey",
        serde_json::json!({"KeyId": key, "NumberOfBytes": 32}),
    )
    .await;
    assert_eq!(
        (status, &answer["__type"]),
        (400, &"DisabledException".into())
    );

    // Nothing new: nothing applied, nothing read again.
    let report = replica.store.catch_up().await.unwrap();
    assert_eq!((report.applied, report.reloaded), (0, false));
}

#[tokio::test]
async fn a_replica_reloads_the_whole_state_after_the_leader_writes_a_snapshot() {
    let (_leader, replica, first, parent) = leader_replica_and_key().await;
    // The leader restarts: it loads and compacts into a new snapshot (and an empty journal),
    // then appends to that. The replica's journal position means nothing any more.
    let (restarted, _) = SealedKeystore::load(
        test_support::memory_link(parent.clone()),
        test_support::sealing_key(),
    )
    .await
    .unwrap();
    let second_key = crate::keystore::StoredKey {
        key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".to_owned(),
        ..restarted.read(|ks| ks.key(&first).unwrap().clone())
    };
    restarted
        .commit(Mutation::CreateKey(second_key.clone()))
        .await
        .unwrap();

    let report = replica.store.catch_up().await.unwrap();
    assert!(report.reloaded, "{report:?}");
    assert_eq!(report.high_water.0, 2);
    assert_eq!(
        replica.store.read(Keystore::clone),
        restarted.read(Keystore::clone)
    );
    assert!(has_key(&replica, &second_key.key_id));
    // From there it follows the new journal record by record again.
    restarted
        .commit(Mutation::DeleteKey {
            key_id: second_key.key_id.clone(),
        })
        .await
        .unwrap();
    let report = replica.store.catch_up().await.unwrap();
    assert_eq!((report.applied, report.reloaded), (1, false));
    assert!(!has_key(&replica, &second_key.key_id));
}

#[tokio::test]
async fn a_replica_sees_a_new_snapshot_even_when_the_new_journal_is_as_long_as_its_own() {
    // The journal alone cannot tell: the replica's position is where the new journal also
    // ends. The snapshot's tag shows it was replaced.
    let (leader, replica, key, parent) = leader_replica_and_key().await;
    let journal = parent.lock().unwrap().journal.clone();
    let tag = |n: &str| Mutation::TagResource {
        key_id: key.clone(),
        tags: BTreeMap::from([("n".to_owned(), n.to_owned())]),
    };
    // A failed append makes the next write a snapshot; then the same record length again.
    leader.store.state.position.lock().await.needs_snapshot = true;
    leader.store.commit(tag("1")).await.unwrap();
    assert!(parent.lock().unwrap().journal.is_empty());
    {
        let mut files = parent.lock().unwrap();
        // Pad the new journal to the replica's position with a copy of the old one: garbage
        // for this generation, and exactly as long.
        files.journal = journal;
    }
    let report = replica.store.catch_up().await;
    // The reload sees a journal of the old generation: skipped as stale; state = snapshot.
    let report = report.unwrap();
    assert!(report.reloaded, "{report:?}");
    assert_eq!(
        replica.store.read(|ks| ks.key(&key).unwrap().tags.clone()),
        BTreeMap::from([("n".to_owned(), "1".to_owned())])
    );
}

#[tokio::test]
async fn a_replica_refuses_a_stored_state_older_than_the_one_it_serves() {
    let (leader, _clock, parent) = test_support::service().await;
    let old = {
        let files = parent.lock().unwrap();
        (files.snapshot.clone(), files.journal.clone())
    };
    let replica = test_support::replica(parent.clone()).await;
    // The leader moves on to a newer snapshot, and the replica follows.
    let key = create_key(&leader).await;
    leader.store.state.position.lock().await.needs_snapshot = true;
    create_key(&leader).await;
    replica.store.catch_up().await.unwrap();
    let served = replica.store.read(Keystore::clone);
    // The parent puts the old files back.
    {
        let mut files = parent.lock().unwrap();
        (files.snapshot, files.journal) = old;
    }
    let error = replica.store.catch_up().await.unwrap_err();
    assert!(
        matches!(error, LoadError::Seal(SealError::RolledBack { .. })),
        "{error}"
    );
    assert_eq!(replica.store.read(Keystore::clone), served);
    assert!(has_key(&replica, &key));
}

#[tokio::test]
async fn a_replica_refuses_every_mutation_with_a_retryable_internal_error() {
    let (leader, _clock, parent) = test_support::service().await;
    let key = create_key(&leader).await;
    let replica = test_support::replica(parent.clone()).await;
    let journal = parent.lock().unwrap().journal.clone();
    for (op, body) in [
        ("CreateKey", serde_json::json!({})),
        ("DisableKey", serde_json::json!({"KeyId": key})),
        (
            "CreateAlias",
            serde_json::json!({"AliasName": "alias/nope", "TargetKeyId": key}),
        ),
        (
            "TagResource",
            serde_json::json!({"KeyId": key, "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
        ),
    ] {
        let (status, answer) = call(&replica, op, body).await;
        assert_eq!(status, 500, "{op}: {answer}");
        assert_eq!(answer["__type"], "KMSInternalException", "{op}");
        assert_eq!(
            answer["message"],
            "This key store replica does not accept changes. The request can be retried.",
            "{op}"
        );
    }
    // Nothing reached the parent; reads still work.
    assert_eq!(parent.lock().unwrap().journal, journal);
    let (status, _) = call(&replica, "DescribeKey", serde_json::json!({"KeyId": key})).await;
    assert_eq!(status, 200);
    assert!(matches!(
        replica
            .store
            .state
            .link
            .call(PersistAction::AppendJournal, 0, 0, b"x".to_vec())
            .await,
        Err(LinkError::ReadReplica)
    ));
}

/// Loads a second leader over `parent` (as a second parent process on the same state directory
/// would start one): it compacts the state into a snapshot one generation up, then stops.
async fn foreign_compaction(parent: &Arc<std::sync::Mutex<test_support::MemoryParent>>) {
    let (other, report) = SealedKeystore::load(
        test_support::memory_link(parent.clone()),
        test_support::sealing_key(),
    )
    .await
    .unwrap();
    assert!(report.generation >= 2, "{report:?}");
    drop(other);
}

/// What a restart on `parent` loads, and whether it skipped a stale journal.
async fn restart(
    parent: Arc<std::sync::Mutex<test_support::MemoryParent>>,
) -> (SealedKeystore, LoadReport) {
    SealedKeystore::load(
        test_support::memory_link(parent),
        test_support::sealing_key(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_key_acknowledged_after_a_foreign_snapshot_replaced_ours_survives_a_restart() {
    // Issue 15 item 5, the second process started before the first wrote: this in-memory parent
    // checks nothing (no expected length, no generation), so only the enclave's own check stands
    // between the ack and a record of the old generation behind the new snapshot.
    let (first, _clock, parent) = test_support::service().await;
    foreign_compaction(&parent).await;
    let key = create_key(&first).await;
    let (reloaded, report) = restart(parent).await;
    assert!(!report.skipped_stale_journal, "{report:?}");
    assert!(
        reloaded.read(|ks| ks.key(&key).is_some()),
        "the acknowledged key is gone after the restart: {report:?}"
    );
}

#[tokio::test]
async fn keys_acknowledged_before_and_after_a_foreign_snapshot_survive_a_restart() {
    // The same with the second process started after the first wrote.
    let (first, _clock, parent) = test_support::service().await;
    let before = create_key(&first).await;
    foreign_compaction(&parent).await;
    let after = create_key(&first).await;
    let (reloaded, report) = restart(parent).await;
    for key in [&before, &after] {
        assert!(
            reloaded.read(|ks| ks.key(key).is_some()),
            "{key} is gone after the restart: {report:?}"
        );
    }
    // The first enclave goes on appending after its fresh snapshot.
    let (status, _) = call(&first, "DisableKey", serde_json::json!({"KeyId": after})).await;
    assert_eq!(status, 200);
    assert!(first.store.read(|ks| ks.key(&after).is_some()));
}

#[tokio::test]
async fn the_load_report_carries_the_generation_and_sequence_in_force() {
    let (first, _clock, parent) = test_support::service().await;
    create_key(&first).await;
    create_key(&first).await;
    let (_, report) = restart(parent).await;
    // First start: generation 1 (compaction of the empty state); two records (seq 1, 2); the
    // restart compacts them into generation 2.
    assert_eq!((report.generation, report.sequence), (2, 2), "{report:?}");
}
