//! AWS KMS errors: their `__type` names, HTTP statuses, messages and JSON bodies.
//!
//! An AWS JSON 1.1 error is an HTTP status plus a body `{"__type":"NotFoundException","message":
//! "..."}`. SDKs pick the exception class from `__type` (after stripping any
//! `namespace#` prefix) and fill the exception's modelled `message` field from the lower-case key,
//! so both must be exact. Client errors are 400; the three "fault" shapes of the model
//! (`KMSInternalException`, `DependencyTimeoutException`, `KeyUnavailableException`) are 500, which
//! is what makes SDKs retry them.
//!
//! The constructors carry the messages recorded from real AWS (see
//! `shared/spec/aws-kms-real-errors.txt`); each is pinned by a test quoting the recorded text.

use std::fmt;

use serde_json::{Map, Value};

/// Declares [`KmsErrorType`] from a single table of (variant, `__type`, HTTP status).
macro_rules! error_types {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal => $status:literal, )+) => {
        /// Every error type a KMS endpoint can answer with.
        ///
        /// This covers every error shape of the KMS service model (so a client can parse anything
        /// AWS returns), plus the errors of the AWS JSON protocol layer that are not in the model
        /// (`ValidationException`, `AccessDeniedException`, `SerializationException`, signature
        /// and throttling errors). [`KmsErrorType::Unrecognized`] stands for a `__type` this table
        /// does not know, as seen by a client.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum KmsErrorType {
            $( $(#[$doc])* $variant, )+
            /// A `__type` not in this table (only produced by [`KmsError::from_json`]); the raw
            /// name is kept in the [`KmsError`].
            Unrecognized,
        }

        impl KmsErrorType {
            /// Every known type (all but [`KmsErrorType::Unrecognized`]).
            pub const ALL: &'static [KmsErrorType] = &[$(KmsErrorType::$variant),+];

            /// The `__type` string exactly as AWS sends it (without a namespace prefix).
            pub const fn type_name(self) -> &'static str {
                match self {
                    $( KmsErrorType::$variant => $name, )+
                    KmsErrorType::Unrecognized => "UnrecognizedException",
                }
            }

            /// The HTTP status AWS answers this error with.
            pub const fn http_status(self) -> u16 {
                match self {
                    $( KmsErrorType::$variant => $status, )+
                    KmsErrorType::Unrecognized => 400,
                }
            }
        }
    };
}

error_types! {
    // --- Modelled KMS errors (kms-service-2.json), alphabetically. ---
    /// The resource (alias, key store, ...) already exists.
    AlreadyExists = "AlreadyExistsException" => 400,
    /// The CloudHSM cluster is in use by another key store.
    CloudHsmClusterInUse = "CloudHsmClusterInUseException" => 400,
    /// The CloudHSM cluster is not configured as KMS requires.
    CloudHsmClusterInvalidConfiguration = "CloudHsmClusterInvalidConfigurationException" => 400,
    /// The CloudHSM cluster is not active.
    CloudHsmClusterNotActive = "CloudHsmClusterNotActiveException" => 400,
    /// The CloudHSM cluster does not exist.
    CloudHsmClusterNotFound = "CloudHsmClusterNotFoundException" => 400,
    /// The CloudHSM cluster is not related to the key store's cluster.
    CloudHsmClusterNotRelated = "CloudHsmClusterNotRelatedException" => 400,
    /// A conflicting operation is in progress.
    Conflict = "ConflictException" => 400,
    /// The custom key store still contains KMS keys.
    CustomKeyStoreHasCMKs = "CustomKeyStoreHasCMKsException" => 400,
    /// The custom key store is not in a state that allows the operation.
    CustomKeyStoreInvalidState = "CustomKeyStoreInvalidStateException" => 400,
    /// The custom key store name is taken.
    CustomKeyStoreNameInUse = "CustomKeyStoreNameInUseException" => 400,
    /// The custom key store does not exist.
    CustomKeyStoreNotFound = "CustomKeyStoreNotFoundException" => 400,
    /// A dependency of KMS timed out (a server fault; SDKs retry it).
    DependencyTimeout = "DependencyTimeoutException" => 500,
    /// The key is disabled.
    Disabled = "DisabledException" => 400,
    /// `DryRun` was set and the request would have succeeded.
    DryRunOperation = "DryRunOperationException" => 400,
    /// The import token has expired.
    ExpiredImportToken = "ExpiredImportTokenException" => 400,
    /// The key in the request is not the one that can perform the operation (Decrypt/ReEncrypt).
    IncorrectKey = "IncorrectKeyException" => 400,
    /// Imported key material does not match the key's previous material.
    IncorrectKeyMaterial = "IncorrectKeyMaterialException" => 400,
    /// The trust anchor does not match the CloudHSM cluster.
    IncorrectTrustAnchor = "IncorrectTrustAnchorException" => 400,
    /// The alias name is not valid.
    InvalidAliasName = "InvalidAliasNameException" => 400,
    /// An ARN (in the request or a policy) is not valid.
    InvalidArn = "InvalidArnException" => 400,
    /// The ciphertext, its encryption context or its key does not authenticate. AWS sends it with
    /// no message.
    InvalidCiphertext = "InvalidCiphertextException" => 400,
    /// The grant ID is not valid.
    InvalidGrantId = "InvalidGrantIdException" => 400,
    /// A grant token is not valid.
    InvalidGrantToken = "InvalidGrantTokenException" => 400,
    /// The import token is not valid.
    InvalidImportToken = "InvalidImportTokenException" => 400,
    /// The key's usage (or spec) does not allow the operation.
    InvalidKeyUsage = "InvalidKeyUsageException" => 400,
    /// The pagination marker is not valid.
    InvalidMarker = "InvalidMarkerException" => 400,
    /// An internal error of KMS (a server fault; SDKs retry it).
    KMSInternal = "KMSInternalException" => 500,
    /// A MAC did not verify.
    KMSInvalidMac = "KMSInvalidMacException" => 400,
    /// A signature did not verify.
    KMSInvalidSignature = "KMSInvalidSignatureException" => 400,
    /// The key's state does not allow the operation (pending deletion, pending import, ...).
    KMSInvalidState = "KMSInvalidStateException" => 400,
    /// The key is temporarily unavailable (a server fault; SDKs retry it).
    KeyUnavailable = "KeyUnavailableException" => 500,
    /// A quota was exceeded.
    LimitExceeded = "LimitExceededException" => 400,
    /// The key policy is not valid.
    MalformedPolicyDocument = "MalformedPolicyDocumentException" => 400,
    /// The key, alias or other resource does not exist (also used for malformed key IDs).
    NotFound = "NotFoundException" => 400,
    /// A tag is not valid or a tag limit was exceeded.
    Tag = "TagException" => 400,
    /// The operation is not supported for this key or in this context.
    UnsupportedOperation = "UnsupportedOperationException" => 400,
    /// The external key is already used by another KMS key.
    XksKeyAlreadyInUse = "XksKeyAlreadyInUseException" => 400,
    /// The external key is not configured as KMS requires.
    XksKeyInvalidConfiguration = "XksKeyInvalidConfigurationException" => 400,
    /// The external key was not found.
    XksKeyNotFound = "XksKeyNotFoundException" => 400,
    /// The external key store proxy rejected the credentials.
    XksProxyIncorrectAuthenticationCredential = "XksProxyIncorrectAuthenticationCredentialException" => 400,
    /// The external key store proxy is misconfigured.
    XksProxyInvalidConfiguration = "XksProxyInvalidConfigurationException" => 400,
    /// The external key store proxy answered with an invalid response.
    XksProxyInvalidResponse = "XksProxyInvalidResponseException" => 400,
    /// The proxy URI endpoint is already in use.
    XksProxyUriEndpointInUse = "XksProxyUriEndpointInUseException" => 400,
    /// The proxy URI is already in use.
    XksProxyUriInUse = "XksProxyUriInUseException" => 400,
    /// The proxy URI is unreachable.
    XksProxyUriUnreachable = "XksProxyUriUnreachableException" => 400,
    /// The VPC endpoint service is already in use.
    XksProxyVpcEndpointServiceInUse = "XksProxyVpcEndpointServiceInUseException" => 400,
    /// The VPC endpoint service is misconfigured.
    XksProxyVpcEndpointServiceInvalidConfiguration = "XksProxyVpcEndpointServiceInvalidConfigurationException" => 400,
    /// The VPC endpoint service was not found.
    XksProxyVpcEndpointServiceNotFound = "XksProxyVpcEndpointServiceNotFoundException" => 400,
    // --- Errors of the AWS JSON protocol layer (not in the model). ---
    /// A request member violates a constraint or a service rule.
    Validation = "ValidationException" => 400,
    /// The caller is not authorized (IAM or key policy).
    AccessDenied = "AccessDeniedException" => 400,
    /// `X-Amz-Target` names no operation of the service.
    UnknownOperation = "UnknownOperationException" => 400,
    /// The body is not valid JSON of the right member types (bad base64 included).
    Serialization = "SerializationException" => 400,
    /// The request rate exceeded the quota.
    Throttling = "ThrottlingException" => 400,
    /// The access key or security token is not known.
    UnrecognizedClient = "UnrecognizedClientException" => 400,
    /// The SigV4 signature does not match.
    InvalidSignature = "InvalidSignatureException" => 400,
    /// The `Authorization` header is incomplete.
    IncompleteSignature = "IncompleteSignatureException" => 400,
    /// No `Authorization` header (or query signature) at all.
    MissingAuthenticationToken = "MissingAuthenticationTokenException" => 400,
    /// The session token has expired.
    ExpiredToken = "ExpiredTokenException" => 400,
}

impl KmsErrorType {
    /// Looks a type up by its `__type` as any AWS endpoint may send it: bare
    /// (`NotFoundException`), namespaced (`com.amazonaws.kms#NotFoundException`) or with the
    /// `:`-suffix some endpoints add in `x-amzn-ErrorType` (`NotFoundException:http://...`).
    pub fn from_type_name(raw: &str) -> Option<Self> {
        let name = bare_type_name(raw);
        Self::ALL.iter().copied().find(|t| t.type_name() == name)
    }

    /// Whether AWS classifies this as a server fault (5xx), which SDKs retry.
    pub const fn is_fault(self) -> bool {
        self.http_status() >= 500
    }
}

impl fmt::Display for KmsErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

/// Strips a `namespace#` prefix and a `:...` suffix from a `__type`, as botocore does.
fn bare_type_name(raw: &str) -> &str {
    let after_hash = raw.rsplit_once('#').map_or(raw, |(_, name)| name);
    after_hash
        .split_once(':')
        .map_or(after_hash, |(name, _)| name)
        .trim()
}

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

/// A KMS error: its type and its message, ready to be sent or as received.
///
/// Construct it with the named constructors (which carry AWS's exact wording) rather than with
/// [`KmsError::new`] wherever one exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct KmsError {
    kind: KmsErrorType,
    /// The raw `__type` of an [`KmsErrorType::Unrecognized`] error, to show it as received.
    raw_type: Option<String>,
    message: String,
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(self.type_name())
        } else {
            write!(f, "{}: {}", self.type_name(), self.message)
        }
    }
}

/// Why [`KmsError::from_json`] could not read a body as an AWS error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorBodyError {
    /// The body is not a JSON object.
    #[error("error body is not a JSON object")]
    NotAnObject,
    /// The object has no string `__type` member.
    #[error("error body has no __type")]
    MissingType,
}

impl KmsError {
    /// An error of `kind` with `message`. Prefer a named constructor where one exists.
    pub fn new(kind: KmsErrorType, message: impl Into<String>) -> Self {
        Self {
            kind,
            raw_type: None,
            message: message.into(),
        }
    }

    /// The error type.
    pub fn kind(&self) -> KmsErrorType {
        self.kind
    }

    /// The `__type` string (without namespace), as sent on the wire.
    pub fn type_name(&self) -> &str {
        match (&self.kind, &self.raw_type) {
            (KmsErrorType::Unrecognized, Some(raw)) => raw,
            (kind, _) => kind.type_name(),
        }
    }

    /// The HTTP status to answer with.
    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }

    /// The message (possibly empty, e.g. for `InvalidCiphertextException`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON error body: `{"__type":"NotFoundException","message":"..."}`.
    ///
    /// `message` is lower-case because boto3 fills the exception's modelled field only from that
    /// key. An empty message is omitted altogether, because that is what AWS sends
    /// (`{"__type":"InvalidCiphertextException"}`, seen in aws-cli#1100 and
    /// aws-nitro-enclaves-sdk-c#68); SDKs then report an empty message, as the recordings show.
    pub fn to_json(&self) -> String {
        let mut body = Map::new();
        body.insert("__type".into(), Value::String(self.type_name().to_owned()));
        if !self.message.is_empty() {
            body.insert("message".into(), Value::String(self.message.clone()));
        }
        Value::Object(body).to_string()
    }

    /// Reads an AWS error body (the client side of [`KmsError::to_json`]).
    ///
    /// Tolerant as SDKs are: `message` or `Message`, a missing or `null` message (empty), and a
    /// `__type` with a namespace prefix (`com.amazonaws.kms#NotFoundException`). An unknown type is
    /// kept as [`KmsErrorType::Unrecognized`] with its bare name.
    pub fn from_json(body: &[u8]) -> Result<Self, ErrorBodyError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| ErrorBodyError::NotAnObject)?;
        let object = value.as_object().ok_or(ErrorBodyError::NotAnObject)?;
        let raw_type = object
            .get("__type")
            .and_then(Value::as_str)
            .ok_or(ErrorBodyError::MissingType)?;
        let message = ["message", "Message"]
            .iter()
            .find_map(|key| object.get(*key).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        Ok(match KmsErrorType::from_type_name(raw_type) {
            Some(kind) => Self::new(kind, message),
            None => Self {
                kind: KmsErrorType::Unrecognized,
                raw_type: Some(bare_type_name(raw_type).to_owned()),
                message,
            },
        })
    }

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

    /// `X-Amz-Target` names no operation we serve. AWS sends this without a message.
    pub fn unknown_operation() -> Self {
        Self::new(KmsErrorType::UnknownOperation, "")
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ARN: &str =
        "arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc";

    #[test]
    fn to_json_renders_type_and_lower_case_message() {
        let err = KmsError::not_found_key(KEY_ARN);
        assert_eq!(
            err.to_json(),
            format!(
                r#"{{"__type":"NotFoundException","message":"Key '{KEY_ARN}' does not exist"}}"#
            )
        );
    }

    #[test]
    fn to_json_omits_an_empty_message_as_aws_does() {
        assert_eq!(
            KmsError::invalid_ciphertext().to_json(),
            r#"{"__type":"InvalidCiphertextException"}"#
        );
    }

    #[test]
    fn to_json_escapes_quotes_in_messages() {
        let json = KmsError::alias_prefix_required().to_json();
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["message"], KmsError::alias_prefix_required().message());
        assert!(json.contains(r#"\"alias/\""#));
    }

    #[test]
    fn to_json_and_from_json_round_trip_every_type() {
        for &kind in KmsErrorType::ALL {
            for message in ["", "some message with 'quotes' and \"double quotes\""] {
                let err = KmsError::new(kind, message);
                let back = KmsError::from_json(err.to_json().as_bytes()).unwrap();
                assert_eq!(back, err);
            }
        }
    }

    #[test]
    fn from_json_accepts_capitalised_message_and_namespaced_type() {
        let err = KmsError::from_json(
            br#"{"__type":"com.amazonaws.kms#NotFoundException","Message":"Invalid keyId 'x'"}"#,
        )
        .unwrap();
        assert_eq!(err.kind(), KmsErrorType::NotFound);
        assert_eq!(err.message(), "Invalid keyId 'x'");

        let err = KmsError::from_json(
            br#"{"__type":"com.amazon.coral.service#SerializationException","Message":null}"#,
        )
        .unwrap();
        assert_eq!(err.kind(), KmsErrorType::Serialization);
        assert_eq!(err.message(), "");
    }

    #[test]
    fn from_json_reads_a_body_without_message() {
        let err = KmsError::from_json(br#"{"__type":"InvalidCiphertextException"}"#).unwrap();
        assert_eq!(err, KmsError::invalid_ciphertext());
    }

    #[test]
    fn from_json_keeps_an_unknown_type_by_name() {
        let err =
            KmsError::from_json(br#"{"__type":"aws#BrandNewException","message":"m"}"#).unwrap();
        assert_eq!(err.kind(), KmsErrorType::Unrecognized);
        assert_eq!(err.type_name(), "BrandNewException");
        assert_eq!(err.to_string(), "BrandNewException: m");
    }

    #[test]
    fn from_json_rejects_bodies_that_are_not_errors() {
        assert_eq!(
            KmsError::from_json(b"not json"),
            Err(ErrorBodyError::NotAnObject)
        );
        assert_eq!(KmsError::from_json(b"[]"), Err(ErrorBodyError::NotAnObject));
        assert_eq!(
            KmsError::from_json(br#"{"message":"x"}"#),
            Err(ErrorBodyError::MissingType)
        );
    }

    #[test]
    fn from_type_name_strips_namespace_and_suffix() {
        assert_eq!(
            KmsErrorType::from_type_name("NotFoundException:http://internal.amazon.com/coral/"),
            Some(KmsErrorType::NotFound)
        );
        assert_eq!(
            KmsErrorType::from_type_name("com.amazon.coral.validate#ValidationException"),
            Some(KmsErrorType::Validation)
        );
        assert_eq!(KmsErrorType::from_type_name("Nope"), None);
    }

    #[test]
    fn http_status_is_500_for_faults_and_400_for_client_errors() {
        for kind in [
            KmsErrorType::KMSInternal,
            KmsErrorType::DependencyTimeout,
            KmsErrorType::KeyUnavailable,
        ] {
            assert_eq!(kind.http_status(), 500, "{kind}");
            assert!(kind.is_fault());
        }
        for kind in [
            KmsErrorType::NotFound,
            KmsErrorType::Disabled,
            KmsErrorType::KMSInvalidState,
            KmsErrorType::InvalidKeyUsage,
            KmsErrorType::InvalidCiphertext,
            KmsErrorType::IncorrectKey,
            KmsErrorType::InvalidGrantToken,
            KmsErrorType::Validation,
            KmsErrorType::AccessDenied,
            KmsErrorType::AlreadyExists,
            KmsErrorType::LimitExceeded,
            KmsErrorType::MalformedPolicyDocument,
            KmsErrorType::InvalidAliasName,
            KmsErrorType::InvalidArn,
            KmsErrorType::Tag,
            KmsErrorType::DryRunOperation,
            KmsErrorType::UnsupportedOperation,
            KmsErrorType::InvalidMarker,
            KmsErrorType::UnknownOperation,
            KmsErrorType::Serialization,
            KmsErrorType::Throttling,
            KmsErrorType::UnrecognizedClient,
            KmsErrorType::InvalidSignature,
        ] {
            assert_eq!(kind.http_status(), 400, "{kind}");
            assert!(!kind.is_fault());
        }
    }

    #[test]
    fn type_names_are_unique() {
        let mut names: Vec<_> = KmsErrorType::ALL.iter().map(|t| t.type_name()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn invalid_ciphertext_has_an_empty_message() {
        let err = KmsError::invalid_ciphertext();
        assert_eq!(err.type_name(), "InvalidCiphertextException");
        assert_eq!(err.message(), "");
        assert_eq!(err.to_string(), "InvalidCiphertextException");
    }

    // Each of the following quotes a message recorded from real AWS KMS
    // (shared/spec/aws-kms-real-errors.txt), with the recording's placeholder filled in.

    #[test]
    fn not_found_key_matches_recorded_text() {
        let err = KmsError::not_found_key(KEY_ARN);
        assert_eq!(err.kind(), KmsErrorType::NotFound);
        assert_eq!(
            err.message(),
            "Key 'arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc' does not exist"
        );
    }

    #[test]
    fn invalid_key_id_matches_recorded_texts() {
        assert_eq!(
            KmsError::invalid_key_id("fake-key-id").message(),
            "Invalid keyId 'fake-key-id'"
        );
        assert_eq!(
            KmsError::invalid_key_id("134f2428cec14b25a1ae9048164dba47").message(),
            "Invalid keyId '134f2428cec14b25a1ae9048164dba47'"
        );
        assert_eq!(
            KmsError::invalid_key_id("mrk-fake-key-id").message(),
            "Invalid keyId 'mrk-fake-key-id'"
        );
        assert_eq!(
            KmsError::invalid_key_id("key_id").kind(),
            KmsErrorType::NotFound
        );
    }

    #[test]
    fn alias_not_found_and_invalid_arn_region_match_behaviour_notes() {
        let err = KmsError::alias_not_found("arn:aws:kms:eu-west-1:111111111111:alias/missing");
        assert_eq!(err.kind(), KmsErrorType::NotFound);
        assert_eq!(
            err.message(),
            "Alias arn:aws:kms:eu-west-1:111111111111:alias/missing is not found."
        );
        let err = KmsError::invalid_arn_region("ap-southeast-1");
        assert_eq!(err.kind(), KmsErrorType::NotFound);
        assert_eq!(err.message(), "Invalid arn ap-southeast-1");
    }

    #[test]
    fn key_state_errors_match_recorded_texts() {
        let err = KmsError::disabled(KEY_ARN);
        assert_eq!(err.type_name(), "DisabledException");
        assert_eq!(err.message(), format!("{KEY_ARN} is disabled."));
        let err = KmsError::pending_deletion(KEY_ARN);
        assert_eq!(err.type_name(), "KMSInvalidStateException");
        assert_eq!(err.message(), format!("{KEY_ARN} is pending deletion."));
        let err = KmsError::pending_import(KEY_ARN);
        assert_eq!(err.type_name(), "KMSInvalidStateException");
        assert_eq!(
            err.message(),
            "arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc is pending import."
        );
    }

    #[test]
    fn invalid_key_usage_matches_recorded_texts() {
        let err = KmsError::invalid_key_usage(KEY_ARN, "SIGN_VERIFY", "Encrypt");
        assert_eq!(err.type_name(), "InvalidKeyUsageException");
        assert_eq!(
            err.message(),
            format!("{KEY_ARN} key usage is SIGN_VERIFY which is not valid for Encrypt.")
        );
        assert_eq!(
            KmsError::invalid_key_usage(KEY_ARN, "SIGN_VERIFY", "GenerateDataKey").message(),
            format!("{KEY_ARN} key usage is SIGN_VERIFY which is not valid for GenerateDataKey.")
        );
    }

    #[test]
    fn unsupported_origin_matches_recorded_text() {
        let err = KmsError::unsupported_origin(KEY_ARN, "AWS_KMS");
        assert_eq!(err.type_name(), "UnsupportedOperationException");
        assert_eq!(
            err.message(),
            format!("{KEY_ARN} origin is AWS_KMS which is not valid for this operation.")
        );
    }

    #[test]
    fn incorrect_key_matches_recorded_text() {
        let err = KmsError::incorrect_key();
        assert_eq!(err.type_name(), "IncorrectKeyException");
        assert_eq!(
            err.message(),
            "The key ID in the request does not identify a CMK that can perform this operation."
        );
    }

    #[test]
    fn dry_run_matches_recorded_text() {
        let err = KmsError::dry_run();
        assert_eq!(err.type_name(), "DryRunOperationException");
        assert_eq!(
            err.message(),
            "The request would have succeeded, but the DryRun option is set."
        );
        assert_eq!(err.http_status(), 400);
    }

    #[test]
    fn access_denied_matches_behaviour_notes_text() {
        let err = KmsError::access_denied(
            "arn:aws:iam::222222222222:role/app",
            "kms:GenerateDataKey",
            KEY_ARN,
        );
        assert_eq!(err.type_name(), "AccessDeniedException");
        assert_eq!(
            err.message(),
            format!(
                "User: arn:aws:iam::222222222222:role/app is not authorized to perform: kms:GenerateDataKey on resource: {KEY_ARN} because no resource-based policy allows the kms:GenerateDataKey action"
            )
        );
    }

    #[test]
    fn access_denied_because_explicit_deny_uses_the_deny_tail() {
        let err = KmsError::access_denied_because(
            "arn:aws:iam::1:user/u",
            "kms:Decrypt",
            KEY_ARN,
            DenyReason::ExplicitDenyInResourceBasedPolicy,
        );
        assert!(
            err.message()
                .ends_with(" on resource: arn:aws:kms:us-east-1:111111111111:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc with an explicit deny in a resource-based policy")
        );
    }

    #[test]
    fn service_rule_validation_messages_match_recorded_texts() {
        assert_eq!(
            KmsError::number_of_bytes_required().message(),
            "NumberOfBytes is required."
        );
        assert_eq!(
            KmsError::alias_prefix_required().message(),
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        );
        assert_eq!(
            KmsError::key_usage_required().message(),
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."
        );
        assert_eq!(
            KmsError::key_usage_incompatible("KEY_AGREEMENT", "RSA_2048").message(),
            "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048"
        );
        assert_eq!(
            KmsError::key_spec_or_number_of_bytes().message(),
            "Please specify either number of bytes or key spec."
        );
        for err in [
            KmsError::number_of_bytes_required(),
            KmsError::alias_prefix_required(),
            KmsError::key_usage_required(),
            KmsError::key_spec_or_number_of_bytes(),
        ] {
            assert_eq!(err.type_name(), "ValidationException");
        }
    }

    #[test]
    fn tag_errors_match_recorded_texts() {
        for (err, text) in [
            (KmsError::duplicate_tag_keys(), "Duplicate tag keys"),
            (KmsError::too_many_tags(), "Too many tags"),
            (
                KmsError::reserved_tag_key(),
                "Tags beginning with aws: are reserved",
            ),
        ] {
            assert_eq!(err.type_name(), "TagException");
            assert_eq!(err.message(), text);
        }
    }

    #[test]
    fn display_shows_type_and_message() {
        assert_eq!(
            KmsError::invalid_key_id("x").to_string(),
            "NotFoundException: Invalid keyId 'x'"
        );
        assert_eq!(
            KmsError::unknown_operation().to_string(),
            "UnknownOperationException"
        );
    }
}
