//! What every KMS operation runs against: who this service is, the durable keystore, the
//! attestation verifier, the clock and the parsed key policies.
//!
//! [`Context`] sits below both the operations ([`crate::ops`], which take it) and the service
//! ([`crate::service`], which parses a request, dispatches it to an operation with the context and
//! renders the result), so the operations never depend on the service that calls them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use nitro_kms_api::types::RecipientInfo;
use nitro_kms_api::{KmsError, key_id};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::key_usage::KeyUsageTracker;
use crate::policy::cache::PolicyCache;
use crate::recipient::{AttestedRecipient, RecipientVerifier};
use crate::region_allowlist::RegionAllowlist;
use crate::storage::sealed_store::SealedKeystore;

/// Who and where this service is: AWS's notion of the region and account that own its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The region in key ARNs (`us-east-1`).
    pub region: String,
    /// The 12-digit account in key ARNs and the default key policy.
    pub account: String,
}

impl Identity {
    /// The partition of the region (`aws`, `aws-cn`, ...).
    pub fn partition(&self) -> &'static str {
        key_id::partition_for_region(&self.region)
    }

    /// `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`.
    pub fn key_arn(&self, key_id: &str) -> String {
        key_id::key_arn(&self.region, &self.account, key_id)
    }

    /// `arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME` (`alias_name` includes `alias/`).
    pub fn alias_arn(&self, alias_name: &str) -> String {
        key_id::alias_arn(&self.region, &self.account, alias_name)
    }
}

/// Everything an operation may use: identity, the durable keystore, the attestation verifier
/// and the clock.
pub struct Context {
    /// Region and account.
    pub identity: Identity,
    /// The keys, aliases, policies and tags.
    pub store: SealedKeystore,
    /// Verifies `Recipient` attestation documents.
    pub recipients: RecipientVerifier,
    /// Wall-clock time (injected so tests can move it).
    pub clock: Clock,
    /// Parsed key policies.
    pub policies: PolicyCache,
    /// The regions served and their contexts ([`crate::regions`]), shared by every region's.
    pub regions: Arc<Regions>,
    /// Each key's last successful cryptographic operation since the last flush (GetKeyLastUsage,
    /// [`crate::key_usage`]): this region's, in memory.
    pub usage: KeyUsageTracker,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Verifies a request's `Recipient`, if it has one, as of the context clock's now.
    pub fn verify_recipient(
        &self,
        recipient: Option<&RecipientInfo>,
    ) -> Result<Option<AttestedRecipient>, KmsError> {
        recipient
            .map(|info| {
                self.recipients
                    .verify(info, crate::clock::to_system_time((self.clock)()))
            })
            .transpose()
    }
}

/// What every region's context shares ([`crate::regions`]): the allowlist and the contexts made
/// so far.
#[derive(Debug)]
pub struct Regions {
    /// The regions served.
    pub allowlist: RegionAllowlist,
    /// The contexts of regions other than the configured one, made on first use.
    others: Mutex<HashMap<String, Arc<Context>>>,
    /// The configured region's context (the one the others are made from), once it made one.
    /// Weak: that context holds this.
    configured: Mutex<Weak<Context>>,
}

impl Regions {
    /// Serving `allowlist`, no other region's context made yet.
    pub fn new(allowlist: RegionAllowlist) -> Arc<Regions> {
        Arc::new(Regions {
            allowlist,
            others: Mutex::new(HashMap::new()),
            configured: Mutex::new(Weak::new()),
        })
    }

    /// Notes `context` as the configured region's (the first call wins; it never changes).
    pub fn remember_configured(&self, context: &Arc<Context>) {
        let mut configured = self.configured.lock().unwrap_or_else(|e| e.into_inner());
        if configured.strong_count() == 0 {
            *configured = Arc::downgrade(context);
        }
    }

    /// The configured region's context, if it is alive and made another region's.
    pub fn configured(&self) -> Option<Arc<Context>> {
        self.configured
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .upgrade()
    }

    /// The context of `region` made so far, or the one `make` makes (kept for the next request).
    pub fn get_or_make(&self, region: &str, make: impl FnOnce() -> Arc<Context>) -> Arc<Context> {
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        others.entry(region.to_owned()).or_insert_with(make).clone()
    }
}

/// The service's context once it is ready (`None` while the sealed state loads): what the frame
/// server hands each request and what a read replica catches up.
pub type ServiceSlot = watch::Receiver<Option<Arc<Context>>>;
