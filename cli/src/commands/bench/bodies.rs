//! What each request of a run sends.

use std::sync::atomic::{AtomicUsize, Ordering};

use nitro_kms_api::ops::GenerateDataKeyRequest;

/// What each request sends.
pub(super) enum Bodies {
    /// The same body every time.
    One(Vec<u8>),
    /// A body per request, each used once (fresh documents made ahead).
    Each {
        /// The bodies, in the order they are sent.
        bodies: Vec<Vec<u8>>,
        /// The index of the next body to send.
        next: AtomicUsize,
    },
    /// Attest inside the loop with the attested client (--endpoint-url only).
    Inline(GenerateDataKeyRequest),
}

impl Bodies {
    /// Bodies sent once each, in order.
    pub(super) fn each(bodies: Vec<Vec<u8>>) -> Self {
        Bodies::Each {
            bodies,
            next: AtomicUsize::new(0),
        }
    }

    /// The next body, or `None` when the ones made ahead ran out.
    pub(super) fn next(&self) -> Option<Vec<u8>> {
        match self {
            Bodies::One(b) => Some(b.clone()),
            Bodies::Each { bodies, next } => {
                bodies.get(next.fetch_add(1, Ordering::Relaxed)).cloned()
            }
            Bodies::Inline(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
