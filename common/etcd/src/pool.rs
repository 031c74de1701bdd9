//! Kept-alive HTTP/1.1 connections, per endpoint.
//!
//! HTTP/1.1 carries one request at a time on a connection, so a request takes an idle
//! connection or opens its own: no request ever waits on another's I/O. At most `max_idle`
//! connections per endpoint are kept for reuse.

use std::sync::Mutex;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

use crate::connect::{self, Connect};
use crate::{Endpoint, Tls};

/// A connection's request half.
pub(crate) type Sender = SendRequest<Full<Bytes>>;

/// Idle connections, one list per endpoint (same order as the client's endpoints).
pub(crate) struct Pool {
    idle: Mutex<Vec<Vec<Sender>>>,
    max_idle: usize,
}

impl Pool {
    /// An empty pool for `endpoints` endpoints.
    pub(crate) fn new(endpoints: usize, max_idle: usize) -> Self {
        Pool {
            idle: Mutex::new((0..endpoints).map(|_| Vec::new()).collect()),
            max_idle,
        }
    }

    /// An idle, still open connection to endpoint `index`, if any.
    pub(crate) fn take(&self, index: usize) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(index)?;
        while let Some(sender) = list.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    /// Keeps `sender` for reuse if it is open and there is room.
    pub(crate) fn give_back(&self, index: usize, sender: Sender) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = idle.get_mut(index)
            && list.len() < self.max_idle
            && !sender.is_closed()
        {
            list.push(sender);
        }
    }
}

/// Opens a new HTTP/1.1 connection to `endpoint` (transport, TLS, handshake); the connection's
/// driver runs as its own task and ends when the sender is dropped.
pub(crate) async fn open(
    connector: &dyn Connect,
    tls: &Tls,
    endpoint: &Endpoint,
) -> Result<Sender, String> {
    let io = connect::open(connector, tls, endpoint).await?;
    let (sender, connection) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("{endpoint}: HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}
