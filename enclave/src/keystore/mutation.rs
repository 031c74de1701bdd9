//! Mutations: the only way the keystore changes, and what the journal records.

use std::collections::BTreeMap;

use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Serialize};

use super::caller_credentials::CallerCredentials;
use super::error::KeystoreError;
use super::grant::StoredGrant;
use super::grant_token_key::GrantTokenKey;
use super::key_usage::KeyUsageRecord;
use super::records::{
    KeyMaterial, KeyStateRecord, MultiRegionConfig, RotationKind, StoredAlias, StoredKey,
};
use super::service_identity::ServiceIdentity;

/// One change to the keystore. Everything it needs (ids, dates, material) is inside, so applying
/// it is deterministic and replaying the journal rebuilds the same state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mutation {
    /// CreateKey: a new key with its material and policy.
    CreateKey(StoredKey),
    /// EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion.
    SetKeyState {
        /// The key.
        key_id: String,
        /// Its new state.
        state: KeyStateRecord,
    },
    /// PutKeyPolicy.
    PutKeyPolicy {
        /// The key.
        key_id: String,
        /// The new policy text.
        policy: String,
    },
    /// TagResource: adds or overwrites tags.
    TagResource {
        /// The key.
        key_id: String,
        /// Tag key -> value.
        tags: BTreeMap<String, String>,
    },
    /// UntagResource: removes tags (absent ones are ignored, as AWS does).
    UntagResource {
        /// The key.
        key_id: String,
        /// Tag keys to remove.
        tag_keys: Vec<String>,
    },
    /// The deletion window of a key passed: the key and its aliases are gone for good.
    DeleteKey {
        /// The key.
        key_id: String,
    },
    /// CreateAlias.
    CreateAlias(StoredAlias),
    /// UpdateAlias: points an alias at another key.
    UpdateAlias {
        /// The alias name.
        name: String,
        /// The new target.
        target_key_id: String,
        /// When, ms since the epoch.
        at_ms: u64,
        /// The target the caller was authorized on: see [`AliasGuard`].
        #[serde(skip)]
        guard: AliasGuard,
    },
    /// DeleteAlias.
    DeleteAlias {
        /// The alias name.
        name: String,
        /// The target the caller was authorized on: see [`AliasGuard`].
        #[serde(skip)]
        guard: AliasGuard,
    },
    /// The first start of a leader: the service's TLS CA and provisioning keys (issue 16). Applies
    /// only to a keystore that has none, so the identity never changes once made.
    CreateServiceIdentity(ServiceIdentity),
    /// Sealed caller credentials the enclave opened and parsed (issue 16): they replace the
    /// stored ones. Applies only when their serial is larger than the stored one's.
    ReplaceCallerCredentials(CallerCredentials),
    /// UpdateKeyDescription: replaces a key's description (issue 18). Declared last, so the
    /// encodings of the variants above (and journals written before it existed) are unchanged.
    UpdateKeyDescription {
        /// The key.
        key_id: String,
        /// The new description (may be empty).
        description: String,
    },
    /// EnableKeyRotation and DisableKeyRotation: the automatic rotation schedule (issue 18;
    /// appended after the variants above so their encodings are unchanged).
    SetKeyRotation {
        /// The key.
        key_id: String,
        /// Whether automatic rotation is on.
        enabled: bool,
        /// The period in days (while enabled).
        period_days: Option<u32>,
        /// When the next automatic rotation is due, ms since the epoch (while enabled).
        next_rotation_ms: Option<u64>,
    },
    /// RotateKeyOnDemand or a due automatic rotation: `material` becomes current, the one it
    /// replaces is kept so its ciphertexts still decrypt.
    RotateKey {
        /// The key.
        key_id: String,
        /// The new material.
        material: KeyMaterial,
        /// When, ms since the epoch.
        at_ms: u64,
        /// Automatic (moves the next rotation date one period past `at_ms`) or on demand
        /// (counts towards AWS's limit).
        kind: RotationKind,
    },
    /// ImportKeyMaterial (issue 18; appended so the variants above encode as before): `material`
    /// becomes the key's current material, a `PendingImport` key becomes `Enabled`.
    ImportKeyMaterial {
        /// The key.
        key_id: String,
        /// The unwrapped material (its id derived from the key id and the bytes).
        material: KeyMaterial,
        /// When it expires, ms since the epoch (`None`: it does not expire).
        valid_to_ms: Option<u64>,
    },
    /// DeleteImportedKeyMaterial, or the material's `ValidTo` passed: the key loses its material
    /// and becomes `PendingImport` (a key pending deletion stays so).
    DeleteImportedKeyMaterial {
        /// The key.
        key_id: String,
    },
    /// A change to the keys and aliases of a region other than the configured one (issue 18:
    /// the service serves every region of its allowlist, each with its own keys and aliases):
    /// `mutation` applies to that region's keystore ([`super::Keystore::region`]). Appended last,
    /// so the encodings above are unchanged; the configured region's mutations are never wrapped,
    /// so a state with one region is written exactly as before.
    InRegion {
        /// The region (`eu-west-1`).
        region: String,
        /// A key or alias mutation (never one of the service-wide ones, nor another `InRegion`).
        mutation: Box<Mutation>,
    },
    /// CreateGrant: a new grant on a key; `token_key` is the grant token key when the keystore
    /// has none yet (the first grant makes it; a keystore that has one keeps it).
    CreateGrant {
        /// The key.
        key_id: String,
        /// The grant.
        grant: StoredGrant,
        /// A fresh grant token key, used only if the keystore has none.
        token_key: Option<GrantTokenKey>,
    },
    /// RetireGrant or RevokeGrant: the grant is gone.
    DeleteGrant {
        /// The key.
        key_id: String,
        /// The grant's id.
        #[serde(with = "serde_bytes")]
        grant_id: [u8; 32],
    },
    /// ReplicateKey and UpdatePrimaryRegion (issue 18; appended so the encodings above are
    /// unchanged): a multi-Region key's configuration, set in one region's copy of the key.
    SetMultiRegion {
        /// The key (an `mrk-` id).
        key_id: String,
        /// Its primary and replica regions.
        config: Box<MultiRegionConfig>,
    },
    /// Mutations committed together (issue 18): every region's change of one multi-Region
    /// operation (ReplicateKey, UpdatePrimaryRegion, a rotation of a key with replicas) is one
    /// journal record, so the copies of a key never disagree after a crash. Applies all or
    /// nothing; never holds another `Batch`.
    Batch(Vec<Mutation>),
    /// The housekeeping timer's flush of the keys' last uses tracked in memory since the last
    /// flush (GetKeyLastUsage; appended last, so the encodings above are unchanged). A key gone
    /// since is skipped, and a record older than the stored one is ignored.
    RecordKeyUsage {
        /// Key id -> its last use.
        usage: BTreeMap<String, KeyUsageRecord>,
    },
}

/// The key an alias must still point at for an alias mutation to apply: the one the operation
/// authorized the caller on (UpdateAlias and DeleteAlias need the caller's permission on the
/// alias's current key). Checked under the writer's lock, so an alias moved by another request
/// between the authorization and the commit fails the mutation (`ConflictException`, retried by
/// the caller) instead of changing an alias whose key the caller was never authorized on.
///
/// Not journaled (`#[serde(skip)]`): it held when the record was written, and a replay applies the
/// records in that order, so it would hold again; journal records stay as they were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AliasGuard {
    /// No expectation (a replayed record).
    #[default]
    Any,
    /// The alias must point at this key id.
    PointsAt(String),
}

impl Mutation {
    /// The journal record for this mutation (CBOR), zeroizing: CreateKey and
    /// CreateServiceIdentity carry key material.
    pub fn to_record_bytes(&self) -> Result<SecretBytes, KeystoreError> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out).map_err(|e| KeystoreError::Encode(e.to_string()))?;
        Ok(SecretBytes::new(out))
    }

    /// Decodes a journal record.
    pub fn from_record_bytes(bytes: &[u8]) -> Result<Self, KeystoreError> {
        ciborium::from_reader(bytes).map_err(|e| KeystoreError::Decode(e.to_string()))
    }
}
