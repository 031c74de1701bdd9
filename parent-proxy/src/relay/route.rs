//! Which enclave a new client connection is relayed to.
//!
//! The choice is per connection, not per request: the proxy no longer sees requests (they may be
//! inside TLS), so every request a client sends on one connection reaches the same enclave.
//!
//! **For now every connection goes to the leader** (enclave 0, the first `--enclave`). The proxy
//! cannot tell a read from a mutation any more, so a connection may only go to a replica that
//! answers both: one that forwards mutations to the leader itself (over the control link,
//! authenticated by a key only enclaves of the image hold: `enclave/src/replica_forward/`).
//! Until routing is switched, replicas keep receiving `Sync`s and catching up, but get no client
//! connections.
//!
//! Spreading is this one function: a round-robin over the enclaves [`Router::serves_reads`] says
//! are connected and caught up (falling back to the leader), which is what the per-request router
//! did before the proxy became a relay.

use crate::router::Router;

/// The leader's index: the only enclave that writes the shared sealed state.
pub const LEADER: usize = 0;

/// The index (0 is the leader) of the enclave the next client connection goes to.
pub fn enclave_for_connection(_enclaves: &Router) -> usize {
    LEADER
}

#[cfg(test)]
mod tests;
