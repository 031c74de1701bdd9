//! [`Keeper`]: the one task that changes the caller credentials in force.
//!
//! Started once the sealed state is loaded and the service identity (with the provisioning key)
//! exists. It first puts the stored credentials in force (so they survive restarts), then, one
//! delivery at a time (so the serial check and the store happen in order):
//!
//! 1. opens the file ([`super::open`]); refused with 400 when it is malformed, sealed to another
//!    provisioning key ("sealed for another enclave image or keystore"), does not authenticate,
//!    or holds no valid credentials TOML;
//! 2. answers 200 at once when it is the file already stored (the parent resends it on every
//!    connection);
//! 3. stores it in the sealed keystore (`Mutation::ReplaceCallerCredentials`), which refuses a
//!    serial not larger than the stored one: 409, a replay or rollback; a read replica does not
//!    store (503: the leader does, and the replica follows);
//! 4. swaps the endpoint's access keys to the file's (plus the configured ones), and answers 200.
//!
//! Every [`FOLLOW_EVERY`] it also compares the stored serial with the one in force and puts a
//! newer stored file in force: that is how a read replica follows the leader's rotations.

use std::sync::Arc;
use std::time::Duration;

use nitro_kms_wire::Status;
use tokio::sync::{mpsc, watch};

use super::inbox::Delivery;
use super::open::{Opened, open};
use crate::context::Context;
use crate::http::access_keys::AccessKeys;
use crate::keystore::{CallerCredentials, KeystoreError, Mutation};
use crate::storage::sealed_store::CommitError;
use crate::tls::ServiceTls;

/// How often the stored credentials are compared with those in force.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Status of a delivery that was not stored and may be sent again later.
const CONFLICT: u16 = 409;

/// Keeps the sealed caller credentials in force.
pub struct Keeper {
    /// The service: its sealed keystore stores the file.
    pub service: Arc<Context>,
    /// The service identity (its provisioning key opens the file); `None` without an NSM, when
    /// every delivery is refused.
    pub tls: Option<Arc<ServiceTls>>,
    /// The HTTP endpoint's access keys.
    pub access_keys: Arc<AccessKeys>,
}

impl Keeper {
    /// Puts the stored credentials in force, then answers deliveries until `stop` or the inbox
    /// closes.
    pub async fn run(self, mut inbox: mpsc::Receiver<Delivery>, mut stop: watch::Receiver<bool>) {
        let mut in_force = None;
        self.follow_store(&mut in_force);
        let mut follow = tokio::time::interval(FOLLOW_EVERY);
        loop {
            tokio::select! {
                delivery = inbox.recv() => match delivery {
                    Some(d) => self.handle(d, &mut in_force).await,
                    None => return,
                },
                _ = follow.tick() => self.follow_store(&mut in_force),
                _ = stop.changed() => return,
            }
        }
    }

    /// Puts the stored file in force when it is newer than the one in force.
    fn follow_store(&self, in_force: &mut Option<u64>) {
        let Some(tls) = &self.tls else { return };
        let stored_serial = self
            .service
            .store
            .read(|k| k.caller_credentials().map(|c| c.serial));
        if stored_serial.is_none() || stored_serial <= *in_force {
            return;
        }
        let Some(stored) = self.service.store.read(|k| k.caller_credentials().cloned()) else {
            return;
        };
        match open(&stored.sealed, tls.keys().provisioning_key()) {
            Ok(opened) => {
                self.put_in_force(&opened, in_force);
                tracing::info!(
                    serial = opened.serial,
                    access_keys = opened.keys.len(),
                    "nitro-kms-enclave: stored sealed credentials in force (serial {}, {} access keys)",
                    opened.serial,
                    opened.keys.len()
                );
            }
            Err(e) => {
                // Stored by this image's keystore, so this should not happen: do not retry it.
                *in_force = Some(stored.serial);
                tracing::error!(
                    "nitro-kms-enclave: the stored sealed credentials do not open: {e}"
                );
            }
        }
    }

    fn put_in_force(&self, opened: &Opened, in_force: &mut Option<u64>) {
        self.access_keys.replace_sealed(&opened.keys);
        *in_force = Some(opened.serial);
    }

    async fn handle(&self, delivery: Delivery, in_force: &mut Option<u64>) {
        let (status, reason) = self.decide(&delivery, in_force).await;
        if status.is_success() {
            tracing::info!("nitro-kms-enclave: sealed credentials: {reason}");
        } else {
            tracing::warn!(
                status = status.code(),
                "nitro-kms-enclave: sealed credentials refused: {reason}"
            );
        }
        delivery.answer(status, reason).await;
    }

    async fn decide(&self, delivery: &Delivery, in_force: &mut Option<u64>) -> (Status, String) {
        let Some(tls) = &self.tls else {
            return (
                Status::SERVICE_UNAVAILABLE,
                "this enclave has no provisioning key (no NSM)".to_owned(),
            );
        };
        let opened = match open(&delivery.sealed, tls.keys().provisioning_key()) {
            Ok(opened) => opened,
            Err(e) => return (Status::BAD_REQUEST, e.to_string()),
        };
        let store = &self.service.store;
        if store.is_replica() {
            // The leader stores it; follow what the leader has.
            if let Err(e) = store.catch_up().await {
                tracing::debug!("nitro-kms-enclave: catch-up for sealed credentials: {e}");
            }
            self.follow_store(in_force);
        }
        let stored = store.read(|k| k.caller_credentials().cloned());
        if stored.as_ref().is_some_and(|s| s.sealed == delivery.sealed) {
            self.follow_store(in_force);
            return (
                Status::OK,
                format!("already in force (serial {})", opened.serial),
            );
        }
        let record = CallerCredentials {
            serial: opened.serial,
            sealed: delivery.sealed.clone(),
        };
        match store
            .commit(Mutation::ReplaceCallerCredentials(record))
            .await
        {
            Ok(()) => {
                self.put_in_force(&opened, in_force);
                (
                    Status::OK,
                    format!(
                        "in force: {} access keys, serial {}",
                        opened.keys.len(),
                        opened.serial
                    ),
                )
            }
            Err(CommitError::Keystore(KeystoreError::CallerCredentialsNotNewer {
                stored,
                offered,
            })) => (
                Status::new(CONFLICT).unwrap_or(Status::BAD_REQUEST),
                format!(
                    "replay or rollback refused: serial {offered} is not newer than the stored \
                     serial {stored}"
                ),
            ),
            Err(CommitError::ReadReplica) => (
                Status::SERVICE_UNAVAILABLE,
                "this enclave is a read replica: the leader stores sealed credentials, and this \
                 one follows once it has"
                    .to_owned(),
            ),
            Err(e) => (Status::SERVICE_UNAVAILABLE, format!("not stored: {e}")),
        }
    }
}

#[cfg(test)]
mod tests;
