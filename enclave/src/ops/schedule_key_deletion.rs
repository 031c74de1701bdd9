//! ScheduleKeyDeletion: the key becomes `PendingDeletion` for 7 to 30 days (default 30), refusing
//! every use, and is deleted for good — with its aliases — when the window passes (see
//! [`crate::deletion`]). CancelKeyDeletion undoes it until then. A multi-Region primary key that
//! still has replicas is refused (see [`refuse_primary_with_replicas`]).

use std::sync::Arc;

use nitro_kms_api::ops::{ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse};
use nitro_kms_api::types::KeyState;
use nitro_kms_api::{KmsError, KmsErrorType, Operation, Timestamp};

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
    let deletion_date_ms = (svc.clock)().saturating_add(u64::from(window_days) * DAY_MS);
    let (mutation, key_arn) = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        refuse_primary_with_replicas(svc, &key)?;
        Ok::<_, KmsError>((
            Mutation::SetKeyState {
                key_id: key.key_id.clone(),
                state: KeyStateRecord::PendingDeletion {
                    deletion_date_ms,
                    window_days,
                },
            },
            svc.identity.key_arn(&key.key_id),
        ))
    })?;
    super::commit::commit(svc, mutation).await?;
    Ok(ScheduleKeyDeletionResponse {
        deletion_date: Some(Timestamp::from_epoch_millis(
            i64::try_from(deletion_date_ms).unwrap_or(i64::MAX),
        )),
        key_id: Some(key_arn),
        key_state: Some(KeyState::PendingDeletion),
        pending_window_in_days: Some(window),
    })
}

/// AWS lets a multi-Region primary key with replicas be scheduled for deletion: it waits in
/// `PendingReplicaDeletion` until its last replica is deleted, then starts its waiting period.
/// This service does not keep that state; it refuses instead with the operation's
/// `KMSInvalidStateException`, so a primary is never deleted while replicas still name it.
fn refuse_primary_with_replicas(svc: &Context, key: &StoredKey) -> Result<(), KmsError> {
    match key.multi_region_in(&svc.identity.region) {
        Some(config)
            if config.primary_region == svc.identity.region
                && !config.replica_regions.is_empty() =>
        {
            Err(KmsError::new(
                KmsErrorType::KMSInvalidState,
                format!(
                    "{} is a multi-region primary key with replica keys in {}; schedule the deletion of its replica keys first.",
                    svc.identity.key_arn(&key.key_id),
                    config.replica_regions.join(", ")
                ),
            ))
        }
        _ => Ok(()),
    }
}
