//! [`connect`] and [`Stream`]: a connected stream on any of the three transports.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_vsock::{VsockAddr, VsockStream};

use super::address::{Address, Host};
use super::error::TransportError;

/// Opens a connection to `address`.
///
/// A TCP host name is resolved and each of its addresses tried in turn.
pub async fn connect(address: &Address) -> Result<Stream, TransportError> {
    let connect_error = |source| TransportError::Connect {
        address: address.clone(),
        source,
    };
    match address {
        Address::Vsock { cid, port } => Ok(Stream::Vsock(
            VsockStream::connect(VsockAddr::new(*cid, *port))
                .await
                .map_err(connect_error)?,
        )),
        Address::Unix(path) => Ok(Stream::Unix(
            UnixStream::connect(path).await.map_err(connect_error)?,
        )),
        Address::Tcp { host, port } => {
            let stream = match host {
                Host::Ip(ip) => TcpStream::connect(SocketAddr::new(*ip, *port)).await,
                Host::Name(name) => TcpStream::connect((name.as_str(), *port)).await,
            }
            .map_err(connect_error)?;
            stream.set_nodelay(true).map_err(connect_error)?;
            Ok(Stream::Tcp(stream))
        }
    }
}

/// A connected stream on any of the three transports: `AsyncRead + AsyncWrite + Unpin + Send`.
///
/// Split it with `tokio::io::split` to read and write from different tasks.
#[derive(Debug)]
pub enum Stream {
    /// A vsock connection.
    Vsock(VsockStream),
    /// A Unix socket connection.
    Unix(UnixStream),
    /// A TCP connection (with `TCP_NODELAY` set).
    Tcp(TcpStream),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Vsock(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Vsock(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Vsock(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Unix(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Vsock(s) => s.is_write_vectored(),
            Stream::Unix(s) => s.is_write_vectored(),
            Stream::Tcp(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Vsock(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Vsock(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

// Compile-time proof of what the docs promise: a `Stream` goes wherever tokio wants a stream.
const _: fn() = || {
    fn stream<T: AsyncRead + AsyncWrite + Unpin + Send + 'static>() {}
    stream::<Stream>();
};
