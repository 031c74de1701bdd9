//! Imported key material: GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial
//! (issue 18, part 5).
//!
//! Member names, bounds and enums are the model's (`kms-service-2.json`): `ImportToken` and
//! `EncryptedKeyMaterial` are `CiphertextType` (1 to 6144 bytes), `KeyMaterialId` is a
//! `BackingKeyIdType` (64 lower-case hex digits), `KeyMaterialDescription` is at most 256 of
//! `[a-zA-Z0-9:/_\s.-]`. The accepted sets leave out the China-only `SM2PKE` and `SM2`, as every
//! other accepted set here leaves out the SM2 family (see [`crate::types::kms_enum`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::blob::{Blob, Timestamp};
use crate::json::{Kind, Member, Shape};
use crate::types::kms_enum::{UnknownEnumValue, kms_enum};
use crate::types::{ExpirationModelType, KmsEnum};
use crate::validate::{Pattern, Validate, Violations};

/// The model's bounds of `ImportToken` and `EncryptedKeyMaterial` (`CiphertextType`).
const CIPHERTEXT_LEN: (usize, usize) = (1, 6144);
/// The model's bound of `KeyMaterialDescription`.
const DESCRIPTION_MAX: usize = 256;

/// `BackingKeyIdType`: lower-case hex.
pub const BACKING_KEY_ID_PATTERN: Pattern = Pattern {
    source: "^[a-f0-9]+$",
    matches: |s| !s.is_empty() && s.chars().all(|c| matches!(c, 'a'..='f' | '0'..='9')),
};

/// `KeyMaterialDescriptionType`: letters, digits, `:/_.-` and white space.
pub const KEY_MATERIAL_DESCRIPTION_PATTERN: Pattern = Pattern {
    source: r"^[a-zA-Z0-9:/_\s.-]+$",
    matches: |s| {
        !s.is_empty()
            && s.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || c.is_whitespace()
                    || matches!(c, ':' | '/' | '_' | '.' | '-')
            })
    },
};

kms_enum! {
    /// How key material is wrapped for ImportKeyMaterial (the model's `AlgorithmSpec`).
    AlgorithmSpec("AlgorithmSpec") {
        /// RSA PKCS#1 v1.5 (AWS stopped supporting it on October 10, 2023).
        RsaesPkcs1V15 = "RSAES_PKCS1_V1_5",
        /// RSA-OAEP with SHA-1 and MGF1-SHA-1.
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        /// RSA-OAEP with SHA-256 and MGF1-SHA-256.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        /// An AES-256 key wrapped with RSA-OAEP-SHA-1, the material with AES key wrap with padding.
        RsaAesKeyWrapSha1 = "RSA_AES_KEY_WRAP_SHA_1",
        /// An AES-256 key wrapped with RSA-OAEP-SHA-256, the material with AES key wrap with
        /// padding.
        RsaAesKeyWrapSha256 = "RSA_AES_KEY_WRAP_SHA_256",
        /// SM2 public key encryption (China regions only).
        Sm2pke = "SM2PKE",
    }
    accepted [RsaesPkcs1V15, RsaesOaepSha1, RsaesOaepSha256, RsaAesKeyWrapSha1, RsaAesKeyWrapSha256]
}

kms_enum! {
    /// The wrapping public key GetParametersForImport returns.
    WrappingKeySpec("WrappingKeySpec") {
        /// RSA with a 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// RSA with a 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// RSA with a 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// SM2 (China regions only).
        Sm2 = "SM2",
    }
    accepted [Rsa2048, Rsa3072, Rsa4096]
}

kms_enum! {
    /// Whether ImportKeyMaterial brings new material or material the key had before.
    ImportType("ImportType") {
        /// Material the key never had.
        NewKeyMaterial = "NEW_KEY_MATERIAL",
        /// Material imported into this key before.
        ExistingKeyMaterial = "EXISTING_KEY_MATERIAL",
    }
    accepted [NewKeyMaterial, ExistingKeyMaterial]
}

/// Request of GetParametersForImport.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetParametersForImportRequest {
    /// The `EXTERNAL` key (key ID or key ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// An [`AlgorithmSpec`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapping_algorithm: Option<String>,
    /// A [`WrappingKeySpec`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrapping_key_spec: Option<String>,
}

impl Shape for GetParametersForImportRequest {
    const NAME: &'static str = "GetParametersForImportRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("WrappingAlgorithm", Kind::String),
        Member::new("WrappingKeySpec", Kind::String),
    ];
}

impl Validate for GetParametersForImportRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("wrappingAlgorithm", self.wrapping_algorithm.is_some()) {
            v.enum_value::<AlgorithmSpec>("wrappingAlgorithm", self.wrapping_algorithm.as_deref());
        }
        if v.not_null("wrappingKeySpec", self.wrapping_key_spec.is_some()) {
            v.enum_value::<WrappingKeySpec>("wrappingKeySpec", self.wrapping_key_spec.as_deref());
        }
    }
}

impl GetParametersForImportRequest {
    /// The wrapping algorithm, once validated.
    pub fn wrapping_algorithm(&self) -> Option<AlgorithmSpec> {
        self.wrapping_algorithm
            .as_deref()
            .and_then(AlgorithmSpec::parse_accepted)
    }

    /// The wrapping key spec, once validated.
    pub fn wrapping_key_spec(&self) -> Option<WrappingKeySpec> {
        self.wrapping_key_spec
            .as_deref()
            .and_then(WrappingKeySpec::parse_accepted)
    }
}

/// Response of GetParametersForImport (members in ASCII order, as AWS writes them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetParametersForImportResponse {
    /// The token ImportKeyMaterial takes back (sealed by the enclave).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_token: Option<Blob>,
    /// The key's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// When the token and public key stop being valid (24 hours on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters_valid_to: Option<Timestamp>,
    /// The wrapping public key (DER SubjectPublicKeyInfo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Blob>,
}

impl Shape for GetParametersForImportResponse {
    const NAME: &'static str = "GetParametersForImportResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("ImportToken", Kind::Blob),
        Member::new("KeyId", Kind::String),
        Member::new("ParametersValidTo", Kind::Timestamp),
        Member::new("PublicKey", Kind::SensitiveBlob),
    ];
}

/// Request of ImportKeyMaterial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImportKeyMaterialRequest {
    /// The `EXTERNAL` key the token was made for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The token of GetParametersForImport.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_token: Option<Blob>,
    /// The material wrapped under the token's public key with its algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted_key_material: Option<Blob>,
    /// When the material expires (with `KEY_MATERIAL_EXPIRES` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Timestamp>,
    /// An [`ExpirationModelType`] (`KEY_MATERIAL_EXPIRES` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<String>,
    /// An [`ImportType`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_type: Option<String>,
    /// A description of the material.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_description: Option<String>,
    /// The id the material must have (re-imports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

impl Shape for ImportKeyMaterialRequest {
    const NAME: &'static str = "ImportKeyMaterialRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("ImportToken", Kind::Blob),
        Member::new("EncryptedKeyMaterial", Kind::Blob),
        Member::new("ValidTo", Kind::Timestamp),
        Member::new("ExpirationModel", Kind::String),
        Member::new("ImportType", Kind::String),
        Member::new("KeyMaterialDescription", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
    ];
}

impl Validate for ImportKeyMaterialRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("importToken", self.import_token.is_some()) {
            v.blob_len(
                "importToken",
                self.import_token.as_ref(),
                CIPHERTEXT_LEN.0,
                CIPHERTEXT_LEN.1,
            );
        }
        if v.not_null(
            "encryptedKeyMaterial",
            self.encrypted_key_material.is_some(),
        ) {
            v.blob_len(
                "encryptedKeyMaterial",
                self.encrypted_key_material.as_ref(),
                CIPHERTEXT_LEN.0,
                CIPHERTEXT_LEN.1,
            );
        }
        v.enum_value::<ExpirationModelType>("expirationModel", self.expiration_model.as_deref());
        v.enum_value::<ImportType>("importType", self.import_type.as_deref());
        let description = self.key_material_description.as_deref();
        v.str_len("keyMaterialDescription", description, 0, DESCRIPTION_MAX);
        if description.is_some_and(|d| !d.is_empty()) {
            v.pattern(
                "keyMaterialDescription",
                description,
                KEY_MATERIAL_DESCRIPTION_PATTERN,
            );
        }
        check_key_material_id(v, self.key_material_id.as_deref());
    }
}

/// `KeyMaterialId` (`BackingKeyIdType`): exactly 64 lower-case hex digits.
fn check_key_material_id(v: &mut Violations, id: Option<&str>) {
    v.str_len("keyMaterialId", id, 64, 64);
    v.pattern("keyMaterialId", id, BACKING_KEY_ID_PATTERN);
}

impl ImportKeyMaterialRequest {
    /// The expiration model, once validated (`KEY_MATERIAL_EXPIRES` when absent, as AWS).
    pub fn expiration_model(&self) -> ExpirationModelType {
        self.expiration_model
            .as_deref()
            .and_then(ExpirationModelType::parse_accepted)
            .unwrap_or(ExpirationModelType::KeyMaterialExpires)
    }

    /// The import type, once validated (absent: decided by the key's history).
    pub fn import_type(&self) -> Option<ImportType> {
        self.import_type
            .as_deref()
            .and_then(ImportType::parse_accepted)
    }
}

/// Response of ImportKeyMaterial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImportKeyMaterialResponse {
    /// The key's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The id of the imported material.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

impl Shape for ImportKeyMaterialResponse {
    const NAME: &'static str = "ImportKeyMaterialResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
    ];
}

/// Request of DeleteImportedKeyMaterial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteImportedKeyMaterialRequest {
    /// The `EXTERNAL` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The material to delete (the current one when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

impl Shape for DeleteImportedKeyMaterialRequest {
    const NAME: &'static str = "DeleteImportedKeyMaterialRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
    ];
}

impl Validate for DeleteImportedKeyMaterialRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        check_key_material_id(v, self.key_material_id.as_deref());
    }
}

/// Response of DeleteImportedKeyMaterial.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeleteImportedKeyMaterialResponse {
    /// The key's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The id of the deleted material.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

impl Shape for DeleteImportedKeyMaterialResponse {
    const NAME: &'static str = "DeleteImportedKeyMaterialResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
    ];
}

#[cfg(test)]
mod tests;
