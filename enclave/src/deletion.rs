//! Keys whose deletion window has passed are deleted for good.
//!
//! ScheduleKeyDeletion only marks a key `PendingDeletion` with a date. [`sweep`] finds keys whose
//! date has passed and commits a `DeleteKey` for each (which also removes their aliases), through
//! the journal like any other change; [`crate::housekeeping::run`] does it periodically. A key past its date but not
//! yet swept still refuses every use, because it is still `PendingDeletion`.
//!
//! A multi-Region replica's deletion also removes it from the configuration of every other copy
//! of the key, in the same commit. A primary scheduled for deletion while it had replicas waits in
//! `PendingReplicaDeletion` (never swept); the commit that deletes its last replica also makes it
//! `PendingDeletion`, its waiting period starting then (as on AWS), so a primary is only ever
//! deleted alone.
//!
//! Only the leader sweeps: a read replica never writes the shared state, and it learns of the
//! deletions the leader commits through the journal, like any other change.

use nitro_kms_api::KmsError;

use crate::context::Context;
use crate::keystore::{KeyStateRecord, MultiRegionConfig, Mutation};
use crate::ops::multi_region_key::{copy_in, with_other_copies};
use crate::ops::schedule_key_deletion::pending_deletion;
use crate::service::Service;

/// Deletes every key whose deletion date is at or before now; returns how many were deleted
/// (none on a read replica, which leaves the sweep to the leader).
pub async fn sweep(svc: &Service) -> usize {
    let now = (svc.clock)();
    crate::due_keys::commit_for_due_keys(
        svc,
        |k| {
            matches!(k.state, KeyStateRecord::PendingDeletion { deletion_date_ms, .. } if deletion_date_ms <= now)
        },
        |key_id| {
            let delete = Mutation::DeleteKey {
                key_id: key_id.to_owned(),
            };
            let region = svc.identity.region.as_str();
            let config = svc.store.read(|ks| {
                ks.key(key_id)
                    .and_then(|k| k.multi_region_in(region))
                    .filter(|c| !c.replica_regions.is_empty())
            });
            match config {
                // A replica's copies elsewhere forget it in the same commit.
                Some(mut config) => {
                    config.replica_regions.retain(|r| r != region);
                    let forget = Mutation::SetMultiRegion {
                        key_id: key_id.to_owned(),
                        config: Box::new(config.clone()),
                    };
                    let mut parts = with_other_copies(svc, &config, delete, || forget.clone())?;
                    parts.extend(start_primary_window(svc, key_id, &config, now)?);
                    Ok::<_, KmsError>(Mutation::Batch(parts))
                }
                None => Ok(delete),
            }
        },
        "deleted (deletion window passed)",
    )
    .await
}

/// When `config` — a multi-Region key's configuration once a deleted replica is forgotten — has
/// no replica left and its primary is `PendingReplicaDeletion`, the primary's change to
/// `PendingDeletion`, its waiting period starting `now` (for the replica's deletion batch).
fn start_primary_window(
    svc: &Context,
    key_id: &str,
    config: &MultiRegionConfig,
    now: u64,
) -> Result<Option<Mutation>, KmsError> {
    if !config.replica_regions.is_empty() {
        return Ok(None);
    }
    let primary = copy_in(svc, &config.primary_region)?;
    let state = primary.store.read(|ks| ks.key(key_id).map(|k| k.state));
    Ok(match state {
        Some(KeyStateRecord::PendingReplicaDeletion { window_days }) => {
            Some(primary.store.regional(Mutation::SetKeyState {
                key_id: key_id.to_owned(),
                state: pending_deletion(now, window_days),
            }))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::test_support;

    async fn call(
        svc: &Arc<Service>,
        op: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let reply = svc
            .handle(
                op,
                "arn:aws:iam::111122223333:user/alice",
                body.to_string().as_bytes(),
            )
            .await;
        let json = if reply.body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&reply.body).unwrap()
        };
        (reply.status.code(), json)
    }

    /// Creates a key and schedules its deletion in 7 days; returns its id.
    async fn key_scheduled_for_deletion(svc: &Arc<Service>) -> String {
        let (_, created) = call(svc, "CreateKey", serde_json::json!({})).await;
        let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        let (status, _) = call(
            svc,
            "ScheduleKeyDeletion",
            serde_json::json!({"KeyId": key, "PendingWindowInDays": 7}),
        )
        .await;
        assert_eq!(status, 200);
        key
    }

    #[tokio::test]
    async fn keys_are_deleted_with_their_aliases_only_after_the_window_passes() {
        let (svc, clock, _parent) = test_support::service().await;
        let (_, created) = call(&svc, "CreateKey", serde_json::json!({})).await;
        let key = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
        call(
            &svc,
            "CreateAlias",
            serde_json::json!({"AliasName": "alias/doomed", "TargetKeyId": key}),
        )
        .await;
        let (status, _) = call(
            &svc,
            "ScheduleKeyDeletion",
            serde_json::json!({"KeyId": key, "PendingWindowInDays": 7}),
        )
        .await;
        assert_eq!(status, 200);
        // Six days later: still there, still refusing use.
        clock.advance_ms(6 * 24 * 3600 * 1000);
        assert_eq!(sweep(&svc).await, 0);
        let (status, described) =
            call(&svc, "DescribeKey", serde_json::json!({"KeyId": key})).await;
        assert_eq!(status, 200);
        assert_eq!(described["KeyMetadata"]["KeyState"], "PendingDeletion");
        // Past seven days: gone, alias too.
        clock.advance_ms(24 * 3600 * 1000 + 1);
        assert_eq!(sweep(&svc).await, 1);
        let (status, missing) = call(&svc, "DescribeKey", serde_json::json!({"KeyId": key})).await;
        assert_eq!(status, 400);
        assert_eq!(missing["__type"], "NotFoundException");
        let (_, aliases) = call(&svc, "ListAliases", serde_json::json!({})).await;
        assert_eq!(aliases["Aliases"], serde_json::json!([]));
    }

    #[tokio::test]
    async fn a_cancelled_deletion_is_not_swept() {
        let (svc, clock, _parent) = test_support::service().await;
        let key = key_scheduled_for_deletion(&svc).await;
        let (status, _) = call(&svc, "CancelKeyDeletion", serde_json::json!({"KeyId": key})).await;
        assert_eq!(status, 200);
        clock.advance_ms(31 * 24 * 3600 * 1000);
        assert_eq!(sweep(&svc).await, 0);
        let (_, described) = call(&svc, "DescribeKey", serde_json::json!({"KeyId": key})).await;
        assert_eq!(described["KeyMetadata"]["KeyState"], "Disabled");
    }

    #[tokio::test]
    async fn a_replica_leaves_the_sweep_to_the_leader_and_sees_its_deletions() {
        let (leader, clock, parent) = test_support::service().await;
        let key = key_scheduled_for_deletion(&leader).await;
        let replica = test_support::replica(parent.clone()).await;
        let journal = parent.lock().unwrap().journal.clone();
        // The replica's clock is past the date too (it reads the same wall clock as the leader).
        clock.advance_ms(8 * 24 * 3600 * 1000);
        let replica = Arc::new(Service {
            clock: leader.clock.clone(),
            ..Arc::into_inner(replica).unwrap()
        });
        assert_eq!(sweep(&replica).await, 0);
        assert_eq!(parent.lock().unwrap().journal, journal);
        assert!(replica.store.read(|ks| ks.key(&key).is_some()));
        assert_eq!(sweep(&leader).await, 1);
        replica.store.catch_up().await.unwrap();
        assert!(replica.store.read(|ks| ks.key(&key).is_none()));
    }
}
