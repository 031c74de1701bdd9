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
//! A multi-Region primary key rotates with its replicas in one commit (the same new material in
//! every copy); a replica never rotates on its own.

use crate::context::Context;
use crate::keystore::{KeyStateRecord, Mutation, RotationKind};
use crate::ops::key_rotation;
use crate::ops::multi_region_key::with_other_copies;

/// Rotates every enabled key whose automatic rotation is due; returns how many rotated (none on
/// a read replica).
pub async fn rotate_due(svc: &Context) -> usize {
    let now = (svc.clock)();
    let region = svc.identity.region.as_str();
    crate::due_keys::commit_for_due_keys(
        svc,
        |k| {
            k.state == KeyStateRecord::Enabled
                && k.rotation.enabled
                && k.rotation.next_rotation_ms.is_some_and(|next| next <= now)
                // A replica rotates with its primary, never on its own.
                && k.multi_region_in(region).is_none_or(|c| c.primary_region == region)
        },
        |key_id| {
            key_rotation::new_material().and_then(|material| {
                let rotate = Mutation::RotateKey {
                    key_id: key_id.to_owned(),
                    material,
                    at_ms: now,
                    kind: RotationKind::Automatic,
                };
                let config = svc.store.read(|ks| {
                    ks.key(key_id)
                        .and_then(|k| k.multi_region_in(region))
                        .filter(|c| !c.replica_regions.is_empty())
                });
                match config {
                    Some(config) => {
                        with_other_copies(svc, &config, rotate.clone(), || rotate.clone())
                            .map(Mutation::Batch)
                    }
                    None => Ok(rotate),
                }
            })
        },
        "rotated (automatic rotation due)",
    )
    .await
}
