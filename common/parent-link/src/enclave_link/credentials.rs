//! `Credentials` frames: the AWS credentials the parent hands the enclave (`--enclave-credentials`),
//! sent on every connection after its Hello and again on every renewal.

use nitro_kms_wire::{Credentials, Message};
use tokio::sync::{mpsc, watch};

/// Sends the current credentials, then every renewal, until the connection's queue closes.
pub(super) async fn forward_credentials(
    mut credentials: watch::Receiver<Option<Credentials>>,
    tx: mpsc::Sender<Message>,
) {
    loop {
        let current = credentials.borrow_and_update().clone();
        if let Some(c) = current {
            if tx.send(Message::Credentials(c)).await.is_err() {
                return;
            }
            tracing::debug!("credentials sent to the enclave");
        }
        if credentials.changed().await.is_err() {
            return;
        }
    }
}
