//! One connection's life: start its writer, announce it (a replica's `Sync` first), read frames
//! and hand each to the handler of its family until the connection ends. The enclave sends no
//! `Response` (the parent sends no `Request`, issue 16): one ends the connection as unexpected.
//!
//! The reader handles a connection's frames in order; only `Persist` work leaves the loop (it
//! runs on the blocking pool), so an answer to anything else is queued before the next frame is
//! read. A replica's `Forward` and the leader's `ForwardReply` go to the set's
//! [`ForwardRelay`](crate::forward::ForwardRelay) (`forwarding`); a `PositionQuery` is answered
//! from the store's [`StoredPosition`](crate::StoredPosition).

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use nitro_kms_wire::shutdown::stopped;
use nitro_kms_wire::transport;
use nitro_kms_wire::{Credentials, FramedReader, FramedWriter, Limits, Message};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::credentials::forward_credentials;
use super::sealed_credentials::{self, SealedFile, forward_sealed_credentials};
use super::slot::{Live, SlotContext};
use super::{forwarding, persist, ping, sync};
use crate::lock::lock;

/// Room left in a frame for a `PersistAck`'s other fields: a read's chunk is the negotiated frame
/// limit minus this.
const PERSIST_ACK_OVERHEAD: usize = 256;

/// Serves one connection until it closes, fails, sends something unexpected, or shutdown.
pub(super) async fn run_connection(
    stream: transport::Stream,
    limits: Limits,
    context: &SlotContext,
    credentials: Option<watch::Receiver<Option<Credentials>>>,
    sealed_file: Option<SealedFile>,
    shutdown: &mut watch::Receiver<bool>,
) {
    let SlotContext {
        publish,
        live,
        role,
        store,
        metrics,
        forward,
    } = context;
    let (read_half, write_half) = tokio::io::split(stream);
    let mut reader = FramedReader::new(read_half, &limits);
    let (tx, writer_task) = spawn_writer(FramedWriter::new(write_half, &limits));
    sync::announce(role, &tx, metrics.as_ref()).await;
    publish.send_replace(Some(Live { tx: tx.clone() }));
    live.fetch_add(1, Ordering::SeqCst);
    let stored_position = lock(store).position();
    let leader_serial = forwarding::attach(role, forward.as_deref(), &tx);
    let chunk = (limits.max_frame_len as usize).saturating_sub(PERSIST_ACK_OVERHEAD);
    let forwarder = credentials.map(|rx| tokio::spawn(forward_credentials(rx, tx.clone())));
    let sealed_forwarder =
        sealed_file.map(|rx| tokio::spawn(forward_sealed_credentials(rx, tx.clone())));
    loop {
        let message = tokio::select! {
            m = reader.read_message() => m,
            _ = stopped(shutdown) => break,
        };
        let next = match message {
            Ok(Some(Message::Persist(p))) => persist::serve(p, role, store, chunk, &tx).await,
            Ok(Some(Message::Ping { nonce })) => ping::answer(nonce, &tx).await,
            Ok(Some(Message::SyncAck {
                id,
                status,
                payload,
            })) => sync::acknowledged(role, id, status, &payload, metrics.as_ref()),
            Ok(Some(Message::SealedCredentialsAck { id, status, reason })) => {
                sealed_credentials::acknowledged(id, status, &reason);
                ControlFlow::Continue(())
            }
            Ok(Some(Message::Forward(f))) => {
                forwarding::from_enclave(role, forward.as_deref(), f, &tx).await
            }
            Ok(Some(Message::ForwardReply(r))) => {
                forwarding::reply_from_enclave(role, forward.as_deref(), r)
            }
            Ok(Some(Message::PositionQuery { id })) => {
                forwarding::position(id, &stored_position, &tx).await
            }
            Ok(Some(other)) => {
                tracing::warn!(
                    kind = other.kind().name(),
                    "unexpected message from the enclave"
                );
                ControlFlow::Break(())
            }
            Ok(None) => ControlFlow::Break(()),
            Err(e) => {
                tracing::warn!(error = %e, "bad frame from the enclave");
                ControlFlow::Break(())
            }
        };
        if next.is_break() {
            break;
        }
    }
    publish.send_replace(None);
    live.fetch_sub(1, Ordering::SeqCst);
    forwarding::detach(forward.as_deref(), leader_serial);
    for forwarder in [forwarder, sealed_forwarder].into_iter().flatten() {
        forwarder.abort();
    }
    drop(tx);
    let _ = writer_task.await;
}

/// Starts the task that writes the connection's outgoing frames in order; it shuts the stream's
/// write side down once every sender is gone, and stops at the first failed write.
fn spawn_writer<W>(mut writer: FramedWriter<W>) -> (mpsc::Sender<Message>, JoinHandle<()>)
where
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Message>(1024);
    let task = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if writer.write_message(&m).await.is_err() {
                return;
            }
        }
        let _ = writer.shutdown().await;
    });
    (tx, task)
}
