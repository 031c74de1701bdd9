//! When the TLS leaf is renewed (the task that renews it is
//! [`ServiceTls::run_renewal`](super::ServiceTls::run_renewal)).
//!
//! A leaf is renewed [`RenewalPolicy::renew_after`] after it was issued, or once two thirds of
//! its validity have passed if that comes first (a document signing certificate about to expire
//! gives a short leaf, renewed early). The first bound keeps the document in the leaf fresh for
//! clients that check its age; the second renews well before expiry. A failed renewal keeps the
//! current leaf and is tried again after [`RenewalPolicy::retry_after`].

use std::time::Duration;

/// How long leaves live and when they are renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalPolicy {
    /// The longest validity of a leaf (shorter when the document's signing certificate expires
    /// sooner).
    pub max_lifetime: Duration,
    /// Renew this long after issuing at the latest: bounds the age of the document in the leaf
    /// (below the 300-second default maximum age of attestation documents).
    pub renew_after: Duration,
    /// After a failed renewal, try again this much later.
    pub retry_after: Duration,
}

impl Default for RenewalPolicy {
    fn default() -> Self {
        Self {
            max_lifetime: Duration::from_secs(3600),
            renew_after: Duration::from_secs(240),
            retry_after: Duration::from_secs(10),
        }
    }
}

impl RenewalPolicy {
    /// When a leaf issued at `issued_ms` and valid until `not_after_ms` is due for renewal (ms
    /// since the epoch): `renew_after` after issue, or two thirds into its validity if sooner.
    pub fn due_ms(&self, issued_ms: u64, not_after_ms: u64) -> u64 {
        let by_age = issued_ms.saturating_add(duration_ms(self.renew_after));
        let two_thirds = issued_ms.saturating_add(not_after_ms.saturating_sub(issued_ms) / 3 * 2);
        by_age.min(two_thirds)
    }
}

/// `d` in whole milliseconds, saturating.
pub(crate) fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
