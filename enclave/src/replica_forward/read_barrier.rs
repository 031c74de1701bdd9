//! Read-your-writes across connections on a replica: before it serves a read, a replica asks the
//! parent how far the stored state has come (`PositionQuery`/`PositionReply`) and catches up
//! first if it is behind. A write the leader acknowledged to any client was stored before that
//! acknowledgement left the leader, so a read that arrives afterwards at any replica sees it.
//!
//! Reads that arrive while a query is out are coalesced: they wait for the *next* round (the
//! running one may have been answered before they arrived), so at most one query is in flight
//! per replica and a burst of reads costs one or two round trips to the parent, not one each —
//! the pattern of `crate::storage::read_replica`.
//!
//! The answer is unauthenticated. A parent that lies about the position can make the replica
//! serve older state (it could already, by withholding the files) or fail reads (by naming a
//! position that is never reached), and nothing else: whatever the replica catches up to is read
//! and authenticated as at start-up.

use std::sync::Arc;

use nitro_kms_api::KmsError;
use nitro_kms_wire::Message;

use super::errors::dependency_timeout;
use super::forwarder::ReplicaForward;
use super::pending::random_id;
use crate::context::Context;

impl ReplicaForward {
    /// Returns once this replica serves everything the parent had stored when the call began, or
    /// a retryable `DependencyTimeoutException` when the parent did not answer in time or the
    /// replica could not catch up.
    pub(super) async fn read_barrier(self: &Arc<Self>, svc: &Arc<Context>) -> Result<(), KmsError> {
        let (rx, start) = self.barrier.join();
        if start {
            tokio::spawn(self.clone().run_rounds(svc.clone()));
        }
        match tokio::time::timeout(self.deadline, rx).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(reason))) => {
                tracing::warn!(
                    "nitro-kms-enclave: a read waits for a catch-up that failed: {reason}"
                );
                Err(dependency_timeout())
            }
            _ => Err(dependency_timeout()),
        }
    }

    /// Runs rounds until no read waits: each answers the reads that arrived before it started.
    async fn run_rounds(self: Arc<Self>, svc: Arc<Context>) {
        while let Some(batch) = self.barrier.next_batch() {
            let outcome = self.round(&svc).await;
            for read in batch {
                let _ = read.send(outcome.clone());
            }
        }
    }

    /// One query and, if behind, the catch-up.
    async fn round(&self, svc: &Arc<Context>) -> Result<(), String> {
        let id = random_id().map_err(|e| e.to_string())?;
        let answer = self
            .positions
            .register(id)
            .ok_or("too many position queries")?;
        if let Err(e) = self.link.send(id, Message::PositionQuery { id }).await {
            self.positions.forget(id);
            return Err(format!(
                "cannot ask the parent for the stored position: {e}"
            ));
        }
        let stored = match tokio::time::timeout(self.deadline, answer).await {
            Ok(Ok(position)) => position,
            _ => {
                self.positions.forget(id);
                return Err("the parent did not say the stored position in time".into());
            }
        };
        self.catch_up_to(svc, stored).await
    }
}
