//! The envelopes carried in frame bodies, and their CBOR encoding.
//!
//! [`Message`] is a tagged enum: the `kind` key of the CBOR map picks the variant, the other keys
//! are its fields. The exact layout is specified in the [module documentation](super); this file
//! implements it by hand rather than with `#[derive(Serialize, Deserialize)]`, because derived serde
//! would spell keys as text, could not tell an unknown kind from a malformed one, and would build
//! intermediate values for whatever junk a peer sends. Here, the encoder writes the deterministic
//! layout directly, and the decoder walks the map once, checks every key as it arrives and stops at
//! the first problem with a typed [`WireError`].

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::WireError;
use super::hello::Hello;

/// The integer map keys of the wire format; see the key table in the [module docs](super).
pub mod keys {
    /// Message kind (uint); present in every message.
    pub const KIND: u64 = 0;
    /// Request id (uint, 64-bit).
    pub const ID: u64 = 1;
    /// KMS operation name (text).
    pub const OP: u64 = 2;
    /// Caller principal ARN (text).
    pub const CALLER: u64 = 3;
    /// Operation JSON (bytes).
    pub const PAYLOAD: u64 = 4;
    /// HTTP-like status (uint, 200..=599).
    pub const STATUS: u64 = 5;
    /// Protocol version (uint, 32-bit).
    pub const VERSION: u64 = 6;
    /// Largest frame body (uint, 32-bit).
    pub const MAX_FRAME_LEN: u64 = 7;
    /// Largest number of requests in flight (uint, 32-bit).
    pub const MAX_IN_FLIGHT: u64 = 8;
    /// Ping/Pong nonce (uint, 64-bit).
    pub const NONCE: u64 = 9;
    /// `action`: what a [`Persist`] asks the parent to do ([`PersistAction`]).
    pub const ACTION: u64 = 10;
    /// `offset`: a byte position in the parent's snapshot or journal file.
    pub const OFFSET: u64 = 11;
    /// `total`: a file length (see [`Persist`] and [`PersistAck`]).
    pub const TOTAL: u64 = 12;
    /// `access_key_id` of [`Credentials`] (text).
    pub const ACCESS_KEY_ID: u64 = 13;
    /// `secret_access_key` of [`Credentials`] (bytes).
    pub const SECRET_ACCESS_KEY: u64 = 14;
    /// `session_token` of [`Credentials`] (text; empty when there is none).
    pub const SESSION_TOKEN: u64 = 15;
    /// `expiration` of [`Credentials`] (uint, Unix seconds; 0 when they do not expire).
    pub const EXPIRATION: u64 = 16;
}

/// The kind of a message: the value of its `kind` key (0).
///
/// Code 7 (`Shutdown`) is reserved for a later version and decodes as [`WireError::UnknownKind`]
/// until then. Codes 8-10 are protocol version 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Protocol version and limits; the first message each way.
    Hello,
    /// A KMS operation, parent to enclave.
    Request,
    /// The answer to a request, enclave to parent.
    Response,
    /// A liveness probe.
    Ping,
    /// The answer to a ping.
    Pong,
    /// Sealed-state storage request, enclave to parent.
    Persist,
    /// The parent's answer to a [`Kind::Persist`].
    PersistAck,
    /// AWS credentials for the enclave's own calls to AWS KMS, parent to enclave.
    Credentials,
    /// "The stored state changed: catch up", parent to a read-replica enclave.
    Sync,
    /// The enclave's answer to a [`Kind::Sync`].
    SyncAck,
}

impl Kind {
    /// Every kind, in code order.
    pub const ALL: [Kind; 10] = [
        Kind::Hello,
        Kind::Request,
        Kind::Response,
        Kind::Ping,
        Kind::Pong,
        Kind::Persist,
        Kind::PersistAck,
        Kind::Credentials,
        Kind::Sync,
        Kind::SyncAck,
    ];

    /// The kind's code on the wire.
    pub const fn code(self) -> u64 {
        match self {
            Kind::Hello => 0,
            Kind::Request => 1,
            Kind::Response => 2,
            Kind::Ping => 3,
            Kind::Pong => 4,
            Kind::Persist => 5,
            Kind::PersistAck => 6,
            Kind::Credentials => 8,
            Kind::Sync => 9,
            Kind::SyncAck => 10,
        }
    }

    /// The kind with this wire code, if this version knows it.
    pub const fn from_code(code: u64) -> Option<Kind> {
        match code {
            0 => Some(Kind::Hello),
            1 => Some(Kind::Request),
            2 => Some(Kind::Response),
            3 => Some(Kind::Ping),
            4 => Some(Kind::Pong),
            5 => Some(Kind::Persist),
            6 => Some(Kind::PersistAck),
            8 => Some(Kind::Credentials),
            9 => Some(Kind::Sync),
            10 => Some(Kind::SyncAck),
            _ => None,
        }
    }

    /// The kind's name, for logs and error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Hello => "Hello",
            Kind::Request => "Request",
            Kind::Response => "Response",
            Kind::Ping => "Ping",
            Kind::Pong => "Pong",
            Kind::Persist => "Persist",
            Kind::PersistAck => "PersistAck",
            Kind::Credentials => "Credentials",
            Kind::Sync => "Sync",
            Kind::SyncAck => "SyncAck",
        }
    }

    /// The keys a message of this kind carries (all required, no others allowed), ascending.
    pub const fn keys(self) -> &'static [u64] {
        match self {
            Kind::Hello => &[
                keys::KIND,
                keys::VERSION,
                keys::MAX_FRAME_LEN,
                keys::MAX_IN_FLIGHT,
            ],
            Kind::Request => &[keys::KIND, keys::ID, keys::OP, keys::CALLER, keys::PAYLOAD],
            Kind::Response => &[keys::KIND, keys::ID, keys::PAYLOAD, keys::STATUS],
            Kind::Ping | Kind::Pong => &[keys::KIND, keys::NONCE],
            Kind::Persist => &[
                keys::KIND,
                keys::ID,
                keys::PAYLOAD,
                keys::ACTION,
                keys::OFFSET,
                keys::TOTAL,
            ],
            Kind::PersistAck => &[
                keys::KIND,
                keys::ID,
                keys::PAYLOAD,
                keys::STATUS,
                keys::TOTAL,
            ],
            Kind::Credentials => &[
                keys::KIND,
                keys::ACCESS_KEY_ID,
                keys::SECRET_ACCESS_KEY,
                keys::SESSION_TOKEN,
                keys::EXPIRATION,
            ],
            Kind::Sync => &[keys::KIND, keys::ID],
            Kind::SyncAck => &[keys::KIND, keys::ID, keys::PAYLOAD, keys::STATUS],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One message between parent and enclave: the content of one frame body.
///
/// Later versions add variants (see [`Kind`]); the enum is deliberately not `#[non_exhaustive]`, so
/// that adding one makes every `match` in the enclave and the proxy fail to compile until it
/// handles the new kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Protocol version and limits; see [`super::hello`].
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
        }
    }

    /// Appends this message's CBOR body (no frame header) to `out`.
    ///
    /// Most callers want [`super::encode`], which adds the length prefix.
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        ciborium::into_writer(&WireMessage(self), out).map_err(|e| WireError::Cbor(e.to_string()))
    }

    /// Decodes one frame body: exactly one CBOR map laid out as the [module docs](super) specify,
    /// with nothing after it.
    pub fn decode_body(body: &[u8]) -> Result<Message, WireError> {
        let mut rest = body;
        let top: TopLevel = ciborium::from_reader(&mut rest).map_err(cbor_error)?;
        let fields = match top {
            TopLevel::Map(fields) => fields,
            TopLevel::Other(found) => {
                return Err(WireError::InvalidType {
                    field: "message",
                    expected: "a map",
                    found,
                });
            }
        };
        // A problem found mid-map ends the walk early, so trailing bytes are expected then: report
        // the problem, not its consequence.
        if let Some(error) = fields.error {
            return Err(error);
        }
        if !rest.is_empty() {
            return Err(WireError::TrailingBytes { count: rest.len() });
        }
        fields.into_message()
    }
}

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

/// AWS credentials handed to the enclave by the parent (kind 8), for the enclave's own calls to
/// AWS KMS (the seal root): the enclave has no instance role of its own, the parent's role is the
/// one the seal-root key policy names, and what makes the sealing key releasable to the enclave
/// only is the policy's attestation condition, not the secrecy of these credentials.
///
/// Sent after the Hello on every connection and again whenever the parent's credentials are
/// renewed; the enclave keeps the newest. `Debug` prints the access key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (`AKIA...`/`ASIA...`).
    pub access_key_id: String,
    /// The secret access key (zeroized when dropped).
    pub secret_access_key: nitro_kms_crypto::secret::SecretBytes,
    /// The session token of temporary credentials; empty for long-term keys.
    pub session_token: String,
    /// When they expire, in seconds since the Unix epoch; 0 when they do not.
    pub expiration: u64,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &if self.session_token.is_empty() {
                    "none"
                } else {
                    "[REDACTED]"
                },
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// A KMS operation relayed by the parent.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// Chosen by the parent, unique among its requests in flight on this connection.
    pub id: u64,
    /// The KMS operation, e.g. `"Encrypt"` (the `X-Amz-Target` suffix after `TrentService.`).
    pub op: String,
    /// ARN of the principal the parent authenticated.
    pub caller: String,
    /// The operation's JSON request body, byte for byte.
    pub payload: Vec<u8>,
}

impl fmt::Debug for Request {
    /// Prints the payload's length only: a request payload can hold plaintext to encrypt.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("id", &self.id)
            .field("op", &self.op)
            .field("caller", &self.caller)
            .field("payload", &Redacted(self.payload.len()))
            .finish()
    }
}

/// The enclave's answer to the [`Request`] with the same `id`.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The id of the request answered.
    pub id: u64,
    /// The HTTP status the parent returns to its client.
    pub status: Status,
    /// On success, the operation's JSON response body; otherwise the KMS error JSON
    /// `{"__type": ..., "message": ...}`.
    pub payload: Vec<u8>,
}

impl Response {
    /// A successful (200) response carrying the operation's JSON response body.
    pub fn ok(id: u64, payload: Vec<u8>) -> Response {
        Response {
            id,
            status: Status::OK,
            payload,
        }
    }

    /// An error response in the shape AWS's JSON 1.1 protocol gives errors:
    /// `{"__type": error_type, "message": message}`, with the given HTTP status.
    ///
    /// `error_type` is the AWS error name, e.g. `"NotFoundException"`; the SDKs dispatch on it.
    pub fn error(id: u64, status: Status, error_type: &str, message: &str) -> Response {
        let body = serde_json::json!({ "__type": error_type, "message": message });
        Response {
            id,
            status,
            payload: body.to_string().into_bytes(),
        }
    }

    /// Whether the status is a success (2xx).
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }
}

impl fmt::Debug for Response {
    /// Prints the payload's length only: a response payload can hold a plaintext data key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("payload", &Redacted(self.payload.len()))
            .finish()
    }
}

/// Debug stand-in for a payload: its length, never its bytes.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} bytes]", self.0)
    }
}

/// The HTTP status code of a [`Response`], restricted to 200..=599.
///
/// Why a number and not an `Ok | ClientError | ServerError` enum: the parent must answer its
/// client with exactly the status AWS KMS would, and that is not a function of the error class
/// alone (most KMS errors are 400, `KMSInternalException` is 500, `DependencyTimeoutException` is
/// 503, and the list grows). The enclave, which knows the error, picks the code; the parent copies
/// it into the HTTP response without re-modelling errors, just as it copies the payload. HTTP codes
/// are also a vocabulary every peer implementation already knows. Codes below 200 are refused
/// because they are not final HTTP responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

impl Status {
    /// 200: the operation succeeded.
    pub const OK: Status = Status(200);
    /// 400: the request was refused (what KMS answers for nearly every modelled error).
    pub const BAD_REQUEST: Status = Status(400);
    /// 500: the enclave failed (KMS's `KMSInternalException`).
    pub const INTERNAL_SERVER_ERROR: Status = Status(500);
    /// 503: a dependency is unavailable (KMS's `DependencyTimeoutException`).
    pub const SERVICE_UNAVAILABLE: Status = Status(503);

    /// The status with this code, if it is in 200..=599.
    pub const fn new(code: u16) -> Option<Status> {
        if code >= 200 && code <= 599 {
            Some(Status(code))
        } else {
            None
        }
    }

    /// The numeric HTTP status code.
    pub const fn code(self) -> u16 {
        self.0
    }

    /// Whether this is a success (2xx): the payload is the operation's result, not an error body.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 <= 299
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// Serializes a [`Message`] in the wire layout. Private, so that `Message` itself has no serde
/// implementation another format (JSON, say) could pick up and misrepresent.
struct WireMessage<'a>(&'a Message);

impl Serialize for WireMessage<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let kind = self.0.kind();
        let mut map = serializer.serialize_map(Some(kind.keys().len()))?;
        // Keys in ascending order (deterministic encoding); `Kind::keys` lists the same order, and
        // a test checks that every encoded message has exactly those keys.
        map.serialize_entry(&keys::KIND, &kind.code())?;
        match self.0 {
            Message::Hello(hello) => {
                map.serialize_entry(&keys::VERSION, &hello.version)?;
                map.serialize_entry(&keys::MAX_FRAME_LEN, &hello.max_frame_len)?;
                map.serialize_entry(&keys::MAX_IN_FLIGHT, &hello.max_in_flight)?;
            }
            Message::Request(request) => {
                map.serialize_entry(&keys::ID, &request.id)?;
                map.serialize_entry(&keys::OP, &request.op)?;
                map.serialize_entry(&keys::CALLER, &request.caller)?;
                map.serialize_entry(&keys::PAYLOAD, serde_bytes::Bytes::new(&request.payload))?;
            }
            Message::Response(response) => {
                map.serialize_entry(&keys::ID, &response.id)?;
                map.serialize_entry(&keys::PAYLOAD, serde_bytes::Bytes::new(&response.payload))?;
                map.serialize_entry(&keys::STATUS, &response.status.code())?;
            }
            Message::Ping { nonce } | Message::Pong { nonce } => {
                map.serialize_entry(&keys::NONCE, nonce)?;
            }
            Message::Persist(p) => {
                map.serialize_entry(&keys::ID, &p.id)?;
                map.serialize_entry(&keys::PAYLOAD, serde_bytes::Bytes::new(&p.payload))?;
                map.serialize_entry(&keys::ACTION, &p.action.code())?;
                map.serialize_entry(&keys::OFFSET, &p.offset)?;
                map.serialize_entry(&keys::TOTAL, &p.total)?;
            }
            Message::PersistAck(a) => {
                map.serialize_entry(&keys::ID, &a.id)?;
                map.serialize_entry(&keys::PAYLOAD, serde_bytes::Bytes::new(&a.payload))?;
                map.serialize_entry(&keys::STATUS, &a.status.code())?;
                map.serialize_entry(&keys::TOTAL, &a.total)?;
            }
            Message::Credentials(c) => {
                map.serialize_entry(&keys::ACCESS_KEY_ID, &c.access_key_id)?;
                map.serialize_entry(
                    &keys::SECRET_ACCESS_KEY,
                    serde_bytes::Bytes::new(c.secret_access_key.expose()),
                )?;
                map.serialize_entry(&keys::SESSION_TOKEN, &c.session_token)?;
                map.serialize_entry(&keys::EXPIRATION, &c.expiration)?;
            }
            Message::Sync { id } => {
                map.serialize_entry(&keys::ID, id)?;
            }
            Message::SyncAck {
                id,
                status,
                payload,
            } => {
                map.serialize_entry(&keys::ID, id)?;
                map.serialize_entry(&keys::PAYLOAD, serde_bytes::Bytes::new(payload))?;
                map.serialize_entry(&keys::STATUS, &status.code())?;
            }
        }
        map.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// Maps ciborium's error (over an in-memory slice) to ours.
fn cbor_error(error: ciborium::de::Error<std::io::Error>) -> WireError {
    use ciborium::de::Error;
    WireError::Cbor(match error {
        // The only I/O error a slice reader has is running out of bytes.
        Error::Io(_) => "the CBOR item runs past the end of the frame body".to_owned(),
        Error::Syntax(offset) => format!("malformed CBOR at body offset {offset}"),
        Error::Semantic(Some(offset), msg) => format!("{msg} (at body offset {offset})"),
        Error::Semantic(None, msg) => msg,
        Error::RecursionLimitExceeded => "CBOR nested too deeply".to_owned(),
    })
}

/// One CBOR value, as far as this protocol cares: the three types fields can have, or the name
/// of whatever else was found (which is always an error, reported with that name).
///
/// Deserialized with `deserialize_any`, which makes ciborium report the item's real type instead
/// of coercing it: a tag, a bignum or an array of small integers is not a `uint` or a byte string
/// here, whatever a lenient decoder would make of it.
enum Scalar {
    Uint(u64),
    Text(String),
    Bytes(Vec<u8>),
    Other(&'static str),
}

impl Scalar {
    fn found(&self) -> &'static str {
        match self {
            Scalar::Uint(_) => "an unsigned integer",
            Scalar::Text(_) => "a text string",
            Scalar::Bytes(_) => "a byte string",
            Scalar::Other(found) => found,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unsigned integer, a text string or a byte string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Uint(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Scalar, E> {
        Ok(Scalar::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Scalar, E> {
        Ok(Scalar::Bytes(v))
    }
    // Everything below is a type no field has. The item is not consumed further: decoding stops
    // at the first error, so its contents do not matter (and nested items are never walked).
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a negative integer"))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Scalar, E> {
        Ok(Scalar::Other("a negative integer"))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Scalar, E> {
        Ok(Scalar::Other("a bignum"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a float"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("null"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Ok(Scalar::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Ok(Scalar::Other("a map"))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        // ciborium presents a tagged item as an enum.
        Ok(Scalar::Other("a tagged item"))
    }
}

/// The top-level item of a body: the map of fields, or the name of the type found instead.
enum TopLevel {
    Map(Box<Fields>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<Scalar>()? {
            let key = match key {
                Scalar::Uint(key) => key,
                other => {
                    fields.error = Some(WireError::InvalidType {
                        field: "key",
                        expected: "an unsigned integer",
                        found: other.found(),
                    });
                    break;
                }
            };
            let value = map.next_value::<Scalar>()?;
            if let Err(error) = fields.set(key, value) {
                fields.error = Some(error);
                break;
            }
        }
        Ok(TopLevel::Map(Box::new(fields)))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("an unsigned integer"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a text string"))
    }
    fn visit_string<E: de::Error>(self, _: String) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a text string"))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a byte string"))
    }
    fn visit_byte_buf<E: de::Error>(self, _: Vec<u8>) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a byte string"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a negative integer"))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a negative integer"))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a bignum"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a float"))
    }
    fn visit_none<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("null"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<TopLevel, A::Error> {
        Ok(TopLevel::Other("an array"))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<TopLevel, A::Error> {
        Ok(TopLevel::Other("a tagged item"))
    }
}

/// The fields of a body map as they are collected, before the kind decides which must be there.
#[derive(Default)]
struct Fields {
    kind: Option<u64>,
    id: Option<u64>,
    op: Option<String>,
    caller: Option<String>,
    payload: Option<Vec<u8>>,
    status: Option<u64>,
    version: Option<u64>,
    max_frame_len: Option<u64>,
    max_in_flight: Option<u64>,
    nonce: Option<u64>,
    action: Option<u64>,
    offset: Option<u64>,
    total: Option<u64>,
    access_key_id: Option<String>,
    secret_access_key: Option<nitro_kms_crypto::secret::SecretBytes>,
    session_token: Option<String>,
    expiration: Option<u64>,
    /// The first problem found; it ends the walk over the map.
    error: Option<WireError>,
}

impl Fields {
    /// Records one map entry, checking the key is known, new, and its value of the right type.
    fn set(&mut self, key: u64, value: Scalar) -> Result<(), WireError> {
        match key {
            keys::KIND => put(&mut self.kind, key, uint("kind", value)?),
            keys::ID => put(&mut self.id, key, uint("id", value)?),
            keys::OP => put(&mut self.op, key, text("op", value)?),
            keys::CALLER => put(&mut self.caller, key, text("caller", value)?),
            keys::PAYLOAD => put(&mut self.payload, key, bytes("payload", value)?),
            keys::STATUS => put(&mut self.status, key, uint("status", value)?),
            keys::VERSION => put(&mut self.version, key, uint("version", value)?),
            keys::MAX_FRAME_LEN => put(&mut self.max_frame_len, key, uint("max_frame_len", value)?),
            keys::MAX_IN_FLIGHT => put(&mut self.max_in_flight, key, uint("max_in_flight", value)?),
            keys::NONCE => put(&mut self.nonce, key, uint("nonce", value)?),
            keys::ACTION => put(&mut self.action, key, uint("action", value)?),
            keys::OFFSET => put(&mut self.offset, key, uint("offset", value)?),
            keys::TOTAL => put(&mut self.total, key, uint("total", value)?),
            keys::ACCESS_KEY_ID => put(&mut self.access_key_id, key, text("access_key_id", value)?),
            keys::SECRET_ACCESS_KEY => put(
                &mut self.secret_access_key,
                key,
                nitro_kms_crypto::secret::SecretBytes::new(bytes("secret_access_key", value)?),
            ),
            keys::SESSION_TOKEN => put(&mut self.session_token, key, text("session_token", value)?),
            keys::EXPIRATION => put(&mut self.expiration, key, uint("expiration", value)?),
            _ => Err(WireError::UnknownKey { key }),
        }
    }

    /// Which keys are present, for checking them against the kind's key list.
    fn present_keys(&self) -> [(u64, bool); 17] {
        [
            (keys::KIND, self.kind.is_some()),
            (keys::ID, self.id.is_some()),
            (keys::OP, self.op.is_some()),
            (keys::CALLER, self.caller.is_some()),
            (keys::PAYLOAD, self.payload.is_some()),
            (keys::STATUS, self.status.is_some()),
            (keys::VERSION, self.version.is_some()),
            (keys::MAX_FRAME_LEN, self.max_frame_len.is_some()),
            (keys::MAX_IN_FLIGHT, self.max_in_flight.is_some()),
            (keys::NONCE, self.nonce.is_some()),
            (keys::ACTION, self.action.is_some()),
            (keys::OFFSET, self.offset.is_some()),
            (keys::TOTAL, self.total.is_some()),
            (keys::ACCESS_KEY_ID, self.access_key_id.is_some()),
            (keys::SECRET_ACCESS_KEY, self.secret_access_key.is_some()),
            (keys::SESSION_TOKEN, self.session_token.is_some()),
            (keys::EXPIRATION, self.expiration.is_some()),
        ]
    }

    /// Builds the message the `kind` names, once the whole map has been read.
    fn into_message(self) -> Result<Message, WireError> {
        let code = self.kind.ok_or(WireError::MissingField {
            kind: "message",
            field: "kind",
        })?;
        let kind = Kind::from_code(code).ok_or(WireError::UnknownKind(code))?;
        if let Some((key, _)) = self
            .present_keys()
            .into_iter()
            .find(|&(key, present)| present && !kind.keys().contains(&key))
        {
            return Err(WireError::UnexpectedKey {
                kind: kind.name(),
                key,
            });
        }
        let name = kind.name();
        Ok(match kind {
            Kind::Hello => Message::Hello(Hello {
                version: u32_field("version", required(name, "version", self.version)?)?,
                max_frame_len: u32_field(
                    "max_frame_len",
                    required(name, "max_frame_len", self.max_frame_len)?,
                )?,
                max_in_flight: u32_field(
                    "max_in_flight",
                    required(name, "max_in_flight", self.max_in_flight)?,
                )?,
            }),
            Kind::Request => Message::Request(Request {
                id: required(name, "id", self.id)?,
                op: required(name, "op", self.op)?,
                caller: required(name, "caller", self.caller)?,
                payload: required(name, "payload", self.payload)?,
            }),
            Kind::Response => {
                let status = required(name, "status", self.status)?;
                Message::Response(Response {
                    id: required(name, "id", self.id)?,
                    status: status_field(status)?,
                    payload: required(name, "payload", self.payload)?,
                })
            }
            Kind::Ping => Message::Ping {
                nonce: required(name, "nonce", self.nonce)?,
            },
            Kind::Pong => Message::Pong {
                nonce: required(name, "nonce", self.nonce)?,
            },
            Kind::Persist => {
                let action = required(name, "action", self.action)?;
                Message::Persist(Persist {
                    id: required(name, "id", self.id)?,
                    action: PersistAction::from_code(action).ok_or(WireError::OutOfRange {
                        field: "action",
                        value: action,
                    })?,
                    offset: required(name, "offset", self.offset)?,
                    total: required(name, "total", self.total)?,
                    payload: required(name, "payload", self.payload)?,
                })
            }
            Kind::PersistAck => {
                let status = required(name, "status", self.status)?;
                Message::PersistAck(PersistAck {
                    id: required(name, "id", self.id)?,
                    status: status_field(status)?,
                    total: required(name, "total", self.total)?,
                    payload: required(name, "payload", self.payload)?,
                })
            }
            Kind::Credentials => Message::Credentials(Credentials {
                access_key_id: required(name, "access_key_id", self.access_key_id)?,
                secret_access_key: required(name, "secret_access_key", self.secret_access_key)?,
                session_token: required(name, "session_token", self.session_token)?,
                expiration: required(name, "expiration", self.expiration)?,
            }),
            Kind::Sync => Message::Sync {
                id: required(name, "id", self.id)?,
            },
            Kind::SyncAck => {
                let status = required(name, "status", self.status)?;
                Message::SyncAck {
                    id: required(name, "id", self.id)?,
                    status: status_field(status)?,
                    payload: required(name, "payload", self.payload)?,
                }
            }
        })
    }
}

fn put<T>(slot: &mut Option<T>, key: u64, value: T) -> Result<(), WireError> {
    if slot.is_some() {
        return Err(WireError::DuplicateKey { key });
    }
    *slot = Some(value);
    Ok(())
}

fn required<T>(kind: &'static str, field: &'static str, value: Option<T>) -> Result<T, WireError> {
    value.ok_or(WireError::MissingField { kind, field })
}

fn uint(field: &'static str, value: Scalar) -> Result<u64, WireError> {
    match value {
        Scalar::Uint(v) => Ok(v),
        other => Err(WireError::InvalidType {
            field,
            expected: "an unsigned integer",
            found: other.found(),
        }),
    }
}

fn text(field: &'static str, value: Scalar) -> Result<String, WireError> {
    match value {
        Scalar::Text(v) => Ok(v),
        other => Err(WireError::InvalidType {
            field,
            expected: "a text string",
            found: other.found(),
        }),
    }
}

fn bytes(field: &'static str, value: Scalar) -> Result<Vec<u8>, WireError> {
    match value {
        Scalar::Bytes(v) => Ok(v),
        other => Err(WireError::InvalidType {
            field,
            expected: "a byte string",
            found: other.found(),
        }),
    }
}

fn status_field(value: u64) -> Result<Status, WireError> {
    u16::try_from(value)
        .ok()
        .and_then(Status::new)
        .ok_or(WireError::OutOfRange {
            field: "status",
            value,
        })
}

fn u32_field(field: &'static str, value: u64) -> Result<u32, WireError> {
    u32::try_from(value).map_err(|_| WireError::OutOfRange { field, value })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn request() -> Request {
        Request {
            id: 7,
            op: "Encrypt".to_owned(),
            caller: "arn:aws:iam::111122223333:role/app".to_owned(),
            payload: br#"{"KeyId":"alias/app","Plaintext":"aGk="}"#.to_vec(),
        }
    }

    fn one_of_each_kind() -> Vec<Message> {
        vec![
            Message::Hello(Hello {
                version: 1,
                max_frame_len: 1 << 20,
                max_in_flight: 64,
            }),
            Message::Request(request()),
            Message::Response(Response::ok(7, br#"{"CiphertextBlob":"AQID"}"#.to_vec())),
            Message::Response(Response::error(
                8,
                Status::BAD_REQUEST,
                "NotFoundException",
                "Alias arn:aws:kms:eu-west-1:111122223333:alias/nope is not found.",
            )),
            Message::Ping { nonce: u64::MAX },
            Message::Pong { nonce: 0 },
            Message::Persist(Persist {
                id: 7,
                action: PersistAction::WriteSnapshot,
                offset: 1 << 20,
                total: 3 << 20,
                payload: vec![0xAB; 3],
            }),
            Message::PersistAck(PersistAck {
                id: 7,
                status: Status::OK,
                total: 3 << 20,
                payload: Vec::new(),
            }),
            Message::Credentials(credentials()),
            Message::Sync { id: 3 },
            Message::SyncAck {
                id: 3,
                status: Status::SERVICE_UNAVAILABLE,
                payload: b"cannot read the journal".to_vec(),
            },
        ]
    }

    fn credentials() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLEKEY".to_owned(),
            secret_access_key: nitro_kms_crypto::secret::SecretBytes::copy_from(
                b"wJalrXUtnFEMI/K7MDENG",
            ),
            session_token: "IQoJb3JpZ2luX2VjEXAMPLE".to_owned(),
            expiration: 1_800_000_000,
        }
    }

    #[test]
    fn credentials_debug_shows_the_key_id_only() {
        let text = format!("{:?}", Message::Credentials(credentials()));
        assert!(text.contains("ASIAEXAMPLEKEY"), "{text}");
        assert!(!text.contains("wJalr"), "{text}");
        assert!(!text.contains("IQoJb3"), "{text}");
    }

    #[test]
    fn credentials_without_a_session_token_is_a_map_with_an_empty_text() {
        let mut c = credentials();
        c.session_token.clear();
        c.expiration = 0;
        let bytes = body(&Message::Credentials(c.clone()));
        assert_eq!(
            Message::decode_body(&bytes).unwrap(),
            Message::Credentials(c)
        );
        // A secret sent as text (the easy mistake) is refused, not coerced.
        let wrong = map(vec![
            (keys::KIND, uint_value(8)),
            (keys::ACCESS_KEY_ID, ciborium::Value::Text("A".into())),
            (keys::SECRET_ACCESS_KEY, ciborium::Value::Text("s".into())),
            (keys::SESSION_TOKEN, ciborium::Value::Text(String::new())),
            (keys::EXPIRATION, uint_value(0)),
        ]);
        assert!(matches!(
            Message::decode_body(&wrong),
            Err(WireError::InvalidType {
                field: "secret_access_key",
                ..
            })
        ));
    }

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

    fn body(message: &Message) -> Vec<u8> {
        let mut out = Vec::new();
        message.encode_body(&mut out).unwrap();
        out
    }

    /// Encodes an arbitrary CBOR value (for hand-built invalid bodies).
    fn cbor(value: &ciborium::Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(value, &mut out).unwrap();
        out
    }

    fn map(entries: Vec<(u64, ciborium::Value)>) -> Vec<u8> {
        cbor(&ciborium::Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (ciborium::Value::from(k), v))
                .collect(),
        ))
    }

    fn uint_value(v: u64) -> ciborium::Value {
        ciborium::Value::from(v)
    }

    fn ping_with(extra: Vec<(u64, ciborium::Value)>) -> Vec<u8> {
        let mut entries = vec![(keys::KIND, uint_value(3)), (keys::NONCE, uint_value(5))];
        entries.extend(extra);
        map(entries)
    }

    #[test]
    fn every_kind_round_trips_through_cbor() {
        for message in one_of_each_kind() {
            let decoded = Message::decode_body(&body(&message)).unwrap();
            assert_eq!(decoded, message);
        }
    }

    #[test]
    fn every_kind_is_encoded_with_exactly_its_keys_in_ascending_order() {
        for message in one_of_each_kind() {
            let value: ciborium::Value = ciborium::from_reader(body(&message).as_slice()).unwrap();
            let ciborium::Value::Map(entries) = value else {
                panic!("{message:?} did not encode as a map");
            };
            let encoded_keys: Vec<u64> = entries
                .iter()
                .map(|(k, _)| u64::try_from(k.as_integer().unwrap()).unwrap())
                .collect();
            assert_eq!(encoded_keys, message.kind().keys(), "{message:?}");
        }
    }

    #[test]
    fn kind_codes_round_trip_and_reserved_codes_are_unknown() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_code(kind.code()), Some(kind));
        }
        for reserved in [7, 11, u64::MAX] {
            assert_eq!(Kind::from_code(reserved), None);
        }
    }

    #[test]
    fn decode_accepts_keys_in_any_order() {
        let reversed = map(vec![
            (keys::NONCE, uint_value(42)),
            (keys::KIND, uint_value(Kind::Pong.code())),
        ]);
        assert_eq!(
            Message::decode_body(&reversed).unwrap(),
            Message::Pong { nonce: 42 }
        );
    }

    #[test]
    fn decode_rejects_trailing_bytes_after_the_cbor_item() {
        let mut bytes = body(&Message::Ping { nonce: 1 });
        bytes.extend_from_slice(&[0x00, 0x01]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::TrailingBytes { count: 2 })
        ));
    }

    #[test]
    fn decode_rejects_a_second_item_even_if_it_is_a_valid_message() {
        let mut bytes = body(&Message::Ping { nonce: 1 });
        let second = body(&Message::Pong { nonce: 1 });
        bytes.extend_from_slice(&second);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::TrailingBytes { count }) if count == second.len()
        ));
    }

    #[test]
    fn decode_rejects_garbage_cbor_with_a_typed_error() {
        // 0xff is a "break" with nothing to break; 0x1c is a reserved additional-info value.
        for garbage in [&[0xff][..], &[0x1c], &[0xa1, 0x00, 0xff]] {
            assert!(
                matches!(Message::decode_body(garbage), Err(WireError::Cbor(_))),
                "{garbage:02x?}"
            );
        }
    }

    #[test]
    fn decode_rejects_a_truncated_cbor_item() {
        let bytes = body(&Message::Request(request()));
        for cut in 0..bytes.len() {
            assert!(
                matches!(Message::decode_body(&bytes[..cut]), Err(WireError::Cbor(_))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn decode_rejects_a_body_that_is_not_a_map() {
        let array = cbor(&ciborium::Value::Array(vec![uint_value(3), uint_value(5)]));
        assert!(matches!(
            Message::decode_body(&array),
            Err(WireError::InvalidType {
                field: "message",
                found: "an array",
                ..
            })
        ));
        assert!(matches!(
            Message::decode_body(&[0x05]),
            Err(WireError::InvalidType {
                field: "message",
                found: "an unsigned integer",
                ..
            })
        ));
    }

    #[test]
    fn decode_rejects_unknown_and_reserved_kinds() {
        for code in [7u64, 11, 1000] {
            let bytes = map(vec![(keys::KIND, uint_value(code))]);
            assert!(matches!(
                Message::decode_body(&bytes),
                Err(WireError::UnknownKind(c)) if c == code
            ));
        }
    }

    #[test]
    fn decode_rejects_a_message_without_kind() {
        let bytes = map(vec![(keys::NONCE, uint_value(5))]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::MissingField {
                kind: "message",
                field: "kind"
            })
        ));
    }

    #[test]
    fn decode_rejects_a_missing_required_field() {
        let bytes = map(vec![
            (keys::KIND, uint_value(Kind::Response.code())),
            (keys::ID, uint_value(1)),
            (keys::STATUS, uint_value(200)),
        ]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::MissingField {
                kind: "Response",
                field: "payload"
            })
        ));
    }

    #[test]
    fn decode_rejects_a_duplicate_key() {
        let bytes = ping_with(vec![(keys::NONCE, uint_value(5))]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::DuplicateKey { key: keys::NONCE })
        ));
    }

    #[test]
    fn decode_rejects_a_key_outside_the_key_table() {
        let bytes = ping_with(vec![(17, uint_value(0))]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::UnknownKey { key: 17 })
        ));
    }

    #[test]
    fn decode_rejects_a_known_key_the_kind_does_not_use() {
        let bytes = ping_with(vec![(keys::ID, uint_value(1))]);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::UnexpectedKey {
                kind: "Ping",
                key: keys::ID
            })
        ));
    }

    #[test]
    fn decode_rejects_text_keys() {
        let bytes = cbor(&ciborium::Value::Map(vec![(
            ciborium::Value::Text("kind".to_owned()),
            uint_value(3),
        )]));
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::InvalidType {
                field: "key",
                found: "a text string",
                ..
            })
        ));
    }

    #[test]
    fn decode_rejects_values_of_the_wrong_cbor_type() {
        use ciborium::Value;
        let mut request = vec![
            (keys::KIND, uint_value(1)),
            (keys::ID, uint_value(1)),
            (keys::OP, Value::Text("Encrypt".to_owned())),
            (
                keys::CALLER,
                Value::Text("arn:aws:iam::111122223333:root".to_owned()),
            ),
        ];
        let cases: Vec<(Value, &str)> = vec![
            // The payload is JSON text, but the wire carries it as a byte string.
            (Value::Text("{}".to_owned()), "a text string"),
            // An array of small integers is not a byte string, whatever lenient decoders say.
            (
                Value::Array(vec![uint_value(123), uint_value(125)]),
                "an array",
            ),
            (
                Value::Tag(24, Box::new(Value::Bytes(b"{}".to_vec()))),
                "a tagged item",
            ),
            (Value::Null, "null"),
        ];
        for (payload, found) in cases {
            request.push((keys::PAYLOAD, payload));
            let bytes = map(request.clone());
            request.pop();
            let error = Message::decode_body(&bytes).unwrap_err();
            assert!(
                matches!(error, WireError::InvalidType { field: "payload", found: f, .. } if f == found),
                "{error:?}"
            );
        }
    }

    #[test]
    fn decode_rejects_negative_and_bignum_integers() {
        use ciborium::Value;
        let negative = map(vec![
            (keys::KIND, uint_value(3)),
            (keys::NONCE, Value::from(-1)),
        ]);
        assert!(matches!(
            Message::decode_body(&negative),
            Err(WireError::InvalidType {
                field: "nonce",
                found: "a negative integer",
                ..
            })
        ));
        // Tag 2 (positive bignum) holding the value 5: numerically a uint, but not major type 0.
        let mut bignum = vec![0xa2, 0x00, 0x03, 0x09, 0xc2, 0x41, 0x05];
        assert!(matches!(
            Message::decode_body(&bignum),
            Err(WireError::InvalidType {
                field: "nonce",
                found: "a bignum",
                ..
            })
        ));
        // The same, as the kind (3, Ping): refused before the nonce is looked at.
        bignum.splice(1..3, [0x00, 0xc2, 0x41, 0x03]);
        assert!(matches!(
            Message::decode_body(&bignum),
            Err(WireError::InvalidType {
                field: "kind",
                found: "a bignum",
                ..
            })
        ));
    }

    #[test]
    fn decode_rejects_status_outside_200_to_599() {
        for status in [0u64, 199, 600, 65_536 + 200] {
            let bytes = map(vec![
                (keys::KIND, uint_value(2)),
                (keys::ID, uint_value(1)),
                (keys::PAYLOAD, ciborium::Value::Bytes(vec![])),
                (keys::STATUS, uint_value(status)),
            ]);
            assert!(matches!(
                Message::decode_body(&bytes),
                Err(WireError::OutOfRange { field: "status", value }) if value == status
            ));
        }
    }

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

    #[test]
    fn decode_rejects_invalid_utf8_in_text_fields() {
        // Ping map with a text nonce holding the invalid UTF-8 byte 0xff.
        let bytes = [0xa2, 0x00, 0x03, 0x09, 0x61, 0xff];
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::Cbor(_))
        ));
    }

    #[test]
    fn decode_accepts_indefinite_length_strings() {
        // Request with op "Enc" + "rypt" as an indefinite-length text string and payload as
        // indefinite-length bytes.
        let mut bytes = vec![0xa5, 0x00, 0x01, 0x01, 0x01, 0x02, 0x7f, 0x63];
        bytes.extend_from_slice(b"Enc");
        bytes.push(0x64);
        bytes.extend_from_slice(b"rypt");
        bytes.extend_from_slice(&[
            0xff, 0x03, 0x61, b'c', 0x04, 0x5f, 0x41, b'{', 0x41, b'}', 0xff,
        ]);
        let expected = Message::Request(Request {
            id: 1,
            op: "Encrypt".to_owned(),
            caller: "c".to_owned(),
            payload: b"{}".to_vec(),
        });
        assert_eq!(Message::decode_body(&bytes).unwrap(), expected);
    }

    #[test]
    fn decode_of_deep_nesting_stops_at_the_first_level() {
        // A value nested 10 000 arrays deep: rejected as "an array" without walking into it, so
        // no recursion happens whatever the depth.
        let mut bytes = vec![0xa2, 0x00, 0x03, 0x09];
        bytes.extend(std::iter::repeat_n(0x81, 10_000));
        bytes.push(0x00);
        assert!(matches!(
            Message::decode_body(&bytes),
            Err(WireError::InvalidType {
                field: "nonce",
                found: "an array",
                ..
            })
        ));
    }

    #[test]
    fn decode_does_not_trust_declared_string_lengths() {
        // A byte string claiming 2^63 bytes in a 13-byte body: an error, not an allocation.
        let bytes = [0xa2, 0x00, 0x03, 0x09, 0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert!(Message::decode_body(&bytes).is_err());
    }

    #[test]
    fn response_error_payload_is_kms_error_json() {
        let response = Response::error(
            3,
            Status::BAD_REQUEST,
            "ValidationException",
            "1 validation error: \"KeyId\" must not be null",
        );
        assert!(!response.is_success());
        let json: serde_json::Value = serde_json::from_slice(&response.payload).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "__type": "ValidationException",
                "message": "1 validation error: \"KeyId\" must not be null",
            })
        );
    }

    #[test]
    fn status_accepts_only_final_http_codes() {
        assert_eq!(Status::new(199), None);
        assert_eq!(Status::new(600), None);
        assert_eq!(Status::new(200), Some(Status::OK));
        assert_eq!(Status::new(599).map(Status::code), Some(599));
        assert!(Status::OK.is_success());
        assert!(Status::new(204).unwrap().is_success());
        assert!(!Status::new(300).unwrap().is_success());
        assert!(!Status::SERVICE_UNAVAILABLE.is_success());
    }

    #[test]
    fn debug_of_request_and_response_shows_payload_length_only() {
        let request = request();
        let printed = format!("{request:?}");
        let length = format!("payload: [{} bytes]", request.payload.len());
        assert!(printed.contains(&length), "{printed}");
        assert!(!printed.contains("Plaintext"), "{printed}");

        let response = Response::ok(1, br#"{"Plaintext":"c2VjcmV0"}"#.to_vec());
        let printed = format!("{response:?}");
        let length = format!("payload: [{} bytes]", response.payload.len());
        assert!(printed.contains(&length), "{printed}");
        assert!(!printed.contains("c2VjcmV0"), "{printed}");
    }

    /// Arbitrary messages of every kind, for the property tests here and in `frame`.
    pub(crate) fn arb_message() -> impl Strategy<Value = Message> {
        let payload = proptest::collection::vec(any::<u8>(), 0..300);
        prop_oneof![
            (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(version, f, i)| {
                Message::Hello(Hello {
                    version,
                    max_frame_len: f,
                    max_in_flight: i,
                })
            }),
            (any::<u64>(), ".*", ".*", payload.clone()).prop_map(|(id, op, caller, payload)| {
                Message::Request(Request {
                    id,
                    op,
                    caller,
                    payload,
                })
            }),
            (any::<u64>(), 200u16..=599, payload).prop_map(|(id, code, payload)| {
                Message::Response(Response {
                    id,
                    status: Status::new(code).unwrap(),
                    payload,
                })
            }),
            any::<u64>().prop_map(|nonce| Message::Ping { nonce }),
            any::<u64>().prop_map(|nonce| Message::Pong { nonce }),
            (
                ".*",
                proptest::collection::vec(any::<u8>(), 0..64),
                ".*",
                any::<u64>()
            )
                .prop_map(|(access_key_id, secret, session_token, expiration)| {
                    Message::Credentials(Credentials {
                        access_key_id,
                        secret_access_key: nitro_kms_crypto::secret::SecretBytes::new(secret),
                        session_token,
                        expiration,
                    })
                }),
            any::<u64>().prop_map(|id| Message::Sync { id }),
            (
                any::<u64>(),
                200u16..=599,
                proptest::collection::vec(any::<u8>(), 0..64)
            )
                .prop_map(|(id, code, payload)| Message::SyncAck {
                    id,
                    status: Status::new(code).unwrap(),
                    payload,
                }),
        ]
    }

    proptest! {
        #[test]
        fn prop_any_message_round_trips(message in arb_message()) {
            prop_assert_eq!(Message::decode_body(&body(&message))?, message);
        }

        #[test]
        fn prop_decode_body_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            // Whatever the input, the answer is a message or a typed error; and a message that
            // decodes re-encodes to a body that decodes to the same message.
            if let Ok(message) = Message::decode_body(&bytes) {
                prop_assert_eq!(Message::decode_body(&body(&message))?, message);
            }
        }

        #[test]
        fn prop_decode_body_never_panics_on_mutated_valid_bodies(
            message in arb_message(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = body(&message);
            for (index, value) in flips {
                let i = index.index(bytes.len());
                bytes[i] = value;
            }
            if let Ok(decoded) = Message::decode_body(&bytes) {
                prop_assert_eq!(Message::decode_body(&body(&decoded))?, decoded);
            }
        }
    }
}
