//! Which enclave answers a request: the leader for every change, any caught-up enclave for reads.
//!
//! The proxy can front several enclaves of one image sharing one sealed keystore (`--enclave`
//! given more than once; see `docs/horizontal-scale.md`). One of them, the first, is the
//! **leader**: the only writer of the shared state, so every operation that changes it goes there
//! ([`Access::Write`]). The others are read replicas that follow the leader's journal
//! ([`nitro_kms_parent_link::replication`]); the data plane and the read-only control plane ([`Access::Read`])
//! go round-robin over the leader and every replica that is connected and caught up. A replica
//! that has not yet applied the latest acknowledged write is skipped, so a client that just
//! changed a key (DisableKey, PutKeyPolicy, CreateAlias...) sees the change on its next request
//! whichever enclave answers it. When nothing else qualifies the leader gets the request, and if
//! it is down too the request fails the usual retryable way (its link's timeout).
//!
//! With a single enclave the router is a pass-through to its link: no classification, no
//! replication state, one relaxed counter increment for `/metrics`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_api::Access;
use nitro_kms_parent_link::replication::Replication;
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_parent_link::{EnclaveLink, ForwardRelay, LinkConfig, Relayed, Role};
use tokio::sync::watch;

use crate::metrics::{EnclaveStatus, Metrics};

/// Why the enclaves could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// No enclave address was given.
    #[error("at least one enclave is needed")]
    NoEnclave,
}

/// The enclaves and how requests are spread over them.
pub struct Router {
    /// The only writer; also serves reads.
    leader: Arc<EnclaveLink>,
    /// Read replicas, in `--enclave` order (replica `i` is enclave `i + 1`).
    replicas: Vec<Arc<EnclaveLink>>,
    /// Replication state; `None` with a single enclave.
    replication: Option<Arc<Replication>>,
    /// Requests relayed per enclave (index 0 is the leader).
    requests: Vec<AtomicU64>,
    /// Round-robin position for reads.
    next: AtomicUsize,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("leader", &self.leader)
            .field("replicas", &self.replicas)
            .finish_non_exhaustive()
    }
}

impl Router {
    /// Starts one link per enclave: the first config is the leader, the others read replicas.
    /// They all serve the enclaves' storage requests from the one `store`.
    pub fn start(
        configs: Vec<LinkConfig>,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<Metrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Arc<Router>, RouterError> {
        let mut configs = configs.into_iter();
        let leader_config = configs.next().ok_or(RouterError::NoEnclave)?;
        let replica_configs: Vec<LinkConfig> = configs.collect();
        // One relay for the set: a replica's `Forward`s reach the leader's connections through
        // it and the `ForwardReply`s come back (nitro_kms_parent_link::forward). A lone enclave
        // never forwards.
        let forward = ForwardRelay::new();
        let start = |config, role| {
            EnclaveLink::start_replicated(
                config,
                role,
                forward.clone(),
                store.clone(),
                metrics.clone(),
                shutdown.clone(),
            )
        };
        if replica_configs.is_empty() {
            return Ok(Arc::new(Router::single(start(leader_config, Role::Solo))));
        }
        let replication = Replication::new(replica_configs.len());
        let leader = start(leader_config, Role::Leader(replication.clone()));
        let replicas: Vec<Arc<EnclaveLink>> = replica_configs
            .into_iter()
            .enumerate()
            .map(|(replica, config)| {
                let replication = replication.clone();
                start(
                    config,
                    Role::Replica {
                        replication,
                        replica,
                    },
                )
            })
            .collect();
        Ok(Arc::new(Router {
            requests: (0..=replicas.len()).map(|_| AtomicU64::new(0)).collect(),
            leader,
            replicas,
            replication: Some(replication),
            next: AtomicUsize::new(0),
        }))
    }

    /// A router in front of one enclave's link: every request goes to it.
    pub fn single(link: Arc<EnclaveLink>) -> Router {
        Router {
            leader: link,
            replicas: Vec::new(),
            replication: None,
            requests: vec![AtomicU64::new(0)],
            next: AtomicUsize::new(0),
        }
    }

    /// Relays one KMS request to the enclave [`Self::route`] picks, and returns its answer (or
    /// the link's retryable 5xx).
    pub async fn call(&self, op: &str, caller: &str, payload: Vec<u8>) -> Relayed {
        let index = self.route(op);
        if let Some(counter) = self.requests.get(index) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        self.link(index).call(op, caller, payload).await
    }

    /// The index of the enclave that should answer `op` now (0 is the leader).
    pub fn route(&self, op: &str) -> usize {
        if self.replicas.is_empty() || Access::of_name(op) == Access::Write {
            return 0;
        }
        let enclaves = self.replicas.len() + 1;
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..enclaves)
            .map(|i| start.wrapping_add(i) % enclaves)
            .find(|index| self.serves_reads(*index))
            .unwrap_or(0)
    }

    /// Whether enclave `index` may answer reads now: connected and, for a replica, caught up with
    /// every write acknowledged so far.
    fn serves_reads(&self, index: usize) -> bool {
        if self.link(index).connected() == 0 {
            return false;
        }
        match (index.checked_sub(1), &self.replication) {
            (None, _) => true,
            (Some(replica), Some(replication)) => replication.is_caught_up(replica),
            (Some(_), None) => false,
        }
    }

    /// Enclave `index`'s link (the leader's for an index out of range).
    fn link(&self, index: usize) -> &Arc<EnclaveLink> {
        index
            .checked_sub(1)
            .and_then(|replica| self.replicas.get(replica))
            .unwrap_or(&self.leader)
    }

    /// How many enclaves there are (leader included).
    pub fn enclaves(&self) -> usize {
        self.replicas.len() + 1
    }

    /// Connections up, over every enclave.
    pub fn connected(&self) -> usize {
        self.leader.connected() + self.replicas.iter().map(|r| r.connected()).sum::<usize>()
    }

    /// Waits until the leader has a connection up, or `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        self.leader.wait_connected(timeout).await
    }

    /// Each enclave's counters and state, for `/metrics` (index 0 is the leader).
    pub fn status(&self) -> Vec<EnclaveStatus> {
        (0..self.enclaves())
            .map(|index| EnclaveStatus {
                requests: self
                    .requests
                    .get(index)
                    .map_or(0, |c| c.load(Ordering::Relaxed)),
                serving: self.serves_reads(index),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use nitro_kms_wire::transport::{self, Address};
    use nitro_kms_wire::{Message, PersistAction, Status};
    use tempfile::TempDir;

    use super::*;
    use nitro_kms_parent_link::fake_enclave::{FakeEnclave, link_config};

    /// A router over enclaves that are never reachable (nothing listens on the addresses).
    fn unreachable_router(enclaves: usize) -> (Arc<Router>, watch::Sender<bool>, TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let configs = (0..enclaves)
            .map(|i| {
                let address = Address::Unix(dir.path().join(format!("missing-{i}.sock")));
                link_config(address, Duration::from_millis(50))
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
    async fn without_a_caught_up_replica_everything_goes_to_the_leader_and_fails_retryably_when_it_is_down()
     {
        let (router, _stop, _dir) = unreachable_router(3);
        assert_eq!(router.enclaves(), 3);
        for op in ["GenerateDataKey", "Decrypt", "CreateKey", "Nonsense"] {
            assert_eq!(router.route(op), 0, "{op}");
        }
        let answer = router
            .call("GenerateDataKey", "caller", b"{}".to_vec())
            .await;
        assert!(answer.status >= 500, "{answer:?}");
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(json["__type"], "DependencyTimeoutException");
        let status = router.status();
        assert_eq!(status.len(), 3);
        assert_eq!(status[0].requests, 1);
        assert!(status.iter().all(|s| !s.serving));
    }

    #[tokio::test]
    async fn reads_skip_a_stale_replica_and_come_back_to_it_once_it_acknowledges() {
        let dir = tempfile::tempdir().unwrap();
        let addresses: Vec<Address> = (0..2)
            .map(|i| Address::Unix(dir.path().join(format!("e{i}.sock"))))
            .collect();
        let mut listeners = Vec::new();
        for address in &addresses {
            listeners.push(transport::listen(address).await.unwrap());
        }
        let configs = addresses
            .into_iter()
            .map(|address| link_config(address, Duration::from_secs(5)))
            .collect();
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
        let reads = |router: &Router| -> Vec<usize> {
            (0..6).map(|_| router.route("GenerateDataKey")).collect()
        };

        // Stale until it acknowledges: everything goes to the leader.
        assert_eq!(reads(&router), [0; 6]);
        replica.sync_ack(id, Status::OK, b"").await;
        let spread = reads(&router);
        assert!(spread.contains(&0) && spread.contains(&1), "{spread:?}");
        assert_eq!(router.route("CreateKey"), 0);
        assert!(router.status().iter().all(|s| s.serving));

        // The leader writes: before it even has the ack, the replica gets no more reads.
        let ack = leader
            .persist(2, PersistAction::AppendJournal, 0, 0, b"record")
            .await;
        assert_eq!(ack.status, Status::OK);
        assert_eq!(reads(&router), [0; 6]);
        let Message::Sync { id } = replica.receive().await else {
            panic!("the replica was not told about the write");
        };
        replica.sync_ack(id, Status::OK, b"").await;
        assert!(reads(&router).contains(&1));
    }

    #[tokio::test]
    async fn one_enclave_needs_no_replication_state() {
        let (router, _stop, dir) = unreachable_router(1);
        assert!(router.replication.is_none());
        assert_eq!(router.route("GenerateDataKey"), 0);
        assert_eq!(router.route("CreateKey"), 0);
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
}
