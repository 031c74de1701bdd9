//! The enclaves behind the proxy: one control link each, and what the relay needs to know of
//! them (which is up, which read replica has caught up).
//!
//! The proxy can front several enclaves of one image sharing one sealed keystore (`--enclave`
//! given more than once; see `docs/horizontal-scale.md`). One of them, the first, is the
//! **leader**: the only writer of the shared state. The others are read replicas that follow the
//! leader's journal ([`nitro_kms_parent_link::replication`]): the leader's link records every
//! durable write, the replicas' links send them `Sync`s and record their `SyncAck`s, and
//! [`Router::serves_reads`] says whether an enclave is connected and has applied every write
//! acknowledged so far. Which enclave a client connection goes to is decided by
//! [`crate::relay::route`], from that.
//!
//! With a single enclave there is no replication state.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_parent_link::replication::Replication;
use nitro_kms_parent_link::state_store::StateStore;
use nitro_kms_parent_link::{EnclaveLink, ForwardRelay, LinkConfig, Role};
use tokio::sync::watch;

use crate::metrics::{EnclaveStatus, Metrics};

/// Why the enclaves could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// No enclave address was given.
    #[error("at least one enclave is needed")]
    NoEnclave,
}

/// The enclaves' control links and their replication state.
pub struct Router {
    /// The only writer; also serves reads.
    leader: Arc<EnclaveLink>,
    /// Read replicas, in `--enclave` order (replica `i` is enclave `i + 1`).
    replicas: Vec<Arc<EnclaveLink>>,
    /// Replication state; `None` with a single enclave.
    replication: Option<Arc<Replication>>,
    /// Client connections relayed per enclave (index 0 is the leader).
    relayed: Vec<AtomicU64>,
    /// Where the next client connection's round-robin starts ([`crate::relay::route`]).
    next_connection: AtomicUsize,
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
            relayed: (0..=replicas.len()).map(|_| AtomicU64::new(0)).collect(),
            next_connection: AtomicUsize::new(0),
            leader,
            replicas,
            replication: Some(replication),
        }))
    }

    /// A router in front of one enclave's link.
    pub fn single(link: Arc<EnclaveLink>) -> Router {
        Router {
            leader: link,
            replicas: Vec::new(),
            replication: None,
            relayed: vec![AtomicU64::new(0)],
            next_connection: AtomicUsize::new(0),
        }
    }

    /// Where the round-robin over enclaves starts for the next client connection (each call
    /// moves it on by one).
    pub fn next_rotation(&self) -> usize {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts one client connection relayed to enclave `index`, for `/metrics`.
    pub fn count_relayed(&self, index: usize) {
        if let Some(counter) = self.relayed.get(index) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether enclave `index` may answer reads now: connected and, for a replica, caught up with
    /// every write acknowledged so far (what [`crate::relay::route`] will spread connections
    /// over once replicas forward mutations to the leader).
    pub fn serves_reads(&self, index: usize) -> bool {
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

    /// Whether the leader's control link has a connection up (the admin `/healthz`).
    pub fn leader_connected(&self) -> bool {
        self.leader.connected() > 0
    }

    /// Waits until the leader has a connection up, or `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        self.leader.wait_connected(timeout).await
    }

    /// Each enclave's counters and state, for `/metrics` (index 0 is the leader).
    pub fn status(&self) -> Vec<EnclaveStatus> {
        (0..self.enclaves())
            .map(|index| EnclaveStatus {
                relayed: self
                    .relayed
                    .get(index)
                    .map_or(0, |c| c.load(Ordering::Relaxed)),
                link_connections: self.link(index).connected(),
                caught_up: self.serves_reads(index),
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests;
