//! [`EnclaveLink`]: the pool callers use — a bounded queue, round-robin over connected slots,
//! and a deadline on every call.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_api::{KmsError, KmsErrorType};
use nitro_kms_wire::{Message, Request};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot, watch};

use super::config::LinkConfig;
use super::relayed::Relayed;
use super::role::Role;
use super::slot::{Live, SlotContext};
use super::supervisor::supervise;
use super::sync::send_syncs;
use crate::forward::ForwardRelay;
use crate::lock::lock;
use crate::metrics::LinkMetrics;
use crate::state_store::StateStore;

/// The pool.
pub struct EnclaveLink {
    config: LinkConfig,
    slots: Vec<watch::Receiver<Option<Live>>>,
    /// Connections up now (kept by the supervisors), so that routing reads one atomic.
    live: Arc<AtomicUsize>,
    next_slot: AtomicUsize,
    next_id: AtomicU64,
    queue: Arc<Semaphore>,
    metrics: Arc<dyn LinkMetrics>,
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
            tokio::spawn(send_syncs(
                replication,
                replica,
                slots.clone(),
                metrics.clone(),
                shutdown,
            ));
        }
        Arc::new(EnclaveLink {
            queue: Arc::new(Semaphore::new(config.max_queue.max(1))),
            config,
            slots,
            live,
            next_slot: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            metrics,
        })
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

    /// Sends one KMS `Request` frame and returns the answer, or a retryable 5xx. An enclave of
    /// this version never runs one (it closes the connection: the parent must not name a
    /// caller, issue 16); kept for the protocol tests until the Request kind is retired.
    pub async fn call(&self, op: &str, caller: &str, payload: Vec<u8>) -> Relayed {
        let deadline = tokio::time::Instant::now() + self.config.request_timeout;
        let Ok(_queued) = self.queue.clone().try_acquire_owned() else {
            return Relayed::error(&KmsError::throttling());
        };
        match tokio::time::timeout_at(deadline, self.deliver(op, caller, payload)).await {
            Ok(relayed) => relayed,
            Err(_) => {
                self.metrics.timed_out();
                Relayed::error(&KmsError::new(
                    KmsErrorType::DependencyTimeout,
                    "The system timed out while trying to fulfill the request. The request can be retried.",
                ))
            }
        }
    }

    async fn deliver(&self, op: &str, caller: &str, payload: Vec<u8>) -> Relayed {
        let (live, _permit) = self.pick().await;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&live.pending).insert(id, tx);
        let request = Message::Request(Request {
            id,
            op: op.to_owned(),
            caller: caller.to_owned(),
            payload,
        });
        let undeliverable = || {
            Relayed::error(&KmsError::internal(
                "The request could not be delivered to the key store. The request can be retried.",
            ))
        };
        if live.tx.send(request).await.is_err() {
            lock(&live.pending).remove(&id);
            return undeliverable();
        }
        match rx.await {
            Ok(response) => Relayed {
                status: response.status.code(),
                body: response.payload,
            },
            // The connection dropped with the request in flight.
            Err(_) => undeliverable(),
        }
    }

    /// A connected slot with room, waiting (within the caller's deadline) for one.
    async fn pick(&self) -> (Live, OwnedSemaphorePermit) {
        loop {
            let n = self.slots.len();
            let start = self.next_slot.fetch_add(1, Ordering::Relaxed);
            for i in 0..n {
                let slot = &self.slots[(start + i) % n];
                let live = slot.borrow().clone();
                if let Some(live) = live
                    && let Ok(permit) = live.in_flight.clone().try_acquire_owned()
                {
                    return (live, permit);
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
