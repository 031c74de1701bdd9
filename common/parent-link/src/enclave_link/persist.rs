//! `Persist` frames: the enclave's storage requests, served from the [`StateStore`] — refused at
//! once for a read replica's writes, otherwise run on the blocking pool (they fsync), with the
//! leader's completed writes recorded in the [`Replication`] before they are acknowledged.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use nitro_kms_wire::{Message, Persist, PersistAck, PersistAction, Status};
use tokio::sync::mpsc;

use super::role::{REPLICA_WRITE_REFUSED, Role};
use crate::lock::lock;
use crate::replication::Replication;
use crate::state_store::StateStore;

/// Serves one `Persist`: a refused write is answered before the next frame is read; anything
/// else runs in its own task, so a slow fsync does not hold up the connection's other frames.
/// `chunk` bounds the payload of a read's ack.
pub(super) async fn serve(
    request: Persist,
    role: &Role,
    store: &Arc<Mutex<StateStore>>,
    chunk: usize,
    tx: &mpsc::Sender<Message>,
) -> ControlFlow<()> {
    if role.refuses(request.action) {
        let _ = tx
            .send(Message::PersistAck(PersistAck::failed(
                request.id,
                REPLICA_WRITE_REFUSED,
            )))
            .await;
        return ControlFlow::Continue(());
    }
    let leader = match role {
        Role::Leader(replication) => Some(replication.clone()),
        Role::Solo | Role::Replica { .. } => None,
    };
    tokio::spawn(store_and_acknowledge(
        request,
        store.clone(),
        leader,
        chunk,
        tx.clone(),
    ));
    ControlFlow::Continue(())
}

/// Runs `request` against the store on the blocking pool and sends its ack; for the leader, a
/// completed write first makes every replica stale.
async fn store_and_acknowledge(
    request: Persist,
    store: Arc<Mutex<StateStore>>,
    leader: Option<Arc<Replication>>,
    chunk: usize,
    tx: mpsc::Sender<Message>,
) {
    let (id, action, total) = (request.id, request.action, request.total);
    let ack = tokio::task::spawn_blocking(move || lock(&store).handle(&request, chunk))
        .await
        .unwrap_or_else(|_| PersistAck::failed(id, "storage task failed"));
    // Replicas stale before the leader learns the write is durable (and so before its caller
    // gets an answer).
    if let Some(replication) = leader
        && completes_write(action, total, &ack)
    {
        replication.stored();
    }
    if ack.status != Status::OK {
        tracing::error!(
            reason = %String::from_utf8_lossy(&ack.payload),
            "cannot store the enclave's sealed state"
        );
    }
    let _ = tx.send(Message::PersistAck(ack)).await;
}

/// Whether `action`, answered with `ack`, completed a write of the keystore: an append, or the
/// last chunk of a snapshot (which the store installs then).
fn completes_write(action: PersistAction, total: u64, ack: &PersistAck) -> bool {
    ack.status == Status::OK
        && match action {
            PersistAction::AppendJournal => true,
            PersistAction::WriteSnapshot => ack.total == total,
            PersistAction::ReadSnapshot
            | PersistAction::ReadJournal
            | PersistAction::ReadSealRoot
            | PersistAction::CreateSealRoot => false,
        }
}
