//! `Sync` and `SyncAck` frames: keeping a read replica caught up with the leader's writes.
//!
//! A replica is sent the current generation first thing on every connection (before any
//! `PersistAck`, so it knows it is a replica), then each time the generation changes, and again
//! every [`RESYNC_INTERVAL`] while it is stale (a catch-up that failed, or a `Sync` lost with a
//! connection). Its successful `SyncAck`s make it caught up ([`Replication::acknowledged`]).

use std::ops::ControlFlow;
use std::sync::Arc;

use nitro_kms_wire::shutdown::stopped;
use nitro_kms_wire::{Message, Status};
use tokio::sync::{mpsc, watch};

use super::role::Role;
use super::slot::Live;
use crate::metrics::LinkMetrics;
use crate::replication::{RESYNC_INTERVAL, Replication};

/// On a new connection of a replica: stale until this (maybe new) process acknowledges, and the
/// `Sync` goes first, so that the enclave knows it is a replica before it gets any `PersistAck`
/// on this connection. Nothing for the other roles.
pub(super) async fn announce(role: &Role, tx: &mpsc::Sender<Message>, metrics: &dyn LinkMetrics) {
    if let Role::Replica {
        replication,
        replica,
    } = role
    {
        replication.reconnected(*replica);
        let id = replication.generation();
        if tx.send(Message::Sync { id }).await.is_ok() {
            metrics.sync_sent();
        }
    }
}

/// Records a replica's `SyncAck { id, status, payload }`. From an enclave that was sent no
/// `Sync` (not a replica) it is a protocol error and the connection closes.
pub(super) fn acknowledged(
    role: &Role,
    id: u64,
    status: Status,
    payload: &[u8],
    metrics: &dyn LinkMetrics,
) -> ControlFlow<()> {
    let Role::Replica {
        replication,
        replica,
    } = role
    else {
        tracing::warn!("SyncAck from an enclave that was sent no Sync");
        return ControlFlow::Break(());
    };
    if status == Status::OK {
        replication.acknowledged(*replica, id);
    } else {
        metrics.sync_failed();
        tracing::warn!(
            replica,
            reason = %String::from_utf8_lossy(payload),
            "read replica could not catch up; it gets no requests until it does"
        );
    }
    ControlFlow::Continue(())
}

/// Sends `Sync`s to a replica: the current generation each time it changes, and again every
/// [`RESYNC_INTERVAL`] while the replica is stale. One connection is enough: the enclave catches
/// up once for all of them.
pub(super) async fn send_syncs(
    replication: Arc<Replication>,
    replica: usize,
    slots: Vec<watch::Receiver<Option<Live>>>,
    metrics: Arc<dyn LinkMetrics>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut generations = replication.subscribe();
    let mut resync = tokio::time::interval_at(
        tokio::time::Instant::now() + RESYNC_INTERVAL,
        RESYNC_INTERVAL,
    );
    resync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = generations.changed() => if changed.is_err() { return },
            _ = resync.tick() => if replication.is_caught_up(replica) { continue },
            _ = stopped(&mut shutdown) => return,
        }
        // Not connected: the connection sends one when it comes up.
        let Some(live) = slots.iter().find_map(|slot| slot.borrow().clone()) else {
            continue;
        };
        let id = replication.generation();
        if live.tx.send(Message::Sync { id }).await.is_ok() {
            metrics.sync_sent();
        }
    }
}
