//! VerifyMac: whether a MAC is the HMAC of a message under an HMAC KMS key.
//!
//! The same checks as GenerateMac (policy action `kms:VerifyMac`), then a constant-time
//! comparison (aws-lc-rs `hmac::verify`). A MAC that does not match is
//! `KMSInvalidMacException` with an empty message, as real AWS answers it
//! (aws-kms-real-errors.txt, `test_invalid_verify_mac`); an answer always has `MacValid: true`.

use std::sync::Arc;

use nitro_kms_api::ops::{VerifyMacRequest, VerifyMacResponse};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::mac;

use super::access::{self, Aliases};
use super::mac_key;
use crate::context::Context;

const OP: Operation = Operation::VerifyMac;

/// Runs VerifyMac for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: VerifyMacRequest,
) -> Result<VerifyMacResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let message = req.message.as_ref().map(|m| m.expose()).unwrap_or_default();
    let tag = req.mac.as_ref().map(|m| m.as_bytes()).unwrap_or_default();
    let requested = req.mac_algorithm();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_usable(svc, &key)?;
        let (material, algorithm) = mac_key::hmac_material(svc, &key, OP, requested)?;
        access::dry_run(req.dry_run)?;
        mac::verify_mac(algorithm, material.secret.expose(), message, tag)
            .map_err(|_| KmsError::invalid_mac())?;
        Ok(VerifyMacResponse {
            key_id: Some(svc.identity.key_arn(&key.key_id)),
            mac_algorithm: requested,
            mac_valid: Some(true),
        })
    })
}
