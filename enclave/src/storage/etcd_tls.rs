//! The enclave's TLS client configuration for etcd (`storage = "etcd"`, issue 19).
//!
//! TLS ends in the enclave: the parent relays bytes it cannot read. The enclave trusts ONLY the
//! etcd cluster's CA from its measured configuration (`etcd_ca`; no web PKI roots: any public CA
//! could otherwise vouch for a parent-run fake etcd), and authenticates with a client key that it
//! derives from the sealing key (label [`CLIENT_KEY_LABEL`], see
//! [`nitro_kms_crypto::etcd_client_key`]): the whole fleet shares it, it survives restarts, and
//! the parent never sees it. The operator has the etcd CA sign this key's CSR ([`csr_pem`],
//! `nitro-kms-enclave --print-etcd-csr`) and hands the enclave the certificate
//! (`etcd_client_certificate`); a certificate for any other key is refused here, at start-up,
//! with the CSR to sign in the error.

use std::sync::Arc;

use nitro_kms_crypto::etcd_client_key::{self, DEFAULT_COMMON_NAME, EtcdClientKey};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, pem::PemObject};

use crate::config::EtcdStorageConfig;
use crate::storage::seal::SealingKey;

/// The HKDF label deriving the etcd client key's seed from the sealing key.
pub const CLIENT_KEY_LABEL: &[u8] = b"nitro-kms etcd client key v1";

/// Why the etcd TLS client configuration could not be built (the enclave refuses to start).
#[derive(Debug, thiserror::Error)]
pub enum EtcdTlsError {
    /// The client key could not be derived (the sealing key or the crypto library failed).
    #[error("the etcd client key could not be derived: {0}")]
    Key(String),
    /// `etcd_client_certificate` is not for this enclave's derived key.
    #[error(
        "etcd_client_certificate is not for this enclave's etcd client key (its public key has \
         SPKI SHA-256 {certificate_spki_sha256}, this enclave's key {key_spki_sha256}): have the \
         etcd CA sign this enclave's CSR (nitro-kms-enclave --print-etcd-csr, or the CSR this \
         enclave logs) and configure that certificate"
    )]
    CertificateNotForThisKey {
        /// The SPKI SHA-256 (hex) of the configured certificate's key.
        certificate_spki_sha256: String,
        /// The SPKI SHA-256 (hex) of the derived key.
        key_spki_sha256: String,
    },
    /// A PEM setting holds no usable certificate.
    #[error("{setting}: {reason}")]
    Pem {
        /// The setting (`etcd_ca` or `etcd_client_certificate`).
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("the etcd TLS configuration was refused: {0}")]
    Tls(#[from] rustls::Error),
}

/// Derives this enclave's etcd client key from the sealing key.
pub fn client_key(sealing_key: &SealingKey) -> Result<EtcdClientKey, EtcdTlsError> {
    let seed = sealing_key
        .derive(CLIENT_KEY_LABEL)
        .map_err(|e| EtcdTlsError::Key(e.to_string()))?;
    etcd_client_key::derive_p256_client_key(seed.expose())
        .map_err(|e| EtcdTlsError::Key(e.to_string()))
}

/// The PEM CSR of this enclave's etcd client key (CN `nitro-kms-enclave`), public: the operator
/// has the etcd CA sign it.
pub fn csr_pem(sealing_key: &SealingKey) -> Result<String, EtcdTlsError> {
    client_key(sealing_key)?
        .certificate_signing_request_pem(DEFAULT_COMMON_NAME)
        .map_err(|e| EtcdTlsError::Key(e.to_string()))
}

/// The lower-case hex SHA-256 of this enclave's etcd client key's SPKI, for logs.
pub fn spki_sha256_hex(sealing_key: &SealingKey) -> Result<String, EtcdTlsError> {
    Ok(client_key(sealing_key)?.spki_sha256_hex())
}

fn certificates(
    setting: &'static str,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, EtcdTlsError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EtcdTlsError::Pem {
            setting,
            reason: format!("not valid PEM: {e}"),
        })?;
    if certificates.is_empty() {
        return Err(EtcdTlsError::Pem {
            setting,
            reason: "holds no PEM CERTIFICATE".to_owned(),
        });
    }
    Ok(certificates)
}

/// The TLS client configuration for etcd: roots = only `etcd_ca`'s certificates, client
/// authentication = `etcd_client_certificate` (leaf first, then any intermediates) with the key
/// derived from `sealing_key`.
///
/// # Errors
/// [`EtcdTlsError::CertificateNotForThisKey`] when the certificate was issued for another key;
/// [`EtcdTlsError::Pem`] / [`EtcdTlsError::Tls`] for unusable PEM or a configuration rustls
/// refuses.
pub fn client_config(
    settings: &EtcdStorageConfig,
    sealing_key: &SealingKey,
) -> Result<Arc<rustls::ClientConfig>, EtcdTlsError> {
    let key = client_key(sealing_key)?;
    let chain = certificates("etcd_client_certificate", &settings.client_certificate_pem)?;
    let leaf = chain.first().map(|c| c.as_ref()).unwrap_or_default();
    if !etcd_client_key::certificate_public_key_matches(leaf, key.public_key_spki_der()) {
        return Err(EtcdTlsError::CertificateNotForThisKey {
            certificate_spki_sha256: certificate_spki_sha256(leaf),
            key_spki_sha256: key.spki_sha256_hex(),
        });
    }
    let mut roots = rustls::RootCertStore::empty();
    for ca in certificates("etcd_ca", &settings.ca_pem)? {
        roots.add(ca).map_err(|e| EtcdTlsError::Pem {
            setting: "etcd_ca",
            reason: e.to_string(),
        })?;
    }
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8_der().to_vec()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, private)?;
    Ok(Arc::new(config))
}

/// The SPKI SHA-256 of a certificate's key, for the error message ("unparsable" when it is not a
/// certificate).
fn certificate_spki_sha256(cert_der: &[u8]) -> String {
    etcd_client_key::certificate_spki_der(cert_der).map_or_else(
        || "unparsable".to_owned(),
        |spki| nitro_kms_crypto::hex_lower(&nitro_kms_crypto::sha256(&spki)),
    )
}

#[cfg(test)]
mod tests;
