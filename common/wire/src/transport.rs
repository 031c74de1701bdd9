//! One address type, listener and stream for the three transports nitro-kms runs over.
//!
//! In production the parent and the enclave talk over **vsock** (the only channel a Nitro enclave
//! has). On a laptop or in CI, where there is no enclave, the same binaries talk over a **Unix**
//! socket, or loopback **TCP**. Everything above this module — the frame codec in
//! [`crate`], the proxy, the enclave's server loop — is written once against [`Stream`],
//! which is any of the three, and is configured with one string that [`Address`] parses.
//!
//! # Address syntax
//!
//! | form                        | meaning                                                    |
//! |-----------------------------|------------------------------------------------------------|
//! | `vsock://CID:PORT`          | vsock; `CID` and `PORT` are decimal `u32`s                  |
//! | `vsock://ANY:PORT`          | any CID (`VMADDR_CID_ANY`, 0xFFFFFFFF): what a listener binds |
//! | `vsock://CID:ANY`           | any port (`VMADDR_PORT_ANY`): the kernel picks one on bind  |
//! | `unix:///absolute/path`     | a Unix stream socket at that path                          |
//! | `tcp://HOST:PORT`           | TCP; `HOST` is IPv4 (`127.0.0.1`), `[IPv6]` or a DNS name   |
//!
//! Decisions worth knowing:
//!
//! - Scheme names and `ANY` are case-insensitive; [`Display`](std::fmt::Display) renders the
//!   canonical form (lower-case scheme, `ANY`, decimal numbers, bracketed IPv6, lower-case host
//!   name), and parsing the rendered form gives back an equal [`Address`].
//! - `ANY` is the only vsock name. In particular there is no `HOST` (CID 2): in a Nitro enclave
//!   the parent instance is CID **3**, and a `HOST` alias would invite exactly the wrong number.
//! - Unix paths must be absolute (`unix:relative` and `unix://relative` are refused): the proxy
//!   and the enclave run as services whose working directory nobody thinks about, and a relative
//!   socket path would silently depend on it. The path is taken literally (no percent-decoding)
//!   and must fit `sockaddr_un` ([`UNIX_PATH_MAX`] bytes); Linux abstract sockets are not
//!   supported.
//! - IPv6 literals need brackets (`tcp://[::1]:80`), as in URLs; zone ids are not supported. A
//!   host that looks numeric but is no valid IPv4 address (`999.1.1.1`) is refused rather than
//!   sent to DNS.
//!
//! # Listening and connecting
//!
//! [`listen`] binds a [`Listener`], whose [`accept`](Listener::accept) yields a [`Stream`] and the
//! peer's [`PeerAddr`]; [`connect`] opens a [`Stream`]. TCP streams get `TCP_NODELAY`: frames are
//! small request/response messages, and Nagle's algorithm would hold each one back for an ACK.
//!
//! A Unix listener's path may hold a socket left behind by a previous run (sockets are files that
//! outlive their process). [`listen`] replaces it only if it **is** a socket and nobody is
//! listening on it, which it finds out by trying to connect: a refused connection means stale and
//! the file is removed; an accepted one means a live server, and [`listen`] fails with
//! [`TransportError::InUse`] rather than steal its address. A path holding anything else (a
//! regular file, a directory, a symlink) is never removed ([`TransportError::NotASocket`]). The
//! socket file is left in place when the listener is dropped, and replaced by the next `listen`.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream, UnixListener, UnixStream};
use tokio_vsock::{VsockAddr, VsockListener, VsockStream};

/// The vsock CID meaning "any" (`VMADDR_CID_ANY`), written `ANY`: what a listener binds to.
pub const VSOCK_CID_ANY: u32 = u32::MAX;

/// The vsock port meaning "any" (`VMADDR_PORT_ANY`), written `ANY`: the kernel picks a free port.
pub const VSOCK_PORT_ANY: u32 = u32::MAX;

/// Longest Unix socket path, in bytes: Linux's `sockaddr_un.sun_path` is 108 bytes including the
/// terminating NUL.
pub const UNIX_PATH_MAX: usize = 107;

/// Longest DNS name accepted as a TCP host, in bytes (RFC 1035, without the trailing dot).
const MAX_HOST_NAME_LEN: usize = 253;

/// Where to listen or connect: a vsock, Unix socket or TCP address. See the [module docs](self)
/// for the syntax.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// A vsock address. [`VSOCK_CID_ANY`] and [`VSOCK_PORT_ANY`] are only useful for listening.
    Vsock {
        /// Context id: the VM (3 is a Nitro enclave's parent; the enclave's own CID is chosen
        /// when it is started).
        cid: u32,
        /// Port.
        port: u32,
    },
    /// A Unix stream socket at an absolute path.
    Unix(PathBuf),
    /// A TCP address.
    Tcp {
        /// IP address or DNS name.
        host: Host,
        /// Port (0 when listening: the kernel picks one; see [`Listener::local_addr`]).
        port: u16,
    },
}

/// The host part of a TCP address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A DNS name (lower-case), resolved on [`listen`] or [`connect`].
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// An IPv4 address or a DNS name (lower-cased), with the same rules as the host of a `tcp://`
/// address: IPv6 needs the brackets of an address, so a bare `::1` is refused here. Exposed so
/// that other parsers of `host:port` text (the CONNECT target of [`crate::http_connect`]) judge
/// host names exactly as addresses do.
impl FromStr for Host {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_host(s)
    }
}

/// Why a string is not an [`Address`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not of the form `SCHEME://...` at all.
    #[error(
        "`{0}` is not an address; expected vsock://CID:PORT, unix:///ABSOLUTE/PATH or tcp://HOST:PORT"
    )]
    Malformed(String),
    /// A scheme other than `vsock`, `unix` and `tcp`.
    #[error("unknown address scheme `{0}`; expected vsock, unix or tcp")]
    UnknownScheme(String),
    /// A vsock or TCP address without a port.
    #[error("`{0}` lacks a port")]
    MissingPort(String),
    /// A port that is not a decimal number in range (or `ANY`, for vsock).
    #[error("invalid port `{0}`")]
    InvalidPort(String),
    /// A vsock CID that is neither a decimal `u32` nor `ANY`.
    #[error("invalid vsock CID `{0}`; expected a number up to 4294967295 or ANY")]
    InvalidCid(String),
    /// A TCP host that is neither an IP address nor a valid DNS name.
    #[error("invalid host `{0}` (IPv6 addresses need brackets: [::1])")]
    InvalidHost(String),
    /// A Unix socket path that is not absolute.
    #[error("unix socket path `{0}` is not absolute; write unix:///absolute/path")]
    RelativeUnixPath(String),
    /// A Unix socket path that cannot be bound (too long, or containing NUL).
    #[error("unix socket path `{path}` is invalid: {reason}")]
    InvalidUnixPath {
        /// The path.
        path: String,
        /// Why.
        reason: &'static str,
    },
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || AddressError::Malformed(s.to_owned());
        let (scheme, rest) = s.split_once(':').ok_or_else(malformed)?;
        match scheme.to_ascii_lowercase().as_str() {
            "unix" => parse_unix(rest),
            "vsock" => parse_vsock(s, rest.strip_prefix("//").ok_or_else(malformed)?),
            "tcp" => parse_tcp(s, rest.strip_prefix("//").ok_or_else(malformed)?),
            "" => Err(malformed()),
            _ => Err(AddressError::UnknownScheme(scheme.to_owned())),
        }
    }
}

/// Parses what follows `unix:`: `//` then an absolute path.
fn parse_unix(rest: &str) -> Result<Address, AddressError> {
    let path = match rest.strip_prefix("//") {
        Some(path) if path.starts_with('/') => path,
        Some(path) => return Err(AddressError::RelativeUnixPath(path.to_owned())),
        None => return Err(AddressError::RelativeUnixPath(rest.to_owned())),
    };
    if path.len() > UNIX_PATH_MAX {
        return Err(AddressError::InvalidUnixPath {
            path: path.to_owned(),
            reason: "longer than the 107 bytes sockaddr_un allows",
        });
    }
    if path.contains('\0') {
        return Err(AddressError::InvalidUnixPath {
            path: path.escape_default().to_string(),
            reason: "contains a NUL byte",
        });
    }
    Ok(Address::Unix(PathBuf::from(path)))
}

/// Parses `CID:PORT` after `vsock://`.
fn parse_vsock(whole: &str, rest: &str) -> Result<Address, AddressError> {
    let (cid, port) = rest
        .split_once(':')
        .ok_or_else(|| AddressError::MissingPort(whole.to_owned()))?;
    let cid = parse_u32_or_any(cid).ok_or_else(|| AddressError::InvalidCid(cid.to_owned()))?;
    if port.is_empty() {
        return Err(AddressError::MissingPort(whole.to_owned()));
    }
    let port = parse_u32_or_any(port).ok_or_else(|| AddressError::InvalidPort(port.to_owned()))?;
    Ok(Address::Vsock { cid, port })
}

/// A decimal `u32` (digits only: no sign, no spaces) or `ANY` (`u32::MAX`).
fn parse_u32_or_any(s: &str) -> Option<u32> {
    if s.eq_ignore_ascii_case("ANY") {
        Some(u32::MAX)
    } else {
        parse_decimal(s)
    }
}

/// Digits only: `u32::from_str` would also take a leading `+`.
fn parse_decimal<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `HOST:PORT` or `[IPV6]:PORT` after `tcp://`.
fn parse_tcp(whole: &str, rest: &str) -> Result<Address, AddressError> {
    let missing_port = || AddressError::MissingPort(whole.to_owned());
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (ip, tail) = bracketed
            .split_once(']')
            .ok_or_else(|| AddressError::InvalidHost(rest.to_owned()))?;
        let ip: Ipv6Addr = ip
            .parse()
            .map_err(|_| AddressError::InvalidHost(ip.to_owned()))?;
        let port = tail.strip_prefix(':').ok_or_else(missing_port)?;
        (Host::Ip(IpAddr::V6(ip)), port)
    } else {
        let (host, port) = rest.rsplit_once(':').ok_or_else(missing_port)?;
        (parse_host(host)?, port)
    };
    if port.is_empty() {
        return Err(missing_port());
    }
    let port = parse_decimal(port).ok_or_else(|| AddressError::InvalidPort(port.to_owned()))?;
    Ok(Address::Tcp { host, port })
}

/// An IPv4 address or a DNS name (letters, digits, `-` and `_` in dot-separated labels).
fn parse_host(host: &str) -> Result<Host, AddressError> {
    let invalid = || AddressError::InvalidHost(host.to_owned());
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    if host.is_empty() || host.len() > MAX_HOST_NAME_LEN {
        return Err(invalid());
    }
    let mut all_numeric = true;
    for label in host.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(invalid());
        }
        all_numeric &= label.bytes().all(|b| b.is_ascii_digit());
    }
    if all_numeric {
        // Looks like an IPv4 address but is not one (`999.1.1.1`, `1.2.3`): a typo, not a name.
        return Err(invalid());
    }
    Ok(Host::Name(host.to_ascii_lowercase()))
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Vsock { cid, port } => {
                f.write_str("vsock://")?;
                write_u32_or_any(f, *cid)?;
                f.write_str(":")?;
                write_u32_or_any(f, *port)
            }
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
            Address::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

fn write_u32_or_any(f: &mut fmt::Formatter<'_>, value: u32) -> fmt::Result {
    if value == u32::MAX {
        f.write_str("ANY")
    } else {
        write!(f, "{value}")
    }
}

/// The address of an accepted connection's peer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PeerAddr {
    /// A vsock peer: its CID tells which VM connected.
    Vsock {
        /// The peer's context id.
        cid: u32,
        /// The peer's (ephemeral) port.
        port: u32,
    },
    /// A Unix socket peer; clients are usually unbound, hence `None`.
    Unix(Option<PathBuf>),
    /// A TCP peer.
    Tcp(SocketAddr),
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAddr::Vsock { cid, port } => write!(f, "vsock://{cid}:{port}"),
            PeerAddr::Unix(Some(path)) => write!(f, "unix://{}", path.display()),
            PeerAddr::Unix(None) => f.write_str("unix:(unnamed)"),
            PeerAddr::Tcp(addr) => write!(f, "tcp://{addr}"),
        }
    }
}

/// Why listening, accepting or connecting failed. Every variant names the address involved.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Binding the listener failed (address in use, permission denied, or for vsock, a kernel
    /// without vsock support: "Address family not supported by protocol").
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: Address,
        /// The OS error.
        source: io::Error,
    },
    /// The Unix socket path holds something other than a socket, which is never removed.
    #[error("cannot listen on {address}: the path exists and is not a socket (not removing it)")]
    NotASocket {
        /// The address.
        address: Address,
    },
    /// The Unix socket path holds a socket a live process is listening on.
    #[error("cannot listen on {address}: another process is listening on it")]
    InUse {
        /// The address.
        address: Address,
    },
    /// Accepting a connection failed. Often transient (the peer gave up, or too many open files):
    /// a server loop usually logs it and keeps accepting.
    #[error("accepting a connection on {address} failed: {source}")]
    Accept {
        /// The listener's address.
        address: Address,
        /// The OS error.
        source: io::Error,
    },
    /// Connecting (or resolving the host name) failed.
    #[error("cannot connect to {address}: {source}")]
    Connect {
        /// The address.
        address: Address,
        /// The OS error.
        source: io::Error,
    },
    /// The listener's local address could not be read.
    #[error("cannot read the local address of the listener on {address}: {source}")]
    LocalAddr {
        /// The address the listener was bound to.
        address: Address,
        /// The OS error.
        source: io::Error,
    },
}

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
/// For Unix sockets, a stale socket file at the path is replaced; see the [module docs](self).
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

// Compile-time proof of what the docs promise: a `Stream` goes wherever tokio wants a stream, and a
// `Listener` can be shared by an accept loop's tasks.
const _: fn() = || {
    fn stream<T: AsyncRead + AsyncWrite + Unpin + Send + 'static>() {}
    fn shared<T: Send + Sync + 'static>() {}
    stream::<Stream>();
    shared::<Listener>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FramedReader, FramedWriter, Hello, Limits, Message, Request, Response, handshake};

    fn parse(s: &str) -> Result<Address, AddressError> {
        s.parse()
    }

    #[test]
    fn canonical_addresses_parse_and_display_back_identically() {
        let cases = [
            (
                "vsock://16:5000",
                Address::Vsock {
                    cid: 16,
                    port: 5000,
                },
            ),
            (
                "vsock://ANY:5000",
                Address::Vsock {
                    cid: VSOCK_CID_ANY,
                    port: 5000,
                },
            ),
            (
                "vsock://3:ANY",
                Address::Vsock {
                    cid: 3,
                    port: VSOCK_PORT_ANY,
                },
            ),
            (
                "vsock://4294967294:0",
                Address::Vsock {
                    cid: 4_294_967_294,
                    port: 0,
                },
            ),
            (
                "unix:///run/nitro-kms/enclave.sock",
                Address::Unix(PathBuf::from("/run/nitro-kms/enclave.sock")),
            ),
            (
                "unix:///tmp/with space",
                Address::Unix(PathBuf::from("/tmp/with space")),
            ),
            (
                "tcp://127.0.0.1:8000",
                Address::Tcp {
                    host: Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                    port: 8000,
                },
            ),
            (
                "tcp://[::1]:0",
                Address::Tcp {
                    host: Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                    port: 0,
                },
            ),
            (
                "tcp://kms.eu-west-1.amazonaws.com:443",
                Address::Tcp {
                    host: Host::Name("kms.eu-west-1.amazonaws.com".to_owned()),
                    port: 443,
                },
            ),
            (
                "tcp://localhost:65535",
                Address::Tcp {
                    host: Host::Name("localhost".to_owned()),
                    port: 65535,
                },
            ),
        ];
        for (text, address) in cases {
            assert_eq!(parse(text).as_ref(), Ok(&address), "{text}");
            assert_eq!(address.to_string(), text);
        }
    }

    #[test]
    fn non_canonical_spellings_parse_to_the_canonical_form() {
        let cases = [
            ("VSOCK://any:Any", "vsock://ANY:ANY"),
            ("vsock://4294967295:7", "vsock://ANY:7"),
            ("vsock://007:08", "vsock://7:8"),
            ("TCP://LocalHost:80", "tcp://localhost:80"),
            ("tcp://[0:0:0:0:0:0:0:1]:80", "tcp://[::1]:80"),
            ("Unix:///a", "unix:///a"),
        ];
        for (text, canonical) in cases {
            let address = parse(text).unwrap();
            assert_eq!(address.to_string(), canonical, "{text}");
            assert_eq!(parse(canonical).unwrap(), address);
        }
    }

    #[test]
    fn parse_rejects_unknown_or_missing_schemes() {
        assert_eq!(
            parse("http://127.0.0.1:80"),
            Err(AddressError::UnknownScheme("http".to_owned()))
        );
        for text in [
            "",
            "127.0.0.1",
            "://x:1",
            "tcp:127.0.0.1:80",
            "vsock:3:5000",
        ] {
            assert_eq!(
                parse(text),
                Err(AddressError::Malformed(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_a_missing_port() {
        for text in [
            "tcp://127.0.0.1",
            "tcp://127.0.0.1:",
            "tcp://[::1]",
            "tcp://[::1]:",
            "vsock://3",
            "vsock://3:",
        ] {
            assert_eq!(
                parse(text),
                Err(AddressError::MissingPort(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_invalid_ports() {
        for (text, port) in [
            ("tcp://127.0.0.1:65536", "65536"),
            ("tcp://127.0.0.1:+80", "+80"),
            ("tcp://127.0.0.1:80/", "80/"),
            ("tcp://127.0.0.1:ANY", "ANY"),
            ("vsock://3:4294967296", "4294967296"),
            ("vsock://3:-1", "-1"),
            ("vsock://3:5000:1", "5000:1"),
        ] {
            assert_eq!(
                parse(text),
                Err(AddressError::InvalidPort(port.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_cid_overflow_and_names_other_than_any() {
        for (text, cid) in [
            ("vsock://4294967296:5000", "4294967296"),
            ("vsock://HOST:5000", "HOST"),
            ("vsock://-1:5000", "-1"),
            ("vsock://:5000", ""),
        ] {
            assert_eq!(
                parse(text),
                Err(AddressError::InvalidCid(cid.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_relative_unix_paths() {
        for (text, path) in [
            ("unix:relative.sock", "relative.sock"),
            ("unix://relative.sock", "relative.sock"),
            ("unix:/abs/but/no/slashes", "/abs/but/no/slashes"),
            ("unix://", ""),
        ] {
            assert_eq!(
                parse(text),
                Err(AddressError::RelativeUnixPath(path.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_rejects_unix_paths_that_cannot_be_bound() {
        let longest = format!("/{}", "a".repeat(UNIX_PATH_MAX - 1));
        assert!(parse(&format!("unix://{longest}")).is_ok());
        let too_long = format!("unix://{longest}a");
        assert!(matches!(
            parse(&too_long),
            Err(AddressError::InvalidUnixPath { .. })
        ));
        assert!(matches!(
            parse("unix:///tmp/a\0b"),
            Err(AddressError::InvalidUnixPath {
                reason: "contains a NUL byte",
                ..
            })
        ));
    }

    #[test]
    fn parse_rejects_invalid_tcp_hosts() {
        for (text, host) in [
            ("tcp://::1:80", "::1"),
            ("tcp://[::1:80", "[::1:80"),
            ("tcp://[127.0.0.1]:80", "127.0.0.1"),
            ("tcp://999.1.1.1:80", "999.1.1.1"),
            ("tcp://1.2.3:80", "1.2.3"),
            ("tcp://:80", ""),
            ("tcp://bad host:80", "bad host"),
            ("tcp://user@host:80", "user@host"),
            ("tcp://-lead.example:80", "-lead.example"),
            ("tcp://double..dot:80", "double..dot"),
        ] {
            assert_eq!(
                parse(text),
                Err(AddressError::InvalidHost(host.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn address_errors_say_what_was_wrong() {
        let message = parse("unix:enclave.sock").unwrap_err().to_string();
        assert_eq!(
            message,
            "unix socket path `enclave.sock` is not absolute; write unix:///absolute/path"
        );
        let message = parse("vsock://4294967296:1").unwrap_err().to_string();
        assert!(message.contains("4294967296"), "{message}");
    }

    /// Serves one connection: Hello exchange, then answers each Request with a Response echoing
    /// its op and payload, until the client closes.
    async fn echo_one_connection(listener: Listener) -> Result<PeerAddr, crate::WireError> {
        let (mut stream, peer) = listener.accept().await.unwrap();
        let limits = handshake(&mut stream, &Hello::new(&Limits::default())).await?;
        let (read_half, write_half) = tokio::io::split(stream);
        let mut reader = FramedReader::new(read_half, &limits);
        let mut writer = FramedWriter::new(write_half, &limits);
        while let Some(message) = reader.read_message().await? {
            let Message::Request(request) = message else {
                panic!("unexpected {message:?}");
            };
            let mut payload = request.op.into_bytes();
            payload.extend_from_slice(&request.payload);
            writer
                .write_message(&Message::Response(Response::ok(request.id, payload)))
                .await?;
        }
        Ok(peer)
    }

    /// Connects, does the Hello exchange, sends three requests and checks the echoes.
    async fn echo_client(address: &Address) {
        let mut stream = connect(address).await.unwrap();
        let limits = handshake(&mut stream, &Hello::new(&Limits::default()))
            .await
            .unwrap();
        assert_eq!(limits, Limits::default());
        let (read_half, write_half) = tokio::io::split(stream);
        let mut reader = FramedReader::new(read_half, &limits);
        let mut writer = FramedWriter::new(write_half, &limits);
        for id in 1..=3u64 {
            let request = Request {
                id,
                op: "Encrypt".to_owned(),
                caller: "arn:aws:iam::111122223333:root".to_owned(),
                payload: format!("{{\"n\":{id}}}").into_bytes(),
            };
            writer
                .write_message(&Message::Request(request))
                .await
                .unwrap();
        }
        for id in 1..=3u64 {
            let Some(Message::Response(response)) = reader.read_message().await.unwrap() else {
                panic!("expected a response");
            };
            assert_eq!(response.id, id);
            assert_eq!(
                response.payload,
                format!("Encrypt{{\"n\":{id}}}").into_bytes()
            );
        }
        writer.shutdown().await.unwrap();
    }

    #[tokio::test]
    async fn unix_socket_carries_frames_between_listen_and_connect() {
        let dir = tempfile::tempdir().unwrap();
        let address = Address::Unix(dir.path().join("enclave.sock"));
        let listener = listen(&address).await.unwrap();
        assert_eq!(listener.local_addr().unwrap(), address);
        let server = tokio::spawn(echo_one_connection(listener));
        echo_client(&address).await;
        let peer = server.await.unwrap().unwrap();
        assert_eq!(peer, PeerAddr::Unix(None));
    }

    #[tokio::test]
    async fn tcp_loopback_carries_frames_between_listen_and_connect() {
        let listener = listen(&parse("tcp://127.0.0.1:0").unwrap()).await.unwrap();
        let address = listener.local_addr().unwrap();
        let Address::Tcp { host, port } = &address else {
            panic!("not a TCP address: {address}");
        };
        assert_eq!(*host, Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_ne!(*port, 0);
        let server = tokio::spawn(echo_one_connection(listener));
        echo_client(&address).await;
        let peer = server.await.unwrap().unwrap();
        assert!(
            matches!(peer, PeerAddr::Tcp(addr) if addr.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST)),
            "{peer}"
        );
    }

    #[tokio::test]
    async fn a_tcp_listener_queues_a_burst_of_connects_beyond_std_s_128() {
        // Nobody accepts: with std's backlog of 128 the connects past it lose their SYN and wait
        // for retransmissions that are never answered; with ours every one is queued at once.
        let listener = listen(&parse("tcp://127.0.0.1:0").unwrap()).await.unwrap();
        let Address::Tcp { port, .. } = listener.local_addr().unwrap() else {
            panic!("not TCP");
        };
        let mut held = Vec::new();
        for i in 0..300 {
            let connect = TcpStream::connect((Ipv4Addr::LOCALHOST, port));
            let stream = tokio::time::timeout(std::time::Duration::from_secs(5), connect)
                .await
                .unwrap_or_else(|_| panic!("connect {i} was not queued"))
                .unwrap();
            held.push(stream);
        }
        drop(listener);
    }

    #[tokio::test]
    async fn tcp_streams_have_nodelay_set_on_both_ends() {
        let listener = listen(&parse("tcp://127.0.0.1:0").unwrap()).await.unwrap();
        let address = listener.local_addr().unwrap();
        let (accepted, connected) = tokio::join!(listener.accept(), connect(&address));
        let (Stream::Tcp(accepted), _) = accepted.unwrap() else {
            panic!("accepted a non-TCP stream");
        };
        let Stream::Tcp(connected) = connected.unwrap() else {
            panic!("connected a non-TCP stream");
        };
        assert!(accepted.nodelay().unwrap());
        assert!(connected.nodelay().unwrap());
    }

    #[tokio::test]
    async fn unix_listen_replaces_a_stale_socket_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stale.sock");
        // A socket file whose listener is gone, as a crashed previous run leaves it.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let address = Address::Unix(path);
        let listener = listen(&address).await.unwrap();
        let server = tokio::spawn(echo_one_connection(listener));
        echo_client(&address).await;
        server.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn unix_listen_refuses_a_path_a_live_listener_holds() {
        let dir = tempfile::tempdir().unwrap();
        let address = Address::Unix(dir.path().join("live.sock"));
        let _live = listen(&address).await.unwrap();
        let result = listen(&address).await;
        assert!(
            matches!(&result, Err(TransportError::InUse { address: a }) if *a == address),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn unix_listen_never_removes_a_path_that_is_not_a_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("precious.txt");
        std::fs::write(&path, b"keep me").unwrap();
        let result = listen(&Address::Unix(path.clone())).await;
        assert!(
            matches!(result, Err(TransportError::NotASocket { .. })),
            "{result:?}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
    }

    #[tokio::test]
    async fn connect_errors_name_the_address() {
        let dir = tempfile::tempdir().unwrap();
        let address = Address::Unix(dir.path().join("nobody-home.sock"));
        let error = connect(&address).await.unwrap_err();
        assert!(
            matches!(&error, TransportError::Connect { source, .. } if source.kind() == io::ErrorKind::NotFound),
            "{error:?}"
        );
        assert!(error.to_string().contains(&address.to_string()), "{error}");
    }

    #[tokio::test]
    async fn vsock_listen_on_any_binds_or_reports_a_clear_error() {
        // Never connects: this machine has vsock but no vsock loopback, and a connect would go to
        // the hypervisor. Port ANY lets the kernel pick a free port, so concurrent test runs on
        // the same machine cannot collide.
        let address = parse("vsock://ANY:ANY").unwrap();
        match listen(&address).await {
            Ok(listener) => {
                let Address::Vsock { port, .. } = listener.local_addr().unwrap() else {
                    panic!("a vsock listener reported a non-vsock address");
                };
                assert_ne!(port, VSOCK_PORT_ANY, "the kernel should have picked a port");
            }
            Err(error) => {
                // No vsock in this kernel: the error must say which address and why.
                assert!(matches!(&error, TransportError::Listen { .. }), "{error:?}");
                let message = error.to_string();
                assert!(message.contains("vsock://ANY:ANY"), "{message}");
            }
        }
    }
}
