//! Read replicas that accept whole client connections: a mutation a replica's HTTP endpoint
//! authenticated is forwarded to the leader through the parent, and reads see every write
//! acknowledged before them (see `docs/horizontal-scale.md`, "Forwarding").
//!
//! The parent relays client connections as opaque byte streams, so a replica receives mutations
//! it cannot run (only the leader writes the sealed state). It forwards them: `Forward` (the
//! operation, the caller *this enclave* verified, the body) to the parent, which relays it to the
//! leader over the leader's control link; the leader answers `ForwardReply` (status, body, its
//! sealed-state position after the write) the same way back. The parent is hostile, so both are
//! authenticated with a key only enclaves sharing this sealed state derive (`key`), forwards are
//! fresh and used once (`replay`), and refusals are never MAC'd (`leader`).
//!
//! - [`key`]: [`ForwardKey`], derived from the sealing key with HKDF; the MACs and their inputs;
//! - [`replay`]: [`ReplayGuard`], the leader's freshness window and bounded nonce cache;
//! - [`pending`]: [`Pending`], the replica's bounded tables of answers it awaits, and their
//!   random ids;
//! - [`forwarder`]: [`ReplicaForward`], what the connections and the HTTP endpoint share, and
//!   the entry points they call;
//! - [`replica`]: forwarding a mutation and catching up to the reply's position before the client
//!   is answered;
//! - [`leader`]: checking and running a forward, MAC'ing the reply;
//! - [`read_barrier`]: before a read, asking the parent for the stored position (coalesced with
//!   [`coalesce`]) and catching up;
//! - [`errors`]: the KMS errors a client gets when forwarding fails, and why those.

pub mod coalesce;
pub mod errors;
pub mod forwarder;
pub mod key;
pub mod leader;
pub mod pending;
pub mod read_barrier;
pub mod replay;
pub mod replica;

pub use forwarder::ReplicaForward;
pub use key::{FORWARD_KEY_LABEL, ForwardKey};
pub use pending::Pending;
pub use replay::ReplayGuard;
