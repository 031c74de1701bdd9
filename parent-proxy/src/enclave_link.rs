//! The proxy's connections to the enclave: a small pool of long-lived, multiplexed frame
//! connections, reconnected with backoff, that also serve the enclave's `Persist` frames.
//!
//! - Each pool slot has a supervisor task: connect, Hello, then a reader that routes `Response`s
//!   to the callers waiting for them, answers `Persist` with the [`StateStore`] (on the blocking
//!   pool: it fsyncs) and `Ping` with `Pong`. When the connection drops, every call waiting on it
//!   fails at once with a retryable error and the slot reconnects (100 ms doubling to 2 s).
//! - [`EnclaveLink::call`] waits for a free place in the bounded in-flight queue, picks a connected
//!   slot round-robin (respecting its negotiated `max_in_flight`), sends the request and waits for
//!   its answer — all within the request timeout. It never hangs: whatever cannot be delivered or
//!   answered in time becomes a 5xx the SDKs retry (`KMSInternalException`,
//!   `DependencyTimeoutException`).
//!
//! With several enclaves ([`crate::router`]) each has its own link, started with its [`Role`]:
//! the leader's link records every durable write in the shared [`Replication`] before it
//! acknowledges it; a replica's link refuses the replica's writes, sends it `Sync`s (first thing on
//! every connection, then on every new generation) and records its `SyncAck`s. A lone enclave
//! ([`Role::Solo`], [`EnclaveLink::start`]) does none of this.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_api::{KmsError, KmsErrorType};
use nitro_kms_wire::transport::{self, Address};
use nitro_kms_wire::{
    Credentials, FramedReader, FramedWriter, Hello, Limits, Message, PersistAck, PersistAction,
    Request, Response, Status, handshake,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};

use crate::metrics::Metrics;
use crate::replication::{RESYNC_INTERVAL, Replication};
use crate::state_store::StateStore;

/// What a replica's storage writes are answered with: the proxy refuses them itself.
pub const REPLICA_WRITE_REFUSED: &str = "read replica: only the leader writes";

/// What an enclave is to this proxy: decides how its link treats `Persist` writes and `Sync`s.
#[derive(Debug, Clone)]
pub enum Role {
    /// The only enclave: it writes, nobody follows, and the link does no replication work.
    Solo,
    /// The one writer among several: each of its durable writes makes every replica stale
    /// ([`Replication::stored`]) before the write is acknowledged to it.
    Leader(Arc<Replication>),
    /// A read replica: its writes are refused (reads and the seal root's first-wins creation are
    /// served); it is sent `Sync`s and counts as caught up once it acknowledges the current
    /// generation.
    Replica {
        /// The generation it must acknowledge.
        replication: Arc<Replication>,
        /// Its index among the replicas (enclave `replica + 1`).
        replica: usize,
    },
}

impl Role {
    /// Whether a `Persist` with `action` from this enclave is refused without touching the store.
    fn refuses(&self, action: PersistAction) -> bool {
        matches!(self, Role::Replica { .. })
            && matches!(
                action,
                PersistAction::AppendJournal | PersistAction::WriteSnapshot
            )
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// The enclave's address.
    pub address: Address,
    /// Connections kept open.
    pub pool_size: usize,
    /// Requests waiting or in flight across the pool; more are refused at once.
    pub max_queue: usize,
    /// From arrival to answer.
    pub request_timeout: Duration,
    /// Frame limits offered in our Hello.
    pub limits: Limits,
    /// AWS credentials to hand the enclave (`--enclave-credentials`): sent on every connection
    /// after its Hello and again each time they change.
    pub credentials: Option<watch::Receiver<Option<Credentials>>>,
}

/// The answer to a relayed request: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Vec<u8>,
}

impl Relayed {
    fn error(e: &KmsError) -> Relayed {
        Relayed {
            status: e.http_status(),
            body: e.to_json().into_bytes(),
        }
    }
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Response>>>>;

/// A live connection of a slot.
#[derive(Clone)]
struct Live {
    tx: mpsc::Sender<Message>,
    pending: Pending,
    in_flight: Arc<Semaphore>,
}

/// The pool.
pub struct EnclaveLink {
    config: LinkConfig,
    slots: Vec<watch::Receiver<Option<Live>>>,
    /// Connections up now (kept by the supervisors), so that routing reads one atomic.
    live: Arc<AtomicUsize>,
    next_slot: AtomicUsize,
    next_id: AtomicU64,
    queue: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for EnclaveLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnclaveLink")
            .field("address", &self.config.address.to_string())
            .field("connected", &self.connected())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl EnclaveLink {
    /// Starts the pool's supervisors for a lone enclave ([`Role::Solo`]); they run until
    /// `shutdown` flips.
    pub fn start(
        config: LinkConfig,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<Metrics>,
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
        metrics: Arc<Metrics>,
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

    /// Relays one KMS request and returns the enclave's answer, or a retryable 5xx.
    pub async fn call(&self, op: &str, caller: &str, payload: Vec<u8>) -> Relayed {
        let deadline = tokio::time::Instant::now() + self.config.request_timeout;
        let Ok(_queued) = self.queue.clone().try_acquire_owned() else {
            return Relayed::error(&KmsError::throttling());
        };
        match tokio::time::timeout_at(deadline, self.deliver(op, caller, payload)).await {
            Ok(relayed) => relayed,
            Err(_) => {
                self.metrics.timeouts.fetch_add(1, Ordering::Relaxed);
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

/// What a slot's connections share with the rest of the link.
struct SlotContext {
    /// Where the slot's live connection is published for callers.
    publish: watch::Sender<Option<Live>>,
    /// The link's count of connections up.
    live: Arc<AtomicUsize>,
    role: Role,
    store: Arc<Mutex<StateStore>>,
    metrics: Arc<Metrics>,
}

/// Keeps one slot connected until shutdown.
async fn supervise(
    slot: usize,
    config: LinkConfig,
    context: SlotContext,
    mut shutdown: watch::Receiver<bool>,
) {
    let metrics = &context.metrics;
    let mut backoff = Duration::from_millis(100);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let connected = tokio::select! {
            c = connect(&config) => c,
            _ = crate::stopped(&mut shutdown) => return,
        };
        match connected {
            Err(e) => {
                tracing::debug!(slot, error = %e, "enclave not reachable yet");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = crate::stopped(&mut shutdown) => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
            Ok((stream, limits)) => {
                backoff = Duration::from_millis(100);
                metrics.connects.fetch_add(1, Ordering::Relaxed);
                tracing::info!(slot, address = %config.address, "connected to the enclave");
                run_connection(
                    stream,
                    limits,
                    &context,
                    config.credentials.clone(),
                    &mut shutdown,
                )
                .await;
                context.publish.send_replace(None);
                tracing::warn!(slot, "enclave connection closed; reconnecting");
            }
        }
    }
}

async fn connect(config: &LinkConfig) -> Result<(transport::Stream, Limits), String> {
    let mut stream = transport::connect(&config.address)
        .await
        .map_err(|e| e.to_string())?;
    let limits = handshake(&mut stream, &Hello::new(&config.limits))
        .await
        .map_err(|e| e.to_string())?;
    Ok((stream, limits))
}

/// Sends the current credentials, then every renewal, until the connection's queue closes.
async fn forward_credentials(
    mut credentials: watch::Receiver<Option<Credentials>>,
    tx: mpsc::Sender<Message>,
) {
    loop {
        let current = credentials.borrow_and_update().clone();
        if let Some(c) = current {
            if tx.send(Message::Credentials(c)).await.is_err() {
                return;
            }
            tracing::debug!("credentials sent to the enclave");
        }
        if credentials.changed().await.is_err() {
            return;
        }
    }
}

/// Sends `Sync`s to a replica: the current generation each time it changes, and again every
/// [`RESYNC_INTERVAL`] while the replica is stale (a catch-up that failed, or a `Sync` lost with a
/// connection). One connection is enough: the enclave catches up once for all of them.
async fn send_syncs(
    replication: Arc<Replication>,
    replica: usize,
    slots: Vec<watch::Receiver<Option<Live>>>,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut generations = replication.subscribe();
    let mut resync = tokio::time::interval_at(
        tokio::time::Instant::now() + RESYNC_INTERVAL,
        RESYNC_INTERVAL,
    );
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = generations.changed() => if changed.is_err() { return },
            _ = resync.tick() => if replication.is_caught_up(replica) { continue },
            _ = crate::stopped(&mut shutdown) => return,
        }
        // Not connected: the connection sends one when it comes up.
        let Some(live) = slots.iter().find_map(|slot| slot.borrow().clone()) else {
            continue;
        };
        let id = replication.generation();
        if live.tx.send(Message::Sync { id }).await.is_ok() {
            metrics.syncs_sent.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Whether `action`, answered with `ack`, completed a write of the keystore: an append, or the
/// last chunk of a snapshot (which the store installs then).
fn completes_write(action: PersistAction, total: u64, ack: &PersistAck) -> bool {
    ack.status == Status::OK
        && match action {
            PersistAction::AppendJournal => true,
            PersistAction::WriteSnapshot => ack.total == total,
            PersistAction::ReadSnapshot
            | PersistAction::ReadJournal
            | PersistAction::ReadSealRoot
            | PersistAction::CreateSealRoot => false,
        }
}

async fn run_connection(
    stream: transport::Stream,
    limits: Limits,
    context: &SlotContext,
    credentials: Option<watch::Receiver<Option<Credentials>>>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let SlotContext {
        publish,
        live,
        role,
        store,
        metrics,
    } = context;
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let mut writer = FramedWriter::new(write_half, &limits);
    let (tx, mut rx) = mpsc::channel::<Message>(1024);
    let writer_task = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if writer.write_message(&m).await.is_err() {
                return;
            }
        }
        let _ = writer.shutdown().await;
    });
    let pending: Pending = Arc::default();
    if let Role::Replica {
        replication,
        replica,
    } = role
    {
        // Stale until this (maybe new) process acknowledges; and the Sync goes first, so that the
        // enclave knows it is a replica before it gets any PersistAck on this connection.
        replication.reconnected(*replica);
        let id = replication.generation();
        if tx.send(Message::Sync { id }).await.is_ok() {
            metrics.syncs_sent.fetch_add(1, Ordering::Relaxed);
        }
    }
    publish.send_replace(Some(Live {
        tx: tx.clone(),
        pending: pending.clone(),
        in_flight: Arc::new(Semaphore::new(limits.max_in_flight as usize)),
    }));
    live.fetch_add(1, Ordering::SeqCst);
    let chunk = (limits.max_frame_len as usize).saturating_sub(256);
    let forwarder = credentials.map(|rx| tokio::spawn(forward_credentials(rx, tx.clone())));
    loop {
        let message = tokio::select! {
            m = reader.read_message() => m,
            _ = crate::stopped(shutdown) => break,
        };
        match message {
            Ok(Some(Message::Response(r))) => {
                if let Some(waiter) = lock(&pending).remove(&r.id) {
                    let _ = waiter.send(r);
                }
            }
            Ok(Some(Message::Persist(p))) if role.refuses(p.action) => {
                let _ = tx
                    .send(Message::PersistAck(PersistAck::failed(
                        p.id,
                        REPLICA_WRITE_REFUSED,
                    )))
                    .await;
            }
            Ok(Some(Message::Persist(p))) => {
                let store = store.clone();
                let tx = tx.clone();
                let leader = match role {
                    Role::Leader(replication) => Some(replication.clone()),
                    Role::Solo | Role::Replica { .. } => None,
                };
                tokio::spawn(async move {
                    let (id, action, total) = (p.id, p.action, p.total);
                    let ack = tokio::task::spawn_blocking(move || lock(&store).handle(&p, chunk))
                        .await
                        .unwrap_or_else(|_| PersistAck::failed(id, "storage task failed"));
                    // Replicas stale before the leader learns the write is durable (and so
                    // before its caller gets an answer).
                    if let Some(replication) = leader
                        && completes_write(action, total, &ack)
                    {
                        replication.stored();
                    }
                    if ack.status != Status::OK {
                        tracing::error!(
                            reason = %String::from_utf8_lossy(&ack.payload),
                            "cannot store the enclave's sealed state"
                        );
                    }
                    let _ = tx.send(Message::PersistAck(ack)).await;
                });
            }
            Ok(Some(Message::Ping { nonce })) => {
                let _ = tx.send(Message::Pong { nonce }).await;
            }
            Ok(Some(Message::SyncAck {
                id,
                status,
                payload,
            })) => {
                let Role::Replica {
                    replication,
                    replica,
                } = role
                else {
                    tracing::warn!("SyncAck from an enclave that was sent no Sync");
                    break;
                };
                if status == Status::OK {
                    replication.acknowledged(*replica, id);
                } else {
                    metrics.syncs_failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        replica,
                        reason = %String::from_utf8_lossy(&payload),
                        "read replica could not catch up; it gets no requests until it does"
                    );
                }
            }
            Ok(Some(other)) => {
                tracing::warn!(
                    kind = other.kind().name(),
                    "unexpected message from the enclave"
                );
                break;
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "bad frame from the enclave");
                break;
            }
        }
    }
    publish.send_replace(None);
    live.fetch_sub(1, Ordering::SeqCst);
    if let Some(forwarder) = forwarder {
        forwarder.abort();
    }
    // Fail every call still waiting on this connection (their senders drop).
    lock(&pending).clear();
    drop(tx);
    let _ = writer_task.await;
}

#[cfg(test)]
mod tests {
    use tempfile::TempDir;

    use super::*;
    use crate::fake_enclave::{FakeEnclave, link_config};

    /// Starts a link playing `role` to a test enclave and returns that enclave's end of the
    /// link's (single) connection.
    async fn link_to_fake_enclave(
        role: Role,
        metrics: Arc<Metrics>,
    ) -> (Arc<EnclaveLink>, FakeEnclave, watch::Sender<bool>, TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let address = Address::Unix(dir.path().join("enclave.sock"));
        let listener = transport::listen(&address).await.unwrap();
        let store = Arc::new(Mutex::new(
            StateStore::open(dir.path().join("state")).unwrap(),
        ));
        let (stop, stop_rx) = watch::channel(false);
        let config = link_config(address, Duration::from_secs(5));
        let link = EnclaveLink::start_as(config, role, store, metrics, stop_rx);
        let enclave = FakeEnclave::accept(&listener).await;
        (link, enclave, stop, dir)
    }

    /// A link to a fake read replica (the only one), and the `Sync` it was sent on connect.
    async fn replica_link() -> (
        Arc<Replication>,
        Arc<Metrics>,
        Arc<EnclaveLink>,
        FakeEnclave,
        watch::Sender<bool>,
        TempDir,
    ) {
        let replication = Replication::new(1);
        let metrics = Arc::new(Metrics::default());
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
        let metrics = Arc::new(Metrics::default());
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
}
