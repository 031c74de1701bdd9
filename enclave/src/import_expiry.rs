//! Imported key material whose `ValidTo` has passed is deleted: the key becomes `PendingImport`,
//! as AWS does when imported material expires ("When the key material expires, KMS deletes the
//! key material from the KMS key", ImportKeyMaterial's documentation).
//!
//! [`expire_due`] commits a `DeleteImportedKeyMaterial` for each such key through the journal,
//! like any other change; [`crate::housekeeping::run`] runs it on the housekeeping timer with the
//! context's (injectable) clock. Only the leader writes; a read replica learns of the deletions
//! through the journal.

use crate::keystore::Mutation;
use crate::service::Service;

/// Deletes the material of every key whose imported material expired at or before now; returns
/// how many keys lost their material (none on a read replica).
pub async fn expire_due(svc: &Service) -> usize {
    if svc.store.is_replica() {
        return 0;
    }
    let now = (svc.clock)();
    let due: Vec<String> = svc.store.read(|ks| {
        ks.keys()
            .filter(|k| {
                k.material.is_some()
                    && k.import
                        .as_ref()
                        .and_then(|i| i.valid_to_ms)
                        .is_some_and(|at| at <= now)
            })
            .map(|k| k.key_id.clone())
            .collect()
    });
    let mut expired = 0;
    for key_id in due {
        match svc
            .store
            .commit(Mutation::DeleteImportedKeyMaterial {
                key_id: key_id.clone(),
            })
            .await
        {
            Ok(()) => {
                tracing::info!(key_id = %key_id, "nitro-kms-enclave: imported key material of {key_id} expired and was deleted");
                expired += 1;
            }
            Err(e) => {
                tracing::warn!(key_id = %key_id, "nitro-kms-enclave: cannot delete the expired material of {key_id} yet: {e}")
            }
        }
    }
    expired
}
