//! `SealedCredentials` frames: the caller-credentials file sealed to the enclave's provisioning
//! key (the proxy's `--sealed-credentials`), sent on every connection after its Hello and again
//! whenever the file changes; and the enclave's `SealedCredentialsAck`s, logged.
//!
//! The bytes are opaque here: the parent cannot read them, and whether they are in force is the
//! enclave's answer, which only the log reports (the parent has nothing to decide on it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use nitro_kms_wire::{Message, Status};
use tokio::sync::{mpsc, watch};

/// Ids of the frames sent by this process (echoed in the Acks, for the log).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The sealed file as the proxy last read it (`None` until it has been read once).
pub type SealedFile = watch::Receiver<Option<Arc<Vec<u8>>>>;

/// Sends the current sealed file, then every new version, until the connection's queue closes.
pub(super) async fn forward_sealed_credentials(mut file: SealedFile, tx: mpsc::Sender<Message>) {
    loop {
        let current = file.borrow_and_update().clone();
        if let Some(sealed) = current {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let message = Message::SealedCredentials {
                id,
                sealed: sealed.as_ref().clone(),
            };
            if tx.send(message).await.is_err() {
                return;
            }
            tracing::debug!(
                id,
                bytes = sealed.len(),
                "sealed credentials sent to the enclave"
            );
        }
        if file.changed().await.is_err() {
            return;
        }
    }
}

/// Logs the enclave's answer to a `SealedCredentials` frame.
pub(super) fn acknowledged(id: u64, status: Status, reason: &str) {
    if status.is_success() {
        tracing::info!(
            id,
            status = status.code(),
            "sealed credentials accepted by the enclave: {reason}"
        );
    } else {
        tracing::warn!(
            id,
            status = status.code(),
            "sealed credentials refused by the enclave: {reason}"
        );
    }
}
