//! GetKeyLastUsage: a key's last successful cryptographic operation, and since when this service
//! records them (issue 18).
//!
//! Takes a key ID or key ARN only (the model: "Alias names are not supported"; an alias is
//! refused as the other key-only operations refuse it), in any key state (the model lists no
//! `KMSInvalidStateException` or `DisabledException` for it), with the policy action
//! `kms:GetKeyLastUsage` (AWS's permissions reference). The last use is the later of the one
//! tracked in memory and the one last persisted ([`crate::key_usage`], which says what a restart
//! or a rollback can lose); `TrackingStartDate` is the later of the key's creation and the start
//! of the tracking that holds its record; `KeyLastUsage` is an empty object while there is none
//! (the model: "If the key has not been used since tracking began, this response element is an
//! empty object"). `CloudTrailEventId` stays absent: this service has no CloudTrail.

use std::sync::Arc;

use nitro_kms_api::blob::Timestamp;
use nitro_kms_api::ops::{GetKeyLastUsageRequest, GetKeyLastUsageResponse, KeyLastUsageData};
use nitro_kms_api::{KmsError, Operation};

use super::access::{self, Aliases};
use crate::context::Context;

const OP: Operation = Operation::GetKeyLastUsage;

/// Runs GetKeyLastUsage for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GetKeyLastUsageRequest,
) -> Result<GetKeyLastUsageResponse, KmsError> {
    let key_id = req.key_id.unwrap_or_default();
    let now = (svc.clock)();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        let stored = ks.key_usage(&key.key_id);
        let pending = svc.usage.pending(&key.key_id);
        let tracking_since = stored.map_or_else(
            || svc.usage.since_ms(now),
            |record| record.tracking_since_ms,
        );
        let last = match (stored, pending) {
            (_, Some(used)) if stored.is_none_or(|s| s.at_ms <= used.at_ms) => KeyLastUsageData {
                cloud_trail_event_id: None,
                kms_request_id: Some(used.request_id),
                operation: Some(used.operation.to_owned()),
                timestamp: Some(millis(used.at_ms)),
            },
            (Some(record), _) => KeyLastUsageData {
                cloud_trail_event_id: None,
                kms_request_id: Some(record.request_id.clone()),
                operation: Some(record.operation.clone()),
                timestamp: Some(millis(record.at_ms)),
            },
            (None, _) => KeyLastUsageData::default(),
        };
        Ok(GetKeyLastUsageResponse {
            key_creation_date: Some(millis(key.creation_date_ms)),
            key_id: Some(key.key_id.clone()),
            key_last_usage: Some(last),
            tracking_start_date: Some(millis(key.creation_date_ms.max(tracking_since))),
        })
    })
}

fn millis(ms: u64) -> Timestamp {
    Timestamp::from_epoch_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
