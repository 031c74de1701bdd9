//! A connection's part in forwarding: a leader connection registers with the set's
//! [`ForwardRelay`] while it is up, a replica's `Forward` goes to the relay, the leader's
//! `ForwardReply` too, and a `PositionQuery` (any enclave) is answered with the stored position.
//!
//! Frames in the wrong place (a `Forward` from the leader or a lone enclave, a `ForwardReply`
//! from a replica) are answered "unavailable" or dropped with a warning; the connection stays up.

use std::ops::ControlFlow;

use nitro_kms_wire::{Forward, ForwardReply, Message, Position};
use tokio::sync::mpsc;

use super::role::Role;
use crate::forward::{ForwardRelay, unavailable};
use crate::stored_position::StoredPosition;

/// Registers a leader connection with the relay; its serial, for [`detach`].
pub(super) fn attach(
    role: &Role,
    relay: Option<&ForwardRelay>,
    tx: &mpsc::Sender<Message>,
) -> Option<u64> {
    match (role, relay) {
        (Role::Leader(_), Some(relay)) => Some(relay.leader_connected(tx.clone())),
        _ => None,
    }
}

/// Unregisters a leader connection that closed (its forwards in flight fail at once).
pub(super) fn detach(relay: Option<&ForwardRelay>, serial: Option<u64>) {
    if let (Some(relay), Some(serial)) = (relay, serial) {
        relay.leader_disconnected(serial);
    }
}

/// A `Forward` from the enclave: relayed to the leader when it comes from a replica.
pub(super) async fn from_enclave(
    role: &Role,
    relay: Option<&ForwardRelay>,
    forward: Forward,
    tx: &mpsc::Sender<Message>,
) -> ControlFlow<()> {
    match (role, relay) {
        (Role::Replica { .. }, Some(relay)) => relay.from_replica(forward, tx).await,
        _ => {
            tracing::warn!("a Forward from an enclave that is not a read replica");
            let _ = tx.send(unavailable(forward.id, "not a read replica")).await;
        }
    }
    ControlFlow::Continue(())
}

/// A `ForwardReply` from the enclave: handed back to the replica when it comes from the leader.
pub(super) fn reply_from_enclave(
    role: &Role,
    relay: Option<&ForwardRelay>,
    reply: ForwardReply,
) -> ControlFlow<()> {
    match (role, relay) {
        (Role::Leader(_), Some(relay)) => relay.from_leader(reply),
        _ => tracing::warn!("a ForwardReply from an enclave that is not the leader; dropped"),
    }
    ControlFlow::Continue(())
}

/// Answers a `PositionQuery` with what this parent stored (0, 0 before it has seen a snapshot).
pub(super) async fn position(
    id: u64,
    stored: &StoredPosition,
    tx: &mpsc::Sender<Message>,
) -> ControlFlow<()> {
    let (generation, sequence) = stored.get().unwrap_or_default();
    let _ = tx
        .send(Message::PositionReply {
            id,
            position: Position {
                generation,
                sequence,
            },
        })
        .await;
    ControlFlow::Continue(())
}
