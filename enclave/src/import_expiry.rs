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
    let now = (svc.clock)();
    crate::due_keys::commit_for_due_keys(
        svc,
        |k| {
            k.material.is_some()
                && k.import
                    .as_ref()
                    .and_then(|i| i.valid_to_ms)
                    .is_some_and(|at| at <= now)
        },
        |key_id| {
            Ok::<_, std::convert::Infallible>(Mutation::DeleteImportedKeyMaterial {
                key_id: key_id.to_owned(),
            })
        },
        "lost its imported key material (ValidTo passed)",
    )
    .await
}
