//! ML-DSA (FIPS 204) signing keys, as KMS `ML_DSA_44/65/87` `SIGN_VERIFY` keys use them with
//! `ML_DSA_SHAKE_256`.
//!
//! aws-lc-rs's `PqdsaKeyPair` is stable since 1.18. Keys are kept as its PKCS#8 v1 DER, which
//! holds the 32-byte seed (FIPS 204 §6.1 key generation input), so a sealed key is small and the
//! expanded key is rebuilt per call. Signatures are pure ML-DSA with an empty context string
//! (FIPS 204 Algorithm 2), hedged: what AWS signs with `MessageType` `RAW`. aws-lc-rs has no
//! public API that signs or verifies a caller's 64-byte µ (`EXTERNAL_MU`), so that input is
//! [`CryptoError::Unsupported`].

use aws_lc_rs::{
    encoding::AsDer,
    signature::{self, KeyPair, PqdsaKeyPair, PqdsaSigningAlgorithm, UnparsedPublicKey},
};

use super::{SigningInput, SigningKeyKind};
use crate::{CryptoError, SecretBytes};

/// aws-lc-rs's signing algorithm of an ML-DSA kind; other kinds are [`CryptoError::InvalidKey`].
fn algorithm(kind: SigningKeyKind) -> Result<&'static PqdsaSigningAlgorithm, CryptoError> {
    match kind {
        SigningKeyKind::MlDsa44 => Ok(&signature::ML_DSA_44_SIGNING),
        SigningKeyKind::MlDsa65 => Ok(&signature::ML_DSA_65_SIGNING),
        SigningKeyKind::MlDsa87 => Ok(&signature::ML_DSA_87_SIGNING),
        _ => Err(CryptoError::InvalidKey),
    }
}

fn verification(
    kind: SigningKeyKind,
) -> Result<&'static signature::PqdsaVerificationAlgorithm, CryptoError> {
    match kind {
        SigningKeyKind::MlDsa44 => Ok(&signature::ML_DSA_44),
        SigningKeyKind::MlDsa65 => Ok(&signature::ML_DSA_65),
        SigningKeyKind::MlDsa87 => Ok(&signature::ML_DSA_87),
        _ => Err(CryptoError::InvalidKey),
    }
}

fn key_pair(kind: SigningKeyKind, pkcs8: &[u8]) -> Result<PqdsaKeyPair, CryptoError> {
    PqdsaKeyPair::from_pkcs8(algorithm(kind)?, pkcs8).map_err(|_| CryptoError::InvalidKey)
}

/// A fresh ML-DSA private key of `kind` as PKCS#8 DER (seed form) in a zeroizing buffer.
pub(super) fn generate(kind: SigningKeyKind) -> Result<SecretBytes, CryptoError> {
    let kp = PqdsaKeyPair::generate(algorithm(kind)?).map_err(|_| CryptoError::InvalidKey)?;
    let der = kp.to_pkcs8v1().map_err(|_| CryptoError::InvalidKey)?;
    Ok(SecretBytes::copy_from(der.as_ref()))
}

/// The DER SubjectPublicKeyInfo of an ML-DSA private key (algorithm id-ml-dsa-44/65/87 with
/// absent parameters, the raw public key in the BIT STRING; RFC 9881 / draft-ietf-lamps-dilithium-certificates).
pub(super) fn public_key(kind: SigningKeyKind, pkcs8: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let der = key_pair(kind, pkcs8)?
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::InvalidKey)?;
    Ok(der.as_ref().to_vec())
}

/// A pure ML-DSA signature of a `RAW` message. A caller's µ or digest cannot be signed here.
pub(super) fn sign(
    kind: SigningKeyKind,
    pkcs8: &[u8],
    input: SigningInput<'_>,
) -> Result<Vec<u8>, CryptoError> {
    let message = raw(input)?;
    let kp = key_pair(kind, pkcs8)?;
    let mut out = vec![0u8; kp.algorithm().signature_len()];
    let len = kp.sign(message, &mut out).map_err(|_| CryptoError::Sign)?;
    out.truncate(len);
    Ok(out)
}

/// Verifies a pure ML-DSA signature of a `RAW` message; any mismatch is
/// [`CryptoError::BadSignature`].
pub(super) fn verify(
    kind: SigningKeyKind,
    pkcs8: &[u8],
    input: SigningInput<'_>,
    sig: &[u8],
) -> Result<(), CryptoError> {
    let message = raw(input)?;
    let kp = key_pair(kind, pkcs8)?;
    UnparsedPublicKey::new(verification(kind)?, kp.public_key().as_ref())
        .verify(message, sig)
        .map_err(|_| CryptoError::BadSignature)
}

fn raw(input: SigningInput<'_>) -> Result<&[u8], CryptoError> {
    match input {
        SigningInput::Raw(m) => Ok(m),
        SigningInput::Digest(_) | SigningInput::ExternalMu(_) => Err(CryptoError::Unsupported),
    }
}

#[cfg(test)]
mod tests;
