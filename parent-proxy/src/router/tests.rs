use std::sync::{Arc, Mutex};

use nitro_kms_parent_link::fake_enclave::{FakeEnclave, link_config};
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_wire::transport::{self, Address};
use nitro_kms_wire::{Message, PersistAction, Status};
use tempfile::TempDir;
use tokio::sync::watch;

use super::*;

/// A router over enclaves that are never reachable (nothing listens on the addresses).
pub(crate) fn unreachable_router(enclaves: usize) -> (Arc<Router>, watch::Sender<bool>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let configs = (0..enclaves)
        .map(|i| {
            let address = Address::Unix(dir.path().join(format!("missing-{i}.sock")));
            link_config(address)
        })
        .collect();
    let (stop, stop_rx) = watch::channel(false);
    let router = Router::start(configs, store(&dir), Arc::new(Metrics::default()), stop_rx);
    (router.unwrap(), stop, dir)
}

fn store(dir: &TempDir) -> Arc<Mutex<StateStore>> {
    Arc::new(Mutex::new(
        StateStore::open(dir.path().join("state")).unwrap(),
    ))
}

#[tokio::test]
async fn unreachable_enclaves_are_neither_connected_nor_caught_up_and_relays_are_counted() {
    let (router, _stop, _dir) = unreachable_router(3);
    assert_eq!(router.enclaves(), 3);
    assert!(!router.leader_connected());
    router.count_relayed(0);
    router.count_relayed(0);
    router.count_relayed(7);
    let status = router.status();
    assert_eq!(status.len(), 3);
    assert_eq!(
        status.iter().map(|s| s.relayed).collect::<Vec<_>>(),
        [2, 0, 0]
    );
    assert!(
        status
            .iter()
            .all(|s| !s.caught_up && s.link_connections == 0)
    );
}

#[tokio::test]
async fn a_replica_is_caught_up_once_it_acknowledges_and_stale_again_after_a_write() {
    let dir = tempfile::tempdir().unwrap();
    let addresses: Vec<Address> = (0..2)
        .map(|i| Address::Unix(dir.path().join(format!("e{i}.sock"))))
        .collect();
    let mut listeners = Vec::new();
    for address in &addresses {
        listeners.push(transport::listen(address).await.unwrap());
    }
    let configs = addresses.into_iter().map(link_config).collect();
    let (_stop, stop_rx) = watch::channel(false);
    let router =
        Router::start(configs, store(&dir), Arc::new(Metrics::default()), stop_rx).unwrap();
    let mut leader = FakeEnclave::accept(&listeners[0]).await;
    let mut replica = FakeEnclave::accept(&listeners[1]).await;
    // A round trip each: both connections are up and read by the proxy.
    leader
        .persist(1, PersistAction::ReadJournal, 0, 0, b"")
        .await;
    let Message::Sync { id } = replica.receive().await else {
        panic!("the replica was not sent a Sync first");
    };
    assert!(router.leader_connected());
    assert!(router.serves_reads(0));
    assert!(!router.serves_reads(1), "stale until it acknowledges");
    replica.sync_ack(id, Status::OK, b"").await;
    assert!(router.serves_reads(1));
    assert!(router.status().iter().all(|s| s.caught_up));

    // The leader writes: before it even has the ack, the replica is stale.
    let ack = leader
        .persist(2, PersistAction::AppendJournal, 0, 0, b"record")
        .await;
    assert_eq!(ack.status, Status::OK);
    assert!(!router.serves_reads(1));
    let Message::Sync { id } = replica.receive().await else {
        panic!("the replica was not told about the write");
    };
    replica.sync_ack(id, Status::OK, b"").await;
    assert!(router.serves_reads(1));
}

#[tokio::test]
async fn one_enclave_needs_no_replication_state() {
    let (router, _stop, dir) = unreachable_router(1);
    assert!(router.replication.is_none());
    assert!(matches!(
        Router::start(
            Vec::new(),
            store(&dir),
            Arc::new(Metrics::default()),
            watch::channel(false).1,
        ),
        Err(RouterError::NoEnclave)
    ));
}
