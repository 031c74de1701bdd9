//! The Hello family (kind 0): the protocol version a side speaks and the limits it accepts, and
//! their fields (`version`, `max_frame_len`, `max_in_flight`). The exchange itself (send ours,
//! read theirs, negotiate) is [`crate::hello`].

use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, KIND, keys_of};
use crate::error::WireError;
use crate::limits::Limits;

/// The protocol version this code speaks. Bumped by any change to the frame or body layout
/// (version 2 added the `Persist` and `PersistAck` kinds; version 3 the `Credentials`, `Sync` and
/// `SyncAck` kinds and the seal-root persist actions; version 4 the `SealedCredentials` and
/// `SealedCredentialsAck` kinds, and the `Forward`, `ForwardReply`, `PositionQuery` and
/// `PositionReply` kinds of read replicas, keys 20-23).
pub const PROTOCOL_VERSION: u32 = 4;

/// `version` (key 6): the sender's protocol version, 32-bit.
pub(crate) const VERSION: Field<u64> = Field::new(6, "version");
/// `max_frame_len` (key 7): the largest frame body the sender accepts, 32-bit.
pub(crate) const MAX_FRAME_LEN: Field<u64> = Field::new(7, "max_frame_len");
/// `max_in_flight` (key 8): the most requests the sender accepts in flight, 32-bit.
pub(crate) const MAX_IN_FLIGHT: Field<u64> = Field::new(8, "max_in_flight");

/// The fields of a Hello, ascending.
pub(crate) const FIELDS: [FieldSpec; 4] = [
    KIND.spec(),
    VERSION.spec(),
    MAX_FRAME_LEN.spec(),
    MAX_IN_FLIGHT.spec(),
];
/// Their keys.
pub(crate) const KEYS: [u64; 4] = keys_of(FIELDS);

/// A Hello: the version a side speaks and the limits it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hello {
    /// The sender's [`PROTOCOL_VERSION`].
    pub version: u32,
    /// The largest frame body the sender accepts.
    pub max_frame_len: u32,
    /// The largest number of requests the sender accepts in flight on this connection.
    pub max_in_flight: u32,
}

impl Hello {
    /// Our Hello: [`PROTOCOL_VERSION`] and the given limits.
    pub fn new(limits: &Limits) -> Hello {
        Hello {
            version: PROTOCOL_VERSION,
            max_frame_len: limits.max_frame_len,
            max_in_flight: limits.max_in_flight,
        }
    }

    /// The limits this Hello advertises.
    pub fn limits(&self) -> Limits {
        Limits {
            max_frame_len: self.max_frame_len,
            max_in_flight: self.max_in_flight,
        }
    }

    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        VERSION.encode(map, &u64::from(self.version))?;
        MAX_FRAME_LEN.encode(map, &u64::from(self.max_frame_len))?;
        MAX_IN_FLIGHT.encode(map, &u64::from(self.max_in_flight))
    }

    /// Reads the fields of a Hello body: each required, each within 32 bits.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Hello, WireError> {
        Ok(Hello {
            version: u32_field(VERSION, entries.take(VERSION)?)?,
            max_frame_len: u32_field(MAX_FRAME_LEN, entries.take(MAX_FRAME_LEN)?)?,
            max_in_flight: u32_field(MAX_IN_FLIGHT, entries.take(MAX_IN_FLIGHT)?)?,
        })
    }
}

/// A 32-bit field's value: [`WireError::OutOfRange`] beyond `u32::MAX`.
fn u32_field(field: Field<u64>, value: u64) -> Result<u32, WireError> {
    u32::try_from(value).map_err(|_| WireError::OutOfRange {
        field: field.name,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::{map, uint_value};
    use crate::message::{Message, keys};

    #[test]
    fn decode_rejects_hello_fields_over_32_bits() {
        let bytes = map(vec![
            (keys::KIND, uint_value(0)),
            (keys::VERSION, uint_value(1)),
            (keys::MAX_FRAME_LEN, uint_value(1 << 32)),
            (keys::MAX_IN_FLIGHT, uint_value(1)),
        ]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::OutOfRange {
                field: "max_frame_len",
                value: 0x1_0000_0000
            })
        ));
    }
}
