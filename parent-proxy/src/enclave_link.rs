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

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_common::kms::{KmsError, KmsErrorType};
use nitro_kms_common::transport::{self, Address};
use nitro_kms_common::wire::{
    Credentials, FramedReader, FramedWriter, Hello, Limits, Message, PersistAck, Request, Response,
    Status, handshake,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};

use crate::metrics::Metrics;
use crate::state_store::StateStore;

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
    /// Starts the pool's supervisors (they run until `shutdown` flips).
    pub fn start(
        config: LinkConfig,
        store: Arc<Mutex<StateStore>>,
        metrics: Arc<Metrics>,
        shutdown: watch::Receiver<bool>,
    ) -> Arc<EnclaveLink> {
        let mut slots = Vec::new();
        for slot in 0..config.pool_size.max(1) {
            let (tx, rx) = watch::channel(None);
            slots.push(rx);
            tokio::spawn(supervise(
                slot,
                config.clone(),
                tx,
                store.clone(),
                metrics.clone(),
                shutdown.clone(),
            ));
        }
        Arc::new(EnclaveLink {
            queue: Arc::new(Semaphore::new(config.max_queue.max(1))),
            config,
            slots,
            next_slot: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            metrics,
        })
    }

    /// How many pool connections are up (after their Hello).
    pub fn connected(&self) -> usize {
        self.slots.iter().filter(|s| s.borrow().is_some()).count()
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

/// Keeps one slot connected until shutdown.
async fn supervise(
    slot: usize,
    config: LinkConfig,
    publish: watch::Sender<Option<Live>>,
    store: Arc<Mutex<StateStore>>,
    metrics: Arc<Metrics>,
    mut shutdown: watch::Receiver<bool>,
) {
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
                    &publish,
                    &store,
                    config.credentials.clone(),
                    &mut shutdown,
                )
                .await;
                publish.send_replace(None);
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

async fn run_connection(
    stream: transport::Stream,
    limits: Limits,
    publish: &watch::Sender<Option<Live>>,
    store: &Arc<Mutex<StateStore>>,
    credentials: Option<watch::Receiver<Option<Credentials>>>,
    shutdown: &mut watch::Receiver<bool>,
) {
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
    publish.send_replace(Some(Live {
        tx: tx.clone(),
        pending: pending.clone(),
        in_flight: Arc::new(Semaphore::new(limits.max_in_flight as usize)),
    }));
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
            Ok(Some(Message::Persist(p))) => {
                let store = store.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let id = p.id;
                    let ack = tokio::task::spawn_blocking(move || lock(&store).handle(&p, chunk))
                        .await
                        .unwrap_or_else(|_| PersistAck::failed(id, "storage task failed"));
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
    if let Some(forwarder) = forwarder {
        forwarder.abort();
    }
    // Fail every call still waiting on this connection (their senders drop).
    lock(&pending).clear();
    drop(tx);
    let _ = writer_task.await;
}
