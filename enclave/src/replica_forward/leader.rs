//! The leader's side of a forward: check it, run it as if its own HTTP endpoint had received it
//! from the caller the replica verified, and answer with a MAC'd reply carrying the position
//! after the write.
//!
//! Checks, in order, each refusal logged and answered with an **unauthenticated** error reply
//! (empty `mac`: the replica turns it into a retryable error; nothing was executed):
//!
//! 1. the MAC, under the forwarding key (the parent cannot make one; an enclave of another image
//!    or another world derives another key);
//! 2. this enclave is the leader (a replica sent a forward would only fail to write);
//! 3. freshness and single use (`super::replay`), entered only for forwards that authenticated.
//!
//! Refusals are not MAC'd on purpose: a MAC'd refusal to a forged forward would be a genuine reply
//! to a nonce of the parent's choosing, which it could then deliver in answer to a real forward
//! with that nonce.

use std::future::Future;

use nitro_kms_wire::{Forward, ForwardReply, Message, Position, Status};

use super::forwarder::ReplicaForward;
use crate::service::Reply;

impl ReplicaForward {
    /// Serves a `Forward` read from a parent connection: `run` is how this enclave answers an
    /// authenticated request (the frame server passes its `answer`, the path its HTTP endpoint
    /// uses, bound to the service and the request deadline). Returns the frame to send back.
    pub async fn serve<F, Fut>(&self, forward: Forward, run: F) -> Message
    where
        F: FnOnce(String, String, Vec<u8>) -> Fut,
        Fut: Future<Output = Reply>,
    {
        let id = forward.id;
        let svc = match self.ready().await {
            Ok(svc) => svc,
            Err(_) => return refused(id, "the leader is not ready"),
        };
        let key = match self.key(&svc) {
            Ok(key) => key,
            Err(_) => return refused(id, "no forwarding key"),
        };
        if !key.verifies_forward(&forward) {
            return refused(id, "the forward does not authenticate");
        }
        if self.link.is_replica() {
            return refused(id, "this enclave is a read replica, not the leader");
        }
        if let Err(refusal) = self
            .replay
            .accept(forward.issued_at_ms, forward.nonce, (svc.clock)())
        {
            return refused(id, &refusal.to_string());
        }
        let nonce = forward.nonce;
        let op = forward.op.clone();
        let outcome = run(forward.op, forward.caller, forward.payload).await;
        let position = svc.store.position().await;
        tracing::debug!(
            operation = %op,
            status = outcome.status.code(),
            "nitro-kms-enclave: ran a forwarded request"
        );
        let mut reply = ForwardReply {
            id,
            status: outcome.status,
            payload: outcome.body,
            position,
            mac: Vec::new(),
        };
        reply.mac = key.reply_mac(nonce, &reply);
        Message::ForwardReply(reply)
    }

    /// The unauthenticated answer to a forward that is not run (see the module docs).
    pub fn refuse(&self, id: u64, reason: &str) -> Message {
        refused(id, reason)
    }
}

fn refused(id: u64, reason: &str) -> Message {
    tracing::warn!("nitro-kms-enclave: REFUSED a forwarded request: {reason}; nothing was run");
    Message::ForwardReply(ForwardReply {
        id,
        status: Status::new(403).unwrap_or(Status::BAD_REQUEST),
        payload: format!("forward refused: {reason}").into_bytes(),
        position: Position::default(),
        mac: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
