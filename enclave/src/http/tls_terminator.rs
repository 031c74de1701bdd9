//! [`ServiceTlsTerminator`]: TLS on the service port with the enclave's attested identity, the
//! [`TlsTerminator`] the listener hands ClientHellos to.
//!
//! Each connection gets an acceptor made from [`ServiceTls::server_config`] at that moment, whose
//! certificate resolver serves the current `[leaf, CA]` chain: a renewed leaf is what new
//! connections see, and connections in progress keep theirs. The listener runs the handshake
//! within the header deadline, so a client that stalls mid-handshake holds its connection no
//! longer than one that stalls mid-headers. After the handshake the decrypted stream is served by
//! the same HTTP/1.1 service, with the same SigV4 check and limits, as a cleartext connection.
//!
//! Before the identity exists (the sealed state is still loading, or the process has no NSM) a
//! ClientHello is closed: there is no certificate a client could check.
//!
//! [`ServiceTls::server_config`]: crate::tls::ServiceTls::server_config

use std::io;

use tokio_rustls::TlsAcceptor;

use super::identity_slot::IdentitySlot;
use super::listener::{HttpStream, SniffedStream, TlsAccept, TlsTerminator};

/// Terminates TLS with the identity in its [`IdentitySlot`], once there is one.
#[derive(Debug, Clone)]
pub struct ServiceTlsTerminator {
    identity: IdentitySlot,
}

impl ServiceTlsTerminator {
    /// A terminator serving the identity `identity` holds (or will hold).
    pub fn new(identity: IdentitySlot) -> Self {
        Self { identity }
    }
}

impl TlsTerminator for ServiceTlsTerminator {
    fn accept(&self, stream: SniffedStream) -> TlsAccept {
        let Some(tls) = self.identity.get() else {
            tracing::debug!(
                "nitro-kms-enclave: TLS connection closed: the service identity does not exist yet"
            );
            drop(stream);
            return Box::pin(std::future::ready(Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the service identity does not exist yet",
            ))));
        };
        let acceptor = TlsAcceptor::from(tls.server_config());
        Box::pin(async move {
            match acceptor.accept(stream).await {
                Ok(session) => Ok(Box::new(session) as Box<dyn HttpStream>),
                Err(e) => {
                    tracing::debug!("nitro-kms-enclave: TLS handshake failed: {e}");
                    Err(e)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests;
