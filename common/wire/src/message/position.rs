//! The position family: how far the sealed state has come, as a [`Position`], and the query a
//! read replica makes before it serves a read — [`Message::PositionQuery`](super::Message::PositionQuery)
//! (kind 15, enclave to parent: "what is the stored position now?") and
//! [`Message::PositionReply`](super::Message::PositionReply) (kind 16, the parent's answer), with
//! the position's own fields (`generation`, `sequence`). The forward family's
//! [`ForwardReply`](super::ForwardReply) carries a position too.
//!
//! A position is what the parent *says* is stored; nothing authenticates a `PositionReply`. A
//! replica uses it only to decide whether to catch up (and the catch-up authenticates what it
//! reads), so a lying parent can make it serve older state, which withholding the files already
//! allows, and nothing more.

use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, ID, KIND, keys_of};
use crate::error::WireError;

/// `generation` (key 22): the generation of a sealed snapshot (and of the journal after it).
pub(crate) const GENERATION: Field<u64> = Field::new(22, "generation");
/// `sequence` (key 23): the sequence number of the last journal record after that snapshot.
pub(crate) const SEQUENCE: Field<u64> = Field::new(23, "sequence");

/// The fields of a PositionQuery, ascending.
pub(crate) const QUERY_FIELDS: [FieldSpec; 2] = [KIND.spec(), ID.spec()];
/// Their keys.
pub(crate) const QUERY_KEYS: [u64; 2] = keys_of(QUERY_FIELDS);

/// The fields of a PositionReply, ascending.
pub(crate) const REPLY_FIELDS: [FieldSpec; 4] =
    [KIND.spec(), ID.spec(), GENERATION.spec(), SEQUENCE.spec()];
/// Their keys.
pub(crate) const REPLY_KEYS: [u64; 4] = keys_of(REPLY_FIELDS);

/// How far a sealed state has come: the snapshot's generation and the last record's sequence
/// number. Both only grow while the leader writes, so positions compare in that order
/// (`derive(PartialOrd, Ord)` compares `generation` first): a state at a position at least `p`
/// holds every write that `p` holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The snapshot's generation.
    pub generation: u64,
    /// The last record's sequence number (the snapshot's own when no record follows it).
    pub sequence: u64,
}

impl Position {
    /// Writes `generation` and `sequence` (keys 22, 23: after every other field of the kinds
    /// that carry a position).
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        GENERATION.encode(map, &self.generation)?;
        SEQUENCE.encode(map, &self.sequence)
    }

    /// Reads `generation` and `sequence`, both required.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Position, WireError> {
        Ok(Position {
            generation: entries.take(GENERATION)?,
            sequence: entries.take(SEQUENCE)?,
        })
    }
}

/// Writes the fields of a PositionQuery after `kind`.
pub(crate) fn encode_query<M: SerializeMap>(id: u64, map: &mut M) -> Result<(), M::Error> {
    ID.encode(map, &id)
}

/// Reads the `id` of a PositionQuery body (required).
pub(crate) fn decode_query(entries: &mut Entries) -> Result<u64, WireError> {
    entries.take(ID)
}

/// Writes the fields of a PositionReply after `kind`, in key order.
pub(crate) fn encode_reply<M: SerializeMap>(
    id: u64,
    position: &Position,
    map: &mut M,
) -> Result<(), M::Error> {
    ID.encode(map, &id)?;
    position.encode_fields(map)
}

/// Reads the fields of a PositionReply body, each required.
pub(crate) fn decode_reply(entries: &mut Entries) -> Result<(u64, Position), WireError> {
    Ok((entries.take(ID)?, Position::decode_fields(entries)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::message::tests::body;

    #[test]
    fn position_messages_have_pinned_bytes() {
        // {0: 15, 1: 7}
        assert_eq!(
            body(&Message::PositionQuery { id: 7 }),
            [0xa2, 0x00, 0x0f, 0x01, 0x07]
        );
        // {0: 16, 1: 7, 22: 3, 23: 300}
        let reply = Message::PositionReply {
            id: 7,
            position: Position {
                generation: 3,
                sequence: 300,
            },
        };
        let bytes = body(&reply);
        assert_eq!(
            bytes,
            [
                0xa4, 0x00, 0x10, 0x01, 0x07, 0x16, 0x03, 0x17, 0x19, 0x01, 0x2c
            ]
        );
        assert_eq!(Message::decode_body(&bytes).unwrap(), reply);
    }

    #[test]
    fn positions_compare_generation_first() {
        let p = |generation, sequence| Position {
            generation,
            sequence,
        };
        assert!(p(2, 0) > p(1, 99));
        assert!(p(1, 5) > p(1, 4));
        assert!(p(1, 5) >= p(1, 5));
    }
}
