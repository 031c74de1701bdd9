//! The accept loop of the enclave's HTTP endpoint: one task per connection (at most
//! `max_connections`; more are closed as soon as they are accepted), the [`sniff`] of the first
//! byte within the header deadline, then HTTP/1.1 keep-alive with a header-read deadline and a
//! bounded head, and a graceful shutdown that stops accepting, lets each connection finish the
//! request it is answering, and closes it.
//!
//! What a connection may speak is the [`Protocols`]: cleartext HTTP only where the configuration
//! allows it, TLS only through a [`TlsTerminator`] (the hook the TLS configuration plugs into;
//! without one a ClientHello is answered by closing the connection).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use nitro_kms_wire::shutdown::stopped;
use nitro_kms_wire::transport::{Listener, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::endpoint::HttpEndpoint;
use super::limits::MAX_HEAD_BYTES;
use super::sniff::{Protocol, Rewound, sniff};

/// A byte stream HTTP can be served over (a cleartext connection or a TLS session).
pub trait HttpStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> HttpStream for T {}

/// A connection the [`sniff`] found to start with a ClientHello, rewound to its first byte.
pub type SniffedStream = Rewound<Stream>;

/// What a TLS session being set up resolves to.
pub type TlsAccept = Pin<Box<dyn Future<Output = io::Result<Box<dyn HttpStream>>> + Send>>;

/// Terminates TLS on a connection that starts with a ClientHello: the handshake, then the
/// decrypted stream HTTP is served over. The TLS configuration (the enclave's attested
/// certificate) implements it; the handshake runs within the header deadline.
pub trait TlsTerminator: Send + Sync + 'static {
    /// Runs the server side of the handshake on `stream`.
    fn accept(&self, stream: SniffedStream) -> TlsAccept;
}

/// What connections may speak.
#[derive(Clone, Default)]
pub struct Protocols {
    /// Serve HTTP without TLS (`allow_cleartext`).
    pub cleartext: bool,
    /// Terminate TLS (without a terminator a ClientHello closes the connection).
    pub tls: Option<Arc<dyn TlsTerminator>>,
}

impl std::fmt::Debug for Protocols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protocols")
            .field("cleartext", &self.cleartext)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// Serves `listener` until `shutdown` flips, then drains for at most the endpoint's drain time.
pub async fn serve(
    listener: Listener,
    endpoint: Arc<HttpEndpoint>,
    protocols: Protocols,
    shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let mut stop = shutdown.clone();
    loop {
        tokio::select! {
            _ = stopped(&mut stop) => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                };
                if connections.len() >= endpoint.limits.max_connections {
                    // Closed at once: memory stays bounded whatever a client opens.
                    drop(stream);
                    let refused = endpoint.metrics.connections_refused.fetch_add(1, Ordering::Relaxed) + 1;
                    if refused.is_power_of_two() {
                        tracing::warn!(refused, "nitro-kms-enclave: HTTP connection refused: the connection cap is reached");
                    }
                    continue;
                }
                connections.spawn(connection(stream, endpoint.clone(), protocols.clone(), shutdown.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let _ = tokio::time::timeout(endpoint.limits.drain, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// One connection: sniff, then TLS or cleartext as [`Protocols`] allow, then HTTP.
async fn connection(
    stream: Stream,
    endpoint: Arc<HttpEndpoint>,
    protocols: Protocols,
    shutdown: watch::Receiver<bool>,
) {
    let deadline = endpoint.limits.header_timeout;
    let Ok(Ok(Some((protocol, stream)))) = tokio::time::timeout(deadline, sniff(stream)).await
    else {
        return;
    };
    let stream: Box<dyn HttpStream> = match (protocol, &protocols.tls) {
        (Protocol::Tls, Some(tls)) => {
            match tokio::time::timeout(deadline, tls.accept(stream)).await {
                Ok(Ok(session)) => session,
                _ => return,
            }
        }
        (Protocol::Cleartext, _) if protocols.cleartext => Box::new(stream),
        (protocol, _) => {
            endpoint
                .metrics
                .protocol_refused
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                ?protocol,
                "nitro-kms-enclave: HTTP connection closed: protocol not served"
            );
            return;
        }
    };
    serve_http(stream, endpoint, shutdown).await;
}

/// HTTP/1.1 keep-alive over `stream` until the client closes, a deadline passes, or shutdown.
pub async fn serve_http<S: HttpStream>(
    stream: S,
    endpoint: Arc<HttpEndpoint>,
    mut shutdown: watch::Receiver<bool>,
) {
    let header_timeout = endpoint.limits.header_timeout;
    let service = service_fn(move |req| endpoint.clone().handle(req));
    let conn = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stopped(&mut shutdown) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
