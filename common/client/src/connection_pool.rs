//! Kept-alive HTTP/1.1 connections over any [`nitro_kms_wire::transport`] stream, with TLS (rustls on
//! aws-lc-rs) for `https://` endpoints.
//!
//! A call takes an idle connection (or opens one), sends its request, reads the answer and puts
//! the connection back if it is still good. HTTP/1.1 has one request in flight per connection, so
//! concurrent calls use as many connections as they need; at most `max_idle` are kept.
//!
//! Through an egress relay, a new connection first asks the relay for a tunnel with HTTP CONNECT
//! ([`nitro_kms_wire::http_connect`]); TLS and HTTP then run inside it as they would on a direct
//! connection.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use crate::error::ClientError;
use crate::tls_failure::{describe_connection_failure, describe_tls_failure};
use nitro_kms_wire::http_connect::{self, ConnectTarget};
use nitro_kms_wire::transport::{self, Address, Stream};

/// A byte stream hyper can drive: plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// TLS settings of an `https://` endpoint.
#[derive(Clone)]
pub(super) struct Tls {
    /// The rustls client configuration (roots, protocol versions).
    pub config: std::sync::Arc<rustls::ClientConfig>,
    /// The name the certificate must carry (the URL's host).
    pub server_name: rustls::pki_types::ServerName<'static>,
}

/// Largest response body accepted.
const MAX_RESPONSE: usize = 4 << 20;

/// The pool.
pub(super) struct ConnectionPool {
    address: Address,
    /// With an egress relay at `address`: the `host:port` to ask it for.
    tunnel: Option<ConnectTarget>,
    tls: Option<Tls>,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
    max_idle: usize,
    opened: AtomicU64,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionPool")
            .field("address", &self.address.to_string())
            .field("opened", &self.opened.load(Ordering::Relaxed))
            .finish()
    }
}

impl ConnectionPool {
    pub(super) fn new(
        address: Address,
        tunnel: Option<ConnectTarget>,
        tls: Option<Tls>,
        max_idle: usize,
    ) -> Self {
        ConnectionPool {
            address,
            tunnel,
            tls,
            idle: Mutex::new(Vec::new()),
            max_idle,
            opened: AtomicU64::new(0),
        }
    }

    pub(super) fn opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    async fn open(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        let stream = transport::connect(&self.address)
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let stream: Box<dyn Io> = match &self.tunnel {
            None => Box::new(stream),
            Some(target) => Box::new(self.open_tunnel(stream, target).await?),
        };
        let io: Box<dyn Io> = match &self.tls {
            None => Box::new(stream),
            Some(tls) => Box::new(
                tokio_rustls::TlsConnector::from(tls.config.clone())
                    .connect(tls.server_name.clone(), stream)
                    .await
                    .map_err(|e| ClientError::Transport(describe_tls_failure(&e)))?,
            ),
        };
        let (sender, connection) = http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(sender)
    }

    /// Asks the egress relay on `stream` for a tunnel to `target`; after its `200` the stream
    /// is the tunnel. The `BufReader` keeps whatever the relay sent after its answer (the first
    /// bytes of the upstream's TLS), so nothing is lost.
    async fn open_tunnel(
        &self,
        stream: Stream,
        target: &ConnectTarget,
    ) -> Result<BufReader<Stream>, ClientError> {
        let relay = &self.address;
        let failed =
            |e: String| ClientError::Transport(format!("egress relay {relay} for {target}: {e}"));
        let mut stream = BufReader::new(stream);
        stream
            .write_all(http_connect::request(target).as_bytes())
            .await
            .map_err(|e| failed(e.to_string()))?;
        stream.flush().await.map_err(|e| failed(e.to_string()))?;
        let head = http_connect::read_head(&mut stream, http_connect::MAX_HEAD)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = http_connect::parse_response(&head).map_err(|e| failed(e.to_string()))?;
        if status.code != 200 {
            return Err(ClientError::Transport(format!(
                "egress relay refused {target}: {status}"
            )));
        }
        Ok(stream)
    }

    /// POSTs `body` to `/` with `headers`; returns the status and body.
    pub(super) async fn post(
        &self,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let mut sender = match self.take_idle() {
            Some(s) => s,
            None => self.open().await?,
        };
        sender
            .ready()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let mut request = hyper::Request::post("/");
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| ClientError::Transport(describe_connection_failure(&e)))?;
        let status = response.status().as_u16();
        let body = http_body_util::Limited::new(response.into_body(), MAX_RESPONSE)
            .collect()
            .await
            .map_err(|e| {
                ClientError::Transport(match e.downcast_ref::<hyper::Error>() {
                    Some(failed) => describe_connection_failure(failed),
                    None => e.to_string(),
                })
            })?
            .to_bytes()
            .to_vec();
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle && !sender.is_closed() {
            idle.push(sender);
        }
        Ok((status, body))
    }
}
