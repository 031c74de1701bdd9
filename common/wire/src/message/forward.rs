//! The forward family: a read replica hands a mutation it cannot run to the leader through the
//! parent — [`Forward`] (kind 13, enclave to parent, and parent to the leader) — and the leader's
//! answer comes back the same way — [`ForwardReply`] (kind 14). Their own fields are
//! `issued_at_ms` and `mac`; they share `id`, `op`, `caller`, `payload`, `status`, `nonce` and the
//! [`Position`] fields with other families.
//!
//! The parent relays both unchanged. It cannot forge, alter, swap or replay them: `mac` is an
//! HMAC under a key only enclaves of this image (sharing the sealed state) hold, over every other
//! field (see the enclave's `replica_forward` module, which computes and checks it). This crate
//! only carries the bytes.

use std::fmt;

use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, ID, KIND, PAYLOAD, STATUS, keys_of};
use super::ping::NONCE;
use super::position::{GENERATION, Position, SEQUENCE};
use super::relay::{CALLER, OP, Status};
use crate::error::WireError;

/// `issued_at_ms` (key 20): when the replica made the [`Forward`], Unix milliseconds.
pub(crate) const ISSUED_AT_MS: Field<u64> = Field::new(20, "issued_at_ms");
/// `mac` (key 21): the authentication tag of a [`Forward`] or [`ForwardReply`].
pub(crate) const MAC: Field<Vec<u8>> = Field::new(21, "mac");

/// The fields of a Forward, ascending.
pub(crate) const FORWARD_FIELDS: [FieldSpec; 8] = [
    KIND.spec(),
    ID.spec(),
    OP.spec(),
    CALLER.spec(),
    PAYLOAD.spec(),
    NONCE.spec(),
    ISSUED_AT_MS.spec(),
    MAC.spec(),
];
/// Their keys.
pub(crate) const FORWARD_KEYS: [u64; 8] = keys_of(FORWARD_FIELDS);

/// The fields of a ForwardReply, ascending.
pub(crate) const REPLY_FIELDS: [FieldSpec; 7] = [
    KIND.spec(),
    ID.spec(),
    PAYLOAD.spec(),
    STATUS.spec(),
    MAC.spec(),
    GENERATION.spec(),
    SEQUENCE.spec(),
];
/// Their keys.
pub(crate) const REPLY_KEYS: [u64; 7] = keys_of(REPLY_FIELDS);

/// A mutation a read replica received from an authenticated client and hands to the leader.
#[derive(Clone, PartialEq, Eq)]
pub struct Forward {
    /// Chosen by the replica at random, so that ids of several replicas do not collide in the
    /// parent's table of forwards in flight; the [`ForwardReply`] carries it back.
    pub id: u64,
    /// The KMS operation, e.g. `"CreateKey"`.
    pub op: String,
    /// The principal the replica verified the client's SigV4 signature for.
    pub caller: String,
    /// The operation's JSON request body, byte for byte.
    pub payload: Vec<u8>,
    /// When the replica made it, Unix milliseconds (the leader refuses one outside its window).
    pub issued_at_ms: u64,
    /// Random, used once: the leader refuses a nonce it has already seen within the window.
    pub nonce: u64,
    /// HMAC-SHA256 over every field above, under the enclaves' forwarding key.
    pub mac: Vec<u8>,
}

impl Forward {
    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ID.encode(map, &self.id)?;
        OP.encode(map, &self.op)?;
        CALLER.encode(map, &self.caller)?;
        PAYLOAD.encode(map, &self.payload)?;
        NONCE.encode(map, &self.nonce)?;
        ISSUED_AT_MS.encode(map, &self.issued_at_ms)?;
        MAC.encode(map, &self.mac)
    }

    /// Reads the fields of a Forward body, each required.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Forward, WireError> {
        Ok(Forward {
            id: entries.take(ID)?,
            op: entries.take(OP)?,
            caller: entries.take(CALLER)?,
            payload: entries.take(PAYLOAD)?,
            nonce: entries.take(NONCE)?,
            issued_at_ms: entries.take(ISSUED_AT_MS)?,
            mac: entries.take(MAC)?,
        })
    }
}

impl fmt::Debug for Forward {
    /// Prints the payload's length only, like a [`Request`](super::Request)'s.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forward")
            .field("id", &self.id)
            .field("op", &self.op)
            .field("caller", &self.caller)
            .field("payload_len", &self.payload.len())
            .field("issued_at_ms", &self.issued_at_ms)
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

/// The leader's answer to the [`Forward`] with the same `id` (or, with an empty `mac`, the
/// parent's: the leader could not be reached; the replica treats it as a retryable failure).
#[derive(Clone, PartialEq, Eq)]
pub struct ForwardReply {
    /// The id of the forward answered.
    pub id: u64,
    /// The HTTP status for the client.
    pub status: Status,
    /// The operation's JSON response body, or the KMS error JSON.
    pub payload: Vec<u8>,
    /// The leader's sealed-state position after running the operation: the replica answers its
    /// client only once it has caught up to it (read-your-writes).
    pub position: Position,
    /// HMAC-SHA256 over the forward's nonce and every field above, under the forwarding key.
    pub mac: Vec<u8>,
}

impl ForwardReply {
    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ID.encode(map, &self.id)?;
        PAYLOAD.encode(map, &self.payload)?;
        STATUS.encode(map, &u64::from(self.status.code()))?;
        MAC.encode(map, &self.mac)?;
        self.position.encode_fields(map)
    }

    /// Reads the fields of a ForwardReply body, each required, the status in range.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<ForwardReply, WireError> {
        let status = entries.take(STATUS)?;
        Ok(ForwardReply {
            id: entries.take(ID)?,
            status: Status::from_wire(status)?,
            payload: entries.take(PAYLOAD)?,
            mac: entries.take(MAC)?,
            position: Position::decode_fields(entries)?,
        })
    }
}

impl fmt::Debug for ForwardReply {
    /// Prints the payload's length only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwardReply")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("payload_len", &self.payload.len())
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::message::tests::body;

    fn forward() -> Forward {
        Forward {
            id: 1,
            op: "A".to_owned(),
            caller: "c".to_owned(),
            payload: b"{}".to_vec(),
            issued_at_ms: 2,
            nonce: 3,
            mac: vec![0xAA],
        }
    }

    #[test]
    fn a_forward_has_pinned_bytes() {
        let message = Message::Forward(forward());
        let bytes = body(&message);
        // {0: 13, 1: 1, 2: "A", 3: "c", 4: h'7b7d', 9: 3, 20: 2, 21: h'aa'}
        assert_eq!(
            bytes,
            [
                0xa8, 0x00, 0x0d, 0x01, 0x01, 0x02, 0x61, b'A', 0x03, 0x61, b'c', 0x04, 0x42, b'{',
                b'}', 0x09, 0x03, 0x14, 0x02, 0x15, 0x41, 0xaa
            ]
        );
        assert_eq!(Message::decode_body(&bytes).unwrap(), message);
    }

    #[test]
    fn a_forward_reply_has_pinned_bytes() {
        let message = Message::ForwardReply(ForwardReply {
            id: 1,
            status: Status::OK,
            payload: Vec::new(),
            position: Position {
                generation: 4,
                sequence: 5,
            },
            mac: vec![0xBB],
        });
        let bytes = body(&message);
        // {0: 14, 1: 1, 4: h'', 5: 200, 21: h'bb', 22: 4, 23: 5}
        assert_eq!(
            bytes,
            [
                0xa7, 0x00, 0x0e, 0x01, 0x01, 0x04, 0x40, 0x05, 0x18, 0xc8, 0x15, 0x41, 0xbb, 0x16,
                0x04, 0x17, 0x05
            ]
        );
        assert_eq!(Message::decode_body(&bytes).unwrap(), message);
    }

    #[test]
    fn a_forward_without_its_mac_is_refused() {
        let mut bytes = body(&Message::Forward(forward()));
        // Drop the last entry (21: h'aa') and fix the map's length.
        bytes.truncate(bytes.len() - 3);
        bytes[0] = 0xa7;
        assert!(Message::decode_body(&bytes).is_err());
    }

    #[test]
    fn debug_does_not_print_payloads() {
        let mut f = forward();
        f.payload = b"secret-plaintext".to_vec();
        let text = format!("{f:?}");
        assert!(!text.contains("secret"), "{text}");
    }
}
