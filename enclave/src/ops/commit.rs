//! Committing an operation's change: the one way operations write the keystore.
//!
//! A mutating operation builds a [`Mutation`] and hands it to [`commit`], which journals it
//! through the sealed store and maps the store's failures to AWS's errors; the operation answers
//! only once the parent has stored the change durably.

use nitro_kms_api::{KmsError, KmsErrorType};

use crate::context::Context;
use crate::keystore::Mutation;
use crate::storage::parent_link::LinkError;
use crate::storage::sealed_store::CommitError;

/// Commits a mutation; a persist failure is `KMSInternalException` and nothing changed.
pub async fn commit(svc: &Context, mutation: Mutation) -> Result<(), KmsError> {
    svc.store
        .commit(mutation)
        .await
        .map_err(|e| to_kms_error(svc, e))
}

/// Commits several regions' mutations (each made by that region's
/// [`SealedKeystore::regional`](crate::storage::sealed_store::SealedKeystore::regional)) as one
/// record: a multi-Region key's copies change together or not at all.
pub async fn commit_batch(svc: &Context, mutations: Vec<Mutation>) -> Result<(), KmsError> {
    svc.store
        .commit_batch(mutations)
        .await
        .map_err(|e| to_kms_error(svc, e))
}

/// AWS's error for a failed commit.
fn to_kms_error(svc: &Context, e: CommitError) -> KmsError {
    match e {
        // With the etcd store the caller picks the enclave: a write that reaches a follower is
        // answered with KMS's retryable 500 naming the leader (docs/horizontal-scale.md).
        CommitError::ReadReplica if svc.store.etcd().is_some() => {
            let leader = svc
                .store
                .etcd()
                .and_then(|etcd| etcd.leader_hint())
                .unwrap_or_else(|| "being elected".to_owned());
            KmsError::internal(format!(
                "nitro-kms: this enclave is a follower; the leader is {leader}. Retry the request."
            ))
        }
        // Lost a race with another writer (the key or alias vanished or appeared meanwhile).
        CommitError::Keystore(k) => KmsError::new(KmsErrorType::Conflict, k.to_string()),
        // The parent routes mutations to the leader; one that reaches a read replica is retried.
        CommitError::ReadReplica | CommitError::Link(LinkError::ReadReplica) => KmsError::internal(
            "This key store replica does not accept changes. The request can be retried.",
        ),
        // etcd answered, and refused the change itself (too large for its request limit, over
        // its quota): not a timeout, and retrying the same request will not help.
        CommitError::Etcd(nitro_kms_etcd::EtcdError::Server { .. }) => KmsError::internal(
            "The request could not be completed: the key store refused the change.",
        ),
        // etcd did not answer in time (members down, no quorum, the relay cut): AWS's answer when a
        // service it depends on times out. Retryable; the write may or may not have landed.
        CommitError::Etcd(_) | CommitError::CatchUp(_) => KmsError::new(
            KmsErrorType::DependencyTimeout,
            "The system timed out while trying to fulfill the request. You can retry the request.",
        ),
        CommitError::Seal(_) | CommitError::Link(_) => {
            KmsError::internal("The request could not be completed: the key store is unavailable.")
        }
    }
}
