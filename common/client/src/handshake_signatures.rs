//! The handshake-signature half of a rustls `ServerCertVerifier`, shared by the client's two
//! custom verifiers ([`crate::server_trust`]'s attested verifier and [`crate::service_identity`]'s
//! presented-certificate check): whatever they decide about the certificate, the server must
//! prove in the handshake that it holds the certificate's key, checked with the aws-lc-rs
//! provider's algorithms exactly as rustls's own verifiers do.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::{DigitallySignedStruct, Error as TlsError, SignatureScheme};

/// A TLS 1.2 handshake signature by `cert`'s key over `message`.
pub(crate) fn verify_tls12(
    provider: &CryptoProvider,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, TlsError> {
    rustls::crypto::verify_tls12_signature(
        message,
        cert,
        dss,
        &provider.signature_verification_algorithms,
    )
}

/// A TLS 1.3 handshake signature by `cert`'s key over `message`.
pub(crate) fn verify_tls13(
    provider: &CryptoProvider,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, TlsError> {
    rustls::crypto::verify_tls13_signature(
        message,
        cert,
        dss,
        &provider.signature_verification_algorithms,
    )
}

/// The signature schemes `provider` verifies.
pub(crate) fn supported_schemes(provider: &CryptoProvider) -> Vec<SignatureScheme> {
    provider
        .signature_verification_algorithms
        .supported_schemes()
}
