//! Key lifecycle: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion
//! and CancelKeyDeletion.

use serde::{Deserialize, Serialize};

use crate::blob::Timestamp;
use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::GRANT_TOKENS;
use crate::types::{
    CustomerMasterKeySpec, KeyListEntry, KeyMetadata, KeySpec, KeyState, KeyUsageType, KmsEnum,
    OriginType, ResourceOwnerType, Tag, check_tag_list, check_tag_rules,
};
use crate::validate::{POLICY_PATTERN, Validate, Violations, XKS_KEY_ID_PATTERN};

/// Request of CreateKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateKeyRequest {
    /// The key policy (JSON text); the default policy if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// A description, up to 8192 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A [`KeyUsageType`]; required for every spec but `SYMMETRIC_DEFAULT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<String>,
    /// Deprecated twin of `KeySpec` ([`CustomerMasterKeySpec`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_master_key_spec: Option<String>,
    /// A [`KeySpec`]; `SYMMETRIC_DEFAULT` if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    /// An [`OriginType`]; `AWS_KMS` if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// A custom key store to create the key in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
    /// Skip the check that the policy does not lock the caller out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass_policy_lockout_safety_check: Option<bool>,
    /// Tags for the new key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// Create a multi-Region primary key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_region: Option<bool>,
    /// The external key of an external key store key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xks_key_id: Option<String>,
}

impl Shape for CreateKeyRequest {
    const NAME: &'static str = "CreateKeyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("Policy", Kind::String),
        Member::new("Description", Kind::String),
        Member::new("KeyUsage", Kind::String),
        Member::new("CustomerMasterKeySpec", Kind::String),
        Member::new("KeySpec", Kind::String),
        Member::new("Origin", Kind::String),
        Member::new("CustomKeyStoreId", Kind::String),
        Member::new("BypassPolicyLockoutSafetyCheck", Kind::Boolean),
        Member::new("Tags", Kind::List(&Kind::Structure(Tag::MEMBERS))),
        Member::new("MultiRegion", Kind::Boolean),
        Member::new("XksKeyId", Kind::String),
    ];
}

impl CreateKeyRequest {
    /// The key spec to create: `KeySpec`, else `CustomerMasterKeySpec`, else `SYMMETRIC_DEFAULT`
    /// (`None` if the given value is not valid).
    pub fn key_spec(&self) -> Option<KeySpec> {
        match (&self.key_spec, &self.customer_master_key_spec) {
            (Some(spec), _) => KeySpec::parse_accepted(spec),
            (None, Some(spec)) => {
                CustomerMasterKeySpec::parse_accepted(spec).map(CustomerMasterKeySpec::key_spec)
            }
            (None, None) => Some(KeySpec::SymmetricDefault),
        }
    }

    /// The key usage: `KeyUsage`, else `ENCRYPT_DECRYPT` for symmetric keys (`None` if invalid
    /// or missing for a spec that needs it).
    pub fn key_usage(&self) -> Option<KeyUsageType> {
        match &self.key_usage {
            Some(usage) => KeyUsageType::parse_accepted(usage),
            None if self.key_spec() == Some(KeySpec::SymmetricDefault) => {
                Some(KeyUsageType::EncryptDecrypt)
            }
            None => None,
        }
    }

    /// The origin (`AWS_KMS` if absent; `None` if invalid).
    pub fn origin(&self) -> Option<OriginType> {
        match &self.origin {
            Some(origin) => OriginType::parse_accepted(origin),
            None => Some(OriginType::AwsKms),
        }
    }
}

impl Validate for CreateKeyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.str_len("policy", self.policy.as_deref(), 1, 131_072);
        v.pattern("policy", self.policy.as_deref(), POLICY_PATTERN);
        v.str_len("description", self.description.as_deref(), 0, 8192);
        v.enum_value::<KeyUsageType>("keyUsage", self.key_usage.as_deref());
        v.enum_value::<CustomerMasterKeySpec>(
            "customerMasterKeySpec",
            self.customer_master_key_spec.as_deref(),
        );
        v.enum_value::<KeySpec>("keySpec", self.key_spec.as_deref());
        v.enum_value::<OriginType>("origin", self.origin.as_deref());
        v.str_len(
            "customKeyStoreId",
            self.custom_key_store_id.as_deref(),
            1,
            64,
        );
        check_tag_list("tags", self.tags.as_deref(), v);
        v.str_len("xksKeyId", self.xks_key_id.as_deref(), 1, 128);
        v.pattern("xksKeyId", self.xks_key_id.as_deref(), XKS_KEY_ID_PATTERN);
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        if let Some(tags) = &self.tags {
            check_tag_rules(tags)?;
        }
        // Constraints passed, so both are valid (or absent).
        let spec = self.key_spec().unwrap_or(KeySpec::SymmetricDefault);
        match &self.key_usage {
            None if spec != KeySpec::SymmetricDefault => Err(KmsError::key_usage_required()),
            Some(usage) => match KeyUsageType::parse_accepted(usage) {
                Some(parsed) if !spec.allowed_usages().contains(&parsed) => Err(
                    KmsError::key_usage_incompatible(parsed.as_str(), spec.as_str()),
                ),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }
}

/// Response of CreateKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateKeyResponse {
    /// The new key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_metadata: Option<KeyMetadata>,
}

impl Shape for CreateKeyResponse {
    const NAME: &'static str = "CreateKeyResponse";
    const MEMBERS: &'static [Member] = &[Member::new(
        "KeyMetadata",
        Kind::Structure(KeyMetadata::MEMBERS),
    )];
}

/// Request of DescribeKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeKeyRequest {
    /// The key (any of the four identifier forms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
}

impl Shape for DescribeKeyRequest {
    const NAME: &'static str = "DescribeKeyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
    ];
}

impl Validate for DescribeKeyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of DescribeKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeKeyResponse {
    /// The key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_metadata: Option<KeyMetadata>,
}

impl Shape for DescribeKeyResponse {
    const NAME: &'static str = "DescribeKeyResponse";
    const MEMBERS: &'static [Member] = &[Member::new(
        "KeyMetadata",
        Kind::Structure(KeyMetadata::MEMBERS),
    )];
}

/// Request of ListKeys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeysRequest {
    /// Page size, 1 to 1000 (default 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// `NextMarker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Whose keys to list ([`ResourceOwnerType`]), one or two values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_owners: Option<Vec<String>>,
}

impl Shape for ListKeysRequest {
    const NAME: &'static str = "ListKeysRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("Limit", Kind::Integer),
        Member::new("Marker", Kind::String),
        Member::new("ResourceOwners", Kind::List(&Kind::String)),
    ];
}

impl Validate for ListKeysRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.pagination(self.limit, self.marker.as_deref());
        v.list_len("resourceOwners", self.resource_owners.as_deref(), 1, 2);
        v.enum_list::<ResourceOwnerType>("resourceOwners", self.resource_owners.as_deref());
    }
}

/// Response of ListKeys (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListKeysResponse {
    /// The page of keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<KeyListEntry>>,
    /// Marker of the next page, when `Truncated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// Whether more pages follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

impl Shape for ListKeysResponse {
    const NAME: &'static str = "ListKeysResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("Keys", Kind::List(&Kind::Structure(KeyListEntry::MEMBERS))),
        Member::new("NextMarker", Kind::String),
        Member::new("Truncated", Kind::Boolean),
    ];
}

/// Declares a request whose only member is a required `KeyId` (EnableKey and friends).
macro_rules! key_id_request {
    ($(#[$doc:meta])* $name:ident, $shape:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase", default)]
        pub struct $name {
            /// The key (key ID or key ARN; AWS rejects aliases here at lookup).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub key_id: Option<String>,
        }

        impl Shape for $name {
            const NAME: &'static str = $shape;
            const MEMBERS: &'static [Member] = &[Member::new("KeyId", Kind::String)];
        }

        impl Validate for $name {
            fn check_constraints(&self, v: &mut Violations) {
                v.key_id("keyId", self.key_id.as_deref(), true);
            }
        }
    };
}

key_id_request!(
    /// Request of EnableKey (no output).
    EnableKeyRequest,
    "EnableKeyRequest"
);
key_id_request!(
    /// Request of DisableKey (no output).
    DisableKeyRequest,
    "DisableKeyRequest"
);
key_id_request!(
    /// Request of CancelKeyDeletion.
    CancelKeyDeletionRequest,
    "CancelKeyDeletionRequest"
);

/// Response of CancelKeyDeletion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CancelKeyDeletionResponse {
    /// ARN of the key, now `Disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

impl Shape for CancelKeyDeletionResponse {
    const NAME: &'static str = "CancelKeyDeletionResponse";
    const MEMBERS: &'static [Member] = &[Member::new("KeyId", Kind::String)];
}

/// The waiting periods the service accepts (the model allows 1 to 365).
pub const PENDING_WINDOW_DAYS: std::ops::RangeInclusive<i32> = 7..=30;

/// Default waiting period of ScheduleKeyDeletion.
pub const DEFAULT_PENDING_WINDOW_DAYS: i32 = 30;

/// Request of ScheduleKeyDeletion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScheduleKeyDeletionRequest {
    /// The key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Waiting period in days, 7 to 30 (default 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_window_in_days: Option<i32>,
}

impl Shape for ScheduleKeyDeletionRequest {
    const NAME: &'static str = "ScheduleKeyDeletionRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("PendingWindowInDays", Kind::Integer),
    ];
}

impl ScheduleKeyDeletionRequest {
    /// The waiting period, with the default applied.
    pub fn pending_window_in_days(&self) -> i32 {
        self.pending_window_in_days
            .unwrap_or(DEFAULT_PENDING_WINDOW_DAYS)
    }
}

impl Validate for ScheduleKeyDeletionRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.int_range("pendingWindowInDays", self.pending_window_in_days, 1, 365);
    }

    /// The documented 7..=30 range. AWS's wording for it was not recorded; we use the
    /// constraint format with the service's bounds.
    fn check_rules(&self) -> Result<(), KmsError> {
        let mut v = Violations::new();
        v.int_range(
            "pendingWindowInDays",
            self.pending_window_in_days,
            *PENDING_WINDOW_DAYS.start(),
            *PENDING_WINDOW_DAYS.end(),
        );
        v.into_result()
    }
}

/// Response of ScheduleKeyDeletion (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ScheduleKeyDeletionResponse {
    /// When the key will be deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    /// ARN of the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The new key state (`PendingDeletion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_state: Option<KeyState>,
    /// The waiting period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_window_in_days: Option<i32>,
}

impl Shape for ScheduleKeyDeletionResponse {
    const NAME: &'static str = "ScheduleKeyDeletionResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("DeletionDate", Kind::Timestamp),
        Member::new("KeyId", Kind::String),
        Member::new("KeyState", Kind::String),
        Member::new("PendingWindowInDays", Kind::Integer),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;
    use crate::json::parse;
    use crate::types::{EncryptionAlgorithmSpec, KeyManagerType};

    fn create(body: &str) -> Result<CreateKeyRequest, KmsError> {
        parse(body.as_bytes())
    }

    #[test]
    fn create_key_deserializes_a_boto3_body() {
        let req = create(
            r#"{"Description":"app key","KeyUsage":"ENCRYPT_DECRYPT","KeySpec":"SYMMETRIC_DEFAULT","Origin":"AWS_KMS","Tags":[{"TagKey":"team","TagValue":"core"}],"MultiRegion":false}"#,
        )
        .unwrap();
        assert_eq!(req.key_spec(), Some(KeySpec::SymmetricDefault));
        assert_eq!(req.key_usage(), Some(KeyUsageType::EncryptDecrypt));
        assert_eq!(req.origin(), Some(OriginType::AwsKms));
        assert_eq!(req.tags.unwrap(), [Tag::new("team", "core")]);
        // An empty body creates a symmetric key with defaults.
        let req = create("").unwrap();
        assert_eq!(req.key_spec(), Some(KeySpec::SymmetricDefault));
        assert_eq!(req.key_usage(), Some(KeyUsageType::EncryptDecrypt));
    }

    #[test]
    fn create_key_rejects_an_unknown_key_spec_with_the_recorded_value_set() {
        let err =
            create(r#"{"KeySpec":"HMAC_random","KeyUsage":"GENERATE_VERIFY_MAC"}"#).unwrap_err();
        // The recorded message, followed by the specs the model gained after the recording.
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024]"
        );
        assert!(err.message().starts_with(
            "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512"
        ));
    }

    #[test]
    fn create_key_rejects_an_unknown_key_usage_with_the_recorded_value_set() {
        let err = create(r#"{"KeySpec":"HMAC_256","KeyUsage":"RANDOM"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]"
        );
    }

    #[test]
    fn create_key_requires_key_usage_for_non_symmetric_specs_with_recorded_text() {
        let err =
            create(r#"{"Description":"test HMAC key without key usage","KeySpec":"HMAC_256"}"#)
                .unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Validation);
        assert_eq!(
            err.message(),
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
        );
        // The deprecated member counts too.
        let err = create(r#"{"CustomerMasterKeySpec":"RSA_2048"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
        );
    }

    #[test]
    fn create_key_rejects_an_incompatible_key_usage_with_recorded_text() {
        let err = create(r#"{"KeySpec":"RSA_2048","KeyUsage":"KEY_AGREEMENT"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048"
        );
        assert!(create(r#"{"KeySpec":"ECC_NIST_P256","KeyUsage":"KEY_AGREEMENT"}"#).is_ok());
        assert!(create(r#"{"KeySpec":"RSA_4096","KeyUsage":"SIGN_VERIFY"}"#).is_ok());
    }

    /// Every KeySpec/KeyUsage pair, as the CreateKey API reference's `KeySpec` table lists the
    /// usages of each spec (SM2 is refused before this rule outside China, see below).
    #[test]
    fn create_key_accepts_exactly_the_usages_the_api_reference_lists_for_each_spec() {
        let table: [(&str, &[&str]); 8] = [
            ("SYMMETRIC_DEFAULT", &["ENCRYPT_DECRYPT"]),
            ("RSA_2048", &["ENCRYPT_DECRYPT", "SIGN_VERIFY"]),
            ("ECC_NIST_P384", &["SIGN_VERIFY", "KEY_AGREEMENT"]),
            ("ECC_SECG_P256K1", &["SIGN_VERIFY"]),
            ("ECC_NIST_EDWARDS25519", &["SIGN_VERIFY"]),
            ("HMAC_512", &["GENERATE_VERIFY_MAC"]),
            ("ML_DSA_65", &["SIGN_VERIFY"]),
            ("ML_KEM_768", &["ENCAPSULATE_DECAPSULATE"]),
        ];
        let usages = [
            "ENCRYPT_DECRYPT",
            "SIGN_VERIFY",
            "GENERATE_VERIFY_MAC",
            "KEY_AGREEMENT",
            "ENCAPSULATE_DECAPSULATE",
        ];
        for (spec, allowed) in table {
            for usage in usages {
                let result = create(&format!(r#"{{"KeySpec":"{spec}","KeyUsage":"{usage}"}}"#));
                if allowed.contains(&usage) {
                    assert!(result.is_ok(), "{spec} {usage}");
                } else {
                    assert_eq!(
                        result.unwrap_err().message(),
                        format!("KeyUsage {usage} is not compatible with KeySpec {spec}")
                    );
                }
            }
        }
        for spec in ["RSA_3072", "RSA_4096"] {
            assert_eq!(
                KeySpec::parse_accepted(spec).unwrap().allowed_usages(),
                KeySpec::Rsa2048.allowed_usages()
            );
        }
    }

    #[test]
    fn create_key_rejects_sm2_outside_china_regions() {
        let err = create(r#"{"KeySpec":"SM2","KeyUsage":"SIGN_VERIFY"}"#).unwrap_err();
        assert!(err.message().starts_with(
            "1 validation error detected: Value 'SM2' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: ["
        ));
    }

    #[test]
    fn create_key_rejects_a_too_long_tag_value_with_recorded_text() {
        let value = "v".repeat(257);
        let body = format!(r#"{{"Tags":[{{"TagKey":"k","TagValue":"{value}"}}]}}"#);
        assert_eq!(
            create(&body).unwrap_err().message(),
            format!(
                "1 validation error detected: Value '{value}' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256"
            )
        );
        assert_eq!(
            create(&body).unwrap_err().message(),
            "1 validation error detected: Value 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256"
        );
    }

    #[test]
    fn create_key_rejects_a_too_long_tag_key_with_recorded_text() {
        let key = "a".repeat(129);
        let body = format!(r#"{{"Tags":[{{"TagKey":"{key}","TagValue":"v"}}]}}"#);
        assert_eq!(
            create(&body).unwrap_err().message(),
            "1 validation error detected: Value 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128"
        );
    }

    #[test]
    fn create_key_applies_tag_rules_with_recorded_texts() {
        let err =
            create(r#"{"Tags":[{"TagKey":"a","TagValue":"1"},{"TagKey":"a","TagValue":"2"}]}"#)
                .unwrap_err();
        assert_eq!(err.type_name(), "TagException");
        assert_eq!(err.message(), "Duplicate tag keys");
        let tags: Vec<String> = (0..51)
            .map(|i| format!(r#"{{"TagKey":"k{i}","TagValue":"v"}}"#))
            .collect();
        let err = create(&format!(r#"{{"Tags":[{}]}}"#, tags.join(","))).unwrap_err();
        assert_eq!(err.message(), "Too many tags");
        for key in ["aws:team", "AWS:team"] {
            let err = create(&format!(
                r#"{{"Tags":[{{"TagKey":"{key}","TagValue":"v"}}]}}"#
            ))
            .unwrap_err();
            assert_eq!(err.type_name(), "TagException");
            assert_eq!(err.message(), "Tags beginning with aws: are reserved");
        }
    }

    #[test]
    fn create_key_requires_both_tag_members() {
        let err = create(r#"{"Tags":[{"TagKey":"k"}]}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value null at 'tags.1.member.tagValue' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn create_key_checks_the_policy_length_and_pattern() {
        let err = create(r#"{"Policy":""}"#).unwrap_err();
        assert_eq!(
            err.message(),
            r"2 validation errors detected: Value '' at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+"
        );
        let err = create(r#"{"Policy":"{\"a\":\"\u0100\"}"}"#).unwrap_err();
        assert!(err.message().ends_with(
            r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+"
        ));
    }

    #[test]
    fn describe_key_deserializes_and_requires_key_id() {
        let req: DescribeKeyRequest = parse(br#"{"KeyId":"alias/x","GrantTokens":["a"]}"#).unwrap();
        assert_eq!(req.key_id.as_deref(), Some("alias/x"));
        assert_eq!(
            parse::<DescribeKeyRequest>(b"{}").unwrap_err().message(),
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn describe_key_response_serializes_exactly_like_aws() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let response = DescribeKeyResponse {
            key_metadata: Some(KeyMetadata {
                aws_account_id: Some("111122223333".into()),
                arn: Some(arn.into()),
                creation_date: Some(Timestamp::from_epoch_millis(1_655_753_311_082)),
                customer_master_key_spec: Some(CustomerMasterKeySpec::SymmetricDefault),
                description: Some(String::new()),
                enabled: Some(true),
                encryption_algorithms: Some(vec![EncryptionAlgorithmSpec::SymmetricDefault]),
                key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
                key_manager: Some(KeyManagerType::Customer),
                key_spec: Some(KeySpec::SymmetricDefault),
                key_state: Some(KeyState::Enabled),
                key_usage: Some(KeyUsageType::EncryptDecrypt),
                multi_region: Some(false),
                origin: Some(OriginType::AwsKms),
                ..Default::default()
            }),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            format!(
                r#"{{"KeyMetadata":{{"AWSAccountId":"111122223333","Arn":"{arn}","CreationDate":1.655753311082E9,"CustomerMasterKeySpec":"SYMMETRIC_DEFAULT","Description":"","Enabled":true,"EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT","KeyState":"Enabled","KeyUsage":"ENCRYPT_DECRYPT","MultiRegion":false,"Origin":"AWS_KMS"}}}}"#
            )
        );
    }

    #[test]
    fn describe_key_response_parses_an_aws_body() {
        let body = r#"{"KeyMetadata":{"AWSAccountId":"111122223333","Arn":"arn:aws:kms:us-east-1:111122223333:key/k","CreationDate":1.7593344E9,"Enabled":false,"KeyId":"k","KeyState":"PendingDeletion","DeletionDate":1759939200,"PendingDeletionWindowInDays":7}}"#;
        let response: DescribeKeyResponse = serde_json::from_str(body).unwrap();
        let metadata = response.key_metadata.unwrap();
        assert_eq!(metadata.key_state, Some(KeyState::PendingDeletion));
        assert_eq!(
            metadata.creation_date,
            Some(Timestamp::from_epoch_seconds(1_759_334_400))
        );
        assert_eq!(metadata.pending_deletion_window_in_days, Some(7));
    }

    #[test]
    fn list_keys_checks_limit_marker_and_resource_owners() {
        let req: ListKeysRequest =
            parse(br#"{"Limit":50,"Marker":"abc","ResourceOwners":["SELF"]}"#).unwrap();
        assert_eq!(req.limit, Some(50));
        assert_eq!(
            parse::<ListKeysRequest>(br#"{"Limit":1001}"#)
                .unwrap_err()
                .message(),
            "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000"
        );
        assert_eq!(
            parse::<ListKeysRequest>(br#"{"ResourceOwners":[]}"#)
                .unwrap_err()
                .message(),
            "1 validation error detected: Value '[]' at 'resourceOwners' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        assert_eq!(
            parse::<ListKeysRequest>(br#"{"ResourceOwners":["ME"]}"#)
                .unwrap_err()
                .message(),
            "1 validation error detected: Value 'ME' at 'resourceOwners.1.member' failed to satisfy constraint: Member must satisfy enum value set: [SELF, OTHER_ACCOUNTS_VIA_RAM]"
        );
    }

    #[test]
    fn list_keys_response_serializes_in_aws_order() {
        let response = ListKeysResponse {
            keys: Some(vec![KeyListEntry {
                key_arn: Some("arn".into()),
                key_id: Some("id".into()),
            }]),
            next_marker: None,
            truncated: Some(false),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"Keys":[{"KeyArn":"arn","KeyId":"id"}],"Truncated":false}"#
        );
    }

    #[test]
    fn enable_disable_and_cancel_deletion_require_key_id() {
        let req: EnableKeyRequest = parse(br#"{"KeyId":"k"}"#).unwrap();
        assert_eq!(req.key_id.as_deref(), Some("k"));
        let req: DisableKeyRequest = parse(br#"{"KeyId":"k"}"#).unwrap();
        assert_eq!(req.key_id.as_deref(), Some("k"));
        let req: CancelKeyDeletionRequest = parse(br#"{"KeyId":"k"}"#).unwrap();
        assert_eq!(req.key_id.as_deref(), Some("k"));
        let null_key = "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null";
        assert_eq!(
            parse::<EnableKeyRequest>(b"{}").unwrap_err().message(),
            null_key
        );
        assert_eq!(
            parse::<DisableKeyRequest>(b"{}").unwrap_err().message(),
            null_key
        );
        assert_eq!(
            parse::<CancelKeyDeletionRequest>(b"{}")
                .unwrap_err()
                .message(),
            null_key
        );
    }

    #[test]
    fn schedule_key_deletion_accepts_7_to_30_days() {
        let req: ScheduleKeyDeletionRequest =
            parse(br#"{"KeyId":"k","PendingWindowInDays":7}"#).unwrap();
        assert_eq!(req.pending_window_in_days(), 7);
        let req: ScheduleKeyDeletionRequest = parse(br#"{"KeyId":"k"}"#).unwrap();
        assert_eq!(req.pending_window_in_days(), 30);
        assert!(
            parse::<ScheduleKeyDeletionRequest>(br#"{"KeyId":"k","PendingWindowInDays":30}"#)
                .is_ok()
        );
    }

    #[test]
    fn schedule_key_deletion_rejects_windows_outside_7_to_30() {
        assert_eq!(
            parse::<ScheduleKeyDeletionRequest>(br#"{"KeyId":"k","PendingWindowInDays":6}"#)
                .unwrap_err()
                .message(),
            "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7"
        );
        assert_eq!(
            parse::<ScheduleKeyDeletionRequest>(br#"{"KeyId":"k","PendingWindowInDays":31}"#)
                .unwrap_err()
                .message(),
            "1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30"
        );
        // Outside the model's own range, the model constraint speaks first.
        assert_eq!(
            parse::<ScheduleKeyDeletionRequest>(br#"{"KeyId":"k","PendingWindowInDays":366}"#)
                .unwrap_err()
                .message(),
            "1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 365"
        );
    }

    #[test]
    fn schedule_key_deletion_response_serializes_in_aws_order() {
        let response = ScheduleKeyDeletionResponse {
            deletion_date: Some(Timestamp::from_epoch_seconds(1_700_000_000)),
            key_id: Some("arn".into()),
            key_state: Some(KeyState::PendingDeletion),
            pending_window_in_days: Some(7),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"DeletionDate":1.7E9,"KeyId":"arn","KeyState":"PendingDeletion","PendingWindowInDays":7}"#
        );
    }
}
