//! Request and response structs of the KMS operations nitro-kms serves, one file per family.
//!
//! Conventions shared by every struct here:
//! - member names are the model's, exactly (`#[serde(rename_all = "PascalCase")]`, checked
//!   against the model by a test);
//! - every member is an `Option`: required members are enforced by validation, so a missing one
//!   earns AWS's `Value null at '...' failed to satisfy constraint: Member must not be null`
//!   rather than a parse error; `None` members are omitted when serializing;
//! - enum members of requests are `String`s with typed accessors, so unknown values reach
//!   validation and are quoted back as AWS quotes them;
//! - response fields are declared in ASCII order of their names, the order AWS writes them in;
//! - secret members (`Plaintext`, `PrivateKeyPlaintext`) are [`nitro_kms_crypto::secret::SecretBytes`].
//!
//! [`KmsRequest`] ties them to [`Operation`]: one call turns an `X-Amz-Target` and a body into
//! a typed, validated request or the error AWS would send.

pub mod aliases;
pub mod custom_key_stores;
pub mod data_key;
pub mod data_key_pair;
pub mod encrypt_decrypt;
pub mod grants;
pub mod import;
pub mod kem;
pub mod key_agreement;
pub mod key_description;
pub mod key_last_usage;
pub mod keys;
pub mod mac;
pub mod multi_region;
pub mod policy;
pub mod random;
pub mod rotation;
pub mod sign;
pub mod tags;

pub use aliases::{
    CreateAliasRequest, DeleteAliasRequest, ListAliasesRequest, ListAliasesResponse,
    UpdateAliasRequest,
};
pub use custom_key_stores::{
    ConnectCustomKeyStoreRequest, ConnectCustomKeyStoreResponse, CreateCustomKeyStoreRequest,
    CreateCustomKeyStoreResponse, DeleteCustomKeyStoreRequest, DeleteCustomKeyStoreResponse,
    DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse,
    DisconnectCustomKeyStoreRequest, DisconnectCustomKeyStoreResponse, UpdateCustomKeyStoreRequest,
    UpdateCustomKeyStoreResponse,
};
pub use data_key::{
    GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse,
};
pub use data_key_pair::{
    GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyPairWithoutPlaintextRequest, GenerateDataKeyPairWithoutPlaintextResponse,
};
pub use encrypt_decrypt::{
    DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, ReEncryptRequest,
    ReEncryptResponse,
};
pub use grants::{
    CreateGrantRequest, CreateGrantResponse, ListGrantsRequest, ListGrantsResponse,
    ListRetirableGrantsRequest, RetireGrantRequest, RevokeGrantRequest,
};
pub use import::{
    DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse,
    GetParametersForImportRequest, GetParametersForImportResponse, ImportKeyMaterialRequest,
    ImportKeyMaterialResponse,
};
pub use kem::{DecapsulateRequest, DecapsulateResponse, EncapsulateRequest, EncapsulateResponse};
pub use key_agreement::{DeriveSharedSecretRequest, DeriveSharedSecretResponse};
pub use key_description::UpdateKeyDescriptionRequest;
pub use key_last_usage::{GetKeyLastUsageRequest, GetKeyLastUsageResponse, KeyLastUsageData};
pub use keys::{
    CancelKeyDeletionRequest, CancelKeyDeletionResponse, CreateKeyRequest, CreateKeyResponse,
    DescribeKeyRequest, DescribeKeyResponse, DisableKeyRequest, EnableKeyRequest, ListKeysRequest,
    ListKeysResponse, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse,
};
pub use mac::{GenerateMacRequest, GenerateMacResponse, VerifyMacRequest, VerifyMacResponse};
pub use multi_region::{ReplicateKeyRequest, ReplicateKeyResponse, UpdatePrimaryRegionRequest};
pub use policy::{
    GetKeyPolicyRequest, GetKeyPolicyResponse, ListKeyPoliciesRequest, ListKeyPoliciesResponse,
    PutKeyPolicyRequest,
};
pub use random::{GenerateRandomRequest, GenerateRandomResponse};
pub use rotation::{
    DisableKeyRotationRequest, EnableKeyRotationRequest, GetKeyRotationStatusRequest,
    GetKeyRotationStatusResponse, ListKeyRotationsRequest, ListKeyRotationsResponse,
    RotateKeyOnDemandRequest, RotateKeyOnDemandResponse,
};
pub use sign::{
    GetPublicKeyRequest, GetPublicKeyResponse, SignRequest, SignResponse, VerifyRequest,
    VerifyResponse,
};
pub use tags::{
    ListResourceTagsRequest, ListResourceTagsResponse, TagResourceRequest, UntagResourceRequest,
};

use crate::error::KmsError;
use crate::json;
use crate::operation::Operation;

/// Declares [`KmsRequest`] with one variant per operation, named after it.
macro_rules! requests {
    ($($op:ident => $request:ty,)+) => {
        /// A parsed, validated request of any served operation.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum KmsRequest {
            $(
                #[doc = concat!("A `", stringify!($op), "` request.")]
                $op($request),
            )+
        }

        impl KmsRequest {
            /// Reads and validates `body` as a request of `operation`, exactly as AWS would:
            /// member types and base64 first (`SerializationException`), then model
            /// constraints and service rules (`ValidationException` and friends).
            pub fn parse(operation: Operation, body: &[u8]) -> Result<Self, KmsError> {
                Ok(match operation {
                    $( Operation::$op => KmsRequest::$op(json::parse::<$request>(body)?), )+
                })
            }

            /// The operation of this request.
            pub fn operation(&self) -> Operation {
                match self {
                    $( KmsRequest::$op(_) => Operation::$op, )+
                }
            }

            /// The request as a JSON body, as a client sends it.
            pub fn to_json(&self) -> Result<String, KmsError> {
                let text = match self {
                    $( KmsRequest::$op(request) => serde_json::to_string(request), )+
                };
                text.map_err(|e| KmsError::internal(format!("request serialization failed: {e}")))
            }
        }
    };
}

requests! {
    GenerateDataKey => GenerateDataKeyRequest,
    GenerateDataKeyWithoutPlaintext => GenerateDataKeyWithoutPlaintextRequest,
    Decrypt => DecryptRequest,
    Encrypt => EncryptRequest,
    ReEncrypt => ReEncryptRequest,
    GenerateMac => GenerateMacRequest,
    VerifyMac => VerifyMacRequest,
    GenerateRandom => GenerateRandomRequest,
    CreateKey => CreateKeyRequest,
    DescribeKey => DescribeKeyRequest,
    ListKeys => ListKeysRequest,
    CreateAlias => CreateAliasRequest,
    UpdateAlias => UpdateAliasRequest,
    DeleteAlias => DeleteAliasRequest,
    ListAliases => ListAliasesRequest,
    EnableKey => EnableKeyRequest,
    DisableKey => DisableKeyRequest,
    ScheduleKeyDeletion => ScheduleKeyDeletionRequest,
    CancelKeyDeletion => CancelKeyDeletionRequest,
    GetKeyPolicy => GetKeyPolicyRequest,
    PutKeyPolicy => PutKeyPolicyRequest,
    GenerateDataKeyPair => GenerateDataKeyPairRequest,
    GenerateDataKeyPairWithoutPlaintext => GenerateDataKeyPairWithoutPlaintextRequest,
    TagResource => TagResourceRequest,
    UntagResource => UntagResourceRequest,
    ListResourceTags => ListResourceTagsRequest,
    UpdateKeyDescription => UpdateKeyDescriptionRequest,
    ListKeyPolicies => ListKeyPoliciesRequest,
    CreateCustomKeyStore => CreateCustomKeyStoreRequest,
    ConnectCustomKeyStore => ConnectCustomKeyStoreRequest,
    DeleteCustomKeyStore => DeleteCustomKeyStoreRequest,
    DescribeCustomKeyStores => DescribeCustomKeyStoresRequest,
    DisconnectCustomKeyStore => DisconnectCustomKeyStoreRequest,
    UpdateCustomKeyStore => UpdateCustomKeyStoreRequest,
    Sign => SignRequest,
    Verify => VerifyRequest,
    GetPublicKey => GetPublicKeyRequest,
    EnableKeyRotation => EnableKeyRotationRequest,
    DisableKeyRotation => DisableKeyRotationRequest,
    GetKeyRotationStatus => GetKeyRotationStatusRequest,
    RotateKeyOnDemand => RotateKeyOnDemandRequest,
    ListKeyRotations => ListKeyRotationsRequest,
    GetParametersForImport => GetParametersForImportRequest,
    ImportKeyMaterial => ImportKeyMaterialRequest,
    DeleteImportedKeyMaterial => DeleteImportedKeyMaterialRequest,
    DeriveSharedSecret => DeriveSharedSecretRequest,
    CreateGrant => CreateGrantRequest,
    ListGrants => ListGrantsRequest,
    ListRetirableGrants => ListRetirableGrantsRequest,
    RetireGrant => RetireGrantRequest,
    RevokeGrant => RevokeGrantRequest,
    Encapsulate => EncapsulateRequest,
    Decapsulate => DecapsulateRequest,
    ReplicateKey => ReplicateKeyRequest,
    UpdatePrimaryRegion => UpdatePrimaryRegionRequest,
    GetKeyLastUsage => GetKeyLastUsageRequest,
}

impl KmsRequest {
    /// The request's `GrantTokens` (empty for operations whose model has none, and for
    /// CreateGrant, which checks its own after finding its key), so the service can check every
    /// token of every request in one place.
    pub fn grant_tokens(&self) -> &[String] {
        let tokens = match self {
            KmsRequest::GenerateDataKey(r) => &r.grant_tokens,
            KmsRequest::GenerateDataKeyWithoutPlaintext(r) => &r.grant_tokens,
            KmsRequest::GenerateDataKeyPair(r) => &r.grant_tokens,
            KmsRequest::GenerateDataKeyPairWithoutPlaintext(r) => &r.grant_tokens,
            KmsRequest::Encrypt(r) => &r.grant_tokens,
            KmsRequest::Decrypt(r) => &r.grant_tokens,
            KmsRequest::ReEncrypt(r) => &r.grant_tokens,
            KmsRequest::DescribeKey(r) => &r.grant_tokens,
            KmsRequest::GenerateMac(r) => &r.grant_tokens,
            KmsRequest::VerifyMac(r) => &r.grant_tokens,
            KmsRequest::Sign(r) => &r.grant_tokens,
            KmsRequest::Verify(r) => &r.grant_tokens,
            KmsRequest::GetPublicKey(r) => &r.grant_tokens,
            KmsRequest::DeriveSharedSecret(r) => &r.grant_tokens,
            KmsRequest::Encapsulate(r) => &r.grant_tokens,
            KmsRequest::Decapsulate(r) => &r.grant_tokens,
            _ => return &[],
        };
        tokens.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KmsErrorType;

    #[test]
    fn parse_routes_each_operation_to_its_request_type() {
        let request = KmsRequest::parse(
            Operation::from_target("TrentService.GenerateDataKey").unwrap(),
            br#"{"KeyId":"alias/x","KeySpec":"AES_256"}"#,
        )
        .unwrap();
        assert_eq!(request.operation(), Operation::GenerateDataKey);
        let KmsRequest::GenerateDataKey(inner) = &request else {
            panic!("wrong variant: {request:?}");
        };
        assert_eq!(inner.data_key_len(), Some(32));
        assert_eq!(
            request.to_json().unwrap(),
            r#"{"KeyId":"alias/x","KeySpec":"AES_256"}"#
        );
    }

    #[test]
    fn parse_returns_the_aws_error_for_a_bad_body() {
        let err = KmsRequest::parse(Operation::GenerateRandom, b"{}").unwrap_err();
        assert_eq!(err.message(), "NumberOfBytes is required.");
        let err =
            KmsRequest::parse(Operation::Decrypt, br#"{"CiphertextBlob":"abc"}"#).unwrap_err();
        assert_eq!(err.kind(), KmsErrorType::Serialization);
        assert_eq!(
            err.message(),
            "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"
        );
    }

    #[test]
    fn every_operation_parses_its_minimal_valid_body() {
        let key = "1234abcd-12ab-34cd-56ef-1234567890ab";
        for &op in Operation::ALL {
            let body = match op {
                Operation::GenerateDataKey | Operation::GenerateDataKeyWithoutPlaintext => {
                    format!(r#"{{"KeyId":"{key}","KeySpec":"AES_256"}}"#)
                }
                Operation::Decrypt => r#"{"CiphertextBlob":"AQID"}"#.to_owned(),
                Operation::Encrypt => format!(r#"{{"KeyId":"{key}","Plaintext":"AQID"}}"#),
                Operation::ReEncrypt => {
                    format!(r#"{{"CiphertextBlob":"AQID","DestinationKeyId":"{key}"}}"#)
                }
                Operation::GenerateRandom => r#"{"NumberOfBytes":32}"#.to_owned(),
                Operation::CreateKey
                | Operation::ListKeys
                | Operation::ListAliases
                | Operation::DescribeCustomKeyStores => "{}".to_owned(),
                Operation::CreateCustomKeyStore => r#"{"CustomKeyStoreName":"s"}"#.to_owned(),
                Operation::ConnectCustomKeyStore
                | Operation::DeleteCustomKeyStore
                | Operation::DisconnectCustomKeyStore
                | Operation::UpdateCustomKeyStore => r#"{"CustomKeyStoreId":"cks-1"}"#.to_owned(),
                Operation::CreateAlias | Operation::UpdateAlias => {
                    format!(r#"{{"AliasName":"alias/a","TargetKeyId":"{key}"}}"#)
                }
                Operation::DeleteAlias => r#"{"AliasName":"alias/a"}"#.to_owned(),
                Operation::PutKeyPolicy => format!(r#"{{"KeyId":"{key}","Policy":"{{}}"}}"#),
                Operation::GenerateDataKeyPair | Operation::GenerateDataKeyPairWithoutPlaintext => {
                    format!(r#"{{"KeyId":"{key}","KeyPairSpec":"RSA_2048"}}"#)
                }
                Operation::TagResource => format!(r#"{{"KeyId":"{key}","Tags":[]}}"#),
                Operation::Sign => format!(
                    r#"{{"KeyId":"{key}","Message":"AQID","SigningAlgorithm":"ECDSA_SHA_256"}}"#
                ),
                Operation::Verify => format!(
                    r#"{{"KeyId":"{key}","Message":"AQID","Signature":"AQID","SigningAlgorithm":"ECDSA_SHA_256"}}"#
                ),
                Operation::GetPublicKey => format!(r#"{{"KeyId":"{key}"}}"#),
                Operation::DeriveSharedSecret => format!(
                    r#"{{"KeyId":"{key}","KeyAgreementAlgorithm":"ECDH","PublicKey":"AQID"}}"#
                ),
                Operation::GenerateMac => {
                    format!(r#"{{"Message":"AQID","KeyId":"{key}","MacAlgorithm":"HMAC_SHA_256"}}"#)
                }
                Operation::VerifyMac => format!(
                    r#"{{"Message":"AQID","KeyId":"{key}","MacAlgorithm":"HMAC_SHA_256","Mac":"AQID"}}"#
                ),
                Operation::GetParametersForImport => format!(
                    r#"{{"KeyId":"{key}","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_2048"}}"#
                ),
                Operation::ImportKeyMaterial => format!(
                    r#"{{"KeyId":"{key}","ImportToken":"AQID","EncryptedKeyMaterial":"AQID"}}"#
                ),
                Operation::CreateGrant => format!(
                    r#"{{"KeyId":"{key}","GranteePrincipal":"arn:aws:iam::111122223333:user/b","Operations":["Encrypt"]}}"#
                ),
                Operation::ListGrants => format!(r#"{{"KeyId":"{key}"}}"#),
                Operation::ListRetirableGrants => {
                    r#"{"RetiringPrincipal":"arn:aws:iam::111122223333:user/b"}"#.to_owned()
                }
                Operation::RetireGrant => r#"{"GrantToken":"t"}"#.to_owned(),
                Operation::RevokeGrant => format!(r#"{{"KeyId":"{key}","GrantId":"g"}}"#),
                Operation::UntagResource => format!(r#"{{"KeyId":"{key}","TagKeys":[]}}"#),
                Operation::Encapsulate => {
                    format!(r#"{{"KeyId":"{key}","EncapsulationAlgorithm":"ML_KEM"}}"#)
                }
                Operation::Decapsulate => format!(
                    r#"{{"KeyId":"{key}","EncapsulationAlgorithm":"ML_KEM","SharedSecretCiphertextBlob":"AQID"}}"#
                ),
                Operation::UpdateKeyDescription => {
                    format!(r#"{{"KeyId":"{key}","Description":""}}"#)
                }
                Operation::ReplicateKey => {
                    format!(r#"{{"KeyId":"{key}","ReplicaRegion":"eu-west-1"}}"#)
                }
                Operation::UpdatePrimaryRegion => {
                    format!(r#"{{"KeyId":"{key}","PrimaryRegion":"eu-west-1"}}"#)
                }
                Operation::DescribeKey
                | Operation::EnableKey
                | Operation::DisableKey
                | Operation::ScheduleKeyDeletion
                | Operation::CancelKeyDeletion
                | Operation::GetKeyPolicy
                | Operation::ListResourceTags
                | Operation::ListKeyPolicies
                | Operation::EnableKeyRotation
                | Operation::DisableKeyRotation
                | Operation::GetKeyRotationStatus
                | Operation::RotateKeyOnDemand
                | Operation::ListKeyRotations
                | Operation::DeleteImportedKeyMaterial
                | Operation::GetKeyLastUsage => format!(r#"{{"KeyId":"{key}"}}"#),
            };
            let request =
                KmsRequest::parse(op, body.as_bytes()).unwrap_or_else(|e| panic!("{op}: {e}"));
            assert_eq!(request.operation(), op);
        }
    }
}
