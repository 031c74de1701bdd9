//! The KMS operations, one module per operation, and [`dispatch`] which routes to them.
//!
//! Each module's `run` takes the service, the authenticated caller and the typed, validated
//! request (see `common::kms::ops`) and returns the typed response or AWS's error. Shared steps
//! live beside them: [`access`] (find the key, authorize, check state and usage) and
//! [`ciphertext`] (blobs under stored keys). Mutating operations build a
//! [`crate::keystore::Mutation`] and commit it through [`crate::sealed_store`], so their answer
//! is only sent once the parent has stored the change durably.

pub mod access;
pub mod ciphertext;
pub mod paging;

pub mod cancel_key_deletion;
pub mod create_alias;
pub mod create_key;
pub mod decrypt;
pub mod delete_alias;
pub mod describe_key;
pub mod disable_key;
pub mod enable_key;
pub mod encrypt;
pub mod generate_data_key;
pub mod generate_data_key_pair;
pub mod generate_data_key_pair_without_plaintext;
pub mod generate_data_key_without_plaintext;
pub mod generate_random;
pub mod get_key_policy;
pub mod list_aliases;
pub mod list_keys;
pub mod list_resource_tags;
pub mod put_key_policy;
pub mod re_encrypt;
pub mod schedule_key_deletion;
pub mod tag_resource;
pub mod untag_resource;
pub mod update_alias;

use std::sync::Arc;

use nitro_kms_api::types::EncryptionAlgorithmSpec;
use nitro_kms_api::{KmsError, KmsErrorType, KmsRequest};
use serde::Serialize;

use crate::keystore::{Mutation, StoredKey};
use crate::parent_link::LinkError;
use crate::sealed_store::CommitError;
use crate::service::Service;

/// Runs `request` for `caller` and renders the response body (empty for operations without an
/// output shape, as AWS answers them).
pub async fn dispatch(
    svc: &Arc<Service>,
    caller: &str,
    request: KmsRequest,
) -> Result<Vec<u8>, KmsError> {
    match request {
        KmsRequest::GenerateDataKey(r) => json(generate_data_key::run(svc, caller, r).await?),
        KmsRequest::GenerateDataKeyWithoutPlaintext(r) => {
            json(generate_data_key_without_plaintext::run(svc, caller, r).await?)
        }
        KmsRequest::Decrypt(r) => json(decrypt::run(svc, caller, r).await?),
        KmsRequest::Encrypt(r) => json(encrypt::run(svc, caller, r).await?),
        KmsRequest::ReEncrypt(r) => json(re_encrypt::run(svc, caller, r).await?),
        KmsRequest::GenerateRandom(r) => json(generate_random::run(svc, caller, r).await?),
        KmsRequest::CreateKey(r) => json(create_key::run(svc, caller, r).await?),
        KmsRequest::DescribeKey(r) => json(describe_key::run(svc, caller, r).await?),
        KmsRequest::ListKeys(r) => json(list_keys::run(svc, caller, r).await?),
        KmsRequest::CreateAlias(r) => empty(create_alias::run(svc, caller, r).await?),
        KmsRequest::UpdateAlias(r) => empty(update_alias::run(svc, caller, r).await?),
        KmsRequest::DeleteAlias(r) => empty(delete_alias::run(svc, caller, r).await?),
        KmsRequest::ListAliases(r) => json(list_aliases::run(svc, caller, r).await?),
        KmsRequest::EnableKey(r) => empty(enable_key::run(svc, caller, r).await?),
        KmsRequest::DisableKey(r) => empty(disable_key::run(svc, caller, r).await?),
        KmsRequest::ScheduleKeyDeletion(r) => {
            json(schedule_key_deletion::run(svc, caller, r).await?)
        }
        KmsRequest::CancelKeyDeletion(r) => json(cancel_key_deletion::run(svc, caller, r).await?),
        KmsRequest::GetKeyPolicy(r) => json(get_key_policy::run(svc, caller, r).await?),
        KmsRequest::PutKeyPolicy(r) => empty(put_key_policy::run(svc, caller, r).await?),
        KmsRequest::GenerateDataKeyPair(r) => {
            json(generate_data_key_pair::run(svc, caller, r).await?)
        }
        KmsRequest::GenerateDataKeyPairWithoutPlaintext(r) => {
            json(generate_data_key_pair_without_plaintext::run(svc, caller, r).await?)
        }
        KmsRequest::TagResource(r) => empty(tag_resource::run(svc, caller, r).await?),
        KmsRequest::UntagResource(r) => empty(untag_resource::run(svc, caller, r).await?),
        KmsRequest::ListResourceTags(r) => json(list_resource_tags::run(svc, caller, r).await?),
    }
}

fn json<T: Serialize>(response: T) -> Result<Vec<u8>, KmsError> {
    serde_json::to_vec(&response)
        .map_err(|e| KmsError::internal(format!("response serialization failed: {e}")))
}

fn empty(_: ()) -> Result<Vec<u8>, KmsError> {
    Ok(Vec::new())
}

/// Symmetric keys only do SYMMETRIC_DEFAULT; an RSAES algorithm with one is a usage error.
pub(crate) fn require_symmetric_algorithm(
    svc: &Service,
    key: &StoredKey,
    algorithm: Option<EncryptionAlgorithmSpec>,
) -> Result<(), KmsError> {
    match algorithm {
        None | Some(EncryptionAlgorithmSpec::SymmetricDefault) => Ok(()),
        Some(other) => Err(KmsError::new(
            KmsErrorType::InvalidKeyUsage,
            format!(
                "The encryption algorithm {} is not compatible with the key spec of {}.",
                other.as_str(),
                svc.identity.key_arn(&key.key_id)
            ),
        )),
    }
}

/// Commits a mutation; a persist failure is `KMSInternalException` and nothing changed.
pub(crate) async fn commit(svc: &Service, mutation: Mutation) -> Result<(), KmsError> {
    svc.store.commit(mutation).await.map_err(|e| match e {
        // Lost a race with another writer (the key or alias vanished or appeared meanwhile).
        CommitError::Keystore(k) => KmsError::new(KmsErrorType::Conflict, k.to_string()),
        // The parent routes mutations to the leader; one that reaches a read replica is retried.
        CommitError::ReadReplica | CommitError::Link(LinkError::ReadReplica) => KmsError::internal(
            "This key store replica does not accept changes. The request can be retried.",
        ),
        CommitError::Seal(_) | CommitError::Link(_) => {
            KmsError::internal("The request could not be completed: the key store is unavailable.")
        }
    })
}
