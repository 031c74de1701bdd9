//! The structures of the KMS model shared by several operations: the attested recipient, tags
//! (with their list constraints and the service's tag rules), key metadata and list entries.
//!
//! Each declares its members once for the shape schema ([`crate::json::Shape`]); response
//! structures declare their fields in ASCII order of the JSON names, the order AWS writes them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, Timestamp};
use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::types::enums::{
    CustomerMasterKeySpec, EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec,
    ExpirationModelType, KeyAgreementAlgorithmSpec, KeyEncryptionMechanism, KeyManagerType,
    KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MultiRegionKeyType, OriginType,
    SigningAlgorithmSpec,
};
use crate::types::kms_enum::KmsEnum;
use crate::validate::{Validate, Violations};

/// An encryption context: non-secret string pairs bound to a ciphertext as AAD.
pub type EncryptionContext = HashMap<String, String>;

/// The attested party a response is wrapped for (Nitro Enclaves, NitroTPM).
///
/// With a `Recipient`, Decrypt, GenerateDataKey, GenerateDataKeyPair and GenerateRandom return
/// `CiphertextForRecipient` (an enveloped copy for the key in the attestation document) instead
/// of the plaintext.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecipientInfo {
    /// How to wrap for the recipient; only `RSAES_OAEP_SHA_256` exists (a [`KeyEncryptionMechanism`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_encryption_algorithm: Option<String>,
    /// The signed attestation document (COSE_Sign1) carrying the recipient's public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation_document: Option<Blob>,
}

impl Shape for RecipientInfo {
    const NAME: &'static str = "RecipientInfo";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyEncryptionAlgorithm", Kind::String),
        Member::new("AttestationDocument", Kind::Blob),
    ];
}

impl RecipientInfo {
    /// The key encryption algorithm, if present and valid.
    pub fn key_encryption_mechanism(&self) -> Option<KeyEncryptionMechanism> {
        self.key_encryption_algorithm
            .as_deref()
            .and_then(KeyEncryptionMechanism::parse_accepted)
    }

    /// Adds this structure's constraint violations under `path` (`recipient`).
    pub fn check_constraints_at(&self, path: &str, v: &mut Violations) {
        v.enum_value::<KeyEncryptionMechanism>(
            &format!("{path}.keyEncryptionAlgorithm"),
            self.key_encryption_algorithm.as_deref(),
        );
        v.blob_len(
            &format!("{path}.attestationDocument"),
            self.attestation_document.as_ref(),
            1,
            262_144,
        );
    }
}

/// A key-value tag on a KMS key.
///
/// Both members are required by the model; they are `Option`s so a request that omits one
/// reaches validation (and earns AWS's `must not be null` message) instead of failing to parse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key, 1 to 128 characters; `aws:` is reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_key: Option<String>,
    /// Tag value, 0 to 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_value: Option<String>,
}

impl Shape for Tag {
    const NAME: &'static str = "Tag";
    const MEMBERS: &'static [Member] = &[
        Member::new("TagKey", Kind::String),
        Member::new("TagValue", Kind::String),
    ];
}

impl Tag {
    /// A tag with both members.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            tag_key: Some(key.into()),
            tag_value: Some(value.into()),
        }
    }
}

/// Maximum number of tags on a key (and in one request).
pub const MAX_TAGS: usize = 50;

/// Model constraints of a tag list at `path` (`tags`): AWS renders each element as
/// `tags.<1-based index>.member.tagKey`.
pub fn check_tag_list(path: &str, tags: Option<&[Tag]>, v: &mut Violations) {
    for (index, tag) in tags.unwrap_or_default().iter().enumerate() {
        let base = format!("{path}.{}.member", index + 1);
        let key_path = format!("{base}.tagKey");
        if v.not_null(&key_path, tag.tag_key.is_some()) {
            v.str_len(&key_path, tag.tag_key.as_deref(), 1, 128);
        }
        let value_path = format!("{base}.tagValue");
        if v.not_null(&value_path, tag.tag_value.is_some()) {
            v.str_len(&value_path, tag.tag_value.as_deref(), 0, 256);
        }
    }
}

/// The service's tag rules (after model constraints): no duplicate keys, at most
/// [`MAX_TAGS`], no key starting with `aws:` in any case.
pub fn check_tag_rules(tags: &[Tag]) -> Result<(), KmsError> {
    let mut keys: Vec<&str> = tags.iter().filter_map(|t| t.tag_key.as_deref()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(KmsError::duplicate_tag_keys());
    }
    if tags.len() > MAX_TAGS {
        return Err(KmsError::too_many_tags());
    }
    if keys
        .iter()
        .any(|k| k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")))
    {
        return Err(KmsError::reserved_tag_key());
    }
    Ok(())
}

/// A multi-Region key and its region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionKey {
    /// Key ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Region of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Shape for MultiRegionKey {
    const NAME: &'static str = "MultiRegionKey";
    const MEMBERS: &'static [Member] = &[
        Member::new("Arn", Kind::String),
        Member::new("Region", Kind::String),
    ];
}

/// The primary and replicas of a multi-Region key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionConfiguration {
    /// Whether this key is the primary or a replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region_key_type: Option<MultiRegionKeyType>,
    /// The primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<MultiRegionKey>,
    /// The replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_keys: Option<Vec<MultiRegionKey>>,
}

impl Shape for MultiRegionConfiguration {
    const NAME: &'static str = "MultiRegionConfiguration";
    const MEMBERS: &'static [Member] = &[
        Member::new("MultiRegionKeyType", Kind::String),
        Member::new("PrimaryKey", Kind::Structure(MultiRegionKey::MEMBERS)),
        Member::new(
            "ReplicaKeys",
            Kind::List(&Kind::Structure(MultiRegionKey::MEMBERS)),
        ),
    ];
}

/// The external key of a key in an external key store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct XksKeyConfiguration {
    /// The external key's ID in the external key manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Shape for XksKeyConfiguration {
    const NAME: &'static str = "XksKeyConfigurationType";
    const MEMBERS: &'static [Member] = &[Member::new("Id", Kind::String)];
}

/// Everything DescribeKey (and CreateKey) says about a key.
///
/// Fields are declared in ASCII order of their JSON names because AWS's serializer writes members
/// sorted; serde writes them in declaration order, so the bytes match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    /// The owning account.
    #[serde(
        rename = "AWSAccountId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aws_account_id: Option<String>,
    /// The key ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The CloudHSM cluster of a CloudHSM key store key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_hsm_cluster_id: Option<String>,
    /// When the key was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// ID of the current key material (64 lower-case hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_key_material_id: Option<String>,
    /// The custom key store of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
    /// Deprecated twin of `KeySpec`, still sent by AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_master_key_spec: Option<CustomerMasterKeySpec>,
    /// When a key pending deletion will be deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    /// Description (may be empty; AWS sends `""` for keys created without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the key state is `Enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// KEM algorithms of an ML-KEM key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encapsulation_algorithms: Option<Vec<EncapsulationAlgorithmSpec>>,
    /// Encryption algorithms of an encryption key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_algorithms: Option<Vec<EncryptionAlgorithmSpec>>,
    /// Whether imported material expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<ExpirationModelType>,
    /// Key agreement algorithms of a KEY_AGREEMENT key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithms: Option<Vec<KeyAgreementAlgorithmSpec>>,
    /// The key ID (required by the model).
    pub key_id: String,
    /// AWS or customer managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_manager: Option<KeyManagerType>,
    /// The key spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<KeySpec>,
    /// The key state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_state: Option<KeyState>,
    /// The key usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<KeyUsageType>,
    /// MAC algorithms of an HMAC key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_algorithms: Option<Vec<MacAlgorithmSpec>>,
    /// Whether this is a multi-Region key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region: Option<bool>,
    /// Primary and replicas of a multi-Region key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_region_configuration: Option<MultiRegionConfiguration>,
    /// Where the key material comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<OriginType>,
    /// The deletion waiting period of a key pending deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<i32>,
    /// Signing algorithms of a signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_algorithms: Option<Vec<SigningAlgorithmSpec>>,
    /// When imported material expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Timestamp>,
    /// The external key of an external key store key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xks_key_configuration: Option<XksKeyConfiguration>,
}

impl Shape for KeyMetadata {
    const NAME: &'static str = "KeyMetadata";
    const MEMBERS: &'static [Member] = &[
        Member::new("AWSAccountId", Kind::String),
        Member::new("Arn", Kind::String),
        Member::new("CloudHsmClusterId", Kind::String),
        Member::new("CreationDate", Kind::Timestamp),
        Member::new("CurrentKeyMaterialId", Kind::String),
        Member::new("CustomKeyStoreId", Kind::String),
        Member::new("CustomerMasterKeySpec", Kind::String),
        Member::new("DeletionDate", Kind::Timestamp),
        Member::new("Description", Kind::String),
        Member::new("Enabled", Kind::Boolean),
        Member::new("EncapsulationAlgorithms", Kind::List(&Kind::String)),
        Member::new("EncryptionAlgorithms", Kind::List(&Kind::String)),
        Member::new("ExpirationModel", Kind::String),
        Member::new("KeyAgreementAlgorithms", Kind::List(&Kind::String)),
        Member::new("KeyId", Kind::String),
        Member::new("KeyManager", Kind::String),
        Member::new("KeySpec", Kind::String),
        Member::new("KeyState", Kind::String),
        Member::new("KeyUsage", Kind::String),
        Member::new("MacAlgorithms", Kind::List(&Kind::String)),
        Member::new("MultiRegion", Kind::Boolean),
        Member::new(
            "MultiRegionConfiguration",
            Kind::Structure(MultiRegionConfiguration::MEMBERS),
        ),
        Member::new("Origin", Kind::String),
        Member::new("PendingDeletionWindowInDays", Kind::Integer),
        Member::new("SigningAlgorithms", Kind::List(&Kind::String)),
        Member::new("ValidTo", Kind::Timestamp),
        Member::new(
            "XksKeyConfiguration",
            Kind::Structure(XksKeyConfiguration::MEMBERS),
        ),
    ];
}

/// One key in a ListKeys page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyListEntry {
    /// Key ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_arn: Option<String>,
    /// Key ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

impl Shape for KeyListEntry {
    const NAME: &'static str = "KeyListEntry";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyArn", Kind::String),
        Member::new("KeyId", Kind::String),
    ];
}

/// One alias in a ListAliases page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasListEntry {
    /// Alias ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_arn: Option<String>,
    /// Alias name (`alias/...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
    /// When the alias was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    /// When the alias was last pointed at a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_date: Option<Timestamp>,
    /// The key ID the alias points at (absent for predefined AWS aliases without a key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
}

impl Shape for AliasListEntry {
    const NAME: &'static str = "AliasListEntry";
    const MEMBERS: &'static [Member] = &[
        Member::new("AliasArn", Kind::String),
        Member::new("AliasName", Kind::String),
        Member::new("CreationDate", Kind::Timestamp),
        Member::new("LastUpdatedDate", Kind::Timestamp),
        Member::new("TargetKeyId", Kind::String),
    ];
}

impl Validate for RecipientInfo {
    fn check_constraints(&self, v: &mut Violations) {
        self.check_constraints_at("recipient", v);
    }
}
