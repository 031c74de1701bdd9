//! Freshness and single use of forwards, checked by the leader: a [`Forward`](nitro_kms_wire::Forward)
//! the parent recorded cannot be played again, now or later.
//!
//! A forward is accepted only if its `issued_at_ms` is within [`WINDOW_MS`] of the leader's clock
//! (either way: the enclaves' clocks come from their hosts and may differ a little) and its
//! `nonce` was not accepted before. Nonces are remembered until their forward could no longer be
//! fresh (`issued_at + WINDOW_MS`), so the cache only ever holds the forwards of the last minute,
//! and it is bounded ([`MAX_NONCES`]): when it is full of live entries, new forwards are refused
//! (retryably) rather than the cache forgetting one a replay could then reuse. Only forwards whose
//! MAC verified are ever entered, so the parent cannot fill it with junk.

use std::collections::{BTreeSet, HashSet};
use std::sync::Mutex;

/// How far a forward's `issued_at_ms` may be from the leader's clock, in milliseconds.
pub const WINDOW_MS: u64 = 30_000;
/// Most nonces remembered at once (about 80 bytes each: a few MiB at most).
pub const MAX_NONCES: usize = 65_536;

/// Why a forward was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayRefusal {
    /// Its time is outside the window.
    #[error(
        "the forward was issued {skew_ms} ms away from the leader's clock (window {WINDOW_MS} ms)"
    )]
    Stale {
        /// How far from the leader's clock.
        skew_ms: u64,
    },
    /// Its nonce was seen before.
    #[error("the forward's nonce was already used")]
    Replayed,
    /// The cache is full of nonces still live.
    #[error("too many forwards in the freshness window")]
    Full,
}

/// The nonces accepted within the window.
#[derive(Debug, Default)]
struct Seen {
    nonces: HashSet<u64>,
    /// `(forgettable after, nonce)`, in expiry order.
    expiry: BTreeSet<(u64, u64)>,
}

/// The leader's record of forwards it accepted.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    seen: Mutex<Seen>,
}

impl ReplayGuard {
    /// An empty guard.
    pub fn new() -> ReplayGuard {
        ReplayGuard::default()
    }

    /// Accepts a forward issued at `issued_at_ms` with `nonce` at `now_ms`, or says why not.
    /// Accepting remembers the nonce.
    pub fn accept(&self, issued_at_ms: u64, nonce: u64, now_ms: u64) -> Result<(), ReplayRefusal> {
        let skew_ms = issued_at_ms.abs_diff(now_ms);
        if skew_ms > WINDOW_MS {
            return Err(ReplayRefusal::Stale { skew_ms });
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Forget what can no longer be fresh: a replay of it is refused as stale.
        while let Some(&(expires, old)) = seen.expiry.first() {
            if expires >= now_ms {
                break;
            }
            seen.expiry.pop_first();
            seen.nonces.remove(&old);
        }
        if seen.nonces.contains(&nonce) {
            return Err(ReplayRefusal::Replayed);
        }
        if seen.nonces.len() >= MAX_NONCES {
            return Err(ReplayRefusal::Full);
        }
        seen.nonces.insert(nonce);
        seen.expiry
            .insert((issued_at_ms.saturating_add(WINDOW_MS), nonce));
        Ok(())
    }

    /// How many nonces are remembered now.
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .nonces
            .len()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;

    #[test]
    fn a_fresh_forward_is_accepted_once() {
        let guard = ReplayGuard::new();
        assert_eq!(guard.accept(NOW, 1, NOW), Ok(()));
        assert_eq!(guard.accept(NOW, 1, NOW + 5), Err(ReplayRefusal::Replayed));
        assert_eq!(guard.accept(NOW, 2, NOW + 5), Ok(()));
    }

    #[test]
    fn a_forward_outside_the_window_is_stale_either_way() {
        let guard = ReplayGuard::new();
        assert_eq!(
            guard.accept(NOW - WINDOW_MS - 1, 1, NOW),
            Err(ReplayRefusal::Stale {
                skew_ms: WINDOW_MS + 1
            })
        );
        assert!(matches!(
            guard.accept(NOW + WINDOW_MS + 1, 2, NOW),
            Err(ReplayRefusal::Stale { .. })
        ));
        assert_eq!(guard.accept(NOW - WINDOW_MS, 3, NOW), Ok(()));
        assert!(guard.len() == 1, "refused forwards are not remembered");
    }

    #[test]
    fn nonces_are_forgotten_only_once_a_replay_would_be_stale() {
        let guard = ReplayGuard::new();
        guard.accept(NOW, 1, NOW).unwrap();
        // Still fresh at the window's edge: still remembered.
        assert_eq!(
            guard.accept(NOW, 1, NOW + WINDOW_MS),
            Err(ReplayRefusal::Replayed)
        );
        // One ms later the entry is gone, and the replay is refused as stale instead.
        assert!(matches!(
            guard.accept(NOW, 1, NOW + WINDOW_MS + 1),
            Err(ReplayRefusal::Stale { .. })
        ));
        guard
            .accept(NOW + WINDOW_MS + 1, 2, NOW + WINDOW_MS + 1)
            .unwrap();
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn a_full_cache_refuses_instead_of_forgetting() {
        let guard = ReplayGuard::new();
        for nonce in 0..MAX_NONCES as u64 {
            guard.accept(NOW, nonce, NOW).unwrap();
        }
        assert_eq!(guard.accept(NOW, u64::MAX, NOW), Err(ReplayRefusal::Full));
        assert_eq!(guard.accept(NOW, 0, NOW), Err(ReplayRefusal::Replayed));
        // Once the window has passed, room again.
        guard
            .accept(NOW + 2 * WINDOW_MS, u64::MAX, NOW + 2 * WINDOW_MS)
            .unwrap();
        assert_eq!(guard.len(), 1);
    }
}
