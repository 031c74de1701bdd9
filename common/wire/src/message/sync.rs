//! The sync family: [`Message::Sync`](super::Message::Sync) (kind 9), the parent telling a read
//! replica that the stored state changed, and [`Message::SyncAck`](super::Message::SyncAck)
//! (kind 10), the replica's answer. Both use only shared fields (`id`, `payload`, `status`); the
//! [envelope](super::Message) wraps what this module decodes in the variants.

use serde::ser::SerializeMap;

use super::field::{Entries, FieldSpec, ID, KIND, PAYLOAD, STATUS, keys_of};
use super::relay::Status;
use crate::error::WireError;

/// The fields of a Sync, ascending.
pub(crate) const SYNC_FIELDS: [FieldSpec; 2] = [KIND.spec(), ID.spec()];
/// Their keys.
pub(crate) const SYNC_KEYS: [u64; 2] = keys_of(SYNC_FIELDS);

/// The fields of a SyncAck, ascending.
pub(crate) const SYNC_ACK_FIELDS: [FieldSpec; 4] =
    [KIND.spec(), ID.spec(), PAYLOAD.spec(), STATUS.spec()];
/// Their keys.
pub(crate) const SYNC_ACK_KEYS: [u64; 4] = keys_of(SYNC_ACK_FIELDS);

/// Writes the fields of a Sync after `kind`.
pub(crate) fn encode_sync<M: SerializeMap>(id: u64, map: &mut M) -> Result<(), M::Error> {
    ID.encode(map, &id)
}

/// Reads the `id` of a Sync body (required).
pub(crate) fn decode_sync(entries: &mut Entries) -> Result<u64, WireError> {
    entries.take(ID)
}

/// The fields of a SyncAck, decoded: `id`, `status`, `payload`.
pub(crate) struct SyncAckFields {
    /// The Sync answered.
    pub(crate) id: u64,
    /// 200 when caught up.
    pub(crate) status: Status,
    /// Empty, or the UTF-8 reason of a failure.
    pub(crate) payload: Vec<u8>,
}

/// Writes the fields of a SyncAck after `kind`, in key order.
// `&Vec<u8>`: the payload field's type, as the `SyncAck` variant holds it.
#[allow(clippy::ptr_arg)]
pub(crate) fn encode_sync_ack<M: SerializeMap>(
    id: u64,
    status: Status,
    payload: &Vec<u8>,
    map: &mut M,
) -> Result<(), M::Error> {
    ID.encode(map, &id)?;
    PAYLOAD.encode(map, payload)?;
    STATUS.encode(map, &u64::from(status.code()))
}

/// Reads the fields of a SyncAck body, each required, the status in range.
pub(crate) fn decode_sync_ack(entries: &mut Entries) -> Result<SyncAckFields, WireError> {
    let status = entries.take(STATUS)?;
    Ok(SyncAckFields {
        id: entries.take(ID)?,
        status: Status::from_wire(status)?,
        payload: entries.take(PAYLOAD)?,
    })
}
