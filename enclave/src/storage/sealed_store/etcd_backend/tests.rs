//! The etcd backend against a real etcd (skipped, loudly, without the binary): election, writes
//! by the leader only, followers by watch, fencing, takeover, and refusing a state that does not
//! hold together.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nitro_kms_etcd::layout::{self, Head};
use nitro_kms_etcd::testing::{TestCluster, etcd_binary};

use super::*;
use crate::keystore::{KeyStateRecord, StoredKey};
use crate::storage::etcd_store::EtcdStore;
use crate::test_support;

const TTL: Duration = Duration::from_secs(2);

/// A running cluster, or `None` (and a loud line) without the etcd binary.
async fn cluster(dir: &std::path::Path) -> Option<TestCluster> {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    if etcd_binary().is_none() {
        eprintln!("SKIPPED: no etcd binary (install the Debian package etcd-server)");
        return None;
    }
    Some(TestCluster::start(1, dir).await.unwrap())
}

fn store(cluster: &TestCluster, prefix: &str, id: &str) -> Arc<EtcdStore> {
    Arc::new(EtcdStore::new(
        cluster.client(None).unwrap(),
        prefix.as_bytes().to_vec(),
        TTL,
        id.to_owned(),
    ))
}

async fn load(etcd: &Arc<EtcdStore>) -> SealedKeystore {
    let link = Arc::new(ParentLink::new(Duration::from_secs(1)));
    match SealedKeystore::load_from_etcd(link, etcd.clone(), test_support::sealing_key()).await {
        Ok((store, _)) => store,
        Err(failure) => panic!("load: {}", failure.error),
    }
}

fn create_key(key_id: &str) -> Mutation {
    Mutation::CreateKey(StoredKey {
        key_id: key_id.to_owned(),
        creation_date_ms: 0,
        description: String::new(),
        key_spec: nitro_kms_api::types::KeySpec::SymmetricDefault,
        key_usage: nitro_kms_api::types::KeyUsageType::EncryptDecrypt,
        state: KeyStateRecord::Enabled,
        policy: crate::policy::default_policy("111122223333"),
        tags: std::collections::BTreeMap::new(),
        material: None,
        rotation: Default::default(),
        import: None,
        grants: Vec::new(),
        multi_region: None,
    })
}

/// Waits (at most 10 s) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_enclave_leads_and_a_follower_sees_its_writes_and_refuses_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster(dir.path()).await else {
        return;
    };
    let (_stop_tx, stop) = watch::channel(false);
    let etcd_a = store(&cluster, "/t1/", "enclave-a");
    let a = load(&etcd_a).await;
    let _fa = a.follow_etcd(stop.clone());
    until("a to lead", || etcd_a.fence().is_some()).await;
    a.commit(create_key("k1")).await.unwrap();

    let etcd_b = store(&cluster, "/t1/", "enclave-b");
    let b = load(&etcd_b).await;
    let _fb = b.follow_etcd(stop.clone());
    assert!(b.read(|k| k.key("k1").is_some()), "b loads what a wrote");
    until("b to know the leader", || {
        etcd_b.leader_hint().as_deref() == Some("enclave-a")
    })
    .await;

    a.commit(create_key("k2")).await.unwrap();
    until("b to follow k2", || b.read(|k| k.key("k2").is_some())).await;
    assert!(matches!(
        b.commit(create_key("k3")).await,
        Err(CommitError::ReadReplica)
    ));
    assert!(b.read(|k| k.key("k3").is_none()));
    assert!(b.is_replica() && !a.is_replica());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_leader_key_goes_exactly_one_enclave_leads_again_and_the_other_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster(dir.path()).await else {
        return;
    };
    let (_stop_tx, stop) = watch::channel(false);
    let etcd_a = store(&cluster, "/t2/", "enclave-a");
    let a = load(&etcd_a).await;
    let _fa = a.follow_etcd(stop.clone());
    until("a to lead", || etcd_a.fence().is_some()).await;
    a.commit(create_key("before")).await.unwrap();
    let etcd_b = store(&cluster, "/t2/", "enclave-b");
    let b = load(&etcd_b).await;
    let _fb = b.follow_etcd(stop.clone());
    until("b to know the leader", || etcd_b.leader_hint().is_some()).await;

    // What an expired lease does: etcd deletes the leader key. Both campaign; one wins.
    let admin = cluster.client(None).unwrap();
    admin
        .txn(nitro_kms_etcd::Txn {
            compare: vec![],
            success: vec![nitro_kms_etcd::Op::DeleteRange {
                key: layout::leader(b"/t2/"),
                range_end: None,
            }],
            failure: vec![],
        })
        .await
        .unwrap();
    // A client retries the follower error until the write lands on whoever leads now.
    let deadline = Instant::now() + Duration::from_secs(10);
    let leader = loop {
        assert!(Instant::now() < deadline, "no leader took the write");
        let candidate = if etcd_a.fence().is_some() { &a } else { &b };
        if candidate.commit(create_key("after")).await.is_ok() {
            break candidate;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let follower = if std::ptr::eq(leader, &a) { &b } else { &a };
    assert!(leader.read(|k| k.key("before").is_some()));
    assert!(matches!(
        follower.commit(create_key("lost")).await,
        Err(CommitError::ReadReplica)
    ));
    until("the follower to follow", || {
        follower.read(|k| k.key("after").is_some())
    })
    .await;
    assert!(a.read(|k| k.key("lost").is_none()) && b.read(|k| k.key("lost").is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_stops_hands_over_without_waiting_for_its_lease() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster(dir.path()).await else {
        return;
    };
    let (stop_a_tx, stop_a) = watch::channel(false);
    let (_stop_b_tx, stop_b) = watch::channel(false);
    let etcd_a = store(&cluster, "/t5/", "enclave-a");
    let a = load(&etcd_a).await;
    let follow_a = a.follow_etcd(stop_a).unwrap();
    until("a to lead", || etcd_a.fence().is_some()).await;
    a.commit(create_key("k")).await.unwrap();
    let etcd_b = store(&cluster, "/t5/", "enclave-b");
    let b = load(&etcd_b).await;
    let _fb = b.follow_etcd(stop_b);
    until("b to know the leader", || etcd_b.leader_hint().is_some()).await;
    let _ = stop_a_tx.send(true);
    follow_a.await.unwrap();
    assert!(etcd_a.fence().is_none(), "a resigned");
    // Well within the lease's TTL: the lease was revoked, not left to expire.
    until("b to lead", || etcd_b.fence().is_some()).await;
    b.commit(create_key("k2")).await.unwrap();
    assert!(b.read(|k| k.key("k").is_some() && k.key("k2").is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_fenced_by_an_old_leader_key_is_refused_by_etcd() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster(dir.path()).await else {
        return;
    };
    let (_stop_tx, stop) = watch::channel(false);
    let etcd_a = store(&cluster, "/t3/", "enclave-a");
    let a = load(&etcd_a).await;
    let _fa = a.follow_etcd(stop.clone());
    until("a to lead", || etcd_a.fence().is_some()).await;
    let fence = etcd_a.fence().unwrap();
    a.commit(create_key("k")).await.unwrap();
    // A head that is not etcd's (a write this leader believes lost, which landed) is refused.
    let stale = Head {
        generation: 1,
        last_seq: 0,
    };
    let outcome = etcd_a.append(fence, stale, b"x".to_vec()).await.unwrap();
    let now = Head {
        generation: 1,
        last_seq: 1,
    };
    assert_eq!(outcome, WriteOutcome::HeadMoved(Some(now)));
    // Another enclave's leader key (a new create revision): this leader's fence no longer holds,
    // whatever it believes.
    let admin = cluster.client(None).unwrap();
    admin
        .txn(nitro_kms_etcd::Txn {
            compare: vec![],
            success: vec![nitro_kms_etcd::Op::DeleteRange {
                key: layout::leader(b"/t3/"),
                range_end: None,
            }],
            failure: vec![],
        })
        .await
        .unwrap();
    admin
        .put(
            layout::leader(b"/t3/"),
            br#"{"id":"enclave-z"}"#.to_vec(),
            None,
        )
        .await
        .unwrap();
    let outcome = etcd_a.append(fence, now, b"x".to_vec()).await.unwrap();
    assert_eq!(outcome, WriteOutcome::NotLeader);
    let journal = admin
        .range(nitro_kms_etcd::RangeRequest {
            key: layout::journal(b"/t3/", 2),
            range_end: None,
            revision: None,
            limit: None,
        })
        .await
        .unwrap();
    assert!(journal.kvs.is_empty(), "no refused record reached etcd");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_the_records_do_not_reach_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster(dir.path()).await else {
        return;
    };
    let (stop_tx, stop) = watch::channel(false);
    let etcd_a = store(&cluster, "/t4/", "enclave-a");
    let a = load(&etcd_a).await;
    let follower = a.follow_etcd(stop.clone()).unwrap();
    until("a to lead", || etcd_a.fence().is_some()).await;
    a.commit(create_key("k")).await.unwrap();
    let _ = stop_tx.send(true);
    let _ = follower.await;
    let admin = cluster.client(None).unwrap();
    admin
        .put(layout::head(b"/t4/"), b"1/7".to_vec(), None)
        .await
        .unwrap();
    let etcd_b = store(&cluster, "/t4/", "enclave-b");
    let link = Arc::new(ParentLink::new(Duration::from_secs(1)));
    let failure = SealedKeystore::load_from_etcd(link, etcd_b, test_support::sealing_key())
        .await
        .expect_err("refused");
    assert!(
        matches!(failure.error, LoadError::EtcdInconsistent(_)),
        "{}",
        failure.error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_folds_the_journal_into_a_snapshot_that_followers_and_restarts_read() {
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster(dir.path()).await else {
        return;
    };
    let (_stop_tx, stop) = watch::channel(false);
    let etcd_a = store(&cluster, "/t6/", "enclave-a");
    let a = load(&etcd_a).await;
    let _fa = a.follow_etcd(stop.clone());
    until("a to lead", || etcd_a.fence().is_some()).await;
    let etcd_b = store(&cluster, "/t6/", "enclave-b");
    let b = load(&etcd_b).await;
    let _fb = b.follow_etcd(stop.clone());
    let total = COMPACT_AFTER_RECORDS + 3;
    for i in 0..total {
        a.commit(create_key(&format!("k{i}"))).await.unwrap();
    }
    // Generation 1 (the new store's first snapshot), then one fold: generation 2, 3 records after.
    let admin = cluster.client(None).unwrap();
    let head = admin
        .range(nitro_kms_etcd::RangeRequest {
            key: layout::head(b"/t6/"),
            range_end: None,
            revision: None,
            limit: None,
        })
        .await
        .unwrap();
    let head = Head::parse(&head.kvs[0].value).unwrap();
    assert_eq!(
        head,
        Head {
            generation: 2,
            last_seq: total
        }
    );
    let last = format!("k{}", total - 1);
    until("b to follow through the snapshot", || {
        b.read(|k| k.key(&last).is_some() && k.keys().count() == total as usize)
    })
    .await;
    let etcd_c = store(&cluster, "/t6/", "enclave-c");
    let c = load(&etcd_c).await;
    assert_eq!(c.read(|k| k.keys().count()), total as usize);
    assert_eq!(c.position().await.generation, 2);
}
