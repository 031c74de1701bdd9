//! # nitro-kms-wire: how the parent and the enclave talk, and the streams they talk over.
//!
//! Two jobs that every process of the chain shares and nothing else needs: the control link's
//! format (length-prefixed CBOR frames, described below) and the byte streams under it —
//! [`transport`] (`vsock://`, `unix://`, `tcp://` addresses behind one type), [`http_connect`]
//! (the HTTP CONNECT exchange of the parent's egress relay, both sides) and [`shutdown`] (the
//! stop signal of every accept loop). It knows neither KMS nor attestation.
//!
//! # Where this crate sits
//!
//! The shared crates under `common/` depend on each other in one direction only:
//!
//! ```text
//! nitro-kms-crypto       <- nitro-kms-wire, nitro-kms-api, nitro-kms-attest, nitro-kms-client
//! nitro-kms-wire         <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-api          <- nitro-kms-client, nitro-kms-parent-link  (and the enclave, the proxy)
//! nitro-kms-attest       <- nitro-kms-client                (and the enclave, the CLI)
//! nitro-kms-client       <- the enclave (seal root), the CLI, the example
//! nitro-kms-parent-link  <- the proxy, the CLI (`bench --enclave`), the end-to-end tests
//! ```
//!
//! # The control link
//!
//! The control link is what the parent instance (outside the trust boundary) and the enclave need
//! from each other, over one stream (vsock in production, a Unix socket or loopback TCP in
//! simulation): storage of the enclave's sealed state ([`Persist`], [`PersistAck`]), AWS
//! credentials for the enclave's seal root ([`Credentials`]), read-replica catch-ups
//! ([`Message::Sync`]) and liveness (Ping, Pong). The modules below are that link's format, and
//! nothing more: it knows neither what a KMS operation does nor who is allowed to call it.
//!
//! It carries no KMS requests (issue 16). Those reach the enclave as byte streams the parent
//! relays to the enclave's own HTTP endpoint, where SigV4 is verified inside the enclave; a
//! caller the parent names is never believed, so an enclave refuses [`Request`] frames (it closes
//! the connection without answering). The [`Request`]/[`Response`] kinds (1, 2) and their codec
//! are still specified below: they are refused by the enclave since protocol version 4, and no
//! parent sends them (the parent's link, `nitro-kms-parent-link`, has no way to); the enclave
//! still decodes a Request, to log and refuse it, and a test sends one to pin that refusal.

//! The crate is split by responsibility; this file holds the specification below and only
//! declares and re-exports the modules:
//!
//! - [`limits`](Limits): [`Limits`], their defaults and floor, and [`FRAME_HEADER_LEN`];
//! - [`error`](WireError): the error type [`WireError`];
//! - [`frame`]: the length prefix: [`encode`] and the incremental, allocation-bounded
//!   [`FrameDecoder`] (sync, usable over any buffer);
//! - [`message`]: the envelopes and their CBOR encoding, one module per message family, each
//!   declaring its own fields (key, name, type) once and encoding and decoding them:
//!   - [`message::envelope`]: [`Message`] and the dispatch from the `kind` key to a family;
//!   - [`message::kind`]: [`Kind`], each kind's code, name and key list; [`keys`]: the key
//!     numbers by name;
//!   - [`message::hello`] ([`Hello`], [`PROTOCOL_VERSION`]), [`message::relay`] ([`Request`],
//!     [`Response`], [`Status`]), [`message::ping`] (Ping, Pong), [`message::persist`]
//!     ([`Persist`], [`PersistAck`], [`PersistAction`]), [`message::credentials`]
//!     ([`Credentials`]), [`message::sync`] (Sync, SyncAck), [`message::sealed_credentials`]
//!     (SealedCredentials, SealedCredentialsAck), [`message::forward`] ([`Forward`],
//!     [`ForwardReply`]), [`message::position`] ([`Position`], PositionQuery, PositionReply);
//!   - two private helpers: `message::field` (the field descriptor, the fields several families
//!     share, the checked collection of a body's entries) and `message::cbor` (the single pass
//!     over a body's CBOR map);
//! - [`hello`]: the opening [`Hello`] exchange ([`handshake`]), version check and limit
//!   negotiation ([`negotiate`]);
//! - [`io`]: async helpers over tokio's `AsyncRead`/`AsyncWrite` ([`read_message`],
//!   [`write_message`], [`FramedReader`], [`FramedWriter`]).
//!
//! The byte streams are [`transport`] ([`transport::address`]: addresses and their parsing;
//! [`transport::listener`]: listening and accepting; [`transport::stream`]: connecting and the
//! stream type; [`transport::error`]: its errors), [`http_connect`] and [`shutdown`]. With the
//! `logging` feature, `logging` is the log set-up both binaries share (format, colour, panics).
//!
//! Modules depend on each other in one direction: `error` <- `limits` <- `message` <- `frame` <-
//! `io` <- `hello`, and `transport` <- `http_connect`.
//!
//! # Frames
//!
//! A stream is a sequence of frames, with nothing before, between or after them:
//!
//! ```text
//! frame = length || body
//! length: 4 bytes, unsigned, big-endian: the number of bytes in body
//! body:   exactly `length` bytes holding exactly one CBOR data item (RFC 8949)
//! ```
//!
//! `length` must be at least 1 and at most the receiver's `max_frame_len` (before the [`Hello`]
//! exchange, the receiver's own configured limit; afterwards, the negotiated one). A receiver checks
//! `length` **before** it allocates or reads anything for the body and answers a violation with
//! [`WireError::FrameTooLarge`] or [`WireError::EmptyFrame`]. Either error leaves the stream
//! unsynchronised, so the receiver closes the connection. A sender never emits a frame larger than
//! the negotiated limit: it would cost every request in flight on that connection.
//!
//! # Bodies
//!
//! A body is one CBOR **map** whose keys are small unsigned integers (keeping frames compact
//! without a schema, as COSE and CTAP2 do). Every key has one meaning and one CBOR type across all
//! message kinds:
//!
//! | key | name            | CBOR type (major type)            | Rust field                 |
//! |-----|-----------------|-----------------------------------|----------------------------|
//! | 0   | `kind`          | unsigned integer (0)              | [`Kind`]                   |
//! | 1   | `id`            | unsigned integer (0), 64-bit      | `u64`                      |
//! | 2   | `op`            | text string (3)                   | `String`                   |
//! | 3   | `caller`        | text string (3)                   | `String`                   |
//! | 4   | `payload`       | byte string (2)                   | `Vec<u8>`                  |
//! | 5   | `status`        | unsigned integer (0), 200..=599   | [`Status`]                 |
//! | 6   | `version`       | unsigned integer (0), 32-bit      | `u32`                      |
//! | 7   | `max_frame_len` | unsigned integer (0), 32-bit      | `u32`                      |
//! | 8   | `max_in_flight` | unsigned integer (0), 32-bit      | `u32`                      |
//! | 9   | `nonce`         | unsigned integer (0), 64-bit      | `u64`                      |
//! | 10  | `action`        | unsigned integer (0), 0..=5       | [`PersistAction`]          |
//! | 11  | `offset`        | unsigned integer (0), 64-bit      | `u64`                      |
//! | 12  | `total`         | unsigned integer (0), 64-bit      | `u64`                      |
//! | 13  | `access_key_id` | text string (3)                   | `String`                   |
//! | 14  | `secret_access_key` | byte string (2)               | `SecretBytes`              |
//! | 15  | `session_token` | text string (3), empty = none     | `String`                   |
//! | 16  | `expiration`    | unsigned integer (0), Unix secs   | `u64` (0 = never)          |
//! | 20  | `issued_at_ms`  | unsigned integer (0), Unix ms     | `u64`                      |
//! | 21  | `mac`           | byte string (2)                   | `Vec<u8>`                  |
//! | 22  | `generation`    | unsigned integer (0), 64-bit      | `u64` ([`Position`])       |
//! | 23  | `sequence`      | unsigned integer (0), 64-bit      | `u64` ([`Position`])       |
//!
//! The `kind` (key 0) says which message the map is and therefore which other keys it has. Every
//! listed key is required and no other key is allowed:
//!
//! | kind | message                   | keys             | sent by                           |
//! |------|---------------------------|------------------|-----------------------------------|
//! | 0    | [`Hello`]                 | 0, 6, 7, 8       | both sides, first frame each way  |
//! | 1    | [`Request`]               | 0, 1, 2, 3, 4    | nobody (refused by the enclave)   |
//! | 2    | [`Response`]              | 0, 1, 4, 5       | nobody (never sent)               |
//! | 3    | [`Message::Ping`]         | 0, 9             | either side                       |
//! | 4    | [`Message::Pong`]         | 0, 9             | the side that received the Ping   |
//! | 5    | [`Persist`]               | 0, 1, 4, 10, 11, 12 | enclave                        |
//! | 6    | [`PersistAck`]            | 0, 1, 4, 5, 12   | parent, answering a Persist       |
//! | 7    | reserved (`Shutdown`)     |                  | a later version                   |
//! | 8    | [`Credentials`]           | 0, 13, 14, 15, 16 | parent, after Hello and on renewal |
//! | 9    | [`Message::Sync`]         | 0, 1             | parent, to a read replica         |
//! | 10   | [`Message::SyncAck`]      | 0, 1, 4, 5       | enclave, answering a Sync         |
//! | 11   | [`Message::SealedCredentials`] | 0, 1, 4     | parent, after Hello and on change |
//! | 12   | [`Message::SealedCredentialsAck`] | 0, 1, 4, 5 | enclave, answering kind 11      |
//! | 13   | [`Forward`]               | 0, 1, 2, 3, 4, 9, 20, 21 | a replica; the parent relays it to the leader |
//! | 14   | [`ForwardReply`]          | 0, 1, 4, 5, 21, 22, 23 | the leader; the parent relays it back |
//! | 15   | [`Message::PositionQuery`] | 0, 1            | a replica, before serving a read  |
//! | 16   | [`Message::PositionReply`] | 0, 1, 22, 23    | parent, answering a PositionQuery |
//!
//! What the fields mean:
//!
//! - `id`: chosen by the parent, unique among its requests in flight on the connection. The
//!   enclave's response carries the same `id`. Connections are multiplexed: many requests may be in
//!   flight (up to the negotiated `max_in_flight`) and responses come back in any order.
//! - `op`: the KMS operation name, the part of the `X-Amz-Target` header after
//!   `TrentService.` (for example `"Encrypt"`).
//! - `caller`: the ARN of a principal, as the parent names it. Because the parent is outside the
//!   trust boundary, the enclave never believes it: a [`Request`] is refused unanswered.
//! - `payload`: in a request, the operation's JSON request body; in a successful response, its
//!   JSON response body; in an error response, `{"__type": "<ErrorType>", "message": "<text>"}`
//!   (see [`Response::error`]). Always the JSON's UTF-8 bytes, as a CBOR **byte** string.
//! - `status`: the HTTP status code the parent returns to its client; 2xx means `payload` is the
//!   operation's result, anything else an error body (see [`Status`] for why a number and not an
//!   enum).
//! - `version`, `max_frame_len`, `max_in_flight`: see [`hello`].
//! - `nonce`: chosen by the side sending a `Ping`; the `Pong` echoes it.
//! - `action`, `offset`, `total`: the enclave's sealed-state storage requests, see
//!   [`PersistAction`]. The enclave has no disk: it asks the parent, over the connection the parent
//!   opened, to read or append its (sealed, opaque) snapshot and journal files, and waits for the
//!   [`PersistAck`] before answering the KMS request that changed its state. Persist ids are the
//!   enclave's own, independent of request ids. Actions 4 and 5 read and create the seal-root
//!   blob: the AWS KMS ciphertext of the sealing key, kept by the parent beside the state.
//! - `access_key_id`, `secret_access_key`, `session_token`, `expiration`: [`Credentials`], the
//!   AWS credentials the enclave signs its own AWS KMS calls with (`--seal-root`).
//! - A [`Message::Sync`] makes the receiving enclave a read replica of state another enclave (the
//!   leader) writes: it re-reads the stored state and answers [`Message::SyncAck`] with the same
//!   `id` once it serves everything that was stored when the Sync was sent.
//! - [`Message::SealedCredentials`] carries, in `payload`, a caller-credentials file sealed to
//!   the enclave's provisioning key (`docs/sealed-credentials.md`), opaque to the parent; the
//!   [`Message::SealedCredentialsAck`] with the same `id` says in `status` whether the enclave put
//!   it in force (200) and in `payload` why not (UTF-8, never a secret).
//! - [`Forward`] / [`ForwardReply`] (protocol version 4): a read replica hands a mutation its
//!   client sent it to the leader, and gets the leader's answer back, both relayed unchanged by
//!   the parent; `nonce` is then the forward's single-use nonce, `issued_at_ms` its time, `mac`
//!   the HMAC the enclaves check (the parent cannot make one), and `generation`/`sequence` the
//!   leader's [`Position`] after the write. An `id` of a Forward is the replica's (random).
//! - [`Message::PositionQuery`] / [`Message::PositionReply`]: a replica asks the parent how far
//!   the stored state has come before it serves a read, and catches up first if it is behind.
//!
//! ## Rules for encoders
//!
//! Our encoder output is deterministic, which is what lets tests pin exact bytes: definite-length
//! maps and strings, integers in their shortest form, keys in ascending order, no tags (RFC 8949
//! §4.2.1, core deterministic encoding). Another implementation should do the same.
//!
//! ## Rules for decoders
//!
//! Decoding is strict, because the two peers are always built and deployed together (the enclave
//! image and its proxy are one release) and because a silently ignored field is a bug waiting to
//! happen. A body is rejected with a typed [`WireError`] when it is:
//!
//! - not well-formed CBOR, or followed by trailing bytes inside the frame ([`WireError::Cbor`],
//!   [`WireError::TrailingBytes`]);
//! - not a map ([`WireError::InvalidType`] with field `"message"`);
//! - missing `kind` or a key its kind requires ([`WireError::MissingField`]);
//! - of an unknown or reserved kind ([`WireError::UnknownKind`]);
//! - carrying a key outside the table above ([`WireError::UnknownKey`]), a key its kind does not
//!   use ([`WireError::UnexpectedKey`]), or the same key twice ([`WireError::DuplicateKey`]);
//! - carrying a value of the wrong CBOR type ([`WireError::InvalidType`]; tags, negative integers,
//!   bignums, floats, arrays and maps are never valid values) or out of range
//!   ([`WireError::OutOfRange`]).
//!
//! Keys may arrive in any order, and indefinite-length strings and maps are accepted. Any change to
//! this layout (a new kind, a new key) comes with a new [`PROTOCOL_VERSION`], so a peer never has
//! to guess what an unfamiliar key meant.
//!
//! ## Example
//!
//! `Request { id: 1, op: "Encrypt", caller: "arn:aws:iam::111122223333:root", payload: b"{}" }`
//! is this 55-byte frame (pinned by a test in [`frame`]):
//!
//! ```text
//! 00 00 00 33                      length = 51
//! a5                               map(5)
//!    00 01                         kind (0) = 1 (Request)
//!    01 01                         id (1) = 1
//!    02 67 456e6372797074          op (2) = "Encrypt"
//!    03 78 1e 61726e3a...726f6f74  caller (3) = text(30) "arn:aws:iam::111122223333:root"
//!    04 42 7b7d                    payload (4) = bytes(2) "{}"
//! ```
//!
//! # Bounded decoding
//!
//! Nothing here allocates in proportion to a number the peer wrote without checking it first: the
//! frame length is checked against the limit before the body buffer exists, and the CBOR decoder
//! grows strings only as their bytes are actually read from the (already bounded) body. Nesting is
//! bounded by construction: no valid value is an array or a map, and decoding stops at the first
//! one.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod error;
pub mod frame;
pub mod hello;
pub mod http_connect;
pub mod io;
mod limits;
#[cfg(feature = "logging")]
pub mod logging;
pub mod message;
pub mod shutdown;
pub mod transport;

pub use error::WireError;
pub use frame::{FrameDecoder, encode, encode_limited};
pub use hello::{handshake, negotiate};
pub use io::{FramedReader, FramedWriter, read_message, write_message};
pub use limits::{
    DEFAULT_MAX_FRAME_LEN, DEFAULT_MAX_IN_FLIGHT, FRAME_HEADER_LEN, Limits, MIN_MAX_FRAME_LEN,
};
pub use message::{
    Credentials, Forward, ForwardReply, Hello, Kind, Message, PROTOCOL_VERSION, Persist,
    PersistAck, PersistAction, Position, Request, Response, Status, keys,
};
