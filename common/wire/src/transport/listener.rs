//! [`listen`] and [`Listener`]: binding and accepting on any of the three transports, including
//! the replacement of a stale Unix socket file (see the [transport docs](super)).

use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use tokio::net::{TcpListener, TcpSocket, UnixListener, UnixStream};
use tokio_vsock::{VsockAddr, VsockListener};

use super::address::{Address, Host, PeerAddr};
use super::error::TransportError;
use super::stream::Stream;

/// A bound listener on any of the three transports.
#[derive(Debug)]
pub struct Listener {
    inner: ListenerInner,
    /// The address it was asked to bind, for error messages.
    address: Address,
}

#[derive(Debug)]
enum ListenerInner {
    Vsock(VsockListener),
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// Binds a listener on `address`.
///
/// For Unix sockets, a stale socket file at the path is replaced; see the [transport docs](super).
pub async fn listen(address: &Address) -> Result<Listener, TransportError> {
    let listen_error = |source| TransportError::Listen {
        address: address.clone(),
        source,
    };
    let inner = match address {
        Address::Vsock { cid, port } => ListenerInner::Vsock(
            VsockListener::bind(VsockAddr::new(*cid, *port)).map_err(listen_error)?,
        ),
        Address::Unix(path) => {
            remove_stale_socket(address, path).await?;
            ListenerInner::Unix(UnixListener::bind(path).map_err(listen_error)?)
        }
        Address::Tcp { host, port } => ListenerInner::Tcp(
            match host {
                Host::Ip(ip) => bind_tcp(SocketAddr::new(*ip, *port)),
                Host::Name(name) => {
                    let mut result = Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        "the name resolves to no address",
                    ));
                    for addr in tokio::net::lookup_host((name.as_str(), *port))
                        .await
                        .map_err(listen_error)?
                    {
                        result = bind_tcp(addr);
                        if result.is_ok() {
                            break;
                        }
                    }
                    result
                }
            }
            .map_err(listen_error)?,
        ),
    };
    Ok(Listener {
        inner,
        address: address.clone(),
    })
}

/// Accept queue of TCP listeners. std's `TcpListener::bind` asks for 128; a burst of connects beyond
/// that (a fleet of SDK clients starting at once) then loses SYNs, and each costs its client a 1 s
/// retransmission. The kernel caps the request at `net.core.somaxconn`.
pub const TCP_LISTEN_BACKLOG: u32 = 4096;

/// Binds and listens on `addr` with [`TCP_LISTEN_BACKLOG`] (and `SO_REUSEADDR`, as std does).
fn bind_tcp(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(TCP_LISTEN_BACKLOG)
}

/// Makes way for binding a Unix socket at `path`: removes a socket nobody listens on, refuses
/// anything else that is there.
async fn remove_stale_socket(address: &Address, path: &Path) -> Result<(), TransportError> {
    let listen_error = |source| TransportError::Listen {
        address: address.clone(),
        source,
    };
    let metadata = match tokio::fs::symlink_metadata(path).await {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(listen_error(e)),
    };
    if !metadata.file_type().is_socket() {
        return Err(TransportError::NotASocket {
            address: address.clone(),
        });
    }
    match UnixStream::connect(path).await {
        // Someone accepted (or queued) the connection, or the backlog is full: a live listener.
        Ok(_) => {
            return Err(TransportError::InUse {
                address: address.clone(),
            });
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            return Err(TransportError::InUse {
                address: address.clone(),
            });
        }
        // Nobody listening: the socket is stale.
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
        // Gone in the meantime: nothing to remove.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(listen_error(e)),
    }
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(listen_error(e)),
        _ => Ok(()),
    }
}

impl Listener {
    /// Waits for the next connection.
    ///
    /// Errors are per connection (see [`TransportError::Accept`]); the listener stays usable.
    pub async fn accept(&self) -> Result<(Stream, PeerAddr), TransportError> {
        let accept_error = |source| TransportError::Accept {
            address: self.address.clone(),
            source,
        };
        match &self.inner {
            ListenerInner::Vsock(listener) => {
                let (stream, peer) = listener.accept().await.map_err(accept_error)?;
                Ok((
                    Stream::Vsock(stream),
                    PeerAddr::Vsock {
                        cid: peer.cid(),
                        port: peer.port(),
                    },
                ))
            }
            ListenerInner::Unix(listener) => {
                let (stream, peer) = listener.accept().await.map_err(accept_error)?;
                let peer = PeerAddr::Unix(peer.as_pathname().map(Path::to_path_buf));
                Ok((Stream::Unix(stream), peer))
            }
            ListenerInner::Tcp(listener) => {
                let (stream, peer) = listener.accept().await.map_err(accept_error)?;
                stream.set_nodelay(true).map_err(accept_error)?;
                Ok((Stream::Tcp(stream), PeerAddr::Tcp(peer)))
            }
        }
    }

    /// The address actually bound: with the port the kernel chose for `tcp://HOST:0` or
    /// `vsock://CID:ANY`, so that it can be handed to whoever must connect.
    pub fn local_addr(&self) -> Result<Address, TransportError> {
        let local_error = |source| TransportError::LocalAddr {
            address: self.address.clone(),
            source,
        };
        match &self.inner {
            ListenerInner::Vsock(listener) => {
                let local = listener.local_addr().map_err(local_error)?;
                Ok(Address::Vsock {
                    cid: local.cid(),
                    port: local.port(),
                })
            }
            ListenerInner::Unix(_) => Ok(self.address.clone()),
            ListenerInner::Tcp(listener) => {
                let local = listener.local_addr().map_err(local_error)?;
                Ok(Address::Tcp {
                    host: Host::Ip(local.ip()),
                    port: local.port(),
                })
            }
        }
    }
}

// Compile-time proof of what the docs promise: a `Listener` can be shared by an accept loop's tasks.
const _: fn() = || {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Listener>();
};
