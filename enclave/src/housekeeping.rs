//! The enclave's periodic work on its own state: one timer for every job that a date in the
//! keystore makes due, so each tick reads the keystore for each job once and no job needs a task
//! of its own.
//!
//! - [`deletion::sweep`](crate::deletion::sweep): keys whose deletion window has passed.
//! - [`rotation_schedule::rotate_due`](crate::rotation_schedule::rotate_due): keys whose automatic
//!   rotation is due.
//! - [`import_expiry::expire_due`](crate::import_expiry::expire_due): keys whose imported key
//!   material's `ValidTo` has passed.
//!
//! All do nothing on a read replica (only the leader writes the shared state).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::context::Context;
use crate::keystore::{Mutation, StoredKey};

/// Runs every job at start and then every `every`, until `shutdown` becomes true.
pub async fn run(svc: Arc<Context>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        crate::rotation_schedule::rotate_due(&svc).await;
        crate::deletion::sweep(&svc).await;
        crate::import_expiry::expire_due(&svc).await;
        tokio::select! {
            _ = crate::server::stopped(&mut shutdown) => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// One job's pass: on the leader (a read replica leaves every job to it), commits
/// `mutation(key_id)` through the journal for each key `is_due` picks, logging each outcome as
/// "key KEY_ID `done`" or why it could not be committed; returns how many were committed.
pub async fn commit_for_due_keys<E: std::fmt::Display>(
    svc: &Context,
    is_due: impl Fn(&StoredKey) -> bool,
    mutation: impl Fn(&str) -> Result<Mutation, E>,
    done: &str,
) -> usize {
    if svc.store.is_replica() {
        return 0;
    }
    let due: Vec<String> = svc.store.read(|ks| {
        ks.keys()
            .filter(|k| is_due(k))
            .map(|k| k.key_id.clone())
            .collect()
    });
    let mut committed = 0;
    for key_id in due {
        let result = match mutation(&key_id) {
            Ok(m) => svc.store.commit(m).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => {
                tracing::info!(key_id = %key_id, "nitro-kms-enclave: key {key_id} {done}");
                committed += 1;
            }
            Err(e) => {
                tracing::warn!(key_id = %key_id, "nitro-kms-enclave: key {key_id} not yet {done}: {e}")
            }
        }
    }
    committed
}
