//! A bounded table of answers awaited from the parent, by id: the replica's forwards waiting for
//! their [`ForwardReply`](nitro_kms_wire::ForwardReply) and its position queries waiting for their
//! `PositionReply`. An answer nobody waits for (late, after a timeout, or invented by the parent)
//! is dropped. Also where their random ids come from ([`random_id`]).

use std::collections::HashMap;
use std::sync::Mutex;

use nitro_kms_api::KmsError;
use nitro_kms_crypto as crypto;
use tokio::sync::oneshot;

/// A random 64-bit id (forward ids, nonces, query ids): random so that ids of several replicas
/// do not collide in the parent's table, and nonces cannot be predicted.
pub fn random_id() -> Result<u64, KmsError> {
    crypto::random_array::<8>()
        .map(u64::from_be_bytes)
        .map_err(|_| KmsError::internal("no randomness"))
}

/// Answers awaited, by id, at most `max` at once.
#[derive(Debug)]
pub struct Pending<T> {
    waiting: Mutex<HashMap<u64, oneshot::Sender<T>>>,
    max: usize,
}

impl<T> Pending<T> {
    /// An empty table for at most `max` waiters.
    pub fn new(max: usize) -> Pending<T> {
        Pending {
            waiting: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// Starts waiting for the answer with `id`; `None` when the table is full or `id` is taken.
    pub fn register(&self, id: u64) -> Option<oneshot::Receiver<T>> {
        let mut waiting = self.lock();
        if waiting.len() >= self.max || waiting.contains_key(&id) {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        waiting.insert(id, tx);
        Some(rx)
    }

    /// Hands the answer with `id` to its waiter; false when nobody waits for it.
    pub fn deliver(&self, id: u64, answer: T) -> bool {
        match self.lock().remove(&id) {
            Some(waiter) => waiter.send(answer).is_ok(),
            None => false,
        }
    }

    /// Stops waiting for `id` (timed out, or the request could not be sent).
    pub fn forget(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// How many answers are awaited now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<T>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_reaches_its_waiter_once_and_unknown_ids_are_dropped() {
        let pending = Pending::new(2);
        let rx = pending.register(7).unwrap();
        assert!(pending.register(7).is_none(), "an id in use is refused");
        assert!(!pending.deliver(8, "invented"));
        assert!(pending.deliver(7, "answer"));
        assert_eq!(rx.await.unwrap(), "answer");
        assert!(!pending.deliver(7, "again"));
        assert!(pending.is_empty());
    }

    #[test]
    fn the_table_is_bounded() {
        let pending: Pending<()> = Pending::new(2);
        let _a = pending.register(1).unwrap();
        let _b = pending.register(2).unwrap();
        assert!(pending.register(3).is_none());
        pending.forget(1);
        assert!(pending.register(3).is_some());
    }
}
