//! GenerateDataKeyPair: a fresh asymmetric key pair (RSA 2048/3072/4096, ECC NIST P-256/384/521)
//! with the private key in plaintext (or, with a `Recipient`, only in `CiphertextForRecipient`)
//! and encrypted under a symmetric KMS key; the public key as DER SubjectPublicKeyInfo.
//!
//! Key generation (RSA-4096 takes most of a second) runs on the blocking pool, never on the
//! reactor. [`generate_pair`] is shared with GenerateDataKeyPairWithoutPlaintext.
//!
//! The KMS key is resolved and authorized once, before the generation ([`precheck`]); the private
//! key is sealed under that same key, found again by its id ([`seal_private_key`]), never by the
//! request's `KeyId`: an alias moved during the generation must not make the blob land under a key
//! the caller was not authorized on (issue 15).

use std::future::Future;
use std::sync::Arc;

use nitro_kms_api::ops::{GenerateDataKeyPairRequest, GenerateDataKeyPairResponse};
use nitro_kms_api::types::DataKeyPairSpec;
use nitro_kms_api::{Blob, KmsError, KmsErrorType, Operation};
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{self as crypto, EcCurve, RsaKeySize};

use super::access::{self, Aliases, AuthorizedKeyId};
use super::ciphertext;
use crate::context::Context;

const OP: Operation = Operation::GenerateDataKeyPair;

/// A generated pair: PKCS#8 DER private key and DER SPKI public key.
pub struct KeyPair {
    /// PKCS#8 DER, zeroizing.
    pub private_pkcs8: SecretBytes,
    /// DER SubjectPublicKeyInfo.
    pub public_spki: Vec<u8>,
}

/// Generates a pair of `spec` off the reactor. Specs nitro-kms cannot generate (secp256k1, SM2,
/// Ed25519) are `UnsupportedOperationException`.
pub async fn generate_pair(spec: DataKeyPairSpec) -> Result<KeyPair, KmsError> {
    enum Kind {
        Rsa(RsaKeySize),
        Ec(EcCurve),
    }
    let kind = match spec {
        DataKeyPairSpec::Rsa2048 => Kind::Rsa(RsaKeySize::Rsa2048),
        DataKeyPairSpec::Rsa3072 => Kind::Rsa(RsaKeySize::Rsa3072),
        DataKeyPairSpec::Rsa4096 => Kind::Rsa(RsaKeySize::Rsa4096),
        DataKeyPairSpec::EccNistP256 => Kind::Ec(EcCurve::P256),
        DataKeyPairSpec::EccNistP384 => Kind::Ec(EcCurve::P384),
        DataKeyPairSpec::EccNistP521 => Kind::Ec(EcCurve::P521),
        other => {
            return Err(KmsError::new(
                KmsErrorType::UnsupportedOperation,
                format!(
                    "KeyPairSpec {} is not supported by this key store.",
                    other.as_str()
                ),
            ));
        }
    };
    let generated = tokio::task::spawn_blocking(move || match kind {
        Kind::Rsa(size) => crypto::RsaPrivateKey::generate(size).map(|k| KeyPair {
            private_pkcs8: k.pkcs8_der().clone(),
            public_spki: k.public_key_spki_der().to_vec(),
        }),
        Kind::Ec(curve) => {
            crypto::generate_ec_key_pair(curve).map(|(private_pkcs8, public_spki)| KeyPair {
                private_pkcs8,
                public_spki,
            })
        }
    })
    .await
    .map_err(|_| KmsError::internal("key generation was interrupted"))?;
    generated.map_err(|_| KmsError::internal("key generation failed"))
}

/// Runs GenerateDataKeyPair for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GenerateDataKeyPairRequest,
) -> Result<GenerateDataKeyPairResponse, KmsError> {
    run_with(svc, caller, req, generate_pair).await
}

/// [`run`] with the pair made by `generate` ([`generate_pair`] in service; tests pass one that
/// pauses, to move an alias in the middle of the operation).
pub(crate) async fn run_with<G, F>(
    svc: &Context,
    caller: &str,
    req: GenerateDataKeyPairRequest,
    generate: G,
) -> Result<GenerateDataKeyPairResponse, KmsError>
where
    G: FnOnce(DataKeyPairSpec) -> F,
    F: Future<Output = Result<KeyPair, KmsError>>,
{
    let spec = req
        .key_pair_spec()
        .ok_or_else(|| KmsError::validation("KeyPairSpec is required."))?;
    let context = access::context_map(req.encryption_context.as_ref());
    let recipient = svc.verify_recipient(req.recipient.as_ref())?;
    let key_id = req.key_id.as_deref().unwrap_or_default();
    let key = precheck(
        svc,
        caller,
        OP,
        key_id,
        &context,
        recipient.as_ref().map(|r| &r.facts),
        req.dry_run,
    )?;
    let pair = generate(spec).await?;
    let (blob, key_arn, material_id) = seal_private_key(svc, &key, &context, &pair)?;
    let public_key = Some(Blob::new(pair.public_spki.clone()));
    Ok(match recipient {
        Some(r) => GenerateDataKeyPairResponse {
            ciphertext_for_recipient: Some(r.wrap(pair.private_pkcs8.expose())?),
            key_id: Some(key_arn),
            key_material_id: None,
            key_pair_spec: Some(spec),
            private_key_ciphertext_blob: Some(blob),
            private_key_plaintext: None,
            public_key,
        },
        None => GenerateDataKeyPairResponse {
            ciphertext_for_recipient: None,
            key_id: Some(key_arn),
            key_material_id: Some(material_id),
            key_pair_spec: Some(spec),
            private_key_ciphertext_blob: Some(blob),
            private_key_plaintext: Some(pair.private_pkcs8),
            public_key,
        },
    })
}

/// Everything that can refuse the request, checked before the (slow) generation: key, policy,
/// state, usage, DryRun. The answer is the one key the request may use.
pub fn precheck(
    svc: &Context,
    caller: &str,
    op: Operation,
    key_id: &str,
    context: &std::collections::BTreeMap<String, String>,
    attestation: Option<&crate::policy::AttestationFacts>,
    dry_run: Option<bool>,
) -> Result<AuthorizedKeyId, KmsError> {
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, op, key_id, Aliases::Allowed)?;
        let key = access::authorize(svc, key, caller, op, context, attestation)?;
        access::require_usable(svc, &key)?;
        access::symmetric_material(svc, &key, op)?;
        access::dry_run(dry_run)?;
        Ok(key.id())
    })
}

/// Seals the private key under the key [`precheck`] authorized, found again by its id (its state
/// is checked again: it may have been disabled during the generation).
pub fn seal_private_key(
    svc: &Context,
    key: &AuthorizedKeyId,
    context: &std::collections::BTreeMap<String, String>,
    pair: &KeyPair,
) -> Result<(Blob, String, String), KmsError> {
    svc.store.read(|ks| {
        let key = key.reload(svc, ks)?;
        access::require_usable(svc, &key)?;
        let material = access::symmetric_material(svc, &key, OP)?;
        Ok((
            ciphertext::seal_under(&key, material, context, pair.private_pkcs8.expose())?,
            svc.identity.key_arn(&key.key_id),
            ciphertext::material_id_hex(material),
        ))
    })
}

#[cfg(test)]
mod tests;
