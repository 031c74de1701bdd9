//! The parent's connections to the enclave: a small pool of long-lived frame
//! connections, reconnected with backoff, that also serve the enclave's `Persist` frames.
//!
//! - Each pool slot has a supervisor task (`supervisor`): connect, Hello, then a reader
//!   (`connection`) that hands each frame to the handler of its family — `persist` answers
//!   `Persist` with the [`StateStore`](crate::StateStore) (on the blocking pool: it fsyncs),
//!   `sync` sends a replica its `Sync`s and records its `SyncAck`s, `ping` answers `Ping` with
//!   `Pong`, and `credentials` forwards the AWS credentials, `sealed_credentials` the sealed
//!   caller credentials (and logs the enclave's Acks), `forwarding` hands a replica's `Forward`
//!   and the leader's `ForwardReply` to the set's [`ForwardRelay`](crate::forward::ForwardRelay)
//!   and answers `PositionQuery`. When the connection drops the slot reconnects (100 ms doubling
//!   to 2 s).
//! - The link sends no KMS `Request` and expects no `Response`: since issue 16 (protocol version
//!   4) KMS requests reach the enclave over its own HTTP endpoint, and the enclave refuses a
//!   `Request` on the control link (the parent must not name the caller). A `Response` from the
//!   enclave ends the connection as unexpected.
//!
//! With several enclaves (the proxy's router) each has its own link, started with its [`Role`]:
//! the leader's link records every durable write in the shared
//! [`Replication`](crate::Replication) before it acknowledges it; a replica's link refuses the
//! replica's writes, sends it `Sync`s (first thing on every connection, then on every new
//! generation) and records its `SyncAck`s. A lone enclave ([`Role::Solo`],
//! [`EnclaveLink::start`]) does none of this.

mod config;
mod connection;
mod credentials;
mod forwarding;
mod persist;
mod ping;
mod pool;
mod role;
mod sealed_credentials;
mod slot;
mod supervisor;
mod sync;

pub use config::LinkConfig;
pub use pool::EnclaveLink;
pub use role::{REPLICA_WRITE_REFUSED, Role};
pub use sealed_credentials::SealedFile;

#[cfg(test)]
mod tests;
