//! DeriveSharedSecret: ECDH between a `KEY_AGREEMENT` KMS key's private key and a peer's public
//! key.
//!
//! `KeyAgreementAlgorithm` is required (only `ECDH` exists), `PublicKey` is the peer's DER
//! SubjectPublicKeyInfo (a `PublicKeyType`: 1 to 8192 bytes). With a `Recipient` the secret comes
//! back only in `CiphertextForRecipient`, as GenerateDataKey's plaintext does. Members are in the
//! model's order, so validation errors come in AWS's order.

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::GRANT_TOKENS;
use crate::types::{KeyAgreementAlgorithmSpec, KmsEnum, OriginType, RecipientInfo};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// The model's bounds of `PublicKey` (`PublicKeyType`).
const PUBLIC_KEY_LEN: (usize, usize) = (1, 8192);

/// Request of DeriveSharedSecret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeriveSharedSecretRequest {
    /// The `KEY_AGREEMENT` KMS key whose private key takes part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// A [`KeyAgreementAlgorithmSpec`] (`ECDH`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithm: Option<String>,
    /// The peer's public key, DER SubjectPublicKeyInfo on the key's curve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Blob>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// An attested enclave to wrap the shared secret for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<RecipientInfo>,
}

impl Shape for DeriveSharedSecretRequest {
    const NAME: &'static str = "DeriveSharedSecretRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("KeyAgreementAlgorithm", Kind::String),
        Member::new("PublicKey", Kind::Blob),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
        Member::new("Recipient", Kind::Structure(RecipientInfo::MEMBERS)),
    ];
}

impl DeriveSharedSecretRequest {
    /// The key agreement algorithm, once validated.
    pub fn key_agreement_algorithm(&self) -> Option<KeyAgreementAlgorithmSpec> {
        self.key_agreement_algorithm
            .as_deref()
            .and_then(KeyAgreementAlgorithmSpec::parse_accepted)
    }
}

impl Validate for DeriveSharedSecretRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null(
            "keyAgreementAlgorithm",
            self.key_agreement_algorithm.is_some(),
        ) {
            v.enum_value::<KeyAgreementAlgorithmSpec>(
                "keyAgreementAlgorithm",
                self.key_agreement_algorithm.as_deref(),
            );
        }
        if v.not_null("publicKey", self.public_key.is_some()) {
            v.blob_len(
                "publicKey",
                self.public_key.as_ref(),
                PUBLIC_KEY_LEN.0,
                PUBLIC_KEY_LEN.1,
            );
        }
        v.grant_tokens(self.grant_tokens.as_deref());
        if let Some(recipient) = &self.recipient {
            recipient.check_constraints_at("recipient", v);
        }
    }
}

/// Response of DeriveSharedSecret (members in the ASCII order AWS writes them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeriveSharedSecretResponse {
    /// The shared secret wrapped for the `Recipient` (only with a recipient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphertext_for_recipient: Option<Blob>,
    /// The key agreement algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithm: Option<KeyAgreementAlgorithmSpec>,
    /// ARN of the KMS key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The key's origin (`AWS_KMS` here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_origin: Option<OriginType>,
    /// The raw ECDH shared secret (the x-coordinate; omitted with a recipient).
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub shared_secret: Option<SecretBytes>,
}

impl Shape for DeriveSharedSecretResponse {
    const NAME: &'static str = "DeriveSharedSecretResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("CiphertextForRecipient", Kind::Blob),
        Member::new("KeyAgreementAlgorithm", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("KeyOrigin", Kind::String),
        Member::new("SharedSecret", Kind::SensitiveBlob),
    ];
}

#[cfg(test)]
mod tests;
