//! Ed25519 signing keys (KMS `ECC_NIST_EDWARDS25519`): pure Ed25519 (`ED25519_SHA_512`) with
//! aws-lc-rs, and Ed25519ph (`ED25519_PH_SHA_512`, RFC 8032 section 5.1 with an empty context)
//! with `ed25519-dalek`, because aws-lc-rs 1.19 exposes only pure Ed25519 and its C library's
//! Ed25519ph would need `unsafe` FFI. Both use the one PKCS#8 key aws-lc-rs generates: its
//! 32-byte seed is the dalek signing key.

use aws_lc_rs::encoding::{AsBigEndian, AsDer};
use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::{CryptoError, SecretBytes};

/// A SHA-512 digest already computed (by the caller, or here from a raw message), presented to
/// `ed25519-dalek` as the finished hash it takes for Ed25519ph.
#[derive(Clone)]
struct Prehashed([u8; 64]);

impl Default for Prehashed {
    fn default() -> Self {
        Prehashed([0; 64])
    }
}

impl digest::HashMarker for Prehashed {}

impl digest::OutputSizeUser for Prehashed {
    type OutputSize = digest::consts::U64;
}

impl digest::Update for Prehashed {
    fn update(&mut self, _: &[u8]) {}
}

impl digest::FixedOutput for Prehashed {
    fn finalize_into(self, out: &mut digest::Output<Self>) {
        out.copy_from_slice(&self.0);
    }
}

/// A fresh Ed25519 private key as PKCS#8 (v1) DER.
pub(super) fn generate() -> Result<SecretBytes, CryptoError> {
    let kp = Ed25519KeyPair::generate().map_err(|_| CryptoError::InvalidKey)?;
    let der = kp.to_pkcs8v1().map_err(|_| CryptoError::InvalidKey)?;
    Ok(SecretBytes::copy_from(der.as_ref()))
}

/// The DER SubjectPublicKeyInfo of the private key `pkcs8`.
pub(super) fn public_key_der(pkcs8: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let der = key_pair(pkcs8)?
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::InvalidKey)?;
    Ok(der.as_ref().to_vec())
}

/// The pure Ed25519 signature of `message`.
pub(super) fn sign(pkcs8: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let sig = key_pair(pkcs8)?
        .try_sign(message)
        .map_err(|_| CryptoError::Sign)?;
    Ok(sig.as_ref().to_vec())
}

/// Verifies a pure Ed25519 signature of `message`.
pub(super) fn verify(pkcs8: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let kp = key_pair(pkcs8)?;
    UnparsedPublicKey::new(&signature::ED25519, kp.public_key().as_ref())
        .verify(message, sig)
        .map_err(|_| CryptoError::BadSignature)
}

/// The Ed25519ph signature of the SHA-512 digest `digest` (64 bytes).
pub(super) fn sign_prehashed(pkcs8: &[u8], digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let prehashed = prehashed(digest).ok_or(CryptoError::Sign)?;
    let sig = dalek_key(pkcs8)?
        .sign_prehashed(prehashed, None)
        .map_err(|_| CryptoError::Sign)?;
    Ok(sig.to_bytes().to_vec())
}

/// Verifies an Ed25519ph signature of the SHA-512 digest `digest`.
pub(super) fn verify_prehashed(pkcs8: &[u8], digest: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let prehashed = prehashed(digest).ok_or(CryptoError::BadSignature)?;
    let kp = key_pair(pkcs8)?;
    let public: [u8; 32] = kp
        .public_key()
        .as_ref()
        .try_into()
        .map_err(|_| CryptoError::InvalidKey)?;
    let verifying = VerifyingKey::from_bytes(&public).map_err(|_| CryptoError::InvalidKey)?;
    let sig = Signature::from_slice(sig).map_err(|_| CryptoError::BadSignature)?;
    verifying
        .verify_prehashed_strict(prehashed, None, &sig)
        .map_err(|_| CryptoError::BadSignature)
}

fn prehashed(digest: &[u8]) -> Option<Prehashed> {
    digest.try_into().ok().map(Prehashed)
}

fn key_pair(pkcs8: &[u8]) -> Result<Ed25519KeyPair, CryptoError> {
    Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKey)
}

/// The dalek signing key of the same seed (zeroized on drop, as is the seed's copy).
fn dalek_key(pkcs8: &[u8]) -> Result<SigningKey, CryptoError> {
    let seed = key_pair(pkcs8)?
        .seed()
        .and_then(|s| s.as_be_bytes())
        .map_err(|_| CryptoError::InvalidKey)?;
    let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(
        seed.as_ref()
            .try_into()
            .map_err(|_| CryptoError::InvalidKey)?,
    );
    Ok(SigningKey::from_bytes(&bytes))
}
