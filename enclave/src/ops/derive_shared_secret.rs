//! DeriveSharedSecret: the raw ECDH shared secret of a `KEY_AGREEMENT` KMS key and a peer's
//! public key (DER SubjectPublicKeyInfo on the key's curve).
//!
//! Checks in AWS's order ([`super::access`]): the recipient's attestation, the key (aliases
//! allowed), the policy (`kms:DeriveSharedSecret`, with the `kms:RecipientAttestation:*`
//! conditions when a `Recipient` is given), its state, then the usage: a key that is not
//! `KEY_AGREEMENT` is `InvalidKeyUsageException` `<key-arn> key usage is SIGN_VERIFY which is not
//! valid for DeriveSharedSecret.` (recorded: `response-invalid-key-usage`, `response-invalid-key`),
//! then its material (a key created before this service generated key agreement keys has none:
//! `KMSInvalidStateException`, [`super::signing_key::material`]), then the peer's key, then
//! `DryRun`. A peer key that is malformed, on another curve or not a point is `ValidationException`
//! with an empty message: AWS's recorded answer for a malformed key
//! (`TestKMS::test_derive_shared_secret/response-invalid-public-key`); no public source records
//! the other two, so they answer the same. With a `Recipient` the secret is returned only in
//! `CiphertextForRecipient` (the CMS envelope of GenerateDataKey and Decrypt).

use std::sync::Arc;

use nitro_kms_api::ops::{DeriveSharedSecretRequest, DeriveSharedSecretResponse};
use nitro_kms_api::types::{KeySpec, KeyUsageType, OriginType};
use nitro_kms_api::{KmsError, Operation};
use nitro_kms_crypto::CryptoError;
use nitro_kms_crypto::key_agreement::{self, AgreementCurve};

use super::access::{self, Aliases};
use super::signing_key;
use crate::context::Context;

const OP: Operation = Operation::DeriveSharedSecret;

/// The crypto crate's curve of a key spec that can do key agreement; `None` for the others.
pub fn agreement_curve(spec: KeySpec) -> Option<AgreementCurve> {
    match spec {
        KeySpec::EccNistP256 => Some(AgreementCurve::P256),
        KeySpec::EccNistP384 => Some(AgreementCurve::P384),
        KeySpec::EccNistP521 => Some(AgreementCurve::P521),
        _ => None,
    }
}

/// Runs DeriveSharedSecret for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: DeriveSharedSecretRequest,
) -> Result<DeriveSharedSecretResponse, KmsError> {
    let algorithm = req
        .key_agreement_algorithm()
        .ok_or_else(|| KmsError::internal("unvalidated key agreement algorithm"))?;
    let recipient = svc.verify_recipient(req.recipient.as_ref())?;
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let peer = req
        .public_key
        .as_ref()
        .map(|k| k.as_ref())
        .unwrap_or_default();
    let (key_arn, secret) = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(
            svc,
            key,
            caller,
            OP,
            &Default::default(),
            recipient.as_ref().map(|r| &r.facts),
        )?
        .stored();
        access::require_usable(svc, key)?;
        let key_arn = svc.identity.key_arn(&key.key_id);
        let curve = match (agreement_curve(key.key_spec), key.key_usage) {
            (Some(curve), KeyUsageType::KeyAgreement) => curve,
            _ => {
                return Err(KmsError::invalid_key_usage(
                    &key_arn,
                    key.key_usage.as_str(),
                    OP.name(),
                ));
            }
        };
        let material = signing_key::material(svc, key)?;
        let secret = key_agreement::derive_shared_secret(curve, material.secret.expose(), peer)
            .map_err(|e| match e {
                CryptoError::InvalidPeerKey => KmsError::validation(""),
                _ => KmsError::internal("stored private key does not parse"),
            })?;
        access::dry_run(req.dry_run)?;
        Ok::<_, KmsError>((key_arn, secret))
    })?;
    let (ciphertext_for_recipient, shared_secret) = match recipient {
        Some(r) => (Some(r.wrap(secret.expose())?), None),
        None => (None, Some(secret)),
    };
    Ok(DeriveSharedSecretResponse {
        ciphertext_for_recipient,
        key_agreement_algorithm: Some(algorithm),
        key_id: Some(key_arn),
        key_origin: Some(OriginType::AwsKms),
        shared_secret,
    })
}

#[cfg(test)]
mod tests;
