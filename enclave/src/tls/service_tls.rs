//! [`ServiceTls`]: the service's TLS identity for one enclave process — the stored keys, the NSM,
//! the current leaf behind the rustls configuration, and its renewal.
//!
//! Start-up makes one with [`ServiceTls::start`] once the sealed state is loaded and spawns
//! [`ServiceTls::run_renewal`]; the HTTP server takes [`ServiceTls::server_config`] for TLS
//! connections and answers `/.well-known/nitro-kms/` with [`ServiceTls::attestation_document`],
//! [`ServiceTls::ca_pem`] and [`ServiceTls::provisioning_key_der`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nitro_kms_attest::nsm::Nsm;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::keystore::ServiceIdentity;
use crate::storage::sealed_store::SealedKeystore;

use super::certificate::ServiceName;
use super::error::TlsError;
use super::identity::{self, Origin, ServiceKeys};
use super::leaf::{self, IssuedLeaf};
use super::renewal::{RenewalPolicy, duration_ms};
use super::server_config::{LeafResolver, server_config};
use super::well_known::{self, WellKnownError};

/// What the enclave's configuration says about its TLS identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The names in the leaf's SANs.
    pub names: Vec<ServiceName>,
    /// Leaf lifetime and renewal.
    pub renewal: RenewalPolicy,
}

impl TlsSettings {
    /// The simulation's: `localhost`, `127.0.0.1` and `::1`, default renewal.
    pub fn simulation() -> Self {
        Self {
            names: vec![
                ServiceName::Dns("localhost".into()),
                ServiceName::Ip([127, 0, 0, 1].into()),
                ServiceName::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
            ],
            renewal: RenewalPolicy::default(),
        }
    }
}

impl TlsSettings {
    /// The settings for `names` (from `--tls-name`): the simulation's names when empty.
    pub fn for_names(names: &[String]) -> Result<Self, TlsError> {
        if names.is_empty() {
            return Ok(Self::simulation());
        }
        Ok(Self {
            names: names
                .iter()
                .map(|n| ServiceName::parse(n))
                .collect::<Result<_, _>>()?,
            renewal: RenewalPolicy::default(),
        })
    }
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self::simulation()
    }
}

/// The current leaf's dates, for the renewal.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    not_after_ms: u64,
    due_ms: u64,
}

/// The TLS identity of this enclave process.
pub struct ServiceTls {
    keys: ServiceKeys,
    nsm: Arc<dyn Nsm>,
    settings: TlsSettings,
    resolver: Arc<LeafResolver>,
    config: Arc<rustls::ServerConfig>,
    schedule: Mutex<Schedule>,
    origin: Origin,
}

impl std::fmt::Debug for ServiceTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTls")
            .field("keys", &self.keys)
            .field("settings", &self.settings)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl ServiceTls {
    /// The identity of the sealed state (made and committed first on a leader that has none; a
    /// replica waits for the leader's, see [`identity::ensure`]) with a first leaf issued.
    pub async fn start(
        store: &SealedKeystore,
        nsm: Arc<dyn Nsm>,
        settings: TlsSettings,
        clock: &Clock,
    ) -> Result<Arc<Self>, TlsError> {
        let (stored, origin) = identity::ensure(store, clock).await?;
        let now = clock();
        let tls = tokio::task::spawn_blocking(move || Self::new(&stored, nsm, settings, now))
            .await
            .map_err(|_| TlsError::StoredIdentity("issuing the first leaf did not finish"))??;
        Ok(Arc::new(Self { origin, ..tls }))
    }

    /// The TLS identity of `stored` with a first leaf issued at `now_ms`.
    pub fn new(
        stored: &ServiceIdentity,
        nsm: Arc<dyn Nsm>,
        settings: TlsSettings,
        now_ms: u64,
    ) -> Result<Self, TlsError> {
        let keys = ServiceKeys::from_stored(stored)?;
        let first = leaf::issue(
            &keys,
            nsm.as_ref(),
            &settings.names,
            settings.renewal.max_lifetime,
            now_ms,
        )?;
        let schedule = Mutex::new(schedule_of(&settings.renewal, &first));
        let resolver = Arc::new(LeafResolver::new(first.certified_key));
        let config = server_config(resolver.clone())?;
        Ok(Self {
            keys,
            nsm,
            settings,
            resolver,
            config,
            schedule,
            origin: Origin::Loaded,
        })
    }

    /// Whether the identity was in the sealed state or made by this process.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The keys.
    pub fn keys(&self) -> &ServiceKeys {
        &self.keys
    }

    /// The rustls configuration for TLS connections (serves the current leaf).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.config.clone()
    }

    /// The chain and key served now.
    pub fn current(&self) -> Arc<rustls::sign::CertifiedKey> {
        self.resolver.current()
    }

    /// When the current leaf is due for renewal, ms since the epoch.
    pub fn next_renewal_ms(&self) -> u64 {
        self.lock_schedule().due_ms
    }

    /// When the current leaf expires, ms since the epoch.
    pub fn not_after_ms(&self) -> u64 {
        self.lock_schedule().not_after_ms
    }

    /// Issues a new leaf and serves it if the current one is due at `now_ms`; whether it did.
    /// On an error the current leaf stays, and the next attempt is `retry_after` later.
    pub fn renew_if_due(&self, now_ms: u64) -> Result<bool, TlsError> {
        if now_ms < self.next_renewal_ms() {
            return Ok(false);
        }
        let renewal = &self.settings.renewal;
        match leaf::issue(
            &self.keys,
            self.nsm.as_ref(),
            &self.settings.names,
            renewal.max_lifetime,
            now_ms,
        ) {
            Ok(next) => {
                *self.lock_schedule() = schedule_of(renewal, &next);
                self.resolver.swap(next.certified_key);
                Ok(true)
            }
            Err(e) => {
                self.lock_schedule().due_ms =
                    now_ms.saturating_add(duration_ms(renewal.retry_after));
                Err(e)
            }
        }
    }

    /// Renews the leaf whenever it is due (checking at least every 30 s, so a wall clock that
    /// jumps is noticed), until `stop` turns true.
    pub async fn run_renewal(self: Arc<Self>, clock: Clock, mut stop: watch::Receiver<bool>) {
        const MAX_SLEEP: Duration = Duration::from_secs(30);
        loop {
            let wait = self.next_renewal_ms().saturating_sub(clock());
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(wait).min(MAX_SLEEP)) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            let tls = self.clone();
            let now = clock();
            match tokio::task::spawn_blocking(move || tls.renew_if_due(now)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(
                    "nitro-kms-enclave: TLS certificate renewal failed ({e}); keeping the current one"
                ),
                Err(e) => tracing::warn!("nitro-kms-enclave: TLS certificate renewal failed ({e})"),
            }
        }
    }

    /// A fresh attestation document with `nonce` (at most 64 bytes), see
    /// [`well_known::attestation_document`].
    pub fn attestation_document(&self, nonce: &[u8]) -> Result<Vec<u8>, WellKnownError> {
        well_known::attestation_document(&self.keys, self.nsm.as_ref(), nonce)
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> String {
        well_known::ca_pem(&self.keys)
    }

    /// The provisioning key, DER SubjectPublicKeyInfo.
    pub fn provisioning_key_der(&self) -> Vec<u8> {
        well_known::provisioning_key_der(&self.keys)
    }

    fn lock_schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn schedule_of(policy: &RenewalPolicy, leaf: &IssuedLeaf) -> Schedule {
    Schedule {
        not_after_ms: leaf.not_after_ms,
        due_ms: policy.due_ms(leaf.issued_ms, leaf.not_after_ms),
    }
}

#[cfg(test)]
mod tests;
