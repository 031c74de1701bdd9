//! Why the service's TLS identity could not be made, loaded or renewed.

use nitro_kms_attest::attestation::AttestationError;
use nitro_kms_attest::nsm::NsmError;
use nitro_kms_attest::service::extension::ExtensionError;
use nitro_kms_crypto::CryptoError;

use crate::storage::sealed_store::CommitError;

/// Why the TLS identity could not be made, loaded, issued or renewed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Key generation, parsing or signing failed.
    #[error("TLS identity: {0}")]
    Crypto(#[from] CryptoError),
    /// A certificate could not be encoded or read.
    #[error("TLS identity: certificate: {0}")]
    Certificate(#[from] der::Error),
    /// The attestation extension could not be encoded around the document.
    #[error("TLS identity: attestation extension: {0}")]
    Extension(#[from] ExtensionError),
    /// The NSM refused or failed the attestation request.
    #[error("TLS identity: {0}")]
    Nsm(#[from] NsmError),
    /// The NSM's document did not parse.
    #[error("TLS identity: the NSM's attestation document: {0}")]
    Document(#[from] AttestationError),
    /// The document's signing certificate is no longer valid: no leaf can be issued under it.
    #[error("TLS identity: the attestation document's signing certificate has expired")]
    DocumentCertificateExpired,
    /// The identity in the sealed state does not hold together (a bug or a foreign format).
    #[error("TLS identity: the stored service identity is unusable: {0}")]
    StoredIdentity(&'static str),
    /// The identity could not be committed to the sealed state.
    #[error("TLS identity: {0}")]
    Commit(#[from] CommitError),
    /// rustls refused the key or the configuration.
    #[error("TLS identity: {0}")]
    Rustls(#[from] rustls::Error),
    /// A configured server name is neither an IP address nor a DNS name.
    #[error("TLS identity: invalid server name {0:?}")]
    Name(String),
}
