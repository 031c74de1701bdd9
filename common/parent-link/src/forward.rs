//! [`ForwardRelay`]: the parent's part in a read replica forwarding a mutation to the leader.
//!
//! A replica that receives a mutation on a client connection (the parent relays client
//! connections as opaque byte streams and cannot route by operation) sends a `Forward` on one of
//! its control connections. The relay passes it, unchanged, to one of the leader's connections,
//! remembers which replica connection asked (by the forward's `id`, which the replica draws at
//! random), and passes the leader's `ForwardReply` back to that connection, unchanged. The parent
//! cannot read anything useful into these frames nor change them: both carry a MAC under a key
//! only the enclaves hold, which the enclaves check (a relay that alters, forges, swaps or
//! replays them only gets them refused).
//!
//! When the relay cannot deliver — no leader connection, the leader's connection closed before
//! it answered, too many forwards in flight ([`MAX_PENDING`]), a duplicate id — it answers the
//! replica itself with an **unauthenticated** `ForwardReply` (status 503, empty `mac`, the reason
//! as payload). The replica cannot tell that from a parent that lies, so it treats both alike:
//! its client gets `DependencyTimeoutException` (retried by every SDK), the error AWS gives when
//! a service it depends on did not answer.
//!
//! Entries are bounded in number and in age ([`PENDING_TTL`], well beyond any request deadline):
//! an entry whose leader never answered is dropped the next time the table is touched.
//!
//! The hook: the proxy creates one relay and starts every enclave's link with it
//! ([`EnclaveLink::start_replicated`](crate::EnclaveLink::start_replicated)); each leader
//! connection registers itself here while it is up, and each connection's reader hands `Forward`s
//! (from a replica) and `ForwardReply`s (from the leader) to it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nitro_kms_wire::{Forward, ForwardReply, Message, Position, Status};
use tokio::sync::mpsc;

use crate::lock::lock;

/// Most forwards waiting for the leader's answer at once.
pub const MAX_PENDING: usize = 4096;
/// How long a forward waits for the leader's answer before its entry may be dropped.
pub const PENDING_TTL: Duration = Duration::from_secs(120);

/// A forward waiting for the leader.
struct Waiter {
    /// The replica connection that sent it.
    replica: mpsc::Sender<Message>,
    /// The leader connection it went out on.
    leader_conn: u64,
    /// When it went out.
    since: Instant,
}

/// Relays `Forward`s from replicas to the leader and `ForwardReply`s back (see the module docs).
#[derive(Default)]
pub struct ForwardRelay {
    /// The leader's connections that are up: (serial, outgoing frames).
    leader: Mutex<Vec<(u64, mpsc::Sender<Message>)>>,
    /// Forwards waiting for their reply, by id.
    pending: Mutex<HashMap<u64, Waiter>>,
    next_serial: AtomicU64,
    next_pick: AtomicUsize,
}

impl std::fmt::Debug for ForwardRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardRelay")
            .field("leader_connections", &lock(&self.leader).len())
            .field("pending", &lock(&self.pending).len())
            .finish()
    }
}

impl ForwardRelay {
    /// A relay with no leader connection yet.
    pub fn new() -> std::sync::Arc<ForwardRelay> {
        std::sync::Arc::default()
    }

    /// A leader connection is up; returns its serial for [`Self::leader_disconnected`].
    pub fn leader_connected(&self, outbound: mpsc::Sender<Message>) -> u64 {
        let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
        lock(&self.leader).push((serial, outbound));
        serial
    }

    /// The leader connection `serial` closed: forwards it carried will never be answered, so
    /// their replicas are told at once (a retryable failure) instead of waiting out their
    /// deadline.
    pub fn leader_disconnected(&self, serial: u64) {
        lock(&self.leader).retain(|(s, _)| *s != serial);
        let lost: Vec<(u64, Waiter)> = {
            let mut pending = lock(&self.pending);
            let ids: Vec<u64> = pending
                .iter()
                .filter(|(_, w)| w.leader_conn == serial)
                .map(|(id, _)| *id)
                .collect();
            ids.into_iter()
                .filter_map(|id| pending.remove(&id).map(|w| (id, w)))
                .collect()
        };
        for (id, waiter) in lost {
            let _ = waiter.replica.try_send(unavailable(
                id,
                "the leader's connection closed before it answered",
            ));
        }
    }

    /// A replica connection (`replica`, its outgoing frames) sent `forward`: pass it to the
    /// leader, or answer the replica with a retryable failure.
    pub async fn from_replica(&self, forward: Forward, replica: &mpsc::Sender<Message>) {
        let id = forward.id;
        let refusal = match self.register(id, replica) {
            Err(reason) => Some(reason),
            Ok((serial, leader)) => {
                if let Some(entry) = lock(&self.pending).get_mut(&id) {
                    entry.leader_conn = serial;
                }
                match leader.send(Message::Forward(forward)).await {
                    Ok(()) => None,
                    Err(_) => {
                        lock(&self.pending).remove(&id);
                        Some("the leader's connection closed")
                    }
                }
            }
        };
        if let Some(reason) = refusal {
            tracing::warn!(id, "cannot relay a forward to the leader: {reason}");
            let _ = replica.send(unavailable(id, reason)).await;
        }
    }

    /// Records the forward `id` from `replica` and picks a leader connection for it.
    fn register(
        &self,
        id: u64,
        replica: &mpsc::Sender<Message>,
    ) -> Result<(u64, mpsc::Sender<Message>), &'static str> {
        let leader = {
            let connections = lock(&self.leader);
            let n = connections.len();
            if n == 0 {
                return Err("no connection to the leader");
            }
            let pick = self.next_pick.fetch_add(1, Ordering::Relaxed) % n;
            connections.get(pick).cloned()
        };
        let (serial, leader) = leader.ok_or("no connection to the leader")?;
        let mut pending = lock(&self.pending);
        let now = Instant::now();
        pending.retain(|_, w| now.duration_since(w.since) < PENDING_TTL);
        if pending.len() >= MAX_PENDING {
            return Err("too many forwards in flight");
        }
        if pending.contains_key(&id) {
            return Err("a forward with this id is already in flight");
        }
        pending.insert(
            id,
            Waiter {
                replica: replica.clone(),
                leader_conn: serial,
                since: now,
            },
        );
        Ok((serial, leader))
    }

    /// The leader answered a forward: pass the reply to the replica connection that sent it.
    /// A reply nobody waits for (late, or for a forward the parent never relayed) is dropped.
    pub fn from_leader(&self, reply: ForwardReply) {
        let Some(waiter) = lock(&self.pending).remove(&reply.id) else {
            tracing::debug!(id = reply.id, "dropped a ForwardReply nobody waits for");
            return;
        };
        if waiter
            .replica
            .try_send(Message::ForwardReply(reply))
            .is_err()
        {
            tracing::warn!("cannot hand a ForwardReply to its replica (connection closed or full)");
        }
    }

    /// How many forwards wait for the leader now.
    pub fn pending(&self) -> usize {
        lock(&self.pending).len()
    }
}

/// The relay's own answer when it cannot deliver: status 503, unauthenticated (empty `mac`).
pub fn unavailable(id: u64, reason: &str) -> Message {
    Message::ForwardReply(ForwardReply {
        id,
        status: Status::SERVICE_UNAVAILABLE,
        payload: reason.as_bytes().to_vec(),
        position: Position::default(),
        mac: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
