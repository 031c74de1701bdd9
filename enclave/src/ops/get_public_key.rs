//! GetPublicKey: the public key of an asymmetric KMS key, as DER SubjectPublicKeyInfo, with what
//! the key may be used for (the same lists DescribeKey gives, from [`super::describe_key`]).
//!
//! Checks: the key (aliases allowed), the policy (`kms:GetPublicKey`), its state (a disabled key
//! is `DisabledException`, as for every cryptographic operation). A symmetric or HMAC key has no
//! public key: `UnsupportedOperationException`. RSA `ENCRYPT_DECRYPT` keys hold the same PKCS#8
//! RSA private keys as RSA signing keys, so their public key comes the same way, with
//! `EncryptionAlgorithms` `[RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256]` (from DescribeKey's metadata).
//! An asymmetric key stored without material (made before this service generated asymmetric
//! keys, or of a usage not implemented yet) is `KMSInvalidStateException`
//! ([`super::signing_key::material`]). An ML-KEM key's public key is its FIPS 203 encapsulation
//! key in SPKI DER (id-alg-ml-kem-*, [`nitro_kms_crypto::kem::kem_public_key`]) with
//! `EncapsulationAlgorithms` `[ML_KEM]`.

use std::sync::Arc;

use nitro_kms_api::ops::{GetPublicKeyRequest, GetPublicKeyResponse};
use nitro_kms_api::{Blob, KmsError, KmsErrorType, Operation};
use nitro_kms_crypto::{kem, signing};

use super::access::{self, Aliases};
use super::describe_key::metadata;
use super::{kem_key, signing_key};
use crate::context::Context;

const OP: Operation = Operation::GetPublicKey;

/// Runs GetPublicKey for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GetPublicKeyRequest,
) -> Result<GetPublicKeyResponse, KmsError> {
    let key_id = req.key_id.as_deref().unwrap_or_default();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_usable(svc, &key)?;
        let public_key = if let Some(kind) = kem_key::kem_kind(key.key_spec) {
            let material = signing_key::material(svc, &key)?;
            kem::kem_public_key(kind, material.secret.expose())
                .map_err(|_| KmsError::internal("stored decapsulation key is malformed"))?
        } else {
            let Some(kind) = signing_key::signing_kind(key.key_spec) else {
                return Err(KmsError::new(
                    KmsErrorType::UnsupportedOperation,
                    format!(
                        "{} key spec is {} which is not valid for GetPublicKey.",
                        svc.identity.key_arn(&key.key_id),
                        key.key_spec.as_str()
                    ),
                ));
            };
            let material = signing_key::material(svc, &key)?;
            signing::signing_public_key(kind, material.secret.expose())
                .map_err(|_| KmsError::internal("stored private key does not parse"))?
        };
        let described = metadata(svc, &key);
        Ok(GetPublicKeyResponse {
            customer_master_key_spec: described.customer_master_key_spec,
            encapsulation_algorithms: described.encapsulation_algorithms,
            encryption_algorithms: described.encryption_algorithms,
            key_agreement_algorithms: described.key_agreement_algorithms,
            key_id: described.arn,
            key_spec: described.key_spec,
            key_usage: described.key_usage,
            public_key: Some(Blob::new(public_key)),
            signing_algorithms: described.signing_algorithms,
        })
    })
}
