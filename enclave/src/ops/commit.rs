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
    svc.store.commit(mutation).await.map_err(to_kms_error)
}

/// Commits several regions' mutations (each made by that region's
/// [`SealedKeystore::regional`](crate::storage::sealed_store::SealedKeystore::regional)) as one
/// record: a multi-Region key's copies change together or not at all.
pub async fn commit_batch(svc: &Context, mutations: Vec<Mutation>) -> Result<(), KmsError> {
    svc.store
        .commit_batch(mutations)
        .await
        .map_err(to_kms_error)
}

/// AWS's error for a failed commit.
fn to_kms_error(e: CommitError) -> KmsError {
    match e {
        // Lost a race with another writer (the key or alias vanished or appeared meanwhile).
        CommitError::Keystore(k) => KmsError::new(KmsErrorType::Conflict, k.to_string()),
        // The parent routes mutations to the leader; one that reaches a read replica is retried.
        CommitError::ReadReplica | CommitError::Link(LinkError::ReadReplica) => KmsError::internal(
            "This key store replica does not accept changes. The request can be retried.",
        ),
        CommitError::Seal(_) | CommitError::Link(_) => {
            KmsError::internal("The request could not be completed: the key store is unavailable.")
        }
    }
}
