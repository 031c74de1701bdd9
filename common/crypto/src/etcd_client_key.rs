//! The enclave's mutual-TLS client key for etcd, derived rather than generated.
//!
//! With `storage = "etcd"` the enclave authenticates to the etcd cluster with a client
//! certificate. Its private key is a P-256 key made **deterministically** from 32 secret bytes
//! that the enclave derives from its sealing key ([`derive_p256_client_key`]). Deterministic on
//! purpose:
//! - every enclave of the fleet shares the sealing key, so all of them derive the same key and
//!   one certificate (signed once by the operator, from [`EtcdClientKey::certificate_signing_request_pem`])
//!   serves the whole fleet;
//! - it survives restarts and upgrades that keep the sealing key, with nothing to store;
//! - the parent never sees it: it exists only inside the enclave, recomputed at start-up.
//!
//! The scalar comes from HKDF-SHA256 (expand over the seed with a one-byte counter), retried with
//! the next counter until it is a valid P-256 private key (in `1..n`); the first try fails with
//! probability about 2^-32, so the loop is there for correctness, not for speed.
//!
//! [`certificate_public_key_matches`] lets the enclave refuse a certificate that was not issued
//! for this key (a mistake the operator should hear about at start-up, not as a failed handshake).

use aws_lc_rs::{
    agreement,
    encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der},
};
use der::{Decode, Encode};
use std::fmt;
use zeroize::Zeroizing;

/// The common name the CSR carries unless the caller gives another.
pub const DEFAULT_COMMON_NAME: &str = "nitro-kms-enclave";

/// The HKDF info prefix of the scalar derivation (a counter byte follows).
const SCALAR_INFO: &[u8] = b"nitro-kms etcd client key v1: p256 scalar";

/// The order n of the P-256 group, big-endian: a private scalar must be in `1..n`.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// Why no client key or CSR could be made.
#[derive(Debug, thiserror::Error)]
pub enum EtcdClientKeyError {
    /// The seed is not 32 bytes (the caller passed the wrong secret).
    #[error("the etcd client key seed must be 32 bytes, got {0}")]
    SeedLength(usize),
    /// No counter gave a valid scalar (never happens with a real HKDF output).
    #[error("no valid P-256 scalar could be derived from the seed")]
    NoValidScalar,
    /// The crypto library refused the key or could not encode it.
    #[error("the P-256 client key could not be built or encoded")]
    Key,
    /// rcgen could not build the certificate signing request.
    #[error("the certificate signing request could not be built: {0}")]
    Csr(String),
}

/// The enclave's etcd client key: PKCS#8 DER kept zeroizing, with its public key.
pub struct EtcdClientKey {
    /// The private key, PKCS#8 v1 DER (for rustls and rcgen); wiped on drop.
    pkcs8: Zeroizing<Vec<u8>>,
    /// The public key as an X.509 SubjectPublicKeyInfo, DER (public).
    spki: Vec<u8>,
}

impl fmt::Debug for EtcdClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EtcdClientKey")
            .field("pkcs8", &"<redacted>")
            .field("spki_sha256", &crate::hex_lower(&crate::sha256(&self.spki)))
            .finish()
    }
}

/// Derives the etcd client key from 32 secret bytes (see the module docs for why derived).
///
/// # Errors
/// [`EtcdClientKeyError::SeedLength`] when `seed` is not 32 bytes; the other variants only if the
/// crypto library misbehaves.
pub fn derive_p256_client_key(seed: &[u8]) -> Result<EtcdClientKey, EtcdClientKeyError> {
    if seed.len() != 32 {
        return Err(EtcdClientKeyError::SeedLength(seed.len()));
    }
    for counter in 0u8..=u8::MAX {
        let mut info = SCALAR_INFO.to_vec();
        info.push(counter);
        let scalar = crate::hkdf_sha256(seed, b"", &info, 32)
            .map_err(|_| EtcdClientKeyError::NoValidScalar)?;
        if !is_valid_p256_scalar(scalar.expose()) {
            continue;
        }
        let private =
            agreement::PrivateKey::from_private_key(&agreement::ECDH_P256, scalar.expose())
                .map_err(|_| EtcdClientKeyError::Key)?;
        let pkcs8: Pkcs8V1Der<'static> = private.as_der().map_err(|_| EtcdClientKeyError::Key)?;
        let public = private
            .compute_public_key()
            .map_err(|_| EtcdClientKeyError::Key)?;
        let spki: PublicKeyX509Der<'static> =
            public.as_der().map_err(|_| EtcdClientKeyError::Key)?;
        return Ok(EtcdClientKey {
            pkcs8: Zeroizing::new(pkcs8.as_ref().to_vec()),
            spki: spki.as_ref().to_vec(),
        });
    }
    Err(EtcdClientKeyError::NoValidScalar)
}

/// Whether 32 big-endian bytes are a P-256 private scalar: not zero and below the group order.
fn is_valid_p256_scalar(scalar: &[u8]) -> bool {
    scalar.len() == 32 && scalar.iter().any(|b| *b != 0) && scalar < &P256_ORDER[..]
}

impl EtcdClientKey {
    /// The public key as a DER SubjectPublicKeyInfo (what a certificate for this key carries).
    pub fn public_key_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The private key as PKCS#8 v1 DER, for rustls' client authentication. Secret: never log it.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The lower-case hex SHA-256 of the SPKI: a short, public fingerprint for logs and errors.
    pub fn spki_sha256_hex(&self) -> String {
        crate::hex_lower(&crate::sha256(&self.spki))
    }

    /// A PEM PKCS#10 certificate signing request for this key with subject CN `common_name`
    /// (use [`DEFAULT_COMMON_NAME`] unless the etcd cluster maps client names to users), signed
    /// by the key itself: the operator gives it to the etcd CA and hands the certificate back to
    /// the enclave. The CSR is public.
    ///
    /// # Errors
    /// [`EtcdClientKeyError::Csr`] when rcgen refuses the key or the name.
    pub fn certificate_signing_request_pem(
        &self,
        common_name: &str,
    ) -> Result<String, EtcdClientKeyError> {
        let key_pair = rcgen::KeyPair::try_from(self.pkcs8.as_slice())
            .map_err(|e| EtcdClientKeyError::Csr(e.to_string()))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        let csr = params
            .serialize_request(&key_pair)
            .map_err(|e| EtcdClientKeyError::Csr(e.to_string()))?;
        csr.pem()
            .map_err(|e| EtcdClientKeyError::Csr(e.to_string()))
    }
}

/// Whether the X.509 certificate `cert_der` carries exactly the public key `spki` (DER
/// SubjectPublicKeyInfo). False for an unparsable certificate as well: the caller refuses both.
pub fn certificate_public_key_matches(cert_der: &[u8], spki: &[u8]) -> bool {
    certificate_spki_der(cert_der).is_some_and(|der| der == spki)
}

/// The DER SubjectPublicKeyInfo of the X.509 certificate `cert_der` (`None` when it does not
/// parse), e.g. to fingerprint the key of a certificate that [`certificate_public_key_matches`]
/// refused.
pub fn certificate_spki_der(cert_der: &[u8]) -> Option<Vec<u8>> {
    let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .ok()
}

#[cfg(test)]
mod tests;
