//! # nitro-kms-crypto: the one place that calls a crypto library.
//!
//! Every primitive nitro-kms uses goes through this module, and every one of them is provided by
//! **aws-lc-rs**. Keeping them here means one provider to audit, one set of constant-time
//! guarantees, and one place to swap when that is ever needed. Why aws-lc-rs and not RustCrypto's
//! `rsa`: RUSTSEC-2023-0071 (Marvin timing side channel in RSA decryption) has no patched release,
//! and our threat model has exactly that attacker — the untrusted parent instance can replay
//! modified `CiphertextForRecipient` blobs and time the answers. aws-lc-rs is constant-time and,
//! measured on this project's machine, about 3x faster for P-384 verification and RSA decryption.
//! The one exception is Ed25519ph (KMS `ED25519_PH_SHA_512`, [`signing`]): aws-lc-rs 1.19
//! exposes only pure Ed25519, and its C library's Ed25519ph would need `unsafe` FFI, so that one
//! algorithm is `ed25519-dalek`'s (a well-kept, constant-time implementation of RFC 8032).
//!
//! What lives here:
//! - randomness ([`fill_random`], [`random_secret`]);
//! - digests ([`sha256`], [`sha384`]), HMAC-SHA256 ([`hmac_sha256`]) and HKDF-SHA256
//!   ([`hkdf_sha256`]);
//! - [`signing`]: KMS signing keys (RSA PKCS#1 v1.5 and PSS, ECDSA on P-256/384/521 and
//!   secp256k1): generation, public keys, Sign and Verify over raw messages or digests;
//! - [`rsa_encryption`]: KMS RSA `ENCRYPT_DECRYPT` keys (RSAES-OAEP with SHA-1 or SHA-256, raw
//!   ciphertexts, AWS's plaintext limits) for Encrypt, Decrypt and ReEncrypt;
//! - [`import_wrapping`]: imported key material: the RSA wrapping key, AWS's four wrapping
//!   algorithms and the sealed import token;
//! - [`key_agreement`]: KMS `KEY_AGREEMENT` keys (ECDH on P-256/384/521) for DeriveSharedSecret;
//! - [`mac`]: HMAC with SHA-224/256/384/512 and constant-time verification, for KMS HMAC keys;
//! - RSA: key generation, PKCS#8 import/export, RSAES-OAEP with SHA-256 and MGF1-SHA-256
//!   ([`RsaPrivateKey`], [`RsaPublicKey`]);
//! - ECDSA P-384 with SHA-384, in both signature encodings: COSE's fixed `r || s` and X.509's
//!   ASN.1 `Ecdsa-Sig-Value` ([`EcdsaP384KeyPair`], [`verify_p384_sha384`]);
//! - AES-256-GCM ([`aes256_gcm_seal`], [`aes256_gcm_open`]) and AES-256-CBC with PKCS#7 padding
//!   ([`aes256_cbc_encrypt`], [`aes256_cbc_decrypt`]);
//! - constant-time comparison ([`constant_time_eq`]);
//! - [`etcd_client_key`]: the enclave's etcd mutual-TLS client key, derived from the sealing
//!   key, with its certificate signing request and the certificate/key match check;
//! - [`sealed_credentials`]: the sealed caller-credentials file (RSA-OAEP-wrapped AES-256-GCM,
//!   `docs/sealed-credentials.md`), built from the primitives above.
//!
//! Errors are deliberately coarse ([`CryptoError`]): a failed decryption says only that it failed,
//! so no caller can accidentally build a padding or OAEP oracle out of a detailed message.
//!
//! [`secret`] holds [`SecretBytes`]: zeroizing, redacted containers for key material, here because
//! every key this crate makes or opens is returned in one.
//!
//! # Where this crate sits
//!
//! It depends on no other nitro-kms crate.
//!
//! The shared crates under `common/` depend on each other in one direction only:
//!
//! ```text
//! nitro-kms-crypto       <- nitro-kms-wire, nitro-kms-api, nitro-kms-attest, nitro-kms-client
//! nitro-kms-wire         <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-api          <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-attest       <- nitro-kms-client                (and the enclave, the CLI)
//! nitro-kms-client       <- the enclave (seal root), the CLI, the example
//! nitro-kms-parent-link  <- the proxy, the CLI (`bench --enclave`), the end-to-end tests
//! ```
//!
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod etcd_client_key;
pub mod grant_token;
pub mod import_wrapping;
pub mod kem;
pub mod key_agreement;
pub mod mac;
pub mod rsa_encryption;
pub mod sealed_credentials;
pub mod secret;
pub mod signing;

pub use secret::SecretBytes;

use aws_lc_rs::{
    aead, cipher, constant_time, digest,
    encoding::AsDer,
    hkdf, hmac, rand,
    rsa::{
        self, OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
        PrivateDecryptingKey, PublicEncryptingKey,
    },
    signature::{self, KeyPair, UnparsedPublicKey},
};

/// Length of a SHA-256 digest in bytes.
pub const SHA256_LEN: usize = 32;
/// Length of a SHA-384 digest in bytes (also the length of a Nitro PCR).
pub const SHA384_LEN: usize = 48;
/// Length of an AES-256 key in bytes.
pub const AES256_KEY_LEN: usize = 32;
/// Length of an AES-GCM nonce in bytes.
pub const GCM_NONCE_LEN: usize = 12;
/// Length of an AES-GCM authentication tag in bytes.
pub const GCM_TAG_LEN: usize = 16;
/// Length of an AES-CBC initialisation vector in bytes.
pub const CBC_IV_LEN: usize = 16;
/// Length of a fixed-format (`r || s`) P-384 ECDSA signature, as COSE uses it.
pub const P384_FIXED_SIGNATURE_LEN: usize = 96;
/// Length of an uncompressed P-384 public point (`04 || x || y`).
pub const P384_POINT_LEN: usize = 97;

/// What can go wrong in a primitive. Kept coarse on purpose; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The random generator failed (the OS entropy source is unavailable).
    #[error("random number generation failed")]
    Random,
    /// A key could not be parsed or generated, or has an unsupported size.
    #[error("invalid or unsupported key")]
    InvalidKey,
    /// A signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// Encryption failed (e.g. plaintext too long for the RSA key).
    #[error("encryption failed")]
    Encrypt,
    /// Decryption or authentication failed. Never says why.
    #[error("decryption failed")]
    Decrypt,
    /// Signing failed.
    #[error("signing failed")]
    Sign,
    /// A peer's public key (DeriveSharedSecret) is not an EC SubjectPublicKeyInfo, is on another
    /// curve or is not a point of the curve.
    #[error("invalid peer public key")]
    InvalidPeerKey,
    /// The input form is valid but the crypto library cannot process it (ML-DSA external µ).
    #[error("unsupported input")]
    Unsupported,
}

// ---------------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------------

/// Fills `out` with cryptographically secure random bytes.
pub fn fill_random(out: &mut [u8]) -> Result<(), CryptoError> {
    rand::fill(out).map_err(|_| CryptoError::Random)
}

/// `len` fresh random bytes in a zeroizing buffer (data keys, sealing keys).
pub fn random_secret(len: usize) -> Result<SecretBytes, CryptoError> {
    let mut s = SecretBytes::zeroed(len);
    fill_random(s.expose_mut())?;
    Ok(s)
}

/// A fresh random array (nonces, IVs, ids).
pub fn random_array<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Digests, HMAC, comparison
// ---------------------------------------------------------------------------------------------

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_LEN] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; SHA256_LEN];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-384 of `data`.
pub fn sha384(data: &[u8]) -> [u8; SHA384_LEN] {
    let d = digest::digest(&digest::SHA384, data);
    let mut out = [0u8; SHA384_LEN];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-384 over the concatenation of `parts`, without building the concatenation.
/// Used for PCR extension: `PCR' = SHA-384(PCR || data)`.
pub fn sha384_concat(parts: &[&[u8]]) -> [u8; SHA384_LEN] {
    let mut ctx = digest::Context::new(&digest::SHA384);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; SHA384_LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// HMAC-SHA256 of `data` under `key` (SigV4 signing keys and signatures).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; SHA256_LEN] {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let tag = hmac::sign(&k, data);
    let mut out = [0u8; SHA256_LEN];
    out.copy_from_slice(tag.as_ref());
    out
}

/// HKDF-SHA256 (RFC 5869): `len` bytes (at most 255 × 32) derived from the secret `ikm` with
/// `salt` and `info`, in a zeroizing buffer. Used to derive keys with one purpose each from a
/// key that has another (the enclaves' forwarding MAC key from the sealing key), so that the two
/// can never be confused.
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    len: usize,
) -> Result<SecretBytes, CryptoError> {
    /// The output length, as aws-lc-rs asks for it.
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [info];
    let okm = prk
        .expand(&info, Len(len))
        .map_err(|_| CryptoError::InvalidKey)?;
    let mut out = SecretBytes::zeroed(len);
    okm.fill(out.expose_mut())
        .map_err(|_| CryptoError::InvalidKey)?;
    Ok(out)
}

/// Lower-case hex, as SigV4 and KMS write digests, signatures and ids. (The `hex` crate's
/// encoder collects an iterator of `char`s, which showed up in the request path's profile.)
pub fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    constant_time::verify_slices_are_equal(a, b).is_ok()
}

// ---------------------------------------------------------------------------------------------
// RSA (OAEP with SHA-256 / MGF1-SHA-256)
// ---------------------------------------------------------------------------------------------

/// NIST curves for which nitro-kms generates ECC data key pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcCurve {
    /// P-256 (secp256r1), KMS `ECC_NIST_P256`.
    P256,
    /// P-384 (secp384r1), KMS `ECC_NIST_P384`.
    P384,
    /// P-521 (secp521r1), KMS `ECC_NIST_P521`.
    P521,
}

/// Generates an EC key pair: its PKCS#8 DER private key (zeroizing) and DER SubjectPublicKeyInfo,
/// the two encodings GenerateDataKeyPair returns.
pub fn generate_ec_key_pair(curve: EcCurve) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let kp = signature::EcdsaKeyPair::generate(ec_signing_algorithm(curve))
        .map_err(|_| CryptoError::InvalidKey)?;
    let pkcs8 = kp.to_pkcs8v1().map_err(|_| CryptoError::InvalidKey)?;
    let spki = kp
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::InvalidKey)?
        .as_ref()
        .to_vec();
    Ok((SecretBytes::copy_from(pkcs8.as_ref()), spki))
}

/// The DER SubjectPublicKeyInfo of `pkcs8`, a PKCS#8 DER EC private key on `curve`; anything
/// else (another curve or algorithm, malformed DER, a point not on the curve) is
/// [`CryptoError::InvalidKey`]. An attested client uses it to check that the private key of a
/// data key pair it opened is a key of the spec it asked for, and the half of the returned
/// `PublicKey`.
pub fn ec_pkcs8_public_key(curve: EcCurve, pkcs8: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let kp = signature::EcdsaKeyPair::from_pkcs8(ec_signing_algorithm(curve), pkcs8)
        .map_err(|_| CryptoError::InvalidKey)?;
    Ok(kp
        .public_key()
        .as_der()
        .map_err(|_| CryptoError::InvalidKey)?
        .as_ref()
        .to_vec())
}

fn ec_signing_algorithm(curve: EcCurve) -> &'static signature::EcdsaSigningAlgorithm {
    match curve {
        EcCurve::P256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        EcCurve::P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        EcCurve::P521 => &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
    }
}

/// RSA modulus sizes nitro-kms generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaKeySize {
    /// 2048-bit modulus (the default for attested recipients, as in the AWS Nitro SDK).
    Rsa2048,
    /// 3072-bit modulus.
    Rsa3072,
    /// 4096-bit modulus.
    Rsa4096,
}

impl RsaKeySize {
    /// The size for a number of bits, if supported.
    pub fn from_bits(bits: usize) -> Option<Self> {
        match bits {
            2048 => Some(Self::Rsa2048),
            3072 => Some(Self::Rsa3072),
            4096 => Some(Self::Rsa4096),
            _ => None,
        }
    }

    /// The modulus size in bits.
    pub fn bits(self) -> usize {
        match self {
            Self::Rsa2048 => 2048,
            Self::Rsa3072 => 3072,
            Self::Rsa4096 => 4096,
        }
    }

    fn to_lc(self) -> rsa::KeySize {
        match self {
            Self::Rsa2048 => rsa::KeySize::Rsa2048,
            Self::Rsa3072 => rsa::KeySize::Rsa3072,
            Self::Rsa4096 => rsa::KeySize::Rsa4096,
        }
    }
}

/// An RSA private key used to decrypt RSAES-OAEP-SHA-256 (the recipient key of an enclave).
pub struct RsaPrivateKey {
    oaep: OaepPrivateDecryptingKey,
    pkcs8: SecretBytes,
    public_spki: Vec<u8>,
}

impl std::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPrivateKey([REDACTED; {} bits])", self.bits())
    }
}

impl RsaPrivateKey {
    /// Generates a new key of the given size.
    pub fn generate(size: RsaKeySize) -> Result<Self, CryptoError> {
        let key =
            PrivateDecryptingKey::generate(size.to_lc()).map_err(|_| CryptoError::InvalidKey)?;
        Self::from_lc(key)
    }

    /// Parses a PKCS#8 (RFC 5208) DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let key = PrivateDecryptingKey::from_pkcs8(der).map_err(|_| CryptoError::InvalidKey)?;
        Self::from_lc(key)
    }

    fn from_lc(key: PrivateDecryptingKey) -> Result<Self, CryptoError> {
        let public_spki = key
            .public_key()
            .as_der()
            .map_err(|_| CryptoError::InvalidKey)?
            .as_ref()
            .to_vec();
        let pkcs8 = SecretBytes::copy_from(
            AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&key)
                .map_err(|_| CryptoError::InvalidKey)?
                .as_ref(),
        );
        let oaep = OaepPrivateDecryptingKey::new(key).map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self {
            oaep,
            pkcs8,
            public_spki,
        })
    }

    /// The private key as PKCS#8 DER (zeroized with this key).
    pub fn pkcs8_der(&self) -> &SecretBytes {
        &self.pkcs8
    }

    /// The public key as DER `SubjectPublicKeyInfo` (what goes into an attestation document).
    pub fn public_key_spki_der(&self) -> &[u8] {
        &self.public_spki
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.oaep.key_size_bits()
    }

    /// Decrypts an RSAES-OAEP ciphertext (SHA-256, MGF1-SHA-256, empty label), in constant time.
    /// Any failure is [`CryptoError::Decrypt`], whatever its cause.
    pub fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<SecretBytes, CryptoError> {
        let mut out = SecretBytes::zeroed(self.oaep.min_output_size());
        let n = self
            .oaep
            .decrypt(&OAEP_SHA256_MGF1SHA256, ciphertext, out.expose_mut(), None)
            .map_err(|_| CryptoError::Decrypt)?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

/// An RSA public key used to encrypt with RSAES-OAEP-SHA-256 (KMS encrypting to a recipient).
pub struct RsaPublicKey {
    oaep: OaepPublicEncryptingKey,
}

impl std::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPublicKey({} bits)", self.bits())
    }
}

impl RsaPublicKey {
    /// Parses a DER `SubjectPublicKeyInfo` holding an RSA key (algorithm rsaEncryption).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        // aws-lc also parses id-RSASSA-PSS keys, then cannot encrypt with them: refuse them here.
        let info = <spki::SubjectPublicKeyInfoRef<'_> as der::Decode<'_>>::from_der(der)
            .map_err(|_| CryptoError::InvalidKey)?;
        if info.algorithm.oid != const_oid::db::rfc5912::RSA_ENCRYPTION {
            return Err(CryptoError::InvalidKey);
        }
        let key = PublicEncryptingKey::from_der(der).map_err(|_| CryptoError::InvalidKey)?;
        let oaep = OaepPublicEncryptingKey::new(key).map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self { oaep })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.oaep.key_size_bits()
    }

    /// Encrypts `plaintext` with RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label).
    pub fn encrypt_oaep_sha256(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = vec![0u8; self.oaep.ciphertext_size()];
        let n = self
            .oaep
            .encrypt(&OAEP_SHA256_MGF1SHA256, plaintext, &mut out, None)
            .map_err(|_| CryptoError::Encrypt)?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// ECDSA P-384 / SHA-384
// ---------------------------------------------------------------------------------------------

/// How an ECDSA signature is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// `r || s`, 48 bytes each: COSE (RFC 8152 §8.1), as in Nitro attestation documents.
    Fixed,
    /// DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`: X.509 certificates.
    Asn1,
}

/// A P-384 signing key (the simulated NSM's CA and document-signing keys).
pub struct EcdsaP384KeyPair {
    fixed: signature::EcdsaKeyPair,
    asn1: signature::EcdsaKeyPair,
    pkcs8: SecretBytes,
}

impl std::fmt::Debug for EcdsaP384KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EcdsaP384KeyPair(public={})",
            hex::encode(self.public_point())
        )
    }
}

impl EcdsaP384KeyPair {
    /// Generates a fresh key pair.
    pub fn generate() -> Result<Self, CryptoError> {
        let kp = signature::EcdsaKeyPair::generate(&signature::ECDSA_P384_SHA384_FIXED_SIGNING)
            .map_err(|_| CryptoError::InvalidKey)?;
        let pkcs8 = kp.to_pkcs8v1().map_err(|_| CryptoError::InvalidKey)?;
        Self::from_pkcs8_der(pkcs8.as_ref())
    }

    /// Parses a PKCS#8 DER P-384 private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let fixed =
            signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, der)
                .map_err(|_| CryptoError::InvalidKey)?;
        let asn1 =
            signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der)
                .map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self {
            fixed,
            asn1,
            pkcs8: SecretBytes::copy_from(der),
        })
    }

    /// The private key as PKCS#8 DER (for the simulated NSM's state directory).
    pub fn pkcs8_der(&self) -> &SecretBytes {
        &self.pkcs8
    }

    /// The public key as an uncompressed point (`04 || x || y`, 97 bytes).
    pub fn public_point(&self) -> &[u8] {
        self.fixed.public_key().as_ref()
    }

    /// The public key as DER `SubjectPublicKeyInfo`.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        Ok(self
            .fixed
            .public_key()
            .as_der()
            .map_err(|_| CryptoError::InvalidKey)?
            .as_ref()
            .to_vec())
    }

    /// Signs `message` (hashed with SHA-384) in the given encoding.
    pub fn sign(
        &self,
        message: &[u8],
        encoding: SignatureEncoding,
    ) -> Result<Vec<u8>, CryptoError> {
        let rng = rand::SystemRandom::new();
        let key = match encoding {
            SignatureEncoding::Fixed => &self.fixed,
            SignatureEncoding::Asn1 => &self.asn1,
        };
        let sig = key.sign(&rng, message).map_err(|_| CryptoError::Sign)?;
        Ok(sig.as_ref().to_vec())
    }
}

/// Verifies an ECDSA P-384/SHA-384 signature over `message` by the uncompressed public point
/// `public_point` (97 bytes, `04 || x || y`).
pub fn verify_p384_sha384(
    public_point: &[u8],
    message: &[u8],
    signature: &[u8],
    encoding: SignatureEncoding,
) -> Result<(), CryptoError> {
    if public_point.len() != P384_POINT_LEN || public_point.first() != Some(&0x04) {
        return Err(CryptoError::InvalidKey);
    }
    let alg: &'static signature::EcdsaVerificationAlgorithm = match encoding {
        SignatureEncoding::Fixed => {
            if signature.len() != P384_FIXED_SIGNATURE_LEN {
                return Err(CryptoError::BadSignature);
            }
            &signature::ECDSA_P384_SHA384_FIXED
        }
        SignatureEncoding::Asn1 => &signature::ECDSA_P384_SHA384_ASN1,
    };
    UnparsedPublicKey::new(alg, public_point)
        .verify(message, signature)
        .map_err(|_| CryptoError::BadSignature)
}

// ---------------------------------------------------------------------------------------------
// AES-256-GCM
// ---------------------------------------------------------------------------------------------

fn gcm_key(key: &[u8]) -> Result<aead::LessSafeKey, CryptoError> {
    if key.len() != AES256_KEY_LEN {
        return Err(CryptoError::InvalidKey);
    }
    let unbound =
        aead::UnboundKey::new(&aead::AES_256_GCM, key).map_err(|_| CryptoError::InvalidKey)?;
    Ok(aead::LessSafeKey::new(unbound))
}

/// Encrypts `plaintext` with AES-256-GCM; returns `ciphertext || tag`.
/// The caller guarantees that `nonce` is never reused under `key` (use a random nonce).
pub fn aes256_gcm_seal(
    key: &[u8],
    nonce: &[u8; GCM_NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let k = gcm_key(key)?;
    let mut in_out = Vec::with_capacity(plaintext.len() + GCM_TAG_LEN);
    in_out.extend_from_slice(plaintext);
    k.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(*nonce),
        aead::Aad::from(aad),
        &mut in_out,
    )
    .map_err(|_| CryptoError::Encrypt)?;
    Ok(in_out)
}

/// Decrypts and authenticates `ciphertext || tag` with AES-256-GCM.
pub fn aes256_gcm_open(
    key: &[u8],
    nonce: &[u8; GCM_NONCE_LEN],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let k = gcm_key(key)?;
    let mut buf = SecretBytes::copy_from(ciphertext_and_tag);
    let n = k
        .open_in_place(
            aead::Nonce::assume_unique_for_key(*nonce),
            aead::Aad::from(aad),
            buf.expose_mut(),
        )
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    buf.truncate(n);
    Ok(buf)
}

// ---------------------------------------------------------------------------------------------
// AES-256-CBC with PKCS#7 padding (CMS content encryption)
// ---------------------------------------------------------------------------------------------

fn cbc_key(key: &[u8]) -> Result<cipher::UnboundCipherKey, CryptoError> {
    if key.len() != AES256_KEY_LEN {
        return Err(CryptoError::InvalidKey);
    }
    cipher::UnboundCipherKey::new(&cipher::AES_256, key).map_err(|_| CryptoError::InvalidKey)
}

/// Encrypts `plaintext` with AES-256-CBC and PKCS#7 padding under `iv`.
pub fn aes256_cbc_encrypt(
    key: &[u8],
    iv: &[u8; CBC_IV_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let k = cipher::PaddedBlockEncryptingKey::cbc_pkcs7(cbc_key(key)?)
        .map_err(|_| CryptoError::InvalidKey)?;
    let mut in_out = Vec::with_capacity(plaintext.len() + 16);
    in_out.extend_from_slice(plaintext);
    k.less_safe_encrypt(
        &mut in_out,
        cipher::EncryptionContext::Iv128(aws_lc_rs::iv::FixedLength::from(*iv)),
    )
    .map_err(|_| CryptoError::Encrypt)?;
    Ok(in_out)
}

/// Decrypts AES-256-CBC with PKCS#7 padding. A bad length or bad padding are the same error.
pub fn aes256_cbc_decrypt(
    key: &[u8],
    iv: &[u8; CBC_IV_LEN],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(16) {
        return Err(CryptoError::Decrypt);
    }
    let k = cipher::PaddedBlockDecryptingKey::cbc_pkcs7(cbc_key(key)?)
        .map_err(|_| CryptoError::InvalidKey)?;
    let mut buf = SecretBytes::copy_from(ciphertext);
    let n = k
        .decrypt(
            buf.expose_mut(),
            cipher::DecryptionContext::Iv128(aws_lc_rs::iv::FixedLength::from(*iv)),
        )
        .map_err(|_| CryptoError::Decrypt)?
        .len();
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests;
