//! The enclave's keystore: every KMS key, alias, policy and tag the enclave owns, in memory.
//!
//! State changes only through [`Mutation`]s. An operation decides everything first (fresh ids,
//! dates, key material), checks that the mutation applies, has it journaled and acknowledged by
//! the parent, and only then applies it and answers — so a replayed journal rebuilds exactly the
//! state the callers were told about, and `apply` is deterministic (no clock, no randomness).
//!
//! The serialized forms ([`Keystore::to_snapshot_bytes`], [`Mutation::to_record_bytes`]) are
//! CBOR; they hold key material, so they are returned in zeroizing buffers and only ever leave the
//! enclave sealed (see the `seal` module).

mod model;
mod mutation;

pub use model::{KeyMaterial, KeyStateRecord, Keystore, StoredAlias, StoredKey};
pub use mutation::Mutation;

/// Why a mutation or a serialized state was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// The mutation names a key that does not exist.
    #[error("no key {0}")]
    NoSuchKey(String),
    /// The mutation creates a key that already exists.
    #[error("key {0} already exists")]
    KeyExists(String),
    /// The mutation names an alias that does not exist.
    #[error("no alias {0}")]
    NoSuchAlias(String),
    /// The mutation creates an alias that already exists.
    #[error("alias {0} already exists")]
    AliasExists(String),
    /// A serialized snapshot or record could not be decoded.
    #[error("cannot decode keystore state: {0}")]
    Decode(String),
    /// Serializing failed.
    #[error("cannot encode keystore state: {0}")]
    Encode(String),
}
