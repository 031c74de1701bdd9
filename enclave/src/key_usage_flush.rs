//! The housekeeping timer's flush of GetKeyLastUsage's in-memory tracking
//! ([`crate::key_usage`], which says what it can lose) into the sealed state: one
//! [`Mutation::RecordKeyUsage`] per region per tick, never one per request. Its own module so
//! the tracker (held by [`Context`]) does not depend on the context.

use std::collections::BTreeMap;

use crate::context::Context;
use crate::keystore::{KeyUsageRecord, Mutation};

/// Persists `svc`'s uses tracked since the last flush as one [`Mutation::RecordKeyUsage`]; returns
/// how many keys it wrote (none on a read replica, or when nothing was used). A failed commit
/// keeps the uses for the next flush.
pub async fn flush(svc: &Context) -> usize {
    if svc.store.is_replica() {
        return 0;
    }
    let uses = svc.usage.take();
    if uses.is_empty() {
        return 0;
    }
    let since = svc.usage.since_ms((svc.clock)());
    let usage: BTreeMap<String, KeyUsageRecord> = svc.store.read(|ks| {
        uses.iter()
            .map(|(key_id, used)| {
                let tracking_since_ms = ks
                    .key_usage(key_id)
                    .map_or(since, |stored| stored.tracking_since_ms);
                let record = KeyUsageRecord {
                    operation: used.operation.to_owned(),
                    at_ms: used.at_ms,
                    request_id: used.request_id.clone(),
                    tracking_since_ms,
                };
                (key_id.clone(), record)
            })
            .collect()
    });
    let count = usage.len();
    match svc.store.commit(Mutation::RecordKeyUsage { usage }).await {
        Ok(()) => count,
        Err(e) => {
            tracing::warn!("nitro-kms-enclave: key last uses not yet persisted: {e}");
            svc.usage.restore(uses);
            0
        }
    }
}
