//! ListKeyRotations: the materials rotations made current, oldest first, paged like the other
//! List operations ([`super::paging`]). With `IncludeKeyMaterial=ALL_KEY_MATERIAL` the original
//! material comes first (no rotation date or type). Each entry's `KeyMaterialState` is `CURRENT`
//! for the material Encrypt uses now, `NON_CURRENT` for the others. Works on disabled keys;
//! pending deletion is `KMSInvalidStateException`; keys that do not rotate are
//! `UnsupportedOperationException` (model errors).

use std::sync::Arc;

use nitro_kms_api::ops::rotation::{IncludeKeyMaterial, RotationsListEntry};
use nitro_kms_api::ops::{ListKeyRotationsRequest, ListKeyRotationsResponse};
use nitro_kms_api::{KmsError, Operation};

use super::key_rotation::{self, States};
use super::paging;
use crate::context::Context;

const OP: Operation = Operation::ListKeyRotations;

/// Runs ListKeyRotations for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ListKeyRotationsRequest,
) -> Result<ListKeyRotationsResponse, KmsError> {
    crate::rotation_schedule::rotate_due(svc).await;
    let key_id = req.key_id.clone().unwrap_or_default();
    let all = svc.store.read(|ks| {
        let key =
            key_rotation::rotatable_key(svc, ks, caller, OP, &key_id, States::NotPendingDeletion)?;
        let current = key.material.as_ref().map(|m| m.id);
        let state = |id: [u8; 32]| match Some(id) == current {
            true => "CURRENT",
            false => "NON_CURRENT",
        };
        let entry = |id: [u8; 32]| RotationsListEntry {
            key_id: Some(key.key_id.clone()),
            key_material_id: Some(nitro_kms_crypto::hex_lower(&id)),
            key_material_state: Some(state(id).to_owned()),
            ..Default::default()
        };
        let mut all = Vec::new();
        if req.include_key_material() == IncludeKeyMaterial::AllKeyMaterial {
            let original = key
                .rotation
                .earlier_materials
                .first()
                .map(|m| m.id)
                .or(current);
            all.extend(original.map(entry));
        }
        all.extend(key.rotation.rotations.iter().map(|r| RotationsListEntry {
            rotation_date: Some(key_rotation::timestamp(r.date_ms)),
            rotation_type: Some(r.kind.as_str().to_owned()),
            ..entry(r.material_id)
        }));
        Ok::<_, KmsError>(all)
    })?;
    let page = paging::page(&all, req.limit, req.marker.as_deref())?;
    Ok(ListKeyRotationsResponse {
        next_marker: page.next_marker,
        rotations: Some(page.items.to_vec()),
        truncated: Some(page.truncated),
    })
}
