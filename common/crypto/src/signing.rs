//! Asymmetric signing keys, as KMS `SIGN_VERIFY` keys use them (Sign, Verify, GetPublicKey).
//!
//! Every RSA and ECDSA key spec and signing algorithm is aws-lc-rs's, secp256k1 included
//! (`ECDSA_P256K1_SHA256_ASN1_SIGNING`). Keys are kept as
//! PKCS#8 DER (the form the keystore seals) and parsed per call; signatures are what AWS
//! returns: ECDSA in ASN.1 DER `Ecdsa-Sig-Value`, RSA PKCS#1 v1.5 or PSS with MGF1 of the same
//! digest and a salt as long as the digest; Ed25519 (pure and Ed25519ph) is in [`ed25519`], the
//! one spec aws-lc-rs does not cover whole. A message is either the raw message (hashed here
//! with the algorithm's digest) or a digest computed by the caller ([`SigningInput`]).

use aws_lc_rs::{
    digest::{self, Digest},
    encoding::{AsDer, Pkcs8V1Der},
    rsa::KeySize,
    signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey},
};

use crate::{CryptoError, SecretBytes};

/// The kind of an asymmetric signing key (a KMS `SIGN_VERIFY` key spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKeyKind {
    /// RSA with a 2048-bit modulus (`RSA_2048`).
    Rsa2048,
    /// RSA with a 3072-bit modulus (`RSA_3072`).
    Rsa3072,
    /// RSA with a 4096-bit modulus (`RSA_4096`).
    Rsa4096,
    /// ECDSA on NIST P-256 (`ECC_NIST_P256`).
    P256,
    /// ECDSA on NIST P-384 (`ECC_NIST_P384`).
    P384,
    /// ECDSA on NIST P-521 (`ECC_NIST_P521`).
    P521,
    /// ECDSA on secp256k1 (`ECC_SECG_P256K1`).
    Secp256k1,
    /// Ed25519 (`ECC_NIST_EDWARDS25519`).
    Ed25519,
    /// ML-DSA-44 (`ML_DSA_44`, FIPS 204), see [`ml_dsa`].
    MlDsa44,
    /// ML-DSA-65 (`ML_DSA_65`).
    MlDsa65,
    /// ML-DSA-87 (`ML_DSA_87`).
    MlDsa87,
}

/// A signing algorithm: padding (or ECDSA) and digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS, MGF1, salt = digest length; the digest given.
    RsaPss(DigestAlgorithm),
    /// RSASSA-PKCS1-v1_5 with the digest given.
    RsaPkcs1(DigestAlgorithm),
    /// ECDSA with the digest given, DER-encoded signature.
    Ecdsa(DigestAlgorithm),
    /// Pure Ed25519 of the raw message (`ED25519_SHA_512`); no digest input.
    Ed25519,
    /// Ed25519ph of the message's SHA-512 (`ED25519_PH_SHA_512`).
    Ed25519ph,
    /// Pure ML-DSA (`ML_DSA_SHAKE_256`: SHAKE256 is inside the algorithm, no separate digest).
    MlDsaShake256,
}

/// The SHA-2 digests signing algorithms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl DigestAlgorithm {
    /// The digest's length in bytes (what a `DIGEST` message must be).
    pub const fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// The digest of `data` (what a caller sends as a `DIGEST` message).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.aws_lc(), data).as_ref().to_vec()
    }

    fn aws_lc(self) -> &'static digest::Algorithm {
        match self {
            DigestAlgorithm::Sha256 => &digest::SHA256,
            DigestAlgorithm::Sha384 => &digest::SHA384,
            DigestAlgorithm::Sha512 => &digest::SHA512,
        }
    }
}

impl SigningAlgorithm {
    /// The algorithm's digest; `None` for ML-DSA, which hashes inside the algorithm and so has
    /// no `DIGEST` form.
    pub const fn digest(self) -> Option<DigestAlgorithm> {
        match self {
            SigningAlgorithm::RsaPss(d)
            | SigningAlgorithm::RsaPkcs1(d)
            | SigningAlgorithm::Ecdsa(d) => Some(d),
            SigningAlgorithm::Ed25519 | SigningAlgorithm::Ed25519ph => {
                Some(DigestAlgorithm::Sha512)
            }
            SigningAlgorithm::MlDsaShake256 => None,
        }
    }
}

/// What is signed or verified: a raw message, or the caller's digest of one.
#[derive(Debug, Clone, Copy)]
pub enum SigningInput<'a> {
    /// The message itself; hashed here with the algorithm's digest.
    Raw(&'a [u8]),
    /// A digest already computed; must be exactly the digest's length.
    Digest(&'a [u8]),
    /// ML-DSA's 64-byte message representative µ (FIPS 204 §6.2), computed by the caller.
    ExternalMu(&'a [u8]),
}

impl SigningInput<'_> {
    fn digest(self, algorithm: Option<DigestAlgorithm>) -> Result<Digest, CryptoError> {
        let algorithm = algorithm.ok_or(CryptoError::InvalidKey)?;
        match self {
            SigningInput::Raw(m) => Ok(digest::digest(algorithm.aws_lc(), m)),
            SigningInput::Digest(d) => {
                Digest::import_less_safe(d, algorithm.aws_lc()).map_err(|_| CryptoError::Sign)
            }
            SigningInput::ExternalMu(_) => Err(CryptoError::Unsupported),
        }
    }
}

/// Generates a private key of `kind`, as PKCS#8 DER in a zeroizing buffer.
pub fn generate_signing_key(kind: SigningKeyKind) -> Result<SecretBytes, CryptoError> {
    if kind == SigningKeyKind::Ed25519 {
        return ed25519::generate();
    }
    if is_ml_dsa(kind) {
        return ml_dsa::generate(kind);
    }
    let der = match rsa_size(kind) {
        Some(size) => {
            let kp = RsaKeyPair::generate(size).map_err(|_| CryptoError::InvalidKey)?;
            let der: Pkcs8V1Der<'static> = kp.as_der().map_err(|_| CryptoError::InvalidKey)?;
            SecretBytes::copy_from(der.as_ref())
        }
        None => {
            let kp = EcdsaKeyPair::generate(ecdsa_algorithm(kind)?)
                .map_err(|_| CryptoError::InvalidKey)?;
            let der = kp.to_pkcs8v1().map_err(|_| CryptoError::InvalidKey)?;
            SecretBytes::copy_from(der.as_ref())
        }
    };
    Ok(der)
}

/// The DER SubjectPublicKeyInfo of the private key `pkcs8` of `kind` (GetPublicKey's answer).
pub fn signing_public_key(kind: SigningKeyKind, pkcs8: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if kind == SigningKeyKind::Ed25519 {
        return ed25519::public_key_der(pkcs8);
    }
    if is_ml_dsa(kind) {
        return ml_dsa::public_key(kind, pkcs8);
    }
    let der = match rsa_size(kind) {
        Some(_) => rsa_key(pkcs8)?
            .public_key()
            .as_der()
            .map_err(|_| CryptoError::InvalidKey)?
            .as_ref()
            .to_vec(),
        None => ec_key(kind, pkcs8)?
            .public_key()
            .as_der()
            .map_err(|_| CryptoError::InvalidKey)?
            .as_ref()
            .to_vec(),
    };
    Ok(der)
}

/// Signs `input` with the private key `pkcs8` of `kind` and `algorithm`. An algorithm that does
/// not suit the key (ECDSA with RSA, another curve's digest) is [`CryptoError::InvalidKey`]; a
/// digest of the wrong length is [`CryptoError::Sign`].
pub fn sign(
    kind: SigningKeyKind,
    pkcs8: &[u8],
    algorithm: SigningAlgorithm,
    input: SigningInput<'_>,
) -> Result<Vec<u8>, CryptoError> {
    if let Some(eddsa) = eddsa(kind, algorithm)? {
        return match (eddsa, input) {
            (SigningAlgorithm::Ed25519, SigningInput::Raw(m)) => ed25519::sign(pkcs8, m),
            (SigningAlgorithm::Ed25519, _) => Err(CryptoError::Sign),
            _ => ed25519::sign_prehashed(
                pkcs8,
                input.digest(Some(DigestAlgorithm::Sha512))?.as_ref(),
            ),
        };
    }
    if algorithm == SigningAlgorithm::MlDsaShake256 {
        return ml_dsa::sign(kind, pkcs8, input);
    }
    let digest = input.digest(algorithm.digest())?;
    match algorithm {
        SigningAlgorithm::RsaPss(_) | SigningAlgorithm::RsaPkcs1(_) => {
            rsa_size(kind).ok_or(CryptoError::InvalidKey)?;
            let key = rsa_key(pkcs8)?;
            let mut out = vec![0u8; key.public_modulus_len()];
            key.sign_digest(rsa_encoding(algorithm), &digest, &mut out)
                .map_err(|_| CryptoError::Sign)?;
            Ok(out)
        }
        SigningAlgorithm::Ecdsa(d) => {
            if Some(d) != ecdsa_digest(kind) {
                return Err(CryptoError::InvalidKey);
            }
            let key = ec_key(kind, pkcs8)?;
            let sig = key.sign_digest(&digest).map_err(|_| CryptoError::Sign)?;
            Ok(sig.as_ref().to_vec())
        }
        SigningAlgorithm::Ed25519 | SigningAlgorithm::Ed25519ph => Err(CryptoError::InvalidKey),
        SigningAlgorithm::MlDsaShake256 => Err(CryptoError::InvalidKey),
    }
}

/// Verifies that `sig` is a signature of `input` by the private key `pkcs8` of `kind` with
/// `algorithm`. Any mismatch is [`CryptoError::BadSignature`].
pub fn verify(
    kind: SigningKeyKind,
    pkcs8: &[u8],
    algorithm: SigningAlgorithm,
    input: SigningInput<'_>,
    sig: &[u8],
) -> Result<(), CryptoError> {
    if let Some(eddsa) = eddsa(kind, algorithm)? {
        return match (eddsa, input) {
            (SigningAlgorithm::Ed25519, SigningInput::Raw(m)) => ed25519::verify(pkcs8, m, sig),
            (SigningAlgorithm::Ed25519, _) => Err(CryptoError::BadSignature),
            _ => {
                let digest = input
                    .digest(Some(DigestAlgorithm::Sha512))
                    .map_err(|_| CryptoError::BadSignature)?;
                ed25519::verify_prehashed(pkcs8, digest.as_ref(), sig)
            }
        };
    }
    if algorithm == SigningAlgorithm::MlDsaShake256 {
        return ml_dsa::verify(kind, pkcs8, input, sig);
    }
    let digest = input
        .digest(algorithm.digest())
        .map_err(|_| CryptoError::BadSignature)?;
    let checked = match algorithm {
        SigningAlgorithm::RsaPss(_) | SigningAlgorithm::RsaPkcs1(_) => {
            rsa_size(kind).ok_or(CryptoError::InvalidKey)?;
            let key = rsa_key(pkcs8)?;
            UnparsedPublicKey::new(rsa_parameters(algorithm), key.public_key().as_ref())
                .verify_digest(&digest, sig)
        }
        SigningAlgorithm::Ecdsa(d) => {
            if Some(d) != ecdsa_digest(kind) {
                return Err(CryptoError::InvalidKey);
            }
            let key = ec_key(kind, pkcs8)?;
            UnparsedPublicKey::new(ecdsa_verification(kind)?, key.public_key().as_ref())
                .verify_digest(&digest, sig)
        }
        SigningAlgorithm::Ed25519 | SigningAlgorithm::Ed25519ph => {
            return Err(CryptoError::InvalidKey);
        }
        SigningAlgorithm::MlDsaShake256 => return Err(CryptoError::InvalidKey),
    };
    checked.map_err(|_| CryptoError::BadSignature)
}

/// The EdDSA algorithm to use for an Ed25519 key (`None` for the other kinds); an EdDSA algorithm
/// with another kind, or another algorithm with an Ed25519 key, is [`CryptoError::InvalidKey`].
fn eddsa(
    kind: SigningKeyKind,
    algorithm: SigningAlgorithm,
) -> Result<Option<SigningAlgorithm>, CryptoError> {
    let is_eddsa = matches!(
        algorithm,
        SigningAlgorithm::Ed25519 | SigningAlgorithm::Ed25519ph
    );
    match (kind == SigningKeyKind::Ed25519, is_eddsa) {
        (true, true) => Ok(Some(algorithm)),
        (false, false) => Ok(None),
        _ => Err(CryptoError::InvalidKey),
    }
}

/// Whether `kind` is an ML-DSA key (handled by [`ml_dsa`]).
const fn is_ml_dsa(kind: SigningKeyKind) -> bool {
    matches!(
        kind,
        SigningKeyKind::MlDsa44 | SigningKeyKind::MlDsa65 | SigningKeyKind::MlDsa87
    )
}

fn rsa_size(kind: SigningKeyKind) -> Option<KeySize> {
    match kind {
        SigningKeyKind::Rsa2048 => Some(KeySize::Rsa2048),
        SigningKeyKind::Rsa3072 => Some(KeySize::Rsa3072),
        SigningKeyKind::Rsa4096 => Some(KeySize::Rsa4096),
        _ => None,
    }
}

/// The one digest KMS pairs with each curve.
fn ecdsa_digest(kind: SigningKeyKind) -> Option<DigestAlgorithm> {
    match kind {
        SigningKeyKind::P256 | SigningKeyKind::Secp256k1 => Some(DigestAlgorithm::Sha256),
        SigningKeyKind::P384 => Some(DigestAlgorithm::Sha384),
        SigningKeyKind::P521 => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

fn ecdsa_algorithm(
    kind: SigningKeyKind,
) -> Result<&'static signature::EcdsaSigningAlgorithm, CryptoError> {
    match kind {
        SigningKeyKind::P256 => Ok(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
        SigningKeyKind::P384 => Ok(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
        SigningKeyKind::P521 => Ok(&signature::ECDSA_P521_SHA512_ASN1_SIGNING),
        SigningKeyKind::Secp256k1 => Ok(&signature::ECDSA_P256K1_SHA256_ASN1_SIGNING),
        _ => Err(CryptoError::InvalidKey),
    }
}

fn ecdsa_verification(
    kind: SigningKeyKind,
) -> Result<&'static signature::EcdsaVerificationAlgorithm, CryptoError> {
    match kind {
        SigningKeyKind::P256 => Ok(&signature::ECDSA_P256_SHA256_ASN1),
        SigningKeyKind::P384 => Ok(&signature::ECDSA_P384_SHA384_ASN1),
        SigningKeyKind::P521 => Ok(&signature::ECDSA_P521_SHA512_ASN1),
        SigningKeyKind::Secp256k1 => Ok(&signature::ECDSA_P256K1_SHA256_ASN1),
        _ => Err(CryptoError::InvalidKey),
    }
}

fn rsa_encoding(algorithm: SigningAlgorithm) -> &'static signature::RsaSignatureEncoding {
    use DigestAlgorithm::{Sha256, Sha384, Sha512};
    match algorithm {
        SigningAlgorithm::RsaPss(Sha256) => &signature::RSA_PSS_SHA256,
        SigningAlgorithm::RsaPss(Sha384) => &signature::RSA_PSS_SHA384,
        SigningAlgorithm::RsaPss(Sha512) => &signature::RSA_PSS_SHA512,
        SigningAlgorithm::RsaPkcs1(Sha384) => &signature::RSA_PKCS1_SHA384,
        SigningAlgorithm::RsaPkcs1(Sha512) => &signature::RSA_PKCS1_SHA512,
        _ => &signature::RSA_PKCS1_SHA256,
    }
}

fn rsa_parameters(algorithm: SigningAlgorithm) -> &'static signature::RsaParameters {
    use DigestAlgorithm::{Sha256, Sha384, Sha512};
    match algorithm {
        SigningAlgorithm::RsaPss(Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        SigningAlgorithm::RsaPss(Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        SigningAlgorithm::RsaPss(Sha512) => &signature::RSA_PSS_2048_8192_SHA512,
        SigningAlgorithm::RsaPkcs1(Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        SigningAlgorithm::RsaPkcs1(Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        _ => &signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

fn rsa_key(pkcs8: &[u8]) -> Result<RsaKeyPair, CryptoError> {
    RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| CryptoError::InvalidKey)
}

fn ec_key(kind: SigningKeyKind, pkcs8: &[u8]) -> Result<EcdsaKeyPair, CryptoError> {
    EcdsaKeyPair::from_pkcs8(ecdsa_algorithm(kind)?, pkcs8).map_err(|_| CryptoError::InvalidKey)
}

mod ed25519;
mod ml_dsa;

#[cfg(test)]
mod tests;
