//! # nitro-kms-parent-link: the parent's side of the control link, and the enclave's state on disk.
//!
//! An enclave has no disk and no network of its own; whatever plays its parent keeps a pool of
//! frame connections to it (the control link) and stores the enclave's sealed keystore when it
//! asks (`Persist` frames). KMS requests do not travel here: since issue 16 they reach the
//! enclave's own HTTP endpoint, and the enclave refuses `Request` frames, which no parent sends
//! any more ([`EnclaveLink`] has no way to). Two programs play that parent: the proxy
//! (`nitro-kms-proxy`, a byte relay in front of the enclave's endpoint) and the load generator
//! (`nitro-kms bench --enclave ... --control`, which sends its requests to the enclave's own HTTP
//! endpoint). This crate is what they share, so that the CLI an enclave application ships never
//! links the proxy:
//!
//! - [`enclave_link`]: [`EnclaveLink`], the pool of long-lived frame connections to
//!   one enclave (reconnected with backoff), and one handler per message family it serves;
//!   [`Role`] says whether the enclave is the only one, the leader or a read replica;
//! - [`state_store`]: [`StateStore`], the sealed snapshot, journal and seal-root blob under a
//!   state directory, which answers the enclave's `Persist` frames; [`sealed_headers`], what it
//!   reads of the files' clear headers (to refuse an append that does not follow the snapshot on
//!   disk), and [`stored_position`], the generation and sequence number it stored, for
//!   `/metrics`;
//! - [`state_lock`]: [`StateDirLock`], the exclusive lock a parent holds on its state directory;
//! - [`forward`]: [`ForwardRelay`], a read replica's `Forward`s to the leader and the leader's
//!   `ForwardReply`s back, relayed unchanged (the enclaves authenticate them);
//! - [`replication`]: [`Replication`], the sync generation and how far each read replica caught
//!   up (the leader's link bumps it, replicas' links report their `SyncAck`s);
//! - [`metrics`]: [`LinkMetrics`], the few events a link counts, implemented by the proxy's
//!   `/metrics` counters, and [`LinkCounters`] for parents that keep them to themselves.
//!
//! It knows nothing of HTTP, SigV4 or the proxy's relay.
//!
//! # Where this crate sits
//!
//! The shared crates under `common/` depend on each other in one direction only:
//!
//! ```text
//! nitro-kms-crypto       <- nitro-kms-wire, nitro-kms-api, nitro-kms-attest, nitro-kms-client
//! nitro-kms-wire         <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-api          <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-attest       <- nitro-kms-client                (and the enclave, the CLI)
//! nitro-kms-client       <- the enclave (seal root), the CLI, the example
//! nitro-kms-parent-link  <- the proxy, the CLI (`bench --enclave`), the end-to-end tests
//! ```
//!
//! The enclave never links it: it is the other end of the same link.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod enclave_link;
#[cfg(any(test, feature = "test-support"))]
pub mod fake_enclave;
pub mod forward;
mod lock;
pub mod metrics;
pub mod replication;
pub mod sealed_headers;
pub mod state_lock;
pub mod state_store;
pub mod stored_position;

pub use enclave_link::{EnclaveLink, LinkConfig, REPLICA_WRITE_REFUSED, Role, SealedFile};
pub use forward::ForwardRelay;
pub use metrics::{LinkCounters, LinkMetrics};
pub use replication::Replication;
pub use state_lock::{StateDirLock, StateLockError};
pub use state_store::StateStore;
pub use stored_position::StoredPosition;
