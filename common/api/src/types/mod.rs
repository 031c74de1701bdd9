//! Enums and structures shared by several KMS operations.
//!
//! - [`kms_enum`]: the [`KmsEnum`] trait every model enum implements (wire strings, the model's
//!   values, the values AWS accepts in requests and the order it lists them in), and the macro
//!   that declares one;
//! - [`enums`]: the shared enums themselves ([`KeySpec`], [`KeyState`], ...);
//! - [`structures`]: the shared structures ([`RecipientInfo`], [`Tag`], [`KeyMetadata`], ...) and
//!   the tag rules.
//!
//! Everything is re-exported here, so `nitro_kms_api::types::KeySpec` names it wherever it lives.

pub mod enums;
pub mod kms_enum;
pub mod structures;

#[cfg(test)]
mod tests;

pub use enums::{
    CustomerMasterKeySpec, DataKeyPairSpec, DataKeySpec, DryRunModifierType,
    EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec, ExpirationModelType,
    KeyAgreementAlgorithmSpec, KeyEncryptionMechanism, KeyManagerType, KeySpec, KeyState,
    KeyUsageType, MacAlgorithmSpec, MessageType, MultiRegionKeyType, OriginType, ResourceOwnerType,
    SigningAlgorithmSpec, rsa_oaep_max_plaintext_len,
};
pub use kms_enum::{KmsEnum, UnknownEnumValue};
pub use structures::{
    AliasListEntry, EncryptionContext, KeyListEntry, KeyMetadata, MAX_TAGS,
    MultiRegionConfiguration, MultiRegionKey, RecipientInfo, Tag, XksKeyConfiguration,
    check_tag_list, check_tag_rules,
};
