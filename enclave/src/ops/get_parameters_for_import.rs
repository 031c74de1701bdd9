//! GetParametersForImport: a fresh RSA wrapping public key and an import token for an
//! `EXTERNAL` key, valid for 24 hours.
//!
//! Stateless: nothing is stored per call. The token is the wrapping private key, the key id, the
//! algorithm and the validity sealed with AES-256-GCM under a key derived from the sealing key
//! (`nitro_kms_crypto::import_wrapping::ImportToken`), so only this service can make or read one
//! and the hostile parent can neither forge nor retarget it. AWS's order: the key (key ID or key
//! ARN), the policy (`kms:GetParametersForImport`), the origin (`UnsupportedOperationException`,
//! recorded message), the state (pending deletion refused).

use std::sync::Arc;

use nitro_kms_api::ops::import::{AlgorithmSpec, WrappingKeySpec};
use nitro_kms_api::ops::{GetParametersForImportRequest, GetParametersForImportResponse};
use nitro_kms_api::{Blob, KmsError, KmsErrorType, Operation};
use nitro_kms_crypto::RsaKeySize;
use nitro_kms_crypto::import_wrapping::{ImportToken, WrappingAlgorithm, generate_wrapping_key};

use super::access::{self, Aliases};
use super::imported_key;
use super::key_rotation::timestamp;
use crate::context::Context;

const OP: Operation = Operation::GetParametersForImport;

/// Runs GetParametersForImport for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GetParametersForImportRequest,
) -> Result<GetParametersForImportResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let key_id = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        imported_key::require_external(svc, &key)?;
        access::require_not_pending_deletion(svc, &key)?;
        Ok::<_, KmsError>(key.key_id.clone())
    })?;
    let algorithm = wrapping_algorithm(
        req.wrapping_algorithm()
            .ok_or_else(|| KmsError::internal("unvalidated wrapping algorithm"))?,
    )?;
    let size = match req.wrapping_key_spec() {
        Some(WrappingKeySpec::Rsa2048) => RsaKeySize::Rsa2048,
        Some(WrappingKeySpec::Rsa3072) => RsaKeySize::Rsa3072,
        Some(WrappingKeySpec::Rsa4096) => RsaKeySize::Rsa4096,
        _ => return Err(KmsError::internal("unvalidated wrapping key spec")),
    };
    // RSA-4096 generation takes long enough to stall an async worker (as CreateKey's).
    let (wrapping_key, public_key) =
        tokio::task::spawn_blocking(move || generate_wrapping_key(size))
            .await
            .map_err(|_| KmsError::internal("key generation was interrupted"))?
            .map_err(|_| KmsError::internal("key generation failed"))?;
    let valid_to_ms = (svc.clock)().saturating_add(imported_key::PARAMETERS_VALIDITY_MS);
    let token = ImportToken {
        key_id: key_id.clone(),
        algorithm,
        valid_to_ms,
        wrapping_key,
    }
    .seal(imported_key::token_key(svc)?.expose())
    .map_err(|_| KmsError::internal("the import token could not be sealed"))?;
    Ok(GetParametersForImportResponse {
        import_token: Some(Blob::new(token)),
        key_id: Some(svc.identity.key_arn(&key_id)),
        parameters_valid_to: Some(timestamp(valid_to_ms)),
        public_key: Some(Blob::new(public_key)),
    })
}

/// The crypto crate's algorithm for a validated `AlgorithmSpec`. `RSAES_PKCS1_V1_5` passes the
/// model's validation but AWS has not supported it since October 10, 2023 (the model's
/// documentation); the wording of the refusal is ours (no recording of it was found).
fn wrapping_algorithm(spec: AlgorithmSpec) -> Result<WrappingAlgorithm, KmsError> {
    match spec {
        AlgorithmSpec::RsaesOaepSha1 => Ok(WrappingAlgorithm::RsaesOaepSha1),
        AlgorithmSpec::RsaesOaepSha256 => Ok(WrappingAlgorithm::RsaesOaepSha256),
        AlgorithmSpec::RsaAesKeyWrapSha1 => Ok(WrappingAlgorithm::RsaAesKeyWrapSha1),
        AlgorithmSpec::RsaAesKeyWrapSha256 => Ok(WrappingAlgorithm::RsaAesKeyWrapSha256),
        other => Err(KmsError::new(
            KmsErrorType::Validation,
            format!(
                "The wrapping algorithm {} is not supported.",
                other.as_str()
            ),
        )),
    }
}
