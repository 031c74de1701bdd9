//! The copy between a client connection and its enclave stream: bytes in, the same bytes out,
//! both ways, nothing parsed.
//!
//! - A client that half-closes (ends its sending side, as a client waiting for the last answer
//!   may) has that end of stream passed on to the enclave, and its answers still flow back.
//! - When the enclave ends its side (an HTTP server closes a connection whole: idle keep-alive,
//!   deadline, shutdown, or an answer given before a body it refuses was read), the client's side
//!   is ended too, and what the client still sends is read and dropped for at most [`LINGER`]
//!   (a lingering close: closing a socket with unread bytes resets it, and a reset can make the
//!   client lose the answer it has not read yet); then the relay stops. A client cannot keep a
//!   relay slot open once the enclave is done with it, so the enclave's own deadlines (header,
//!   body, idle) bound every relayed connection.
//! - An error on either side ends both.
//!
//! Bytes are counted as they are written, so `/metrics` is right while a long keep-alive
//! connection is still open.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Bytes read at once per direction (half a TLS record: an idle connection holds two of these).
const COPY_BUFFER: usize = 8 * 1024;

/// How long a client's bytes are still read (and dropped) once the enclave has closed.
pub const LINGER: Duration = Duration::from_secs(1);

/// The two byte counters a pipe adds to.
#[derive(Debug, Clone, Copy)]
pub struct Counters<'a> {
    /// Bytes from the client to the enclave.
    pub client_to_enclave: &'a AtomicU64,
    /// Bytes from the enclave to the client.
    pub enclave_to_client: &'a AtomicU64,
}

/// Relays `client` and `enclave` to each other until the enclave's side ends (or either side
/// fails); see the module docs for the half-close rules.
pub async fn pipe<C, E>(client: C, enclave: E, counters: Counters<'_>)
where
    C: AsyncRead + AsyncWrite + Unpin,
    E: AsyncRead + AsyncWrite + Unpin,
{
    let (client_read, client_write) = tokio::io::split(client);
    let (enclave_read, enclave_write) = tokio::io::split(enclave);
    let upstream = copy_from_client(client_read, enclave_write, counters.client_to_enclave);
    let downstream = copy(enclave_read, client_write, counters.enclave_to_client);
    tokio::pin!(upstream, downstream);
    tokio::select! {
        // The enclave is done (or a side failed): a lingering close, then stop.
        _ = &mut downstream => {
            let _ = tokio::time::timeout(LINGER, upstream).await;
        }
        sent = &mut upstream => {
            // The client ended its side cleanly: answers may still be on their way back.
            if sent.is_ok() {
                let _ = downstream.await;
            }
        }
    }
}

/// Copies the client's bytes to the enclave until the client ends its side (then half-closes
/// the enclave's) or fails. Once the enclave stops taking bytes, what the client sends is read
/// and dropped (the lingering close), so only the client's side ends this.
async fn copy_from_client<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    mut from: R,
    mut to: W,
    counter: &AtomicU64,
) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut enclave_open = true;
    loop {
        let n = read_chunk(&mut from, &mut buf).await?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            if enclave_open {
                let _ = to.shutdown().await;
            }
            return Ok(());
        };
        if enclave_open {
            if to.write_all(chunk).await.is_ok() {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            } else {
                enclave_open = false;
            }
        }
    }
}

/// Reads the next chunk of `from` into `buf`. An idle connection holds no copy buffer: the
/// first read takes one byte into `buf` as it is (empty), and only then is the buffer grown to
/// [`COPY_BUFFER`], so a connection that never sends costs its task and sockets alone.
async fn read_chunk<R: AsyncRead + Unpin>(from: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    if buf.is_empty() {
        let mut first = [0u8; 1];
        let n = from.read(&mut first).await?;
        buf.resize(COPY_BUFFER, 0);
        if let Some(slot) = buf.first_mut() {
            *slot = first[0];
        }
        return Ok(n);
    }
    from.read(buf).await
}

/// Copies `from` to `to` until `from` ends, then shuts `to` down (the half-close); counts each
/// chunk in `counter` once written.
async fn copy<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    mut from: R,
    mut to: W,
    counter: &AtomicU64,
) -> io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let n = read_chunk(&mut from, &mut buf).await?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            return to.shutdown().await;
        };
        to.write_all(chunk).await?;
        counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
