//! [`ServiceTrust`]: what a client pins about the service it talks to.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::attestation::TrustAnchor;

/// What a client pins: the attestation root the service's documents must chain to, the PCR values
/// they must carry, and how old a document may be.
///
/// A service is trusted iff its certificate's document verifies against `root`, is no older than
/// `max_age`, carries every PCR of `expected_pcrs` with that value, and names as its
/// `public_key` the CA key that signed the certificate (see
/// [`verify_service_chain`](super::verify_service_chain)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTrust {
    /// The pinned root: the AWS Nitro Enclaves Root G1, or (in simulation) the simulated NSM's.
    pub root: TrustAnchor,
    /// PCR index -> value (48 bytes) each document must carry. Empty pins no image: any enclave
    /// under `root` is trusted (fine in simulation; in production pin at least PCR0).
    pub expected_pcrs: BTreeMap<u8, Vec<u8>>,
    /// Maximum document age; `None`: bounded only by the document's certificate validity. The
    /// certificate's document is made when the enclave issues its certificate, so a limit here
    /// must exceed the enclave's renewal period.
    pub max_age: Option<Duration>,
}

impl ServiceTrust {
    /// Trust every enclave whose documents chain to `root` (no PCR pinned, no age limit).
    pub fn new(root: TrustAnchor) -> Self {
        Self {
            root,
            expected_pcrs: BTreeMap::new(),
            max_age: None,
        }
    }

    /// Also require PCR `index` to be `value`.
    pub fn with_pcr(mut self, index: u8, value: impl Into<Vec<u8>>) -> Self {
        self.expected_pcrs.insert(index, value.into());
        self
    }

    /// Sets the maximum document age.
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }
}
