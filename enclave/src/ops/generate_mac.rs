//! GenerateMac: the HMAC (RFC 2104) of up to 4096 bytes under an HMAC KMS key.
//!
//! Checks in AWS's order ([`super::access`]): the key (aliases allowed), the policy
//! (`kms:GenerateMac`), its state, then that it is an HMAC key used with its own algorithm
//! ([`super::mac_key`]), then `DryRun`. The key material never leaves the keystore's borrow.

use std::sync::Arc;

use nitro_kms_api::ops::{GenerateMacRequest, GenerateMacResponse};
use nitro_kms_api::{Blob, KmsError, Operation};
use nitro_kms_crypto::mac;

use super::access::{self, Aliases};
use super::mac_key;
use crate::context::Context;

const OP: Operation = Operation::GenerateMac;

/// Runs GenerateMac for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GenerateMacRequest,
) -> Result<GenerateMacResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let message = req.message.as_ref().map(|m| m.expose()).unwrap_or_default();
    let requested = req.mac_algorithm();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_usable(svc, &key)?;
        let (material, algorithm) = mac_key::hmac_material(svc, &key, OP, requested)?;
        access::dry_run(req.dry_run)?;
        Ok(GenerateMacResponse {
            key_id: Some(svc.identity.key_arn(&key.key_id)),
            mac: Some(Blob::new(mac::mac(
                algorithm,
                material.secret.expose(),
                message,
            ))),
            mac_algorithm: requested,
        })
    })
}

#[cfg(test)]
mod tests;
