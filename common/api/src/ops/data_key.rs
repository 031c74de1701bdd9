//! GenerateDataKey and GenerateDataKeyWithoutPlaintext.
//!
//! Both return a fresh symmetric data key encrypted under a symmetric KMS key; the first also
//! returns it in plaintext (or, with a `Recipient`, wrapped for an attested enclave in
//! `CiphertextForRecipient`, with no `Plaintext` and no `KeyMaterialId`). The length comes from
//! either `KeySpec` or `NumberOfBytes`, never both and never neither (`Please specify either
//! number of bytes or key spec.`).

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::types::{DataKeySpec, EncryptionContext, KmsEnum, RecipientInfo};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// Members of an encryption context (a map of strings).
pub(crate) const ENCRYPTION_CONTEXT: Kind = Kind::Map(&Kind::String);
/// Members of a grant token list.
pub(crate) const GRANT_TOKENS: Kind = Kind::List(&Kind::String);

/// The data key length a request asks for: `KeySpec`'s length or `NumberOfBytes`, when exactly
/// one of them is set and valid.
fn requested_len(key_spec: Option<&str>, number_of_bytes: Option<i32>) -> Option<usize> {
    match (
        key_spec.and_then(DataKeySpec::parse_accepted),
        number_of_bytes,
    ) {
        (Some(spec), None) => Some(spec.key_len()),
        (None, Some(n)) if key_spec.is_none() => usize::try_from(n).ok().filter(|&n| n > 0),
        _ => None,
    }
}

/// Request of GenerateDataKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyRequest {
    /// The symmetric KMS key that encrypts the data key (any of the four identifier forms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Encryption context bound to the encrypted data key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<EncryptionContext>,
    /// Length of the data key in bytes (1 to 1024), instead of `KeySpec`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_bytes: Option<i32>,
    /// `AES_128` or `AES_256` (a [`DataKeySpec`]), instead of `NumberOfBytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// An attested enclave to wrap the plaintext for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for GenerateDataKeyRequest {
    const NAME: &'static str = "GenerateDataKeyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("EncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("NumberOfBytes", Kind::Integer),
        Member::new("KeySpec", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("Recipient", Kind::Structure(RecipientInfo::MEMBERS)),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl GenerateDataKeyRequest {
    /// The key spec, if present and valid.
    pub fn key_spec(&self) -> Option<DataKeySpec> {
        self.key_spec
            .as_deref()
            .and_then(DataKeySpec::parse_accepted)
    }

    /// The length of the data key to generate, once the request has validated.
    pub fn data_key_len(&self) -> Option<usize> {
        requested_len(self.key_spec.as_deref(), self.number_of_bytes)
    }
}

impl Validate for GenerateDataKeyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.int_range("numberOfBytes", self.number_of_bytes, 1, 1024);
        v.enum_value::<DataKeySpec>("keySpec", self.key_spec.as_deref());
        v.grant_tokens(self.grant_tokens.as_deref());
        if let Some(recipient) = &self.recipient {
            recipient.check_constraints_at("recipient", v);
        }
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        if self.key_spec.is_some() == self.number_of_bytes.is_some() {
            return Err(KmsError::key_spec_or_number_of_bytes());
        }
        Ok(())
    }
}

/// Response of GenerateDataKey (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyResponse {
    /// The data key encrypted under the KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_blob: Option<Blob>,
    /// The plaintext data key wrapped for the `Recipient` (only with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_for_recipient: Option<Blob>,
    /// ARN of the KMS key that encrypted the data key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// ID of the key material used (omitted with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
    /// The plaintext data key (omitted with a recipient).
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub plaintext: Option<SecretBytes>,
}

impl Shape for GenerateDataKeyResponse {
    const NAME: &'static str = "GenerateDataKeyResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextBlob", Kind::Blob),
        Member::new("CiphertextForRecipient", Kind::Blob),
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
        Member::new("Plaintext", Kind::SensitiveBlob),
    ];
}

/// Request of GenerateDataKeyWithoutPlaintext.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyWithoutPlaintextRequest {
    /// The symmetric KMS key that encrypts the data key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Encryption context bound to the encrypted data key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<EncryptionContext>,
    /// `AES_128` or `AES_256` (a [`DataKeySpec`]), instead of `NumberOfBytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    /// Length of the data key in bytes (1 to 1024), instead of `KeySpec`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_bytes: Option<i32>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for GenerateDataKeyWithoutPlaintextRequest {
    const NAME: &'static str = "GenerateDataKeyWithoutPlaintextRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("EncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("KeySpec", Kind::String),
        Member::new("NumberOfBytes", Kind::Integer),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl GenerateDataKeyWithoutPlaintextRequest {
    /// The key spec, if present and valid.
    pub fn key_spec(&self) -> Option<DataKeySpec> {
        self.key_spec
            .as_deref()
            .and_then(DataKeySpec::parse_accepted)
    }

    /// The length of the data key to generate, once the request has validated.
    pub fn data_key_len(&self) -> Option<usize> {
        requested_len(self.key_spec.as_deref(), self.number_of_bytes)
    }
}

impl Validate for GenerateDataKeyWithoutPlaintextRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.enum_value::<DataKeySpec>("keySpec", self.key_spec.as_deref());
        v.int_range("numberOfBytes", self.number_of_bytes, 1, 1024);
        v.grant_tokens(self.grant_tokens.as_deref());
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        if self.key_spec.is_some() == self.number_of_bytes.is_some() {
            return Err(KmsError::key_spec_or_number_of_bytes());
        }
        Ok(())
    }
}

/// Response of GenerateDataKeyWithoutPlaintext (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyWithoutPlaintextResponse {
    /// The data key encrypted under the KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_blob: Option<Blob>,
    /// ARN of the KMS key that encrypted the data key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// ID of the key material used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

impl Shape for GenerateDataKeyWithoutPlaintextResponse {
    const NAME: &'static str = "GenerateDataKeyWithoutPlaintextResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextBlob", Kind::Blob),
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;
    use crate::json::parse;

    fn gdk(body: &str) -> Result<GenerateDataKeyRequest, KmsError> {
        parse(body.as_bytes())
    }

    fn gdk_error(body: &str) -> String {
        gdk(body).unwrap_err().message().to_owned()
    }

    #[test]
    fn generate_data_key_deserializes_a_boto3_body() {
        let req = gdk(r#"{"KeyId":"alias/x","KeySpec":"AES_256","EncryptionContext":{"a":"b"}}"#)
            .unwrap();
        assert_eq!(req.key_id.as_deref(), Some("alias/x"));
        assert_eq!(req.key_spec(), Some(DataKeySpec::Aes256));
        assert_eq!(req.data_key_len(), Some(32));
        assert_eq!(
            req.encryption_context.unwrap().get("a").map(String::as_str),
            Some("b")
        );
    }

    #[test]
    fn generate_data_key_deserializes_a_recipient_body() {
        let req = gdk(
            r#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","NumberOfBytes":64,"GrantTokens":["t"],"Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256","AttestationDocument":"hEShATgioFkQ"},"DryRun":false}"#,
        )
        .unwrap();
        assert_eq!(req.data_key_len(), Some(64));
        let recipient = req.recipient.unwrap();
        assert_eq!(
            recipient.key_encryption_mechanism(),
            Some(crate::types::KeyEncryptionMechanism::RsaesOaepSha256)
        );
        assert_eq!(recipient.attestation_document.unwrap().len(), 9);
        assert_eq!(req.dry_run, Some(false));
    }

    #[test]
    fn generate_data_key_rejects_both_key_spec_and_number_of_bytes() {
        let err = gdk(r#"{"KeyId":"alias/x","KeySpec":"AES_256","NumberOfBytes":32}"#).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Validation);
        assert_eq!(
            err.message(),
            "Please specify either number of bytes or key spec."
        );
    }

    #[test]
    fn generate_data_key_rejects_neither_key_spec_nor_number_of_bytes() {
        assert_eq!(
            gdk_error(r#"{"KeyId":"alias/x"}"#),
            "Please specify either number of bytes or key spec."
        );
    }

    #[test]
    fn generate_data_key_rejects_number_of_bytes_out_of_range_with_recorded_text() {
        assert_eq!(
            gdk_error(r#"{"KeyId":"alias/x","NumberOfBytes":1025}"#),
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
        );
        assert_eq!(
            gdk_error(r#"{"KeyId":"alias/x","NumberOfBytes":0}"#),
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
    }

    #[test]
    fn generate_data_key_rejects_an_unknown_key_spec_listing_the_accepted_set() {
        assert_eq!(
            gdk_error(r#"{"KeyId":"alias/x","KeySpec":"AES_512"}"#),
            "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
        );
    }

    #[test]
    fn generate_data_key_constraint_errors_come_before_the_key_spec_rule() {
        // Both KeySpec and NumberOfBytes, and NumberOfBytes out of range: the model constraint
        // is reported, the service rule never runs.
        assert_eq!(
            gdk_error(r#"{"KeyId":"alias/x","KeySpec":"AES_256","NumberOfBytes":2000}"#),
            "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
        );
    }

    #[test]
    fn generate_data_key_reports_every_violation_in_model_order() {
        assert_eq!(
            gdk_error(r#"{"NumberOfBytes":1025,"KeySpec":"AES_512"}"#),
            "3 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024; Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
        );
    }

    #[test]
    fn generate_data_key_rejects_eleven_grant_tokens() {
        let tokens: Vec<String> = (0..11).map(|i| format!("\"g{i}\"")).collect();
        let body = format!(
            r#"{{"KeyId":"k","KeySpec":"AES_256","GrantTokens":[{}]}}"#,
            tokens.join(",")
        );
        assert_eq!(
            gdk_error(&body),
            "1 validation error detected: Value '[g0, g1, g2, g3, g4, g5, g6, g7, g8, g9, g10]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"
        );
        let ten: Vec<String> = (0..10).map(|i| format!("\"g{i}\"")).collect();
        let body = format!(
            r#"{{"KeyId":"k","KeySpec":"AES_256","GrantTokens":[{}]}}"#,
            ten.join(",")
        );
        assert!(gdk(&body).is_ok());
    }

    #[test]
    fn generate_data_key_checks_the_recipient() {
        assert_eq!(
            gdk_error(
                r#"{"KeyId":"k","KeySpec":"AES_256","Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_1","AttestationDocument":""}}"#
            ),
            "2 validation errors detected: Value 'RSAES_OAEP_SHA_1' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]; Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'recipient.attestationDocument' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn generate_data_key_rejects_an_empty_key_id() {
        assert_eq!(
            gdk_error(r#"{"KeyId":"","KeySpec":"AES_256"}"#),
            "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn generate_data_key_rejects_a_non_string_key_spec_as_serialization() {
        let err = gdk(r#"{"KeyId":"k","KeySpec":256}"#).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Serialization);
    }

    #[test]
    fn generate_data_key_without_plaintext_deserializes_and_applies_the_same_rules() {
        let req: GenerateDataKeyWithoutPlaintextRequest = parse(
            br#"{"KeyId":"alias/x","KeySpec":"AES_128","EncryptionContext":{"purpose":"test"}}"#,
        )
        .unwrap();
        assert_eq!(req.data_key_len(), Some(16));
        let err = parse::<GenerateDataKeyWithoutPlaintextRequest>(
            br#"{"KeyId":"alias/x","KeySpec":"AES_128","NumberOfBytes":16}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Please specify either number of bytes or key spec."
        );
        // A Recipient is not a member of this operation; AWS ignores unknown members.
        let req: GenerateDataKeyWithoutPlaintextRequest = parse(
            br#"{"KeyId":"alias/x","NumberOfBytes":24,"Recipient":{"AttestationDocument":"AAAA"}}"#,
        )
        .unwrap();
        assert_eq!(req.data_key_len(), Some(24));
    }

    #[test]
    fn generate_data_key_response_serializes_exactly_like_aws() {
        let response = GenerateDataKeyResponse {
            ciphertext_blob: Some(Blob::from(&b"\x01\x02\x03"[..])),
            ciphertext_for_recipient: None,
            key_id: Some(
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                    .into(),
            ),
            key_material_id: Some("a".repeat(64)),
            plaintext: Some(SecretBytes::copy_from(&[0xAB; 32])),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            format!(
                r#"{{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","KeyMaterialId":"{}","Plaintext":"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="}}"#,
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn generate_data_key_response_with_recipient_has_no_plaintext() {
        let response = GenerateDataKeyResponse {
            ciphertext_blob: Some(Blob::from(&b"c"[..])),
            ciphertext_for_recipient: Some(Blob::from(&b"r"[..])),
            key_id: Some("k".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"CiphertextBlob":"Yw==","CiphertextForRecipient":"cg==","KeyId":"k"}"#
        );
    }

    #[test]
    fn generate_data_key_response_debug_redacts_the_plaintext() {
        let response = GenerateDataKeyResponse {
            plaintext: Some(SecretBytes::copy_from(b"0123456789abcdef")),
            ..Default::default()
        };
        let printed = format!("{response:?}");
        assert!(printed.contains("REDACTED"));
        assert!(!printed.contains("0123456789abcdef"));
    }

    #[test]
    fn generate_data_key_response_parses_back_on_the_client_side() {
        let json = r#"{"CiphertextBlob":"AQID","KeyId":"k","Plaintext":"AAECAw=="}"#;
        let response: GenerateDataKeyResponse = serde_json::from_str(json).unwrap();
        assert_eq!(response.plaintext.unwrap().expose(), [0, 1, 2, 3]);
        assert_eq!(response.ciphertext_blob.unwrap().as_bytes(), [1, 2, 3]);
    }
}
