//! The pass every housekeeping job makes ([`commit_for_due_keys`]): find the keys a date in the
//! keystore makes due, commit one mutation for each through the journal, log each outcome. Its
//! own module so the jobs (`deletion`, `rotation_schedule`, `import_expiry`) share it without
//! depending on the timer that runs them (`housekeeping`).

use crate::context::Context;
use crate::keystore::{Mutation, StoredKey};

/// One job's pass: on the leader (a read replica leaves every job to it), commits
/// `mutation(key_id)` through the journal for each key `is_due` picks, logging each outcome as
/// "key KEY_ID `done`" or why it could not be committed; returns how many were committed. A
/// [`Mutation::Batch`] is committed as made (its parts already name their regions).
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
            // A batch (a multi-Region key's copies) is already made of each region's mutations.
            Ok(Mutation::Batch(parts)) => svc
                .store
                .commit_batch(parts)
                .await
                .map_err(|e| e.to_string()),
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
