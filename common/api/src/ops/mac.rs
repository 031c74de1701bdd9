//! GenerateMac and VerifyMac: HMACs under an HMAC KMS key (`GENERATE_VERIFY_MAC`).
//!
//! `Message` is a `PlaintextType` like Encrypt's plaintext: 1 to 4096 bytes and sensitive, so
//! AWS's validation messages never show it (`Value at 'message'`) and it travels as
//! [`SecretBytes`]. `Mac` is a `CiphertextType` (1 to 6144 bytes, shown as a Java `ByteBuffer`).
//! `MacAlgorithm` is required; its value set in messages is the order real AWS prints
//! (recorded: GenerateMac with `MacAlgorithm` `INVALID`, see [`MacAlgorithmSpec`]).

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::GRANT_TOKENS;
use crate::types::{KmsEnum, MacAlgorithmSpec};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// The model's bounds of `Message` (`PlaintextType`).
const MESSAGE_LEN: (usize, usize) = (1, 4096);
/// The model's bounds of `Mac` (`CiphertextType`).
const MAC_LEN: (usize, usize) = (1, 6144);

/// The checks GenerateMac and VerifyMac share, in the model's member order.
fn check_message_key_algorithm(
    v: &mut Violations,
    message: Option<&SecretBytes>,
    key_id: Option<&str>,
    mac_algorithm: Option<&str>,
) {
    if v.not_null_sensitive("message", message.is_some()) {
        v.secret_len("message", message, MESSAGE_LEN.0, MESSAGE_LEN.1);
    }
    v.key_id("keyId", key_id, true);
    if v.not_null("macAlgorithm", mac_algorithm.is_some()) {
        v.enum_value::<MacAlgorithmSpec>("macAlgorithm", mac_algorithm);
    }
}

/// Request of GenerateMac.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateMacRequest {
    /// The message to MAC, 1 to 4096 bytes.
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<SecretBytes>,
    /// The HMAC KMS key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// A [`MacAlgorithmSpec`]; must be the one of the key's spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_algorithm: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for GenerateMacRequest {
    const NAME: &'static str = "GenerateMacRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("Message", Kind::SensitiveBlob),
        Member::new("KeyId", Kind::String),
        Member::new("MacAlgorithm", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl GenerateMacRequest {
    /// The MAC algorithm, once validated.
    pub fn mac_algorithm(&self) -> Option<MacAlgorithmSpec> {
        self.mac_algorithm
            .as_deref()
            .and_then(MacAlgorithmSpec::parse_accepted)
    }
}

impl Validate for GenerateMacRequest {
    fn check_constraints(&self, v: &mut Violations) {
        check_message_key_algorithm(
            v,
            self.message.as_ref(),
            self.key_id.as_deref(),
            self.mac_algorithm.as_deref(),
        );
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of GenerateMac (members in AWS's order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GenerateMacResponse {
    /// ARN of the HMAC KMS key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The raw HMAC (RFC 2104) of the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<Blob>,
    /// The MAC algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_algorithm: Option<MacAlgorithmSpec>,
}

impl Shape for GenerateMacResponse {
    const NAME: &'static str = "GenerateMacResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("Mac", Kind::Blob),
        Member::new("MacAlgorithm", Kind::String),
    ];
}

/// Request of VerifyMac.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VerifyMacRequest {
    /// The message the MAC was made of, 1 to 4096 bytes.
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<SecretBytes>,
    /// The HMAC KMS key that made the MAC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// A [`MacAlgorithmSpec`]; must be the one of the key's spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_algorithm: Option<String>,
    /// The MAC to verify, 1 to 6144 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<Blob>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for VerifyMacRequest {
    const NAME: &'static str = "VerifyMacRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("Message", Kind::SensitiveBlob),
        Member::new("KeyId", Kind::String),
        Member::new("MacAlgorithm", Kind::String),
        Member::new("Mac", Kind::Blob),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl VerifyMacRequest {
    /// The MAC algorithm, once validated.
    pub fn mac_algorithm(&self) -> Option<MacAlgorithmSpec> {
        self.mac_algorithm
            .as_deref()
            .and_then(MacAlgorithmSpec::parse_accepted)
    }
}

impl Validate for VerifyMacRequest {
    fn check_constraints(&self, v: &mut Violations) {
        check_message_key_algorithm(
            v,
            self.message.as_ref(),
            self.key_id.as_deref(),
            self.mac_algorithm.as_deref(),
        );
        if v.not_null("mac", self.mac.is_some()) {
            v.blob_len("mac", self.mac.as_ref(), MAC_LEN.0, MAC_LEN.1);
        }
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of VerifyMac (members in AWS's order). `MacValid` is always `true`: a MAC that does
/// not verify is `KMSInvalidMacException`, never `MacValid: false` (the model's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VerifyMacResponse {
    /// ARN of the HMAC KMS key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The MAC algorithm used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_algorithm: Option<MacAlgorithmSpec>,
    /// Whether the MAC verified (always `true` in an answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_valid: Option<bool>,
}

impl Shape for VerifyMacResponse {
    const NAME: &'static str = "VerifyMacResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("MacAlgorithm", Kind::String),
        Member::new("MacValid", Kind::Boolean),
    ];
}

#[cfg(test)]
mod tests;
