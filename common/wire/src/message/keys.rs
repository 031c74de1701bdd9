//! The integer map keys of the wire format; see the key table in the [crate docs](crate).
//!
//! Each constant is the key of a field declared (number, name and type together) in the family
//! module that uses it; this module only gives the numbers public names.

use super::field::{
    ID as ID_FIELD, KIND as KIND_FIELD, PAYLOAD as PAYLOAD_FIELD, STATUS as STATUS_FIELD,
};
use super::{credentials, forward, hello, persist, ping, position, relay};

/// Message kind (uint); present in every message.
pub const KIND: u64 = KIND_FIELD.key;
/// Request id (uint, 64-bit).
pub const ID: u64 = ID_FIELD.key;
/// KMS operation name (text).
pub const OP: u64 = relay::OP.key;
/// Caller principal ARN (text).
pub const CALLER: u64 = relay::CALLER.key;
/// Operation JSON (bytes).
pub const PAYLOAD: u64 = PAYLOAD_FIELD.key;
/// HTTP-like status (uint, 200..=599).
pub const STATUS: u64 = STATUS_FIELD.key;
/// Protocol version (uint, 32-bit).
pub const VERSION: u64 = hello::VERSION.key;
/// Largest frame body (uint, 32-bit).
pub const MAX_FRAME_LEN: u64 = hello::MAX_FRAME_LEN.key;
/// Largest number of requests in flight (uint, 32-bit).
pub const MAX_IN_FLIGHT: u64 = hello::MAX_IN_FLIGHT.key;
/// Ping/Pong nonce (uint, 64-bit).
pub const NONCE: u64 = ping::NONCE.key;
/// `action`: what a [`Persist`](crate::Persist) asks the parent to do
/// ([`PersistAction`](crate::PersistAction)).
pub const ACTION: u64 = persist::ACTION.key;
/// `offset`: a byte position in the parent's snapshot or journal file.
pub const OFFSET: u64 = persist::OFFSET.key;
/// `total`: a file length (see [`Persist`](crate::Persist) and
/// [`PersistAck`](crate::PersistAck)).
pub const TOTAL: u64 = persist::TOTAL.key;
/// `access_key_id` of [`Credentials`](crate::Credentials) (text).
pub const ACCESS_KEY_ID: u64 = credentials::ACCESS_KEY_ID.key;
/// `secret_access_key` of [`Credentials`](crate::Credentials) (bytes).
pub const SECRET_ACCESS_KEY: u64 = credentials::SECRET_ACCESS_KEY.key;
/// `session_token` of [`Credentials`](crate::Credentials) (text; empty when there is none).
pub const SESSION_TOKEN: u64 = credentials::SESSION_TOKEN.key;
/// `expiration` of [`Credentials`](crate::Credentials) (uint, Unix seconds; 0 when they do not
/// expire).
pub const EXPIRATION: u64 = credentials::EXPIRATION.key;
/// `issued_at_ms` of a [`Forward`](crate::Forward) (uint, Unix milliseconds).
pub const ISSUED_AT_MS: u64 = forward::ISSUED_AT_MS.key;
/// `mac` of a [`Forward`](crate::Forward) or [`ForwardReply`](crate::ForwardReply) (bytes).
pub const MAC: u64 = forward::MAC.key;
/// `generation` of a [`Position`](crate::Position) (uint).
pub const GENERATION: u64 = position::GENERATION.key;
/// `sequence` of a [`Position`](crate::Position) (uint).
pub const SEQUENCE: u64 = position::SEQUENCE.key;
