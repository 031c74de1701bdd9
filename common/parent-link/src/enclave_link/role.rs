//! What an enclave is to its parent (the only one, the leader, or a read replica), which decides
//! how its link treats `Persist` writes and `Sync`s.

use std::sync::Arc;

use nitro_kms_wire::PersistAction;

use crate::replication::Replication;

/// What a replica's storage writes are answered with: the proxy refuses them itself.
pub const REPLICA_WRITE_REFUSED: &str = "read replica: only the leader writes";

/// What an enclave is to this proxy: decides how its link treats `Persist` writes and `Sync`s.
#[derive(Debug, Clone)]
pub enum Role {
    /// The only enclave: it writes, nobody follows, and the link does no replication work.
    Solo,
    /// The one writer among several: each of its durable writes makes every replica stale
    /// ([`Replication::stored`]) before the write is acknowledged to it.
    Leader(Arc<Replication>),
    /// A read replica: its writes are refused (reads and the seal root's first-wins creation are
    /// served); it is sent `Sync`s and counts as caught up once it acknowledges the current
    /// generation.
    Replica {
        /// The generation it must acknowledge.
        replication: Arc<Replication>,
        /// Its index among the replicas (enclave `replica + 1`).
        replica: usize,
    },
}

impl Role {
    /// Whether a `Persist` with `action` from this enclave is refused without touching the store.
    pub(crate) fn refuses(&self, action: PersistAction) -> bool {
        matches!(self, Role::Replica { .. })
            && matches!(
                action,
                PersistAction::AppendJournal | PersistAction::WriteSnapshot
            )
    }
}
