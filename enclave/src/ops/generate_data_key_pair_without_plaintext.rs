//! GenerateDataKeyPairWithoutPlaintext: like GenerateDataKeyPair, but the private key is returned
//! only encrypted (no `Recipient` on this operation).

use std::sync::Arc;

use nitro_kms_api::ops::{
    GenerateDataKeyPairWithoutPlaintextRequest, GenerateDataKeyPairWithoutPlaintextResponse,
};
use nitro_kms_api::{Blob, KmsError, Operation};

use super::access;
use super::generate_data_key_pair::{generate_pair, precheck, seal_private_key};
use crate::context::Context;

const OP: Operation = Operation::GenerateDataKeyPairWithoutPlaintext;

/// Runs GenerateDataKeyPairWithoutPlaintext for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GenerateDataKeyPairWithoutPlaintextRequest,
) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError> {
    let spec = req
        .key_pair_spec()
        .ok_or_else(|| KmsError::validation("KeyPairSpec is required."))?;
    let context = access::context_map(req.encryption_context.as_ref());
    let key_id = req.key_id.as_deref().unwrap_or_default();
    precheck(svc, caller, OP, key_id, &context, None, req.dry_run)?;
    let pair = generate_pair(spec).await?;
    let (blob, key_arn, material_id) = seal_private_key(svc, caller, key_id, &context, &pair)?;
    Ok(GenerateDataKeyPairWithoutPlaintextResponse {
        key_id: Some(key_arn),
        key_material_id: Some(material_id),
        key_pair_spec: Some(spec),
        private_key_ciphertext_blob: Some(blob),
        public_key: Some(Blob::new(pair.public_spki)),
    })
}
