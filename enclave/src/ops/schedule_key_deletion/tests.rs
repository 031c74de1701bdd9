//! ScheduleKeyDeletion of a multi-Region primary key that still has replicas, in process with an
//! injected clock: it waits in `PendingReplicaDeletion` (unusable, no deletion date), becomes
//! `PendingDeletion` in the commit that deletes its last replica with its window starting then,
//! and CancelKeyDeletion brings it back.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::service::Service;
use crate::test_support::{self, ADMIN, call, replicated_to_west};

const DAY_MS: u64 = 86_400_000;

async fn metadata(svc: &Arc<Service>, key: &str) -> Value {
    let (status, described) = call(svc, ADMIN, "DescribeKey", json!({ "KeyId": key })).await;
    assert_eq!(status, 200, "{described}");
    described["KeyMetadata"].clone()
}

async fn schedule(svc: &Arc<Service>, key: &str, days: u8) -> Value {
    let body = json!({"KeyId": key, "PendingWindowInDays": days});
    let (status, answer) = call(svc, ADMIN, "ScheduleKeyDeletion", body).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The `KMSInvalidStateException` message `op` answers for `body`.
async fn invalid_state(svc: &Arc<Service>, op: &str, body: Value) -> String {
    let (status, answer) = call(svc, ADMIN, op, body).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["__type"], "KMSInvalidStateException", "{answer}");
    answer["message"].as_str().unwrap_or_default().to_owned()
}

fn arn(key: &str) -> String {
    format!("arn:aws:kms:us-east-1:111122223333:key/{key}")
}

#[tokio::test]
async fn a_primary_with_replicas_waits_unusable_and_starts_its_window_when_the_last_replica_is_deleted()
 {
    let (svc, clock, parent) = test_support::service().await;
    let west = svc.in_region("eu-west-1").unwrap();
    let key = replicated_to_west(&svc).await;
    schedule(&west, &key, 7).await;

    let scheduled = schedule(&svc, &key, 10).await;
    assert_eq!(scheduled["KeyState"], "PendingReplicaDeletion");
    assert_eq!(scheduled["PendingWindowInDays"], 10);
    assert_eq!(scheduled.get("DeletionDate"), None, "{scheduled}");
    let pending = metadata(&svc, &key).await;
    assert_eq!(pending["KeyState"], "PendingReplicaDeletion");
    assert_eq!(pending["Enabled"], false);
    assert_eq!(pending["PendingDeletionWindowInDays"], 10);
    assert_eq!(pending.get("DeletionDate"), None, "{pending}");
    // The state and its window are sealed state: a restart sees them.
    let restarted = test_support::replica(parent).await;
    assert_eq!(metadata(&restarted, &key).await, pending);

    // Unusable, and not to be rescheduled, re-replicated or made a replica.
    let message = format!("{} is pending replica deletion.", arn(&key));
    let encrypt = json!({"KeyId": key, "Plaintext": "aGk="});
    assert_eq!(invalid_state(&svc, "Encrypt", encrypt).await, message);
    let again = json!({"KeyId": key, "PendingWindowInDays": 7});
    assert_eq!(
        invalid_state(&svc, "ScheduleKeyDeletion", again).await,
        message
    );
    let move_primary = json!({"KeyId": key, "PrimaryRegion": "eu-west-1"});
    assert_eq!(
        invalid_state(&svc, "UpdatePrimaryRegion", move_primary).await,
        message
    );

    // Past the replica's date: the primary is not swept, the replica is, and in the same commit
    // the primary's ten days start.
    clock.advance_ms(8 * DAY_MS);
    assert_eq!(crate::deletion::sweep(&svc).await, 0);
    assert_eq!(
        metadata(&svc, &key).await["KeyState"],
        "PendingReplicaDeletion"
    );
    let replica_deleted_at = (svc.clock)();
    assert_eq!(crate::deletion::sweep(&west).await, 1);
    let waiting = metadata(&svc, &key).await;
    assert_eq!(waiting["KeyState"], "PendingDeletion");
    assert_eq!(waiting["PendingDeletionWindowInDays"], 10);
    let deletion_date_ms = (waiting["DeletionDate"].as_f64().unwrap() * 1000.0).round() as u64;
    assert_eq!(deletion_date_ms, replica_deleted_at + 10 * DAY_MS);
    assert_eq!(
        waiting["MultiRegionConfiguration"]["ReplicaKeys"],
        json!([])
    );

    // Its own window then runs as for any key.
    clock.advance_ms(10 * DAY_MS - 1);
    assert_eq!(crate::deletion::sweep(&svc).await, 0);
    clock.advance_ms(1);
    assert_eq!(crate::deletion::sweep(&svc).await, 1);
    let (status, gone) = call(&svc, ADMIN, "DescribeKey", json!({ "KeyId": key })).await;
    assert_eq!(status, 400);
    assert_eq!(gone["__type"], "NotFoundException");
}

#[tokio::test]
async fn cancelling_a_pending_replica_deletion_leaves_the_primary_disabled_and_never_swept() {
    let (svc, clock, _parent) = test_support::service().await;
    let key = replicated_to_west(&svc).await;
    schedule(&svc, &key, 7).await;
    let (status, answer) = call(&svc, ADMIN, "CancelKeyDeletion", json!({ "KeyId": key })).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["KeyId"], arn(&key));
    let cancelled = metadata(&svc, &key).await;
    assert_eq!(cancelled["KeyState"], "Disabled");
    assert_eq!(cancelled.get("PendingDeletionWindowInDays"), None);
    clock.advance_ms(31 * DAY_MS);
    assert_eq!(crate::deletion::sweep(&svc).await, 0);
    let (status, _) = call(&svc, ADMIN, "EnableKey", json!({ "KeyId": key })).await;
    assert_eq!(status, 200);
    let encrypt = json!({"KeyId": key, "Plaintext": "aGk="});
    let (status, answer) = call(&svc, ADMIN, "Encrypt", encrypt).await;
    assert_eq!(status, 200, "{answer}");
}
