//! A pool slot: the live connection it publishes (to the task sending a replica its `Sync`s), and what its connections share with
//! the rest of the link.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use nitro_kms_wire::Message;
use tokio::sync::{mpsc, watch};

use super::role::Role;
use crate::forward::ForwardRelay;
use crate::metrics::LinkMetrics;
use crate::state_store::StateStore;

/// A live connection of a slot.
#[derive(Clone)]
pub(super) struct Live {
    /// The connection's outgoing frames (its writer task drains them).
    pub(super) tx: mpsc::Sender<Message>,
}

/// What a slot's connections share with the rest of the link.
pub(super) struct SlotContext {
    /// Where the slot's live connection is published.
    pub(super) publish: watch::Sender<Option<Live>>,
    /// The link's count of connections up.
    pub(super) live: Arc<AtomicUsize>,
    /// What the enclave is to this parent.
    pub(super) role: Role,
    /// Where its `Persist` frames are served from.
    pub(super) store: Arc<Mutex<StateStore>>,
    /// Where the link's events are counted.
    pub(super) metrics: Arc<dyn LinkMetrics>,
    /// Relays replicas' `Forward`s to the leader and the `ForwardReply`s back; `None` for a lone
    /// enclave (a `Forward` from it is answered "unavailable").
    pub(super) forward: Option<Arc<ForwardRelay>>,
}
