//! Fetching a nitro-kms service's well-known identity endpoints, for `nitro-kms service verify`:
//! `GET` requests over ONE TLS connection whose certificate is not trusted yet — what will be
//! trusted is the attestation document it serves, checked by the caller — returning the answers
//! and the certificates the server presented in that connection's handshake, so the caller can
//! check that the attested CA signed the certificate of the very server it talked to.
//!
//! The certificate is taken as presented, but the handshake's signatures are still verified with
//! the aws-lc-rs provider's algorithms: the server proves it holds the presented certificate's
//! key, so a relay that shows the enclave's certificate without its key cannot complete it.

use crate::handshake_signatures;
use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error as TlsError, SignatureScheme};

use crate::error::ClientError;

/// Largest answer accepted from a well-known endpoint.
const MAX_ANSWER: usize = 1 << 20;

/// What one connection to the service gave.
#[derive(Debug, Clone)]
pub struct WellKnownAnswers {
    /// For each path asked, in order: the HTTP status and the body.
    pub answers: Vec<(u16, Vec<u8>)>,
    /// The certificates the server presented (DER, leaf first).
    pub peer_certificates: Vec<Vec<u8>>,
}

/// Checks handshake signatures only; the certificate is judged later, by its document.
#[derive(Debug)]
struct PresentedCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PresentedCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
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

/// `host` and `port` of an `https://HOST[:PORT][/]` URL (`[v6]` brackets allowed).
fn https_authority(endpoint: &str) -> Result<(String, u16), ClientError> {
    let bad = |why: &str| ClientError::Config(format!("{endpoint}: {why}"));
    let authority = endpoint
        .strip_prefix("https://")
        .ok_or_else(|| bad("the service's identity is checked over TLS: use an https:// URL"))?
        .trim_end_matches('/');
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| bad("unclosed ["))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => 443,
        Some(p) => p.parse().map_err(|_| bad("bad port"))?,
    };
    if host.is_empty() || host.contains('/') {
        return Err(bad("no host"));
    }
    Ok((host.to_owned(), port))
}

/// `GET`s each of `paths` (with their query) from `endpoint` (`https://HOST[:PORT]`) over one
/// TLS connection, within `timeout`; returns the answers and the presented certificates.
pub async fn fetch_well_known(
    endpoint: &str,
    paths: &[String],
    timeout: std::time::Duration,
) -> Result<WellKnownAnswers, ClientError> {
    tokio::time::timeout(timeout, fetch(endpoint, paths))
        .await
        .map_err(|_| ClientError::Transport(format!("{endpoint}: no answer within {timeout:?}")))?
}

async fn fetch(endpoint: &str, paths: &[String]) -> Result<WellKnownAnswers, ClientError> {
    let (host, port) = https_authority(endpoint)?;
    let transport = |e: String| ClientError::Transport(format!("{endpoint}: {e}"));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(format!("TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PresentedCertificate { provider }))
        .with_no_client_auth();
    let server_name = ServerName::try_from(host.clone())
        .map_err(|e| ClientError::Config(format!("TLS server name {host}: {e}")))?;
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| transport(e.to_string()))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(server_name, tcp)
        .await
        .map_err(|e| transport(crate::tls_failure::describe_tls_failure(&e)))?;
    let peer_certificates = tls
        .get_ref()
        .1
        .peer_certificates()
        .map(|chain| chain.iter().map(|c| c.as_ref().to_vec()).collect())
        .unwrap_or_default();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| transport(e.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let authority = endpoint
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    let mut answers = Vec::with_capacity(paths.len());
    for path in paths {
        sender.ready().await.map_err(|e| transport(e.to_string()))?;
        let request = hyper::Request::get(path.as_str())
            .header("host", authority.as_str())
            .body(Empty::<Bytes>::new())
            .map_err(|e| ClientError::Config(format!("{path}: {e}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| transport(e.to_string()))?;
        let status = response.status().as_u16();
        let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| transport(e.to_string()))?
            .to_bytes()
            .to_vec();
        answers.push((status, body));
    }
    Ok(WellKnownAnswers {
        answers,
        peer_certificates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_name_a_service_to_verify() {
        assert_eq!(
            https_authority("https://localhost:9600/").unwrap(),
            ("localhost".to_owned(), 9600)
        );
        assert_eq!(
            https_authority("https://[::1]:9600").unwrap(),
            ("::1".to_owned(), 9600)
        );
        assert_eq!(
            https_authority("https://kms.example.com").unwrap(),
            ("kms.example.com".to_owned(), 443)
        );
        for bad in ["http://localhost:9600", "https://", "https://h:x"] {
            assert!(https_authority(bad).is_err(), "{bad}");
        }
    }
}
