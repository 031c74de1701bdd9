//! Encrypt, Decrypt and ReEncrypt.
//!
//! Encrypt takes at most 4096 bytes of plaintext (a sensitive member: AWS's validation message
//! never shows it, `Value at 'plaintext'`). Decrypt and ReEncrypt take a ciphertext blob of 1 to
//! 6144 bytes. The model made `CiphertextBlob` optional when dry runs gained the
//! `IGNORE_CIPHERTEXT` modifier; without that modifier the service still needs it, and we report
//! its absence with the standard `Member must not be null` wording (AWS's own text for this case
//! was not recorded).

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::{ENCRYPTION_CONTEXT, GRANT_TOKENS};
use crate::types::{
    DryRunModifierType, EncryptionAlgorithmSpec, EncryptionContext, KmsEnum, RecipientInfo,
};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// Whether a dry run asked to skip ciphertext checks (so a missing ciphertext is fine).
fn ignores_ciphertext(dry_run: Option<bool>, modifiers: Option<&[String]>) -> bool {
    dry_run == Some(true)
        && modifiers
            .unwrap_or_default()
            .iter()
            .any(|m| m == DryRunModifierType::IgnoreCiphertext.as_str())
}

/// The rule for `CiphertextBlob` that the model no longer expresses.
fn require_ciphertext(
    ciphertext: Option<&Blob>,
    dry_run: Option<bool>,
    modifiers: Option<&[String]>,
) -> Result<(), KmsError> {
    if ciphertext.is_none() && !ignores_ciphertext(dry_run, modifiers) {
        let mut v = Violations::new();
        v.not_null("ciphertextBlob", false);
        return v.into_result();
    }
    Ok(())
}

/// Request of Encrypt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EncryptRequest {
    /// The KMS key to encrypt under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The data to encrypt, 1 to 4096 bytes.
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub plaintext: Option<SecretBytes>,
    /// Encryption context (symmetric keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<EncryptionContext>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// An [`EncryptionAlgorithmSpec`]; `SYMMETRIC_DEFAULT` if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<String>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for EncryptRequest {
    const NAME: &'static str = "EncryptRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Plaintext", Kind::SensitiveBlob),
        Member::new("EncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("EncryptionAlgorithm", Kind::String),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl EncryptRequest {
    /// The encryption algorithm (default `SYMMETRIC_DEFAULT`), once validated.
    pub fn encryption_algorithm(&self) -> Option<EncryptionAlgorithmSpec> {
        algorithm_or_default(self.encryption_algorithm.as_deref())
    }
}

/// Parses an optional algorithm member, defaulting to `SYMMETRIC_DEFAULT`.
fn algorithm_or_default(value: Option<&str>) -> Option<EncryptionAlgorithmSpec> {
    match value {
        None => Some(EncryptionAlgorithmSpec::SymmetricDefault),
        Some(s) => EncryptionAlgorithmSpec::parse_accepted(s),
    }
}

impl Validate for EncryptRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null_sensitive("plaintext", self.plaintext.is_some()) {
            v.secret_len("plaintext", self.plaintext.as_ref(), 1, 4096);
        }
        v.grant_tokens(self.grant_tokens.as_deref());
        v.enum_value::<EncryptionAlgorithmSpec>(
            "encryptionAlgorithm",
            self.encryption_algorithm.as_deref(),
        );
    }
}

/// Response of Encrypt (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EncryptResponse {
    /// The ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_blob: Option<Blob>,
    /// The algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// ARN of the KMS key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

impl Shape for EncryptResponse {
    const NAME: &'static str = "EncryptResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextBlob", Kind::Blob),
        Member::new("EncryptionAlgorithm", Kind::String),
        Member::new("KeyId", Kind::String),
    ];
}

/// Request of Decrypt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DecryptRequest {
    /// The ciphertext, 1 to 6144 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_blob: Option<Blob>,
    /// The encryption context the ciphertext was made with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<EncryptionContext>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// The key expected to have made the ciphertext (required for asymmetric keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// An [`EncryptionAlgorithmSpec`]; `SYMMETRIC_DEFAULT` if absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<String>,
    /// An attested enclave to wrap the plaintext for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Dry-run modifiers ([`DryRunModifierType`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run_modifiers: Option<Vec<String>>,
}

impl Shape for DecryptRequest {
    const NAME: &'static str = "DecryptRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextBlob", Kind::Blob),
        Member::new("EncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("KeyId", Kind::String),
        Member::new("EncryptionAlgorithm", Kind::String),
        Member::new("Recipient", Kind::Structure(RecipientInfo::MEMBERS)),
        Member::new("DryRun", Kind::Boolean),
        Member::new("DryRunModifiers", Kind::List(&Kind::String)),
    ];
}

impl DecryptRequest {
    /// The encryption algorithm (default `SYMMETRIC_DEFAULT`), once validated.
    pub fn encryption_algorithm(&self) -> Option<EncryptionAlgorithmSpec> {
        algorithm_or_default(self.encryption_algorithm.as_deref())
    }

    /// Whether this is a dry run that skips ciphertext checks.
    pub fn ignores_ciphertext(&self) -> bool {
        ignores_ciphertext(self.dry_run, self.dry_run_modifiers.as_deref())
    }
}

impl Validate for DecryptRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.blob_len("ciphertextBlob", self.ciphertext_blob.as_ref(), 1, 6144);
        v.grant_tokens(self.grant_tokens.as_deref());
        v.key_id("keyId", self.key_id.as_deref(), false);
        v.enum_value::<EncryptionAlgorithmSpec>(
            "encryptionAlgorithm",
            self.encryption_algorithm.as_deref(),
        );
        if let Some(recipient) = &self.recipient {
            recipient.check_constraints_at("recipient", v);
        }
        v.enum_list::<DryRunModifierType>("dryRunModifiers", self.dry_run_modifiers.as_deref());
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        require_ciphertext(
            self.ciphertext_blob.as_ref(),
            self.dry_run,
            self.dry_run_modifiers.as_deref(),
        )
    }
}

/// Response of Decrypt (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DecryptResponse {
    /// The plaintext wrapped for the `Recipient` (only with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_for_recipient: Option<Blob>,
    /// The algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// ARN of the KMS key that decrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// ID of the key material used (omitted with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
    /// The plaintext (omitted with a recipient).
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub plaintext: Option<SecretBytes>,
}

impl Shape for DecryptResponse {
    const NAME: &'static str = "DecryptResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextForRecipient", Kind::Blob),
        Member::new("EncryptionAlgorithm", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
        Member::new("Plaintext", Kind::SensitiveBlob),
    ];
}

/// Request of ReEncrypt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReEncryptRequest {
    /// The ciphertext to re-encrypt, 1 to 6144 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_blob: Option<Blob>,
    /// The encryption context the ciphertext was made with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_encryption_context: Option<EncryptionContext>,
    /// The key expected to have made the ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_id: Option<String>,
    /// The key to re-encrypt under (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_key_id: Option<String>,
    /// The encryption context of the new ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_encryption_context: Option<EncryptionContext>,
    /// Algorithm of the source ciphertext ([`EncryptionAlgorithmSpec`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_encryption_algorithm: Option<String>,
    /// Algorithm of the new ciphertext ([`EncryptionAlgorithmSpec`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_encryption_algorithm: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// Dry-run modifiers ([`DryRunModifierType`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run_modifiers: Option<Vec<String>>,
}

impl Shape for ReEncryptRequest {
    const NAME: &'static str = "ReEncryptRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextBlob", Kind::Blob),
        Member::new("SourceEncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("SourceKeyId", Kind::String),
        Member::new("DestinationKeyId", Kind::String),
        Member::new("DestinationEncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("SourceEncryptionAlgorithm", Kind::String),
        Member::new("DestinationEncryptionAlgorithm", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
        Member::new("DryRunModifiers", Kind::List(&Kind::String)),
    ];
}

impl ReEncryptRequest {
    /// The source algorithm (default `SYMMETRIC_DEFAULT`), once validated.
    pub fn source_encryption_algorithm(&self) -> Option<EncryptionAlgorithmSpec> {
        algorithm_or_default(self.source_encryption_algorithm.as_deref())
    }

    /// The destination algorithm (default `SYMMETRIC_DEFAULT`), once validated.
    pub fn destination_encryption_algorithm(&self) -> Option<EncryptionAlgorithmSpec> {
        algorithm_or_default(self.destination_encryption_algorithm.as_deref())
    }
}

impl Validate for ReEncryptRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.blob_len("ciphertextBlob", self.ciphertext_blob.as_ref(), 1, 6144);
        v.key_id("sourceKeyId", self.source_key_id.as_deref(), false);
        v.key_id("destinationKeyId", self.destination_key_id.as_deref(), true);
        v.enum_value::<EncryptionAlgorithmSpec>(
            "sourceEncryptionAlgorithm",
            self.source_encryption_algorithm.as_deref(),
        );
        v.enum_value::<EncryptionAlgorithmSpec>(
            "destinationEncryptionAlgorithm",
            self.destination_encryption_algorithm.as_deref(),
        );
        v.grant_tokens(self.grant_tokens.as_deref());
        v.enum_list::<DryRunModifierType>("dryRunModifiers", self.dry_run_modifiers.as_deref());
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        require_ciphertext(
            self.ciphertext_blob.as_ref(),
            self.dry_run,
            self.dry_run_modifiers.as_deref(),
        )
    }
}

/// Response of ReEncrypt (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReEncryptResponse {
    /// The new ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_blob: Option<Blob>,
    /// Algorithm of the new ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// Key material of the destination key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_key_material_id: Option<String>,
    /// ARN of the destination key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Algorithm of the source ciphertext.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_encryption_algorithm: Option<EncryptionAlgorithmSpec>,
    /// ARN of the source key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_id: Option<String>,
    /// Key material of the source key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key_material_id: Option<String>,
}

impl Shape for ReEncryptResponse {
    const NAME: &'static str = "ReEncryptResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextBlob", Kind::Blob),
        Member::new("DestinationEncryptionAlgorithm", Kind::String),
        Member::new("DestinationKeyMaterialId", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("SourceEncryptionAlgorithm", Kind::String),
        Member::new("SourceKeyId", Kind::String),
        Member::new("SourceKeyMaterialId", Kind::String),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;
    use crate::blob::encode_base64;
    use crate::json::parse;

    #[test]
    fn encrypt_deserializes_a_boto3_body() {
        let req: EncryptRequest = parse(
            br#"{"KeyId":"alias/app","Plaintext":"aGVsbG8=","EncryptionContext":{"tenant":"42"},"EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#,
        )
        .unwrap();
        assert_eq!(req.plaintext.as_ref().unwrap().expose(), b"hello");
        assert_eq!(
            req.encryption_algorithm(),
            Some(EncryptionAlgorithmSpec::SymmetricDefault)
        );
    }

    #[test]
    fn encrypt_rejects_plaintext_over_4096_bytes_with_recorded_text() {
        let body = format!(
            r#"{{"KeyId":"alias/app","Plaintext":"{}"}}"#,
            encode_base64(&[0u8; 4097])
        );
        let err = parse::<EncryptRequest>(body.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Validation);
        assert_eq!(
            err.message(),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
        );
        let body = format!(
            r#"{{"KeyId":"alias/app","Plaintext":"{}"}}"#,
            encode_base64(&[0u8; 4096])
        );
        assert!(parse::<EncryptRequest>(body.as_bytes()).is_ok());
    }

    #[test]
    fn encrypt_requires_key_id_and_plaintext() {
        let err = parse::<EncryptRequest>(b"{}").unwrap_err();
        assert_eq!(
            err.message(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value at 'plaintext' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn encrypt_rejects_empty_plaintext_without_showing_it() {
        let err = parse::<EncryptRequest>(br#"{"KeyId":"k","Plaintext":""}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn encrypt_rejects_sm2pke_outside_china_regions() {
        let err = parse::<EncryptRequest>(
            br#"{"KeyId":"k","Plaintext":"AA==","EncryptionAlgorithm":"SM2PKE"}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'SM2PKE' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256]"
        );
    }

    #[test]
    fn encrypt_rejects_bad_base64_plaintext_without_echoing_it() {
        let ok = parse::<EncryptRequest>(br#"{"KeyId":"k","Plaintext":"c2VjcmV0"}"#);
        assert_eq!(ok.unwrap().plaintext.unwrap().expose(), b"secret");
        let err =
            parse::<EncryptRequest>(br#"{"KeyId":"k","Plaintext":"c2VjcmV0!!!!"}"#).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Serialization);
        assert_eq!(err.message(), "Invalid Base64 character: '!'");
    }

    #[test]
    fn decrypt_deserializes_a_boto3_body() {
        let req: DecryptRequest = parse(
            br#"{"CiphertextBlob":"AQIDBA==","EncryptionContext":{"a":"b"},"KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","GrantTokens":["t1"]}"#,
        )
        .unwrap();
        assert_eq!(
            req.ciphertext_blob.as_ref().unwrap().as_bytes(),
            [1, 2, 3, 4]
        );
        assert_eq!(
            req.encryption_algorithm(),
            Some(EncryptionAlgorithmSpec::SymmetricDefault)
        );
    }

    #[test]
    fn decrypt_rejects_a_6145_byte_ciphertext() {
        let body = format!(r#"{{"CiphertextBlob":"{}"}}"#, encode_base64(&[1u8; 6145]));
        let err = parse::<DecryptRequest>(body.as_bytes()).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144"
        );
    }

    #[test]
    fn decrypt_rejects_an_empty_ciphertext() {
        let err = parse::<DecryptRequest>(br#"{"CiphertextBlob":""}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn decrypt_requires_a_ciphertext_unless_a_dry_run_ignores_it() {
        let err = parse::<DecryptRequest>(br#"{"KeyId":"k"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null"
        );
        let err = parse::<DecryptRequest>(br#"{"KeyId":"k","DryRun":true}"#).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Validation);
        let req: DecryptRequest =
            parse(br#"{"KeyId":"k","DryRun":true,"DryRunModifiers":["IGNORE_CIPHERTEXT"]}"#)
                .unwrap();
        assert!(req.ignores_ciphertext());
    }

    #[test]
    fn decrypt_rejects_an_unknown_dry_run_modifier() {
        let err = parse::<DecryptRequest>(
            br#"{"CiphertextBlob":"AA==","DryRun":true,"DryRunModifiers":["IGNORE_ALL"]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'IGNORE_ALL' at 'dryRunModifiers.1.member' failed to satisfy constraint: Member must satisfy enum value set: [IGNORE_CIPHERTEXT]"
        );
    }

    #[test]
    fn decrypt_response_serializes_exactly_like_aws() {
        let response = DecryptResponse {
            ciphertext_for_recipient: None,
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some(
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                    .into(),
            ),
            key_material_id: None,
            plaintext: Some(SecretBytes::copy_from(b"hello")),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"aGVsbG8="}"#
        );
    }

    #[test]
    fn decrypt_response_with_recipient_serializes_without_plaintext() {
        let response = DecryptResponse {
            ciphertext_for_recipient: Some(Blob::from(&b"env"[..])),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some("k".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"CiphertextForRecipient":"ZW52","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":"k"}"#
        );
    }

    #[test]
    fn re_encrypt_deserializes_and_requires_a_destination() {
        let req: ReEncryptRequest = parse(
            br#"{"CiphertextBlob":"AQID","SourceKeyId":"alias/a","DestinationKeyId":"alias/b","DestinationEncryptionContext":{"x":"y"},"DestinationEncryptionAlgorithm":"RSAES_OAEP_SHA_256"}"#,
        )
        .unwrap();
        assert_eq!(
            req.destination_encryption_algorithm(),
            Some(EncryptionAlgorithmSpec::RsaesOaepSha256)
        );
        assert_eq!(
            req.source_encryption_algorithm(),
            Some(EncryptionAlgorithmSpec::SymmetricDefault)
        );
        let err = parse::<ReEncryptRequest>(br#"{"CiphertextBlob":"AQID"}"#).unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value null at 'destinationKeyId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn encrypt_and_re_encrypt_responses_serialize_in_aws_order() {
        let response = EncryptResponse {
            ciphertext_blob: Some(Blob::from(&b"c"[..])),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some("k".into()),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"CiphertextBlob":"Yw==","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":"k"}"#
        );
        let response = ReEncryptResponse {
            ciphertext_blob: Some(Blob::from(&b"c"[..])),
            destination_encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_id: Some("d".into()),
            source_encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            source_key_id: Some("s".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"CiphertextBlob":"Yw==","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":"d","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","SourceKeyId":"s"}"#
        );
    }
}
