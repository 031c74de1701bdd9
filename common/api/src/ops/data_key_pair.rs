//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext.
//!
//! Both return a fresh asymmetric key pair: the public key in the clear, the private key
//! encrypted under a symmetric KMS key and, for the first, also in plaintext (a sensitive member)
//! or wrapped for an attested `Recipient`.

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::{ENCRYPTION_CONTEXT, GRANT_TOKENS};
use crate::types::{DataKeyPairSpec, EncryptionContext, KmsEnum, RecipientInfo};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// Request of GenerateDataKeyPair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyPairRequest {
    /// Encryption context bound to the encrypted private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<EncryptionContext>,
    /// The symmetric KMS key that encrypts the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The pair's type ([`DataKeyPairSpec`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pair_spec: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// An attested enclave to wrap the private key for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for GenerateDataKeyPairRequest {
    const NAME: &'static str = "GenerateDataKeyPairRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("EncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("KeyId", Kind::String),
        Member::new("KeyPairSpec", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("Recipient", Kind::Structure(RecipientInfo::MEMBERS)),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl GenerateDataKeyPairRequest {
    /// The key pair spec, if present and valid.
    pub fn key_pair_spec(&self) -> Option<DataKeyPairSpec> {
        self.key_pair_spec
            .as_deref()
            .and_then(DataKeyPairSpec::parse_accepted)
    }
}

impl Validate for GenerateDataKeyPairRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("keyPairSpec", self.key_pair_spec.is_some()) {
            v.enum_value::<DataKeyPairSpec>("keyPairSpec", self.key_pair_spec.as_deref());
        }
        v.grant_tokens(self.grant_tokens.as_deref());
        if let Some(recipient) = &self.recipient {
            recipient.check_constraints_at("recipient", v);
        }
    }
}

/// Response of GenerateDataKeyPair (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyPairResponse {
    /// The private key wrapped for the `Recipient` (only with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_for_recipient: Option<Blob>,
    /// ARN of the KMS key that encrypted the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// ID of the key material used (omitted with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
    /// The pair's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pair_spec: Option<DataKeyPairSpec>,
    /// The private key (PKCS#8 DER) encrypted under the KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_ciphertext_blob: Option<Blob>,
    /// The private key (PKCS#8 DER) in plaintext (omitted with a recipient).
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub private_key_plaintext: Option<SecretBytes>,
    /// The public key (X.509 SubjectPublicKeyInfo DER).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Blob>,
}

impl Shape for GenerateDataKeyPairResponse {
    const NAME: &'static str = "GenerateDataKeyPairResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextForRecipient", Kind::Blob),
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
        Member::new("KeyPairSpec", Kind::String),
        Member::new("PrivateKeyCiphertextBlob", Kind::Blob),
        Member::new("PrivateKeyPlaintext", Kind::SensitiveBlob),
        Member::new("PublicKey", Kind::Blob),
    ];
}

/// Request of GenerateDataKeyPairWithoutPlaintext.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyPairWithoutPlaintextRequest {
    /// Encryption context bound to the encrypted private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_context: Option<EncryptionContext>,
    /// The symmetric KMS key that encrypts the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The pair's type ([`DataKeyPairSpec`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pair_spec: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for GenerateDataKeyPairWithoutPlaintextRequest {
    const NAME: &'static str = "GenerateDataKeyPairWithoutPlaintextRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("EncryptionContext", ENCRYPTION_CONTEXT),
        Member::new("KeyId", Kind::String),
        Member::new("KeyPairSpec", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl GenerateDataKeyPairWithoutPlaintextRequest {
    /// The key pair spec, if present and valid.
    pub fn key_pair_spec(&self) -> Option<DataKeyPairSpec> {
        self.key_pair_spec
            .as_deref()
            .and_then(DataKeyPairSpec::parse_accepted)
    }
}

impl Validate for GenerateDataKeyPairWithoutPlaintextRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null("keyPairSpec", self.key_pair_spec.is_some()) {
            v.enum_value::<DataKeyPairSpec>("keyPairSpec", self.key_pair_spec.as_deref());
        }
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of GenerateDataKeyPairWithoutPlaintext (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateDataKeyPairWithoutPlaintextResponse {
    /// ARN of the KMS key that encrypted the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// ID of the key material used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
    /// The pair's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pair_spec: Option<DataKeyPairSpec>,
    /// The private key (PKCS#8 DER) encrypted under the KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key_ciphertext_blob: Option<Blob>,
    /// The public key (X.509 SubjectPublicKeyInfo DER).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Blob>,
}

impl Shape for GenerateDataKeyPairWithoutPlaintextResponse {
    const NAME: &'static str = "GenerateDataKeyPairWithoutPlaintextResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("KeyMaterialId", Kind::String),
        Member::new("KeyPairSpec", Kind::String),
        Member::new("PrivateKeyCiphertextBlob", Kind::Blob),
        Member::new("PublicKey", Kind::Blob),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn generate_data_key_pair_deserializes_a_boto3_body() {
        let req: GenerateDataKeyPairRequest = parse(
            br#"{"KeyId":"alias/x","KeyPairSpec":"ECC_NIST_P256","EncryptionContext":{"a":"b"},"DryRun":true}"#,
        )
        .unwrap();
        assert_eq!(req.key_pair_spec(), Some(DataKeyPairSpec::EccNistP256));
        assert_eq!(req.dry_run, Some(true));
    }

    #[test]
    fn generate_data_key_pair_requires_key_id_and_spec() {
        let err = parse::<GenerateDataKeyPairRequest>(b"{}").unwrap_err();
        assert_eq!(
            err.message(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn generate_data_key_pair_rejects_an_unknown_spec() {
        let err = parse::<GenerateDataKeyPairRequest>(br#"{"KeyId":"k","KeyPairSpec":"RSA_1024"}"#)
            .unwrap_err();
        assert_eq!(
            err.message(),
            "1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024]"
        );
    }

    #[test]
    fn generate_data_key_pair_without_plaintext_deserializes() {
        let req: GenerateDataKeyPairWithoutPlaintextRequest =
            parse(br#"{"KeyId":"alias/x","KeyPairSpec":"RSA_2048"}"#).unwrap();
        assert_eq!(req.key_pair_spec(), Some(DataKeyPairSpec::Rsa2048));
    }

    #[test]
    fn generate_data_key_pair_response_serializes_in_aws_order() {
        let response = GenerateDataKeyPairResponse {
            ciphertext_for_recipient: None,
            key_id: Some("k".into()),
            key_material_id: None,
            key_pair_spec: Some(DataKeyPairSpec::EccNistP256),
            private_key_ciphertext_blob: Some(Blob::from(&b"c"[..])),
            private_key_plaintext: Some(SecretBytes::copy_from(b"p")),
            public_key: Some(Blob::from(&b"q"[..])),
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"KeyId":"k","KeyPairSpec":"ECC_NIST_P256","PrivateKeyCiphertextBlob":"Yw==","PrivateKeyPlaintext":"cA==","PublicKey":"cQ=="}"#
        );
    }
}
