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
//!
//! # Layout
//!
//! - [`address`], the address types [`Address`], [`Host`], [`PeerAddr`] and their parsing and
//!   display;
//! - [`error`], the error type [`TransportError`];
//! - [`listener`], binding and accepting: [`listen`] and [`Listener`];
//! - [`stream`], connecting: [`connect`] and [`Stream`].

pub mod address;
pub mod error;
pub mod listener;
pub mod stream;

#[cfg(test)]
mod tests;

pub use address::{
    Address, AddressError, Host, PeerAddr, UNIX_PATH_MAX, VSOCK_CID_ANY, VSOCK_PORT_ANY,
};
pub use error::TransportError;
pub use listener::{Listener, TCP_LISTEN_BACKLOG, listen};
pub use stream::{Stream, connect};
