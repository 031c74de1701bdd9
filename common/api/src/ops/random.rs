//! GenerateRandom.
//!
//! `NumberOfBytes` is optional in the model but required by the service: without it AWS answers
//! `NumberOfBytes is required.` (recorded), with it out of 1..=1024 the standard constraint
//! message (recorded for 0 and 1025).

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::error::KmsError;
use crate::json::{Kind, Member, Shape};
use crate::types::RecipientInfo;
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// Request of GenerateRandom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateRandomRequest {
    /// How many random bytes, 1 to 1024 (required by the service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_bytes: Option<i32>,
    /// A CloudHSM key store to draw the bytes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_key_store_id: Option<String>,
    /// An attested enclave to wrap the bytes for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
}

impl Shape for GenerateRandomRequest {
    const NAME: &'static str = "GenerateRandomRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("NumberOfBytes", Kind::Integer),
        Member::new("CustomKeyStoreId", Kind::String),
        Member::new("Recipient", Kind::Structure(RecipientInfo::MEMBERS)),
    ];
}

impl GenerateRandomRequest {
    /// The number of bytes to generate, once the request has validated.
    pub fn byte_count(&self) -> Option<usize> {
        self.number_of_bytes
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
    }
}

impl Validate for GenerateRandomRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.int_range("numberOfBytes", self.number_of_bytes, 1, 1024);
        v.str_len(
            "customKeyStoreId",
            self.custom_key_store_id.as_deref(),
            1,
            64,
        );
        if let Some(recipient) = &self.recipient {
            recipient.check_constraints_at("recipient", v);
        }
    }

    fn check_rules(&self) -> Result<(), KmsError> {
        if self.number_of_bytes.is_none() {
            return Err(KmsError::number_of_bytes_required());
        }
        Ok(())
    }
}

/// Response of GenerateRandom (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateRandomResponse {
    /// The bytes wrapped for the `Recipient` (only with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_for_recipient: Option<Blob>,
    /// The random bytes (omitted with a recipient).
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub plaintext: Option<SecretBytes>,
}

impl Shape for GenerateRandomResponse {
    const NAME: &'static str = "GenerateRandomResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextForRecipient", Kind::Blob),
        Member::new("Plaintext", Kind::SensitiveBlob),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;
    use crate::json::parse;

    fn error_of(body: &str) -> KmsError {
        parse::<GenerateRandomRequest>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn generate_random_deserializes_a_boto3_body() {
        let req: GenerateRandomRequest = parse(br#"{"NumberOfBytes":32}"#).unwrap();
        assert_eq!(req.byte_count(), Some(32));
        let req: GenerateRandomRequest = parse(
            br#"{"NumberOfBytes":1024,"Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256","AttestationDocument":"AAAA"}}"#,
        )
        .unwrap();
        assert_eq!(req.byte_count(), Some(1024));
    }

    #[test]
    fn generate_random_without_number_of_bytes_matches_recorded_text() {
        for body in ["{}", "", r#"{"NumberOfBytes":null}"#] {
            let err = error_of(body);
            assert_eq!(err.kind(), KmsErrorType::Validation);
            assert_eq!(err.message(), "NumberOfBytes is required.");
        }
    }

    #[test]
    fn generate_random_out_of_range_matches_recorded_texts() {
        assert_eq!(
            error_of(r#"{"NumberOfBytes":0}"#).message(),
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        assert_eq!(
            error_of(r#"{"NumberOfBytes":1025}"#).message(),
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"
        );
    }

    #[test]
    fn generate_random_rejects_a_long_custom_key_store_id() {
        let body = format!(
            r#"{{"NumberOfBytes":1,"CustomKeyStoreId":"{}"}}"#,
            "c".repeat(65)
        );
        assert_eq!(
            error_of(&body).message(),
            format!(
                "1 validation error detected: Value '{}' at 'customKeyStoreId' failed to satisfy constraint: Member must have length less than or equal to 64",
                "c".repeat(65)
            )
        );
    }

    #[test]
    fn generate_random_response_serializes_in_aws_order() {
        let response = GenerateRandomResponse {
            ciphertext_for_recipient: None,
            plaintext: Some(SecretBytes::copy_from(&[0, 1, 2])),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"Plaintext":"AAEC"}"#
        );
    }
}
