//! What an [`EnclaveLink`](crate::EnclaveLink) counts, without owning where it is counted.
//!
//! The proxy shows these counts on `/metrics` next to its HTTP counters, under names and in an
//! order that must not change; the load generator keeps them to itself. So the link only reports
//! events through [`LinkMetrics`]; the proxy's `Metrics` implements it over its own counters (and
//! renders them as before), and [`LinkCounters`] is a plain implementation for everyone else.

use std::sync::atomic::{AtomicU64, Ordering};

/// The events a link reports. Each call is one relaxed counter increment in practice: they are
/// made from every connection's supervisor and reader.
pub trait LinkMetrics: Send + Sync {
    /// A connection to the enclave was made (after its Hello), reconnects included.
    fn connected(&self);
    /// A `Sync` was sent to a read replica.
    fn sync_sent(&self);
    /// A read replica reported that it could not catch up (a failed `SyncAck`).
    fn sync_failed(&self);
}

/// The link's counters on their own, for a parent without a `/metrics` page (the bench) and for
/// tests.
#[derive(Debug, Default)]
pub struct LinkCounters {
    /// Connections made to the enclave (reconnects included).
    pub connects: AtomicU64,
    /// `Sync`s sent to read replicas.
    pub syncs_sent: AtomicU64,
    /// `SyncAck`s reporting that a replica could not catch up.
    pub syncs_failed: AtomicU64,
}

impl LinkMetrics for LinkCounters {
    fn connected(&self) {
        self.connects.fetch_add(1, Ordering::Relaxed);
    }

    fn sync_sent(&self) {
        self.syncs_sent.fetch_add(1, Ordering::Relaxed);
    }

    fn sync_failed(&self) {
        self.syncs_failed.fetch_add(1, Ordering::Relaxed);
    }
}
