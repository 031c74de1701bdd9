//! The envelopes carried in frame bodies, and their CBOR encoding, one module per message family.
//!
//! - [`envelope`]: [`Message`], `kind`-to-family dispatch, [`Message::encode_body`] and
//!   [`Message::decode_body`];
//! - [`kind`]: [`Kind`], each kind's code, name and key list;
//! - [`keys`]: the public names of the map keys;
//! - the families, each declaring its own fields (key, name, type) once and encoding and decoding
//!   them: [`hello`] ([`Hello`]), [`relay`] ([`Request`], [`Response`], [`Status`]),
//!   [`ping`] (Ping, Pong), [`persist`] ([`Persist`], [`PersistAck`], [`PersistAction`]),
//!   [`credentials`] ([`Credentials`]), [`sync`] (Sync, SyncAck), [`sealed_credentials`]
//!   (SealedCredentials, SealedCredentialsAck), [`forward`] ([`Forward`], [`ForwardReply`]),
//!   [`position`] ([`Position`], PositionQuery, PositionReply);
//! - `field`: the field descriptor, the fields several families share, and the checked
//!   collection of a body's entries; `cbor`: the one pass over a body's CBOR map.

mod cbor;
pub mod credentials;
pub mod envelope;
mod field;
pub mod forward;
pub mod hello;
pub mod keys;
pub mod kind;
pub mod persist;
pub mod ping;
pub mod position;
pub mod relay;
pub mod sealed_credentials;
pub mod sync;

#[cfg(test)]
pub(crate) mod tests;

pub use credentials::Credentials;
pub use envelope::Message;
pub use forward::{Forward, ForwardReply};
pub use hello::{Hello, PROTOCOL_VERSION};
pub use kind::Kind;
pub use persist::{Persist, PersistAck, PersistAction};
pub use position::Position;
pub use relay::{Request, Response, Status};
