//! ML-KEM (FIPS 203) keys, as KMS `ML_KEM_512/768/1024` `ENCAPSULATE_DECAPSULATE` keys use them
//! (Encapsulate, Decapsulate, GetPublicKey).
//!
//! aws-lc-rs's `kem` module (stable) generates, encapsulates and decapsulates. What it can export
//! is the raw expanded decapsulation key `dk`, which is what is sealed here; a `dk` it re-imports
//! cannot give back its encapsulation key, but FIPS 203 Algorithm 16 lays `dk` out as
//! `dk_PKE ‖ ek ‖ H(ek) ‖ z` with `dk_PKE` 384·k bytes, so `ek` is read from inside `dk`
//! ([`encapsulation_key`]) instead of being stored twice. GetPublicKey's answer is `ek` in a DER
//! SubjectPublicKeyInfo with the algorithm id-alg-ml-kem-512/768/1024
//! (2.16.840.1.101.3.4.4.1/2/3) and absent parameters, as the IETF LAMPS ML-KEM certificates
//! draft and AWS's ML-KEM documentation describe. Decapsulation of a ciphertext of the right
//! length never fails (implicit rejection gives a pseudo-random secret); any other length is
//! [`CryptoError::Decrypt`].

use aws_lc_rs::kem::{self, Ciphertext, DecapsulationKey, EncapsulationKey};

use crate::{CryptoError, SecretBytes};

/// The length of every ML-KEM shared secret.
pub const SHARED_SECRET_LEN: usize = 32;

/// The parameter set of an ML-KEM key (a KMS `ENCAPSULATE_DECAPSULATE` key spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KemKeyKind {
    /// ML-KEM-512 (`ML_KEM_512`, k = 2).
    MlKem512,
    /// ML-KEM-768 (`ML_KEM_768`, k = 3).
    MlKem768,
    /// ML-KEM-1024 (`ML_KEM_1024`, k = 4).
    MlKem1024,
}

impl KemKeyKind {
    /// FIPS 203's k: the module rank.
    const fn k(self) -> usize {
        match self {
            KemKeyKind::MlKem512 => 2,
            KemKeyKind::MlKem768 => 3,
            KemKeyKind::MlKem1024 => 4,
        }
    }

    /// The length of a ciphertext of this parameter set (768, 1088 or 1568 bytes).
    pub const fn ciphertext_len(self) -> usize {
        match self {
            KemKeyKind::MlKem512 => 768,
            KemKeyKind::MlKem768 => 1088,
            KemKeyKind::MlKem1024 => 1568,
        }
    }

    /// The length of the encapsulation key `ek` (384·k + 32 bytes).
    const fn encapsulation_key_len(self) -> usize {
        384 * self.k() + 32
    }

    /// The id-alg-ml-kem-* OID (2.16.840.1.101.3.4.4.1/2/3, FIPS 203's registration).
    const fn oid(self) -> const_oid::ObjectIdentifier {
        use const_oid::db::fips203;
        match self {
            KemKeyKind::MlKem512 => fips203::ID_ALG_ML_KEM_512,
            KemKeyKind::MlKem768 => fips203::ID_ALG_ML_KEM_768,
            KemKeyKind::MlKem1024 => fips203::ID_ALG_ML_KEM_1024,
        }
    }

    fn algorithm(self) -> &'static kem::Algorithm {
        match self {
            KemKeyKind::MlKem512 => &kem::ML_KEM_512,
            KemKeyKind::MlKem768 => &kem::ML_KEM_768,
            KemKeyKind::MlKem1024 => &kem::ML_KEM_1024,
        }
    }
}

/// A fresh ML-KEM decapsulation key of `kind` (FIPS 203's expanded `dk`) in a zeroizing buffer.
pub fn generate_kem_key(kind: KemKeyKind) -> Result<SecretBytes, CryptoError> {
    let dk = DecapsulationKey::generate(kind.algorithm()).map_err(|_| CryptoError::InvalidKey)?;
    let bytes = dk.key_bytes().map_err(|_| CryptoError::InvalidKey)?;
    Ok(SecretBytes::copy_from(bytes.as_ref()))
}

/// The raw encapsulation key `ek` inside the decapsulation key `dk` (FIPS 203 Algorithm 16).
fn encapsulation_key(kind: KemKeyKind, dk: &[u8]) -> Result<&[u8], CryptoError> {
    let start = 384 * kind.k();
    dk.get(start..start + kind.encapsulation_key_len())
        .ok_or(CryptoError::InvalidKey)
}

/// The DER SubjectPublicKeyInfo of the ML-KEM key `dk` of `kind` (GetPublicKey's answer),
/// encoded by the `spki`/`der` crates (already this crate's SPKI parser) rather than by hand.
pub fn kem_public_key(kind: KemKeyKind, dk: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let ek = encapsulation_key(kind, dk)?;
    let info = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: kind.oid(),
            parameters: None,
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(ek)
            .map_err(|_| CryptoError::InvalidKey)?,
    };
    der::Encode::to_der(&info).map_err(|_| CryptoError::InvalidKey)
}

/// A fresh shared secret and its ciphertext under the public half of `dk`:
/// `(shared secret, ciphertext)`.
pub fn encapsulate(kind: KemKeyKind, dk: &[u8]) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    encapsulate_to(kind, encapsulation_key(kind, dk)?)
}

/// The shared secret of `ciphertext` under `dk`. A ciphertext of another length than the
/// parameter set's is [`CryptoError::Decrypt`]; one of the right length always yields 32 bytes
/// (the real secret, or FIPS 203's implicit-rejection value for a garbled one).
pub fn decapsulate(
    kind: KemKeyKind,
    dk: &[u8],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    if ciphertext.len() != kind.ciphertext_len() {
        return Err(CryptoError::Decrypt);
    }
    let key = DecapsulationKey::new(kind.algorithm(), dk).map_err(|_| CryptoError::InvalidKey)?;
    let secret = key
        .decapsulate(Ciphertext::from(ciphertext))
        .map_err(|_| CryptoError::Decrypt)?;
    Ok(SecretBytes::copy_from(secret.as_ref()))
}

/// Encapsulates to a raw encapsulation key `ek` (what a peer holding GetPublicKey's key does);
/// for tests of interoperability. `(shared secret, ciphertext)`.
pub fn encapsulate_to(kind: KemKeyKind, ek: &[u8]) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let ek = EncapsulationKey::new(kind.algorithm(), ek).map_err(|_| CryptoError::InvalidKey)?;
    let (ciphertext, secret) = ek.encapsulate().map_err(|_| CryptoError::Encrypt)?;
    Ok((
        SecretBytes::copy_from(secret.as_ref()),
        ciphertext.as_ref().to_vec(),
    ))
}

#[cfg(test)]
mod tests;
