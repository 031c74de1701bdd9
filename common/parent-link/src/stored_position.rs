//! How far the sealed state on disk has come, as this parent stored it: the generation of the
//! snapshot and the sequence number of the last record after it.
//!
//! Both only grow while the enclave writes (a snapshot is one generation up, records count on
//! from the snapshot's last sequence number), including across restarts: the enclave compacts
//! into generation + 1 when it starts. So a monitor that keeps them from outside the parent sees a
//! rollback — files replaced by older ones, which the enclave cannot detect after a restart — as
//! either number going down. Until a counter outside the parent exists, this is how an operator
//! sees one. The numbers are read from the files' clear headers ([`crate::sealed_headers`]):
//! they are what this parent stored, not something the enclave vouches for.

use std::sync::Mutex;

use crate::lock::lock;

/// The generation and sequence number of the stored state, shared between the
/// [`StateStore`](crate::StateStore) that updates it and whoever shows it (the proxy's
/// `/metrics`).
#[derive(Debug, Default)]
pub struct StoredPosition(Mutex<Option<(u64, u64)>>);

impl StoredPosition {
    /// `(generation, sequence)`, once a stored snapshot has been seen (at open or when the
    /// enclave installed one).
    pub fn get(&self) -> Option<(u64, u64)> {
        *lock(&self.0)
    }

    /// A snapshot of `generation` holding everything up to `last_seq` is in place.
    pub(crate) fn snapshot(&self, generation: u64, last_seq: u64) {
        *lock(&self.0) = Some((generation, last_seq));
    }

    /// A record of `generation` and `seq` was appended after it.
    pub(crate) fn record(&self, generation: u64, seq: u64) {
        *lock(&self.0) = Some((generation, seq));
    }
}
