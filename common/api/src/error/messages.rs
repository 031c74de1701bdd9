//! The messages recorded from real AWS KMS, as named constructors of [`KmsError`].
//!
//! Each constructor carries AWS's exact wording (see `shared/spec/aws-kms-real-errors.txt`) and
//! is pinned by a test quoting the recorded text; where AWS's wording was not recorded the
//! constructor says so. Callers use these rather than [`KmsError::new`], so a message is written
//! once.

use crate::error::error_type::KmsErrorType;
use crate::error::kms_error::KmsError;

/// Why an IAM/key-policy evaluation denied a request; selects the tail of AWS's
/// `AccessDeniedException` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// No statement of the key policy allows the action (cross-account callers, or a key policy
    /// that names neither the caller nor the account).
    NoResourceBasedPolicy,
    /// No identity-based (IAM) policy allows the action.
    NoIdentityBasedPolicy,
    /// A statement of the key policy explicitly denies the action.
    ExplicitDenyInResourceBasedPolicy,
    /// A statement of an identity-based policy explicitly denies the action.
    ExplicitDenyInIdentityBasedPolicy,
}

impl KmsError {
    // ---- Key and alias lookup (NotFoundException) --------------------------------------------

    /// A well-formed key ID or key ARN that names no key:
    /// `Key 'arn:aws:kms:REGION:ACCOUNT:key/ID' does not exist`. AWS always quotes the full key
    /// ARN here, even when the request used a bare key ID.
    pub fn not_found_key(key_arn: &str) -> Self {
        Self::new(
            KmsErrorType::NotFound,
            format!("Key '{key_arn}' does not exist"),
        )
    }

    /// A key ID that is neither a UUID nor a multi-Region `mrk-` ID: `Invalid keyId 'ID'`.
    pub fn invalid_key_id(key_id: &str) -> Self {
        Self::new(KmsErrorType::NotFound, format!("Invalid keyId '{key_id}'"))
    }

    /// An alias that does not exist: `Alias arn:aws:kms:REGION:ACCOUNT:alias/NAME is not found.`
    /// (AWS names the alias ARN, not the alias name the caller sent.)
    pub fn alias_not_found(alias_arn: &str) -> Self {
        Self::new(
            KmsErrorType::NotFound,
            format!("Alias {alias_arn} is not found."),
        )
    }

    /// A key ARN of another region: `Invalid arn REGION`.
    pub fn invalid_arn_region(region: &str) -> Self {
        Self::new(KmsErrorType::NotFound, format!("Invalid arn {region}"))
    }

    /// A `KeyId` that starts with `arn:` but is not a KMS key or alias ARN.
    ///
    /// AWS's text for this case was not recorded; we answer like the region mismatch (the same
    /// `NotFoundException` family, which every key-taking operation may return) with the bare
    /// `Invalid arn`.
    pub fn malformed_arn() -> Self {
        Self::new(KmsErrorType::NotFound, "Invalid arn")
    }

    // ---- Key state and usage ----------------------------------------------------------------

    /// A disabled key: `DisabledException` `<key-arn> is disabled.`
    pub fn disabled(key_arn: &str) -> Self {
        Self::new(KmsErrorType::Disabled, format!("{key_arn} is disabled."))
    }

    /// A key pending deletion: `KMSInvalidStateException` `<key-arn> is pending deletion.`
    pub fn pending_deletion(key_arn: &str) -> Self {
        Self::new(
            KmsErrorType::KMSInvalidState,
            format!("{key_arn} is pending deletion."),
        )
    }

    /// A multi-Region primary key scheduled for deletion that still has replicas:
    /// `KMSInvalidStateException` `<key-arn> is pending replica deletion.` (the form of the other
    /// key state messages, with AWS's state name).
    pub fn pending_replica_deletion(key_arn: &str) -> Self {
        Self::new(
            KmsErrorType::KMSInvalidState,
            format!("{key_arn} is pending replica deletion."),
        )
    }

    /// A key without key material yet: `KMSInvalidStateException` `<key-arn> is pending import.`
    pub fn pending_import(key_arn: &str) -> Self {
        Self::new(
            KmsErrorType::KMSInvalidState,
            format!("{key_arn} is pending import."),
        )
    }

    /// A key whose usage does not allow the operation:
    /// `<key-arn> key usage is SIGN_VERIFY which is not valid for GenerateDataKey.`
    pub fn invalid_key_usage(key_arn: &str, key_usage: &str, operation: &str) -> Self {
        Self::new(
            KmsErrorType::InvalidKeyUsage,
            format!("{key_arn} key usage is {key_usage} which is not valid for {operation}."),
        )
    }

    /// An algorithm that is not the key spec's (GenerateMac/VerifyMac, Sign/Verify):
    /// `InvalidKeyUsageException` `Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.`
    /// (the wording recorded from AWS for HMAC keys, used for signing keys too).
    pub fn incompatible_algorithm(algorithm: &str, key_spec: &str) -> Self {
        Self::new(
            KmsErrorType::InvalidKeyUsage,
            format!("Algorithm {algorithm} is incompatible with key spec {key_spec}."),
        )
    }

    /// A key whose origin does not allow the operation:
    /// `UnsupportedOperationException` `<key-arn> origin is AWS_KMS which is not valid for this
    /// operation.`
    pub fn unsupported_origin(key_arn: &str, origin: &str) -> Self {
        Self::new(
            KmsErrorType::UnsupportedOperation,
            format!("{key_arn} origin is {origin} which is not valid for this operation."),
        )
    }

    /// Decrypt or ReEncrypt with a `KeyId` that is not the ciphertext's key.
    pub fn incorrect_key() -> Self {
        Self::new(
            KmsErrorType::IncorrectKey,
            "The key ID in the request does not identify a CMK that can perform this operation.",
        )
    }

    /// A ciphertext that does not authenticate (tampered, wrong encryption context, foreign).
    /// AWS says nothing more, on purpose: the message is empty.
    pub fn invalid_ciphertext() -> Self {
        Self::new(KmsErrorType::InvalidCiphertext, "")
    }

    /// Verify with a signature that is not the key's signature of the message: as recorded from
    /// real AWS (aws-kms-real-errors.txt, `test_sign_verify[*]/bad-signature`),
    /// `KMSInvalidSignatureException` with an empty message (Verify never answers
    /// `SignatureValid: false`).
    pub fn kms_invalid_signature() -> Self {
        Self::new(KmsErrorType::KMSInvalidSignature, "")
    }

    /// Sign or Verify with `MessageType` `DIGEST` and a message that is not the algorithm's
    /// digest length: as recorded (`test_sign_verify[*]/bad-digest`), `ValidationException`
    /// `Digest is invalid length for algorithm ECDSA_SHA_256.`
    pub fn invalid_digest_length(algorithm: &str) -> Self {
        Self::new(
            KmsErrorType::Validation,
            format!("Digest is invalid length for algorithm {algorithm}."),
        )
    }

    /// VerifyMac with a MAC that is not the message's HMAC under the key: as recorded from real
    /// AWS, `KMSInvalidMacException` with an empty message (VerifyMac never answers
    /// `MacValid: false`).
    pub fn invalid_mac() -> Self {
        Self::new(KmsErrorType::KMSInvalidMac, "")
    }

    /// Encrypt with an RSA key and a plaintext longer than OAEP allows:
    /// `Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190
    /// bytes.` See [`crate::types::rsa_oaep_max_plaintext_len`] for `max_len`.
    pub fn rsa_plaintext_too_large(algorithm: &str, key_spec: &str, max_len: usize) -> Self {
        Self::new(
            KmsErrorType::Validation,
            format!(
                "Algorithm {algorithm} and key spec {key_spec} cannot encrypt data larger than {max_len} bytes."
            ),
        )
    }

    // ---- Authorization -----------------------------------------------------------------------

    /// A denied request, in AWS's wording for the common cross-account case:
    /// `User: <principal> is not authorized to perform: kms:GenerateDataKey on resource: <arn>
    /// because no resource-based policy allows the kms:GenerateDataKey action`.
    /// `action` is the IAM action (see [`crate::Operation::iam_action`]).
    pub fn access_denied(principal: &str, action: &str, resource: &str) -> Self {
        Self::access_denied_because(
            principal,
            action,
            resource,
            DenyReason::NoResourceBasedPolicy,
        )
    }

    /// A denied request with the reason AWS appends to the message.
    pub fn access_denied_because(
        principal: &str,
        action: &str,
        resource: &str,
        reason: DenyReason,
    ) -> Self {
        let tail = match reason {
            DenyReason::NoResourceBasedPolicy => {
                format!("because no resource-based policy allows the {action} action")
            }
            DenyReason::NoIdentityBasedPolicy => {
                format!("because no identity-based policy allows the {action} action")
            }
            DenyReason::ExplicitDenyInResourceBasedPolicy => {
                "with an explicit deny in a resource-based policy".to_owned()
            }
            DenyReason::ExplicitDenyInIdentityBasedPolicy => {
                "with an explicit deny in an identity-based policy".to_owned()
            }
        };
        Self::new(
            KmsErrorType::AccessDenied,
            format!(
                "User: {principal} is not authorized to perform: {action} on resource: {resource} {tail}"
            ),
        )
    }

    /// `DryRun` was set and everything else checked out.
    pub fn dry_run() -> Self {
        Self::new(
            KmsErrorType::DryRunOperation,
            "The request would have succeeded, but the DryRun option is set.",
        )
    }

    // ---- Validation (service rules; model constraints live in `validate`) --------------------

    /// A `ValidationException` with `message`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(KmsErrorType::Validation, message)
    }

    /// GenerateDataKey(WithoutPlaintext) with both or neither of `KeySpec` and `NumberOfBytes`.
    pub fn key_spec_or_number_of_bytes() -> Self {
        Self::validation("Please specify either number of bytes or key spec.")
    }

    /// GenerateRandom without `NumberOfBytes` (optional in the model, required by the service).
    pub fn number_of_bytes_required() -> Self {
        Self::validation("NumberOfBytes is required.")
    }

    /// An alias name that does not start with `alias/`.
    pub fn alias_prefix_required() -> Self {
        Self::validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        )
    }

    /// CreateAlias with a name in the `alias/aws/` namespace, which AWS reserves for AWS managed
    /// keys. AWS's wording was not recorded; the type is the one the model documents for it.
    pub fn reserved_alias_name(alias_name: &str) -> Self {
        Self::new(
            KmsErrorType::InvalidAliasName,
            format!(
                "Alias {alias_name} cannot be created: the prefix alias/aws/ is reserved for AWS managed keys."
            ),
        )
    }

    /// CreateAlias with a name that is already taken:
    /// `An alias with the name arn:aws:kms:REGION:ACCOUNT:alias/NAME already exists`.
    pub fn alias_already_exists(alias_arn: &str) -> Self {
        Self::new(
            KmsErrorType::AlreadyExists,
            format!("An alias with the name {alias_arn} already exists"),
        )
    }

    /// CreateKey for an asymmetric or HMAC key spec without `KeyUsage`.
    pub fn key_usage_required() -> Self {
        Self::validation(
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
        )
    }

    /// CreateKey with a `KeyUsage` the `KeySpec` does not support:
    /// `KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048`.
    pub fn key_usage_incompatible(key_usage: &str, key_spec: &str) -> Self {
        Self::validation(format!(
            "KeyUsage {key_usage} is not compatible with KeySpec {key_spec}"
        ))
    }

    /// A custom key store ID that names no custom key store (this service has none):
    /// `CustomKeyStoreNotFoundException`. AWS's text was not recorded; this one names the ID.
    pub fn custom_key_store_not_found(custom_key_store_id: &str) -> Self {
        Self::new(
            KmsErrorType::CustomKeyStoreNotFound,
            format!("Unable to find custom key store with ID {custom_key_store_id}"),
        )
    }

    /// A custom key store name that names no custom key store (DescribeCustomKeyStores).
    pub fn custom_key_store_name_not_found(custom_key_store_name: &str) -> Self {
        Self::new(
            KmsErrorType::CustomKeyStoreNotFound,
            format!("Unable to find custom key store with name {custom_key_store_name}"),
        )
    }

    /// Two tags with the same key in one request.
    pub fn duplicate_tag_keys() -> Self {
        Self::new(KmsErrorType::Tag, "Duplicate tag keys")
    }

    /// More tags than a key may carry (50).
    pub fn too_many_tags() -> Self {
        Self::new(KmsErrorType::Tag, "Too many tags")
    }

    /// A tag key starting with `aws:` (any case), which AWS reserves.
    pub fn reserved_tag_key() -> Self {
        Self::new(KmsErrorType::Tag, "Tags beginning with aws: are reserved")
    }

    // ---- Protocol layer ----------------------------------------------------------------------

    /// `X-Amz-Target` (`target`, possibly empty) names no operation of AWS KMS. AWS sends this
    /// without a message; we name what was asked for, so a typo is easy to see.
    pub fn unknown_operation(target: &str) -> Self {
        let message = if target.is_empty() {
            "The request names no operation (X-Amz-Target header missing)".to_string()
        } else {
            format!("{target} is not an operation of AWS KMS (TrentService)")
        };
        Self::new(KmsErrorType::UnknownOperation, message)
    }

    /// `operation` is in the AWS KMS model but this service does not implement it; the
    /// supported ones are listed in the README.
    pub fn unsupported_operation(operation: &str) -> Self {
        Self::new(
            KmsErrorType::UnsupportedOperation,
            format!(
                "{operation} is not supported by this service (nitro-kms implements a subset of AWS KMS)"
            ),
        )
    }

    /// A body that is not JSON of the expected member types.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(KmsErrorType::Serialization, message)
    }

    /// Too many requests (`Rate exceeded`, the AWS-wide wording).
    pub fn throttling() -> Self {
        Self::new(KmsErrorType::Throttling, "Rate exceeded")
    }

    /// An access key (or session token) AWS does not know.
    pub fn unrecognized_client() -> Self {
        Self::new(
            KmsErrorType::UnrecognizedClient,
            "The security token included in the request is invalid.",
        )
    }

    /// A SigV4 signature that does not match.
    pub fn invalid_signature() -> Self {
        Self::new(
            KmsErrorType::InvalidSignature,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    }

    /// A SigV4 credential scope naming a region the endpoint does not serve (AWS's answer to a
    /// request signed for another region than the endpoint's).
    pub fn invalid_signature_region(region: &str) -> Self {
        Self::new(
            KmsErrorType::InvalidSignature,
            format!("Credential should be scoped to a valid region, not '{region}'. "),
        )
    }

    /// A request with no signature at all.
    pub fn missing_authentication_token() -> Self {
        Self::new(
            KmsErrorType::MissingAuthenticationToken,
            "Missing Authentication Token",
        )
    }

    /// An expired session token.
    pub fn expired_token() -> Self {
        Self::new(
            KmsErrorType::ExpiredToken,
            "The security token included in the request is expired",
        )
    }

    /// An internal failure (HTTP 500). Keep `message` free of secrets and internals.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(KmsErrorType::KMSInternal, message)
    }
}
