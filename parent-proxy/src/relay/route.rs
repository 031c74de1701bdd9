//! Which enclave a new client connection is relayed to.
//!
//! The choice is per connection, not per request: the proxy no longer sees requests (they may be
//! inside TLS), so every request a client sends on one connection reaches the same enclave. That
//! is safe on a read replica because a replica answers both kinds itself: it forwards a mutation
//! to the leader over the control link, authenticated by a key only enclaves of the image hold
//! (`enclave/src/replica_forward/`), and before a read it asks the parent how far the stored
//! state has come and catches up first (read-your-writes across enclaves; docs/horizontal-scale.md).
//!
//! So connections are spread round-robin over the enclaves [`Router::serves_reads`] says are
//! connected and caught up, falling back to the leader when none is. A replica that has fallen
//! behind gets no new connections until it acknowledges the current generation again (it would
//! answer correctly, but only after a catch-up on the client's time).

use crate::router::Router;

/// The leader's index: the only enclave that writes the shared sealed state.
pub const LEADER: usize = 0;

/// The index (0 is the leader) of the enclave the next client connection goes to.
pub fn enclave_for_connection(enclaves: &Router) -> usize {
    let count = enclaves.enclaves();
    if count <= 1 {
        return LEADER;
    }
    let start = enclaves.next_rotation();
    (0..count)
        .map(|k| (start + k) % count)
        .find(|&index| enclaves.serves_reads(index))
        .unwrap_or(LEADER)
}

#[cfg(test)]
mod tests;
