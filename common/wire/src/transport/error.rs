//! [`TransportError`]: why listening, accepting or connecting failed.

use std::io;

use super::address::Address;

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
