//! The stored records: keys (with their material and lifecycle state) and aliases — what the
//! keystore holds, what mutations carry and what the sealed state serializes.

use std::collections::BTreeMap;
use std::fmt;

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::grant::StoredGrant;
use crate::ciphertext_blob::MULTI_REGION_PREFIX;

/// Key material of a key: an id (what `KeyMaterialId` renders as 64 hex digits) and the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMaterial {
    /// Identifies this material inside ciphertext blobs.
    #[serde(with = "serde_bytes")]
    pub id: [u8; 32],
    /// The secret: 32 bytes for SYMMETRIC_DEFAULT, the HMAC key, a PKCS#8 private key (RSA, ECC,
    /// ML-DSA in seed form), or an ML-KEM key's FIPS 203 decapsulation key (raw `dk`).
    #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
    pub secret: SecretBytes,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("id", &hex::encode(self.id))
            .field("secret", &self.secret)
            .finish()
    }
}

/// Serializes a secret as a CBOR byte string (the sealed state's form of key material).
pub(super) fn ser_secret<S: Serializer>(secret: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(secret.expose())
}

/// Reads a secret written by [`ser_secret`] into a zeroizing buffer.
pub(super) fn de_secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
    let buf = serde_bytes::ByteBuf::deserialize(d)?;
    Ok(SecretBytes::new(buf.into_vec()))
}

/// A key's lifecycle state, with what each state needs to remember.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStateRecord {
    /// Usable.
    Enabled,
    /// Refuses cryptographic operations (`DisabledException`).
    Disabled,
    /// Scheduled for deletion at `deletion_date_ms` (`KMSInvalidStateException`).
    PendingDeletion {
        /// When the key is really deleted, ms since the epoch.
        deletion_date_ms: u64,
        /// The waiting period that was asked for (7..=30 days).
        window_days: u8,
    },
    /// An `EXTERNAL` key without key material (issue 18; appended so the encodings of the states
    /// above are unchanged): `KMSInvalidStateException` until ImportKeyMaterial.
    PendingImport,
    /// A multi-Region primary key scheduled for deletion while it still has replicas (issue 18;
    /// appended so the encodings of the states above are unchanged): refuses every use like
    /// `PendingDeletion`, with no deletion date yet. When the deletion sweep removes its last
    /// replica, the same commit makes it `PendingDeletion` with its date `window_days` later, as
    /// AWS starts the waiting period only then.
    PendingReplicaDeletion {
        /// The waiting period that was asked for (7..=30 days), started by the last replica's
        /// deletion.
        window_days: u8,
    },
}

/// A KMS key as the enclave stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// The key id (a lower-case UUID).
    pub key_id: String,
    /// Creation time, ms since the epoch.
    pub creation_date_ms: u64,
    /// Description given at creation.
    pub description: String,
    /// What kind of key this is.
    pub key_spec: KeySpec,
    /// What it may be used for.
    pub key_usage: KeyUsageType,
    /// Lifecycle state.
    pub state: KeyStateRecord,
    /// The key policy document, as text (returned verbatim by GetKeyPolicy).
    pub policy: String,
    /// Tags, by tag key.
    pub tags: BTreeMap<String, String>,
    /// The key material (absent only for specs the enclave keeps as metadata): the current one.
    pub material: Option<KeyMaterial>,
    /// Rotation (issue 18): the materials rotations replaced and the automatic schedule. Absent
    /// from keys written before it existed and left out of the encoding while it is the default
    /// (never rotated, rotation off), so such records and snapshots load and encode unchanged.
    #[serde(default, skip_serializing_if = "KeyRotation::is_default")]
    pub rotation: KeyRotation,
    /// Imported key material (issue 18): present exactly for `Origin=EXTERNAL` keys. Absent from
    /// keys written before it existed, and left out of the encoding when absent, so those load
    /// and encode unchanged. Boxed: most keys have none, and it keeps `Mutation` small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import: Option<Box<ImportedOrigin>>,
    /// The key's live grants (issue 18), oldest first. Absent from keys written before grants
    /// existed and left out of the encoding while empty, so such records load and encode
    /// unchanged; deleting the key drops them with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<StoredGrant>,
    /// The multi-Region configuration (issue 18) of an `mrk-` key: which region holds the
    /// primary and which the replicas, the same in every region's copy of the key (ReplicateKey
    /// and UpdatePrimaryRegion change every copy in one commit). Absent from single-Region keys
    /// and from `mrk-` keys written before it existed (those are primaries without replicas, see
    /// [`StoredKey::multi_region_in`]); left out of the encoding when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region: Option<Box<MultiRegionConfig>>,
}

/// Where the keys of one multi-Region key live: its primary's region and its replicas' regions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiRegionConfig {
    /// The region of the primary key.
    pub primary_region: String,
    /// The regions of the replica keys, sorted (never the primary's).
    pub replica_regions: Vec<String>,
}

impl MultiRegionConfig {
    /// Every region that holds a copy of the key: the primary's first, then the replicas'.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.primary_region.as_str())
            .chain(self.replica_regions.iter().map(String::as_str))
    }
}

/// What an `EXTERNAL` key remembers of its imports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedOrigin {
    /// The id of the first material imported (derived from the key id and the material): other
    /// material is `IncorrectKeyMaterialException`, the same bytes again get the same id, so the
    /// ciphertexts made before a deletion decrypt again after a re-import.
    #[serde(default, with = "serde_bytes")]
    pub first_material_id: Option<[u8; 32]>,
    /// When the current material expires, ms since the epoch (`None`: it does not expire).
    pub valid_to_ms: Option<u64>,
}

impl StoredKey {
    /// The multi-Region configuration of this key as stored in `region`: the stored one, or for
    /// an `mrk-` key written before configurations were stored, a primary in `region` with no
    /// replicas. `None` for a single-Region key.
    pub fn multi_region_in(&self, region: &str) -> Option<MultiRegionConfig> {
        match &self.multi_region {
            Some(config) => Some(config.as_ref().clone()),
            None if self.key_id.starts_with(MULTI_REGION_PREFIX) => Some(MultiRegionConfig {
                primary_region: region.to_owned(),
                replica_regions: Vec::new(),
            }),
            None => None,
        }
    }

    /// The material with this id: the current one or one a rotation replaced. Decrypt and
    /// ReEncrypt pick the material a ciphertext blob names, so blobs of every earlier material
    /// still open after any number of rotations.
    pub fn material_by_id(&self, id: &[u8; 32]) -> Option<&KeyMaterial> {
        self.material
            .iter()
            .chain(self.rotation.earlier_materials.iter())
            .find(|m| m.id == *id)
    }
}

/// How many on-demand rotations AWS allows per key (RotateKeyOnDemand's documentation: "You can
/// perform on-demand key rotation a maximum of 25 times per KMS key").
pub const MAX_ON_DEMAND_ROTATIONS: u32 = 25;

/// How a rotation happened (the model's `RotationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RotationKind {
    /// On the automatic schedule.
    Automatic,
    /// RotateKeyOnDemand.
    OnDemand,
}

impl RotationKind {
    /// The model's `RotationType` value.
    pub fn as_str(self) -> &'static str {
        match self {
            RotationKind::Automatic => "AUTOMATIC",
            RotationKind::OnDemand => "ON_DEMAND",
        }
    }
}

/// One completed rotation: which material it made current, when and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationRecord {
    /// The id of the material the rotation made current.
    #[serde(with = "serde_bytes")]
    pub material_id: [u8; 32],
    /// When, ms since the epoch.
    pub date_ms: u64,
    /// Automatic or on demand.
    pub kind: RotationKind,
}

/// A key's rotation state: earlier materials (kept so their ciphertexts still decrypt), the
/// completed rotations (oldest first) and the automatic schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    /// Whether automatic rotation is on.
    pub enabled: bool,
    /// The automatic rotation period in days (kept while enabled).
    pub period_days: Option<u32>,
    /// When the next automatic rotation is due, ms since the epoch (while enabled).
    pub next_rotation_ms: Option<u64>,
    /// How many on-demand rotations the key had (AWS allows 25).
    pub on_demand_count: u32,
    /// Materials that rotations replaced, oldest first.
    pub earlier_materials: Vec<KeyMaterial>,
    /// Completed rotations, oldest first.
    pub rotations: Vec<RotationRecord>,
}

impl KeyRotation {
    /// Never rotated and rotation off: what keys written before rotation existed load as.
    pub fn is_default(&self) -> bool {
        *self == KeyRotation::default()
    }
}

/// An alias as the enclave stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAlias {
    /// The full alias name, `alias/...`.
    pub name: String,
    /// The key it points at.
    pub target_key_id: String,
    /// Creation time, ms since the epoch.
    pub creation_date_ms: u64,
    /// Last time it was retargeted, ms since the epoch.
    pub last_updated_ms: u64,
}
