//! The envelope: [`Message`], the content of one frame body, and the dispatch between the map's
//! `kind` and the family module that encodes and decodes the rest.
//!
//! The layout is specified in the [crate docs](crate); it is implemented by hand rather than with
//! `#[derive(Serialize, Deserialize)]`, because derived serde would spell keys as text, could not
//! tell an unknown kind from a malformed one, and would build intermediate values for whatever
//! junk a peer sends. Here, the encoder writes the deterministic layout directly (`kind` first,
//! then each family's fields in key order), and the decoder walks the map once
//! (`message::cbor`), checks every key as it arrives against the key table (`kind::field_spec`) and
//! stops at the first problem with a typed [`WireError`].

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::cbor::{self, MapSink, Scalar};
use super::credentials::Credentials;
use super::field::{Entries, KIND};
use super::forward::{Forward, ForwardReply};
use super::hello::Hello;
use super::kind::{Kind, field_spec};
use super::persist::{Persist, PersistAck};
use super::position::{self, Position};
use super::relay::{Request, Response, Status};
use super::{ping, sealed_credentials, sync};
use crate::error::WireError;

/// One message between parent and enclave: the content of one frame body.
///
/// Later versions add variants (see [`Kind`]); the enum is deliberately not `#[non_exhaustive]`, so
/// that adding one makes every `match` in the enclave and the proxy fail to compile until it
/// handles the new kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Protocol version and limits; see [`crate::hello`].
    Hello(Hello),
    /// A KMS operation to perform.
    Request(Request),
    /// The outcome of a request.
    Response(Response),
    /// A liveness probe; the receiver answers with a [`Message::Pong`] carrying the same nonce.
    Ping {
        /// Chosen by the sender, echoed in the Pong.
        nonce: u64,
    },
    /// The answer to a [`Message::Ping`].
    Pong {
        /// The nonce of the Ping being answered.
        nonce: u64,
    },
    /// A sealed-state storage request from the enclave.
    Persist(Persist),
    /// The parent's answer to a [`Message::Persist`].
    PersistAck(PersistAck),
    /// AWS credentials the enclave signs its own AWS KMS calls with (the seal root).
    Credentials(Credentials),
    /// The parent tells a read replica that the stored state changed (see [`Kind::Sync`]).
    Sync {
        /// Chosen by the parent; the [`Message::SyncAck`] carries it back.
        id: u64,
    },
    /// The replica's answer: it now serves everything stored when the Sync was sent (200), or
    /// could not catch up (`payload` says why).
    SyncAck {
        /// The [`Message::Sync`] answered.
        id: u64,
        /// 200 when caught up.
        status: Status,
        /// Empty, or the UTF-8 reason of a failure.
        payload: Vec<u8>,
    },
    /// Caller credentials sealed to the enclave's provisioning key (issue 16): opaque to the
    /// parent; the enclave opens them, stores them and answers [`Message::SealedCredentialsAck`].
    SealedCredentials {
        /// Chosen by the parent; the Ack carries it back.
        id: u64,
        /// The sealed file, as `nitro-kms credentials seal` wrote it.
        sealed: Vec<u8>,
    },
    /// The enclave's answer to a [`Message::SealedCredentials`]: 200 when they are in force.
    SealedCredentialsAck {
        /// The [`Message::SealedCredentials`] answered.
        id: u64,
        /// 200 in force; 400 refused (unreadable, another provisioning key, does not
        /// authenticate, not valid credentials); 409 not newer than those held (replay or
        /// rollback); 503 not stored (a read replica, or the parent did not store it).
        status: Status,
        /// Why, in words; never a secret.
        reason: String,
    },
    /// A read replica hands a mutation to the leader (see [`Forward`]).
    Forward(Forward),
    /// The leader's answer to a [`Message::Forward`].
    ForwardReply(ForwardReply),
    /// A read replica asks the parent how far the stored state has come.
    PositionQuery {
        /// Chosen by the replica; the [`Message::PositionReply`] carries it back.
        id: u64,
    },
    /// The parent's answer: the stored position (unauthenticated, see [`position`]).
    PositionReply {
        /// The [`Message::PositionQuery`] answered.
        id: u64,
        /// What the parent says is stored.
        position: Position,
    },
}

impl Message {
    /// This message's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Message::Hello(_) => Kind::Hello,
            Message::Request(_) => Kind::Request,
            Message::Response(_) => Kind::Response,
            Message::Ping { .. } => Kind::Ping,
            Message::Pong { .. } => Kind::Pong,
            Message::Persist(_) => Kind::Persist,
            Message::PersistAck(_) => Kind::PersistAck,
            Message::Credentials(_) => Kind::Credentials,
            Message::Sync { .. } => Kind::Sync,
            Message::SyncAck { .. } => Kind::SyncAck,
            Message::SealedCredentials { .. } => Kind::SealedCredentials,
            Message::SealedCredentialsAck { .. } => Kind::SealedCredentialsAck,
            Message::Forward(_) => Kind::Forward,
            Message::ForwardReply(_) => Kind::ForwardReply,
            Message::PositionQuery { .. } => Kind::PositionQuery,
            Message::PositionReply { .. } => Kind::PositionReply,
        }
    }

    /// Appends this message's CBOR body (no frame header) to `out`.
    ///
    /// Most callers want [`crate::encode`], which adds the length prefix.
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        ciborium::into_writer(&WireMessage(self), out).map_err(|e| WireError::Cbor(e.to_string()))
    }

    /// Decodes one frame body: exactly one CBOR map laid out as the [crate docs](crate) specify,
    /// with nothing after it.
    pub fn decode_body(body: &[u8]) -> Result<Message, WireError> {
        let Body(mut entries) = cbor::decode_map::<Body>(body)?;
        let code = entries.take(KIND)?;
        let kind = Kind::from_code(code).ok_or(WireError::UnknownKind(code))?;
        entries.expect_kind(kind.name(), kind.keys())?;
        Ok(match kind {
            Kind::Hello => Message::Hello(Hello::decode_fields(&mut entries)?),
            Kind::Request => Message::Request(Request::decode_fields(&mut entries)?),
            Kind::Response => Message::Response(Response::decode_fields(&mut entries)?),
            Kind::Ping => Message::Ping {
                nonce: ping::decode_fields(&mut entries)?,
            },
            Kind::Pong => Message::Pong {
                nonce: ping::decode_fields(&mut entries)?,
            },
            Kind::Persist => Message::Persist(Persist::decode_fields(&mut entries)?),
            Kind::PersistAck => Message::PersistAck(PersistAck::decode_fields(&mut entries)?),
            Kind::Credentials => Message::Credentials(Credentials::decode_fields(&mut entries)?),
            Kind::Sync => Message::Sync {
                id: sync::decode_sync(&mut entries)?,
            },
            Kind::SyncAck => {
                let ack = sync::decode_sync_ack(&mut entries)?;
                Message::SyncAck {
                    id: ack.id,
                    status: ack.status,
                    payload: ack.payload,
                }
            }
            Kind::SealedCredentials => {
                let (id, sealed) = sealed_credentials::decode_sealed(&mut entries)?;
                Message::SealedCredentials { id, sealed }
            }
            Kind::SealedCredentialsAck => {
                let (id, status, reason) = sealed_credentials::decode_sealed_ack(&mut entries)?;
                Message::SealedCredentialsAck { id, status, reason }
            }
            Kind::Forward => Message::Forward(Forward::decode_fields(&mut entries)?),
            Kind::ForwardReply => Message::ForwardReply(ForwardReply::decode_fields(&mut entries)?),
            Kind::PositionQuery => Message::PositionQuery {
                id: position::decode_query(&mut entries)?,
            },
            Kind::PositionReply => {
                let (id, position) = position::decode_reply(&mut entries)?;
                Message::PositionReply { id, position }
            }
        })
    }
}

/// Serializes a [`Message`] in the wire layout. Private, so that `Message` itself has no serde
/// implementation another format (JSON, say) could pick up and misrepresent.
struct WireMessage<'a>(&'a Message);

impl Serialize for WireMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kind = self.0.kind();
        let mut map = serializer.serialize_map(Some(kind.keys().len()))?;
        // Keys in ascending order (deterministic encoding): `kind` (0) first, then each family
        // writes its fields in the order of its key list; a test checks that every encoded
        // message has exactly those keys.
        KIND.encode(&mut map, &kind.code())?;
        match self.0 {
            Message::Hello(hello) => hello.encode_fields(&mut map)?,
            Message::Request(request) => request.encode_fields(&mut map)?,
            Message::Response(response) => response.encode_fields(&mut map)?,
            Message::Ping { nonce } | Message::Pong { nonce } => {
                ping::encode_fields(*nonce, &mut map)?
            }
            Message::Persist(persist) => persist.encode_fields(&mut map)?,
            Message::PersistAck(ack) => ack.encode_fields(&mut map)?,
            Message::Credentials(credentials) => credentials.encode_fields(&mut map)?,
            Message::Sync { id } => sync::encode_sync(*id, &mut map)?,
            Message::SyncAck {
                id,
                status,
                payload,
            } => sync::encode_sync_ack(*id, *status, payload, &mut map)?,
            Message::SealedCredentials { id, sealed } => {
                sealed_credentials::encode_sealed(*id, sealed, &mut map)?
            }
            Message::SealedCredentialsAck { id, status, reason } => {
                sealed_credentials::encode_sealed_ack(*id, *status, reason, &mut map)?
            }
            Message::Forward(forward) => forward.encode_fields(&mut map)?,
            Message::ForwardReply(reply) => reply.encode_fields(&mut map)?,
            Message::PositionQuery { id } => position::encode_query(*id, &mut map)?,
            Message::PositionReply { id, position } => {
                position::encode_reply(*id, position, &mut map)?
            }
        }
        map.end()
    }
}

/// A body map's entries, checked against the key table as they arrive.
#[derive(Default)]
struct Body(Entries);

impl MapSink for Body {
    fn insert(&mut self, key: u64, value: Scalar) -> Result<(), WireError> {
        self.0.insert(field_spec(key), key, value)
    }
}
