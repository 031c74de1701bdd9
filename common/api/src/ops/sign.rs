//! Sign, Verify and GetPublicKey: asymmetric `SIGN_VERIFY` KMS keys.
//!
//! `Message` is a `PlaintextType` (1 to 4096 bytes, sensitive: AWS's messages say only
//! `Value at 'message'`), `MessageType` is `RAW` (the default) or `DIGEST`, `Signature` a
//! `CiphertextType` (1 to 6144 bytes) and `SigningAlgorithm` is required. The members are in the
//! model's order, so validation errors come in AWS's order.

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::GRANT_TOKENS;
use crate::types::{
    CustomerMasterKeySpec, EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec,
    KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType, KmsEnum, MessageType, SigningAlgorithmSpec,
};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// The model's bounds of `Message` (`PlaintextType`).
const MESSAGE_LEN: (usize, usize) = (1, 4096);
/// The model's bounds of `Signature` (`CiphertextType`).
const SIGNATURE_LEN: (usize, usize) = (1, 6144);

/// The checks Sign and Verify share, for the members before `Signature`.
fn check_key_message(
    v: &mut Violations,
    key_id: Option<&str>,
    message: Option<&SecretBytes>,
    message_type: Option<&str>,
) {
    v.key_id("keyId", key_id, true);
    if v.not_null_sensitive("message", message.is_some()) {
        v.secret_len("message", message, MESSAGE_LEN.0, MESSAGE_LEN.1);
    }
    v.enum_value::<MessageType>("messageType", message_type);
}

/// Request of Sign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SignRequest {
    /// The asymmetric `SIGN_VERIFY` KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The message or its digest, 1 to 4096 bytes.
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<SecretBytes>,
    /// A [`MessageType`]; `RAW` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// A [`SigningAlgorithmSpec`] that suits the key's spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<String>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for SignRequest {
    const NAME: &'static str = "SignRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Message", Kind::SensitiveBlob),
        Member::new("MessageType", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("SigningAlgorithm", Kind::String),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl Validate for SignRequest {
    fn check_constraints(&self, v: &mut Violations) {
        check_key_message(
            v,
            self.key_id.as_deref(),
            self.message.as_ref(),
            self.message_type.as_deref(),
        );
        v.grant_tokens(self.grant_tokens.as_deref());
        if v.not_null("signingAlgorithm", self.signing_algorithm.is_some()) {
            v.enum_value::<SigningAlgorithmSpec>(
                "signingAlgorithm",
                self.signing_algorithm.as_deref(),
            );
        }
    }
}

/// The typed `MessageType` and `SigningAlgorithm` of Sign's and Verify's requests, once
/// validated, for both from one definition.
macro_rules! signing_accessors {
    ($($request:ident),+) => {$(
        impl $request {
            /// The message type, once validated (`RAW` when absent).
            pub fn message_type(&self) -> MessageType {
                self.message_type
                    .as_deref()
                    .and_then(MessageType::parse_accepted)
                    .unwrap_or(MessageType::Raw)
            }

            /// The signing algorithm, once validated.
            pub fn signing_algorithm(&self) -> Option<SigningAlgorithmSpec> {
                self.signing_algorithm
                    .as_deref()
                    .and_then(SigningAlgorithmSpec::parse_accepted)
            }
        }
    )+};
}

signing_accessors!(SignRequest, VerifyRequest);

/// Response of Sign (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SignResponse {
    /// ARN of the KMS key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The signature: DER `Ecdsa-Sig-Value` for ECDSA, the raw RSA signature otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<Blob>,
    /// The signing algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<SigningAlgorithmSpec>,
}

impl Shape for SignResponse {
    const NAME: &'static str = "SignResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Signature", Kind::Blob),
        Member::new("SigningAlgorithm", Kind::String),
    ];
}

/// Request of Verify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VerifyRequest {
    /// The asymmetric `SIGN_VERIFY` KMS key that signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The message or its digest, 1 to 4096 bytes.
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<SecretBytes>,
    /// A [`MessageType`]; `RAW` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// The signature to check, 1 to 6144 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<Blob>,
    /// A [`SigningAlgorithmSpec`] that suits the key's spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for VerifyRequest {
    const NAME: &'static str = "VerifyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Message", Kind::SensitiveBlob),
        Member::new("MessageType", Kind::String),
        Member::new("Signature", Kind::Blob),
        Member::new("SigningAlgorithm", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl Validate for VerifyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        check_key_message(
            v,
            self.key_id.as_deref(),
            self.message.as_ref(),
            self.message_type.as_deref(),
        );
        if v.not_null("signature", self.signature.is_some()) {
            v.blob_len(
                "signature",
                self.signature.as_ref(),
                SIGNATURE_LEN.0,
                SIGNATURE_LEN.1,
            );
        }
        if v.not_null("signingAlgorithm", self.signing_algorithm.is_some()) {
            v.enum_value::<SigningAlgorithmSpec>(
                "signingAlgorithm",
                self.signing_algorithm.as_deref(),
            );
        }
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of Verify (members in AWS's order). `SignatureValid` is always `true`: a signature
/// that does not verify is `KMSInvalidSignatureException` (the model's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VerifyResponse {
    /// ARN of the KMS key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Whether the signature verified (always `true` in an answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_valid: Option<bool>,
    /// The signing algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithm: Option<SigningAlgorithmSpec>,
}

impl Shape for VerifyResponse {
    const NAME: &'static str = "VerifyResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("SignatureValid", Kind::Boolean),
        Member::new("SigningAlgorithm", Kind::String),
    ];
}

/// Request of GetPublicKey.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetPublicKeyRequest {
    /// The asymmetric KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
}

impl Shape for GetPublicKeyRequest {
    const NAME: &'static str = "GetPublicKeyRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
    ];
}

impl Validate for GetPublicKeyRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of GetPublicKey (members in the ASCII order AWS writes them): the public key as DER
/// SubjectPublicKeyInfo and what the key may be used for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetPublicKeyResponse {
    /// The key spec under its deprecated name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_master_key_spec: Option<CustomerMasterKeySpec>,
    /// Key encapsulation algorithms (`[ML_KEM]` for ML-KEM keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation_algorithms: Option<Vec<EncapsulationAlgorithmSpec>>,
    /// Encryption algorithms (`ENCRYPT_DECRYPT` keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithms: Option<Vec<EncryptionAlgorithmSpec>>,
    /// Key agreement algorithms (`KEY_AGREEMENT` keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithms: Option<Vec<KeyAgreementAlgorithmSpec>>,
    /// ARN of the KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The key spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<KeySpec>,
    /// The key usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<KeyUsageType>,
    /// The public key (X.509 SubjectPublicKeyInfo DER).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Blob>,
    /// Signing algorithms (`SIGN_VERIFY` keys only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithms: Option<Vec<SigningAlgorithmSpec>>,
}

impl Shape for GetPublicKeyResponse {
    const NAME: &'static str = "GetPublicKeyResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CustomerMasterKeySpec", Kind::String),
        Member::new("EncapsulationAlgorithms", Kind::List(&Kind::String)),
        Member::new("EncryptionAlgorithms", Kind::List(&Kind::String)),
        Member::new("KeyAgreementAlgorithms", Kind::List(&Kind::String)),
        Member::new("KeyId", Kind::String),
        Member::new("KeySpec", Kind::String),
        Member::new("KeyUsage", Kind::String),
        Member::new("PublicKey", Kind::Blob),
        Member::new("SigningAlgorithms", Kind::List(&Kind::String)),
    ];
}

#[cfg(test)]
mod tests;
