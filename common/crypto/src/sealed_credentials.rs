//! Sealed credentials: a caller-credentials file encrypted to one enclave's provisioning key, so
//! the parent that carries it cannot read it (issue 16, `docs/sealed-credentials.md`).
//!
//! The operator seals the file (`nitro-kms credentials seal`) after verifying the service's
//! attestation, whose `user_data` is SHA-256 of the provisioning key's SubjectPublicKeyInfo; the
//! enclave opens it with the private half, which never leaves its sealed keystore. Layout (all
//! integers big-endian):
//!
//! ```text
//! offset    length  field
//! 0         8       magic "NKMSCRD1"
//! 8         2       version = 1
//! 10        32      SHA-256 of the provisioning key's DER SubjectPublicKeyInfo
//! 42        8       serial: u64, strictly increasing per sealing (unix ms at sealing)
//!  -- the 50 bytes above are the header, the AES-GCM additional data --
//! 50        2       n = length of the wrapped key (the RSA modulus length: 384 for RSA-3072)
//! 52        n       RSAES-OAEP(SHA-256, MGF1-SHA-256, empty label) of a fresh 32-byte AES key
//! 52+n      12      AES-256-GCM nonce (random)
//! 64+n      rest    AES-256-GCM ciphertext of the credentials TOML, then the 16-byte tag
//! ```
//!
//! [`parse`] checks the layout with size limits before any cryptography; [`SealedCredentials::open`]
//! refuses a file sealed to another key (by the digest, before decrypting) and then decrypts.
//! What the plaintext means (the TOML of access keys) is the caller's business: this module only
//! knows bytes.

use crate::secret::SecretBytes;
use crate::{
    AES256_KEY_LEN, CryptoError, GCM_NONCE_LEN, GCM_TAG_LEN, RsaPrivateKey, RsaPublicKey,
    SHA256_LEN, aes256_gcm_open, aes256_gcm_seal, constant_time_eq, random_array, random_secret,
    sha256,
};

/// The file's first 8 bytes.
pub const MAGIC: [u8; 8] = *b"NKMSCRD1";
/// The only version this code writes and reads.
pub const VERSION: u16 = 1;
/// Length of the header (magic, version, key digest, serial): the AES-GCM additional data.
pub const HEADER_LEN: usize = 8 + 2 + SHA256_LEN + 8;
/// Largest sealed file accepted or written: room for thousands of access keys, and well under
/// the control link's default frame limit (1 MiB), so one frame carries it.
pub const MAX_SEALED_LEN: usize = 256 * 1024;
/// Largest wrapped key accepted (an RSA-8192 modulus); the enclave's is 384 bytes.
const MAX_WRAPPED_KEY_LEN: usize = 1024;

/// Why a sealed credentials file was refused, or could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealedCredentialsError {
    /// Shorter than its fixed parts, or than the lengths it declares.
    #[error("the sealed credentials file is truncated")]
    Truncated,
    /// Over [`MAX_SEALED_LEN`] bytes.
    #[error("the sealed credentials file is larger than {MAX_SEALED_LEN} bytes")]
    TooLarge,
    /// Not a sealed credentials file.
    #[error("not a sealed credentials file (bad magic)")]
    BadMagic,
    /// A version this code does not know.
    #[error("unsupported sealed credentials version {0}")]
    UnsupportedVersion(u16),
    /// A wrapped key of an impossible length.
    #[error("the wrapped key length {0} is not an RSA ciphertext length")]
    BadWrappedKeyLength(usize),
    /// Sealed to another provisioning key than the one opening it.
    #[error("sealed for another enclave image or keystore (provisioning key differs)")]
    WrongProvisioningKey,
    /// The wrapped key did not decrypt, or the ciphertext did not authenticate. Never says which.
    #[error("the sealed credentials do not decrypt or authenticate")]
    Decrypt,
    /// Sealing failed (a key that is not RSA, no randomness).
    #[error("cannot seal: {0}")]
    Seal(CryptoError),
}

/// The authenticated header of a sealed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedHeader {
    /// SHA-256 of the provisioning key's DER SubjectPublicKeyInfo.
    pub provisioning_key_sha256: [u8; SHA256_LEN],
    /// Strictly increasing per sealing: the enclave refuses one not newer than what it holds.
    pub serial: u64,
}

impl SealedHeader {
    /// The header's bytes, exactly as they start the file (the AES-GCM additional data).
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(&MAGIC);
        out[8..10].copy_from_slice(&VERSION.to_be_bytes());
        out[10..10 + SHA256_LEN].copy_from_slice(&self.provisioning_key_sha256);
        out[10 + SHA256_LEN..].copy_from_slice(&self.serial.to_be_bytes());
        out
    }
}

/// A parsed sealed file, borrowing its bytes; nothing decrypted yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedCredentials<'a> {
    /// The header (also the additional data, as `aad`).
    pub header: SealedHeader,
    aad: &'a [u8],
    wrapped_key: &'a [u8],
    nonce: [u8; GCM_NONCE_LEN],
    ciphertext: &'a [u8],
}

/// Seals `plaintext` to the RSA provisioning key `provisioning_spki` (DER SubjectPublicKeyInfo)
/// under `serial`: a fresh AES-256 key and nonce for every call.
pub fn seal(
    provisioning_spki: &[u8],
    serial: u64,
    plaintext: &[u8],
) -> Result<Vec<u8>, SealedCredentialsError> {
    let public =
        RsaPublicKey::from_spki_der(provisioning_spki).map_err(SealedCredentialsError::Seal)?;
    let header = SealedHeader {
        provisioning_key_sha256: sha256(provisioning_spki),
        serial,
    }
    .to_bytes();
    let key = random_secret(AES256_KEY_LEN).map_err(SealedCredentialsError::Seal)?;
    let wrapped = public
        .encrypt_oaep_sha256(key.expose())
        .map_err(SealedCredentialsError::Seal)?;
    let wrapped_len = u16::try_from(wrapped.len())
        .map_err(|_| SealedCredentialsError::BadWrappedKeyLength(wrapped.len()))?;
    let nonce: [u8; GCM_NONCE_LEN] = random_array().map_err(SealedCredentialsError::Seal)?;
    let ciphertext = aes256_gcm_seal(key.expose(), &nonce, &header, plaintext)
        .map_err(SealedCredentialsError::Seal)?;
    let mut out =
        Vec::with_capacity(HEADER_LEN + 2 + wrapped.len() + GCM_NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&wrapped_len.to_be_bytes());
    out.extend_from_slice(&wrapped);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    if out.len() > MAX_SEALED_LEN {
        return Err(SealedCredentialsError::TooLarge);
    }
    Ok(out)
}

/// Parses a sealed file's layout: size limits, magic, version, lengths. Decrypts nothing.
pub fn parse(bytes: &[u8]) -> Result<SealedCredentials<'_>, SealedCredentialsError> {
    if bytes.len() > MAX_SEALED_LEN {
        return Err(SealedCredentialsError::TooLarge);
    }
    let (aad, rest) = split(bytes, HEADER_LEN)?;
    if aad[..8] != MAGIC {
        return Err(SealedCredentialsError::BadMagic);
    }
    let version = u16::from_be_bytes([aad[8], aad[9]]);
    if version != VERSION {
        return Err(SealedCredentialsError::UnsupportedVersion(version));
    }
    let mut provisioning_key_sha256 = [0u8; SHA256_LEN];
    provisioning_key_sha256.copy_from_slice(&aad[10..10 + SHA256_LEN]);
    let mut serial = [0u8; 8];
    serial.copy_from_slice(&aad[10 + SHA256_LEN..]);
    let (len, rest) = split(rest, 2)?;
    let wrapped_len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    if wrapped_len == 0 || wrapped_len > MAX_WRAPPED_KEY_LEN {
        return Err(SealedCredentialsError::BadWrappedKeyLength(wrapped_len));
    }
    let (wrapped_key, rest) = split(rest, wrapped_len)?;
    let (nonce_bytes, ciphertext) = split(rest, GCM_NONCE_LEN)?;
    if ciphertext.len() < GCM_TAG_LEN {
        return Err(SealedCredentialsError::Truncated);
    }
    let mut nonce = [0u8; GCM_NONCE_LEN];
    nonce.copy_from_slice(nonce_bytes);
    Ok(SealedCredentials {
        header: SealedHeader {
            provisioning_key_sha256,
            serial: u64::from_be_bytes(serial),
        },
        aad,
        wrapped_key,
        nonce,
        ciphertext,
    })
}

fn split(bytes: &[u8], at: usize) -> Result<(&[u8], &[u8]), SealedCredentialsError> {
    if bytes.len() < at {
        return Err(SealedCredentialsError::Truncated);
    }
    Ok(bytes.split_at(at))
}

impl SealedCredentials<'_> {
    /// Opens the file with the provisioning key: refused as [`SealedCredentialsError::WrongProvisioningKey`]
    /// when sealed to another key, [`SealedCredentialsError::Decrypt`] when the wrapped key or the
    /// ciphertext (header included, as additional data) was changed.
    pub fn open(&self, key: &RsaPrivateKey) -> Result<SecretBytes, SealedCredentialsError> {
        let ours = sha256(key.public_key_spki_der());
        if !constant_time_eq(&ours, &self.header.provisioning_key_sha256) {
            return Err(SealedCredentialsError::WrongProvisioningKey);
        }
        let aes_key = key
            .decrypt_oaep_sha256(self.wrapped_key)
            .map_err(|_| SealedCredentialsError::Decrypt)?;
        if aes_key.len() != AES256_KEY_LEN {
            return Err(SealedCredentialsError::Decrypt);
        }
        aes256_gcm_open(aes_key.expose(), &self.nonce, self.aad, self.ciphertext)
            .map_err(|_| SealedCredentialsError::Decrypt)
    }
}

#[cfg(test)]
mod tests;
