//! The parent's connections to the enclave: a small pool of long-lived, multiplexed frame
//! connections, reconnected with backoff, that also serve the enclave's `Persist` frames.
//!
//! - Each pool slot has a supervisor task (`supervisor`): connect, Hello, then a reader
//!   (`connection`) that hands each frame to the handler of its family — `responses` routes
//!   `Response`s to the callers waiting for them, `persist` answers `Persist` with the
//!   [`StateStore`](crate::StateStore) (on the blocking pool: it fsyncs), `sync` sends a
//!   replica its `Sync`s and records its `SyncAck`s, `ping` answers `Ping` with `Pong`, and
//!   `credentials` forwards the AWS credentials, `sealed_credentials` the sealed caller
//!   credentials (and logs the enclave's Acks), `forwarding` hands a replica's `Forward` and the
//!   leader's `ForwardReply` to the set's [`ForwardRelay`](crate::forward::ForwardRelay) and
//!   answers `PositionQuery`. When the connection drops, every call waiting
//!   on it fails at once with a retryable error and the slot reconnects (100 ms doubling to 2 s).
//! - [`EnclaveLink::call`] waits for a free place in the bounded in-flight queue, picks a connected
//!   slot round-robin (respecting its negotiated `max_in_flight`), sends the request and waits for
//!   its answer — all within the request timeout. It never hangs: whatever cannot be delivered or
//!   answered in time becomes a 5xx the SDKs retry (`KMSInternalException`,
//!   `DependencyTimeoutException`).
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
mod relayed;
mod responses;
mod role;
mod sealed_credentials;
mod slot;
mod supervisor;
mod sync;

pub use config::LinkConfig;
pub use pool::EnclaveLink;
pub use relayed::Relayed;
pub use role::{REPLICA_WRITE_REFUSED, Role};
pub use sealed_credentials::SealedFile;

#[cfg(test)]
mod tests;
