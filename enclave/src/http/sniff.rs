//! Telling TLS from cleartext HTTP by a connection's first byte, so one port serves both.
//!
//! A TLS connection starts with a handshake record, content type 22 (`0x16`); an HTTP/1.1
//! request starts with a method name (ASCII letters). [`sniff`] reads that one byte and hands the
//! stream back as a [`Rewound`] stream that replays it, so whatever serves the connection (the TLS
//! terminator or hyper) reads it from the start.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// The first byte of a TLS handshake record (a ClientHello).
pub const TLS_HANDSHAKE: u8 = 0x16;

/// What a connection speaks, by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// TLS (a ClientHello record): for the TLS terminator.
    Tls,
    /// Anything else: cleartext HTTP, served only where the configuration allows it.
    Cleartext,
}

impl Protocol {
    /// The protocol a connection starting with `first` speaks.
    pub fn of(first: u8) -> Protocol {
        if first == TLS_HANDSHAKE {
            Protocol::Tls
        } else {
            Protocol::Cleartext
        }
    }
}

/// A stream whose first byte was read by [`sniff`] and is replayed on the first read.
#[derive(Debug)]
pub struct Rewound<S> {
    first: Option<u8>,
    inner: S,
}

/// Reads `stream`'s first byte: its [`Protocol`] and the stream rewound to the start; `None` when
/// the peer closed before sending anything.
pub async fn sniff<S: AsyncRead + Unpin>(
    mut stream: S,
) -> io::Result<Option<(Protocol, Rewound<S>)>> {
    let mut first = [0u8; 1];
    if stream.read(&mut first).await? == 0 {
        return Ok(None);
    }
    let protocol = Protocol::of(first[0]);
    Ok(Some((
        protocol,
        Rewound {
            first: Some(first[0]),
            inner: stream,
        },
    )))
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewound<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() > 0
            && let Some(first) = self.first.take()
        {
            buf.put_slice(&[first]);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewound<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    #[tokio::test]
    async fn a_client_hello_is_tls_and_a_method_is_cleartext_and_the_byte_is_replayed() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(b"POST / HTTP/1.1\r\n").await.unwrap();
        let (protocol, mut rewound) = sniff(server).await.unwrap().unwrap();
        assert_eq!(protocol, Protocol::Cleartext);
        let mut start = [0u8; 6];
        rewound.read_exact(&mut start).await.unwrap();
        assert_eq!(&start, b"POST /");

        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
        let (protocol, mut rewound) = sniff(server).await.unwrap().unwrap();
        assert_eq!(protocol, Protocol::Tls);
        let mut start = [0u8; 3];
        rewound.read_exact(&mut start).await.unwrap();
        assert_eq!(start, [0x16, 0x03, 0x01]);
    }

    #[tokio::test]
    async fn a_peer_that_closes_at_once_is_nothing() {
        let (client, server) = tokio::io::duplex(64);
        drop(client);
        assert!(sniff(server).await.unwrap().is_none());
    }
}
