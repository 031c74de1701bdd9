//! GetKeyLastUsage's tracking (issue 18): each key's last successful cryptographic operation,
//! kept in memory per request and persisted cheaply.
//!
//! [`KeyUsageTracker::record`] runs after every successful operation of the model's
//! `KeyLastUsageTrackingOperation` list ([`crate::service::dispatch`]); it only updates a map in
//! memory, so a cryptographic call never waits for a sealed-state write. The housekeeping timer
//! ([`crate::housekeeping`]) calls [`flush`], which commits the entries changed since the last
//! flush as one `Mutation::RecordKeyUsage` through the journal, like any other change.
//!
//! What can be lost, and why that is acceptable: the data is informational (AWS itself tells
//! callers not to rely on it alone, and names CloudTrail the authority).
//! - A restart (or crash) loses the uses since the last flush (at most one housekeeping
//!   interval). A key with no flushed use then reports tracking from the restart
//!   (`TrackingStartDate` = the later of its creation and when this process began tracking), so
//!   the answer never claims "unused since creation" for a period it did not watch.
//! - A hostile parent can roll the sealed state back to an older snapshot or journal (the
//!   sealed state's own rollback rules apply): the last uses go back with it. It cannot forge a
//!   use: records are sealed like every other mutation.
//! - A read replica records the uses it answers in its own memory only (it never writes); the
//!   leader's flushes reach it through the journal, so its answer is the later of the two.
//!
//! The KMS request id of a use is the `x-amzn-RequestId` of its answer, which the HTTP endpoint
//! makes before running the request and hands down in [`REQUEST_ID`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use nitro_kms_api::ops::key_last_usage::TRACKED_OPERATIONS;
use nitro_kms_api::{Operation, http_endpoint};

tokio::task_local! {
    /// The `x-amzn-RequestId` of the request being answered, set by the HTTP endpoint around
    /// the service's work so the recorded use names the id the caller saw.
    pub static REQUEST_ID: String;
}

/// The request id of the request being answered ([`REQUEST_ID`]), or a fresh one outside a
/// request scope (a request relayed by another path).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| http_endpoint::request_id())
}

/// A use not yet persisted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUse {
    /// The operation's name.
    pub operation: &'static str,
    /// When it succeeded, ms since the epoch.
    pub at_ms: u64,
    /// The answer's request id.
    pub request_id: String,
}

#[derive(Debug, Default)]
struct Inner {
    /// When this process began tracking this region's keys (the context's creation, or else the
    /// first record or query).
    since_ms: Option<u64>,
    /// Uses since the last flush, by key id.
    pending: BTreeMap<String, PendingUse>,
}

/// Each key's last use since the last flush, in memory (one per region's context).
#[derive(Debug, Default)]
pub struct KeyUsageTracker {
    inner: Mutex<Inner>,
}

impl KeyUsageTracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A tracker whose tracking starts at `now_ms`: made with its context, before any of the
    /// context's keys can be created or used in this process.
    pub fn starting_at(now_ms: u64) -> Self {
        KeyUsageTracker {
            inner: Mutex::new(Inner {
                since_ms: Some(now_ms),
                pending: BTreeMap::new(),
            }),
        }
    }

    /// Records that `op` succeeded with `key_id` at `now_ms`, if `op` is a tracked operation.
    pub fn record(&self, key_id: &str, op: Operation, now_ms: u64, request_id: String) {
        let Some(operation) = TRACKED_OPERATIONS
            .iter()
            .copied()
            .find(|name| *name == op.name())
        else {
            return;
        };
        let mut inner = self.lock();
        inner.since_ms.get_or_insert(now_ms);
        inner.pending.insert(
            key_id.to_owned(),
            PendingUse {
                operation,
                at_ms: now_ms,
                request_id,
            },
        );
    }

    /// The use of `key_id` not yet persisted, if any.
    pub fn pending(&self, key_id: &str) -> Option<PendingUse> {
        self.lock().pending.get(key_id).cloned()
    }

    /// Since when this process tracks uses (fixed at the first call, record or query).
    pub fn since_ms(&self, now_ms: u64) -> u64 {
        *self.lock().since_ms.get_or_insert(now_ms)
    }

    /// Takes the uses not yet persisted.
    pub(crate) fn take(&self) -> BTreeMap<String, PendingUse> {
        std::mem::take(&mut self.lock().pending)
    }

    /// Puts back uses whose flush failed, unless a newer use of the same key came meanwhile.
    pub(crate) fn restore(&self, uses: BTreeMap<String, PendingUse>) {
        let mut inner = self.lock();
        for (key_id, used) in uses {
            inner.pending.entry(key_id).or_insert(used);
        }
    }
}

#[cfg(test)]
mod tests;
