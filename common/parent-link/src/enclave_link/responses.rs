//! `Response` frames: each goes to the caller waiting for its id.

use std::ops::ControlFlow;

use nitro_kms_wire::Response;

use super::slot::Pending;
use crate::lock::lock;

/// Hands `response` to the caller waiting for it. An answer nobody waits for (its caller timed
/// out) is dropped; the connection goes on either way.
pub(super) fn route(pending: &Pending, response: Response) -> ControlFlow<()> {
    if let Some(waiter) = lock(pending).remove(&response.id) {
        let _ = waiter.send(response);
    }
    ControlFlow::Continue(())
}
