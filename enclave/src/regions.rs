//! Every region a service serves (issue 18): which regions a request may be signed for, and the
//! [`Context`] of each.
//!
//! One enclave serves every region of its allowlist
//! ([`RegionAllowlist`](crate::region_allowlist::RegionAllowlist), part of the enclave's own
//! measured configuration): the SigV4 credential scope of a request names the region it is
//! answered in, and each region has its own keys and aliases (its own namespace of the one sealed
//! state, [`SealedKeystore::in_region`](crate::storage::sealed_store::SealedKeystore::in_region)),
//! its own [`Identity`] (so every ARN carries the region) and its own policy cache. The operations
//! are unchanged: they run against the context of the request's region.
//!
//! The configured region's context is the one the enclave always had (its keys stay where they
//! were); [`Context::in_region`] makes another region's on first use and keeps it.

use std::sync::Arc;

use crate::context::{Context, Identity};
use crate::key_usage::KeyUsageTracker;

impl Context {
    /// The context of `region`, from the configured region's context: itself for its own region,
    /// else that region's (made on first use: same account, keystore handle, verifier and clock;
    /// its own identity and policy cache). `None` when `region` is not served.
    ///
    /// Called on another region's context (a multi-Region operation reaching from one region's
    /// copy of a key to the others), it asks the configured region's context, which every other
    /// one was made from, so the configured region is always its own context and keystore.
    pub fn in_region(self: &Arc<Self>, region: &str) -> Option<Arc<Context>> {
        if region == self.identity.region {
            return Some(self.clone());
        }
        if !self.store.is_configured_region() {
            return self.regions.configured()?.in_region(region);
        }
        self.regions.remember_configured(self);
        if !self.regions.allowlist.serves(region) {
            return None;
        }
        Some(self.regions.get_or_make(region, || {
            Arc::new(Context {
                identity: Identity {
                    region: region.to_owned(),
                    account: self.identity.account.clone(),
                },
                store: self.store.in_region(Some(region)),
                recipients: self.recipients.clone(),
                clock: self.clock.clone(),
                policies: Default::default(),
                regions: self.regions.clone(),
                usage: KeyUsageTracker::starting_at((self.clock)()),
            })
        }))
    }

    /// The contexts of the regions other than this (configured) one that hold keys: what the
    /// housekeeping timer visits besides this one.
    pub fn other_regions_with_keys(self: &Arc<Self>) -> Vec<Arc<Context>> {
        self.store
            .other_regions()
            .iter()
            .filter_map(|region| self.in_region(region))
            .collect()
    }
}

#[cfg(test)]
mod tests;
