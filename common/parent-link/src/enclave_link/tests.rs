use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use nitro_kms_wire::transport::{self, Address};
use nitro_kms_wire::{Message, PersistAction, Status};
use tempfile::TempDir;
use tokio::sync::watch;

use super::{EnclaveLink, REPLICA_WRITE_REFUSED, Role};
use crate::fake_enclave::{FakeEnclave, link_config};
use crate::metrics::LinkCounters;
use crate::replication::Replication;
use crate::state_store::StateStore;

/// Starts a link playing `role` to a test enclave and returns that enclave's end of the
/// link's (single) connection.
async fn link_to_fake_enclave(
    role: Role,
    metrics: Arc<LinkCounters>,
) -> (Arc<EnclaveLink>, FakeEnclave, watch::Sender<bool>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let address = Address::Unix(dir.path().join("enclave.sock"));
    let listener = transport::listen(&address).await.unwrap();
    let store = Arc::new(Mutex::new(
        StateStore::open(dir.path().join("state")).unwrap(),
    ));
    let (stop, stop_rx) = watch::channel(false);
    let config = link_config(address);
    let link = EnclaveLink::start_as(config, role, store, metrics, stop_rx);
    let enclave = FakeEnclave::accept(&listener).await;
    (link, enclave, stop, dir)
}

/// A link to a fake read replica (the only one), and the `Sync` it was sent on connect.
async fn replica_link() -> (
    Arc<Replication>,
    Arc<LinkCounters>,
    Arc<EnclaveLink>,
    FakeEnclave,
    watch::Sender<bool>,
    TempDir,
) {
    let replication = Replication::new(1);
    let metrics = Arc::new(LinkCounters::default());
    let role = Role::Replica {
        replication: replication.clone(),
        replica: 0,
    };
    let (link, mut replica, stop, dir) = link_to_fake_enclave(role, metrics.clone()).await;
    assert_eq!(
        replica.receive().await,
        Message::Sync {
            id: replication.generation()
        },
        "a replica is sent a Sync before anything else"
    );
    (replication, metrics, link, replica, stop, dir)
}

#[tokio::test]
async fn a_leader_write_makes_every_replica_stale_before_the_leader_is_acknowledged() {
    let replication = Replication::new(2);
    replication.acknowledged(0, replication.generation());
    replication.acknowledged(1, replication.generation());
    let metrics = Arc::new(LinkCounters::default());
    let (_link, mut leader, _stop, _dir) =
        link_to_fake_enclave(Role::Leader(replication.clone()), metrics).await;
    let before = replication.generation();

    let ack = leader
        .persist(1, PersistAction::AppendJournal, 0, 0, b"abc")
        .await;
    assert_eq!(ack.status, Status::OK);
    // The ack is in the leader's hands: the replicas were already stale.
    assert_eq!(replication.generation(), before + 1);
    assert_eq!(replication.caught_up(), 0);

    // Reads change nothing; a snapshot counts once, when its last chunk installs it.
    leader
        .persist(2, PersistAction::ReadJournal, 0, 0, b"")
        .await;
    assert_eq!(replication.generation(), before + 1);
    let ack = leader
        .persist(3, PersistAction::WriteSnapshot, 0, 6, b"new")
        .await;
    assert_eq!(ack.status, Status::OK);
    assert_eq!(replication.generation(), before + 1);
    let ack = leader
        .persist(4, PersistAction::WriteSnapshot, 3, 6, b"snp")
        .await;
    assert_eq!(ack.status, Status::OK);
    assert_eq!(replication.generation(), before + 2);
    // A write the store refuses (wrong expected length) is no change.
    let ack = leader
        .persist(5, PersistAction::AppendJournal, 99, 0, b"x")
        .await;
    assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR);
    assert_eq!(replication.generation(), before + 2);
}

#[tokio::test]
async fn a_replica_is_sent_a_sync_first_and_its_writes_are_refused_but_its_reads_served() {
    let (_replication, _metrics, link, mut replica, _stop, dir) = replica_link().await;
    for (action, total) in [
        (PersistAction::AppendJournal, 0),
        (PersistAction::WriteSnapshot, 3),
    ] {
        let ack = replica.persist(1, action, 0, total, b"abc").await;
        assert_eq!(ack.status, Status::INTERNAL_SERVER_ERROR, "{action:?}");
        assert_eq!(ack.payload, REPLICA_WRITE_REFUSED.as_bytes(), "{action:?}");
    }
    for action in [
        PersistAction::ReadSnapshot,
        PersistAction::ReadJournal,
        PersistAction::ReadSealRoot,
    ] {
        let ack = replica.persist(2, action, 0, 0, b"").await;
        assert_eq!(ack.status, Status::OK, "{action:?}");
    }
    let ack = replica
        .persist(3, PersistAction::CreateSealRoot, 0, 0, b"blob")
        .await;
    assert_eq!(ack.status, Status::OK);
    // Nothing was written by the refused requests.
    for file in ["keystore.journal", "keystore.snapshot"] {
        assert!(!dir.path().join("state").join(file).exists(), "{file}");
    }
    assert_eq!(link.connected(), 1);
}

#[tokio::test]
async fn a_replica_is_caught_up_only_by_a_successful_ack_of_the_current_generation() {
    let (replication, metrics, _link, mut replica, _stop, _dir) = replica_link().await;
    let first = replication.generation();
    assert!(!replication.is_caught_up(0));
    replica.sync_ack(first, Status::OK, b"").await;
    assert!(replication.is_caught_up(0));

    // A write of the leader: stale at once, and told so.
    let second = replication.stored();
    assert!(!replication.is_caught_up(0));
    assert_eq!(replica.receive().await, Message::Sync { id: second });
    replica
        .sync_ack(
            second,
            Status::INTERNAL_SERVER_ERROR,
            b"cannot read the journal",
        )
        .await;
    assert_eq!(metrics.syncs_failed.load(Ordering::Relaxed), 1);
    assert!(!replication.is_caught_up(0));
    // Still stale: asked again, without another write.
    assert_eq!(replica.receive().await, Message::Sync { id: second });
    replica.sync_ack(second, Status::OK, b"").await;
    assert!(replication.is_caught_up(0));
    assert!(metrics.syncs_sent.load(Ordering::Relaxed) >= 3);
}
