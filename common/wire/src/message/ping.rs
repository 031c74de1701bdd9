//! The ping family: [`Message::Ping`](super::Message::Ping) (kind 3) and
//! [`Message::Pong`](super::Message::Pong) (kind 4), a liveness probe and its answer, and their one
//! field (`nonce`). Both variants carry only the nonce, so this module encodes and decodes the
//! nonce and the [envelope](super::Message) wraps it in the variant.

use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, KIND, keys_of};
use crate::error::WireError;

/// `nonce` (key 9): chosen by the side sending a Ping; the Pong echoes it.
pub(crate) const NONCE: Field<u64> = Field::new(9, "nonce");

/// The fields of a Ping or a Pong, ascending.
pub(crate) const FIELDS: [FieldSpec; 2] = [KIND.spec(), NONCE.spec()];
/// Their keys.
pub(crate) const KEYS: [u64; 2] = keys_of(FIELDS);

/// Writes the fields of a Ping or Pong after `kind`.
pub(crate) fn encode_fields<M: SerializeMap>(nonce: u64, map: &mut M) -> Result<(), M::Error> {
    NONCE.encode(map, &nonce)
}

/// Reads the nonce of a Ping or Pong body (required).
pub(crate) fn decode_fields(entries: &mut Entries) -> Result<u64, WireError> {
    entries.take(NONCE)
}
