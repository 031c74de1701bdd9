//! Running one authenticated KMS request against the service, within its deadline.
//!
//! The enclave's HTTP endpoint ([`super::endpoint`]) is the only way a KMS request reaches the
//! service: it calls [`answer`] with the principal it verified itself (SigV4, in the enclave). The
//! parent's control link carries no KMS requests: a `Request` frame, which would name its caller,
//! is refused there ([`crate::server::connection`]).

use std::time::Duration;

use nitro_kms_api::{KmsError, KmsErrorType};

use crate::context::ServiceSlot;
use crate::region_allowlist::split_regional_op;
use crate::service::Reply;

/// Runs one request against the service, within `deadline` (waiting for the service to be ready
/// counts against it). `caller` is the principal the endpoint verified; no byte the parent
/// relays or writes can choose it. `op` is an operation name, answered in the configured region,
/// or `REGION/Op` ([`crate::region_allowlist::regional_op`]), answered in that region's context (a region not served is
/// refused as the endpoint refuses its signature).
pub async fn answer(
    mut service: ServiceSlot,
    op: &str,
    caller: &str,
    payload: &[u8],
    deadline: Duration,
) -> Reply {
    let work = async {
        let ready = service.wait_for(Option::is_some).await.ok()?.clone()?;
        let (context, op) = match split_regional_op(op) {
            (None, op) => (ready, op),
            (Some(region), op) => match ready.in_region(region) {
                Some(context) => (context, op),
                None => return Some(Reply::error(&KmsError::invalid_signature_region(region))),
            },
        };
        Some(context.handle(op, caller, payload).await)
    };
    match tokio::time::timeout(deadline, work).await {
        Ok(Some(reply)) => reply,
        Ok(None) => Reply::error(&KmsError::internal("The key store is shutting down.")),
        Err(_) => Reply::error(&KmsError::new(
            KmsErrorType::DependencyTimeout,
            "The system timed out while trying to fulfill the request. The request can be retried.",
        )),
    }
}
