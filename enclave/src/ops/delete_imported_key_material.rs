//! DeleteImportedKeyMaterial: an `EXTERNAL` key loses its material and becomes `PendingImport`
//! (`KMSInvalidStateException` `<key-arn> is pending import.` for every cryptographic use) until
//! the same material is imported again; its ciphertexts then decrypt again.
//!
//! AWS's order: the key (key ID or key ARN), the policy (`kms:DeleteImportedKeyMaterial`), the
//! origin (`UnsupportedOperationException`), the state: a key pending deletion or already
//! pending import has no material to delete (`KMSInvalidStateException`). A `KeyMaterialId`
//! that is not the current material's is `NotFoundException` (our wording).

use std::sync::Arc;

use nitro_kms_api::ops::{DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases};
use super::{ciphertext, imported_key};
use crate::context::Context;
use crate::keystore::Mutation;

const OP: Operation = Operation::DeleteImportedKeyMaterial;

/// Runs DeleteImportedKeyMaterial for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DeleteImportedKeyMaterialRequest,
) -> Result<DeleteImportedKeyMaterialResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let (key_id, material_id) = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        imported_key::require_external(svc, &key)?;
        access::require_not_pending_deletion(svc, &key)?;
        let arn = svc.identity.key_arn(&key.key_id);
        let material = key
            .material
            .as_ref()
            .ok_or_else(|| KmsError::pending_import(&arn))?;
        let material_id = ciphertext::material_id_hex(material);
        if req
            .key_material_id
            .as_deref()
            .is_some_and(|named| named != material_id)
        {
            return Err(KmsError::new(
                KmsErrorType::NotFound,
                format!(
                    "Key material {} not found for {arn}.",
                    req.key_material_id.as_deref().unwrap_or_default()
                ),
            ));
        }
        Ok::<_, KmsError>((key.key_id.clone(), material_id))
    })?;
    super::commit::commit(
        svc,
        Mutation::DeleteImportedKeyMaterial {
            key_id: key_id.clone(),
        },
    )
    .await?;
    Ok(DeleteImportedKeyMaterialResponse {
        key_id: Some(svc.identity.key_arn(&key_id)),
        key_material_id: Some(material_id),
    })
}
