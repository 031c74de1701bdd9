//! How bytes reach an etcd endpoint: injected, so the enclave can dial through the parent's
//! egress relay while tests and tools dial directly.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use nitro_kms_wire::http_connect::{self, ConnectTarget};
use nitro_kms_wire::transport::{self, Address};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use crate::{Endpoint, EtcdError};

/// A byte stream to an endpoint (plain TCP, a relay tunnel, or TLS over either).
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// What [`Connect::connect`] returns.
pub type ConnectFuture =
    Pin<Box<dyn Future<Output = std::io::Result<Box<dyn Io>>> + Send + 'static>>;

/// How bytes reach an endpoint; TLS is layered on top by the client.
pub trait Connect: Send + Sync + 'static {
    /// Opens a raw stream to `endpoint`.
    fn connect(&self, endpoint: &Endpoint) -> ConnectFuture;
}

/// Direct TCP (with `TCP_NODELAY`: requests are small and latency-bound).
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConnect;

impl Connect for TcpConnect {
    fn connect(&self, endpoint: &Endpoint) -> ConnectFuture {
        let host = endpoint.host.clone();
        let port = endpoint.port;
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Io>)
        })
    }
}

/// Through the parent's egress relay: HTTP CONNECT `host:port`, then the raw tunnel.
#[derive(Debug, Clone)]
pub struct RelayConnect {
    relay: Arc<Address>,
}

impl RelayConnect {
    /// `relay` is a [`nitro_kms_wire::transport`] address (`vsock://3:8002`, `tcp://127.0.0.1:8002`).
    pub fn new(relay: &str) -> Result<Self, EtcdError> {
        let relay: Address = relay
            .parse()
            .map_err(|e| EtcdError::Config(format!("etcd relay address: {e}")))?;
        Ok(RelayConnect {
            relay: Arc::new(relay),
        })
    }
}

impl Connect for RelayConnect {
    fn connect(&self, endpoint: &Endpoint) -> ConnectFuture {
        let relay = self.relay.clone();
        let target: Result<ConnectTarget, _> = endpoint.to_string().parse();
        Box::pin(async move {
            let target = target.map_err(|e| std::io::Error::other(e.to_string()))?;
            let failed = |e: String| {
                std::io::Error::other(format!("egress relay {relay} for {target}: {e}"))
            };
            let stream = transport::connect(&relay)
                .await
                .map_err(|e| failed(e.to_string()))?;
            // The BufReader keeps whatever the relay sent after its answer (the first bytes of
            // the upstream's TLS).
            let mut stream = BufReader::new(stream);
            stream
                .write_all(http_connect::request(&target).as_bytes())
                .await
                .map_err(|e| failed(e.to_string()))?;
            stream.flush().await.map_err(|e| failed(e.to_string()))?;
            let head = http_connect::read_head(&mut stream, http_connect::MAX_HEAD)
                .await
                .map_err(|e| failed(e.to_string()))?;
            let status = http_connect::parse_response(&head).map_err(|e| failed(e.to_string()))?;
            if status.code != 200 {
                return Err(failed(format!("refused: {status}")));
            }
            Ok(Box::new(stream) as Box<dyn Io>)
        })
    }
}

/// TLS on top of the [`Connect`]ed stream.
#[derive(Clone)]
pub enum Tls {
    /// No TLS: only for tests and local tools.
    Plain,
    /// rustls with this configuration; the server name is the endpoint's host (IP literal ok).
    Rustls(Arc<rustls::ClientConfig>),
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tls::Plain => "Plain",
            Tls::Rustls(_) => "Rustls",
        })
    }
}

/// Opens `endpoint` with `connect`, then TLS if asked. Errors are strings naming the cause
/// (for [`EtcdError::Unavailable`]).
pub(crate) async fn open(
    connect: &dyn Connect,
    tls: &Tls,
    endpoint: &Endpoint,
) -> Result<Box<dyn Io>, String> {
    let stream = connect
        .connect(endpoint)
        .await
        .map_err(|e| format!("{endpoint}: connect: {e}"))?;
    match tls {
        Tls::Plain => Ok(stream),
        Tls::Rustls(config) => {
            let name = rustls::pki_types::ServerName::try_from(endpoint.host.clone())
                .map_err(|e| format!("{endpoint}: TLS server name: {e}"))?;
            let tls = tokio_rustls::TlsConnector::from(config.clone())
                .connect(name, stream)
                .await
                .map_err(|e| format!("{endpoint}: TLS: {e}"))?;
            Ok(Box::new(tls))
        }
    }
}
