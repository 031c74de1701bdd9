//! One parent connection on the control link: Hello, then `PersistAck`s, `Credentials`, `Sync`s
//! and `Ping`s in, `Persist`, `SyncAck` and `Pong` frames out (on a read replica, the catch-ups:
//! see [`crate::storage::read_replica`]).
//!
//! The control link carries no KMS requests. A `Request` frame names its caller, and the parent
//! that writes it is outside the trust boundary (issue 16): believing it let a parent run
//! `PutKeyPolicy` as the key administrator and `Decrypt` as a principal it made up. So a
//! `Request` is never run: the connection answers nothing and is closed
//! ([`WireError::UnexpectedMessage`]), like any other kind the parent must not send. KMS requests
//! reach the service only through the enclave's HTTP endpoint ([`crate::http`]), where SigV4 is
//! verified here, in the enclave.
//!
//! The reader never blocks on work: a `Sync`'s catch-up runs in its own task, because the same
//! reader must stay free to deliver the `PersistAck`s that work may be waiting for. All outbound
//! frames go through one queue to a writer task, so a slow parent slows only itself.

use std::sync::Arc;

use nitro_kms_api::Operation;
use nitro_kms_wire::transport::Stream;
use nitro_kms_wire::{
    FramedReader, FramedWriter, Hello, Kind, Limits, Message, WireError, handshake,
};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::ServerConfig;
use crate::context::ServiceSlot;
use crate::http::answer::answer;
use crate::replica_forward::ReplicaForward;
use crate::sealed_credentials::{Delivery, Inbox};
use crate::storage::parent_link::ParentLink;
use crate::storage::read_replica::ReplicaSync;

/// Depth of a connection's outbound queue.
const OUTBOUND_QUEUE: usize = 1024;

/// A connection about to be served.
pub struct Connection {
    /// Identifies it in the [`ParentLink`].
    pub id: u64,
    /// The service, once ready.
    pub service: ServiceSlot,
    /// Where `PersistAck`s go and where `Persist`s come from.
    pub link: Arc<ParentLink>,
    /// Runs the catch-ups the parent's `Sync`s ask for (one per enclave, shared by connections).
    pub replica: Arc<ReplicaSync>,
    /// Where `SealedCredentials` go (answered later, on this connection).
    pub sealed_credentials: Inbox,
    /// Forwards between replicas and the leader (one per enclave, shared with the HTTP endpoint).
    pub forward: Arc<ReplicaForward>,
    /// Limits offered in the Hello, and the deadline of a forwarded request.
    pub config: ServerConfig,
    /// Flips to true on SIGTERM.
    pub shutdown: watch::Receiver<bool>,
}

impl Connection {
    /// Serves the connection until the parent closes it, a protocol error, or shutdown.
    pub async fn run(mut self, mut stream: Stream) -> Result<(), WireError> {
        let limits = handshake(&mut stream, &Hello::new(&self.config.limits)).await?;
        let (read_half, write_half) = tokio::io::split(stream);
        let mut reader = FramedReader::new(read_half, &limits);
        let (tx, rx) = mpsc::channel::<Message>(OUTBOUND_QUEUE);
        let writer = tokio::spawn(write_loop(FramedWriter::new(write_half, &limits), rx));
        self.link
            .attach(self.id, tx.clone(), limits.max_frame_len as usize);
        let result = self.read_loop(&mut reader, &tx, limits).await;
        self.link.detach(self.id);
        drop(tx);
        let _ = writer.await;
        result
    }

    async fn read_loop<R: tokio::io::AsyncRead + Unpin>(
        &mut self,
        reader: &mut FramedReader<R>,
        tx: &mpsc::Sender<Message>,
        limits: Limits,
    ) -> Result<(), WireError> {
        // A replica's forwards run as tasks (they may wait for PersistAcks this reader
        // delivers), at most `max_in_flight` at once per connection.
        let in_flight = Arc::new(Semaphore::new(limits.max_in_flight as usize));
        let mut tasks = JoinSet::new();
        let result = loop {
            let message = tokio::select! {
                _ = super::stopped(&mut self.shutdown) => break Ok(()),
                m = reader.read_message() => m,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            };
            let message = match message {
                Ok(Some(m)) => m,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            match message {
                Message::PersistAck(ack) => self.link.deliver(ack),
                Message::Credentials(credentials) => self.link.deliver_credentials(credentials),
                // Marks the enclave a replica before the next frame is read; the catch-up and its
                // SyncAck happen in a task (they need this reader to deliver PersistAcks).
                Message::Sync { id } => {
                    self.replica
                        .request(id, tx.clone(), &self.link, self.service.clone());
                }
                Message::SealedCredentials { id, sealed } => {
                    self.sealed_credentials.deliver(Delivery {
                        id,
                        sealed,
                        reply: tx.clone(),
                    });
                }
                // Leader side of a replica's forward: its MAC, freshness and single use are
                // checked (crate::replica_forward) before it runs, in a task.
                Message::Forward(forward) => {
                    let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                        let refusal = self.forward.refuse(forward.id, "too many in flight");
                        let _ = tx.send(refusal).await;
                        continue;
                    };
                    let (forwarding, service) = (self.forward.clone(), self.service.clone());
                    let (tx, deadline) = (tx.clone(), self.config.request_timeout);
                    tasks.spawn(async move {
                        let run = |op: String, caller: String, payload: Vec<u8>| async move {
                            answer(service, &op, &caller, &payload, deadline).await
                        };
                        let _ = tx.send(forwarding.serve(forward, run).await).await;
                        drop(permit);
                    });
                }
                Message::ForwardReply(reply) => self.forward.deliver_reply(reply),
                Message::PositionReply { id, position } => {
                    self.forward.deliver_position(id, position)
                }
                Message::Ping { nonce } => {
                    let _ = tx.send(Message::Pong { nonce }).await;
                }
                Message::Pong { .. } => {}
                // A KMS request naming its caller: never run, never answered (see the module
                // docs). Logged: the kind, the id and the operation if it names one (the text is
                // the parent's); never the caller or the payload.
                Message::Request(request) => {
                    let operation = Operation::from_name(&request.op)
                        .map_or("(not a KMS operation)", |op| op.name());
                    tracing::warn!(
                        connection = self.id,
                        request_id = request.id,
                        operation,
                        "nitro-kms-enclave: refused a Request frame from the parent (the control \
                         link carries no KMS requests; the caller it names is not believed); \
                         closing the connection"
                    );
                    break Err(WireError::UnexpectedMessage {
                        got: Kind::Request.name(),
                    });
                }
                other @ (Message::Hello(_)
                | Message::Response(_)
                | Message::Persist(_)
                | Message::SyncAck { .. }
                | Message::SealedCredentialsAck { .. }
                | Message::PositionQuery { .. }) => {
                    break Err(WireError::UnexpectedMessage {
                        got: other.kind().name(),
                    });
                }
            }
        };
        // Let the forwards already running finish and answer (bounded by their deadlines).
        while tasks.join_next().await.is_some() {}
        result
    }
}

async fn write_loop<W: tokio::io::AsyncWrite + Unpin>(
    mut writer: FramedWriter<W>,
    mut rx: mpsc::Receiver<Message>,
) {
    while let Some(message) = rx.recv().await {
        if let Err(e) = writer.write_message(&message).await {
            tracing::warn!("nitro-kms-enclave: cannot write to the parent: {e}");
            return;
        }
    }
    let _ = writer.shutdown().await;
}
