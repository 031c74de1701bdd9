//! What Sign, Verify and GetPublicKey check about their key after [`super::access`] found,
//! authorized and state-checked it, and the mapping from KMS names to the crypto crate's.
//!
//! - The usage first: a key that is not `SIGN_VERIFY` (or whose spec cannot sign) is
//!   `InvalidKeyUsageException` `<key-arn> key usage is ENCRYPT_DECRYPT which is not valid for
//!   Sign.` (aws-kms-real-errors.txt, `sign-invalid-key-id`).
//! - Then the algorithm: RSASSA_* for RSA, ECDSA_SHA_256 for P-256 and secp256k1, ECDSA_SHA_384
//!   for P-384, ECDSA_SHA_512 for P-521, ED25519_SHA_512 (RAW messages only) and
//!   ED25519_PH_SHA_512 (RAW, or DIGEST: the message's 64-byte SHA-512) for Ed25519; another is `InvalidKeyUsageException`
//!   `Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.` (the wording AWS uses
//!   for HMAC keys, recorded for GenerateMac).
//! - Then the material: a `SIGN_VERIFY` key created before this service could sign has none
//!   (CreateKey stored asymmetric keys without material); no signature can ever be made with it,
//!   so it is `KMSInvalidStateException` naming the key and telling the caller to create a new one,
//!   rather than an internal error.

use nitro_kms_api::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};
use nitro_kms_crypto::signing::{DigestAlgorithm, SigningAlgorithm, SigningInput, SigningKeyKind};

use super::access::{self, Aliases};
use crate::context::Context;
use crate::keystore::{KeyMaterial, Keystore, StoredKey};

/// What Sign and Verify take from their request before the cryptography.
#[derive(Debug, Clone, Copy)]
pub struct SigningRequest<'m> {
    /// The request's `KeyId` (aliases allowed).
    pub key_id: &'m str,
    /// The message or digest.
    pub message: &'m [u8],
    /// `RAW`, `DIGEST` or `EXTERNAL_MU` (validated; `RAW` when absent).
    pub message_type: MessageType,
    /// The validated signing algorithm.
    pub algorithm: Option<SigningAlgorithmSpec>,
    /// The request's `DryRun`.
    pub dry_run: Option<bool>,
}

/// A Sign or Verify request that passed every check: what the cryptography needs.
pub struct Checked<'k, 'm> {
    /// The key's ARN, for the answer.
    pub key_arn: String,
    /// The key's private key (PKCS#8 DER).
    pub material: &'k KeyMaterial,
    /// The key's kind.
    pub kind: SigningKeyKind,
    /// The algorithm, suited to the key.
    pub algorithm: SigningAlgorithm,
    /// The message as the crypto crate takes it.
    pub input: SigningInput<'m>,
}

/// Runs Sign's and Verify's checks in AWS's order: the key, the policy (`op`'s action), its
/// state, a signing key used with an algorithm of its spec and with material, the message's
/// form, then `DryRun`.
pub fn check<'k, 'm>(
    svc: &Context,
    ks: &'k Keystore,
    caller: &str,
    op: Operation,
    req: SigningRequest<'m>,
) -> Result<Checked<'k, 'm>, KmsError> {
    let key = access::resolve(svc, ks, caller, op, req.key_id, Aliases::Allowed)?;
    let key = access::authorize(svc, key, caller, op, &Default::default(), None)?.stored();
    access::require_usable(svc, key)?;
    let (material, kind, algorithm) = signing_material(svc, key, op, req.algorithm)?;
    let input = signing_input(key, req.algorithm, algorithm, req.message_type, req.message)?;
    access::dry_run(req.dry_run)?;
    Ok(Checked {
        key_arn: svc.identity.key_arn(&key.key_id),
        material,
        kind,
        algorithm,
        input,
    })
}

/// The crypto crate's kind of a key spec that can sign; `None` for the others.
pub fn signing_kind(spec: KeySpec) -> Option<SigningKeyKind> {
    match spec {
        KeySpec::Rsa2048 => Some(SigningKeyKind::Rsa2048),
        KeySpec::Rsa3072 => Some(SigningKeyKind::Rsa3072),
        KeySpec::Rsa4096 => Some(SigningKeyKind::Rsa4096),
        KeySpec::EccNistP256 => Some(SigningKeyKind::P256),
        KeySpec::EccNistP384 => Some(SigningKeyKind::P384),
        KeySpec::EccNistP521 => Some(SigningKeyKind::P521),
        KeySpec::EccSecgP256k1 => Some(SigningKeyKind::Secp256k1),
        KeySpec::EccNistEdwards25519 => Some(SigningKeyKind::Ed25519),
        KeySpec::MlDsa44 => Some(SigningKeyKind::MlDsa44),
        KeySpec::MlDsa65 => Some(SigningKeyKind::MlDsa65),
        KeySpec::MlDsa87 => Some(SigningKeyKind::MlDsa87),
        _ => None,
    }
}

/// The crypto crate's algorithm for a KMS signing algorithm it implements.
fn crypto_algorithm(algorithm: SigningAlgorithmSpec) -> Option<SigningAlgorithm> {
    use DigestAlgorithm::{Sha256, Sha384, Sha512};
    use SigningAlgorithmSpec as S;
    Some(match algorithm {
        S::RsassaPssSha256 => SigningAlgorithm::RsaPss(Sha256),
        S::RsassaPssSha384 => SigningAlgorithm::RsaPss(Sha384),
        S::RsassaPssSha512 => SigningAlgorithm::RsaPss(Sha512),
        S::RsassaPkcs1V15Sha256 => SigningAlgorithm::RsaPkcs1(Sha256),
        S::RsassaPkcs1V15Sha384 => SigningAlgorithm::RsaPkcs1(Sha384),
        S::RsassaPkcs1V15Sha512 => SigningAlgorithm::RsaPkcs1(Sha512),
        S::EcdsaSha256 => SigningAlgorithm::Ecdsa(Sha256),
        S::EcdsaSha384 => SigningAlgorithm::Ecdsa(Sha384),
        S::EcdsaSha512 => SigningAlgorithm::Ecdsa(Sha512),
        S::Ed25519Sha512 => SigningAlgorithm::Ed25519,
        S::Ed25519PhSha512 => SigningAlgorithm::Ed25519ph,
        S::MlDsaShake256 => SigningAlgorithm::MlDsaShake256,
        _ => return None,
    })
}

/// Whether `algorithm` suits a key of `kind`.
fn suits(kind: SigningKeyKind, algorithm: SigningAlgorithm) -> bool {
    use DigestAlgorithm::{Sha256, Sha384, Sha512};
    match (kind, algorithm) {
        (
            SigningKeyKind::Rsa2048 | SigningKeyKind::Rsa3072 | SigningKeyKind::Rsa4096,
            SigningAlgorithm::RsaPss(_) | SigningAlgorithm::RsaPkcs1(_),
        ) => true,
        (SigningKeyKind::P256 | SigningKeyKind::Secp256k1, SigningAlgorithm::Ecdsa(d)) => {
            d == Sha256
        }
        (SigningKeyKind::P384, SigningAlgorithm::Ecdsa(d)) => d == Sha384,
        (SigningKeyKind::P521, SigningAlgorithm::Ecdsa(d)) => d == Sha512,
        (SigningKeyKind::Ed25519, SigningAlgorithm::Ed25519 | SigningAlgorithm::Ed25519ph) => true,
        (
            SigningKeyKind::MlDsa44 | SigningKeyKind::MlDsa65 | SigningKeyKind::MlDsa87,
            SigningAlgorithm::MlDsaShake256,
        ) => true,
        _ => false,
    }
}

/// A signing key's material, kind and the crypto algorithm to use, or AWS's error for `op`.
/// `requested` is the validated request's algorithm (validation makes it present).
pub fn signing_material<'k>(
    svc: &Context,
    key: &'k StoredKey,
    op: Operation,
    requested: Option<SigningAlgorithmSpec>,
) -> Result<(&'k KeyMaterial, SigningKeyKind, SigningAlgorithm), KmsError> {
    let usage_error = || {
        KmsError::invalid_key_usage(
            &svc.identity.key_arn(&key.key_id),
            key.key_usage.as_str(),
            op.name(),
        )
    };
    let (Some(kind), KeyUsageType::SignVerify) = (signing_kind(key.key_spec), key.key_usage) else {
        return Err(usage_error());
    };
    let requested = requested.ok_or_else(|| KmsError::internal("unvalidated signing algorithm"))?;
    let algorithm = crypto_algorithm(requested)
        .filter(|a| suits(kind, *a))
        .ok_or_else(|| {
            KmsError::incompatible_algorithm(requested.as_str(), key.key_spec.as_str())
        })?;
    Ok((material(svc, key)?, kind, algorithm))
}

/// An asymmetric key's private key, or `KMSInvalidStateException` for a key stored without one
/// (created before this service generated asymmetric key material).
pub fn material<'k>(svc: &Context, key: &'k StoredKey) -> Result<&'k KeyMaterial, KmsError> {
    key.material.as_ref().ok_or_else(|| {
        KmsError::new(
            KmsErrorType::KMSInvalidState,
            format!(
                "{} has no key material: it was created before this service generated asymmetric keys. Create a new key.",
                svc.identity.key_arn(&key.key_id)
            ),
        )
    })
}

/// The request's message as the crypto crate takes it: `DIGEST` messages must be exactly the
/// algorithm's digest length (`ValidationException` as recorded from AWS otherwise).
/// `EXTERNAL_MU` is for ML-DSA keys only: for another key it is `InvalidKeyUsageException`
/// naming the message type and key spec. ML-DSA keys sign `RAW` messages (up to 4096 bytes, the
/// model's limit, already validated) and `EXTERNAL_MU` (64 bytes, AWS's Sign reference); a
/// `DIGEST` has no meaning for pure ML-DSA, so it gets the same `InvalidKeyUsageException`
/// wording (no public record of AWS's answer). aws-lc-rs has no public API to sign a caller's µ,
/// so a well-formed `EXTERNAL_MU` request is `UnsupportedOperationException` here.
pub fn signing_input<'m>(
    key: &StoredKey,
    requested: Option<SigningAlgorithmSpec>,
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: &'m [u8],
) -> Result<SigningInput<'m>, KmsError> {
    let incompatible = |message_type: &str| {
        KmsError::new(
            KmsErrorType::InvalidKeyUsage,
            format!(
                "MessageType {message_type} is incompatible with key spec {}.",
                key.key_spec.as_str()
            ),
        )
    };
    let name = || requested.map(|a| a.as_str()).unwrap_or_default();
    match (message_type, algorithm.digest()) {
        (MessageType::Raw, _) => Ok(SigningInput::Raw(message)),
        (MessageType::Digest, _) if algorithm == SigningAlgorithm::Ed25519 => {
            Err(KmsError::validation(
                "MessageType DIGEST is not supported with signing algorithm ED25519_SHA_512. Use RAW.",
            ))
        }
        (MessageType::Digest, Some(digest)) => {
            if message.len() != digest.output_len() {
                return Err(KmsError::invalid_digest_length(name()));
            }
            Ok(SigningInput::Digest(message))
        }
        (MessageType::Digest, None) => Err(incompatible("DIGEST")),
        (MessageType::ExternalMu, Some(_)) => Err(incompatible("EXTERNAL_MU")),
        (MessageType::ExternalMu, None) => {
            if message.len() != EXTERNAL_MU_LEN {
                return Err(KmsError::invalid_digest_length(name()));
            }
            Err(KmsError::new(
                KmsErrorType::UnsupportedOperation,
                "MessageType EXTERNAL_MU is not supported by this key store.",
            ))
        }
    }
}

/// The length of ML-DSA's message representative µ (FIPS 204 §6.2), what `EXTERNAL_MU` takes.
const EXTERNAL_MU_LEN: usize = 64;

#[cfg(test)]
mod tests;
