//! Read replicas as the proxy sees them: the sync generation, and how far each replica caught up.
//!
//! With several enclaves (`--enclave` given more than once) the first is the **leader**, the only
//! one whose storage writes the proxy accepts; the others are **read replicas** of the sealed state
//! the leader writes (they share its sealing key: same image, same world). A replica can only serve
//! a request correctly if it has applied every write acknowledged so far, so the proxy keeps one
//! number, the **sync generation**, and for each replica the newest generation it acknowledged:
//!
//! - the leader's link calls [`Replication::stored`] after each write is durable and **before**
//!   it sends the leader the `PersistAck`. That bumps the generation, which makes every replica
//!   stale in the same atomic step, so the answer to the mutation (which the leader sends only
//!   after the ack) can never reach a client while a replica that has not seen it is still routed
//!   to: read-your-writes, across enclaves;
//! - each replica's link sends it `Sync { id: generation }` (on every new generation, on each
//!   connect, and again every [`RESYNC_INTERVAL`] while it is stale, so a failed or lost catch-up
//!   is retried); a `200 SyncAck` with an id at or above the current generation makes it caught up
//!   again ([`Replication::acknowledged`]).
//!
//! Everything here is atomics: the router reads two numbers per candidate replica, no lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// How often a stale replica is sent the current generation again.
pub const RESYNC_INTERVAL: Duration = Duration::from_secs(1);

/// The sync generation and each replica's acknowledged generation.
#[derive(Debug)]
pub struct Replication {
    /// Bumped by every durable write of the leader. Starts at 1 so that a replica that has
    /// acknowledged nothing (0) is stale.
    generation: AtomicU64,
    /// Per replica (replica `i` is enclave `i + 1`): the newest generation it acknowledged.
    acknowledged: Vec<AtomicU64>,
    /// The generation, for the tasks that send `Sync`s (they wait on changes).
    announce: watch::Sender<u64>,
}

impl Replication {
    /// Replication for `replicas` read replicas, all stale.
    pub fn new(replicas: usize) -> Arc<Replication> {
        Arc::new(Replication {
            generation: AtomicU64::new(1),
            acknowledged: (0..replicas).map(|_| AtomicU64::new(0)).collect(),
            announce: watch::Sender::new(1),
        })
    }

    /// How many read replicas there are.
    pub fn replicas(&self) -> usize {
        self.acknowledged.len()
    }

    /// The current sync generation (the id of the next `Sync`s).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Records a durable write of the leader: every replica is stale from this instant, and the
    /// `Sync` senders are woken. Call it before acknowledging the write to the leader. Returns the
    /// new generation.
    pub fn stored(&self) -> u64 {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.announce.send_replace(generation);
        generation
    }

    /// Whether `replica` has applied every write acknowledged so far.
    pub fn is_caught_up(&self, replica: usize) -> bool {
        self.acknowledged
            .get(replica)
            .is_some_and(|a| a.load(Ordering::SeqCst) >= self.generation())
    }

    /// Records a successful `SyncAck { id }` of `replica`. An ack older than the newest one it
    /// sent changes nothing (acks may arrive out of order over several connections).
    pub fn acknowledged(&self, replica: usize, id: u64) {
        if let Some(a) = self.acknowledged.get(replica) {
            a.fetch_max(id, Ordering::SeqCst);
        }
    }

    /// Makes `replica` stale until it acknowledges a `Sync` again: it (re)connected, and a new
    /// process must confirm that it serves the stored state before it gets requests.
    pub fn reconnected(&self, replica: usize) {
        if let Some(a) = self.acknowledged.get(replica) {
            a.store(0, Ordering::SeqCst);
        }
    }

    /// How many replicas are caught up now.
    pub fn caught_up(&self) -> usize {
        (0..self.replicas())
            .filter(|r| self.is_caught_up(*r))
            .count()
    }

    /// The generation as it changes (for the `Sync` senders).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.announce.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_start_stale_and_are_caught_up_by_an_ack_of_the_current_generation() {
        let replication = Replication::new(2);
        assert_eq!(replication.caught_up(), 0);
        replication.acknowledged(0, replication.generation());
        assert!(replication.is_caught_up(0));
        assert!(!replication.is_caught_up(1));
        assert!(!replication.is_caught_up(2), "no such replica");
    }

    #[test]
    fn a_stored_write_makes_every_replica_stale_until_it_acknowledges_the_new_generation() {
        let replication = Replication::new(2);
        let first = replication.generation();
        replication.acknowledged(0, first);
        replication.acknowledged(1, first);
        assert_eq!(replication.caught_up(), 2);
        let mut announced = replication.subscribe();
        let second = replication.stored();
        assert_eq!(second, first + 1);
        assert_eq!(replication.caught_up(), 0);
        assert_eq!(*announced.borrow_and_update(), second);
        // An ack of the older generation, arriving late, does not count.
        replication.acknowledged(0, first);
        assert!(!replication.is_caught_up(0));
        replication.acknowledged(0, second);
        assert!(replication.is_caught_up(0));
        // Acks never move a replica back.
        replication.acknowledged(0, first);
        assert!(replication.is_caught_up(0));
    }

    #[test]
    fn a_replica_that_reconnects_is_stale_until_it_acknowledges_again() {
        let replication = Replication::new(1);
        replication.acknowledged(0, replication.generation());
        replication.reconnected(0);
        assert!(!replication.is_caught_up(0));
        replication.acknowledged(0, replication.generation());
        assert!(replication.is_caught_up(0));
    }
}
