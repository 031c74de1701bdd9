//! The enclave's keystore: every KMS key, alias, policy and tag the enclave owns, in memory.
//!
//! State changes only through [`Mutation`]s. An operation decides everything first (fresh ids,
//! dates, key material), checks that the mutation applies, has it journaled and acknowledged by
//! the parent, and only then applies it and answers — so a replayed journal rebuilds exactly the
//! state the callers were told about, and `apply` is deterministic (no clock, no randomness).
//!
//! The serialized forms ([`Keystore::to_snapshot_bytes`], [`Mutation::to_record_bytes`]) are
//! CBOR; they hold key material, so they are returned in zeroizing buffers and only ever leave the
//! enclave sealed (see `crate::storage::seal`).
//!
//! The parts, from the bottom up: `records` (the stored [`StoredKey`]s with their
//! [`KeyMaterial`] and [`KeyStateRecord`], and [`StoredAlias`]es), `mutation` (the [`Mutation`]s
//! that change them), `model` (the [`Keystore`] holding them, checking and applying mutations)
//! and `error` ([`KeystoreError`]); beside the keys, `service_identity` ([`ServiceIdentity`]: the
//! service's TLS CA and provisioning keys, made once at the first start) and
//! `caller_credentials` ([`CallerCredentials`]: the sealed access-key file in force); and
//! `grant` ([`StoredGrant`]s on their keys) and `grant_token_key` ([`GrantTokenKey`]), issue 18. This module
//! only declares them and re-exports their types.

mod caller_credentials;
mod error;
mod grant;
mod grant_token_key;
mod key_usage;
mod model;
mod mutation;
mod records;
mod service_identity;

pub use caller_credentials::CallerCredentials;
pub use error::KeystoreError;
pub use grant::{GrantConstraint, StoredGrant};
pub use grant_token_key::GrantTokenKey;
pub use key_usage::KeyUsageRecord;
pub use model::{Keystore, days_ms};
pub use mutation::{AliasGuard, Mutation};
pub use records::{
    ImportedOrigin, KeyMaterial, KeyRotation, KeyStateRecord, MAX_ON_DEMAND_ROTATIONS,
    MultiRegionConfig, RotationKind, RotationRecord, StoredAlias, StoredKey,
};
pub use service_identity::ServiceIdentity;
