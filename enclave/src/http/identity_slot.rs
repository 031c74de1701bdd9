//! [`IdentitySlot`]: the service's TLS identity, bound late.
//!
//! The HTTP endpoint starts before the sealed state is loaded (so `/healthz` can say 503), but the
//! TLS identity ([`ServiceTls`]) lives in that state: start-up fills the slot once
//! [`ServiceTls::start`] returns. Until then a ClientHello is closed
//! ([`super::tls_terminator`]) and the `/.well-known/nitro-kms/` answers are 503
//! ([`super::well_known`]); from then on both use the identity, lock-free.

use std::sync::{Arc, OnceLock};

use crate::tls::ServiceTls;

/// Where the service's TLS identity appears once it exists; clones share the slot.
#[derive(Clone, Default)]
pub struct IdentitySlot(Arc<OnceLock<Arc<ServiceTls>>>);

impl std::fmt::Debug for IdentitySlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdentitySlot")
            .field(&self.0.get().is_some())
            .finish()
    }
}

impl IdentitySlot {
    /// An empty slot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills the slot with `tls`. An enclave process has one identity: a second call changes
    /// nothing and gives `tls` back.
    pub fn set(&self, tls: Arc<ServiceTls>) -> Result<(), Arc<ServiceTls>> {
        self.0.set(tls)
    }

    /// The identity, once set.
    pub fn get(&self) -> Option<&Arc<ServiceTls>> {
        self.0.get()
    }
}
