//! The table of AWS KMS error types: each `__type` name and the HTTP status AWS answers it with.
//!
//! SDKs pick the exception class from `__type` (after stripping any `namespace#` prefix), so the
//! names must be exact. Client errors are 400; the three "fault" shapes of the model
//! (`KMSInternalException`, `DependencyTimeoutException`, `KeyUnavailableException`) are 500,
//! which is what makes SDKs retry them.

use std::fmt;

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
            /// A `__type` not in this table (only produced by
            /// [`KmsError::from_json`](crate::error::KmsError::from_json)); the raw name is kept in
            /// the [`KmsError`](crate::error::KmsError).
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
pub(crate) fn bare_type_name(raw: &str) -> &str {
    let after_hash = raw.rsplit_once('#').map_or(raw, |(_, name)| name);
    after_hash
        .split_once(':')
        .map_or(after_hash, |(name, _)| name)
        .trim()
}
