//! The enclave's durable state: the keystore, sealed, kept by the untrusted parent.
//!
//! The enclave has no disk, so everything it must remember goes to the parent encrypted under a
//! key the parent never sees. The pieces, from the key up:
//!
//! - [`sealing_key`]: where the sealing key comes from in simulation (a file in the simulated
//!   NSM's state directory) — and [`seal_root`]: where it comes from on Nitro (AWS KMS releases
//!   it to this enclave image only, through an attested `GenerateDataKey` or `Decrypt`);
//! - [`seal`]: the sealed format under that key ([`seal::SealingKey`]) — a snapshot of the whole
//!   keystore and a hash-chained journal of mutations, bytes in and bytes out;
//! - [`parent_link`]: the channel to the parent's storage — `Persist` frames out, `PersistAck`s
//!   back, riding on the connections the parent opened;
//! - [`sealed_store`]: [`SealedKeystore`], the in-memory keystore made durable by the two above —
//!   loaded at start, every mutation journaled and acknowledged before it takes effect;
//! - [`read_replica`]: when the parent makes this enclave a read replica (`Sync`), its sealed
//!   store stops writing and follows the leader's snapshot and journal instead;
//! - with `storage = "etcd"` (a fleet of parents), the same sealed bytes live in etcd instead of at
//!   the parent: [`etcd_connect`] opens it from the configuration (client identity:
//!   [`etcd_tls`]), [`etcd_store`] speaks to it (fenced writes, the leader's lease),
//!   [`etcd_metrics`] reports on it, and the sealed store's `etcd_backend` loads, writes and follows
//!   it.
//!
//! This module only declares its parts and re-exports the types most callers need.

pub mod etcd_connect;
pub mod etcd_metrics;
pub mod etcd_store;
pub mod etcd_tls;
pub mod parent_link;
pub mod read_replica;
pub mod seal;
pub mod seal_root;
pub mod sealed_store;
pub mod sealing_key;

pub use parent_link::ParentLink;
pub use read_replica::ReplicaSync;
pub use seal::SealingKey;
pub use sealed_store::SealedKeystore;
