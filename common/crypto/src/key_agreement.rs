//! ECDH key agreement, as KMS `KEY_AGREEMENT` keys use it (DeriveSharedSecret).
//!
//! A key agreement key is an EC private key kept as PKCS#8 DER, the same form as an ECDSA
//! signing key of its curve, so generation and the public key are [`crate::signing`]'s. The
//! shared secret is what AWS returns: the raw ECDH (cofactor ECDH on curves of cofactor 1) x
//! coordinate, as long as the curve's field element, with no KDF applied. The peer's public key
//! must be a DER SubjectPublicKeyInfo of an EC key on the same curve (AWS takes no other form);
//! anything else is [`CryptoError::InvalidPeerKey`].

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};

use crate::signing::{self, SigningKeyKind};
use crate::{CryptoError, SecretBytes};

/// The curve of a key agreement key (a KMS `KEY_AGREEMENT` key spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementCurve {
    /// NIST P-256 (`ECC_NIST_P256`).
    P256,
    /// NIST P-384 (`ECC_NIST_P384`).
    P384,
    /// NIST P-521 (`ECC_NIST_P521`).
    P521,
}

impl AgreementCurve {
    /// The length of the shared secret (the curve's field element) in bytes.
    pub const fn secret_len(self) -> usize {
        match self {
            AgreementCurve::P256 => 32,
            AgreementCurve::P384 => 48,
            AgreementCurve::P521 => 66,
        }
    }

    /// The signing key kind with the same curve: its PKCS#8 key and public key are the same.
    const fn ec_kind(self) -> SigningKeyKind {
        match self {
            AgreementCurve::P256 => SigningKeyKind::P256,
            AgreementCurve::P384 => SigningKeyKind::P384,
            AgreementCurve::P521 => SigningKeyKind::P521,
        }
    }

    fn aws_lc(self) -> &'static agreement::Algorithm {
        match self {
            AgreementCurve::P256 => &agreement::ECDH_P256,
            AgreementCurve::P384 => &agreement::ECDH_P384,
            AgreementCurve::P521 => &agreement::ECDH_P521,
        }
    }
}

/// Generates a private key on `curve`, as PKCS#8 DER in a zeroizing buffer.
pub fn generate_agreement_key(curve: AgreementCurve) -> Result<SecretBytes, CryptoError> {
    signing::generate_signing_key(curve.ec_kind())
}

/// The DER SubjectPublicKeyInfo of the private key `pkcs8` on `curve` (GetPublicKey's answer).
pub fn agreement_public_key(curve: AgreementCurve, pkcs8: &[u8]) -> Result<Vec<u8>, CryptoError> {
    signing::signing_public_key(curve.ec_kind(), pkcs8)
}

/// The raw ECDH shared secret of the private key `pkcs8` on `curve` and the peer's public key
/// `peer_spki` (DER SubjectPublicKeyInfo). A peer key that is not an EC SubjectPublicKeyInfo,
/// is on another curve or is not a point of it is [`CryptoError::InvalidPeerKey`]; a private key
/// that does not parse is [`CryptoError::InvalidKey`].
pub fn derive_shared_secret(
    curve: AgreementCurve,
    pkcs8: &[u8],
    peer_spki: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let info = <spki::SubjectPublicKeyInfoRef<'_> as der::Decode<'_>>::from_der(peer_spki)
        .map_err(|_| CryptoError::InvalidPeerKey)?;
    if info.algorithm.oid != const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
        return Err(CryptoError::InvalidPeerKey);
    }
    let private = PrivateKey::from_private_key_der(curve.aws_lc(), pkcs8)
        .map_err(|_| CryptoError::InvalidKey)?;
    let peer = UnparsedPublicKey::new(curve.aws_lc(), peer_spki);
    agreement::agree(&private, peer, CryptoError::InvalidPeerKey, |secret| {
        Ok(SecretBytes::copy_from(secret))
    })
}

#[cfg(test)]
mod tests;
