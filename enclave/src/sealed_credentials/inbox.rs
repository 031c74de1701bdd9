//! [`Inbox`]: where a connection's reader hands over a `SealedCredentials` frame without waiting.
//!
//! The reader must stay free (storing the credentials needs `PersistAck`s that same reader
//! delivers, and the first delivery arrives before the sealed state is even loaded), so a
//! delivery only queues here; the [`super::Keeper`] answers it on the connection's queue. A full
//! queue is answered at once with 503 (the parent sends the file again on its next connection or
//! change).

use nitro_kms_wire::{Message, Status};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

/// Deliveries waiting for the keeper, at most.
const QUEUE: usize = 64;

/// One `SealedCredentials` frame and where its Ack goes.
#[derive(Debug)]
pub struct Delivery {
    /// The frame's id, echoed in the Ack.
    pub id: u64,
    /// The sealed file.
    pub sealed: Vec<u8>,
    /// The connection's outbound queue.
    pub reply: mpsc::Sender<Message>,
}

impl Delivery {
    /// Queues the Ack for this delivery (dropped if the connection is gone: the parent resends on
    /// its next connection).
    pub async fn answer(&self, status: Status, reason: String) {
        let _ = self.reply.send(ack(self.id, status, reason)).await;
    }
}

fn ack(id: u64, status: Status, reason: String) -> Message {
    Message::SealedCredentialsAck { id, status, reason }
}

/// The sending end; clones share the queue.
#[derive(Debug, Clone)]
pub struct Inbox(mpsc::Sender<Delivery>);

impl Inbox {
    /// An inbox and the receiving end the keeper reads.
    pub fn channel() -> (Inbox, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Inbox(tx), rx)
    }

    /// Queues `delivery` without waiting; when the queue is full (or the keeper stopped) answers
    /// 503 at once.
    pub fn deliver(&self, delivery: Delivery) {
        let refused = match self.0.try_send(delivery) {
            Ok(()) => return,
            Err(TrySendError::Full(d)) => (d, "busy: too many sealed credentials waiting"),
            Err(TrySendError::Closed(d)) => (d, "shutting down"),
        };
        let (delivery, reason) = refused;
        let _ = delivery.reply.try_send(ack(
            delivery.id,
            Status::SERVICE_UNAVAILABLE,
            reason.to_owned(),
        ));
    }
}
