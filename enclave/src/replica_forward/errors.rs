//! The KMS errors a replica answers its client with when forwarding fails, in one place so the
//! choice is made once (and documented in `docs/horizontal-scale.md`):
//!
//! - the leader could not be reached, or did not answer in time, or the parent said it could not
//!   relay (an unauthenticated reply): [`dependency_timeout`], `DependencyTimeoutException`
//!   (HTTP 500, as the KMS service model has it). The leader is the dependency that failed; AWS
//!   uses this error for exactly that ("The system timed out while trying to fulfill the
//!   request"), it is what a request to a dead enclave already got from the proxy, and every SDK
//!   retries it. The mutation may or may not have run (as with any 5xx).
//! - a reply that does not authenticate, or a replica that cannot catch up with the leader's
//!   write: [`internal`], `KMSInternalException` (HTTP 500, also retried by the SDKs). Something
//!   is wrong that a retry may or may not fix; the message says nothing the parent could use.

use nitro_kms_api::{KmsError, KmsErrorType};

/// `DependencyTimeoutException`: the leader (or the parent in front of it) did not answer.
pub fn dependency_timeout() -> KmsError {
    KmsError::new(
        KmsErrorType::DependencyTimeout,
        "The system timed out while trying to fulfill the request. The request can be retried.",
    )
}

/// `KMSInternalException` with a fixed message: the forward's outcome cannot be trusted or
/// cannot be made visible here yet.
pub fn internal() -> KmsError {
    KmsError::internal("The request could not be completed. The request can be retried.")
}
