//! Automatic key rotation on schedule.
//!
//! EnableKeyRotation stores a next rotation date; [`rotate_due`] finds the enabled keys whose date
//! has come (by the service's [`Clock`](crate::clock::Clock), injectable in tests) and commits an
//! automatic `RotateKey` for each, which also moves the date one period on. [`run`] does it
//! periodically, and the rotation read operations (GetKeyRotationStatus, ListKeyRotations) do it
//! first, so their answers never show a date in the past.
//!
//! Only the leader rotates: a read replica never writes the shared state and learns of the
//! rotations through the journal. Disabled keys and keys pending deletion do not rotate (AWS: key
//! material is not rotated while the key is not enabled); they rotate when enabled again.

use crate::context::Context;
use crate::keystore::{KeyStateRecord, Mutation, RotationKind};
use crate::ops::key_rotation;

/// Rotates every enabled key whose automatic rotation is due; returns how many rotated (none on
/// a read replica).
pub async fn rotate_due(svc: &Context) -> usize {
    if svc.store.is_replica() {
        return 0;
    }
    let now = (svc.clock)();
    let due: Vec<String> = svc.store.read(|ks| {
        ks.keys()
            .filter(|k| {
                k.state == KeyStateRecord::Enabled
                    && k.rotation.enabled
                    && k.rotation.next_rotation_ms.is_some_and(|next| next <= now)
            })
            .map(|k| k.key_id.clone())
            .collect()
    });
    let mut rotated = 0;
    for key_id in due {
        let material = match key_rotation::new_material() {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(key_id = %key_id, "nitro-kms-enclave: cannot rotate key {key_id}: {e}");
                continue;
            }
        };
        let mutation = Mutation::RotateKey {
            key_id: key_id.clone(),
            material,
            at_ms: now,
            kind: RotationKind::Automatic,
        };
        match svc.store.commit(mutation).await {
            Ok(()) => {
                tracing::info!(key_id = %key_id, "nitro-kms-enclave: key {key_id} rotated (automatic rotation due)");
                rotated += 1;
            }
            Err(e) => {
                tracing::warn!(key_id = %key_id, "nitro-kms-enclave: cannot rotate key {key_id} yet: {e}")
            }
        }
    }
    rotated
}
