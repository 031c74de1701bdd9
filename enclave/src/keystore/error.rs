//! Why the keystore refused a mutation or a serialized state.

/// Why a mutation or a serialized state was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// The mutation names a key that does not exist.
    #[error("no key {0}")]
    NoSuchKey(String),
    /// The mutation creates a key that already exists.
    #[error("key {0} already exists")]
    KeyExists(String),
    /// The mutation rotates a key that has no material to rotate.
    #[error("key {0} has no key material to rotate")]
    NoMaterial(String),
    /// The mutation rotates a key on demand that had its 25 on-demand rotations (checked under
    /// the writer's lock, so concurrent requests cannot pass the limit).
    #[error("key {0} reached its on-demand rotation limit")]
    OnDemandRotationLimit(String),
    /// The mutation imports or deletes key material of a key whose origin is not `EXTERNAL`.
    #[error("key {0} has no imported key material")]
    NotExternal(String),
    /// The mutation deletes a grant the key does not have (retired or revoked meanwhile).
    #[error("key {0} has no grant {1}")]
    NoSuchGrant(String, String),
    /// The mutation creates a grant whose id the key already has.
    #[error("grant {0} already exists")]
    GrantExists(String),
    /// The mutation names an alias that does not exist.
    #[error("no alias {0}")]
    NoSuchAlias(String),
    /// The mutation creates an alias that already exists.
    #[error("alias {0} already exists")]
    AliasExists(String),
    /// An alias mutation expected the alias to point at another key (it moved meanwhile).
    #[error("alias {0} was changed by another request")]
    AliasMoved(String),
    /// The mutation creates the service identity, which exists already (it is made only once).
    #[error("the service identity exists already")]
    ServiceIdentityExists,
    /// The mutation replaces the caller credentials with a file whose serial is not larger than
    /// the stored one's: a replay or a rollback.
    #[error("sealed credentials serial {offered} is not newer than the stored serial {stored}")]
    CallerCredentialsNotNewer {
        /// The stored file's serial.
        stored: u64,
        /// The refused file's serial.
        offered: u64,
    },
    /// A region's mutation that is not a key or alias mutation (the service identity and the
    /// caller credentials are the service's, not a region's).
    #[error("not a mutation of region {0}'s keys and aliases")]
    NotRegional(String),
    /// A batch of mutations that holds another batch (batches are one level deep).
    #[error("a batch of mutations may not hold another batch")]
    NestedBatch,
    /// A serialized snapshot or record could not be decoded.
    #[error("cannot decode keystore state: {0}")]
    Decode(String),
    /// Serializing failed.
    #[error("cannot encode keystore state: {0}")]
    Encode(String),
}
