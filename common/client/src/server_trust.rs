//! How the client decides to trust an `https://` server: the web PKI (Mozilla's roots, or the PEM
//! roots of `--ca-bundle`), or — with a [`ServiceTrust`] — the attested service identity of a
//! nitro-kms enclave, checked in the TLS handshake before any request byte is sent.
//!
//! [`AttestedServerVerifier`] is a rustls `ServerCertVerifier`: for each new connection it runs
//! the checks of [`nitro_kms_attest::service::verify_service_chain`] on the certificate the server
//! presented (the attestation document in its extension, the pinned root, the PCRs, the attested
//! CA's signature, validity and names) through a [`ServiceVerifier`], which remembers documents
//! whose signatures it checked, and it checks the handshake's signatures with the aws-lc-rs
//! provider's algorithms, so a server that shows the enclave's certificate without holding its
//! key fails too. When PEM roots are given as
//! well, the chain must also pass the web PKI checks under them.

use crate::handshake_signatures;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error as TlsError, OtherError, SignatureScheme,
};

use crate::connection_pool::Tls;
use crate::error::ClientError;
use nitro_kms_attest::service::{ServiceTrust, ServiceVerifier};

/// A rustls verifier that trusts a server iff its certificate proves an attested enclave.
#[derive(Debug)]
pub(crate) struct AttestedServerVerifier {
    /// The checks, with a cache of verified documents (one per enclave process).
    service: ServiceVerifier,
    /// With `--ca-bundle` as well: the web PKI checks under those roots, first.
    roots: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AttestedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        if let Some(roots) = &self.roots {
            roots.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        }
        let name = match server_name {
            ServerName::DnsName(dns) => dns.as_ref().to_owned(),
            ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
            _ => {
                return Err(TlsError::InvalidCertificate(
                    CertificateError::NotValidForName,
                ));
            }
        };
        let at = UNIX_EPOCH + Duration::from_secs(now.as_secs());
        self.service
            .verify_chain(end_entity.as_ref(), &name, at)
            .map_err(|e| {
                TlsError::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
            })?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        handshake_signatures::verify_tls12(&self.provider, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        handshake_signatures::verify_tls13(&self.provider, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        handshake_signatures::supported_schemes(&self.provider)
    }
}

/// The TLS settings for `host`: the attested verifier when `service_trust` is set (plus the web
/// PKI under `roots_pem` if given), otherwise the web PKI under `roots_pem` or Mozilla's roots.
/// Without `resumption`, every new connection is a full handshake.
pub(crate) fn tls_settings(
    host: &str,
    roots_pem: Option<&[u8]>,
    service_trust: Option<&ServiceTrust>,
    resumption: bool,
) -> Result<Tls, ClientError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(format!("TLS: {e}")))?;
    let mut config = match service_trust {
        None => builder
            .with_root_certificates(root_store(roots_pem)?)
            .with_no_client_auth(),
        Some(trust) => {
            let roots = match roots_pem {
                None => None,
                Some(pem) => Some(
                    WebPkiServerVerifier::builder_with_provider(
                        Arc::new(root_store(Some(pem))?),
                        provider.clone(),
                    )
                    .build()
                    .map_err(|e| ClientError::Config(format!("TLS roots: {e}")))?,
                ),
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AttestedServerVerifier {
                    service: ServiceVerifier::new(trust.clone()),
                    roots,
                    provider,
                }))
                .with_no_client_auth()
        }
    };
    if !resumption {
        config.resumption = rustls::client::Resumption::disabled();
    }
    let server_name = ServerName::try_from(host.to_owned())
        .map_err(|e| ClientError::Config(format!("TLS server name {host}: {e}")))?;
    Ok(Tls {
        config: Arc::new(config),
        server_name,
    })
}

/// The PEM roots given, or Mozilla's (webpki-roots).
fn root_store(roots_pem: Option<&[u8]>) -> Result<rustls::RootCertStore, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    match roots_pem {
        Some(pem) => {
            use rustls::pki_types::pem::PemObject;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ClientError::Config(format!("TLS roots: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| ClientError::Config(format!("TLS roots: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(roots)
}
