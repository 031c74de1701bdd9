//! The relay: each client connection accepted on `--listen` becomes one byte stream to an
//! enclave's own HTTP endpoint (`--enclave-http`), copied both ways untouched.
//!
//! The proxy does not parse HTTP, see TLS plaintext or verify SigV4 any more: the enclave
//! terminates TLS (with its attested certificate) and checks every signature itself, so what the
//! parent relays it cannot read (over TLS) or usefully change (a changed byte breaks the TLS
//! record or the signature). What the parent still decides is *where* and *whether* a connection
//! goes — it can drop or delay, never forge.
//!
//! - [`targets`]: the enclave HTTP addresses (`--enclave-http`, or `vsock://CID:PORT+1` beside a
//!   `vsock://CID:PORT` enclave);
//! - [`route`]: which enclave gets a new client connection (for now always the leader);
//! - [`listener`]: the accept loop, the connection cap, the connect timeout and the drain on
//!   shutdown;
//! - [`pipe`]: the copy itself, both ways, with half-close passed on and bytes counted as they
//!   move.

pub mod listener;
pub mod pipe;
pub mod route;
pub mod targets;

pub use listener::{Relay, serve};
