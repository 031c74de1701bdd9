//! [`ReplicaForward`]: the one object, shared by the enclave's parent connections and its HTTP
//! endpoint, that holds what forwarding needs — the parent link, the service, the forwarding key
//! (derived once the sealed state is loaded), the tables of answers awaited, the leader's replay
//! guard and the replica's read barrier — and the entry points the rest of the enclave calls:
//!
//! - the HTTP endpoint: [`ReplicaForward::replica_answer`], before it runs an authenticated
//!   request itself;
//! - a parent connection's reader: [`ReplicaForward::serve`] (leader side,
//!   `super::leader`), [`ReplicaForward::deliver_reply`] and
//!   [`ReplicaForward::deliver_position`] (replica side).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use nitro_kms_api::{Access, KmsError, Operation};
use nitro_kms_wire::{ForwardReply, Position};

use super::coalesce::Rounds;
use super::key::ForwardKey;
use super::pending::Pending;
use super::replay::ReplayGuard;
use crate::context::{Context, ServiceSlot};
use crate::region_allowlist::regional_op;
use crate::service::Reply;
use crate::storage::parent_link::ParentLink;

/// Most forwards (and, separately, position queries) a replica waits for at once.
pub const MAX_PENDING: usize = 4096;

/// Forwarding between enclaves of one image, both ways (see the [module](super) docs).
pub struct ReplicaForward {
    /// The parent connections (whether this enclave is a replica; where frames go).
    pub(super) link: Arc<ParentLink>,
    /// The service, once ready.
    pub(super) service: ServiceSlot,
    /// How long a forward or a position query may take, and a forwarded operation on the leader.
    pub(super) deadline: Duration,
    /// Derived from the sealing key on first use.
    key: OnceLock<ForwardKey>,
    /// Replica side: forwards waiting for their reply.
    pub(super) replies: Pending<ForwardReply>,
    /// Replica side: position queries waiting for their answer.
    pub(super) positions: Pending<Position>,
    /// Leader side: the nonces of forwards accepted within the window.
    pub(super) replay: ReplayGuard,
    /// Replica side: coalesces the position queries of concurrent reads.
    pub(super) barrier: Rounds,
}

impl std::fmt::Debug for ReplicaForward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaForward")
            .field("replica", &self.link.is_replica())
            .field("forwards_pending", &self.replies.len())
            .field("nonces", &self.replay.len())
            .finish_non_exhaustive()
    }
}

impl ReplicaForward {
    /// Forwarding over `link` for the service in `service`, each exchange bounded by `deadline`.
    pub fn new(link: Arc<ParentLink>, service: ServiceSlot, deadline: Duration) -> Arc<Self> {
        Arc::new(ReplicaForward {
            link,
            service,
            deadline,
            key: OnceLock::new(),
            replies: Pending::new(MAX_PENDING),
            positions: Pending::new(MAX_PENDING),
            replay: ReplayGuard::new(),
            barrier: Rounds::default(),
        })
    }

    /// What the HTTP endpoint asks before it runs an authenticated request itself: on a read
    /// replica, a mutation is forwarded to the leader and its answer returned
    /// (`Some(reply)`); a read first waits until this replica serves everything the parent
    /// says is stored ([`Self::read_barrier`](super::read_barrier)), and is then left to the
    /// endpoint (`None`, or `Some(error)` when that failed). On the leader (or a lone enclave),
    /// always `None`.
    pub async fn replica_answer(
        self: &Arc<Self>,
        op: Operation,
        region: &str,
        caller: &str,
        payload: &[u8],
    ) -> Option<Reply> {
        if !self.link.is_replica() {
            return None;
        }
        let svc = match self.ready().await {
            Ok(svc) => svc,
            Err(e) => return Some(Reply::error(&e)),
        };
        match Access::of(op) {
            Access::Write => {
                let op = regional_op(&svc.identity.region, region, op.name());
                Some(self.forward(&svc, &op, caller, payload).await)
            }
            // Nothing stored to be behind on.
            Access::Read if op == Operation::GenerateRandom => None,
            Access::Read => self
                .read_barrier(&svc)
                .await
                .err()
                .map(|e| Reply::error(&e)),
        }
    }

    /// Hands a `ForwardReply` read from a parent connection to the forward waiting for it.
    pub fn deliver_reply(&self, reply: ForwardReply) {
        if !self.replies.deliver(reply.id, reply) {
            tracing::debug!("nitro-kms-enclave: a ForwardReply nobody waits for was dropped");
        }
    }

    /// Hands a `PositionReply` read from a parent connection to the query waiting for it.
    pub fn deliver_position(&self, id: u64, position: Position) {
        self.positions.deliver(id, position);
    }

    /// The service once ready, within the deadline.
    pub(super) async fn ready(&self) -> Result<Arc<Context>, KmsError> {
        let mut slot = self.service.clone();
        match tokio::time::timeout(self.deadline, slot.wait_for(Option::is_some)).await {
            Ok(Ok(ready)) => ready
                .clone()
                .ok_or_else(|| KmsError::internal("The key store is shutting down.")),
            Ok(Err(_)) => Err(KmsError::internal("The key store is shutting down.")),
            Err(_) => Err(super::errors::dependency_timeout()),
        }
    }

    /// The forwarding key, derived from `svc`'s sealing key the first time.
    pub(super) fn key(&self, svc: &Context) -> Result<&ForwardKey, KmsError> {
        if let Some(key) = self.key.get() {
            return Ok(key);
        }
        let key = ForwardKey::of(&svc.store)
            .map_err(|_| KmsError::internal("cannot derive the forwarding key"))?;
        Ok(self.key.get_or_init(|| key))
    }
}
