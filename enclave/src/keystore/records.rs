//! The stored records: keys (with their material and lifecycle state) and aliases — what the
//! keystore holds, what mutations carry and what the sealed state serializes.

use std::collections::BTreeMap;
use std::fmt;

use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_crypto::secret::SecretBytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Key material of a key: an id (what `KeyMaterialId` renders as 64 hex digits) and the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMaterial {
    /// Identifies this material inside ciphertext blobs.
    #[serde(with = "serde_bytes")]
    pub id: [u8; 32],
    /// The secret: 32 bytes for SYMMETRIC_DEFAULT, the HMAC key, or a PKCS#8 private key.
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
    /// The key material (absent only for specs the enclave keeps as metadata).
    pub material: Option<KeyMaterial>,
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
