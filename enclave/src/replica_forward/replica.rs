//! The replica's side of a forward: MAC the authenticated request, hand it to the parent, wait
//! for the leader's reply, check it, catch up to the position the reply names, and only then
//! answer the client (read-your-writes: the client's next request to this replica sees the
//! write).

use std::sync::Arc;

use nitro_kms_api::KmsError;
use nitro_kms_wire::{Forward, Message, Position};

use super::errors::{dependency_timeout, internal};
use super::forwarder::ReplicaForward;
use super::pending::random_id;
use crate::context::Context;
use crate::service::Reply;

/// Catch-ups tried before a replica gives up reaching a position.
const CATCH_UP_ATTEMPTS: usize = 3;

impl ReplicaForward {
    /// Forwards `op` for `caller` (verified by this enclave's SigV4 check) to the leader and
    /// returns the leader's answer once this replica has applied it; a retryable KMS error when
    /// that cannot be done (see `super::errors`).
    pub(super) async fn forward(
        &self,
        svc: &Arc<Context>,
        op: &str,
        caller: &str,
        payload: &[u8],
    ) -> Reply {
        match self.try_forward(svc, op, caller, payload).await {
            Ok(reply) => reply,
            Err(e) => Reply::error(&e),
        }
    }

    async fn try_forward(
        &self,
        svc: &Arc<Context>,
        op: &str,
        caller: &str,
        payload: &[u8],
    ) -> Result<Reply, KmsError> {
        let key = self.key(svc)?;
        let mut forward = Forward {
            id: random_id()?,
            op: op.to_owned(),
            caller: caller.to_owned(),
            payload: payload.to_vec(),
            issued_at_ms: (svc.clock)(),
            nonce: random_id()?,
            mac: Vec::new(),
        };
        forward.mac = key.forward_mac(&forward);
        let (id, nonce) = (forward.id, forward.nonce);
        let Some(answer) = self.replies.register(id) else {
            tracing::warn!("nitro-kms-enclave: too many forwards waiting for the leader");
            return Err(dependency_timeout());
        };
        if let Err(e) = self.link.send(id, Message::Forward(forward)).await {
            self.replies.forget(id);
            tracing::warn!("nitro-kms-enclave: cannot forward {op} to the leader: {e}");
            return Err(dependency_timeout());
        }
        let reply = match tokio::time::timeout(self.deadline, answer).await {
            Ok(Ok(reply)) => reply,
            _ => {
                self.replies.forget(id);
                tracing::warn!("nitro-kms-enclave: the leader did not answer a forwarded {op}");
                return Err(dependency_timeout());
            }
        };
        if reply.mac.is_empty() {
            tracing::warn!(
                status = reply.status.code(),
                reason = %String::from_utf8_lossy(&reply.payload).chars().take(200).collect::<String>(),
                "nitro-kms-enclave: a forwarded {op} was not run (unauthenticated answer)"
            );
            return Err(dependency_timeout());
        }
        if !key.verifies_reply(nonce, &reply) {
            tracing::warn!(
                "nitro-kms-enclave: REFUSED a ForwardReply that does not authenticate \
                 (forged or altered by the parent); the client gets an error"
            );
            return Err(internal());
        }
        if let Err(reason) = self.catch_up_to(svc, reply.position).await {
            tracing::warn!(
                "nitro-kms-enclave: the leader ran a forwarded {op}, but this replica cannot \
                 catch up with it: {reason}"
            );
            return Err(internal());
        }
        Ok(Reply {
            status: reply.status,
            body: reply.payload,
        })
    }

    /// Catches up until this replica serves at least `target` (a few attempts: the leader may be
    /// replacing the snapshot meanwhile); the reason when it cannot.
    pub(super) async fn catch_up_to(
        &self,
        svc: &Arc<Context>,
        target: Position,
    ) -> Result<(), String> {
        for _ in 0..CATCH_UP_ATTEMPTS {
            if svc.store.position().await >= target {
                return Ok(());
            }
            svc.store.catch_up().await.map_err(|e| e.to_string())?;
        }
        let reached = svc.store.position().await;
        if reached >= target {
            Ok(())
        } else {
            Err(format!(
                "at generation {} sequence {}, behind generation {} sequence {}",
                reached.generation, reached.sequence, target.generation, target.sequence
            ))
        }
    }
}
