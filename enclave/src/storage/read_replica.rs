//! Following the leader: what an enclave does when the parent makes it a read replica.
//!
//! Several enclaves of one image can serve one sealed keystore (see `docs/horizontal-scale.md`):
//! they share the sealing key, the parent stores one snapshot and journal, and exactly one enclave
//! — the leader — writes them. The parent tells the others by sending them `Sync { id }`, first
//! on each of their connections and again after every write of the leader:
//!
//! - the first `Sync` makes the enclave a read replica for good
//!   ([`ParentLink::become_replica`]): it never writes the shared state again, and its mutating
//!   operations fail (`KMSInternalException`, retryable);
//! - each `Sync` asks it to catch up
//!   ([`SealedKeystore::catch_up`](super::sealed_store::SealedKeystore::catch_up))
//!   and answer `SyncAck { id, 200 }` once it serves everything stored when the `Sync` was sent,
//!   or `SyncAck { id, 500, reason }` when it could not (it then keeps serving the state it had,
//!   and the parent keeps it out of the routing).
//!
//! Catch-ups run one at a time, in a task (the connection's reader must stay free to deliver the
//! `PersistAck`s the catch-up waits for). `Sync`s that arrive while one runs are coalesced: the
//! next catch-up answers all of them, and only the newest id per connection is kept, so a burst
//! of writes costs a replica one or two catch-ups, not one each, and the waiting list is bounded
//! by the number of connections.

use std::sync::{Arc, Mutex};

use nitro_kms_wire::{Message, Status};
use tokio::sync::mpsc;

use crate::context::ServiceSlot;
use crate::storage::parent_link::ParentLink;

/// `Sync`s waiting for a catch-up, and whether one is running.
#[derive(Default)]
struct Waiting {
    /// The newest `Sync` id per connection (its outbound queue), to answer after the next
    /// catch-up.
    syncs: Vec<(u64, mpsc::Sender<Message>)>,
    /// Whether a task is running catch-ups (it takes every waiting `Sync` before each one).
    running: bool,
}

/// Serializes and coalesces catch-ups: one per enclave, shared by all its connections.
#[derive(Default)]
pub struct ReplicaSync {
    waiting: Mutex<Waiting>,
}

impl std::fmt::Debug for ReplicaSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = lock(&self.waiting);
        f.debug_struct("ReplicaSync")
            .field("waiting", &waiting.syncs.len())
            .field("running", &waiting.running)
            .finish()
    }
}

impl ReplicaSync {
    /// A coordinator with nothing waiting.
    pub fn new() -> Arc<ReplicaSync> {
        Arc::default()
    }

    /// Handles `Sync { id }` read from the connection whose outbound queue is `reply`.
    ///
    /// Marks the enclave a read replica at once (before the caller reads the next frame, see
    /// [`ParentLink::become_replica`]), then queues the `Sync` for the next catch-up, starting
    /// the catch-up task if none runs. The answer goes to `reply` when that catch-up is done.
    /// `service` is the enclave's service slot: a replica still loading its state catches up (a
    /// cheap no-op, usually) once it is ready.
    pub fn request(
        self: &Arc<Self>,
        id: u64,
        reply: mpsc::Sender<Message>,
        link: &ParentLink,
        service: ServiceSlot,
    ) {
        link.become_replica();
        let start = {
            let mut waiting = lock(&self.waiting);
            match waiting
                .syncs
                .iter_mut()
                .find(|(_, queue)| queue.same_channel(&reply))
            {
                Some(entry) => entry.0 = entry.0.max(id),
                None => waiting.syncs.push((id, reply)),
            }
            !std::mem::replace(&mut waiting.running, true)
        };
        if start {
            tokio::spawn(self.clone().run(service));
        }
    }

    /// Runs catch-ups until no `Sync` waits: each one answers the `Sync`s that arrived before it
    /// started (everything they refer to was stored by then, so the catch-up sees it).
    async fn run(self: Arc<Self>, mut service: ServiceSlot) {
        loop {
            let batch = {
                let mut waiting = lock(&self.waiting);
                if waiting.syncs.is_empty() {
                    waiting.running = false;
                    return;
                }
                std::mem::take(&mut waiting.syncs)
            };
            let ready = service
                .wait_for(Option::is_some)
                .await
                .ok()
                .and_then(|s| s.clone());
            let outcome = match ready {
                None => Err("the enclave is shutting down".to_owned()),
                Some(service) => service.store.catch_up().await.map_err(|e| e.to_string()),
            };
            match &outcome {
                Ok(report) if report.reloaded => tracing::info!(
                    generation = report.high_water.0,
                    sequence = report.high_water.1,
                    "nitro-kms-enclave: read replica reloaded the sealed state (generation {}, \
                     sequence {})",
                    report.high_water.0,
                    report.high_water.1
                ),
                Ok(_) => {}
                Err(reason) => {
                    tracing::warn!("nitro-kms-enclave: read replica cannot catch up: {reason}")
                }
            }
            for (id, reply) in batch {
                let answer = match &outcome {
                    Ok(_) => Message::SyncAck {
                        id,
                        status: Status::OK,
                        payload: Vec::new(),
                    },
                    Err(reason) => Message::SyncAck {
                        id,
                        status: Status::INTERNAL_SERVER_ERROR,
                        payload: reason.clone().into_bytes(),
                    },
                };
                // A connection that closed meanwhile needs no answer.
                let _ = reply.send(answer).await;
            }
        }
    }
}

/// Locks a mutex, ignoring poisoning (a plain list that a panic cannot corrupt).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::watch;

    use super::*;
    use crate::service::Service;
    use crate::test_support;

    /// The next SyncAck on `rx`, as (id, status, reason).
    async fn ack(rx: &mut mpsc::Receiver<Message>) -> (u64, u16, String) {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(Message::SyncAck {
                id,
                status,
                payload,
            })) => (
                id,
                status.code(),
                String::from_utf8_lossy(&payload).into_owned(),
            ),
            other => panic!("expected a SyncAck, got {other:?}"),
        }
    }

    /// A leader and a replica over one in-memory parent, the replica's service slot, and a
    /// link standing for the replica's parent connection.
    struct Fixture {
        leader: Arc<Service>,
        parent: Arc<std::sync::Mutex<test_support::MemoryParent>>,
        replica: Arc<Service>,
        slot: ServiceSlot,
        link: ParentLink,
    }

    async fn fixture() -> Fixture {
        let (leader, _clock, parent) = test_support::service().await;
        let replica = test_support::replica(parent.clone()).await;
        let (_, slot) = watch::channel(Some(replica.clone()));
        Fixture {
            leader,
            parent,
            replica,
            slot,
            link: ParentLink::new(Duration::from_secs(1)),
        }
    }

    #[tokio::test]
    async fn a_sync_makes_the_enclave_a_replica_and_is_answered_once_it_caught_up() {
        let Fixture {
            leader,
            replica,
            slot,
            link,
            ..
        } = fixture().await;
        let syncs = ReplicaSync::new();
        let created = leader
            .handle("CreateKey", "arn:aws:iam::111122223333:root", b"{}")
            .await;
        assert!(created.status.is_success());

        let (tx, mut rx) = mpsc::channel(8);
        syncs.request(7, tx.clone(), &link, slot.clone());
        assert!(link.is_replica());
        assert_eq!(ack(&mut rx).await, (7, 200, String::new()));
        assert_eq!(
            replica.store.read(crate::keystore::Keystore::clone),
            leader.store.read(crate::keystore::Keystore::clone)
        );
        // Several Syncs from two connections: every connection hears back, with its newest id.
        let (other_tx, mut other_rx) = mpsc::channel(8);
        syncs.request(8, tx.clone(), &link, slot.clone());
        syncs.request(9, tx, &link, slot.clone());
        syncs.request(9, other_tx, &link, slot);
        let mut ids = vec![ack(&mut rx).await.0];
        if ids[0] == 8 {
            ids.push(ack(&mut rx).await.0);
        }
        assert_eq!(ids.last(), Some(&9));
        assert_eq!(ack(&mut other_rx).await, (9, 200, String::new()));
    }

    #[tokio::test]
    async fn a_catch_up_that_fails_is_answered_with_its_reason() {
        let Fixture {
            parent, slot, link, ..
        } = fixture().await;
        // The stored snapshot changed (its tag) and no longer authenticates.
        {
            let mut files = parent.lock().unwrap();
            let last = files.snapshot.len() - 1;
            files.snapshot[last] ^= 1;
        }
        let (tx, mut rx) = mpsc::channel(8);
        ReplicaSync::new().request(3, tx, &link, slot);
        let (id, status, reason) = ack(&mut rx).await;
        assert_eq!((id, status), (3, 500));
        assert!(
            reason.contains("snapshot does not authenticate"),
            "{reason}"
        );
    }
}
