//! What each request of a run sends.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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
    /// A body per request made from a template in which every [`NUMBER`] becomes
    /// `{run}-{n}`, unique per request and per run: mutations that may not repeat (CreateAlias
    /// needs a new alias name each time) or should each change something (TagResource).
    Numbered {
        /// The body, with [`NUMBER`] where the request's number goes.
        template: String,
        /// This run's prefix, so that two runs on the same store never collide.
        run: String,
        /// The next request's number.
        next: AtomicU64,
    },
}

/// The placeholder in a [`Bodies::Numbered`] template.
pub(super) const NUMBER: &str = "@N@";

impl Bodies {
    /// Bodies sent once each, in order.
    pub(super) fn each(bodies: Vec<Vec<u8>>) -> Self {
        Bodies::Each {
            bodies,
            next: AtomicUsize::new(0),
        }
    }

    /// Bodies numbered from `template` (see [`Bodies::Numbered`]) under the run prefix `run`.
    pub(super) fn numbered(template: String, run: String) -> Self {
        Bodies::Numbered {
            template,
            run,
            next: AtomicU64::new(0),
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
            Bodies::Numbered {
                template,
                run,
                next,
            } => {
                let n = next.fetch_add(1, Ordering::Relaxed);
                Some(template.replace(NUMBER, &format!("{run}-{n}")).into_bytes())
            }
        }
    }
}

#[cfg(test)]
mod tests;
