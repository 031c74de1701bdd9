//! Encapsulate and Decapsulate: ML-KEM (FIPS 203) shared secrets under an
//! `ENCAPSULATE_DECAPSULATE` KMS key.
//!
//! Members and constraints are the model's (`EncapsulateRequest`, `DecapsulateRequest`):
//! `KeyId` and `EncapsulationAlgorithm` are required (the only value is `ML_KEM`);
//! `SharedSecretCiphertextBlob` is a `CiphertextType` (1 to 6144 bytes, required for
//! Decapsulate). The 32-byte `SharedSecret` of either answer is a `PlaintextType`: sensitive, so
//! it travels as zeroizing [`SecretBytes`] and is redacted from `Debug`.

use serde::{Deserialize, Serialize};

use crate::blob::{Blob, secret_base64};
use crate::json::{Kind, Member, Shape};
use crate::ops::data_key::GRANT_TOKENS;
use crate::types::{EncapsulationAlgorithmSpec, KmsEnum};
use crate::validate::{Validate, Violations};
use nitro_kms_crypto::secret::SecretBytes;

/// The model's bounds of `SharedSecretCiphertextBlob` (`CiphertextType`).
const CIPHERTEXT_LEN: (usize, usize) = (1, 6144);

fn check_algorithm(v: &mut Violations, algorithm: Option<&str>) {
    if v.not_null("encapsulationAlgorithm", algorithm.is_some()) {
        v.enum_value::<EncapsulationAlgorithmSpec>("encapsulationAlgorithm", algorithm);
    }
}

/// Request of Encapsulate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EncapsulateRequest {
    /// The ML-KEM KMS key (aliases allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// An [`EncapsulationAlgorithmSpec`] (`ML_KEM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation_algorithm: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for EncapsulateRequest {
    const NAME: &'static str = "EncapsulateRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("EncapsulationAlgorithm", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl Validate for EncapsulateRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        check_algorithm(v, self.encapsulation_algorithm.as_deref());
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of Encapsulate (members in ASCII order, as AWS writes them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EncapsulateResponse {
    /// The algorithm used (`ML_KEM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation_algorithm: Option<EncapsulationAlgorithmSpec>,
    /// ARN of the ML-KEM key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The 32-byte shared secret.
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub shared_secret: Option<SecretBytes>,
    /// The ML-KEM ciphertext (768, 1088 or 1568 bytes by key spec).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_secret_ciphertext_blob: Option<Blob>,
}

impl Shape for EncapsulateResponse {
    const NAME: &'static str = "EncapsulateResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("EncapsulationAlgorithm", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("SharedSecret", Kind::SensitiveBlob),
        Member::new("SharedSecretCiphertextBlob", Kind::Blob),
    ];
}

/// Request of Decapsulate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DecapsulateRequest {
    /// The ML-KEM KMS key (aliases allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The ciphertext Encapsulate (or a holder of the public key) made, 1 to 6144 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_secret_ciphertext_blob: Option<Blob>,
    /// An [`EncapsulationAlgorithmSpec`] (`ML_KEM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation_algorithm: Option<String>,
    /// Grant tokens (at most 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_tokens: Option<Vec<String>>,
    /// Check permissions and parameters only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
}

impl Shape for DecapsulateRequest {
    const NAME: &'static str = "DecapsulateRequest";
    const MEMBERS: &'static [Member] = &[
        Member::new("KeyId", Kind::String),
        Member::new("SharedSecretCiphertextBlob", Kind::Blob),
        Member::new("EncapsulationAlgorithm", Kind::String),
        Member::new("GrantTokens", GRANT_TOKENS),
        Member::new("DryRun", Kind::Boolean),
    ];
}

impl Validate for DecapsulateRequest {
    fn check_constraints(&self, v: &mut Violations) {
        v.key_id("keyId", self.key_id.as_deref(), true);
        if v.not_null(
            "sharedSecretCiphertextBlob",
            self.shared_secret_ciphertext_blob.is_some(),
        ) {
            v.blob_len(
                "sharedSecretCiphertextBlob",
                self.shared_secret_ciphertext_blob.as_ref(),
                CIPHERTEXT_LEN.0,
                CIPHERTEXT_LEN.1,
            );
        }
        check_algorithm(v, self.encapsulation_algorithm.as_deref());
        v.grant_tokens(self.grant_tokens.as_deref());
    }
}

/// Response of Decapsulate (members in ASCII order, as AWS writes them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DecapsulateResponse {
    /// The algorithm used (`ML_KEM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encapsulation_algorithm: Option<EncapsulationAlgorithmSpec>,
    /// ARN of the ML-KEM key used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The 32-byte shared secret (an implicit-rejection value for a garbled ciphertext).
    #[serde(
        with = "secret_base64::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub shared_secret: Option<SecretBytes>,
}

impl Shape for DecapsulateResponse {
    const NAME: &'static str = "DecapsulateResponse";
    const MEMBERS: &'static [Member] = &[
        Member::new("EncapsulationAlgorithm", Kind::String),
        Member::new("KeyId", Kind::String),
        Member::new("SharedSecret", Kind::SensitiveBlob),
    ];
}

/// The typed `EncapsulationAlgorithm` of both requests, once validated, from one definition.
macro_rules! algorithm_accessor {
    ($($request:ident),+) => {$(
        impl $request {
            /// The encapsulation algorithm, once validated.
            pub fn encapsulation_algorithm(&self) -> Option<EncapsulationAlgorithmSpec> {
                self.encapsulation_algorithm
                    .as_deref()
                    .and_then(EncapsulationAlgorithmSpec::parse_accepted)
            }
        }
    )+};
}

algorithm_accessor!(EncapsulateRequest, DecapsulateRequest);

#[cfg(test)]
mod tests;
