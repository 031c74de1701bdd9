//! [`EnclaveLink`]: the pool the parent keeps to one enclave — its slots' supervisors (and, for
//! a replica, the task sending it `Sync`s), and how many of its connections are up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::config::LinkConfig;
use super::role::Role;
use super::slot::SlotContext;
use super::supervisor::supervise;
use super::sync::send_syncs;
use crate::forward::ForwardRelay;
use crate::metrics::LinkMetrics;
use crate::state_store::StateStore;

/// The pool.
pub struct EnclaveLink {
    config: LinkConfig,
    /// Connections up now (kept by the supervisors), so that routing reads one atomic.
    live: Arc<AtomicUsize>,
}

impl std::fmt::Debug for EnclaveLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnclaveLink")
            .field("address", &self.config.address.to_string())
            .field("connected", &self.connected())
            .finish()
    }
}

impl EnclaveLink {
    /// Starts the pool's supervisors for a lone enclave ([`Role::Solo`]); they run until
    /// `shutdown` flips.
    pub fn start(
        config: LinkConfig,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<dyn LinkMetrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<EnclaveLink> {
        Self::start_as(config, Role::Solo, store, metrics, shutdown)
    }

    /// Starts the pool's supervisors for an enclave playing `role` (and, for a replica, the task
    /// that keeps sending it `Sync`s); they run until `shutdown` flips.
    pub fn start_as(
        config: LinkConfig,
        role: Role,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<dyn LinkMetrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<EnclaveLink> {
        Self::start_with(config, role, None, store, metrics, shutdown)
    }

    /// Like [`Self::start_as`], for one of several enclaves that share `forward`: a replica's
    /// `Forward`s go through it to the leader's connections and the leader's `ForwardReply`s
    /// come back through it (see [`crate::forward`]). Every link of one set of enclaves gets the
    /// same relay.
    pub fn start_replicated(
        config: LinkConfig,
        role: Role,
        forward: Arc<ForwardRelay>,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<dyn LinkMetrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<EnclaveLink> {
        Self::start_with(config, role, Some(forward), store, metrics, shutdown)
    }

    fn start_with(
        config: LinkConfig,
        role: Role,
        forward: Option<Arc<ForwardRelay>>,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<dyn LinkMetrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<EnclaveLink> {
        let mut slots = Vec::new();
        let live = Arc::new(AtomicUsize::new(0));
        for slot in 0..config.pool_size.max(1) {
            let (tx, rx) = watch::channel(None);
            slots.push(rx);
            tokio::spawn(supervise(
                slot,
                config.clone(),
                SlotContext {
                    publish: tx,
                    live: live.clone(),
                    role: role.clone(),
                    store: store.clone(),
                    metrics: metrics.clone(),
                    forward: forward.clone(),
                },
                shutdown.clone(),
            ));
        }
        if let Role::Replica {
            replication,
            replica,
        } = role
        {
            tokio::spawn(send_syncs(replication, replica, slots, metrics, shutdown));
        }
        Arc::new(EnclaveLink { config, live })
    }

    /// How many pool connections are up (after their Hello).
    pub fn connected(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Waits until at least one connection is up, or `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.connected() > 0 {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
