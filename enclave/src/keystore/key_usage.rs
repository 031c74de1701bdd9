//! What the keystore remembers of a key's last successful cryptographic operation
//! (GetKeyLastUsage, issue 18): [`KeyUsageRecord`].
//!
//! Written only by the housekeeping timer's flush of the in-memory tracker
//! ([`crate::key_usage`]), never per request, so it may lag behind the last use (see there).

use serde::{Deserialize, Serialize};

/// A key's last successful cryptographic operation, as last persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsageRecord {
    /// The operation (a `KeyLastUsageTrackingOperation` value such as `Decrypt`).
    pub operation: String,
    /// When it succeeded, ms since the epoch.
    pub at_ms: u64,
    /// The `x-amzn-RequestId` of its answer.
    pub request_id: String,
    /// Since when this key's uses are recorded, ms since the epoch (the start of the tracking
    /// that first persisted a use of it).
    pub tracking_since_ms: u64,
}
