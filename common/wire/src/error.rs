//! [`WireError`]: everything that can go wrong reading, writing or negotiating frames.

/// Everything that can go wrong reading, writing or negotiating frames.
///
/// The variants fall in three groups, and the group tells a caller what to do:
///
/// - framing errors ([`FrameTooLarge`](Self::FrameTooLarge) on read, [`EmptyFrame`](Self::EmptyFrame),
///   [`Truncated`](Self::Truncated), [`Io`](Self::Io)): the stream is unusable; close it;
/// - body errors (the CBOR and field variants): the frame was consumed and the stream is still in
///   sync, but the peer is speaking something else than this protocol; closing is the safe answer,
///   because the request id of a malformed body cannot be trusted for an error response;
/// - handshake errors ([`VersionMismatch`](Self::VersionMismatch),
///   [`InvalidLimit`](Self::InvalidLimit), [`ExpectedHello`](Self::ExpectedHello),
///   [`Closed`](Self::Closed)): no connection was established.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A frame length exceeds the limit. On read it was refused before anything was allocated for
    /// the body; on write nothing was sent.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The length announced by the header (on read) or of the encoded body (on write).
        len: u64,
        /// The limit in force.
        max: u32,
    },

    /// A frame header announced a body of zero bytes, which no message can have.
    #[error("empty frame (zero-length body)")]
    EmptyFrame,

    /// The stream ended inside a frame.
    #[error("stream ended inside a frame: {received} of {expected} bytes received")]
    Truncated {
        /// Bytes of the frame (header included) received before the end of the stream.
        received: usize,
        /// Bytes the frame needed (the header only, if the header itself was cut short).
        expected: usize,
    },

    /// The peer closed the connection where a message was required (for example, before its Hello).
    #[error("the peer closed the connection")]
    Closed,

    /// The body is not one well-formed CBOR data item (or could not be encoded).
    #[error("invalid CBOR: {0}")]
    Cbor(String),

    /// The body holds more bytes after its CBOR data item.
    #[error("{count} trailing bytes after the CBOR item in a frame body")]
    TrailingBytes {
        /// How many bytes were left over.
        count: usize,
    },

    /// The `kind` is not one this version knows (including reserved kinds).
    #[error("unknown message kind {0}")]
    UnknownKind(u64),

    /// A map key outside the key table of this protocol version.
    #[error("unknown map key {key}")]
    UnknownKey {
        /// The key.
        key: u64,
    },

    /// A known map key that the message's kind does not use.
    #[error("map key {key} is not allowed in a {kind} message")]
    UnexpectedKey {
        /// The message kind.
        kind: &'static str,
        /// The key.
        key: u64,
    },

    /// The same map key appeared twice.
    #[error("duplicate map key {key}")]
    DuplicateKey {
        /// The key.
        key: u64,
    },

    /// A required field is absent.
    #[error("{kind} message lacks its `{field}` field")]
    MissingField {
        /// The message kind (`"message"` when `kind` itself is missing).
        kind: &'static str,
        /// The field name.
        field: &'static str,
    },

    /// A field (or the body itself, as `"message"`) has the wrong CBOR type.
    #[error("`{field}` must be {expected}, found {found}")]
    InvalidType {
        /// The field name, or `"message"` for the top-level item, or `"key"` for a map key.
        field: &'static str,
        /// The CBOR type required.
        expected: &'static str,
        /// The CBOR type found.
        found: &'static str,
    },

    /// An integer field is outside its allowed range.
    #[error("`{field}` value {value} is out of range")]
    OutOfRange {
        /// The field name.
        field: &'static str,
        /// The value found.
        value: u64,
    },

    /// The peer speaks another protocol version.
    #[error("protocol version mismatch: we speak {ours}, the peer speaks {theirs}")]
    VersionMismatch {
        /// Our [`PROTOCOL_VERSION`](crate::PROTOCOL_VERSION).
        ours: u32,
        /// The version in the peer's Hello.
        theirs: u32,
    },

    /// A Hello carried a limit that would make the connection unusable (see [`Limits::validate`](crate::Limits::validate)).
    #[error("unusable limit {name} = {value}")]
    InvalidLimit {
        /// The limit's name.
        name: &'static str,
        /// Its value.
        value: u32,
    },

    /// The first message of a connection was not a Hello.
    #[error("expected a Hello as the first message, got a {got}")]
    ExpectedHello {
        /// The kind of message received instead.
        got: &'static str,
    },

    /// A message of a kind this side never receives (a second Hello, or a Response sent to the
    /// enclave): the peer is confused, so the connection is closed.
    #[error("unexpected {got} message")]
    UnexpectedMessage {
        /// The kind of message received.
        got: &'static str,
    },

    /// The underlying stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
