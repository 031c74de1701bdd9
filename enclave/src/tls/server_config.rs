//! The rustls server configuration of the service port: aws-lc-rs, TLS 1.3 and 1.2, ALPN
//! `http/1.1`, and a certificate resolver that serves the current `[leaf, CA]` chain, which the
//! renewal swaps without touching connections in progress.

use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::error::TlsError;

/// Serves the current leaf to every handshake; [`LeafResolver::swap`] replaces it.
#[derive(Debug)]
pub struct LeafResolver {
    current: RwLock<Arc<CertifiedKey>>,
}

impl LeafResolver {
    /// A resolver serving `first`.
    pub fn new(first: Arc<CertifiedKey>) -> Self {
        Self {
            current: RwLock::new(first),
        }
    }

    /// The chain and key served now.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Serves `next` from the next handshake on.
    pub fn swap(&self, next: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
    }
}

impl ResolvesServerCert for LeafResolver {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // One identity whatever the SNI: a client asking for another name fails its own check.
        Some(self.current())
    }
}

/// The server configuration for TLS connections on the service port (the HTTP server uses it
/// when a connection's first byte is `0x16`, a TLS handshake record).
pub fn server_config(resolver: Arc<LeafResolver>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
