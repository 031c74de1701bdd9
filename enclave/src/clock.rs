//! Wall-clock time for the service, injectable so tests can move it.
//!
//! Dates the enclave hands out (CreationDate, DeletionDate) and deadlines it enforces (key
//! deletion windows, attestation document age) all come from one [`Clock`].

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of "now", in milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    })
}

/// Converts a clock reading to a `SystemTime`.
pub fn to_system_time(ms: u64) -> SystemTime {
    UNIX_EPOCH + std::time::Duration::from_millis(ms)
}
