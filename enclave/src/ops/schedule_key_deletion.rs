//! ScheduleKeyDeletion: the key becomes `PendingDeletion` for 7 to 30 days (default 30), refusing
//! every use, and is deleted for good — with its aliases — when the window passes (see
//! [`crate::deletion`]). CancelKeyDeletion undoes it until then. A multi-Region primary key that
//! still has replicas becomes `PendingReplicaDeletion` instead, as on AWS: unusable, with no
//! deletion date until its last replica is deleted (see [`is_primary_with_replicas`]).

use std::sync::Arc;

use nitro_kms_api::ops::{ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse};
use nitro_kms_api::types::KeyState;
use nitro_kms_api::{KmsError, Operation, Timestamp};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{KeyStateRecord, Mutation, StoredKey};

const OP: Operation = Operation::ScheduleKeyDeletion;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Runs ScheduleKeyDeletion for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ScheduleKeyDeletionRequest,
) -> Result<ScheduleKeyDeletionResponse, KmsError> {
    let window = req.pending_window_in_days();
    let window_days = u8::try_from(window).map_err(|_| KmsError::internal("unvalidated window"))?;
    let key_id = req.key_id.unwrap_or_default();
    let now = (svc.clock)();
    let deletion_date_ms = deletion_date(now, window_days);
    let (state, key_id) = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        let state = if is_primary_with_replicas(svc, &key) {
            KeyStateRecord::PendingReplicaDeletion { window_days }
        } else {
            pending_deletion(now, window_days)
        };
        Ok::<_, KmsError>((state, key.key_id.clone()))
    })?;
    let key_arn = svc.identity.key_arn(&key_id);
    super::commit::commit(svc, Mutation::SetKeyState { key_id, state }).await?;
    let (key_state, deletion_date) = match state {
        // AWS leaves the date out: it is not known until the last replica is deleted.
        KeyStateRecord::PendingReplicaDeletion { .. } => (KeyState::PendingReplicaDeletion, None),
        _ => (
            KeyState::PendingDeletion,
            Some(Timestamp::from_epoch_millis(
                i64::try_from(deletion_date_ms).unwrap_or(i64::MAX),
            )),
        ),
    };
    Ok(ScheduleKeyDeletionResponse {
        deletion_date,
        key_id: Some(key_arn),
        key_state: Some(key_state),
        pending_window_in_days: Some(window),
    })
}

/// When a key whose `window_days` waiting period starts at `now` is deleted, ms since the epoch.
fn deletion_date(now: u64, window_days: u8) -> u64 {
    now.saturating_add(u64::from(window_days) * DAY_MS)
}

/// `PendingDeletion` with a waiting period of `window_days` starting at `now`: what
/// ScheduleKeyDeletion sets, and what a primary pending replica deletion becomes when its last
/// replica is deleted.
pub fn pending_deletion(now: u64, window_days: u8) -> KeyStateRecord {
    KeyStateRecord::PendingDeletion {
        deletion_date_ms: deletion_date(now, window_days),
        window_days,
    }
}

/// Whether `key` is a multi-Region primary key that still has replicas: AWS does not delete such
/// a key while they exist, so it waits in `PendingReplicaDeletion` and its waiting period starts
/// when the last replica is deleted (see [`crate::deletion`]).
fn is_primary_with_replicas(svc: &Context, key: &StoredKey) -> bool {
    key.multi_region_in(&svc.identity.region)
        .is_some_and(|config| {
            config.primary_region == svc.identity.region && !config.replica_regions.is_empty()
        })
}

#[cfg(test)]
mod tests;
