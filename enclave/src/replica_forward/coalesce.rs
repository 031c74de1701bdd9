//! [`Rounds`]: the waiting list that lets many concurrent callers share one piece of work — each
//! caller joins the *next* round (the running one may have started before it arrived, so its
//! result may not cover the caller), one task runs rounds until nobody waits. The replica's read
//! barrier uses it so that a burst of reads costs one or two position queries, not one each.

use std::sync::Mutex;

use tokio::sync::oneshot;

/// What a round tells the callers that waited for it: done, or why not.
pub type Outcome = Result<(), String>;

/// Callers waiting for the next round, and whether a task is running rounds.
#[derive(Debug, Default)]
struct Waiting {
    callers: Vec<oneshot::Sender<Outcome>>,
    running: bool,
}

/// The callers of the next round (see the module docs).
#[derive(Debug, Default)]
pub struct Rounds {
    waiting: Mutex<Waiting>,
}

impl Rounds {
    /// Joins the next round: the receiver gets its outcome. `true` when no task runs rounds, so
    /// the caller must start one (which calls [`Rounds::next_batch`] until it returns `None`).
    pub fn join(&self) -> (oneshot::Receiver<Outcome>, bool) {
        let (tx, rx) = oneshot::channel();
        let mut waiting = self.lock();
        waiting.callers.push(tx);
        let start = !std::mem::replace(&mut waiting.running, true);
        (rx, start)
    }

    /// The callers of the round about to run; `None` (and the task must stop) when none waits.
    pub fn next_batch(&self) -> Option<Vec<oneshot::Sender<Outcome>>> {
        let mut waiting = self.lock();
        if waiting.callers.is_empty() {
            waiting.running = false;
            return None;
        }
        Some(std::mem::take(&mut waiting.callers))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callers_that_join_during_a_round_share_the_next_one() {
        let rounds = Rounds::default();
        let (first, start) = rounds.join();
        assert!(start, "the first caller starts the task");
        let batch = rounds.next_batch().unwrap();
        // Two callers arrive while that round runs: they do not start a task, and wait.
        let (second, start_second) = rounds.join();
        let (third, start_third) = rounds.join();
        assert!(!start_second && !start_third);
        for caller in batch {
            caller.send(Ok(())).unwrap();
        }
        assert_eq!(first.await.unwrap(), Ok(()));
        let batch = rounds.next_batch().unwrap();
        assert_eq!(batch.len(), 2, "one round for both");
        for caller in batch {
            caller.send(Err("failed".into())).unwrap();
        }
        assert_eq!(second.await.unwrap(), Err("failed".into()));
        assert_eq!(third.await.unwrap(), Err("failed".into()));
        assert!(rounds.next_batch().is_none());
        // The task stopped: the next caller starts a new one.
        assert!(rounds.join().1);
    }
}
