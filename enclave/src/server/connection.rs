//! One parent connection: Hello, then requests in, responses and `Persist` frames out (and, on a
//! read replica, `Sync`s in and `SyncAck`s out: see [`crate::storage::read_replica`]).
//!
//! The reader never blocks on work: a request is spawned as its own task (refused with
//! `ThrottlingException` if the connection already has `max_in_flight` requests running), because
//! the same reader must stay free to deliver the `PersistAck`s those requests may be waiting for.
//! All outbound frames go through one queue to a writer task, so a slow parent slows only itself.

use std::sync::Arc;
use std::time::Duration;

use nitro_kms_api::{KmsError, KmsErrorType};
use nitro_kms_wire::transport::Stream;
use nitro_kms_wire::{
    FramedReader, FramedWriter, Hello, Limits, Message, Response, WireError, handshake,
};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

use super::ServerConfig;
use crate::context::ServiceSlot;
use crate::replica_forward::ReplicaForward;
use crate::service::Reply;
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
    /// Forwards between replicas and the leader (one per enclave, shared with the HTTP endpoint).
    pub forward: Arc<ReplicaForward>,
    /// Limits and deadlines.
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
                Message::Request(request) => {
                    let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                        let err = KmsError::new(
                            KmsErrorType::Throttling,
                            "Too many requests in flight on this connection",
                        );
                        let _ = tx.send(response(request.id, Reply::error(&err))).await;
                        continue;
                    };
                    let service = self.service.clone();
                    let tx = tx.clone();
                    let deadline = self.config.request_timeout;
                    tasks.spawn(async move {
                        let reply = answer(
                            service,
                            &request.op,
                            &request.caller,
                            &request.payload,
                            deadline,
                        )
                        .await;
                        let _ = tx.send(response(request.id, reply)).await;
                        drop(permit);
                    });
                }
                Message::PersistAck(ack) => self.link.deliver(ack),
                Message::Credentials(credentials) => self.link.deliver_credentials(credentials),
                // Marks the enclave a replica before the next frame is read; the catch-up and its
                // SyncAck happen in a task (they need this reader to deliver PersistAcks).
                Message::Sync { id } => {
                    self.replica
                        .request(id, tx.clone(), &self.link, self.service.clone());
                }
                // Leader side of a replica's forward: checked and run in a task, like a Request.
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
                other @ (Message::Hello(_)
                | Message::Response(_)
                | Message::Persist(_)
                | Message::SyncAck { .. }
                | Message::PositionQuery { .. }) => {
                    break Err(WireError::UnexpectedMessage {
                        got: other.kind().name(),
                    });
                }
            }
        };
        // Let the requests already running finish and answer (bounded by their deadlines).
        while tasks.join_next().await.is_some() {}
        result
    }
}

/// Runs one request against the service, within `deadline` (waiting for the service to be ready
/// counts against it). The frame server and the enclave's HTTP endpoint ([`crate::http`]) both
/// answer through it, so every operation behaves the same whichever way it arrived.
pub async fn answer(
    mut service: ServiceSlot,
    op: &str,
    caller: &str,
    payload: &[u8],
    deadline: Duration,
) -> Reply {
    let work = async {
        let ready = service.wait_for(Option::is_some).await.ok()?.clone()?;
        Some(ready.handle(op, caller, payload).await)
    };
    match tokio::time::timeout(deadline, work).await {
        Ok(Some(reply)) => reply,
        Ok(None) => Reply::error(&KmsError::internal("The key store is shutting down.")),
        Err(_) => Reply::error(&KmsError::new(
            KmsErrorType::DependencyTimeout,
            "The system timed out while trying to fulfill the request. The request can be retried.",
        )),
    }
}

fn response(id: u64, reply: Reply) -> Message {
    Message::Response(Response {
        id,
        status: reply.status,
        payload: reply.body,
    })
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
