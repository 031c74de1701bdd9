//! A pool slot: the live connection it publishes to callers, and what its connections share with
//! the rest of the link.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use nitro_kms_wire::{Message, Response};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};

use super::role::Role;
use crate::forward::ForwardRelay;
use crate::metrics::LinkMetrics;
use crate::state_store::StateStore;

/// The callers waiting on one connection, by request id.
pub(super) type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Response>>>>;

/// A live connection of a slot.
#[derive(Clone)]
pub(super) struct Live {
    /// The connection's outgoing frames (its writer task drains them).
    pub(super) tx: mpsc::Sender<Message>,
    /// Who waits for which response.
    pub(super) pending: Pending,
    /// The connection's negotiated `max_in_flight`, as permits.
    pub(super) in_flight: Arc<Semaphore>,
}

/// What a slot's connections share with the rest of the link.
pub(super) struct SlotContext {
    /// Where the slot's live connection is published for callers.
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
