//! The enclave's storage channel: `Persist` frames to the parent and their acks.
//!
//! The enclave never opens a connection (on Nitro it could only reach the parent over vsock, and
//! the parent is the one that dials). So storage requests ride on the connections the parent
//! opened: each connection registers its outbound queue here while it is up, and
//! [`ParentLink::call`] sends a `Persist` on one of them and waits for the `PersistAck` that the
//! connection's reader hands back through [`ParentLink::deliver`].
//!
//! Every call has a deadline: a parent that does not answer fails the one KMS request that needed
//! the write (`KMSInternalException`), it never hangs the enclave.
//!
//! The link also remembers whether the parent made this enclave a **read replica** (its first
//! `Sync`, see [`ParentLink::become_replica`]): from then on it refuses to send any write, so an
//! enclave that is not the leader can never append to or replace the state the leader writes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use nitro_kms_wire::{Credentials, Message, Persist, PersistAck, PersistAction};
use tokio::sync::{mpsc, oneshot, watch};

/// Room left in a frame for everything of a `Persist`/`PersistAck` but its payload.
const FRAME_OVERHEAD: usize = 256;

/// Why a storage request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// No parent connection is open.
    #[error("no parent connection to persist through")]
    NotConnected,
    /// The connection closed before the ack came.
    #[error("the parent connection closed before acknowledging")]
    Closed,
    /// No ack within the deadline.
    #[error("the parent did not acknowledge within {0:?}")]
    Timeout(Duration),
    /// The parent answered with a failure.
    #[error("the parent failed the request: {0}")]
    Refused(String),
    /// A write asked of a read replica: only the leader writes the shared state.
    #[error("this enclave is a read replica: only the leader writes the sealed state")]
    ReadReplica,
}

/// One open parent connection, as seen by the link.
struct Route {
    conn_id: u64,
    outbound: mpsc::Sender<Message>,
    max_frame_len: usize,
}

/// Sends `Persist` frames over whichever parent connection is open and routes acks back.
pub struct ParentLink {
    next_id: AtomicU64,
    routes: Mutex<Vec<Route>>,
    /// Calls waiting for their ack: persist id -> (connection it went out on, waiter).
    waiters: Mutex<HashMap<u64, (u64, oneshot::Sender<PersistAck>)>>,
    connected: watch::Sender<usize>,
    /// The newest AWS credentials the parent sent (for the seal root's AWS KMS calls).
    credentials: watch::Sender<Option<Credentials>>,
    /// Set by the parent's first `Sync`, never cleared: this enclave follows another's writes.
    replica: AtomicBool,
    timeout: Duration,
}

impl std::fmt::Debug for ParentLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParentLink")
            .field("connections", &*self.connected.borrow())
            .field("replica", &self.is_replica())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ParentLink {
    /// A link whose calls give up after `timeout`.
    pub fn new(timeout: Duration) -> ParentLink {
        ParentLink {
            next_id: AtomicU64::new(1),
            routes: Mutex::new(Vec::new()),
            waiters: Mutex::new(HashMap::new()),
            connected: watch::Sender::new(0),
            credentials: watch::Sender::new(None),
            replica: AtomicBool::new(false),
            timeout,
        }
    }

    /// Makes this enclave a read replica, for good (until the process restarts).
    ///
    /// Called by a connection's reader the moment it reads a `Sync`, before it reads the next
    /// frame. The parent sends a replica's `Sync` first on every connection, so the flag is set
    /// before any `PersistAck` of that connection is delivered: a replica that is still loading
    /// its state sees it before it decides whether to compact (a write it must not make).
    pub fn become_replica(&self) {
        self.replica.store(true, Ordering::SeqCst);
    }

    /// Whether the parent made this enclave a read replica.
    pub fn is_replica(&self) -> bool {
        self.replica.load(Ordering::SeqCst)
    }

    /// Registers a connection's outbound queue (after its Hello).
    pub fn attach(&self, conn_id: u64, outbound: mpsc::Sender<Message>, max_frame_len: usize) {
        let mut routes = lock(&self.routes);
        routes.push(Route {
            conn_id,
            outbound,
            max_frame_len,
        });
        self.connected.send_replace(routes.len());
    }

    /// Forgets a connection that closed, failing at once the calls waiting for an ack on it.
    pub fn detach(&self, conn_id: u64) {
        let mut routes = lock(&self.routes);
        routes.retain(|r| r.conn_id != conn_id);
        self.connected.send_replace(routes.len());
        drop(routes);
        lock(&self.waiters).retain(|_, (conn, _)| *conn != conn_id);
    }

    /// Hands an ack from a connection's reader to the call waiting for it. Acks nobody waits for
    /// (late, after a timeout, or invented by the parent) are dropped.
    pub fn deliver(&self, ack: PersistAck) {
        if let Some((_, waiter)) = lock(&self.waiters).remove(&ack.id) {
            let _ = waiter.send(ack);
        }
    }

    /// Keeps `credentials` as the newest the parent sent (every connection sends them after its
    /// Hello and again when they are renewed; the last one received wins).
    pub fn deliver_credentials(&self, credentials: Credentials) {
        self.credentials.send_replace(Some(credentials));
    }

    /// The parent's credentials as they arrive (`None` until the first).
    pub fn credentials(&self) -> watch::Receiver<Option<Credentials>> {
        self.credentials.subscribe()
    }

    /// Waits until at least one parent connection is attached.
    pub async fn wait_connected(&self) {
        let mut rx = self.connected.subscribe();
        let _ = rx.wait_for(|n| *n > 0).await;
    }

    /// Sends one frame that is not a storage request (a replica's `Forward` or `PositionQuery`)
    /// on one of the open parent connections, picked by `spread`; the caller matches the answer
    /// itself. Fails at once when no connection is open.
    pub async fn send(&self, spread: u64, message: Message) -> Result<(), LinkError> {
        let outbound = {
            let routes = lock(&self.routes);
            let n = routes.len() as u64;
            if n == 0 {
                return Err(LinkError::NotConnected);
            }
            let index = usize::try_from(spread % n).unwrap_or(0);
            routes.get(index).map(|r| r.outbound.clone())
        };
        outbound
            .ok_or(LinkError::NotConnected)?
            .send(message)
            .await
            .map_err(|_| LinkError::Closed)
    }

    /// The largest payload a chunked read or snapshot write may carry.
    pub fn max_chunk(&self) -> usize {
        let routes = lock(&self.routes);
        let smallest = routes
            .iter()
            .map(|r| r.max_frame_len)
            .min()
            .unwrap_or(nitro_kms_wire::DEFAULT_MAX_FRAME_LEN as usize);
        smallest.saturating_sub(FRAME_OVERHEAD).max(1024)
    }

    /// Sends one `Persist` and waits for its ack (a successful one, else an error). A read
    /// replica's writes are refused here, without asking the parent ([`LinkError::ReadReplica`]).
    pub async fn call(
        &self,
        action: PersistAction,
        offset: u64,
        total: u64,
        payload: Vec<u8>,
    ) -> Result<PersistAck, LinkError> {
        if self.is_replica()
            && matches!(
                action,
                PersistAction::AppendJournal | PersistAction::WriteSnapshot
            )
        {
            return Err(LinkError::ReadReplica);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let outbound = {
            let routes = lock(&self.routes);
            // Spread storage traffic: the id picks the connection.
            let n = routes.len();
            if n == 0 {
                return Err(LinkError::NotConnected);
            }
            let index = usize::try_from(id % n as u64).unwrap_or(0);
            routes.get(index).map(|r| (r.conn_id, r.outbound.clone()))
        };
        let (conn_id, outbound) = outbound.ok_or(LinkError::NotConnected)?;
        let (tx, rx) = oneshot::channel();
        lock(&self.waiters).insert(id, (conn_id, tx));
        let message = Message::Persist(Persist {
            id,
            action,
            offset,
            total,
            payload,
        });
        let result = async {
            outbound
                .send(message)
                .await
                .map_err(|_| LinkError::Closed)?;
            match tokio::time::timeout(self.timeout, rx).await {
                Err(_) => Err(LinkError::Timeout(self.timeout)),
                Ok(Err(_)) => Err(LinkError::Closed),
                Ok(Ok(ack)) if ack.status.is_success() => Ok(ack),
                Ok(Ok(ack)) => Err(LinkError::Refused(
                    String::from_utf8_lossy(&ack.payload)
                        .chars()
                        .take(300)
                        .collect(),
                )),
            }
        }
        .await;
        lock(&self.waiters).remove(&id);
        result
    }

    /// Reads a whole file (snapshot or journal) in chunks, up to `max_len` bytes.
    pub async fn read_all(
        &self,
        action: PersistAction,
        max_len: usize,
    ) -> Result<Vec<u8>, LinkError> {
        self.read_from(action, 0, max_len)
            .await
            .map(|(_, bytes)| bytes)
    }

    /// Reads a file (snapshot or journal) from `offset` to its end, in chunks, up to `max_len`
    /// bytes; returns the file's length and the bytes.
    ///
    /// A read replica reads only the journal after what it already applied. A file now shorter
    /// than `offset` (the leader started a new journal) is not an error here: the answer is its
    /// length and no bytes, and the caller, seeing a length below its offset, reads the whole
    /// state again.
    pub async fn read_from(
        &self,
        action: PersistAction,
        offset: u64,
        max_len: usize,
    ) -> Result<(u64, Vec<u8>), LinkError> {
        let mut out = Vec::new();
        loop {
            let ack = self
                .call(
                    action,
                    offset.saturating_add(out.len() as u64),
                    0,
                    Vec::new(),
                )
                .await?;
            let Some(remaining) = ack.total.checked_sub(offset) else {
                return Ok((ack.total, Vec::new()));
            };
            let remaining = usize::try_from(remaining).unwrap_or(usize::MAX);
            if remaining > max_len {
                return Err(LinkError::Refused(format!(
                    "stored state of {remaining} bytes is over the {max_len}-byte limit"
                )));
            }
            if ack.payload.len() > remaining.saturating_sub(out.len()) {
                return Err(LinkError::Refused(
                    "read returned more than the file holds".into(),
                ));
            }
            if ack.payload.is_empty() {
                if out.len() == remaining {
                    return Ok((ack.total, out));
                }
                return Err(LinkError::Refused("read returned no progress".into()));
            }
            out.extend_from_slice(&ack.payload);
            if out.len() == remaining {
                return Ok((ack.total, out));
            }
        }
    }

    /// Writes a whole snapshot in chunks; done when the parent acked the last one.
    pub async fn write_snapshot(&self, bytes: &[u8]) -> Result<(), LinkError> {
        let total = bytes.len() as u64;
        let chunk = self.max_chunk();
        let mut offset = 0usize;
        loop {
            let end = (offset + chunk).min(bytes.len());
            let piece = bytes.get(offset..end).unwrap_or_default().to_vec();
            self.call(PersistAction::WriteSnapshot, offset as u64, total, piece)
                .await?;
            offset = end;
            if offset >= bytes.len() {
                return Ok(());
            }
        }
    }
}

/// Locks a mutex, ignoring poisoning (the data are plain maps that a panic cannot corrupt).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
