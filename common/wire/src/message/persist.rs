//! The persist family: the enclave's sealed-state storage requests ([`Persist`], kind 5, with its
//! [`PersistAction`]) and the parent's answers ([`PersistAck`], kind 6); and their own fields
//! (`action`, `offset`, `total`).

use std::fmt;

use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, ID, KIND, PAYLOAD, STATUS, keys_of};
use super::relay::Status;
use crate::error::WireError;

/// `action` (key 10): what a [`Persist`] asks the parent to do ([`PersistAction::code`]).
pub(crate) const ACTION: Field<u64> = Field::new(10, "action");
/// `offset` (key 11): a byte position in the parent's snapshot or journal file.
pub(crate) const OFFSET: Field<u64> = Field::new(11, "offset");
/// `total` (key 12): a file length (see [`Persist`] and [`PersistAck`]).
pub(crate) const TOTAL: Field<u64> = Field::new(12, "total");

/// The fields of a Persist, ascending.
pub(crate) const PERSIST_FIELDS: [FieldSpec; 6] = [
    KIND.spec(),
    ID.spec(),
    PAYLOAD.spec(),
    ACTION.spec(),
    OFFSET.spec(),
    TOTAL.spec(),
];
/// Their keys.
pub(crate) const PERSIST_KEYS: [u64; 6] = keys_of(PERSIST_FIELDS);

/// The fields of a PersistAck, ascending.
pub(crate) const PERSIST_ACK_FIELDS: [FieldSpec; 5] = [
    KIND.spec(),
    ID.spec(),
    PAYLOAD.spec(),
    STATUS.spec(),
    TOTAL.spec(),
];
/// Their keys.
pub(crate) const PERSIST_ACK_KEYS: [u64; 5] = keys_of(PERSIST_ACK_FIELDS);

/// What a [`Persist`] asks the parent to do with the enclave's sealed state.
///
/// The parent keeps two opaque files for the enclave: a **snapshot** and an append-only
/// **journal** (their format is the enclave's business; the parent only stores bytes). Reads and
/// snapshot writes are chunked so that a state larger than one frame still moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PersistAction {
    /// Read the snapshot from `offset`: the ack's payload is the next chunk (empty at the end),
    /// its `total` the file's length (0 when there is none).
    ReadSnapshot,
    /// Read the journal from `offset`, as for [`PersistAction::ReadSnapshot`].
    ReadJournal,
    /// Append `payload` to the journal, whose length must be `offset` (otherwise the parent refuses:
    /// the enclave and the file disagree about what was written). Acknowledged only once the
    /// bytes are durable (fsync). The ack's `total` is the journal's new length.
    AppendJournal,
    /// One chunk of a new snapshot: `payload` goes at `offset` of a snapshot of `total` bytes.
    /// When the last chunk arrives the parent makes the new snapshot durable, installs it in
    /// place of the old one and empties the journal (the snapshot includes it), then acks.
    WriteSnapshot,
    /// Read the seal-root blob (the AWS KMS `CiphertextBlob` of the sealing key, see
    /// `--seal-root`): the ack's payload is the whole blob, its `total` the blob's length (0, with
    /// an empty payload, when there is none yet). The blob is small (at most 6144 bytes).
    ReadSealRoot,
    /// Store `payload` as the seal-root blob **unless one exists**, durably, then ack with the
    /// blob now stored as payload: the enclave's own, or the one that was there first (another
    /// enclave of the same image won the race; the caller must use that one).
    CreateSealRoot,
}

impl PersistAction {
    /// Every action, in code order.
    pub const ALL: [PersistAction; 6] = [
        PersistAction::ReadSnapshot,
        PersistAction::ReadJournal,
        PersistAction::AppendJournal,
        PersistAction::WriteSnapshot,
        PersistAction::ReadSealRoot,
        PersistAction::CreateSealRoot,
    ];

    /// The action's code on the wire (key 10).
    pub const fn code(self) -> u64 {
        match self {
            PersistAction::ReadSnapshot => 0,
            PersistAction::ReadJournal => 1,
            PersistAction::AppendJournal => 2,
            PersistAction::WriteSnapshot => 3,
            PersistAction::ReadSealRoot => 4,
            PersistAction::CreateSealRoot => 5,
        }
    }

    /// The action with this code, if any.
    pub const fn from_code(code: u64) -> Option<PersistAction> {
        match code {
            0 => Some(PersistAction::ReadSnapshot),
            1 => Some(PersistAction::ReadJournal),
            2 => Some(PersistAction::AppendJournal),
            3 => Some(PersistAction::WriteSnapshot),
            4 => Some(PersistAction::ReadSealRoot),
            5 => Some(PersistAction::CreateSealRoot),
            _ => None,
        }
    }
}

/// A storage request from the enclave to the parent (kind 5). `id` is chosen by the enclave and
/// is independent of request ids; the [`PersistAck`] carries it back.
#[derive(Clone, PartialEq, Eq)]
pub struct Persist {
    /// Matches the ack to the request.
    pub id: u64,
    /// What to do.
    pub action: PersistAction,
    /// File position (see [`PersistAction`]).
    pub offset: u64,
    /// Length of the whole snapshot for [`PersistAction::WriteSnapshot`], otherwise 0.
    pub total: u64,
    /// Bytes to store (empty for reads). Already sealed by the enclave.
    pub payload: Vec<u8>,
}

impl Persist {
    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ID.encode(map, &self.id)?;
        PAYLOAD.encode(map, &self.payload)?;
        ACTION.encode(map, &self.action.code())?;
        OFFSET.encode(map, &self.offset)?;
        TOTAL.encode(map, &self.total)
    }

    /// Reads the fields of a Persist body, each required, the action a known one.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Persist, WireError> {
        let action = entries.take(ACTION)?;
        Ok(Persist {
            id: entries.take(ID)?,
            action: PersistAction::from_code(action).ok_or(WireError::OutOfRange {
                field: ACTION.name,
                value: action,
            })?,
            offset: entries.take(OFFSET)?,
            total: entries.take(TOTAL)?,
            payload: entries.take(PAYLOAD)?,
        })
    }
}

impl fmt::Debug for Persist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Persist")
            .field("id", &self.id)
            .field("action", &self.action)
            .field("offset", &self.offset)
            .field("total", &self.total)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// The parent's answer to a [`Persist`] (kind 6).
#[derive(Clone, PartialEq, Eq)]
pub struct PersistAck {
    /// The [`Persist::id`] answered.
    pub id: u64,
    /// 200 when done (durably, for writes); otherwise the request failed and `payload` is a
    /// UTF-8 explanation.
    pub status: Status,
    /// A file length: see [`PersistAction`].
    pub total: u64,
    /// The chunk read, or the error text, or empty.
    pub payload: Vec<u8>,
}

impl PersistAck {
    /// A failed request, with a reason for the enclave's log.
    pub fn failed(id: u64, reason: &str) -> PersistAck {
        PersistAck {
            id,
            status: Status::INTERNAL_SERVER_ERROR,
            total: 0,
            payload: reason.as_bytes().to_vec(),
        }
    }

    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ID.encode(map, &self.id)?;
        PAYLOAD.encode(map, &self.payload)?;
        STATUS.encode(map, &u64::from(self.status.code()))?;
        TOTAL.encode(map, &self.total)
    }

    /// Reads the fields of a PersistAck body, each required, the status in range.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<PersistAck, WireError> {
        let status = entries.take(STATUS)?;
        Ok(PersistAck {
            id: entries.take(ID)?,
            status: Status::from_wire(status)?,
            total: entries.take(TOTAL)?,
            payload: entries.take(PAYLOAD)?,
        })
    }
}

impl fmt::Debug for PersistAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersistAck")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("total", &self.total)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::{map, one_of_each_kind, uint_value};
    use crate::message::{Message, keys};

    #[test]
    fn persist_action_codes_round_trip_and_an_unknown_action_is_out_of_range() {
        for action in PersistAction::ALL {
            assert_eq!(PersistAction::from_code(action.code()), Some(action));
        }
        let bytes = map(vec![
            (keys::KIND, uint_value(5)),
            (keys::ID, uint_value(1)),
            (keys::PAYLOAD, ciborium::Value::Bytes(Vec::new())),
            (keys::ACTION, uint_value(6)),
            (keys::OFFSET, uint_value(0)),
            (keys::TOTAL, uint_value(0)),
        ]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::OutOfRange {
                field: "action",
                value: 6
            })
        ));
    }

    #[test]
    fn persist_debug_shows_lengths_not_sealed_bytes() {
        let text = format!("{:?}", one_of_each_kind()[6]);
        assert!(text.contains("payload_len: 3"), "{text}");
        assert!(!text.contains("171"), "{text}");
    }
}
