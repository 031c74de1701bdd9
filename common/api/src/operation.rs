//! KMS operations: the [`Operation`]s nitro-kms serves and their `X-Amz-Target` names.
//!
//! An operation is named once, in the list below; its `X-Amz-Target` header value, its IAM action
//! and whether the model gives it an output shape all derive from that name, so the proxy's
//! routing, the enclave's policy checks and the client's requests cannot disagree about it.

use crate::error::KmsError;
use crate::model_operations::is_model_operation;

/// The prefix of every KMS `X-Amz-Target` header value (the service's internal name).
pub const TARGET_PREFIX: &str = "TrentService.";

/// Declares [`Operation`] from one list, so the name table and `ALL` cannot drift apart.
macro_rules! operations {
    ($( $(#[doc = $doc:literal])* $variant:ident ),+ $(,)?) => {
        /// A KMS operation this project serves, as named in `X-Amz-Target` and the service model.
        ///
        /// Only the operations nitro-kms implements are listed; a real KMS operation we do not
        /// serve (such as `CreateGrant`) is answered with `UnsupportedOperationException` and any other
        /// target with `UnknownOperationException` (see [`crate::model_operations`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl Operation {
            /// Every operation, in the order they are declared.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant),+];

            /// The operation name exactly as the model and `X-Amz-Target` spell it.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Operation::$variant => stringify!($variant), )+
                }
            }

            /// The operation's one-line summary (its doc comment here), for the README's list
            /// of supported operations.
            pub fn summary(self) -> &'static str {
                match self {
                    $( Operation::$variant => concat!($($doc),*).trim_ascii(), )+
                }
            }
        }
    };
}

operations! {
    /// Returns a data key in plaintext and encrypted under a KMS key.
    GenerateDataKey,
    /// Returns a data key encrypted under a KMS key, without the plaintext.
    GenerateDataKeyWithoutPlaintext,
    /// Decrypts a ciphertext blob (or re-wraps it for an attested recipient).
    Decrypt,
    /// Encrypts up to 4096 bytes under a symmetric KMS key, or with RSAES-OAEP under an RSA key.
    Encrypt,
    /// Decrypts and re-encrypts under another key (or context) without exposing plaintext.
    ReEncrypt,
    /// Returns the HMAC of a message under an HMAC KMS key.
    GenerateMac,
    /// Verifies an HMAC under an HMAC KMS key (`KMSInvalidMacException` if it does not match).
    VerifyMac,
    /// Returns random bytes (optionally wrapped for an attested recipient).
    GenerateRandom,
    /// Creates a KMS key.
    CreateKey,
    /// Returns a key's metadata.
    DescribeKey,
    /// Lists the keys of the account and region.
    ListKeys,
    /// Creates an alias for a key.
    CreateAlias,
    /// Points an alias at another key.
    UpdateAlias,
    /// Deletes an alias.
    DeleteAlias,
    /// Lists aliases.
    ListAliases,
    /// Enables a key.
    EnableKey,
    /// Disables a key.
    DisableKey,
    /// Schedules a key for deletion after a waiting period.
    ScheduleKeyDeletion,
    /// Cancels a scheduled deletion.
    CancelKeyDeletion,
    /// Returns a key policy.
    GetKeyPolicy,
    /// Replaces a key policy.
    PutKeyPolicy,
    /// Returns an asymmetric data key pair with the private key in plaintext and encrypted.
    GenerateDataKeyPair,
    /// Returns an asymmetric data key pair with the private key encrypted only.
    GenerateDataKeyPairWithoutPlaintext,
    /// Adds or overwrites tags on a key.
    TagResource,
    /// Removes tags from a key.
    UntagResource,
    /// Lists the tags of a key.
    ListResourceTags,
    /// Replaces a key's description.
    UpdateKeyDescription,
    /// Lists the names of a key's policies (always `default`).
    ListKeyPolicies,
    /// Answers as AWS for a CloudHSM cluster or XKS proxy that cannot be found or reached: no
    /// custom key store is ever created.
    CreateCustomKeyStore,
    /// `CustomKeyStoreNotFoundException`: this service has no custom key stores.
    ConnectCustomKeyStore,
    /// `CustomKeyStoreNotFoundException`: this service has no custom key stores.
    DeleteCustomKeyStore,
    /// Lists the account's custom key stores: always none.
    DescribeCustomKeyStores,
    /// `CustomKeyStoreNotFoundException`: this service has no custom key stores.
    DisconnectCustomKeyStore,
    /// `CustomKeyStoreNotFoundException`: this service has no custom key stores.
    UpdateCustomKeyStore,
    /// Signs a message or digest with an asymmetric `SIGN_VERIFY` KMS key.
    Sign,
    /// Verifies a signature made by Sign (`KMSInvalidSignatureException` if it does not match).
    Verify,
    /// Returns the public key of an asymmetric KMS key (DER SubjectPublicKeyInfo).
    GetPublicKey,
    /// Turns on automatic rotation of a symmetric encryption key (period 90 to 2560 days).
    EnableKeyRotation,
    /// Turns off automatic rotation of a key.
    DisableKeyRotation,
    /// Returns whether a key rotates automatically, its period and next rotation date.
    GetKeyRotationStatus,
    /// Rotates a symmetric encryption key's material now (at most 25 times per key).
    RotateKeyOnDemand,
    /// Lists a key's rotations (the materials they made current).
    ListKeyRotations,
    /// Returns a wrapping public key and import token for importing material into an `EXTERNAL`
    /// key (valid for 24 hours).
    GetParametersForImport,
    /// Imports key material wrapped under GetParametersForImport's public key, with or without
    /// an expiration date.
    ImportKeyMaterial,
    /// Deletes a key's imported material (the key becomes `PendingImport`).
    DeleteImportedKeyMaterial,
    /// Derives an ECDH shared secret with a `KEY_AGREEMENT` KMS key and a peer's public key.
    DeriveSharedSecret,
    /// Gives a principal permission to use a key for the listed operations (a grant).
    CreateGrant,
    /// Lists a key's grants.
    ListGrants,
    /// Lists the grants a principal may retire, across keys.
    ListRetirableGrants,
    /// Deletes a grant, by its token or by key and grant id (retiring principal or grantee).
    RetireGrant,
    /// Deletes a grant (the key's administrators, `kms:RevokeGrant`).
    RevokeGrant,
    /// Returns an ML-KEM shared secret and its ciphertext under an `ENCAPSULATE_DECAPSULATE` key.
    Encapsulate,
    /// Recovers the shared secret of an ML-KEM ciphertext (implicit rejection: a garbled one of
    /// the right length gives a pseudo-random secret).
    Decapsulate,
    /// Copies a multi-Region primary key into another region served here (same key id and
    /// material; its own policy, description, tags and state).
    ReplicateKey,
    /// Makes a multi-Region key's replica in another region the primary (the old one a replica).
    UpdatePrimaryRegion,
    /// Returns the last successful cryptographic operation made with a key, and since when it is
    /// tracked.
    GetKeyLastUsage,
}

impl Operation {
    /// Parses an `X-Amz-Target` header value such as `TrentService.GenerateDataKey`.
    ///
    /// The match is exact and case-sensitive, as AWS's is. A model operation this service does
    /// not implement yields `UnsupportedOperationException`, anything else
    /// `UnknownOperationException` (both HTTP 400), so the endpoint can answer it directly.
    pub fn from_target(target: &str) -> Result<Self, KmsError> {
        target
            .strip_prefix(TARGET_PREFIX)
            .and_then(Self::from_name)
            .ok_or_else(|| not_served(target))
    }

    /// The README section listing the served operations, one ``- `Name`: summary`` line each,
    /// as `README.md` holds it between its `supported-operations` markers (a test keeps them
    /// equal, so the README cannot list what the code does not serve).
    pub fn supported_operations_markdown() -> String {
        Self::ALL
            .iter()
            .map(|op| format!("- `{}`: {}\n", op.name(), op.summary()))
            .collect()
    }

    /// Looks an operation up by its bare name (`GenerateDataKey`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The `X-Amz-Target` header value for this operation (what a client sends).
    pub fn target(self) -> String {
        format!("{TARGET_PREFIX}{}", self.name())
    }

    /// The IAM action that authorizes this operation (`kms:GenerateDataKey`), as key policies and
    /// `AccessDeniedException` messages name it.
    pub fn iam_action(self) -> String {
        format!("kms:{}", self.name())
    }

    /// Whether the model gives this operation an output shape. Operations without one (such as
    /// `CreateAlias`) answer HTTP 200 with an empty body.
    pub const fn has_output(self) -> bool {
        !matches!(
            self,
            Operation::CreateAlias
                | Operation::UpdateAlias
                | Operation::DeleteAlias
                | Operation::EnableKey
                | Operation::DisableKey
                | Operation::PutKeyPolicy
                | Operation::TagResource
                | Operation::UntagResource
                | Operation::UpdateKeyDescription
                | Operation::EnableKeyRotation
                | Operation::DisableKeyRotation
                | Operation::RetireGrant
                | Operation::RevokeGrant
                | Operation::UpdatePrimaryRegion
        )
    }
}

/// The error for an `X-Amz-Target` that names no operation this service serves:
/// `UnsupportedOperationException` for a model operation nitro-kms leaves out,
/// `UnknownOperationException` for anything else.
fn not_served(target: &str) -> KmsError {
    match target.strip_prefix(TARGET_PREFIX) {
        Some(name) if is_model_operation(name) && Operation::from_name(name).is_none() => {
            KmsError::unsupported_operation(name)
        }
        _ => KmsError::unknown_operation(target),
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KmsErrorType;

    mod served;

    #[test]
    fn from_target_routes_every_operation_by_its_header_value() {
        for &op in Operation::ALL {
            let header = format!("TrentService.{}", op.name());
            assert_eq!(Operation::from_target(&header).unwrap(), op);
            assert_eq!(op.target(), header);
        }
        assert_eq!(
            Operation::from_target("TrentService.GenerateDataKey").unwrap(),
            Operation::GenerateDataKey
        );
    }

    #[test]
    fn from_target_rejects_unknown_or_misspelled_targets_with_unknown_operation() {
        for bad in [
            "TrentService.generateDataKey",
            "trentservice.GenerateDataKey",
            "GenerateDataKey",
            "TrentService.",
            "",
            "DynamoDB_20120810.GetItem",
        ] {
            let err = Operation::from_target(bad).unwrap_err();
            assert_eq!(err.kind(), KmsErrorType::UnknownOperation, "{bad}");
            assert_eq!(err.http_status(), 400);
        }
    }

    #[test]
    fn iam_action_prefixes_kms() {
        assert_eq!(
            Operation::GenerateDataKey.iam_action(),
            "kms:GenerateDataKey"
        );
    }
}
