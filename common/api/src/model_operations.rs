//! Every operation of botocore's AWS KMS model, by name, and what this service does with it.
//!
//! A request can name three kinds of operation, and each gets its own answer: one nitro-kms
//! serves ([`crate::Operation`]), one AWS KMS has but nitro-kms does not implement
//! (`UnsupportedOperationException`, so a client learns that it is this service's limit, not a
//! typo), and a name outside the model (`UnknownOperationException`, as AWS answers it). The list
//! is kept as a constant rather than parsed from [`crate::SERVICE_MODEL`] on each request; a test
//! pins it to the model so the two cannot drift apart. [`crate::Operation::from_target`] gives
//! the error.

/// Every operation name of the service model, in ASCII order.
pub const MODEL_OPERATIONS: &[&str] = &[
    "CancelKeyDeletion",
    "ConnectCustomKeyStore",
    "CreateAlias",
    "CreateCustomKeyStore",
    "CreateGrant",
    "CreateKey",
    "Decapsulate",
    "Decrypt",
    "DeleteAlias",
    "DeleteCustomKeyStore",
    "DeleteImportedKeyMaterial",
    "DeriveSharedSecret",
    "DescribeCustomKeyStores",
    "DescribeKey",
    "DisableKey",
    "DisableKeyRotation",
    "DisconnectCustomKeyStore",
    "EnableKey",
    "EnableKeyRotation",
    "Encapsulate",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GenerateRandom",
    "GetKeyLastUsage",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "GetParametersForImport",
    "GetPublicKey",
    "ImportKeyMaterial",
    "ListAliases",
    "ListGrants",
    "ListKeyPolicies",
    "ListKeyRotations",
    "ListKeys",
    "ListResourceTags",
    "ListRetirableGrants",
    "PutKeyPolicy",
    "ReEncrypt",
    "ReplicateKey",
    "RetireGrant",
    "RevokeGrant",
    "RotateKeyOnDemand",
    "ScheduleKeyDeletion",
    "Sign",
    "TagResource",
    "UntagResource",
    "UpdateAlias",
    "UpdateCustomKeyStore",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
    "Verify",
    "VerifyMac",
];

/// Whether `name` is an operation of the AWS KMS model (served here or not).
pub fn is_model_operation(name: &str) -> bool {
    MODEL_OPERATIONS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests;
