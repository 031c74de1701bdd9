//! Transport addresses: [`Address`] (what to listen on or connect to), its [`Host`], and
//! [`PeerAddr`] (who connected); their parsing and canonical display. The syntax is in the
//! [transport docs](super).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

/// The vsock CID meaning "any" (`VMADDR_CID_ANY`), written `ANY`: what a listener binds to.
pub const VSOCK_CID_ANY: u32 = u32::MAX;

/// The vsock port meaning "any" (`VMADDR_PORT_ANY`), written `ANY`: the kernel picks a free port.
pub const VSOCK_PORT_ANY: u32 = u32::MAX;

/// Longest Unix socket path, in bytes: Linux's `sockaddr_un.sun_path` is 108 bytes including the
/// terminating NUL.
pub const UNIX_PATH_MAX: usize = 107;

/// Longest DNS name accepted as a TCP host, in bytes (RFC 1035, without the trailing dot).
const MAX_HOST_NAME_LEN: usize = 253;

/// Where to listen or connect: a vsock, Unix socket or TCP address. See the [transport docs](super)
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
        /// Port (0 when listening: the kernel picks one; see [`Listener::local_addr`](super::Listener::local_addr)).
        port: u16,
    },
}

/// The host part of a TCP address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A DNS name (lower-case), resolved on [`listen`](super::listen) or [`connect`](super::connect).
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
