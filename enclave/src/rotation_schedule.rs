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
    let now = (svc.clock)();
    crate::due_keys::commit_for_due_keys(
        svc,
        |k| {
            k.state == KeyStateRecord::Enabled
                && k.rotation.enabled
                && k.rotation.next_rotation_ms.is_some_and(|next| next <= now)
        },
        |key_id| {
            key_rotation::new_material().map(|material| Mutation::RotateKey {
                key_id: key_id.to_owned(),
                material,
                at_ms: now,
                kind: RotationKind::Automatic,
            })
        },
        "rotated (automatic rotation due)",
    )
    .await
}
