//! ImportKeyMaterial: material wrapped under GetParametersForImport's public key becomes the
//! key's material; a `PendingImport` key becomes `Enabled`.
//!
//! AWS's order: the key (key ID or key ARN), the policy (`kms:ImportKeyMaterial`), the origin
//! (`UnsupportedOperationException`), the state (pending deletion refused), the expiration
//! (`ValidationException`, recorded: `A validTo date must be set if the ExpirationModel is
//! KEY_MATERIAL_EXPIRES`), the token (`InvalidImportTokenException` for one not made for this key
//! or not made here at all, `ExpiredImportTokenException` after 24 hours), the unwrapping
//! (`InvalidCiphertextException`), the material's length, and once a key had material, that the
//! same material comes back (`IncorrectKeyMaterialException`). The messages of the rows that the
//! recordings do not cover are ours, in AWS's style. The unwrapped material is zeroizing
//! ([`nitro_kms_crypto::SecretBytes`]) from the moment it is opened.

use std::sync::Arc;

use nitro_kms_api::ops::import::ImportType;
use nitro_kms_api::ops::{ImportKeyMaterialRequest, ImportKeyMaterialResponse};
use nitro_kms_api::types::ExpirationModelType;
use nitro_kms_api::{KmsError, KmsErrorType, Operation};
use nitro_kms_crypto::import_wrapping::{ImportToken, unwrap_key_material};

use super::access::{self, Aliases};
use super::imported_key;
use crate::context::Context;
use crate::keystore::{KeyMaterial, Mutation};

const OP: Operation = Operation::ImportKeyMaterial;

/// The longest `ValidTo` AWS accepts: 365 days from the request (the model's documentation).
const MAX_VALIDITY_MS: u64 = 365 * 24 * 60 * 60 * 1000;

/// Runs ImportKeyMaterial for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: ImportKeyMaterialRequest,
) -> Result<ImportKeyMaterialResponse, KmsError> {
    let now = (svc.clock)();
    let token_key = imported_key::token_key(svc)?;
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(
            svc,
            ks,
            caller,
            OP,
            req.key_id.as_deref().unwrap_or_default(),
            Aliases::Refused,
        )?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        imported_key::require_external(svc, &key)?;
        access::require_not_pending_deletion(svc, &key)?;
        let valid_to_ms = valid_to(&req, now)?;
        let arn = svc.identity.key_arn(&key.key_id);
        let token = req.import_token.as_ref().map(|b| b.as_bytes()).unwrap_or_default();
        let token = ImportToken::open(token_key.expose(), token)
            .ok()
            .filter(|t| t.key_id == key.key_id)
            .ok_or_else(|| {
                KmsError::new(
                    KmsErrorType::InvalidImportToken,
                    format!("The import token is invalid for {arn}."),
                )
            })?;
        if token.valid_to_ms < now {
            return Err(KmsError::new(
                KmsErrorType::ExpiredImportToken,
                "The import token has expired.",
            ));
        }
        let wrapped = req
            .encrypted_key_material
            .as_ref()
            .map(|b| b.as_bytes())
            .unwrap_or_default();
        let material = unwrap_key_material(token.wrapping_key.expose(), token.algorithm, wrapped)
            .map_err(|_| KmsError::new(KmsErrorType::InvalidCiphertext, ""))?;
        let expected = imported_key::material_len(key.key_spec)
            .ok_or_else(|| KmsError::internal("this key spec has no importable material"))?;
        if material.len() != expected {
            return Err(KmsError::new(
                KmsErrorType::Validation,
                format!(
                    "The key material for key spec {} must be {expected} bytes long.",
                    key.key_spec.as_str()
                ),
            ));
        }
        let id = imported_key::material_id(&key.key_id, material.expose());
        let first = key.import.as_ref().and_then(|i| i.first_material_id);
        let named = req.key_material_id.as_deref();
        let incorrect = || {
            KmsError::new(
                KmsErrorType::IncorrectKeyMaterial,
                format!("The key material does not match the key material previously imported into {arn}."),
            )
        };
        if first.is_some_and(|f| f != id)
            || named.is_some_and(|n| n != nitro_kms_crypto::hex_lower(&id))
        {
            return Err(incorrect());
        }
        if first.is_some() && req.import_type() == Some(ImportType::NewKeyMaterial) {
            // Importing a second, new material (for a later rotation) is not served here.
            return Err(incorrect());
        }
        Ok(Mutation::ImportKeyMaterial {
            key_id: key.key_id.clone(),
            material: KeyMaterial { id, secret: material },
            valid_to_ms,
        })
    })?;
    let Mutation::ImportKeyMaterial {
        key_id, material, ..
    } = &mutation
    else {
        return Err(KmsError::internal("unexpected mutation"));
    };
    let response = ImportKeyMaterialResponse {
        key_id: Some(svc.identity.key_arn(key_id)),
        key_material_id: Some(nitro_kms_crypto::hex_lower(&material.id)),
    };
    super::commit::commit(svc, mutation).await?;
    Ok(response)
}

/// The material's expiry from `ExpirationModel` and `ValidTo`, as AWS checks them.
fn valid_to(req: &ImportKeyMaterialRequest, now: u64) -> Result<Option<u64>, KmsError> {
    let invalid = |m: &str| KmsError::new(KmsErrorType::Validation, m);
    match (req.expiration_model(), req.valid_to) {
        (ExpirationModelType::KeyMaterialDoesNotExpire, None) => Ok(None),
        (ExpirationModelType::KeyMaterialDoesNotExpire, Some(_)) => Err(invalid(
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        )),
        (_, None) => Err(invalid(
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        )),
        (_, Some(at)) => {
            let at = u64::try_from(at.epoch_millis()).unwrap_or(0);
            if at <= now || at > now.saturating_add(MAX_VALIDITY_MS) {
                return Err(invalid(
                    "The validTo date must be in the future and no more than 365 days from now.",
                ));
            }
            Ok(Some(at))
        }
    }
}

#[cfg(test)]
mod tests;
