//! GenerateDataKeyPairWithoutPlaintext: like GenerateDataKeyPair, but the private key is returned
//! only encrypted (no `Recipient` on this operation).

use std::future::Future;
use std::sync::Arc;

use nitro_kms_api::ops::{
    GenerateDataKeyPairWithoutPlaintextRequest, GenerateDataKeyPairWithoutPlaintextResponse,
};
use nitro_kms_api::types::DataKeyPairSpec;
use nitro_kms_api::{Blob, KmsError, Operation};

use super::access;
use super::generate_data_key_pair::{KeyPair, generate_pair, precheck, seal_private_key};
use crate::context::Context;

const OP: Operation = Operation::GenerateDataKeyPairWithoutPlaintext;

/// Runs GenerateDataKeyPairWithoutPlaintext for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GenerateDataKeyPairWithoutPlaintextRequest,
) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError> {
    run_with(svc, caller, req, generate_pair).await
}

/// [`run`] with the pair made by `generate` (see
/// [`super::generate_data_key_pair::run_with`]).
pub(crate) async fn run_with<G, F>(
    svc: &Context,
    caller: &str,
    req: GenerateDataKeyPairWithoutPlaintextRequest,
    generate: G,
) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError>
where
    G: FnOnce(DataKeyPairSpec) -> F,
    F: Future<Output = Result<KeyPair, KmsError>>,
{
    let spec = req
        .key_pair_spec()
        .ok_or_else(|| KmsError::validation("KeyPairSpec is required."))?;
    let context = access::context_map(req.encryption_context.as_ref());
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let key = precheck(svc, caller, OP, key_id, &context, None, req.dry_run)?;
    let pair = generate(spec).await?;
    let (blob, key_arn, material_id) = seal_private_key(svc, &key, &context, &pair)?;
    Ok(GenerateDataKeyPairWithoutPlaintextResponse {
        key_id: Some(key_arn),
        key_material_id: Some(material_id),
        key_pair_spec: Some(spec),
        private_key_ciphertext_blob: Some(blob),
        public_key: Some(Blob::new(pair.public_spki)),
    })
}
